// End-to-end on the real PostgreSQL server that scripts/test starts.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

#include "e2e/cli_test_support.hpp"
#include "e2e/pg_project.hpp"
#include "support/pg_database.hpp"

using sqlmig::test::PgDatabase;
using sqlmig::test::PgProject;
using sqlmig::test::Project;
using sqlmig::test::read_text;
using sqlmig::test::Result;
using sqlmig::test::shell_quote;

TEST(CliPostgres, DdlIsTransactionalAFailureLeavesNothing) {
    PgProject p;
    p.project.migration("001_a.up.sql", "CREATE TABLE a (id int);\n");
    p.project.migration("002_b.up.sql",
                        "CREATE TABLE b (id int);\nCREATE INDEX b_id ON b (id);\nALTER TABLE b ADD COLUMN x int;\n"
                        "ALTER TABLE b\n    ADD COLUMN y nosuchtype;\n");
    const Result r = p.run({"up"});
    EXPECT_EQ(r.code, 1);
    EXPECT_CONTAINS(r.err, "migrations/002_b.up.sql:5:18: ERROR: type \"nosuchtype\" does not exist");
    EXPECT_CONTAINS(r.err, "SQLSTATE: 42704");
    EXPECT_EQ(p.versions(), "1");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM pg_class WHERE relname IN ('b', 'b_id')"), "0");
}

TEST(CliPostgres, ErrorReportHasHintDetailAndNotices) {
    PgProject p;
    p.project.migration("001_users.up.sql", "CREATE TABLE users (id int PRIMARY KEY, email text);\n"
                                            "DO $$ BEGIN RAISE NOTICE 'hello from %', 'plpgsql'; END $$;\n");
    p.project.migration("002_bad.up.sql", "-- a comment\nSELECT emial\n  FROM users;\n");
    const Result r = p.run({"up"});
    EXPECT_EQ(r.code, 1);
    EXPECT_CONTAINS(r.err, "hello from plpgsql");
    EXPECT_CONTAINS(r.err, "migrations/002_bad.up.sql:2:8: ERROR: column \"emial\" does not exist");
    EXPECT_CONTAINS(r.err, "HINT:");
    p.project.migration("002_bad.up.sql", "INSERT INTO users VALUES (1, 'a');\nINSERT INTO users VALUES (1, 'b');\n");
    const Result dup = p.run({"up"});
    EXPECT_EQ(dup.code, 1);
    EXPECT_CONTAINS(dup.err, "002_bad.up.sql:2:1: ERROR: duplicate key value violates unique constraint");
    EXPECT_CONTAINS(dup.err, "DETAIL:   Key (id)=(1) already exists.");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM users"), "0");
}

