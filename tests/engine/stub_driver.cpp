#include "engine/stub_driver.hpp"

#include <filesystem>
#include <fstream>

#include "core/schema_diff.hpp"
#include "db/backend.hpp"
#include "util/error.hpp"
#include "db/mariadb/dialect.hpp"
#include "db/postgres/dialect.hpp"

using sqlmig::db::mariadb_dialect;
using sqlmig::db::postgres_dialect;

namespace sqlmig::test {

namespace {

// The canonical version a tracking statement names: the literal after "WHERE version = " or the
// first value of an upsert.
std::string version_in(const std::string& sql) {
    const auto where = sql.find("WHERE version = '");
    const auto at = where != std::string::npos ? where + 17 : sql.find("VALUES ('") + 9;
    return sql.substr(at, sql.find('\'', at) - at);
}

// INSERT ... ON CONFLICT (PostgreSQL, SQLite) or REPLACE INTO (MySQL): a whole row written.
bool is_upsert(const std::string& sql) {
    return sql.find(" VALUES (") != std::string::npos;
}

// A tracking statement as a call line; "" for the layout's statements.
std::string tracking_call(const std::string& sql) {
    if (sql.find("_layout") != std::string::npos) {
        return "";
    }
    if (sql.find(" SET statements_done") != std::string::npos) {
        return "journal " + version_in(sql);
    }
    if (sql.starts_with("DELETE FROM")) {
        return "unrecord " + version_in(sql);
    }
    for (const char* state : {core::k_state_running, core::k_state_applied, core::k_state_failed,
                              core::k_state_reverting}) {
        const std::string literal = "'" + std::string(state) + "'";
        if (sql.find(" SET state = " + literal) != std::string::npos) {
            return "state " + version_in(sql) + " " + state;
        }
        if (is_upsert(sql) && sql.find(literal) != std::string::npos) {
            return "record " + version_in(sql) + " " + state;
        }
    }
    return "";
}

class StubDriver final : public db::Driver {
public:
    explicit StubDriver(core::Dialect dialect) : m_dialect(dialect) {}
    core::Dialect dialect() const override { return m_dialect; }
    int server_version() const override { return 0; }
    std::string database_name() const override { return "stub"; }
    void acquire_lock(std::chrono::milliseconds) override { call("lock"); }
    void release_lock() noexcept override { call("unlock"); }
    bool ensure_tracking_table() override {
        call("create tracking table");
        return true;
    }
    std::vector<core::AppliedRow> read_applied() override {
        call("read");
        return db().rows;
    }
    void switch_tracking_table(const core::TableName&) override {}
    void begin() override { fail_or_call(FailAt::begin, m_begins, "begin"); m_open = true; }
    void commit() override { fail_or_call(FailAt::commit, m_commits, "commit"); m_open = false; }
    void rollback() noexcept override {
        if (m_open) {
            call("rollback");
        }
        m_open = false;
    }
    bool in_transaction() override { return m_open; }
    void execute(core::Statement statement) override {
        try {
            fail_or_call(FailAt::statement, m_statements, "execute " + statement.text);
        } catch (const DbError& e) {
            throw db::StatementError(e, std::move(statement));
        }
    }
    void flush() override {}
    void execute_internal(const std::string& sql) override {
        if (const std::string line = tracking_call(sql); !line.empty()) {
            const bool row_write = is_upsert(sql) || sql.find(" SET state") != std::string::npos;
            fail_or_call(row_write ? FailAt::tracking_write : FailAt::nothing, m_tracking_writes, line);
        }
    }
    std::optional<TextRows> query_rows(const std::string&) override { return std::nullopt; }
    std::vector<std::string> schema_snapshot() override { return {}; }
    std::string schema_fingerprint() override { return core::lines_fingerprint({}); }

private:
    static StubDatabase& db() { return stub_database(); }
    static void call(std::string line) {
        sync_hooks();
        db().calls.push_back(std::move(line));
    }
    // Counts the calls of one kind and throws at the injected one.
    static void fail_or_call(FailAt kind, int& count, std::string line) {
        if (kind != FailAt::nothing && db().fail_at == kind && ++count == db().fail_nth) {
            call("fail " + line);
            throw DbError("injected failure: " + line);
        }
        call(std::move(line));
    }

    core::Dialect m_dialect;
    bool m_open = false;
    int m_begins = 0, m_commits = 0, m_statements = 0, m_tracking_writes = 0;
};

class StubBackup final : public db::BackupEngine {
public:
    std::string extension() const override { return ".stub"; }
    void check() override {}
    void dump(const std::filesystem::path& file) override {
        sync_hooks();
        stub_database().calls.push_back("backup");
        std::ofstream(file) << "stub backup\n";
    }
    void restore(const std::filesystem::path&) override {}
    std::string schema() override { return ""; }
    std::string baseline(const std::vector<std::string>&) override { return ""; }
    bool holds_data() override { return stub_database().holds_data; }
};

class StubBackend final : public db::Backend {
public:
    StubBackend(std::string scheme, core::Dialect dialect, db::DdlTransactions ddl)
        : m_name(std::move(scheme)), m_dialect(dialect), m_ddl(ddl) {}
    std::string_view name() const override { return m_name; }
    core::Dialect dialect() const override { return m_dialect; }
    db::Capabilities capabilities() const override {
        return {m_ddl, db::LockKind::file, db::Schemas::none, db::Reach::local_file};
    }
    std::string_view config_section() const override { return "sqlite"; }
    std::string client_library() const override { return "stub"; }
    bool accepts(std::string_view url) const override { return url.starts_with(m_name + "://"); }
    std::string_view url_forms() const override { return m_name; }
    core::DatabaseUrl parse_url(std::string_view url, const std::filesystem::path&) const override {
        return core::DatabaseUrl{m_name, std::string(url), {}};
    }
    std::unique_ptr<db::Driver> connect(const db::ConnectOptions&) const override {
        return std::make_unique<StubDriver>(m_dialect);
    }
    std::unique_ptr<db::BackupEngine> backup_engine(const db::ConnectOptions&, int, const db::BackupTools&) const override {
        return std::make_unique<StubBackup>();
    }
    std::optional<std::string> read_only_session_sql() const override { return std::nullopt; }
    db::ScratchPlan scratch(const db::ConnectOptions& configured, const std::string&,
                            const std::filesystem::path&) const override {
        return {configured, "", "", ""};
    }

private:
    std::string m_name;
    core::Dialect m_dialect;
    db::DdlTransactions m_ddl;
};

}  // namespace

StubDatabase& stub_database() {
    static StubDatabase database;
    return database;
}

void sync_hooks() {
    StubDatabase& db = stub_database();
    if (db.hooks_log.empty()) {
        return;
    }
    std::ifstream in(db.hooks_log);
    std::string line;
    for (std::size_t n = 0; std::getline(in, line); ++n) {
        if (n >= db.hook_lines) {
            db.calls.push_back("hook " + line);
            db.hook_lines = n + 1;
        }
    }
}

void register_stub_backends() {
    static const StubBackend transactional("stub-tx", postgres_dialect, db::DdlTransactions::transactional);
    static const StubBackend implicit("stub-implicit", mariadb_dialect, db::DdlTransactions::implicit_commit);
    static const bool registered = (db::add_backend(transactional), db::add_backend(implicit), true);
    (void)registered;
}

}  // namespace sqlmig::test
