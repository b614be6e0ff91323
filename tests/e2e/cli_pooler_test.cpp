// Through a pooler (docs/production.md, "Through a pooler"): sqlmig behind Debian's PgBouncer
// in transaction pooling mode (scripts/pgbouncer-test-server), where each transaction may run
// on another server connection. With [postgres] lock = "lease" the run-wide lock is a row of
// sqlmig_migrations_lock, renewed while the run lasts, and settings are SET LOCAL per
// transaction. Without SQLMIG_TEST_PGBOUNCER_URL these tests skip with one line, except in CI.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <fstream>
#include <iterator>
#include <utility>
#include <vector>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "e2e/cli_test_support.hpp"
#include "support/pg_database.hpp"

using sqlmig::test::PgDatabase;
using sqlmig::test::Project;
using sqlmig::test::Result;
using sqlmig::test::shell_quote;

namespace {

using Clock = std::chrono::steady_clock;
using Conn = std::unique_ptr<PGconn, decltype(&PQfinish)>;

std::string pgbouncer_url() {
    const char* url = std::getenv("SQLMIG_TEST_PGBOUNCER_URL");
    return url ? url : "";
}

// The pooler's URL for one database of the server behind it.
std::string through_pooler(const std::string& pooler, const std::string& database) {
    return pooler.substr(0, pooler.rfind('/') + 1) + database;
}

// A fresh database, and a project whose config reaches it through the pooler.
struct PoolerProject {
    PgDatabase db;
    Project project;
    std::string url;
    PoolerProject(const std::string& pooler, const std::string& config)
        : url(through_pooler(pooler, db.name())) {
        // pg_dump through a transaction pooler is refused (AnyBackupThroughThePoolerIsRefused).
        project.write_file("config.toml", "[database]\nurl = \"" + url + "\"\n[backup]\nenabled = false\n" + config);
    }
    Result run(const std::vector<std::string>& args) const { return project.run(args); }
    std::string versions() const {
        return db.query("SELECT string_agg(version, ',' ORDER BY version::numeric) FROM sqlmig_migrations");
    }
};

Conn connect(const std::string& url) {
    Conn c(PQconnectdb(url.c_str()), &PQfinish);
    EXPECT_EQ(PQstatus(c.get()), CONNECTION_OK) << PQerrorMessage(c.get());
    return c;
}

std::string scalar(PGconn* c, const std::string& sql) {
    std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(c, sql.c_str()), &PQclear);
    EXPECT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << sql << ": " << PQerrorMessage(c);
    return PQntuples(r.get()) > 0 ? PQgetvalue(r.get(), 0, 0) : "";
}

// Polls until the lease row of sqlmig_migrations exists.
bool lease_taken(const PgDatabase& db, double timeout_s) {
    const auto start = Clock::now();
    while (std::chrono::duration<double>(Clock::now() - start).count() < timeout_s) {
        try {
            if (db.query("SELECT count(*) FROM sqlmig_migrations_lock") == "1") {
                return true;
            }
        } catch (const std::exception&) {
            // the table is not made yet
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
}

// The advisory lock key the driver derives from the tracking table's name (FNV-1a).
std::int64_t advisory_key(const std::string& table) {
    std::uint64_t h = 1469598103934665603ULL;
    for (const char c : "sqlmig:" + table) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ULL;
    }
    return static_cast<std::int64_t>(h);
}

}  // namespace

#define SQLMIG_REQUIRE_PGBOUNCER(var)                                                                        \
    const std::string var = pgbouncer_url();                                                                 \
    if (var.empty()) {                                                                                       \
        if (sqlmig::test::in_ci()) {                                                                         \
            FAIL() << "SQLMIG_TEST_PGBOUNCER_URL is not set in CI (scripts/test starts "                     \
                      "scripts/pgbouncer-test-server)";                                                      \
        }                                                                                                    \
        GTEST_SKIP() << "no SQLMIG_TEST_PGBOUNCER_URL (scripts/pgbouncer-test-server); not tried through a " \
                        "pooler";                                                                            \
    }