TEST(CliPostgres, TrickySqlSplitsLikePostgres) {
    PgProject p;
    p.project.migration("001_tricky.up.sql", R"SQL(
CREATE TABLE t (id serial PRIMARY KEY, doc text, "we;ird" text);
INSERT INTO t (doc) VALUES ('it''s; fine'), (E'back\\slash\'; quote'), (U&'d\0061t;a');
INSERT INTO t (doc) VALUES ('$.CVSS.nvd.V3Score');
CREATE FUNCTION f() RETURNS text LANGUAGE plpgsql AS $body$
BEGIN
  -- a ; in a comment, and a '$.x' string
  RETURN 'a;b' || $$;$$;
END
$body$;
/* nested /* comment; */ still; */
CREATE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; END;
DO $do$ BEGIN PERFORM f(); END $do$;
INSERT INTO t (doc) SELECT f()
)SQL");
    const Result r = p.run({"up"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(p.db.query("SELECT doc FROM t ORDER BY id"),
              "it's; fine,back\\slash'; quote,dat;a,$.CVSS.nvd.V3Score,a;b;");
    EXPECT_EQ(p.db.query("SELECT g()"), "2");
}

TEST(CliPostgres, ConcurrentlyRunsOutsideATransactionUnderTheLock) {
    PgProject p;
    p.project.migration("001_t.up.sql", "CREATE TABLE t (id int);\n");
    p.project.migration("002_idx.up.sql", "CREATE INDEX CONCURRENTLY t_id ON t (id);\n");
    p.project.migration("003_mixed.up.sql", "CREATE TABLE u (id int);\nCREATE INDEX CONCURRENTLY u_id ON u (id);\n");
    Result r = p.run({"up", "2"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_CONTAINS(r.err, "cannot run in a transaction; running it without one");
    EXPECT_EQ(p.db.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 't_id'::regclass"), "t");
    // A mix is refused as unsafe (exit 3, docs/exit-codes.md) before anything runs, naming the statement.
    r = p.run({"up"});
    EXPECT_EQ(r.code, 3);
    EXPECT_CONTAINS(r.err, "003_mixed.up.sql:2:1:");
    EXPECT_CONTAINS(r.err, "sqlmig:no-transaction");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM pg_class WHERE relname = 'u'"), "0");
    // With the directive it runs statement by statement.
    p.project.migration("003_mixed.up.sql", "-- sqlmig:no-transaction\nCREATE TABLE u (id int);\n"
                                            "CREATE INDEX CONCURRENTLY u_id ON u (id);\n");
    ASSERT_EQ(p.run({"up"}).code, 0);
    EXPECT_EQ(p.versions(), "1,2,3");
}

TEST(CliPostgres, NoTransactionFailureIsMarkedFailedUntilRepair) {
    PgProject p;
    p.project.migration("001_a.up.sql", "-- sqlmig:no-transaction\nCREATE TABLE a (id int);\nVACUUM a;\n"
                                        "CREATE INDEX CONCURRENTLY a_x ON a (nosuch);\n");
    Result r = p.run({"up"});
    EXPECT_EQ(r.code, 1);
    // The server gives no position for this error: the statement's start is reported.
    EXPECT_CONTAINS(r.err, "001_a.up.sql:4:1: ERROR: column \"nosuch\" does not exist");
    EXPECT_CONTAINS(r.err, "marked failed");
    EXPECT_EQ(p.db.query("SELECT state FROM sqlmig_migrations"), "failed");
    EXPECT_CONTAINS(p.db.query("SELECT failure FROM sqlmig_migrations"), "001_a.up.sql:4:1");
    EXPECT_CONTAINS(p.run({"status"}).out, "failed");
    r = p.run({"up"});
    EXPECT_EQ(r.code, 3);
    EXPECT_CONTAINS(r.err, "sqlmig repair");
    p.project.migration("001_a.up.sql", "-- sqlmig:no-transaction\nCREATE TABLE IF NOT EXISTS a (id int);\n"
                                        "CREATE INDEX CONCURRENTLY IF NOT EXISTS a_x ON a (id);\n");
    ASSERT_EQ(p.run({"repair"}).code, 0);
    ASSERT_EQ(p.run({"up"}).code, 0);
    EXPECT_EQ(p.db.query("SELECT state FROM sqlmig_migrations"), "applied");
}

TEST(CliPostgres, EightConcurrentRunnersApplyEachMigrationOnce) {
    PgProject p;
    p.project.migration("001_runs.up.sql", "CREATE TABLE runs (n int);\n");
    for (int i = 2; i <= 20; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "%03d_step.up.sql", i);
        p.project.migration(name, "INSERT INTO runs VALUES (" + std::to_string(i) + ");\nSELECT pg_sleep(0.01);\n");
    }
    const std::string cmd = "cd " + shell_quote(p.project.dir().string()) + " && for i in 1 2 3 4 5 6 7 8; do " +
                            shell_quote(SQLMIG_BINARY) + " -q up >/dev/null 2>>runs.log & done; wait";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    EXPECT_EQ(p.db.query("SELECT count(*) FROM runs"), "19");
    EXPECT_EQ(p.db.query("SELECT count(DISTINCT n) FROM runs"), "19");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM sqlmig_migrations"), "20");
}

TEST(CliPostgres, LockTimeoutNamesTheHolderAndExitsFour) {
    PgProject p;
    p.project.migration("001_a.up.sql", "CREATE TABLE a (id int);\n");
    // Another sqlmig run holds the lock while its migration sleeps.
    p.project.migration("002_slow.up.sql", "SELECT pg_sleep(4);\n");
    const std::string dir = shell_quote(p.project.dir().string());
    const std::string bin = shell_quote(SQLMIG_BINARY);
    const std::string cmd = "cd " + dir + " && (" + bin + " -q up >/dev/null 2>&1 &) ; sleep 1.5; " + bin +
                            " up --lock-timeout 1 2>lock.err; echo $? > lock.rc; wait";
    std::system(cmd.c_str());
    const Result r = p.project.outcome("lock");
    EXPECT_EQ(r.code, 4);
    EXPECT_CONTAINS(r.err, "held by pid");
    EXPECT_CONTAINS(r.err, "application_name 'sqlmig'");
    sleep(4);  // the detached first run must finish before its database is dropped
}

TEST(CliPostgres, SchemaQualifiedTrackingTableAndSessionTimeouts) {
    PgProject p("[migrations]\ntable = \"ops.schema_log\"\n[postgres]\nlock_timeout = \"300ms\"\nlock_retries = false\n");
    p.project.migration("001_a.up.sql", "CREATE TABLE a (id int);\nSELECT current_setting('lock_timeout');\n");
    ASSERT_EQ(p.run({"up"}).code, 0);
    EXPECT_EQ(p.db.query("SELECT version FROM ops.schema_log"), "1");
    // With retries off, a migration that waits behind a busy table fails cleanly on lock_timeout
    // (with them on it is retried: tests/e2e/cli_lock_waits_test.cpp).
    p.project.migration("002_b.up.sql", "ALTER TABLE a ADD COLUMN b int;\n");
    const std::string hold = "psql " + shell_quote(p.db.url()) +
                             " -qc 'BEGIN; LOCK TABLE a IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(3); COMMIT;' "
                             ">/dev/null 2>&1 & sleep 1; cd " + shell_quote(p.project.dir().string()) + " && " +
                             shell_quote(SQLMIG_BINARY) + " up --no-backup 2>b.err; echo $? >b.rc; wait";
    std::system(hold.c_str());
    const Result r = p.project.outcome("b");
    EXPECT_EQ(r.code, 1);
    EXPECT_CONTAINS(r.err, "lock timeout");
    EXPECT_CONTAINS(r.err, "55P03");
}

TEST(CliPostgres, SqlOutputRunsInPsql) {
    PgProject p;
    p.project.migration("001_a.up.sql", "CREATE TABLE a (id int);\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ "
                                        "LANGUAGE sql;\n");
    p.project.migration("002_b.up.sql", "BEGIN;\nCREATE TABLE b (id int);\nCOMMIT;\n");
    const Result sql = p.run({"up", "--sql"});
    ASSERT_EQ(sql.code, 0) << sql.err;
    EXPECT_EQ(p.db.query("SELECT count(*) FROM pg_tables WHERE tablename = 'sqlmig_migrations'"), "0");
    p.project.write_file("up.sql", sql.out);
    const std::string cmd = "psql -X -q -v ON_ERROR_STOP=1 " + shell_quote(p.db.url()) + " -f " +
                            shell_quote((p.project.dir() / "up.sql").string()) + " >/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    EXPECT_EQ(p.versions(), "1,2");
    EXPECT_EQ(p.run({"check"}).code, 0);
}

TEST(CliPostgres, ConnectionFailureNamesTheServerNotThePassword) {
    Project p;
    p.migration("001_a.up.sql", "SELECT 1;\n");
    const Result r = p.run({"--database", "postgres://app:hunter2secret@127.0.0.1:1/app?connect_timeout=2", "status"});
    EXPECT_EQ(r.code, 1);
    EXPECT_CONTAINS(r.err, "cannot connect to PostgreSQL at postgres://app:***@127.0.0.1:1/app");
    EXPECT_EQ(r.err.find("hunter2secret"), std::string::npos);
}

// status connects while it reads the folder (Context::connect_during); the folder's
// problem is still the one reported, as when it was read first.
TEST(CliPostgres, StatusReportsABrokenFolderBeforeAConnectionFailure) {
    Project p;
    p.migration("001_a.up.sql", "SELECT 1;\n");
    p.migration("001_b.up.sql", "SELECT 2;\n");
    const Result broken = p.run({"--database", "postgres://app@127.0.0.1:1/app?connect_timeout=2", "status"});
    EXPECT_EQ(broken.code, 2) << broken.err;
    EXPECT_CONTAINS(broken.err, "two up files have version 1");
    EXPECT_EQ(broken.err.find("cannot connect"), std::string::npos) << broken.err;

    PgProject ok;
    ok.project.migration("001_a.up.sql", "SELECT 1;\n");
    ok.project.migration("001_b.up.sql", "SELECT 2;\n");
    const Result both = ok.run({"status"});
    EXPECT_EQ(both.code, 2) << both.err;
    EXPECT_CONTAINS(both.err, "two up files have version 1");
    std::filesystem::remove(ok.project.dir() / "migrations" / "001_b.up.sql");
    const Result fixed = ok.run({"status", "--json"});
    EXPECT_EQ(fixed.code, 0) << fixed.err;
    EXPECT_CONTAINS(fixed.out, "\"pending\": 1");
}

TEST(CliPostgres, CorpusQuickwitAppliesAndRevertsUntilItsBrokenDown) {
    SQLMIG_REQUIRE_CORPUS(corpus);
    PgProject p;
    const std::string dir = (corpus / "quickwit-postgres").string();
    const Result up = p.run({"--dir", dir, "up"});
    ASSERT_EQ(up.code, 0) << up.err;
    EXPECT_EQ(p.db.query("SELECT count(*) FROM sqlmig_migrations"), "28");
    EXPECT_EQ(p.run({"--dir", dir, "check"}).code, 0);
    // Upstream's 28 down is missing, so base stops before running anything.
    Result down = p.run({"--dir", dir, "down", "base"});
    EXPECT_EQ(down.code, 3);
    EXPECT_EQ(p.db.query("SELECT count(*) FROM sqlmig_migrations"), "28");
    // Version by version, the downs run until upstream's broken one.
    int reverted = 0;
    for (; reverted < 30; ++reverted) {
        down = p.run({"--dir", dir, "down"});
        if (down.code != 0) {
            break;
        }
    }
    EXPECT_NE(down.code, 0);
    EXPECT_CONTAINS(down.err, "quickwit-postgres/");
    const std::string count = p.db.query("SELECT count(*) FROM sqlmig_migrations");
    EXPECT_EQ(std::stoi(count), 28 - reverted);
    EXPECT_EQ(p.run({"--dir", dir, "validate"}).code, 0);
}

TEST(CliPostgres, CorpusPocketIdAppliesAndStopsAtItsBrokenDown) {
    SQLMIG_REQUIRE_CORPUS(corpus);
    PgProject p;
    const std::string dir = (corpus / "pocket-id-postgres").string();
    const Result up = p.run({"--dir", dir, "up"});
    ASSERT_EQ(up.code, 0) << up.err;
    EXPECT_EQ(p.db.query("SELECT count(*) FROM sqlmig_migrations"), "64");
    EXPECT_EQ(p.run({"--dir", dir, "check"}).code, 0);
    // Upstream's first migration has no down; revert everything above it.
    const Result down = p.run({"--dir", dir, "down", "20241211111554"});
    EXPECT_EQ(down.code, 1);
    EXPECT_CONTAINS(down.err, "20250412000000_add_user_disabled_field.down.sql:");
    EXPECT_CONTAINS(down.err, "does not exist");
    // The failed down left nothing half done: its version is still applied and valid.
    EXPECT_EQ(p.db.query("SELECT count(*) FROM sqlmig_migrations WHERE version = '20250412000000'"), "1");
    EXPECT_EQ(p.run({"--dir", dir, "validate"}).code, 0);
    EXPECT_EQ(p.run({"--dir", dir, "current"}).out, "20250412000000\n");
}

// Large files go out in batches, one in flight while the next is read: an error
// deep inside still names its line, and nothing of the file stays.
TEST(CliPostgres, ErrorInAMiddleBatchOfALargeFileNamesItsLine) {
    PgProject p;
    std::string sql = "CREATE TABLE big (id int PRIMARY KEY, note text);\n";
    const std::string note(200, 'n');
    for (int i = 1; i <= 6000; ++i) {
        sql += "INSERT INTO big VALUES (" + std::to_string(i == 4000 ? 3999 : i) + ", '" + note + "');\n";
    }
    p.project.migration("001_big.up.sql", sql);
    const Result r = p.run({"up"});
    EXPECT_EQ(r.code, 1);
    EXPECT_CONTAINS(r.err, "migrations/001_big.up.sql:4001:1: ERROR: duplicate key value");
    EXPECT_CONTAINS(r.err, "Key (id)=(3999) already exists");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM pg_class WHERE relname = 'big'"), "0");
    sql.replace(sql.find("VALUES (3999,"), 13, "VALUES (4000,");
    p.project.migration("001_big.up.sql", sql);
    ASSERT_EQ(p.run({"up"}).code, 0);
    EXPECT_EQ(p.db.query("SELECT count(*) FROM big"), "6000");
}

// The live line of a long migration: drawn after a second, erased at the end, and
// only where it belongs (a terminal, or --progress always; never -q or --json).
TEST(CliPostgres, ALongMigrationShowsOneLiveLineOnlyWhereItBelongs) {
    PgProject p;
    p.project.migration("001_slow.up.sql", "SELECT pg_sleep(0.7);\nSELECT pg_sleep(0.7);\n");
    p.project.migration("001_slow.down.sql", "SELECT 1;\n");
    const Result always = p.run({"up", "--no-backup", "--progress", "always"});
    ASSERT_EQ(always.code, 0) << always.err;
    EXPECT_CONTAINS(always.err, "\r\x1b[Kmigrations/001_slow.up.sql: 2 statements sent, 44 B of 44 B, 1 s");
    EXPECT_CONTAINS(always.err, "\r\x1b[Ksqlmig: info: applied 001_slow");  // erased before the next log line
    ASSERT_EQ(p.run({"down", "--no-backup"}).code, 0);
    const Result piped = p.run({"up", "--no-backup"});  // auto, and stderr is not a terminal
    ASSERT_EQ(piped.code, 0) << piped.err;
    EXPECT_NOT_CONTAINS(piped.err, "\r");
    for (const std::vector<std::string>& args : {std::vector<std::string>{"-q", "redo", "--no-backup", "--progress", "always"},
                                                 {"--json", "redo", "--no-backup", "--progress", "always"}}) {
        const Result quiet = p.run(args);
        EXPECT_EQ(quiet.code, 0) << quiet.err;
        EXPECT_NOT_CONTAINS(quiet.err, "statements sent");
    }
    EXPECT_EQ(p.run({"status", "--progress", "sometimes"}).code, 2);
    // auto on a real terminal (a pseudo-terminal from util-linux script): drawn.
    ASSERT_EQ(p.run({"down", "--no-backup"}).code, 0);
    const std::string cmd = "cd " + shell_quote(p.project.dir().string()) + " && TERM=xterm script -qec " +
                            shell_quote(shell_quote(SQLMIG_BINARY) + " up --no-backup") + " /dev/null >tty.out 2>&1";
    std::system(cmd.c_str());
    EXPECT_CONTAINS(read_text(p.project.dir() / "tty.out"), "migrations/001_slow.up.sql: 2 statements sent");
}

TEST(CliPostgres, DbmatesSearchPathParameterSetsTheServersSearchPath) {
    PgDatabase db;
    db.query("CREATE SCHEMA app");
    Project p;
    const std::string url = db.url() + (db.url().find('?') == std::string::npos ? "?" : "&") + "search_path=app";
    p.write_file("config.toml", "[database]\nurl = \"" + url + "\"\n[backup]\nenabled = false\n");
    p.migration("001_t.up.sql", "CREATE TABLE t (id int);\n");
    const Result up = p.run({"up"});
    ASSERT_EQ(up.code, 0) << up.err;
    EXPECT_EQ(db.query("SELECT string_agg(table_schema || '.' || table_name, ',' ORDER BY table_name) FROM "
                       "information_schema.tables WHERE table_name IN ('t', 'sqlmig_migrations')"),
              "app.sqlmig_migrations,app.t");
    p.write_file("config.toml", "[database]\nurl = \"" + url + "&options=-cwork_mem%3D8MB\"\n");
    const Result both = p.run({"status"});
    EXPECT_EQ(both.code, 2);
    EXPECT_CONTAINS(both.err, "sets both search_path and options");
}

TEST(CliPostgres, TheLintBeforeARunReadsDownsAsDownsAndTheConfiguredLockTimeout) {
    PgProject p("[postgres]\nlock_timeout = \"5s\"\n[backup]\nenabled = false\n");
    p.project.migration("001_a.up.sql", "CREATE TABLE a (id int, note text);\n");
    p.project.migration("001_a.down.sql", "DROP TABLE a;\n");
    ASSERT_EQ(p.run({"up"}).code, 0);
    p.project.migration("002_b.up.sql", "ALTER TABLE a ADD COLUMN remark text;\n");
    p.project.migration("002_b.down.sql", "ALTER TABLE a DROP COLUMN remark;\n");
    const Result up = p.run({"up"});
    ASSERT_EQ(up.code, 0) << up.err;
    EXPECT_NOT_CONTAINS(up.err, "missing-lock-timeout");  // [postgres] lock_timeout sets it
    const Result down = p.run({"down", "base", "--dry-run"});
    ASSERT_EQ(down.code, 0) << down.err;
    EXPECT_NOT_CONTAINS(down.err, "rename-or-drop");  // as `sqlmig lint` says of down files
}
