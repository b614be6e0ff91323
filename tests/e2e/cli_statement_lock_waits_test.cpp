// Bounded lock waits outside one transaction (docs/production.md) on the real servers: a
// statement of a no-transaction file retried alone on PostgreSQL, CREATE INDEX CONCURRENTLY's
// INVALID index dropped before its next attempt (and no other index ever), and SQLite
// retrying while another connection holds a write transaction.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "e2e/cli_test_support.hpp"
#include "e2e/fleet_json.hpp"
#include "e2e/pg_project.hpp"

using sqlmig::test::json_of;
using sqlmig::test::PgProject;
using sqlmig::test::Project;
using sqlmig::test::Result;

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

}  // namespace

#ifdef SQLMIG_E2E_SUITE_pg

namespace {

using Conn = std::unique_ptr<PGconn, decltype(&PQfinish)>;

// A session of the test's own ("an application"), with its application_name.
Conn session(const std::string& url, const std::string& application) {
    const char* keys[] = {"dbname", "application_name", nullptr};
    const char* values[] = {url.c_str(), application.c_str(), nullptr};
    Conn c(PQconnectdbParams(keys, values, 1), &PQfinish);
    EXPECT_EQ(PQstatus(c.get()), CONNECTION_OK) << PQerrorMessage(c.get());
    return c;
}

void exec(PGconn* c, const std::string& sql) {
    std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(c, sql.c_str()), &PQclear);
    const auto s = PQresultStatus(r.get());
    ASSERT_TRUE(s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) << sql << ": " << PQerrorMessage(c);
}

// Waits until sqlmig's migration session waits for a lock on the test's database.
bool sqlmig_waits_for_lock(const PgProject& p, double timeout_s) {
    const auto start = Clock::now();
    while (seconds_since(start) < timeout_s) {
        if (p.db.query("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND "
                       "application_name = 'sqlmig' AND wait_event_type = 'Lock'") == "1") {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

void with_accounts(PgProject& p) {
    p.project.migration("001_accounts.up.sql",
                        "CREATE TABLE accounts (id int PRIMARY KEY, owner text);\n"
                        "INSERT INTO accounts VALUES (1, 'alice');\n"
                        "CREATE TABLE items (id int, v int);\n"
                        "INSERT INTO items SELECT g, g % 10 FROM generate_series(1, 100) g;\n");
    ASSERT_EQ(p.run({"up", "--no-backup"}).code, 0);
}

// An INVALID index: a unique index built concurrently on duplicates fails and stays behind.
void invalid_index(const PgProject& p, const std::string& name) {
    Conn c = session(p.db.url(), "setup");
    std::unique_ptr<PGresult, decltype(&PQclear)> r(
        PQexec(c.get(), ("CREATE UNIQUE INDEX CONCURRENTLY " + name + " ON items (v)").c_str()), &PQclear);
    ASSERT_EQ(PQresultStatus(r.get()), PGRES_FATAL_ERROR);
}

std::string state_of(const PgProject& p, const std::string& version) {
    return p.db.query("SELECT state FROM sqlmig_migrations WHERE version = '" + version + "'");
}

}  // namespace

TEST(StatementLockWaitsPostgres, ANoTransactionStatementIsRetriedAloneUntilTheHolderEnds) {
    PgProject p;
    with_accounts(p);
    p.project.migration("002_note.up.sql",
                        "-- sqlmig:no-transaction\nCREATE TABLE audit (id int);\n"
                        "ALTER TABLE accounts ADD COLUMN note text;\n"
                        "SET lock_timeout = '7s';\n"
                        "CREATE TABLE seen AS SELECT current_setting('lock_timeout') AS v;\n");
    Conn holder = session(p.db.url(), "report");
    exec(holder.get(), "BEGIN");
    exec(holder.get(), "SELECT * FROM accounts WHERE owner = 'alice'");
    const std::string holder_pid = std::to_string(PQbackendPID(holder.get()));

    Result r;
    std::thread run([&] { r = p.run({"--json", "up", "--no-backup"}); });
    EXPECT_TRUE(sqlmig_waits_for_lock(p, 10));                     // EXPECT: the run's thread must still be joined
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));  // several attempts
    EXPECT_EQ(state_of(p, "2"), "running");  // the statement before it committed: running, truthfully
    EXPECT_EQ(p.db.query("SELECT count(*) FROM audit"), "0");
    exec(holder.get(), "COMMIT");
    const auto released = Clock::now();
    run.join();

    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_LT(seconds_since(released), 2.5);
    EXPECT_EQ(p.versions(), "1,2");
    EXPECT_EQ(state_of(p, "2"), "applied");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM information_schema.columns WHERE column_name = 'note'"), "1");
    // A file's own SET lock_timeout is kept for the statements after it, as in a transaction.
    EXPECT_EQ(p.db.query("SELECT v FROM seen"), "7s");
    EXPECT_CONTAINS(
        r.err, "002_note: lock not granted in 100 ms (attempt 1); blocked by pid " + holder_pid + " (app 'report'");
    EXPECT_CONTAINS(r.err, "SELECT * FROM accounts WHERE owner = '?')");
    const auto doc = json_of(r);
    const auto& step = doc["steps"][0];
    EXPECT_GT(step["attempts"].get<int>(), 2);
    ASSERT_GE(step["lock_waits"].size(), 2u);
    EXPECT_EQ(step["lock_waits"][0]["reason"], "timeout");
    ASSERT_GE(step["lock_waits"][0]["blockers"].size(), 1u);
    EXPECT_EQ(std::to_string(step["lock_waits"][0]["blockers"][0]["pid"].get<long>()), holder_pid);
    EXPECT_EQ(step["lock_waits"][0]["blockers"][0]["application_name"], "report");
}