TEST(CliPooler, UpStatusAndDownWithTheLease) {
    SQLMIG_REQUIRE_PGBOUNCER(pooler);
    PoolerProject p(pooler, "[postgres]\nlock = \"lease\"\nstatement_timeout = \"7s\"\n");
    p.project.migration("001_settings.up.sql",
                        "CREATE TABLE seen (what text, value text);\n"
                        "INSERT INTO seen VALUES ('statement_timeout', current_setting('statement_timeout'));\n");
    p.project.migration("001_settings.down.sql", "DROP TABLE seen;\n");
    p.project.migration("002_items.up.sql", "CREATE TABLE items (id int PRIMARY KEY);\nINSERT INTO items VALUES (1);\n");
    p.project.migration("002_items.down.sql", "DROP TABLE items;\n");
    // A file with its own transaction.
    p.project.migration("003_own.up.sql", "BEGIN;\nINSERT INTO items VALUES (2);\nINSERT INTO items VALUES (3);\nCOMMIT;\n");
    p.project.migration("003_own.down.sql", "DELETE FROM items WHERE id IN (2, 3);\n");
    p.project.migration("004_more.up.sql", "ALTER TABLE items ADD COLUMN note text;\n");
    p.project.migration("004_more.down.sql", "ALTER TABLE items DROP COLUMN note;\n");

    const Result up = p.run({"up"});
    ASSERT_EQ(up.code, 0) << up.err;
    EXPECT_EQ(p.versions(), "1,2,3,4");
    EXPECT_EQ(p.db.query("SELECT string_agg(id::text, ',' ORDER BY id) FROM items"), "1,2,3");
    // The setting reached the migration's transaction through the pooler (SET LOCAL)...
    EXPECT_EQ(p.db.query("SELECT value FROM seen"), "7s");
    // ...and stayed there: the pooler's server connections carry no session setting of sqlmig's.
    const Conn other = connect(p.url);
    EXPECT_EQ(scalar(other.get(), "SELECT current_setting('statement_timeout')"), "0");
    // The lease was released at the end of the run.
    EXPECT_EQ(p.db.query("SELECT count(*) FROM sqlmig_migrations_lock"), "0");

    const Result status = p.run({"status"});
    EXPECT_EQ(status.code, 0) << status.err;
    EXPECT_CONTAINS(status.out, "004      more      applied");
    EXPECT_CONTAINS(status.out, "pending:  0");

    const Result down = p.run({"down"});
    ASSERT_EQ(down.code, 0) << down.err;
    EXPECT_EQ(p.versions(), "1,2,3");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM information_schema.columns WHERE column_name = 'note'"), "0");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM sqlmig_migrations_lock"), "0");
}

TEST(CliPooler, RunnersStartedAtOnceApplyEachMigrationOnce) {
    SQLMIG_REQUIRE_PGBOUNCER(pooler);
    PoolerProject p(pooler, "[postgres]\nlock = \"lease\"\n");
    p.project.migration("001_runs.up.sql", "CREATE TABLE runs (n int);\n");
    for (int i = 2; i <= 12; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "%03d_step.up.sql", i);
        // Every third one outside a transaction: only the lock keeps two runners from both running it
        // (a wrapped one is also kept once by its tracking row's key, which rolls the loser back).
        const std::string header = i % 3 == 0 ? "-- sqlmig:no-transaction\n" : "";
        p.project.migration(name, header + "INSERT INTO runs VALUES (" + std::to_string(i) + ");\nSELECT pg_sleep(0.02);\n");
    }
    const std::string cmd = "cd " + shell_quote(p.project.dir().string()) + " && for i in 1 2 3 4 5 6; do (" +
                            shell_quote(SQLMIG_BINARY) + " -q up >/dev/null 2>>runs.log; echo $? >>runs.rc) & done; wait";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    std::ifstream rcs(p.project.dir() / "runs.rc");
    std::string all((std::istreambuf_iterator<char>(rcs)), std::istreambuf_iterator<char>());
    std::ifstream log(p.project.dir() / "runs.log");
    EXPECT_EQ(all, "0\n0\n0\n0\n0\n0\n") << std::string((std::istreambuf_iterator<char>(log)), {});
    EXPECT_EQ(p.db.query("SELECT count(*) FROM runs"), "11");
    EXPECT_EQ(p.db.query("SELECT count(DISTINCT n) FROM runs"), "11");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM sqlmig_migrations"), "12");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM sqlmig_migrations WHERE state <> 'applied'"), "0");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM sqlmig_migrations_lock"), "0");
}

