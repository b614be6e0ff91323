// What a run leaves on PostgreSQL when it cannot be one transaction and is
// killed, fails partway, or is configured with the project's own tools.
#include <gtest/gtest.h>

#include <filesystem>

#include "e2e/cli_test_support.hpp"
#include "e2e/pg_project.hpp"
#include "support/pg_database.hpp"

using sqlmig::test::PgDatabase;
using sqlmig::test::PgProject;
using sqlmig::test::Project;
using sqlmig::test::Result;
using sqlmig::test::shell_quote;

namespace fs = std::filesystem;

TEST(PostgresFaults, AStatementBeforeTheFilesOwnBeginIsReportedCommitted) {
    PgProject p;
    p.project.migration("001_c.up.sql", "CREATE TABLE c0 (x int);\nBEGIN;\nCREATE TABLE c2 (x int);\n"
                                        "INSERT INTO nosuch VALUES (1);\nCOMMIT;\n");
    const Result r = p.run({"up"});
    EXPECT_EQ(r.code, 1);
    EXPECT_CONTAINS(r.err, "migrations/001_c.up.sql:4:13: ERROR: relation \"nosuch\" does not exist");
    EXPECT_CONTAINS(r.err, "001_c ran partway: the statements up to line 1 were committed");
    EXPECT_EQ(p.db.query("SELECT state FROM sqlmig_migrations"), "failed");
    EXPECT_EQ(p.db.query("SELECT string_agg(relname, ',') FROM pg_class WHERE relname IN ('c0', 'c2')"), "c0");
    // Inside its own transaction only: nothing committed, nothing recorded.
    PgProject q;
    q.project.migration("001_c.up.sql", "BEGIN;\nCREATE TABLE c2 (x int);\nINSERT INTO nosuch VALUES (1);\nCOMMIT;\n");
    const Result inside = q.run({"up"});
    EXPECT_EQ(inside.code, 1);
    EXPECT_CONTAINS(inside.err, "nothing of 001_c was applied (rolled back)");
    EXPECT_EQ(q.db.query("SELECT count(*) FROM sqlmig_migrations"), "0");
}

namespace {

// Starts sqlmig with ARGS, waits until SQL (run with psql) prints 1, then kills it with SIGKILL
// and ends its session on the server, as an OOM kill or a node drain would leave it. It waits up to a
// minute (not 10 s): a loaded CI machine (the sanitizer build beside other tests) can be that slow to start.
void kill_when(PgProject& p, const std::string& args, const std::string& sql) {
    const std::string script = "cd " + shell_quote(p.project.dir().string()) + " && " + shell_quote(SQLMIG_BINARY) +
                               " -q " + args + " & pid=$!; for i in $(seq 1 1200); do psql -Atqc " + shell_quote(sql) +
                               " " + shell_quote(p.db.url()) + " | grep -q 1 && break; sleep 0.05; done; " +
                               "kill -9 $pid; wait $pid 2>/dev/null; true";
    ASSERT_EQ(std::system(script.c_str()), 0);
    p.db.query("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'sqlmig' "
               "AND datname = current_database()");
}

const char* const k_sleeping = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'sqlmig' AND "
                               "datname = current_database() AND query LIKE '%pg_sleep%' AND state = 'active'";

// Sleeps 30 s while the table slow_flag exists, so that one file can be killed in its sleep and then
// run again unchanged (its checksum and stored down stay the same).
const char* const k_sleep_while_flagged =
    "SELECT pg_sleep(CASE WHEN to_regclass('slow_flag') IS NULL THEN 0 ELSE 30 END);\n";

// The same in a DO block, which runs alone (it may COMMIT) and whose effect sqlmig cannot read back.
const char* const k_unreadable_sleep_while_flagged =
    "DO $$ BEGIN PERFORM pg_sleep(CASE WHEN to_regclass('slow_flag') IS NULL THEN 0 ELSE 30 END); END $$;\n";

}  // namespace