TEST(StatementLockWaitsPostgres, ExhaustedAfterAStatementCommittedMarksTheMigrationFailedAtTheBlockedOne) {
    PgProject p("[postgres]\nlock_wait_budget = \"1s\"\n");
    with_accounts(p);
    p.project.migration("002_note.up.sql",
                        "-- sqlmig:no-transaction\nCREATE TABLE audit (id int);\n"
                        "ALTER TABLE accounts ADD COLUMN note text;\n");
    Conn holder = session(p.db.url(), "report");
    exec(holder.get(), "BEGIN");
    exec(holder.get(), "SELECT count(*) FROM accounts");
    const std::string holder_pid = std::to_string(PQbackendPID(holder.get()));
    const Result r = p.run({"up", "--no-backup"});
    exec(holder.get(), "COMMIT");

    // Part of it committed: "nothing was applied" would not be true, so not exit 5.
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_EQ(state_of(p, "2"), "failed");
    EXPECT_CONTAINS(p.db.query("SELECT failure FROM sqlmig_migrations WHERE version = '2'"),
                    "migrations/002_note.up.sql:3:1: ERROR: canceling statement due to lock timeout");
    EXPECT_CONTAINS(r.err, "002_note could not get a lock in time: ");
    EXPECT_CONTAINS(r.err, "([postgres] lock_wait_budget); blocked by pid " + holder_pid + " (app 'report'");
    EXPECT_CONTAINS(r.err, "002_note ran partway: the statements up to line 2 were committed");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM information_schema.columns WHERE column_name = 'note'"), "0");
}

TEST(StatementLockWaitsPostgres, ExhaustedWithNothingCommittedExitsFiveUnrecorded) {
    PgProject p("[postgres]\nlock_wait_budget = \"1s\"\n");
    with_accounts(p);
    p.project.migration("002_note.up.sql", "-- sqlmig:no-transaction\nALTER TABLE accounts ADD COLUMN note text;\n");
    Conn holder = session(p.db.url(), "report");
    exec(holder.get(), "BEGIN");
    exec(holder.get(), "SELECT count(*) FROM accounts");
    const Result r = p.run({"up", "--no-backup"});
    exec(holder.get(), "COMMIT");
    EXPECT_EQ(r.code, 5) << r.err;
    EXPECT_EQ(p.versions(), "1");  // neither running nor failed
    EXPECT_CONTAINS(r.err, "nothing of 002_note was applied");
}

