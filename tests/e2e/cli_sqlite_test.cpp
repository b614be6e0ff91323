// End-to-end: the sqlmig binary on real SQLite files, checked by exit code,
// output and the resulting database.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "e2e/cli_test_support.hpp"

using sqlmig::test::Project;
using sqlmig::test::Result;

namespace {

void three_migrations(Project& p) {
    p.migration("001_users.up.sql", "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\n");
    p.migration("001_users.down.sql", "DROP TABLE users;\n");
    p.migration("002_posts.up.sql", "CREATE TABLE posts (id INTEGER PRIMARY KEY);\nCREATE INDEX posts_id ON posts (id);\n");
    p.migration("002_posts.down.sql", "DROP TABLE posts;\n");
    p.migration("003_email.up.sql", "ALTER TABLE users ADD COLUMN email TEXT;\n");
    p.migration("003_email.down.sql", "ALTER TABLE users DROP COLUMN email;\n");
}

std::string tables(const Project& p) {
    return p.query("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlmig%' ORDER BY name");
}

std::string versions(const Project& p) {
    return p.query("SELECT version FROM sqlmig_migrations ORDER BY CAST(version AS INTEGER)");
}

}  // namespace

TEST(CliSqlite, UpAppliesEverythingAndRecordsEachMigration) {
    Project p;
    three_migrations(p);
    const Result r = p.run({"up"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(tables(p), "posts,users");
    EXPECT_EQ(versions(p), "1,2,3");
    EXPECT_EQ(p.query("SELECT count(*) FROM pragma_table_info('users') WHERE name='email'"), "1");
    EXPECT_EQ(p.query("SELECT name FROM sqlmig_migrations WHERE version='2'"), "posts");
    EXPECT_EQ(p.query("SELECT checksum LIKE 'sha256:%' AND length(checksum) = 71 FROM sqlmig_migrations LIMIT 1"), "1");
    EXPECT_EQ(p.query("SELECT applied_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T*Z' FROM sqlmig_migrations "
                      "LIMIT 1"),
              "1");
    EXPECT_EQ(p.query("SELECT applied_by LIKE '%@%' FROM sqlmig_migrations LIMIT 1"), "1");
    EXPECT_CONTAINS(r.err, "applied 003_email");
    // Running again does nothing.
    const Result again = p.run({"up"});
    EXPECT_EQ(again.code, 0);
    EXPECT_CONTAINS(again.err, "nothing to do");
}

TEST(CliSqlite, UpStopsAtATargetOrACount) {
    Project p;
    three_migrations(p);
    ASSERT_EQ(p.run({"up", "+1"}).code, 0);
    EXPECT_EQ(versions(p), "1");
    ASSERT_EQ(p.run({"up", "2"}).code, 0);
    EXPECT_EQ(versions(p), "1,2");
    EXPECT_EQ(p.run({"up", "42"}).code, 2);
}

TEST(CliSqlite, DownRevertsNewestThenCountsVersionsAndBase) {
    Project p;
    three_migrations(p);
    ASSERT_EQ(p.run({"up"}).code, 0);
    ASSERT_EQ(p.run({"down"}).code, 0);
    EXPECT_EQ(versions(p), "1,2");
    EXPECT_EQ(p.query("SELECT count(*) FROM pragma_table_info('users') WHERE name='email'"), "0");
    ASSERT_EQ(p.run({"up"}).code, 0);
    ASSERT_EQ(p.run({"down", "-2"}).code, 0);
    EXPECT_EQ(versions(p), "1");
    ASSERT_EQ(p.run({"up"}).code, 0);
    ASSERT_EQ(p.run({"down", "1"}).code, 0);
    EXPECT_EQ(versions(p), "1");
    ASSERT_EQ(p.run({"down", "base"}).code, 0);
    EXPECT_EQ(versions(p), "");
    EXPECT_EQ(tables(p), "");
}

TEST(CliSqlite, RedoRevertsAndReappliesTheNewest) {
    Project p;
    three_migrations(p);
    ASSERT_EQ(p.run({"up"}).code, 0);
    p.run({"--database", "sqlite:///data/app.db", "current"});
    const Result r = p.run({"redo"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_CONTAINS(r.err, "reverted 003_email");
    EXPECT_CONTAINS(r.err, "applied 003_email");
    EXPECT_EQ(versions(p), "1,2,3");
}

TEST(CliSqlite, AFailureInTheMiddleLeavesNothingOfThatMigration) {
    Project p;
    three_migrations(p);
    p.migration("004_broken.up.sql",
                "CREATE TABLE half (id INTEGER);\nINSERT INTO half VALUES (1);\n\nINSERT INTO nosuch VALUES (1);\n");
    p.migration("005_after.up.sql", "CREATE TABLE after (id INTEGER);\n");
    const Result r = p.run({"up"});
    EXPECT_EQ(r.code, 1);
    EXPECT_CONTAINS(r.err, "migrations/004_broken.up.sql:4:1: no such table: nosuch");
    EXPECT_CONTAINS(r.err, "nothing of 004_broken was applied");
    EXPECT_EQ(versions(p), "1,2,3");
    EXPECT_EQ(tables(p), "posts,users");  // neither "half" nor "after"
}

// A statement that cannot run in a transaction beside others in a transaction file: refused as unsafe
// (exit 3, as lint's error for it), with file:line:column, before anything of the run is applied;
// impact, which measures what up would run, refuses it the same way.
TEST(CliSqlite, ANoTransactionStatementAmongOthersIsRefusedBeforeAnythingRuns) {
    Project p;
    three_migrations(p);
    p.migration("004_vacuum.up.sql", "CREATE TABLE v (id INTEGER);\nVACUUM;\n");
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"up", "--dry-run"}, {"up"}, {"impact"}, {"impact", "--no-live-stats"}}) {
        const Result r = p.run(args);
        EXPECT_EQ(r.code, 3) << r.err;
        EXPECT_CONTAINS(r.err, "sqlmig: error: migrations/004_vacuum.up.sql:2:1: 'VACUUM' cannot run inside a "
                               "transaction, and the file has other statements");
    }
    EXPECT_EQ(tables(p), "") << "nothing ran, not even the first three";
}

TEST(CliSqlite, SingleTransactionIsAllOrNothing) {
    Project p;
    three_migrations(p);
    p.migration("004_broken.up.sql", "SELECT * FROM nosuch;\n");
    const Result r = p.run({"up", "--single-transaction"});
    EXPECT_EQ(r.code, 1);
    EXPECT_CONTAINS(r.err, "nothing was applied");
    EXPECT_EQ(versions(p), "");
    EXPECT_EQ(tables(p), "");
    std::filesystem::remove(p.dir() / "migrations/004_broken.up.sql");
    ASSERT_EQ(p.run({"up", "--single-transaction"}).code, 0);
    EXPECT_EQ(versions(p), "1,2,3");
}

TEST(CliSqlite, EditedAppliedFileStopsTheRunBeforeAnythingExecutes) {
    Project p;
    three_migrations(p);
    ASSERT_EQ(p.run({"up", "2"}).code, 0);
    p.migration("001_users.up.sql", "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, extra TEXT);\n");
    const Result r = p.run({"up"});
    EXPECT_EQ(r.code, 3);
    EXPECT_CONTAINS(r.err, "001_users.up.sql was edited after it was applied");
    EXPECT_EQ(versions(p), "1,2");
    EXPECT_EQ(p.run({"validate"}).code, 3);
    EXPECT_EQ(p.run({"check"}).code, 3);
    const Result status = p.run({"status"});
    EXPECT_CONTAINS(status.out, "modified");
    // repair needs --yes to accept the edit, then up goes on.
    EXPECT_EQ(p.run({"repair"}).code, 3);
    ASSERT_EQ(p.run({"repair", "--yes"}).code, 0);
    ASSERT_EQ(p.run({"up"}).code, 0);
    EXPECT_EQ(versions(p), "1,2,3");
}

// Folders of 200 applied files or more keep their checksums in a cache keyed by what
// stat says (docs/performance.md). An edit that keeps the size and the modification
// time is still caught: ctime moves on every write, and nobody can set it back.
TEST(CliSqlite, ChecksumCacheNeverHidesAnEdit) {
    namespace fs = std::filesystem;
    Project p;
    for (int i = 1; i <= 200; ++i) {
        const std::string v = std::string(i < 10 ? "000" : i < 100 ? "00" : "0") + std::to_string(i);
        p.migration(v + "_m.up.sql", "SELECT " + std::to_string(1000 + i) + ";\n");
    }
    ASSERT_EQ(p.run({"up", "--no-backup"}).code, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(2100));  // younger files are never cached
    ASSERT_EQ(p.run({"status"}).code, 0);
    const auto caches = sqlmig::test::files_in(p.dir() / ".cache");
    ASSERT_EQ(caches.size(), 1u);
    EXPECT_EQ(sqlmig::test::permissions_of(caches[0]), 0600u);
    const std::string cached = sqlmig::test::read_text(caches[0]);
    EXPECT_CONTAINS(cached, "0200_m.up.sql");

    const fs::path file = p.dir() / "migrations" / "0100_m.up.sql";
    const auto mtime = fs::last_write_time(file);
    p.migration("0100_m.up.sql", "SELECT 9999;\n");  // as long as "SELECT 1100;\n"
    fs::last_write_time(file, mtime);
    EXPECT_CONTAINS(p.run({"status"}).out, "0100     m     modified");
    EXPECT_EQ(p.run({"validate"}).code, 3);

    // A damaged cache costs a re-hash, never a wrong answer.
    std::ofstream(caches[0], std::ios::trunc) << "sqlmig checksum cache 1\ngarbage";
    EXPECT_EQ(p.run({"validate"}).code, 3);
    p.migration("0100_m.up.sql", "SELECT 1100;\n");
    const Result fixed = p.run({"status"});
    EXPECT_EQ(fixed.code, 0);
    EXPECT_NOT_CONTAINS(fixed.out, "modified");
    EXPECT_EQ(p.run({"validate"}).code, 0);

    // SQLMIG_CACHE_DIR=off: no cache anywhere.
    fs::remove_all(p.dir() / ".cache");
    EXPECT_EQ(p.run({"validate"}, "SQLMIG_CACHE_DIR=off").code, 0);
    EXPECT_FALSE(fs::exists(p.dir() / ".cache"));
}

TEST(CliSqlite, CrlfAndBomDoNotLookEdited) {
    Project p;
    p.migration("001_a.up.sql", "CREATE TABLE a (id INTEGER);\nCREATE TABLE b (id INTEGER);\n");
    ASSERT_EQ(p.run({"up"}).code, 0);
    p.migration("001_a.up.sql", "\xEF\xBB\xBF" "CREATE TABLE a (id INTEGER);\r\nCREATE TABLE b (id INTEGER);\r\n");
    EXPECT_EQ(p.run({"validate"}).code, 0);
}

TEST(CliSqlite, MissingAppliedFileStopsTheRun) {
    Project p;
    three_migrations(p);
    ASSERT_EQ(p.run({"up"}).code, 0);
    std::filesystem::remove(p.dir() / "migrations/002_posts.up.sql");
    std::filesystem::remove(p.dir() / "migrations/002_posts.down.sql");
    p.migration("004_more.up.sql", "CREATE TABLE more (id INTEGER);\n");
    const Result r = p.run({"up"});
    EXPECT_EQ(r.code, 3);
    // Its SQL was stored when it was applied, so the message says how to revert it (cli_stored_sql_test.cpp).
    EXPECT_CONTAINS(r.err, "version 002 (posts) is applied but its files are gone");
    EXPECT_CONTAINS(p.run({"status"}).out, "missing (stored)");
    EXPECT_EQ(tables(p), "posts,users");
}

TEST(CliSqlite, OutOfOrderIsRefusedUnlessAllowed) {
    Project p;
    p.migration("001_a.up.sql", "CREATE TABLE a (id INTEGER);\n");
    p.migration("003_c.up.sql", "CREATE TABLE c (id INTEGER);\n");
    ASSERT_EQ(p.run({"up"}).code, 0);
    p.migration("002_b.up.sql", "CREATE TABLE b (id INTEGER);\n");
    const Result r = p.run({"up"});
    EXPECT_EQ(r.code, 3);
    EXPECT_CONTAINS(r.err, "002_b.up.sql");
    EXPECT_CONTAINS(r.err, "--allow-out-of-order");
    EXPECT_CONTAINS(p.run({"status"}).out, "pending (out of order)");
    ASSERT_EQ(p.run({"up", "--allow-out-of-order"}).code, 0);
    EXPECT_EQ(versions(p), "1,2,3");
}

TEST(CliSqlite, IrreversibleMigrationStopsDownBeforeAnythingRuns) {
    Project p;
    p.migration("001_a.up.sql", "CREATE TABLE a (id INTEGER);\n");
    p.migration("002_b.up.sql", "CREATE TABLE b (id INTEGER);\n");
    p.migration("003_c.up.sql", "CREATE TABLE c (id INTEGER);\n");
    p.migration("003_c.down.sql", "DROP TABLE c;\n");
    ASSERT_EQ(p.run({"up"}).code, 0);
    const Result r = p.run({"down", "base"});
    EXPECT_EQ(r.code, 3);
    EXPECT_CONTAINS(r.err, "002_b.up.sql: it has no .down.sql file");
    EXPECT_EQ(versions(p), "1,2,3");
    EXPECT_EQ(tables(p), "a,b,c");
}

TEST(CliSqlite, StampAdoptsAnExistingDatabase) {
    Project p;
    three_migrations(p);
    p.migration("004_tags.up.sql", "CREATE TABLE tags (id INTEGER);\n");
    // Tables made by hand, as 001..003 would have.
    ASSERT_EQ(p.run({"up", "3"}).code, 0);
    ASSERT_EQ(p.run({"stamp", "base"}).code, 0);
    EXPECT_EQ(versions(p), "");
    EXPECT_EQ(tables(p), "posts,users");  // stamp never runs SQL
    const Result s = p.run({"stamp", "003"});
    ASSERT_EQ(s.code, 0) << s.err;
    EXPECT_EQ(versions(p), "1,2,3");
    EXPECT_EQ(p.run({"validate"}).code, 0);
    ASSERT_EQ(p.run({"up"}).code, 0);
    EXPECT_EQ(versions(p), "1,2,3,4");
    EXPECT_EQ(tables(p), "posts,tags,users");
    EXPECT_EQ(p.run({"stamp", "9"}).code, 2);
}

TEST(CliSqlite, SqlModePrintsRunnableSqlAndExecutesNothing) {
    Project p;
    three_migrations(p);
    const Result r = p.run({"up", "--sql"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_FALSE(std::filesystem::exists(p.db_path()));
    EXPECT_CONTAINS(r.out, "CREATE TABLE IF NOT EXISTS \"sqlmig_migrations\"");
    EXPECT_CONTAINS(r.out, "BEGIN;\nCREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\nINSERT INTO");
    EXPECT_CONTAINS(r.out, "COMMIT;");
    // The printed SQL, run by the sqlite3 shell, gives the same schema and rows.
    p.write_file("up.sql", r.out);
    std::filesystem::create_directories(p.db_path().parent_path());
    ASSERT_EQ(std::system(("sqlite3 " + sqlmig::test::shell_quote(p.db_path().string()) + " < " +
                           sqlmig::test::shell_quote((p.dir() / "up.sql").string()))
                              .c_str()),
              0);
    EXPECT_EQ(versions(p), "1,2,3");
    EXPECT_EQ(p.run({"check"}).code, 0);
    const Result down = p.run({"down", "--sql"});
    EXPECT_CONTAINS(down.out, "ALTER TABLE users DROP COLUMN email;\nDELETE FROM \"sqlmig_migrations\" WHERE version = '3';");
    EXPECT_EQ(versions(p), "1,2,3");
    const Result dry = p.run({"down", "base", "--dry-run"});
    EXPECT_EQ(dry.out, "down  migrations/003_email.down.sql\ndown  migrations/002_posts.down.sql\n"
                       "down  migrations/001_users.down.sql\n");
    ASSERT_EQ(p.run({"down", "base"}).code, 0);
    const Result nothing = p.run({"down", "--dry-run"});
    EXPECT_EQ(nothing.code, 0);
    EXPECT_EQ(nothing.out, "");
    EXPECT_CONTAINS(nothing.err, "nothing to do; the database is at version none");
}

TEST(CliSqlite, FilesWithTheirOwnTransactionRunUnwrapped) {
    Project p;
    p.migration("001_a.up.sql", "CREATE TABLE a (id INTEGER, b_id INTEGER);\n");
    // As golang-migrate users write a table rebuild for SQLite.
    p.migration("002_rebuild.up.sql",
                "PRAGMA foreign_keys=OFF;\nBEGIN;\nCREATE TABLE a_new (id INTEGER PRIMARY KEY);\n"
                "INSERT INTO a_new SELECT id FROM a;\nDROP TABLE a;\nALTER TABLE a_new RENAME TO a;\nCOMMIT;\n"
                "PRAGMA foreign_keys=ON;\n");
    const Result r = p.run({"up"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_CONTAINS(r.err, "file's own transaction");
    EXPECT_EQ(versions(p), "1,2");
    // A failing own-transaction file is rolled back and not recorded.
    p.migration("003_bad.up.sql", "BEGIN;\nCREATE TABLE c (id INTEGER);\nINSERT INTO nosuch VALUES (1);\nCOMMIT;\n");
    const Result bad = p.run({"up"});
    EXPECT_EQ(bad.code, 1);
    EXPECT_CONTAINS(bad.err, "003_bad.up.sql:3:");
    EXPECT_EQ(versions(p), "1,2");
    EXPECT_EQ(tables(p), "a");
}

TEST(CliSqlite, NoTransactionFailureIsMarkedFailedUntilRepaired) {
    Project p;
    p.migration("001_a.up.sql",
                "-- sqlmig:no-transaction\nCREATE TABLE a (id INTEGER);\nCREATE TABLE a (id INTEGER);\n");
    const Result r = p.run({"up"});
    EXPECT_EQ(r.code, 1);
    EXPECT_CONTAINS(r.err, "001_a.up.sql:3:14: table a already exists");
    EXPECT_CONTAINS(r.err, "marked failed");
    EXPECT_EQ(p.query("SELECT state FROM sqlmig_migrations"), "failed");
    EXPECT_CONTAINS(p.run({"status"}).out, "failed");
    EXPECT_EQ(p.run({"up"}).code, 3);
    p.migration("001_a.up.sql", "-- sqlmig:no-transaction\nCREATE TABLE IF NOT EXISTS a (id INTEGER);\n");
    ASSERT_EQ(p.run({"repair"}).code, 0);
    ASSERT_EQ(p.run({"up"}).code, 0);
    EXPECT_EQ(p.query("SELECT state FROM sqlmig_migrations"), "applied");
}

TEST(CliSqlite, EmptyCommentOnlyAndOddlyFormattedFilesRun) {
    Project p;
    p.migration("001_empty.up.sql", "");
    p.migration("002_comments.up.sql", "-- nothing yet\n/* still nothing */\n");
    p.migration("003_crlf.up.sql", "CREATE TABLE a (name TEXT);\r\nINSERT INTO a VALUES ('héllo; wörld')\r\n");
    p.migration("004_no_newline.up.sql", "INSERT INTO a VALUES ('x')");
    const Result r = p.run({"up"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(versions(p), "1,2,3,4");
    EXPECT_EQ(p.query("SELECT name FROM a ORDER BY rowid"), "héllo; wörld,x");
}

TEST(CliSqlite, ConcurrentRunnersApplyEachMigrationOnce) {
    Project p;
    p.migration("001_counter.up.sql", "CREATE TABLE runs (n INTEGER);\n");
    for (int i = 2; i <= 12; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "%03d_step.up.sql", i);
        p.migration(name, "INSERT INTO runs VALUES (" + std::to_string(i) + ");\n");
    }
    std::string cmd = "cd " + sqlmig::test::shell_quote(p.dir().string()) + " && for i in 1 2 3 4 5 6; do " +
                      sqlmig::test::shell_quote(SQLMIG_BINARY) + " -q up >/dev/null 2>>runs.log & done; wait";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    EXPECT_EQ(p.query("SELECT count(*) FROM runs"), "11");
    EXPECT_EQ(p.query("SELECT count(DISTINCT n) FROM runs"), "11");
    EXPECT_EQ(p.query("SELECT count(*) FROM sqlmig_migrations"), "12");
}

TEST(CliSqlite, LockTimeoutExitsWithFour) {
    Project p;
    p.migration("001_a.up.sql", "CREATE TABLE a (id INTEGER);\n");
    ASSERT_EQ(p.run({"up"}).code, 0);
    // Hold the lock from outside with flock(1), as another sqlmig run would.
    const std::string lock = (p.db_path().string() + "-sqlmig-lock");
    const std::string cmd = "flock " + sqlmig::test::shell_quote(lock) + " sleep 3 & sleep 0.3; cd " +
                            sqlmig::test::shell_quote(p.dir().string()) + " && " +
                            sqlmig::test::shell_quote(SQLMIG_BINARY) + " up --lock-timeout 0.5 2>lock.err; rc=$?; wait; exit $rc";
    const int status = std::system(cmd.c_str());
    EXPECT_EQ(WEXITSTATUS(status), 4);
}

TEST(CliSqlite, JsonOutputsAreDocuments) {
    Project p;
    three_migrations(p);
    const Result up = p.run({"up", "--json"});
    ASSERT_EQ(up.code, 0);
    EXPECT_CONTAINS(up.out, "\"ok\": true");
    EXPECT_CONTAINS(up.out, "\"current\": \"003\"");
    EXPECT_CONTAINS(up.out, "\"direction\": \"up\"");
    const Result status = p.run({"status", "--json"});
    EXPECT_CONTAINS(status.out, "\"pending\": 0");
    EXPECT_CONTAINS(status.out, "\"state\": \"applied\"");
    EXPECT_EQ(p.run({"current", "--json"}).out, "{\n  \"current\": \"003\"\n}\n");
    EXPECT_CONTAINS(p.run({"history", "--json"}).out, "\"checksum\": \"sha256:");
    EXPECT_CONTAINS(p.run({"check", "--json"}).out, "\"ok\": true");
    p.migration("004_bad.up.sql", "SELECT * FROM nosuch;\n");
    const Result failed = p.run({"up", "--json"});
    EXPECT_EQ(failed.code, 1);
    EXPECT_CONTAINS(failed.out, "\"ok\": false");
    EXPECT_CONTAINS(failed.out, "\"error\": \"migrations/004_bad.up.sql:1:1: no such table: nosuch");
}

TEST(CliSqlite, StatusHistoryAndCurrentDescribeTheDatabase) {
    Project p;
    three_migrations(p);
    EXPECT_EQ(p.run({"current"}).out, "none\n");
    ASSERT_EQ(p.run({"up", "2"}).code, 0);
    const Result status = p.run({"status"});
    EXPECT_CONTAINS(status.out, "001      users  applied");
    EXPECT_CONTAINS(status.out, "003      email  pending");
    EXPECT_CONTAINS(status.out, "current:  002");
    EXPECT_EQ(p.run({"current"}).out, "002\n");
    const Result history = p.run({"history", "--verbose"});
    EXPECT_LT(history.out.find("002"), history.out.find("001"));  // newest first
    EXPECT_CONTAINS(history.out, "up:      migrations/001_users.up.sql");
    EXPECT_EQ(p.run({"check"}).code, 3);
}

TEST(CliSqlite, BadFolderContentsAreErrorsNamingTheFiles) {
    Project p;
    p.migration("001_a.up.sql", "SELECT 1;\n");
    p.migration("4-add.up.sql", "SELECT 1;\n");
    p.migration("README.md", "notes");
    Result r = p.run({"up"});
    EXPECT_EQ(r.code, 2);
    EXPECT_CONTAINS(r.err, "4-add.up.sql: not a valid migration file name");
    EXPECT_FALSE(std::filesystem::exists(p.db_path()));
    p.write_file("config.toml", "[database]\nurl = \"sqlite:///data/app.db\"\n[migrations]\nignore = [\"4-*\"]\n");
    EXPECT_EQ(p.run({"up"}).code, 0);
    p.migration("003_x.up.sql", "SELECT 1;\n");
    p.migration("3_y.up.sql", "SELECT 1;\n");
    r = p.run({"status"});
    EXPECT_EQ(r.code, 2);
    EXPECT_CONTAINS(r.err, "003_x.up.sql, 3_y.up.sql");
}

TEST(CliSqlite, ConfigErrorsNameFileLineAndKey) {
    Project p;
    p.write_file("config.toml", "[database]\nurl = \"${SQLMIG_TEST_UNSET_VAR}\"\n");
    Result r = p.run({"status"});
    EXPECT_EQ(r.code, 2);
    EXPECT_CONTAINS(r.err, "config.toml:2:7: [database] url: environment variable SQLMIG_TEST_UNSET_VAR is not set");
    p.write_file("config.toml", "[database]\nurl = \"sqlite:///x.db\"\n[migrations]\ntable = \"x; drop\"\n");
    r = p.run({"status"});
    EXPECT_EQ(r.code, 2);
    EXPECT_CONTAINS(r.err, "invalid tracking table name");
    EXPECT_EQ(p.run({"--config", "nope.toml", "status"}).code, 2);
    EXPECT_EQ(p.run({"frobnicate"}).code, 2);
    EXPECT_EQ(p.run({"up", "--no-such-flag"}).code, 2);
}

TEST(CliSqlite, EnvironmentOverridesAndCustomTable) {
    Project p;
    p.write_file("config.toml", "[database]\nurl = \"sqlite:///data/dev.db\"\n[migrations]\ntable = \"schema_log\"\n"
                                "[env.ci.database]\nurl = \"sqlite:///data/app.db\"\n");
    p.migration("001_a.up.sql", "CREATE TABLE a (id INTEGER);\n");
    ASSERT_EQ(p.run({"--env", "ci", "up"}).code, 0);
    EXPECT_EQ(p.query("SELECT version FROM schema_log"), "1");
    ASSERT_EQ(p.run({"up"}, "SQLMIG_ENV=ci").code, 0);
    EXPECT_FALSE(std::filesystem::exists(p.dir() / "data/dev.db"));
    ASSERT_EQ(p.run({"up"}, "DATABASE_URL=sqlite:///" + (p.dir() / "data/other.db").string()).code, 0);
    EXPECT_TRUE(std::filesystem::exists(p.dir() / "data/other.db"));
}

TEST(CliSqlite, PasswordsNeverAppearInOutput) {
    Project p;
    p.migration("001_a.up.sql", "SELECT 1;\n");
    const Result r = p.run({"--database", "postgres://app:hunter2secret@127.0.0.1:1/app?connect_timeout=1", "status"});
    EXPECT_NE(r.code, 0);
    EXPECT_NOT_CONTAINS(r.err + r.out, "hunter2secret");
    const Result bad = p.run({"--database", "oracle://app:hunter2secret@db/app", "status"});
    EXPECT_EQ(bad.code, 2);
    EXPECT_NOT_CONTAINS(bad.err + bad.out, "hunter2secret");
    EXPECT_CONTAINS(bad.err, "oracle://app:***@db/app");
    const Result unreachable =
        p.run({"--database", "mysql://app:hunter2secret@127.0.0.1:1/app?connect_timeout=1", "status"});
    EXPECT_EQ(unreachable.code, 1);
    EXPECT_NOT_CONTAINS(unreachable.err + unreachable.out, "hunter2secret");
    EXPECT_CONTAINS(unreachable.err, "mysql://app:***@127.0.0.1:1/app");
}

TEST(CliSqlite, InitAndNewCreateFilesWithoutOverwriting) {
    Project p;
    std::filesystem::remove(p.dir() / "config.toml");
    std::filesystem::remove_all(p.dir() / "migrations");
    Result r = p.run({"init"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(std::filesystem::exists(p.dir() / "config.toml"));
    EXPECT_TRUE(std::filesystem::is_directory(p.dir() / "migrations"));
    p.write_file("config.toml", "# mine\n[database]\nurl = \"sqlite:///data/app.db\"\n");
    EXPECT_EQ(p.run({"init"}).code, 0);
    r = p.run({"new", "create users"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, "migrations/001_create_users.up.sql\nmigrations/001_create_users.down.sql\n");
    r = p.run({"new", "add_email"});
    EXPECT_EQ(r.out, "migrations/002_add_email.up.sql\nmigrations/002_add_email.down.sql\n");
    EXPECT_EQ(p.run({"new", "../escape"}).code, 2);
    const Result ts = p.run({"new", "--timestamp", "later"});
    ASSERT_EQ(ts.code, 0);
    EXPECT_EQ(ts.out.find("migrations/20"), 0u) << ts.out;
    EXPECT_EQ(p.run({"up"}).code, 0);
}

TEST(CliSqlite, SqliteExtensionThatCannotLoadIsNamed) {
    Project p;
    p.write_file("config.toml",
                 "[database]\nurl = \"sqlite:///data/app.db\"\n[sqlite]\nextensions = [\"lib/missing_ext.so\"]\n");
    p.migration("001_a.up.sql", "SELECT 1;\n");
    const Result r = p.run({"up"});
    EXPECT_EQ(r.code, 1);
    EXPECT_CONTAINS(r.err, "cannot load SQLite extension");
    EXPECT_CONTAINS(r.err, "missing_ext.so");
}

TEST(CliSqlite, VersionAndHelp) {
    Project p;
    const Result v = p.run({"--version"});
    EXPECT_EQ(v.code, 0);
    EXPECT_CONTAINS(v.out, "sqlmig ");
    const Result h = p.run({"up", "--help"});
    EXPECT_EQ(h.code, 0);
    EXPECT_CONTAINS(h.out, "--single-transaction");
}

// During a run sqlmig holds the database and its journal file (locking_mode
// EXCLUSIVE); afterwards the database is in DELETE mode with no journal left,
// and a WAL database stays WAL.
TEST(CliSqlite, JournalModeIsRestoredAndWalLeftAlone) {
    Project p;
    p.migration("001_a.up.sql", "CREATE TABLE a (id INTEGER);\n");
    p.migration("002_b.up.sql", "CREATE TABLE b (id INTEGER);\n");
    ASSERT_EQ(p.run({"up", "--no-backup"}).code, 0);
    EXPECT_EQ(p.query("PRAGMA journal_mode"), "delete");
    EXPECT_FALSE(std::filesystem::exists(p.db_path().string() + "-journal"));

    Project wal;
    wal.migration("001_wal.up.sql", "CREATE TABLE a (id INTEGER);\n");
    wal.migration("002_more.up.sql", "CREATE TABLE b (id INTEGER);\n");
    ASSERT_EQ(wal.run({"up", "+1", "--no-backup"}).code, 0);
    const std::string cmd = "sqlite3 " + sqlmig::test::shell_quote(wal.db_path().string()) +
                            " 'PRAGMA journal_mode=WAL' >/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    ASSERT_EQ(wal.run({"up", "--no-backup"}).code, 0);
    EXPECT_EQ(wal.query("PRAGMA journal_mode"), "wal");
    EXPECT_EQ(wal.query("SELECT count(*) FROM sqlmig_migrations"), "2");
}
