#include "core/database_url.hpp"

#include "util/error.hpp"
#include "util/text.hpp"

namespace sqlmig::core {

std::string DatabaseUrl::redacted() const {
    return util::redact_url(raw);
}

DatabaseUrl parse_database_url(std::string_view url, const std::filesystem::path& base_dir) {
    DatabaseUrl out;
    out.raw = std::string(url);
    const std::string_view trimmed = util::trim(url);
    if (trimmed.empty()) {
        throw ConfigError("the database URL is empty; set [database] url, DATABASE_URL or --database");
    }
    if (util::starts_with_icase(trimmed, "postgres://") || util::starts_with_icase(trimmed, "postgresql://")) {
        out.backend = Backend::postgres;
        return out;
    }
    if (util::starts_with_icase(trimmed, "sqlite:")) {
        std::string_view rest = trimmed.substr(7);
        if (rest.substr(0, 2) != "//") {
            throw ConfigError("invalid SQLite URL '" + util::printable(trimmed) +
                              "': write sqlite:///relative/path.db or sqlite:////absolute/path.db");
        }
        rest.remove_prefix(2);
        if (rest == ":memory:" || rest == "/:memory:") {
            out.sqlite_path = ":memory:";
            return out;
        }
        if (rest.empty() || rest[0] != '/' || rest.size() == 1 || rest.find('\0') != std::string_view::npos) {
            throw ConfigError("invalid SQLite URL '" + util::printable(trimmed) +
                              "': no file; write sqlite:///relative/path.db or sqlite:////absolute/path.db");
        }
        rest.remove_prefix(1);  // sqlite:/// + relative, sqlite:/// + /absolute
        const std::filesystem::path p(rest);
        out.sqlite_path = p.is_absolute() ? p : base_dir / p;
        out.sqlite_path = out.sqlite_path.lexically_normal();
        return out;
    }
    if (trimmed.find("://") == std::string_view::npos && trimmed.find('=') != std::string_view::npos) {
        out.backend = Backend::postgres;  // libpq key=value string
        return out;
    }
    throw ConfigError("unsupported database URL '" + util::redact_url(trimmed) +
                      "'; use sqlite:///path.db, postgres://user@host/db or a libpq 'host=... dbname=...' string");
}

}  // namespace sqlmig::core