TEST(StatementLockWaitsPostgres, ConcurrentIndexLeftInvalidByALockTimeoutIsDroppedAndBuiltAgain) {
    PgProject p;
    with_accounts(p);
    invalid_index(p, "\"Items_V\"");  // another index, named alike but for its case: never touched
    const std::string other = p.db.query("SELECT '\"Items_V\"'::regclass::oid");
    p.project.migration("002_index.up.sql",
                        "-- sqlmig:no-transaction\nCREATE INDEX CONCURRENTLY Items_V ON items (v);\n");
    // A writer's open transaction: CREATE INDEX CONCURRENTLY creates its index, then waits for it.
    Conn holder = session(p.db.url(), "writer");
    exec(holder.get(), "BEGIN");
    exec(holder.get(), "INSERT INTO items VALUES (0, 0)");
    const std::string holder_pid = std::to_string(PQbackendPID(holder.get()));

    Result r;
    std::thread run([&] { r = p.run({"--json", "up", "--no-backup"}); });
    EXPECT_TRUE(sqlmig_waits_for_lock(p, 10));  // EXPECT: the run's thread must still be joined
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    // Meanwhile the index is there, INVALID.
    EXPECT_EQ(
        p.db.query("SELECT string_agg(indisvalid::text, ',') FROM pg_index WHERE indexrelid = 'items_v'::regclass"),
        "false");
    exec(holder.get(), "COMMIT");
    run.join();

    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(p.versions(), "1,2");
    EXPECT_EQ(p.db.query("SELECT indisvalid::text FROM pg_index WHERE indexrelid = 'items_v'::regclass"), "true");
    EXPECT_EQ(p.db.query("SELECT indisvalid::text FROM pg_index WHERE indexrelid = " + other), "false");
    EXPECT_CONTAINS(r.err, "002_index: lock not granted in 100 ms (attempt 1); blocked by pid " + holder_pid);
    EXPECT_CONTAINS(r.err, "002_index: dropped the INVALID index public.items_v the failed attempt left");
    const auto doc = json_of(r);
    EXPECT_GT(doc["steps"][0]["attempts"].get<int>(), 1);
}

TEST(StatementLockWaitsPostgres, AnIndexThatExistedBeforeIsNeverDroppedEvenInvalid) {
    PgProject p;
    with_accounts(p);
    invalid_index(p, "items_v");
    const std::string before = p.db.query("SELECT 'items_v'::regclass::oid");
    p.project.migration("002_index.up.sql",
                        "-- sqlmig:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS items_v ON items (v);\n");
    // A lock that conflicts with the statement's own SHARE UPDATE EXCLUSIVE: it waits before it
    // looks at the name, and fails on a lock timeout with the old index there.
    Conn holder = session(p.db.url(), "report");
    exec(holder.get(), "BEGIN");
    exec(holder.get(), "LOCK TABLE items IN SHARE MODE");

    Result r;
    std::thread run([&] { r = p.run({"up", "--no-backup"}); });
    EXPECT_TRUE(sqlmig_waits_for_lock(p, 10));  // EXPECT: the run's thread must still be joined
    std::this_thread::sleep_for(std::chrono::milliseconds(800));
    exec(holder.get(), "COMMIT");
    run.join();

    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_CONTAINS(r.err, "002_index: lock not granted in 100 ms (attempt 1)");
    EXPECT_NOT_CONTAINS(r.err, "dropped");
    EXPECT_EQ(p.db.query("SELECT 'items_v'::regclass::oid"), before);  // the same index, still INVALID
    EXPECT_EQ(p.db.query("SELECT indisvalid::text FROM pg_index WHERE indexrelid = " + before), "false");
}

