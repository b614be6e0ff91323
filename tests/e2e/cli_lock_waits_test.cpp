// Bounded lock waits (docs/production.md) on the real servers: a session holding a lock on the
// table a migration alters, the migration retried with short waits until it is released or
// the budget is spent (exit 5), deadlocks retried, and the harm budget cancelling sqlmig's
// own wait when sessions queue behind it.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <regex>

#include "e2e/cli_test_support.hpp"
#include "e2e/fleet_json.hpp"
#include "e2e/mariadb_project.hpp"
#include "e2e/pg_project.hpp"

using sqlmig::test::json_of;
using sqlmig::test::MariadbProject;
using sqlmig::test::PgProject;
using sqlmig::test::Result;

namespace {

using Clock = std::chrono::steady_clock;
using Conn = std::unique_ptr<PGconn, decltype(&PQfinish)>;

[[maybe_unused]] double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

}  // namespace

#ifdef SQLMIG_E2E_SUITE_pg

namespace {

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

// 001 creates accounts, applied before the test's blocker starts.
void with_accounts(PgProject& p) {
    p.project.migration("001_accounts.up.sql", "CREATE TABLE accounts (id int PRIMARY KEY, owner text);\n"
                                               "INSERT INTO accounts VALUES (1, 'alice');\n");
    ASSERT_EQ(p.run({"up", "--no-backup"}).code, 0);
}

}  // namespace

TEST(LockWaitsPostgres, RetriesUntilTheBlockerEndsAndNamesIt) {
    PgProject p;
    with_accounts(p);
    p.project.migration("002_add_note.up.sql", "ALTER TABLE accounts ADD COLUMN note text;\n");
    Conn blocker = session(p.db.url(), "report");
    exec(blocker.get(), "BEGIN");
    exec(blocker.get(), "SELECT * FROM accounts WHERE owner = 'alice'");
    const std::string blocker_pid = std::to_string(PQbackendPID(blocker.get()));

    Result r;
    Clock::time_point finished;
    std::thread run([&] {
        r = p.run({"--json", "up", "--no-backup"});
        finished = Clock::now();
    });
    EXPECT_TRUE(sqlmig_waits_for_lock(p, 10));  // EXPECT: the run's thread must still be joined
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // several attempts
    exec(blocker.get(), "COMMIT");
    const auto released = Clock::now();
    run.join();

    ASSERT_EQ(r.code, 0) << r.err;
    // Applied soon after the blocker's end: the longest pause between attempts is 1 s.
    EXPECT_LT(std::chrono::duration<double>(finished - released).count(), 2.0);
    EXPECT_EQ(p.versions(), "1,2");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM information_schema.columns WHERE column_name = 'note'"), "1");
    EXPECT_CONTAINS(r.err, "002_add_note: lock not granted in 100 ms (attempt 1); blocked by pid " + blocker_pid +
                               " (app 'report'");
    EXPECT_CONTAINS(r.err, "idle in transaction for ");
    EXPECT_CONTAINS(r.err, "SELECT * FROM accounts WHERE owner = '?')");
    EXPECT_NOT_CONTAINS(r.err, "alice");
    EXPECT_CONTAINS(r.err, "applied 002_add_note in ");
    EXPECT_CONTAINS(r.err, "waiting for locks)");

    const auto doc = json_of(r);
    ASSERT_EQ(doc["steps"].size(), 1u);
    const auto& step = doc["steps"][0];
    EXPECT_GT(step["attempts"].get<int>(), 2);
    EXPECT_EQ(step["lock_waits"].size(), step["attempts"].get<std::size_t>() - 1);
    EXPECT_GE(step["lock_wait_ms"].get<int>(), 1000);
    const auto& first = step["lock_waits"][0];
    EXPECT_EQ(first["reason"], "timeout");
    EXPECT_EQ(first["lock_timeout_ms"], 100);
    ASSERT_GE(first["blockers"].size(), 1u);
    EXPECT_EQ(std::to_string(first["blockers"][0]["pid"].get<long>()), blocker_pid);
    EXPECT_EQ(first["blockers"][0]["application_name"], "report");
    EXPECT_EQ(first["blockers"][0]["state"], "idle in transaction");
}

