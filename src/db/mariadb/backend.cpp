// MariaDB and MySQL: mysql:// and mariadb:// URLs, GET_LOCK, DDL that commits
// implicitly (so migrations are recorded running first), and mariadb-dump for
// backups. The driver is a module loaded on first use (driver.hpp).
#include "db/mariadb/backend.hpp"

#include "db/mariadb/backup.hpp"
#include "db/mariadb/driver.hpp"
#include "db/mariadb/url.hpp"
#include "util/text.hpp"
#include "db/mariadb/dialect.hpp"

namespace sqlmig::db {

namespace {

class MariadbBackend final : public Backend {
public:
    std::string_view name() const override { return "mariadb"; }
    std::string_view config_section() const override { return "mariadb"; }
    std::string client_library() const override {
        try {
            return "MariaDB Connector/C " + mariadb_client_version();
        } catch (const DbError& e) {
            return "MariaDB Connector/C: not available (" + util::first_line(e.what()) + ")";
        }
    }
    core::Dialect dialect() const override { return mariadb_dialect; }
    Capabilities capabilities() const override {
        return {DdlTransactions::implicit_commit, LockKind::session_advisory, Schemas::supported, Reach::server};
    }

    bool accepts(std::string_view url) const override { return is_mariadb_url(url); }
    std::string_view url_forms() const override { return "mysql://user@host:3306/db (or mariadb://)"; }
    core::DatabaseUrl parse_url(std::string_view url, const std::filesystem::path&) const override {
        (void)parse_mariadb_url(url);  // refuses a bad URL now, with the config's line
        return {std::string(name()), std::string(url), {}};
    }

    void load() const override { load_mariadb_module(); }
    std::unique_ptr<Driver> connect(const ConnectOptions& options) const override {
        return make_mariadb_driver(options);
    }
    std::unique_ptr<BackupEngine> backup_engine(const ConnectOptions& options, int server_version,
                                                const BackupTools& tools) const override {
        return make_mariadb_backup_engine(options, server_version, tools);
    }
    std::optional<std::string> read_only_session_sql() const override { return "SET SESSION TRANSACTION READ ONLY"; }
    ScratchPlan scratch(const ConnectOptions& configured, const std::string& name,
                        const std::filesystem::path&) const override {
        ScratchPlan plan{configured, "CREATE DATABASE `" + name + "`", "DROP DATABASE IF EXISTS `" + name + "`",
                         "the CREATE privilege on new databases"};
        plan.options.database_override = name;
        return plan;
    }
};

}  // namespace

const Backend& mariadb_backend() {
    static const MariadbBackend backend;
    return backend;
}

}  // namespace sqlmig::db
