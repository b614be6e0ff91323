// PostgreSQL: libpq URLs and key=value strings, a session advisory lock,
// transactional DDL, and pg_dump for backups. The driver itself is a module
// loaded on first use (module.hpp).
#include "db/postgres/backend.hpp"

#include "db/postgres/backup.hpp"
#include "db/postgres/driver.hpp"
#include "util/text.hpp"

namespace sqlmig::db {

namespace {

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
    core::Dialect dialect() const override { return core::Dialect::postgres; }
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
        // Kept as it is: libpq parses it (expand_dbname), so every libpq form and option works.
        return {std::string(name()), dialect(), std::string(url), {}};
    }

    void load() const override { load_postgres_module(); }
    std::unique_ptr<Driver> connect(const ConnectOptions& options) const override {
        return make_postgres_driver(options);
    }
    std::unique_ptr<BackupEngine> backup_engine(const ConnectOptions& options, int server_version,
                                                const BackupTools& tools) const override {
        return make_postgres_backup_engine(options, server_version, tools);
    }
    ScratchPlan scratch(const ConnectOptions& configured, const std::string& name,
                        const std::filesystem::path&) const override {
        ScratchPlan plan{configured, "CREATE DATABASE \"" + name + "\"",
                         "DROP DATABASE IF EXISTS \"" + name + "\" WITH (FORCE)"};
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