TEST(LockWaitsPostgres, ABlockerThatOutlivesTheBudgetExitsFiveAndAppliesNothingOfThatMigration) {
    PgProject p("[postgres]\nlock_wait_budget = \"1s\"\n");
    with_accounts(p);
    p.project.migration("002_other.up.sql", "CREATE TABLE other (id int);\n");
    p.project.migration("003_add_note.up.sql",
                        "CREATE TABLE audit (id int);\nALTER TABLE accounts ADD COLUMN note text;\n");
    Conn blocker = session(p.db.url(), "report");
    exec(blocker.get(), "BEGIN");
    exec(blocker.get(), "SELECT count(*) FROM accounts");
    const std::string blocker_pid = std::to_string(PQbackendPID(blocker.get()));

    const auto start = Clock::now();
    const Result r = p.run({"--json", "up", "--no-backup"});
    const double took = seconds_since(start);
    exec(blocker.get(), "COMMIT");

    EXPECT_EQ(r.code, 5) << r.err;
    EXPECT_LT(took, 4.0);
    EXPECT_EQ(p.versions(), "1,2");  // the migration before it stays applied
    EXPECT_EQ(p.db.query("SELECT count(*) FROM information_schema.columns WHERE column_name = 'note'"), "0");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM information_schema.tables WHERE table_name = 'audit'"), "0");
    EXPECT_CONTAINS(r.err, "sqlmig: error: 003_add_note could not get a lock in time: ");
    EXPECT_CONTAINS(r.err, "([postgres] lock_wait_budget); blocked by pid " + blocker_pid + " (app 'report'");
    EXPECT_CONTAINS(r.err, "migrations/003_add_note.up.sql:2:1: ERROR: canceling statement due to lock timeout");
    EXPECT_CONTAINS(r.err, "nothing of 003_add_note was applied (rolled back); the migrations before it stay applied");
    EXPECT_CONTAINS(r.err, "try again later, or end what blocks it first (SELECT pg_terminate_backend(" + blocker_pid);

    const auto doc = json_of(r);
    EXPECT_EQ(doc["ok"], false);
    EXPECT_EQ(doc["current"], "002");
    ASSERT_TRUE(doc.contains("gave_up")) << r.out;
    EXPECT_EQ(doc["gave_up"]["version"], "003");
    EXPECT_GE(doc["gave_up"]["attempts"].get<int>(), 3);
    ASSERT_GE(doc["gave_up"]["lock_waits"].size(), 1u);
    ASSERT_GE(doc["gave_up"]["lock_waits"][0]["blockers"].size(), 1u);
    EXPECT_EQ(std::to_string(doc["gave_up"]["lock_waits"][0]["blockers"][0]["pid"].get<long>()), blocker_pid);
}

TEST(LockWaitsPostgres, SingleTransactionRetriesTheWholeRun) {
    PgProject p;
    with_accounts(p);
    p.project.migration("002_other.up.sql", "CREATE TABLE other (id int);\n");
    p.project.migration("003_add_note.up.sql", "ALTER TABLE accounts ADD COLUMN note text;\n");
    Conn blocker = session(p.db.url(), "report");
    exec(blocker.get(), "BEGIN");
    exec(blocker.get(), "SELECT count(*) FROM accounts");
    Result r;
    std::thread run([&] { r = p.run({"up", "--no-backup", "--single-transaction"}); });
    EXPECT_TRUE(sqlmig_waits_for_lock(p, 10));  // EXPECT: the run's thread must still be joined
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    // Nothing committed while it retries.
    EXPECT_EQ(p.versions(), "1");
    exec(blocker.get(), "COMMIT");
    run.join();
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(p.versions(), "1,2,3");
    EXPECT_CONTAINS(r.err, "003_add_note: lock not granted in 100 ms (attempt 1)");
    EXPECT_CONTAINS(r.err, "committed 2 migration(s) in one transaction (attempt ");
}