TEST(StatementLockWaitsPostgres, AnUnnamedConcurrentIndexLeftInvalidIsNotRetried) {
    PgProject p;
    with_accounts(p);
    p.project.migration("002_index.up.sql", "-- sqlmig:no-transaction\nCREATE INDEX CONCURRENTLY ON items (v);\n");
    Conn holder = session(p.db.url(), "writer");
    exec(holder.get(), "BEGIN");
    exec(holder.get(), "INSERT INTO items VALUES (0, 0)");
    const Result r = p.run({"up", "--no-backup"});
    exec(holder.get(), "COMMIT");

    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_CONTAINS(r.err, "the statement names no index, so sqlmig cannot tell the INVALID index public.items_v_idx");
    EXPECT_CONTAINS(r.err, "name the index to let sqlmig drop it and retry");
    EXPECT_EQ(state_of(p, "2"), "failed");  // the index it left is a change: not "nothing applied"
    EXPECT_EQ(p.db.query("SELECT indisvalid::text FROM pg_index WHERE indexrelid = 'items_v_idx'::regclass"), "false");
}

#endif  // SQLMIG_E2E_SUITE_pg

#ifdef SQLMIG_E2E_SUITE_sqlite

namespace {

// Another connection holding a transaction on the file for `hold`, then committing, on a thread of
// the test: a writer (BEGIN IMMEDIATE and a row) by default. The constructor returns once it holds it.
class SqliteWriter {
public:
    SqliteWriter(const std::filesystem::path& file, std::chrono::milliseconds hold,
                 std::string sql = "BEGIN IMMEDIATE; INSERT INTO accounts VALUES (2, 'bob');")
        : m_thread([this, file, hold, sql] { run(file, hold, sql); }) {
        const auto start = Clock::now();
        while (!m_holding && seconds_since(start) < 5) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }
    ~SqliteWriter() {
        if (m_thread.joinable()) {
            m_thread.join();
        }
    }
    // Waits for the writer's end; its COMMIT's result code.
    int commit_result() {
        m_thread.join();
        return m_commit;
    }

private:
    void run(const std::filesystem::path& file, std::chrono::milliseconds hold, const std::string& sql) {
        sqlite3* db = nullptr;
        sqlite3_open(file.c_str(), &db);
        sqlite3_busy_timeout(db, 5000);  // its COMMIT may wait for sqlmig's reads to end
        if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK) {
            m_holding = true;
            std::this_thread::sleep_for(hold);
            m_commit = sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
        }
        m_holding = true;
        sqlite3_close(db);
    }

    std::atomic<bool> m_holding{false};
    int m_commit = -1;
    std::thread m_thread;
};

void with_sqlite_accounts(Project& p, const std::string& sqlite_config) {
    p.write_file("config.toml", "[database]\nurl = \"sqlite:///data/app.db\"\n[sqlite]\n" + sqlite_config);
    p.migration("001_accounts.up.sql", "CREATE TABLE accounts (id int PRIMARY KEY, owner text);\n");
    ASSERT_EQ(p.run({"up", "--no-backup"}).code, 0);
}

}  // namespace