TEST(CliPooler, AFailedRunReleasesItsLeaseBesideASchemaQualifiedTable) {
    SQLMIG_REQUIRE_PGBOUNCER(pooler);
    PoolerProject p(pooler, "[migrations]\ntable = \"ops.history\"\n[postgres]\nlock = \"lease\"\n");
    p.project.migration("001_a.up.sql", "CREATE TABLE a (id int);\n");
    p.project.migration("002_bad.up.sql", "CREATE TABLE b (id int);\nSELEC 1;\n");
    const Result up = p.run({"up"});
    EXPECT_EQ(up.code, 1) << up.err;
    EXPECT_CONTAINS(up.err, "002_bad.up.sql:2:1");
    EXPECT_EQ(p.db.query("SELECT string_agg(version, ',') FROM ops.history"), "1");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM ops.history_lock"), "0");  // released on the way out
    EXPECT_EQ(p.db.query("SELECT to_regclass('b') IS NULL"), "t");
}

TEST(CliPooler, AnExpiredLeaseIsTakenOverNamingItsOwner) {
    SQLMIG_REQUIRE_PGBOUNCER(pooler);
    PoolerProject p(pooler, "[postgres]\nlock = \"lease\"\n");
    p.project.migration("001_a.up.sql", "CREATE TABLE a (id int);\n");
    ASSERT_EQ(p.run({"up"}).code, 0);
    // A runner on another host died with the lease; it expired a second ago.
    p.db.query("INSERT INTO sqlmig_migrations_lock VALUES ('sqlmig_migrations', 'deploy-7 pid 4242', 'deadbeef', "
               "now() - interval '1 hour', now() - interval '1 second')");
    p.project.migration("002_b.up.sql", "CREATE TABLE b (id int);\n");
    const Result up = p.run({"up", "--lock-timeout", "2"});
    ASSERT_EQ(up.code, 0) << up.err;
    EXPECT_CONTAINS(up.err, "took over the expired migration lease of sqlmig_migrations");
    EXPECT_CONTAINS(up.err, "deploy-7 pid 4242 (token deadbeef)");
    EXPECT_EQ(p.versions(), "1,2");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM sqlmig_migrations_lock"), "0");
}

TEST(CliPooler, AKilledRunnersLeaseExpiresAndIsTakenOver) {
    SQLMIG_REQUIRE_PGBOUNCER(pooler);
    PoolerProject p(pooler, "[postgres]\nlock = \"lease\"\nlease_duration = \"2s\"\n");
    p.project.migration("001_a.up.sql", "CREATE TABLE a (id int);\n");
    p.project.migration("002_slow.up.sql", "SELECT pg_sleep(2);\nCREATE TABLE slow (id int);\n");
    const std::string dir = shell_quote(p.project.dir().string());
    const std::string bin = shell_quote(SQLMIG_BINARY);
    ASSERT_EQ(std::system(("cd " + dir + " && (" + bin + " -q up >/dev/null 2>&1 & echo $! > runner.pid)").c_str()), 0);
    ASSERT_TRUE(lease_taken(p.db, 10));
    std::ifstream pid_file(p.project.dir() / "runner.pid");
    int pid = 0;
    pid_file >> pid;
    ASSERT_GT(pid, 0);
    EXPECT_CONTAINS(p.db.query("SELECT owner FROM sqlmig_migrations_lock"), "pid " + std::to_string(pid));
    ASSERT_EQ(::kill(pid, SIGKILL), 0);  // no release, no more renewals

    const auto start = Clock::now();
    const Result up = p.run({"up", "--lock-timeout", "20"});
    const double waited = std::chrono::duration<double>(Clock::now() - start).count();
    ASSERT_EQ(up.code, 0) << up.err;
    EXPECT_CONTAINS(up.err, "took over the expired migration lease");
    EXPECT_CONTAINS(up.err, "pid " + std::to_string(pid));
    EXPECT_LT(waited, 10.0);  // the lease (2 s) expired; the 20 s allowed were not needed
    EXPECT_EQ(p.versions(), "1,2");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM sqlmig_migrations_lock"), "0");
}