TEST(LockWaitsPostgres, ADeadlockVictimIsRetriedAndAppliedOnce) {
    // sqlmig's sessions detect deadlocks after 50 ms, the test's after 10 s: sqlmig is the victim.
    PgProject p("[postgres]\nlock_timeout_ladder = [\"3s\"]\nlock_harm_budget = 0\n");
    p.db.query("ALTER DATABASE " + p.db.name() + " SET deadlock_timeout = '50ms'");
    p.project.migration("001_a.up.sql", "CREATE TABLE a (id int PRIMARY KEY, v int);\n"
                                        "INSERT INTO a VALUES (1, 0), (2, 0);\nCREATE TABLE runs (n int);\n");
    ASSERT_EQ(p.run({"up", "--no-backup"}).code, 0);
    p.project.migration("002_both.up.sql", "INSERT INTO runs VALUES (1);\nUPDATE a SET v = v + 1 WHERE id = 1;\n"
                                           "SELECT pg_sleep(2);\nUPDATE a SET v = v + 1 WHERE id = 2;\n");
    Conn other = session(p.db.url(), "app");
    exec(other.get(), "SET deadlock_timeout = '10s'");
    exec(other.get(), "BEGIN");
    exec(other.get(), "UPDATE a SET v = v + 10 WHERE id = 2");
    Result r;
    std::thread run([&] { r = p.run({"up", "--no-backup"}); });
    // Once sqlmig holds row 1 (it sleeps), the test's session waits for it: a cycle when
    // sqlmig then asks for row 2. The sleep is long enough for a loaded machine to see it: PostgreSQL
    // looks for a deadlock once per wait, so the test's session must be waiting before sqlmig's
    // deadlock_timeout passes.
    const auto start = Clock::now();
    while (p.db.query("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'sqlmig' AND "
                      "wait_event = 'PgSleep'") != "1" &&
           seconds_since(start) < 10) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    exec(other.get(), "UPDATE a SET v = v + 10 WHERE id = 1");  // returns once sqlmig was rolled back
    exec(other.get(), "COMMIT");
    run.join();
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_CONTAINS(r.err, "002_both: chosen as a deadlock victim (attempt 1)");
    EXPECT_EQ(p.versions(), "1,2");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM runs"), "1");  // applied once
    EXPECT_EQ(p.db.query("SELECT string_agg(v::text, ',' ORDER BY id) FROM a"), "11,11");
}

TEST(LockWaitsPostgres, HarmBudgetCancelsOwnWaitWhenSessionsQueueButNotWhenNoneDo) {
    // One long rung: only the harm budget can end a wait early.
    PgProject p("[postgres]\nlock_timeout_ladder = [\"5s\"]\nlock_harm_budget = \"300ms\"\n");
    with_accounts(p);
    p.project.migration("002_add_note.up.sql", "ALTER TABLE accounts ADD COLUMN note text;\n");
    Conn blocker = session(p.db.url(), "report");
    exec(blocker.get(), "BEGIN");
    exec(blocker.get(), "SELECT count(*) FROM accounts");
    Result r;
    std::thread run([&] { r = p.run({"--json", "up", "--no-backup"}); });
    EXPECT_TRUE(sqlmig_waits_for_lock(p, 10));  // EXPECT: the run's thread must still be joined

    // Four application sessions queue behind sqlmig's waiting ALTER.
    std::vector<Conn> apps;
    for (int i = 0; i < 4; ++i) {
        apps.push_back(session(p.db.url(), "app"));
    }
    const auto queued = Clock::now();
    for (auto& c : apps) {
        EXPECT_EQ(PQsendQuery(c.get(), "SELECT count(*) FROM accounts"), 1);
    }
    double slowest = 0;
    for (auto& c : apps) {
        while (PGresult* res = PQgetResult(c.get())) {
            EXPECT_EQ(PQresultStatus(res), PGRES_TUPLES_OK);
            PQclear(res);
        }
        slowest = std::max(slowest, seconds_since(queued));
    }
    // 4 sessions x 75 ms = 300 backend-ms; sampled every 25 ms: cancelled well before the 5 s rung.
    EXPECT_LT(slowest, 0.45);

    // The next attempt waits with nobody queued behind it: not cancelled, it gets the lock
    // when the blocker ends.
    EXPECT_TRUE(sqlmig_waits_for_lock(p, 3));
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    exec(blocker.get(), "COMMIT");
    run.join();
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_CONTAINS(r.err, "002_add_note: stopped waiting for a lock after ");
    EXPECT_CONTAINS(r.err, "(attempt 1): 4 session(s) queued behind it");
    const auto doc = json_of(r);
    const auto& step = doc["steps"][0];
    EXPECT_EQ(step["attempts"], 2);
    ASSERT_EQ(step["lock_waits"].size(), 1u);
    EXPECT_EQ(step["lock_waits"][0]["reason"], "harm");
    EXPECT_EQ(step["lock_waits"][0]["queued_max"], 4);
    // Over the budget by one sampling interval of the 4 queued sessions (0.1); up to 0.4 allowed,
    // as a loaded machine may take a sample late.
    EXPECT_GT(step["lock_waits"][0]["harm_backend_s"].get<double>(), 0.3);
    EXPECT_LE(step["lock_waits"][0]["harm_backend_s"].get<double>(), 0.3 + 0.4 + 0.05);
}