TEST(LockWaitsSqlite, AWriterHoldingTheFileIsWaitedForThenTheMigrationIsRetriedAndApplied) {
    Project p;
    with_sqlite_accounts(p, "busy_timeout = \"200ms\"\n");
    p.migration("002_note.up.sql", "ALTER TABLE accounts ADD COLUMN note text;\n");
    p.migration("003_audit.up.sql", "CREATE TABLE audit (id int);\n");
    SqliteWriter writer(p.db_path(), std::chrono::milliseconds(1000));
    const auto start = Clock::now();
    const Result r = p.run({"--json", "up", "--no-backup"});
    const double took = seconds_since(start);
    // The writer could commit while sqlmig waited: sqlmig held nothing between its attempts.
    EXPECT_EQ(writer.commit_result(), SQLITE_OK);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_GT(took, 0.8);
    EXPECT_LT(took, 4.0);
    EXPECT_EQ(p.query("SELECT version FROM sqlmig_migrations ORDER BY version"), "1,2,3");
    EXPECT_EQ(p.query("SELECT count(*) FROM accounts"), "1");  // the writer's row
    EXPECT_CONTAINS(r.err, "002_note: lock not granted in 200 ms (attempt 1)");
    const auto doc = json_of(r);
    EXPECT_GT(doc["steps"][0]["attempts"].get<int>(), 1);
    EXPECT_EQ(doc["steps"][0]["lock_waits"][0]["reason"], "timeout");
    EXPECT_EQ(doc["steps"][0]["lock_waits"][0]["lock_timeout_ms"], 200);
}

TEST(LockWaitsSqlite, AReaderKeepingTheFileFromCommitIsWaitedForToo) {
    Project p;
    with_sqlite_accounts(p, "busy_timeout = \"200ms\"\n");
    p.migration("002_note.up.sql", "ALTER TABLE accounts ADD COLUMN note text;\n");
    // A read transaction: sqlmig's BEGIN IMMEDIATE gets the file, its COMMIT waits for the reader.
    SqliteWriter reader(p.db_path(), std::chrono::milliseconds(1000), "BEGIN; SELECT count(*) FROM accounts;");
    const Result r = p.run({"up", "--no-backup"});
    EXPECT_EQ(reader.commit_result(), SQLITE_OK);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(p.query("SELECT version FROM sqlmig_migrations ORDER BY version"), "1,2");
    EXPECT_CONTAINS(r.err, "002_note: lock not granted in 200 ms (attempt 1)");
}

TEST(LockWaitsSqlite, AWriterThatOutlivesTheBudgetExitsFiveWithNothingApplied) {
    Project p;
    with_sqlite_accounts(p, "busy_timeout = \"200ms\"\nlock_wait_budget = \"1s\"\n");
    p.migration("002_note.up.sql", "ALTER TABLE accounts ADD COLUMN note text;\n");
    SqliteWriter writer(p.db_path(), std::chrono::milliseconds(3000));
    const Result r = p.run({"up", "--no-backup"});
    EXPECT_EQ(writer.commit_result(), SQLITE_OK);
    EXPECT_EQ(r.code, 5) << r.err;
    EXPECT_EQ(p.query("SELECT version FROM sqlmig_migrations ORDER BY version"), "1");
    EXPECT_EQ(p.query("SELECT count(*) FROM pragma_table_info('accounts') WHERE name = 'note'"), "0");
    EXPECT_CONTAINS(r.err, "sqlmig: error: 002_note could not get a lock in time: ");
    EXPECT_CONTAINS(r.err, "([sqlite] lock_wait_budget)");
    EXPECT_CONTAINS(r.err, "database is locked");
    EXPECT_CONTAINS(r.err, "nothing of 002_note was applied");
}

TEST(LockWaitsSqlite, RetriesOffFailsAtTheFirstBusyAsBefore) {
    Project p;
    with_sqlite_accounts(p, "busy_timeout = \"200ms\"\nlock_retries = false\n");
    p.migration("002_note.up.sql", "ALTER TABLE accounts ADD COLUMN note text;\n");
    SqliteWriter writer(p.db_path(), std::chrono::milliseconds(1000));
    const Result r = p.run({"up", "--no-backup"});
    EXPECT_EQ(writer.commit_result(), SQLITE_OK);
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_CONTAINS(r.err, "database is locked");
    EXPECT_NOT_CONTAINS(r.err, "attempt");
}

#endif  // SQLMIG_E2E_SUITE_sqlite