// The file's own BEGIN ... COMMIT carries its tracking change: killed inside it, the migration is
// wholly absent (up) or wholly applied (down), never "running", and a plain re-run converges.
TEST(PostgresFaults, AnOwnTransactionFileKilledInsideItLeavesNothingToRepair) {
    PgProject p;
    p.project.migration("001_t.up.sql", "CREATE TABLE t (x int);\n");
    p.project.migration("001_t.down.sql", "DROP TABLE t;\n");
    p.project.migration("002_own.up.sql", std::string("SET lock_timeout = '10s';\nBEGIN;\nCREATE TABLE t018 (x int);\n") +
                                              k_sleep_while_flagged + "COMMIT;\n");
    p.project.migration("002_own.down.sql",
                        std::string("BEGIN;\nDROP TABLE IF EXISTS t018;\n") + k_sleep_while_flagged + "COMMIT;\n");
    ASSERT_EQ(p.run({"up", "1"}).code, 0);
    p.db.query("CREATE TABLE slow_flag ()");
    kill_when(p, "up --no-backup", k_sleeping);
    EXPECT_EQ(p.db.query("SELECT count(*) FROM sqlmig_migrations WHERE version = '2'"), "0");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM pg_class WHERE relname = 't018'"), "0");
    p.db.query("DROP TABLE slow_flag");
    const Result up = p.run({"up"});
    ASSERT_EQ(up.code, 0) << up.err;
    EXPECT_EQ(p.db.query("SELECT state FROM sqlmig_migrations WHERE version = '2'"), "applied");
    // The case: a down killed inside its own transaction stays applied, and down just works.
    p.db.query("CREATE TABLE slow_flag ()");
    kill_when(p, "down --no-backup", k_sleeping);
    EXPECT_EQ(p.db.query("SELECT state FROM sqlmig_migrations WHERE version = '2'"), "applied");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM pg_class WHERE relname = 't018'"), "1");
    p.db.query("DROP TABLE slow_flag");
    const Result down = p.run({"down", "base"});
    ASSERT_EQ(down.code, 0) << down.err;
    EXPECT_EQ(p.db.query("SELECT count(*) FROM sqlmig_migrations"), "0");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM pg_class WHERE relname IN ('t', 't018')"), "0");
}

// A down that cannot be one transaction, killed in a statement sqlmig cannot resolve: the next down
// stops at that statement, and repair makes the down after it run on from there, never from its start
// (repair used to make the migration look un-applied, leaving tables behind).
TEST(PostgresFaults, RepairAfterAnInterruptedDownLetsTheNextDownFinishIt) {
    PgProject p;
    p.project.migration("001_t.up.sql", "CREATE TABLE t018 (x int);\nCREATE TABLE t019 (x int);\n");
    p.project.migration("001_t.down.sql", std::string("-- sqlmig:no-transaction\nDROP TABLE t019;\n") +
                                              k_unreadable_sleep_while_flagged + "DROP TABLE t018;\n");
    ASSERT_EQ(p.run({"up"}).code, 0);
    p.db.query("CREATE TABLE slow_flag ()");
    kill_when(p, "down --no-backup", k_sleeping);
    EXPECT_EQ(p.db.query("SELECT state FROM sqlmig_migrations WHERE version = '1'"), "reverting");
    EXPECT_CONTAINS(p.run({"status"}).out, "running (its down), 1 of 3 statements done");
    const Result refused = p.run({"up"});
    EXPECT_EQ(refused.code, 3);
    EXPECT_CONTAINS(refused.err, "001_t.up.sql was being reverted when its run ended, after 1 statement(s); run "
                                 "'sqlmig down' to finish it first");
    const Result stopped = p.run({"down"});
    EXPECT_EQ(stopped.code, 1);
    EXPECT_CONTAINS(stopped.err, "migrations/001_t.down.sql:3:1");
    p.db.query("DROP TABLE slow_flag");
    const Result repair = p.run({"--json", "repair"});
    ASSERT_EQ(repair.code, 0) << repair.err;
    EXPECT_CONTAINS(repair.err, "so 'sqlmig down' runs it from that statement");
    EXPECT_CONTAINS(repair.out, "\"cleared_failed\": []");
    const Result down = p.run({"down"});
    ASSERT_EQ(down.code, 0) << down.err;  // DROP TABLE t019 is not run again: it would fail
    EXPECT_EQ(p.db.query("SELECT count(*) FROM pg_class WHERE relname IN ('t018', 't019')"), "0");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM sqlmig_migrations"), "0");
}

