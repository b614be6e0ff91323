// The pre-flight before a run on PostgreSQL (docs/production.md): a transaction older than
// [postgres] preflight_transaction_age holding a lock on a table the pending migrations lock
// is warned about, waited for, or refused (exit 5), as [postgres] preflight says; one on an
// unrelated table is not mentioned.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "e2e/cli_test_support.hpp"
#include "e2e/fleet_json.hpp"
#include "e2e/pg_project.hpp"

using sqlmig::test::json_of;
using sqlmig::test::PgProject;
using sqlmig::test::Result;

namespace {

using Clock = std::chrono::steady_clock;
using Conn = std::unique_ptr<PGconn, decltype(&PQfinish)>;

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

// Transactions older than half a second count as old here.
std::string config(const std::string& mode, const std::string& extra = "") {
    return "[postgres]\npreflight = \"" + mode + "\"\npreflight_transaction_age = \"500ms\"\n" + extra;
}

// 001 creates accounts and other; 002 alters accounts.
void with_tables(PgProject& p) {
    p.project.migration("001_tables.up.sql", "CREATE TABLE accounts (id int PRIMARY KEY, owner text);\n"
                                             "CREATE TABLE other (id int);\nINSERT INTO accounts VALUES (1, 'alice');\n");
    ASSERT_EQ(p.run({"up", "--no-backup"}).code, 0);
    p.project.migration("002_add_note.up.sql", "ALTER TABLE accounts ADD COLUMN note text;\n");
}

// A report's transaction that read `table` and stays open, old enough to count.
Conn old_transaction(const PgProject& p, const std::string& table) {
    Conn c = session(p.db.url(), "report");
    exec(c.get(), "BEGIN");
    exec(c.get(), "SELECT * FROM " + table + " WHERE 'secret' <> ''");
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    return c;
}

// Whether a sqlmig session of the test's database waits for a lock.
bool sqlmig_waits_for_lock(const PgProject& p) {
    return p.db.query("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND "
                      "application_name = 'sqlmig' AND wait_event_type = 'Lock'") != "0";
}

}  // namespace

