// SQLite: sqlite:/// URLs naming a file (relative to the config's folder), a lock
// file beside the database, transactional DDL, and the online backup API.
#include "db/sqlite/backend.hpp"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <mutex>
#include <set>

#include "db/sqlite/backup.hpp"
#include "db/sqlite/driver.hpp"
#include "util/error.hpp"
#include "util/text.hpp"
#include "db/sqlite/dialect.hpp"

namespace sqlmig::db {

namespace {

namespace fs = std::filesystem;

// sqlite:///tmp/x.db is tmp/x.db in the config's folder. When that folder has no "tmp"
// but / has, the absolute /tmp/x.db was probably meant: say which file is used and how
// to write the other. Once per file and run (a URL is parsed more than once).
void warn_if_absolute_meant(std::string_view url, const fs::path& relative, const fs::path& base_dir,
                            const fs::path& used) {
    const fs::path first = *relative.begin();
    if (first.empty() || first == "." || first == "..") {
        return;
    }
    std::error_code ec;
    if (fs::exists(base_dir / first, ec) || !fs::exists(fs::path("/") / first, ec)) {
        return;
    }
    static std::mutex mutex;
    static std::set<fs::path> warned;
    const std::lock_guard lock(mutex);
    if (!warned.insert(used).second) {
        return;
    }
    spdlog::warn(
        "{} is the file {} (three slashes: relative to {}, which has no {}); for the absolute /{} "
        "write sqlite:////{}",
        util::printable(util::redact_url(url)), util::printable(used.string()), util::printable(base_dir.string()),
        util::printable(first.string()), util::printable(relative.string()), util::printable(relative.string()));
}

class SqliteBackend final : public Backend {
public:
    std::string_view name() const override { return "sqlite"; }
    std::string_view config_section() const override { return "sqlite"; }
    std::string client_library() const override { return std::string("SQLite ") + sqlite3_libversion(); }
    core::Dialect dialect() const override { return sqlite_dialect; }
    Capabilities capabilities() const override {
        return {DdlTransactions::transactional, LockKind::file, Schemas::none, Reach::local_file};
    }

    bool accepts(std::string_view url) const override { return util::starts_with_icase(util::trim(url), "sqlite:"); }
    std::string_view url_forms() const override { return "sqlite:///path.db"; }

    // sqlite:///relative/to/base_dir.db, sqlite:////absolute.db, sqlite://:memory:, and
    // dbmate's forms: sqlite:relative.db (to base_dir as well) and sqlite:/absolute.db.
    core::DatabaseUrl parse_url(std::string_view url, const std::filesystem::path& base_dir) const override {
        core::DatabaseUrl out{std::string(name()), std::string(url), {}};
        const std::string_view trimmed = util::trim(url);
        std::string_view rest = trimmed.substr(7);
        const auto invalid = [&](std::string_view why) {
            return ConfigError("invalid SQLite URL '" + util::printable(trimmed) + "': " + std::string(why) +
                               "write sqlite:///relative/path.db or sqlite:////absolute/path.db");
        };
        if (rest.find('\0') != std::string_view::npos) {
            throw invalid("");
        }
        const bool slashes = rest.substr(0, 2) == "//";  // sqlite:///..., not dbmate's sqlite:path
        if (slashes) {
            rest.remove_prefix(2);
            if (rest == ":memory:" || rest == "/:memory:") {
                out.file = ":memory:";
                return out;
            }
            if (rest.empty() || rest[0] != '/' || rest.size() == 1) {
                throw invalid("no file; ");
            }
            rest.remove_prefix(1);  // sqlite:/// + relative, sqlite:/// + /absolute
        } else if (rest.empty() || rest == "/") {
            throw invalid("no file; ");
        }
        const std::filesystem::path p(rest);
        out.file = (p.is_absolute() ? p : base_dir / p).lexically_normal();
        if (slashes && !p.is_absolute()) {
            warn_if_absolute_meant(trimmed, p, base_dir, out.file);
        }
        return out;
    }

    std::unique_ptr<Driver> connect(const ConnectOptions& options) const override {
        return make_sqlite_driver(options);
    }
    std::unique_ptr<BackupEngine> backup_engine(const ConnectOptions& options, int,
                                                const BackupTools&) const override {
        return make_sqlite_backup_engine(options);
    }
    // Not the read-only open alone: a writable file is opened read-write (without CREATE) so that a
    // hot journal can be rolled back before reading; query_only refuses every change after that.
    std::optional<std::string> read_only_session_sql() const override { return "PRAGMA query_only = ON"; }
    ScratchPlan scratch(const ConnectOptions& configured, const std::string& name,
                        const std::filesystem::path& folder) const override {
        ScratchPlan plan{configured, "", "", ""};
        plan.options.url.file = folder / (name + ".db");
        plan.options.url.raw = "sqlite:///" + plan.options.url.file.string();
        return plan;
    }
};

}  // namespace

const Backend& sqlite_backend() {
    static const SqliteBackend backend;
    return backend;
}

}  // namespace sqlmig::db