TEST(CliPooler, ALiveLeaseIsRenewedAndMakesAnotherRunnerExitFour) {
    SQLMIG_REQUIRE_PGBOUNCER(pooler);
    // The first run's migration lasts two and a half leases: only renewals keep it.
    PoolerProject p(pooler, "[postgres]\nlock = \"lease\"\nlease_duration = \"2s\"\n");
    p.project.migration("001_a.up.sql", "CREATE TABLE a (id int);\n");
    p.project.migration("002_slow.up.sql", "SELECT pg_sleep(5);\n");
    const std::string dir = shell_quote(p.project.dir().string());
    const std::string bin = shell_quote(SQLMIG_BINARY);
    const std::string cmd = "cd " + dir + " && (" + bin + " -q up >/dev/null 2>first.err & echo $! > runner.pid); " +
                            "sleep 3; " + bin + " up --lock-timeout 1 2>lock.err; echo $? > lock.rc";
    std::system(cmd.c_str());
    std::ifstream pid_file(p.project.dir() / "runner.pid");
    int pid = 0;
    pid_file >> pid;
    const Result r = p.project.outcome("lock");
    EXPECT_EQ(r.code, 4) << r.err;
    EXPECT_CONTAINS(r.err, "another session holds the migration lock of sqlmig_migrations");
    EXPECT_CONTAINS(r.err, "leased by ");
    EXPECT_CONTAINS(r.err, "pid " + std::to_string(pid));
    // The first run goes on and finishes with its lease released.
    for (int i = 0; i < 100 && ::kill(pid, 0) == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_EQ(p.versions(), "1,2");
    EXPECT_NOT_CONTAINS(p.project.outcome("first").err, "lease");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM sqlmig_migrations_lock"), "0");
}

TEST(CliPooler, ALostLeaseStopsTheRunBeforeItsNextMigration) {
    SQLMIG_REQUIRE_PGBOUNCER(pooler);
    PoolerProject p(pooler, "[postgres]\nlock = \"lease\"\nlease_duration = \"2s\"\n");
    p.project.migration("001_a.up.sql", "CREATE TABLE a (id int);\n");
    p.project.migration("002_slow.up.sql", "SELECT pg_sleep(2);\n");
    p.project.migration("003_c.up.sql", "CREATE TABLE c (id int);\n");
    const std::string dir = shell_quote(p.project.dir().string());
    const std::string bin = shell_quote(SQLMIG_BINARY);
    ASSERT_EQ(std::system(("cd " + dir + " && (" + bin + " up >/dev/null 2>run.err; echo $? > run.rc) &").c_str()), 0);
    ASSERT_TRUE(lease_taken(p.db, 10));
    // As if the lease had expired during a pause and another runner had taken it.
    p.db.query("UPDATE sqlmig_migrations_lock SET owner = 'other-host pid 7', token = 'other' RETURNING 1");
    Result r;
    for (int i = 0; i < 200 && r.code < 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        r = p.project.outcome("run");
    }
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_CONTAINS(r.err, "the migration lease of sqlmig_migrations");
    EXPECT_CONTAINS(r.err, "expired and another runner took it");
    EXPECT_EQ(p.db.query("SELECT to_regclass('c') IS NULL"), "t");
    // The other runner's lease is left alone.
    EXPECT_EQ(p.db.query("SELECT owner FROM sqlmig_migrations_lock"), "other-host pid 7");
}

// The census through the pooler: libpq's backend pid there is the pooler's own number, so the
// watcher asks the server which backend the migration's transaction runs on.
TEST(CliPooler, TheCensusNamesTheBlockerThroughThePooler) {
    SQLMIG_REQUIRE_PGBOUNCER(pooler);
    PoolerProject p(pooler, "[postgres]\nlock = \"lease\"\n");
    p.project.migration("001_accounts.up.sql", "CREATE TABLE accounts (id int, owner text);\n");
    ASSERT_EQ(p.run({"up", "--no-backup"}).code, 0);
    p.project.migration("002_add_note.up.sql", "ALTER TABLE accounts ADD COLUMN note text;\n");
    const char* keys[] = {"dbname", "application_name", nullptr};
    const std::string direct = p.db.url();
    const char* values[] = {direct.c_str(), "report", nullptr};
    const Conn blocker(PQconnectdbParams(keys, values, 1), &PQfinish);
    ASSERT_EQ(PQstatus(blocker.get()), CONNECTION_OK);
    scalar(blocker.get(), "BEGIN; SELECT count(*) FROM accounts");
    const std::string blocker_pid = std::to_string(PQbackendPID(blocker.get()));

    Result r;
    std::thread run([&] { r = p.run({"up", "--no-backup"}); });
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // several attempts
    scalar(blocker.get(), "COMMIT; SELECT 1");
    run.join();
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(p.versions(), "1,2");
    EXPECT_CONTAINS(r.err, "002_add_note: lock not granted in 100 ms (attempt 1); blocked by pid " + blocker_pid +
                               " (app 'report'");
}

// pg_dump sets search_path = '' for its session; through a transaction pooler that setting stays on
// a server connection that the next client gets (a runner's CREATE TABLE then failed with "no schema
// has been selected to create in"). With the lease sqlmig refuses to run the tools there.
TEST(CliPooler, AnyBackupThroughThePoolerIsRefused) {
    SQLMIG_REQUIRE_PGBOUNCER(pooler);
    PoolerProject p(pooler, "[postgres]\nlock = \"lease\"\n");
    p.project.write_file("config.toml", "[database]\nurl = \"" + p.url + "\"\n[postgres]\nlock = \"lease\"\n");
    p.project.migration("001_a.up.sql", "CREATE TABLE a (id int);\nINSERT INTO a VALUES (1);\n");
    ASSERT_EQ(p.run({"up", "--no-backup"}).code, 0);
    p.project.migration("002_b.up.sql", "CREATE TABLE b (id int);\n");
    const Result up = p.run({"up"});
    EXPECT_NE(up.code, 0);
    EXPECT_CONTAINS(up.err, "sqlmig: error: backup before migrating failed: [postgres] lock = \"lease\" says this URL");
    EXPECT_CONTAINS(up.err, "nothing was run");
    EXPECT_EQ(p.versions(), "1");
    const Result backup = p.run({"backup"});
    EXPECT_NE(backup.code, 0);
    EXPECT_CONTAINS(backup.err, "search_path = ''");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM sqlmig_migrations_lock"), "0");
}

TEST(CliPooler, BadLockSettingsAreConfigErrorsNamingTheKey) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"lock = \"table\"", "[postgres] lock: must be \"advisory\" or \"lease\", not 'table'"},
        {"lock = true", "[postgres] lock: must be a string"},
        {"lease_duration = \"500ms\"", "[postgres] lease_duration: must be from 1s to 24h"},
        {"lease_duration = \"2d\"", "[postgres] lease_duration:"},
        {"lease_duration = \"soon\"", "[postgres] lease_duration: invalid duration 'soon'"},
    };
    for (const auto& [line, message] : cases) {
        Project project;
        project.write_file("config.toml", "[database]\nurl = \"postgres://localhost/x\"\n[postgres]\n" + line + "\n");
        const Result r = project.run({"up"});
        EXPECT_EQ(r.code, 2) << line;
        EXPECT_CONTAINS(r.err, "sqlmig: error: config.toml:4:");
        EXPECT_CONTAINS(r.err, message);
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    }
}

