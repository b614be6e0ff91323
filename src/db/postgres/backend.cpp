// PostgreSQL: libpq URLs and key=value strings, a session advisory lock,
// transactional DDL, and pg_dump for backups. The driver itself is a module
// loaded on first use (module.hpp).
#include "db/postgres/backend.hpp"

#include "db/postgres/backup.hpp"
#include "db/postgres/driver.hpp"
#include "util/error.hpp"
#include "util/text.hpp"
#include "db/postgres/dialect.hpp"

namespace sqlmig::db {

namespace {

// dbmate's postgres://.../db?search_path=a,b, which libpq refuses as an unknown parameter,
// becomes the server option it means: options=-csearch_path=a,b (the value stays encoded).
std::string with_search_path_as_option(std::string_view url) {
    const std::string text(util::trim(url));
    const std::size_t query = text.find('?');
    if (query == std::string::npos || text.find("://") == std::string::npos) {
        return std::string(url);
    }
    std::string kept;
    std::string search_path;
    for (const auto& param : util::split(std::string_view(text).substr(query + 1), '&')) {
        if (param.starts_with("search_path=")) {
            search_path = std::string(param.substr(12));
        } else if (!param.empty()) {
            if (!kept.empty()) {
                kept += '&';
            }
            kept += param;
        }
    }
    if (search_path.empty()) {
        return std::string(url);
    }
    if (kept.find("options=") != std::string::npos) {
        throw ConfigError("the database URL sets both search_path and options; put the search path in options "
                          "(options=-csearch_path%3D" + util::printable(search_path) + ")");
    }
    if (!kept.empty()) {
        kept += '&';
    }
    kept += "options=-csearch_path%3D" + search_path;
    return text.substr(0, query + 1) + kept;
}

class PostgresBackend final : public Backend {
public:
    std::string_view name() const override { return "postgres"; }
    std::string_view config_section() const override { return "postgres"; }
    std::string client_library() const override {
        try {
            return "libpq " + postgres_library_version();
        } catch (const DbError& e) {
            return "libpq: not available (" + util::first_line(e.what()) + ")";
        }
    }
    core::Dialect dialect() const override { return postgres_dialect; }
    Capabilities capabilities() const override {
        return {DdlTransactions::transactional, LockKind::session_advisory, Schemas::supported, Reach::server};
    }

    bool accepts(std::string_view url) const override {
        const std::string_view u = util::trim(url);
        if (util::starts_with_icase(u, "postgres://") || util::starts_with_icase(u, "postgresql://")) {
            return true;
        }
        return u.find("://") == std::string_view::npos && u.find('=') != std::string_view::npos;  // libpq key=value
    }
    std::string_view url_forms() const override {
        return "postgres://user@host/db or a libpq 'host=... dbname=...' string";
    }
    core::DatabaseUrl parse_url(std::string_view url, const std::filesystem::path&) const override {
        // Kept as it is but for dbmate's search_path: libpq parses it (expand_dbname), so
        // every libpq form and option works.
        return {std::string(name()), with_search_path_as_option(url), {}};
    }

    void load() const override { load_postgres_module(); }
    std::unique_ptr<Driver> connect(const ConnectOptions& options) const override {
        return make_postgres_driver(options);
    }
    std::unique_ptr<BackupEngine> backup_engine(const ConnectOptions& options, int server_version,
                                                const BackupTools& tools) const override {
        if (options.run_lock == RunLock::lease) {
            // pg_dump's session search_path = '' would stay on a server connection of the pooler, where
            // the next client's unqualified CREATE TABLE fails (tests/e2e/cli_pooler_test.cpp).
            throw BackupError(
                "[postgres] lock = \"lease\" says this URL may go through a transaction pooler, where pg_dump, "
                "pg_restore and psql leave their session settings (search_path = '') on the pooler's server "
                "connections for other clients; take backups through a direct URL (sqlmig backup), and here "
                "run with --no-backup or set [backup] enabled = false");
        }
        return make_postgres_backup_engine(options, server_version, tools);
    }
    std::optional<std::string> read_only_session_sql() const override {
        return "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY";
    }
    ScratchPlan scratch(const ConnectOptions& configured, const std::string& name,
                        const std::filesystem::path&) const override {
        ScratchPlan plan{configured, "CREATE DATABASE \"" + name + "\"",
                         "DROP DATABASE IF EXISTS \"" + name + "\" WITH (FORCE)", "the CREATEDB privilege"};
        plan.options.database_override = name;
        return plan;
    }
};

}  // namespace

const Backend& postgres_backend() {
    static const PostgresBackend backend;
    return backend;
}

}  // namespace sqlmig::db