// Killed in a statement whose effect cannot be read back (here a DO block): the statement journal says
// the one before it committed, so up stops with the migration failed at that one statement; once a
// person has checked it, repair lets up run the file on from there (not from its start).
TEST(PostgresFaults, ANoTransactionFileKilledInAnUnreadableStatementStopsThereThenResumesAfterRepair) {
    PgProject p;
    p.project.migration("001_t.up.sql", "CREATE TABLE t (x int);\n");
    p.project.migration("002_idx.up.sql", std::string("-- sqlmig:no-transaction\nCREATE INDEX CONCURRENTLY t_x ON t (x);\n") +
                                              k_unreadable_sleep_while_flagged +
                                              "CREATE INDEX CONCURRENTLY t_x2 ON t (x);\n");
    ASSERT_EQ(p.run({"up", "1"}).code, 0);
    p.db.query("CREATE TABLE slow_flag ()");
    kill_when(p, "up --no-backup", k_sleeping);
    EXPECT_EQ(p.db.query("SELECT state || ':' || statements_done FROM sqlmig_migrations WHERE version = '2'"),
              "running:1");
    const Result status = p.run({"status"});
    EXPECT_EQ(status.code, 0) << status.err;
    EXPECT_CONTAINS(status.out, "running, 1 of 3 statements done");
    const Result up = p.run({"up"});
    EXPECT_EQ(up.code, 1);
    EXPECT_CONTAINS(up.err, "interrupted while running the statement at migrations/002_idx.up.sql:3:1 (DO $$");
    EXPECT_EQ(p.db.query("SELECT state FROM sqlmig_migrations WHERE version = '2'"), "failed");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM pg_class WHERE relname = 't_x2'"), "0");
    EXPECT_EQ(p.run({"up"}).code, 3);  // failed: a person checks first
    p.db.query("DROP TABLE slow_flag");
    const Result repair = p.run({"--json", "repair"});
    ASSERT_EQ(repair.code, 0) << repair.err;
    EXPECT_CONTAINS(repair.out, "\"resumes_at_its_statement\": [\n    \"002\"\n  ]");
    const Result again = p.run({"up"});
    ASSERT_EQ(again.code, 0) << again.err;  // CREATE INDEX t_x is not run again: it would fail on its name
    EXPECT_EQ(p.db.query("SELECT string_agg(version || ':' || state, ',' ORDER BY version) FROM sqlmig_migrations"),
              "1:applied,2:applied");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM pg_index WHERE indisvalid AND indexrelid::regclass::text IN ('t_x', 't_x2')"),
              "2");
}

// Killed while its statement waited for a lock held by another session: the statement is idempotent by
// its own words, so a plain down (no repair) runs it again and finishes the down.
TEST(PostgresFaults, ANoTransactionDownKilledInALockWaitIsFinishedByAPlainDown) {
    PgProject p;
    p.project.migration("001_t.up.sql", "CREATE TABLE t018 (x int);\nCREATE TABLE t019 (x int);\n");
    p.project.migration("001_t.down.sql", "-- sqlmig:no-transaction\nDROP TABLE IF EXISTS t019;\n"
                                          "DROP TABLE IF EXISTS t018;\n");
    ASSERT_EQ(p.run({"up"}).code, 0);
    const std::string holder =
        "psql -Atqc " + shell_quote("BEGIN; LOCK TABLE t018; SELECT pg_sleep(60)") + " " + shell_quote(p.db.url()) +
        " >/dev/null 2>&1 & for i in $(seq 1 1200); do psql -Atqc " +
        shell_quote("SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 't018' "
                    "AND l.granted AND l.mode = 'AccessExclusiveLock'") +
        " " + shell_quote(p.db.url()) + " | grep -q '^1$' && break; sleep 0.05; done";
    ASSERT_EQ(std::system(holder.c_str()), 0);
    kill_when(p, "down --no-backup", "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'sqlmig' AND "
                                     "datname = current_database() AND wait_event_type = 'Lock'");
    p.db.query("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query LIKE '%LOCK TABLE t018%' "
               "AND pid <> pg_backend_pid()");
    EXPECT_EQ(p.db.query("SELECT state || ':' || statements_done FROM sqlmig_migrations WHERE version = '1'"),
              "reverting:1");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM pg_class WHERE relname IN ('t018', 't019')"), "1");
    const Result down = p.run({"down"});
    ASSERT_EQ(down.code, 0) << down.err;
    EXPECT_CONTAINS(down.err, "resuming 001_t at its statement 2");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM pg_class WHERE relname IN ('t018', 't019')"), "0");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM sqlmig_migrations"), "0");
}