TEST(LockWaitsPostgres, RetriesOffKeepsTheSessionLockTimeoutAndExitOne) {
    PgProject p("[postgres]\nlock_retries = false\nlock_timeout = \"300ms\"\n");
    with_accounts(p);
    p.project.migration("002_add_note.up.sql", "ALTER TABLE accounts ADD COLUMN note text;\n");
    Conn blocker = session(p.db.url(), "report");
    exec(blocker.get(), "BEGIN");
    exec(blocker.get(), "SELECT count(*) FROM accounts");
    const Result r = p.run({"up", "--no-backup"});
    exec(blocker.get(), "COMMIT");
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_CONTAINS(r.err, "55P03");
    EXPECT_NOT_CONTAINS(r.err, "attempt");
    EXPECT_EQ(p.versions(), "1");
}

TEST(LockWaitsPostgres, InvalidKeysAreConfigErrorsNamingTheKey) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"lock_retries = \"on\"", "[postgres] lock_retries: must be true or false"},
        {"lock_timeout_ladder = []", "[postgres] lock_timeout_ladder: must be a non-empty array of durations"},
        {"lock_timeout_ladder = \"100ms\"", "[postgres] lock_timeout_ladder: must be a non-empty array of durations"},
        {"lock_timeout_ladder = [\"100ms\", \"soon\"]", "[postgres] lock_timeout_ladder: invalid duration 'soon'"},
        {"lock_timeout_ladder = [\"0ms\"]", "[postgres] lock_timeout_ladder: must be longer than 0"},
        {"lock_wait_budget = \"0s\"", "[postgres] lock_wait_budget: must be longer than 0"},
        {"lock_wait_budget = true", "[postgres] lock_wait_budget: must be a duration"},
        {"lock_harm_budget = \"lots\"", "[postgres] lock_harm_budget: invalid duration 'lots'"},
        {"lock_harm_budget = -1", "[postgres] lock_harm_budget: must be between 0 and 86400000"},
    };
    for (const auto& [line, message] : cases) {
        sqlmig::test::Project project;
        project.write_file("config.toml", "[database]\nurl = \"postgres://localhost/x\"\n[postgres]\n" + line + "\n");
        const Result r = project.run({"up"});
        EXPECT_EQ(r.code, 2) << line;
        EXPECT_CONTAINS(r.err, "sqlmig: error: config.toml:4:");
        EXPECT_CONTAINS(r.err, message);
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    }
}

#endif  // SQLMIG_E2E_SUITE_pg

#ifdef SQLMIG_E2E_SUITE_mariadb