// Why the lease exists: a session advisory lock taken through the pooler stays on the server
// connection it ran on, which the pooler then lends to the next client; there the lock is
// re-entrant. Another client's lock does not stop sqlmig (directly it does: exit 4).
TEST(CliPooler, AnAdvisoryLockThroughThePoolerDoesNotExclude) {
    SQLMIG_REQUIRE_PGBOUNCER(pooler);
    PoolerProject p(pooler, "[postgres]\nlock = \"advisory\"\n");
    p.project.migration("001_a.up.sql", "CREATE TABLE a (id int);\n");
    const std::string key = std::to_string(advisory_key("sqlmig_migrations"));
    // Another client of the pooler takes sqlmig's lock and keeps its connection open.
    const Conn other = connect(p.url);
    ASSERT_EQ(scalar(other.get(), "SELECT pg_try_advisory_lock(" + key + ")"), "t");
    const Result through = p.run({"up", "--lock-timeout", "1"});
    EXPECT_EQ(through.code, 0) << through.err;  // it ran while "another session held the lock"
    EXPECT_EQ(p.versions(), "1");

    // The same held lock, on a direct connection, and sqlmig directly: it waits and exits 4.
    PgDatabase direct_db;
    Project direct;
    direct.write_file("config.toml", "[database]\nurl = \"" + direct_db.url() + "\"\n");
    direct.migration("001_a.up.sql", "CREATE TABLE a (id int);\n");
    const Conn holder = connect(direct_db.url());
    ASSERT_EQ(scalar(holder.get(), "SELECT pg_try_advisory_lock(" + key + ")"), "t");
    EXPECT_EQ(direct.run({"up", "--lock-timeout", "1"}).code, 4);
}