TEST(PreflightPostgres, WarnsAboutAnOldTransactionOnATouchedTableAndGoesOn) {
    PgProject p(config("warn"));
    with_tables(p);
    Conn report = old_transaction(p, "accounts");
    const std::string pid = std::to_string(PQbackendPID(report.get()));
    Result r;
    std::thread run([&] { r = p.run({"--json", "up", "--no-backup"}); });
    for (int i = 0; i < 500 && !sqlmig_waits_for_lock(p); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    exec(report.get(), "COMMIT");
    run.join();

    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(p.versions(), "1,2");
    EXPECT_CONTAINS(r.err, "sqlmig: warning: pre-flight: 1 transaction(s) older than 500 ms hold locks on tables "
                           "these migrations lock: pid " + pid + " (app 'report'");
    EXPECT_CONTAINS(r.err, "WHERE '?' <> '?') on accounts; going on");
    EXPECT_NOT_CONTAINS(r.err, "secret");
    const auto doc = json_of(r);
    const auto& pre = doc["preflight"];
    EXPECT_EQ(pre["mode"], "warn");
    EXPECT_EQ(pre["outcome"], "warned");
    EXPECT_EQ(pre["tables"], nlohmann::json::array({"accounts"}));
    ASSERT_EQ(pre["old_transactions"].size(), 1u);
    EXPECT_EQ(std::to_string(pre["old_transactions"][0]["pid"].get<long>()), pid);
    EXPECT_EQ(pre["old_transactions"][0]["application_name"], "report");
    EXPECT_EQ(pre["old_transactions"][0]["tables"], nlohmann::json::array({"accounts"}));
    EXPECT_GE(pre["old_transactions"][0]["transaction_age_s"].get<double>(), 0.5);
}

TEST(PreflightPostgres, RefusesWithExitFiveNamingTheSessionAndRunsNothing) {
    PgProject p(config("refuse", "lock_wait_budget = \"3s\"\n"));  // a run that misses the refusal ends soon
    with_tables(p);
    Conn report = old_transaction(p, "accounts");
    const std::string pid = std::to_string(PQbackendPID(report.get()));
    const auto start = Clock::now();
    const Result r = p.run({"--json", "up", "--no-backup"});

    EXPECT_EQ(r.code, 5) << r.err;
    EXPECT_LT(std::chrono::duration<double>(Clock::now() - start).count(), 2.0);  // no waiting
    EXPECT_EQ(p.versions(), "1");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM information_schema.columns WHERE column_name = 'note'"), "0");
    EXPECT_CONTAINS(r.err, "sqlmig: error: pre-flight: [postgres] preflight = \"refuse\", and 1 transaction(s) older "
                           "than 500 ms hold locks on tables these migrations lock: pid " + pid + " (app 'report'");
    EXPECT_CONTAINS(r.err, "on accounts; nothing was run");
    EXPECT_CONTAINS(r.err, "SELECT pg_terminate_backend(" + pid + ") ends pid " + pid + "'s session");
    EXPECT_NOT_CONTAINS(r.err, "002_add_note: lock not granted");  // the ALTER never ran
    const auto doc = json_of(r);
    EXPECT_EQ(doc["ok"], false);
    EXPECT_EQ(doc["preflight"]["outcome"], "refused");
    EXPECT_EQ(doc["steps"].size(), 0u);
}

TEST(PreflightPostgres, WaitsForTheOldTransactionBeforeTakingAnyLock) {
    PgProject p(config("wait"));
    with_tables(p);
    Conn report = old_transaction(p, "accounts");
    Result r;
    Clock::time_point finished;
    std::thread run([&] {
        r = p.run({"--json", "up", "--no-backup"});
        finished = Clock::now();
    });
    bool waited_for_a_lock = false;
    for (int i = 0; i < 150; ++i) {  // 1.5 s: sqlmig waits in its pre-flight, never queued behind the report
        waited_for_a_lock = waited_for_a_lock || sqlmig_waits_for_lock(p);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    exec(report.get(), "COMMIT");
    const auto committed = Clock::now();
    run.join();

    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_FALSE(waited_for_a_lock);
    EXPECT_LT(std::chrono::duration<double>(finished - committed).count(), 2.0);
    EXPECT_EQ(p.versions(), "1,2");
    EXPECT_CONTAINS(r.err, "on accounts; waiting for them, up to 300.0 s ([postgres] lock_wait_budget)");
    EXPECT_CONTAINS(r.err, "pre-flight: clear after waiting ");
    EXPECT_NOT_CONTAINS(r.err, "lock not granted");
    const auto doc = json_of(r);
    EXPECT_EQ(doc["preflight"]["outcome"], "waited");
    EXPECT_GE(doc["preflight"]["waited_ms"].get<int>(), 1000);
    EXPECT_EQ(doc["preflight"]["old_transactions"].size(), 0u);  // the last look found none
}

TEST(PreflightPostgres, WaitGivesUpWithExitFiveWhenTheBudgetIsSpent) {
    PgProject p(config("wait", "lock_wait_budget = \"1s\"\n"));
    with_tables(p);
    Conn report = old_transaction(p, "accounts");
    const Result r = p.run({"up", "--no-backup"});

    EXPECT_EQ(r.code, 5) << r.err;
    EXPECT_EQ(p.versions(), "1");
    EXPECT_CONTAINS(r.err, "sqlmig: error: pre-flight: waited ");
    EXPECT_CONTAINS(r.err, "([postgres] lock_wait_budget), and still 1 transaction(s) older than 500 ms");
    EXPECT_CONTAINS(r.err, "nothing was run");
}

TEST(PreflightPostgres, SaysNothingAboutAnOldTransactionOnAnUnrelatedTable) {
    PgProject p(config("refuse"));
    with_tables(p);
    Conn report = old_transaction(p, "other");
    const Result r = p.run({"--json", "up", "--no-backup"});

    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(p.versions(), "1,2");
    EXPECT_NOT_CONTAINS(r.err, "pre-flight");
    const auto doc = json_of(r);
    EXPECT_EQ(doc["preflight"]["outcome"], "clear");
    EXPECT_EQ(doc["preflight"]["old_transactions"].size(), 0u);
}

TEST(PreflightPostgres, ABadValueForItsKeysIsAnErrorNamingTheKey) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"preflight = \"sometimes\"\n",
         "[postgres] preflight: must be \"off\", \"warn\", \"wait\" or \"refuse\", not 'sometimes'"},
        {"preflight = true\n", "[postgres] preflight: must be a string"},
        {"preflight_transaction_age = \"0s\"\n", "[postgres] preflight_transaction_age: must be longer than 0"},
        {"preflight_replica_lag = \"soon\"\n", "[postgres] preflight_replica_lag: invalid duration 'soon'"},
    };
    for (const auto& [line, message] : cases) {
        PgProject p("[postgres]\n" + line);
        p.project.migration("001_a.up.sql", "CREATE TABLE a (id int);\n");
        const Result r = p.run({"up", "--no-backup"});
        EXPECT_EQ(r.code, 2) << line << r.err;
        EXPECT_CONTAINS(r.err, "sqlmig: error: ");
        EXPECT_CONTAINS(r.err, message);
        EXPECT_EQ(p.db.query("SELECT count(*) FROM pg_class WHERE relname = 'a'"), "0");
    }
}