namespace {

// Starts the `mariadb` client in the background: it opens a transaction that reads accounts
// (a metadata lock sqlmig's ALTER TABLE must wait for) and keeps it `seconds`.
void hold_accounts(const MariadbProject& p, int seconds) {
    static const std::regex form(R"(^mariadb://([^:@/]*):([^@/]*)@([^:/]+):([0-9]+)/.*$)");
    std::smatch m;
    const std::string url = p.db.url();
    ASSERT_TRUE(std::regex_match(url, m, form)) << url;
    const std::string cmd = "mariadb -h " + std::string(m[3]) + " -P " + std::string(m[4]) + " -u " + std::string(m[1]) +
                            " -p" + std::string(m[2]) + " " + p.db.name() +
                            " -e \"BEGIN; SELECT * FROM accounts WHERE owner = 'alice'; SELECT SLEEP(" +
                            std::to_string(seconds) + "); COMMIT;\" >/dev/null 2>&1 &";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    const auto start = Clock::now();
    // This test's holder only: the other tests of the suite run beside it on the same server.
    while (p.db.query("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP%' AND "
                      "DB = DATABASE()") != "1" &&
           seconds_since(start) < 5) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

std::string holder_id(const MariadbProject& p) {
    return p.db.query("SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE 'SELECT SLEEP%' AND "
                      "DB = DATABASE()");
}

// Waits until sqlmig's ALTER waits for a metadata lock in the test's database.
bool sqlmig_waits_for_metadata_lock(const MariadbProject& p, double timeout_s) {
    const auto start = Clock::now();
    while (seconds_since(start) < timeout_s) {
        if (p.db.query("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND "
                       "STATE = 'Waiting for table metadata lock' AND INFO LIKE 'ALTER TABLE accounts%'") == "1") {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

// Four application sessions read accounts at once (they queue behind a waiting ALTER); returns
// how long the slowest took.
double four_sessions_read_accounts(const MariadbProject& p) {
    const auto queued = Clock::now();
    std::vector<double> took(4, 0);
    std::vector<std::thread> apps;
    for (std::size_t i = 0; i < took.size(); ++i) {
        apps.emplace_back([&, i] {
            sqlmig::test::mariadb_query(p.db.url(), "SELECT COUNT(*) FROM accounts");
            took[i] = seconds_since(queued);
        });
    }
    for (auto& t : apps) {
        t.join();
    }
    return *std::max_element(took.begin(), took.end());
}

void with_mariadb_accounts(MariadbProject& p) {
    p.project.migration("001_accounts.up.sql", "CREATE TABLE accounts (id int PRIMARY KEY, owner text);\n"
                                               "INSERT INTO accounts VALUES (1, 'alice');\n");
    ASSERT_EQ(p.run({"up", "--no-backup"}).code, 0);
}

}  // namespace

TEST(LockWaitsMariadb, AMetadataLockHeldByAnOpenTransactionIsWaitedOutStatementByStatement) {
    MariadbProject p;
    with_mariadb_accounts(p);
    p.project.migration("002_add_note.up.sql",
                        "CREATE TABLE audit (id int);\nALTER TABLE accounts ADD COLUMN note text;\n");
    hold_accounts(p, 2);
    const std::string holder = holder_id(p);
    const auto start = Clock::now();
    const Result r = p.run({"--json", "up", "--no-backup"});
    const double took = seconds_since(start);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_GT(took, 1.0);  // it waited for the holder
    EXPECT_LT(took, 4.0);  // and went on within a pause of its end
    EXPECT_EQ(p.rows(), "1 applied,2 applied");
    EXPECT_EQ(p.db.query("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND "
                         "COLUMN_NAME = 'note'"),
              "1");
    // The statement before it ran once: only the ALTER was retried.
    EXPECT_CONTAINS(r.err, "002_add_note: lock not granted in 100 ms (attempt 1); blocked by connection " + holder);
    EXPECT_CONTAINS(r.err, "SELECT SLEEP(2)");
    const auto doc = json_of(r);
    EXPECT_GT(doc["steps"][0]["attempts"].get<int>(), 1);
    EXPECT_EQ(doc["steps"][0]["lock_waits"][0]["reason"], "timeout");
}

TEST(LockWaitsMariadb, ExhaustedBudgetExitsFiveWithTheMigrationNotApplied) {
    MariadbProject p("[mariadb]\nlock_wait_budget = \"1s\"\n");
    with_mariadb_accounts(p);
    p.project.migration("002_add_note.up.sql", "ALTER TABLE accounts ADD COLUMN note text;\n");
    hold_accounts(p, 3);
    const std::string holder = holder_id(p);
    const Result r = p.run({"up", "--no-backup"});
    EXPECT_EQ(r.code, 5) << r.err;
    EXPECT_EQ(p.rows(), "1 applied");  // not recorded: neither running nor failed
    EXPECT_CONTAINS(r.err, "sqlmig: error: 002_add_note could not get a lock in time: ");
    EXPECT_CONTAINS(r.err, "([mariadb] lock_wait_budget); blocked by connection " + holder);
    EXPECT_CONTAINS(r.err, "ERROR 1205: Lock wait timeout exceeded");
    EXPECT_CONTAINS(r.err, "nothing of 002_add_note was applied");
    EXPECT_CONTAINS(r.err, "(KILL " + holder + " ends connection " + holder + "'s session)");
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // the holder ends before the database is dropped
}

TEST(LockWaitsMariadb, HarmBudgetInterruptsOwnWaitWhenSessionsQueueButNotWhenNoneDo) {
    // One long rung (MariaDB waits only for whole seconds): only the harm budget can end a wait early.
    MariadbProject p("[mariadb]\nlock_timeout_ladder = [\"5s\"]\nlock_harm_budget = \"300ms\"\n");
    with_mariadb_accounts(p);
    p.project.migration("002_add_note.up.sql", "ALTER TABLE accounts ADD COLUMN note text;\n");
    hold_accounts(p, 3);
    const auto held = Clock::now();
    Result r;
    std::thread run([&] { r = p.run({"--json", "up", "--no-backup"}); });
    EXPECT_TRUE(sqlmig_waits_for_metadata_lock(p, 3));  // EXPECT: the run's thread must still be joined

    // Four application sessions queue behind sqlmig's waiting ALTER: 4 x 75 ms = 300 backend-ms,
    // sampled every 25 ms: interrupted well before the 5 s rung.
    EXPECT_LT(four_sessions_read_accounts(p), 0.6);

    // The next attempt waits with nobody queued behind it: not interrupted, it gets the lock when
    // the holder ends (which nothing killed: the ALTER could not get through before).
    run.join();
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_GT(seconds_since(held), 2.5);
    EXPECT_CONTAINS(r.err, "002_add_note: stopped waiting for a lock after ");
    EXPECT_CONTAINS(r.err, "(attempt 1): 4 session(s) queued behind it");
    EXPECT_CONTAINS(r.err, "over [mariadb] lock_harm_budget");
    const auto doc = json_of(r);
    const auto& step = doc["steps"][0];
    EXPECT_EQ(step["attempts"], 2);
    ASSERT_EQ(step["lock_waits"].size(), 1u);
    EXPECT_EQ(step["lock_waits"][0]["reason"], "harm");
    EXPECT_EQ(step["lock_waits"][0]["queued_max"], 4);
    EXPECT_GT(step["lock_waits"][0]["harm_backend_s"].get<double>(), 0.3);
    EXPECT_LE(step["lock_waits"][0]["harm_backend_s"].get<double>(), 0.3 + 0.4 + 0.05);
    EXPECT_EQ(p.db.query("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND "
                         "COLUMN_NAME = 'note'"),
              "1");
}

TEST(LockWaitsMariadb, AttemptsThatDoNotWaitAreNotWatchedAfterOneThatWas) {
    // The first rung waits (watched), the next ones are under 1 s, so they do not wait at all.
    MariadbProject p("[mariadb]\nlock_timeout_ladder = [\"5s\", \"100ms\"]\nlock_harm_budget = \"300ms\"\n");
    with_mariadb_accounts(p);
    p.project.migration("002_add_note.up.sql", "ALTER TABLE accounts ADD COLUMN note text;\n");
    hold_accounts(p, 2);
    Result r;
    std::thread run([&] { r = p.run({"--json", "up", "--no-backup"}); });
    EXPECT_TRUE(sqlmig_waits_for_metadata_lock(p, 3));
    EXPECT_LT(four_sessions_read_accounts(p), 0.6);
    run.join();
    ASSERT_EQ(r.code, 0) << r.err;
    const auto doc = json_of(r);
    const auto& waits = doc["steps"][0]["lock_waits"];
    ASSERT_GE(waits.size(), 2u);
    EXPECT_EQ(waits[0]["reason"], "harm");
    EXPECT_EQ(waits[0]["queued_max"], 4);
    // The try-locks after it report their own waits, not the watched one's.
    for (std::size_t i = 1; i < waits.size(); ++i) {
        EXPECT_EQ(waits[i]["reason"], "timeout") << i;
        EXPECT_EQ(waits[i]["queued_max"], 0) << i;
        EXPECT_EQ(waits[i]["harm_backend_s"].get<double>(), 0.0) << i;
    }
}

#endif  // SQLMIG_E2E_SUITE_mariadb