// A session setting before the file's BEGIN commits nothing: a failure inside the transaction leaves
// nothing, recorded as nothing (it was reported "ran partway ... marked failed" with no row to mark).
TEST(PostgresFaults, ASettingBeforeTheFilesOwnBeginIsNotCommittedWork) {
    PgProject p;
    p.project.migration("001_f.up.sql", "SET statement_timeout = '10s';\nBEGIN;\nCREATE TABLE f (id int);\n"
                                        "SELEC 1;\nCOMMIT;\n");
    const Result r = p.run({"up"});
    EXPECT_EQ(r.code, 1);
    EXPECT_CONTAINS(r.err, "nothing of 001_f was applied (rolled back)");
    EXPECT_NOT_CONTAINS(r.err, "ran partway");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM sqlmig_migrations"), "0");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM pg_class WHERE relname = 'f'"), "0");
}

// The tracking change sent inside the file's transaction names the tracking table's schema: the
// file's own SET LOCAL search_path does not send it elsewhere.
TEST(PostgresFaults, AnOwnTransactionFileThatSetsItsSearchPathIsRecordedWhereTheTableIs) {
    PgProject p;
    p.project.migration("001_app.up.sql", "BEGIN;\nCREATE SCHEMA app;\nSET LOCAL search_path = app;\n"
                                          "CREATE TABLE things (id int);\nCOMMIT;\n");
    const Result r = p.run({"up"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(p.db.query("SELECT state FROM public.sqlmig_migrations WHERE version = '1'"), "applied");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM pg_tables WHERE schemaname = 'app' AND tablename = 'things'"), "1");
}

// "./wrapper" is the project's own program, relative to the config's folder, even
// when the config is found as plain ./config.toml: never whatever PATH holds.
TEST(PostgresFaults, ToolPathsInTheConfigAreRelativeToItsFolder) {
    PgProject p("[backup]\npg_dump = \"./wrapper\"\n");
    p.project.migration("001_a.up.sql", "CREATE TABLE a (id int);\n");
    p.project.write_file("wrapper", "#!/bin/sh\necho called >> wrapper.log\nexec pg_dump \"$@\"\n");
    fs::permissions(p.project.dir() / "wrapper", fs::perms::owner_all);
    const Result r = p.run({"up"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_CONTAINS(sqlmig::test::read_text(p.project.dir() / "wrapper.log"), "called");
}

TEST(PostgresFaults, JsonIsPrintedWhenTheServerRefusesTheConnection) {
    Project p;
    p.write_file("config.toml", "[database]\nurl = \"postgres://app:hunter2@127.0.0.1:1/app?connect_timeout=2\"\n");
    p.migration("001_a.up.sql", "CREATE TABLE a (id int);\n");
    const Result r = p.run({"up", "--json"});
    EXPECT_EQ(r.code, 1);
    EXPECT_CONTAINS(r.out, "\"ok\": false");
    EXPECT_CONTAINS(r.out, "cannot connect to PostgreSQL");
    EXPECT_NOT_CONTAINS(r.out + r.err, "hunter2");
}

TEST(PostgresFaults, TextThatCannotBeSentIsRefusedBeforeAnythingRuns) {
    PgProject p;
    p.project.migration("001_t.up.sql", "CREATE TABLE t (x int);\n");
    p.project.migration("002_b.up.sql", std::string("INSERT INTO t VALUES (1)\0, (2);\nINSERT INTO t VALUES (3);\n", 51));
    const Result nul = p.run({"up"});
    EXPECT_EQ(nul.code, 2);
    EXPECT_CONTAINS(nul.err, "migrations/002_b.up.sql:1: byte offset 24: the file holds a NUL byte");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM pg_class WHERE relname = 't'"), "0");
    p.project.migration("002_b.up.sql", "DO $body$ BEGIN RAISE NOTICE 'x';\nEND $bod$;\n");
    const Result dollar = p.run({"up"});
    EXPECT_EQ(dollar.code, 2);
    EXPECT_CONTAINS(dollar.err, "migrations/002_b.up.sql:1:4: dollar-quoted string $body$ is never closed");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM pg_class WHERE relname = 't'"), "0");
}

TEST(PostgresFaults, PgDumpKilledMidDumpStopsTheRunAndLeavesNoPartialBackup) {
    PgProject p("[backup]\npg_dump = \"bin/pg_dump\"\n");
    p.project.migration("001_a.up.sql", "CREATE TABLE a (id int);\n");
    p.project.write_file("bin/pg_dump", "#!/bin/sh\n[ \"$1\" = --version ] && exec pg_dump --version\n"
                                        "echo 'partial dump'\nkill -9 $$\n");
    fs::permissions(p.project.dir() / "bin" / "pg_dump", fs::perms::owner_all);
    const Result r = p.run({"up"});
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_CONTAINS(r.err, "backup before migrating failed");
    EXPECT_CONTAINS(r.err, "signal 9");
    EXPECT_CONTAINS(r.err, "nothing was run");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM pg_class WHERE relname = 'a'"), "0");
    EXPECT_TRUE(sqlmig::test::files_in(p.project.dir() / "backups").empty());
}

// PostgreSQL readers never wait for the run: status answers at once with what is committed.
TEST(PostgresFaults, StatusDuringARunSeesOnlyCommittedMigrations) {
    PgProject p;
    p.project.migration("001_t.up.sql", "CREATE TABLE t (x int);\n");
    p.project.migration("002_slow.up.sql", "INSERT INTO t VALUES (1);\nSELECT pg_sleep(3);\n");
    ASSERT_EQ(p.run({"up", "1"}).code, 0);
    const std::string script = "cd " + shell_quote(p.project.dir().string()) + " || exit 1; " +
                               shell_quote(SQLMIG_BINARY) + " -q up --no-backup & pid=$!; sleep 1; " + shell_quote(SQLMIG_BINARY) +
                               " status >s.out 2>s.err; echo $? >s.rc; wait $pid";
    ASSERT_EQ(std::system(script.c_str()), 0);
    const Result status = p.project.outcome("s");
    EXPECT_EQ(status.code, 0) << status.err;
    EXPECT_CONTAINS(sqlmig::test::read_text(p.project.dir() / "s.out"), "slow  pending");
    EXPECT_EQ(p.versions(), "1,2");  // and the run itself finished
}

// The server parses a whole multi-statement message before it runs any of it: a
// syntax error in a later statement of a batch must still name that statement.
TEST(PostgresFaults, ASyntaxErrorInABatchNamesItsOwnStatement) {
    PgProject p;
    p.project.migration("001_a.up.sql", "CREATE TABLE a (x int);\n");
    p.project.migration("001_a.down.sql", "SELECT 1;\nALTER TABLE a ADD y int,;\nSELECT 2;\n");
    ASSERT_EQ(p.run({"up"}).code, 0);
    const Result down = p.run({"down"});
    EXPECT_EQ(down.code, 1);
    EXPECT_CONTAINS(down.err, "migrations/001_a.down.sql:2:25: ERROR: syntax error at or near \";\"");
    EXPECT_CONTAINS(down.err, "001_a was not reverted (rolled back) and stays applied");
    EXPECT_NOT_CONTAINS(down.err, "while running: BEGIN");
    EXPECT_EQ(p.versions(), "1");
}
