// The SQL a migration ran, kept in the tracking table: switching branches, history
// --sql, the size limit, and the table's layout upgrade, on real SQLite files.
#include <gtest/gtest.h>

#include <filesystem>

#include "e2e/cli_test_support.hpp"

using sqlmig::test::Project;
using sqlmig::test::Result;

namespace fs = std::filesystem;

namespace {

void two_migrations(Project& p) {
    p.migration("001_a.up.sql", "CREATE TABLE a (id INTEGER);\n");
    p.migration("001_a.down.sql", "DROP TABLE a;\n");
    p.migration("002_b.up.sql", "CREATE TABLE b (id INTEGER, note TEXT DEFAULT 'it''s \\\\ fine');\n");
    p.migration("002_b.down.sql", "DROP TABLE b;\n");
}

std::string tables(const Project& p) {
    return p.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlmig%' ORDER BY name");
}

}  // namespace

TEST(StoredSql, SwitchingBranchesRevertsWhatTheOtherBranchAppliedWithItsStoredDown) {
    Project p;
    two_migrations(p);
    ASSERT_EQ(p.run({"up"}).code, 0);
    // Another branch: 002 is gone, 003 is new.
    fs::remove(p.dir() / "migrations/002_b.up.sql");
    fs::remove(p.dir() / "migrations/002_b.down.sql");
    p.migration("003_c.up.sql", "CREATE TABLE c (id INTEGER);\n");
    Result r = p.run({"status"});
    EXPECT_CONTAINS(r.out, "missing (stored)");
    r = p.run({"up"});
    EXPECT_EQ(r.code, 3);
    EXPECT_CONTAINS(r.err, "version 002 (b) is applied but its files are gone");
    EXPECT_CONTAINS(r.err, "revert it with 'sqlmig down 001'");
    EXPECT_EQ(tables(p), "a,b");
    r = p.run({"down", "1"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_CONTAINS(r.err, "warning: 2_b has no files here; reverting it with the down SQL stored when it was applied");
    EXPECT_EQ(tables(p), "a");
    r = p.run({"up"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(tables(p), "a,c");
    EXPECT_EQ(p.query("SELECT version FROM sqlmig_migrations ORDER BY version"), "1,3");
}

TEST(StoredSql, HistoryPrintsTheStoredUpAndDown) {
    Project p;
    two_migrations(p);
    ASSERT_EQ(p.run({"up"}).code, 0);
    Result r = p.run({"history", "--sql", "002"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_CONTAINS(r.out, "CREATE TABLE b (id INTEGER, note TEXT DEFAULT 'it''s \\\\ fine');");
    EXPECT_CONTAINS(r.out, "DROP TABLE b;");
    EXPECT_CONTAINS(r.out, "-- down (sha256:");
    r = p.run({"--json", "history", "--sql", "2"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_CONTAINS(r.out, "\"down_sql\": \"DROP TABLE b;\\n\"");
    r = p.run({"history", "--sql", "9"});
    EXPECT_EQ(r.code, 2);
}

TEST(StoredSql, ScriptsOverTheLimitAreNotStoredAndTheirDownIsRefusedWithoutFiles) {
    Project p;
    p.write_file("config.toml", "[database]\nurl = \"sqlite:///data/app.db\"\n[tracking]\nstore_sql_max = 10\n");
    two_migrations(p);
    const Result up = p.run({"up"});
    ASSERT_EQ(up.code, 0) << up.err;
    EXPECT_CONTAINS(up.err, "over [tracking] store_sql_max (10): its SQL is not stored");
    fs::remove(p.dir() / "migrations/002_b.up.sql");
    fs::remove(p.dir() / "migrations/002_b.down.sql");
    EXPECT_NOT_CONTAINS(p.run({"status"}).out, "(stored)");
    const Result down = p.run({"down"});
    EXPECT_EQ(down.code, 3);
    EXPECT_CONTAINS(down.err, "its file is missing; restore the file");
    EXPECT_EQ(tables(p), "a,b");
    p.write_file("config.toml", "[database]\nurl = \"sqlite:///data/app.db\"\n[tracking]\nstore_sql_max = \"big\"\n");
    const Result bad = p.run({"status"});
    EXPECT_EQ(bad.code, 2);
    EXPECT_CONTAINS(bad.err, "[tracking] store_sql_max");
}

TEST(StoredSql, ATableOfThePreviousLayoutUpgradesItselfUnderTheLock) {
    Project p;
    two_migrations(p);
    // The table as sqlmig 0.1 made it, with one migration applied.
    sqlmig::test::exec_sqlite(p.db_path(), "CREATE TABLE sqlmig_migrations (version TEXT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, "
            "state TEXT NOT NULL DEFAULT 'applied', applied_at TEXT NOT NULL, duration_ms BIGINT NOT NULL DEFAULT 0, "
            "applied_by TEXT NOT NULL DEFAULT '', failure TEXT, backup TEXT) WITHOUT ROWID;"
            "CREATE TABLE a (id INTEGER);"
            "INSERT INTO sqlmig_migrations (version, name, checksum, applied_at) VALUES ('1', 'a', "
            "'sha256:c0a9e8d0e5ff8bbd8fdcf8a4b4cb0c0f3ab9efde5d2d3e39f0a8f4e7e0c3c0c8', '2025-01-01T00:00:00Z')");
    Result r = p.run({"status"});  // reading does not change the table
    ASSERT_NE(r.code, 2) << r.err;
    EXPECT_EQ(p.query("SELECT count(*) FROM sqlite_master WHERE name = 'sqlmig_migrations_layout'"), "0");
    p.migration("001_a.up.sql", "CREATE TABLE a (id INTEGER);\n");
    r = p.run({"repair", "--yes"});  // the old row's checksum is not this file's: accept it
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_CONTAINS(r.err, "upgraded the tracking table sqlmig_migrations to layout 3");
    EXPECT_EQ(p.query("SELECT layout FROM sqlmig_migrations_layout"), "3");
    EXPECT_EQ(p.query("SELECT applied_at FROM sqlmig_migrations WHERE version = '1'"), "2025-01-01T00:00:00Z");
    r = p.run({"up"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NOT_CONTAINS(r.err, "upgraded");
    EXPECT_EQ(p.query("SELECT down_sql FROM sqlmig_migrations WHERE version = '2'"), "DROP TABLE b;\n");
    EXPECT_EQ(p.query("SELECT count(*) FROM sqlmig_migrations WHERE version = '1' AND up_sql IS NULL"), "1");
}

// Layout 2 (sqlmig before the statement journal) gains the journal's two columns on the next write.
TEST(StoredSql, ATableOfLayoutTwoGainsTheStatementJournal) {
    Project p;
    two_migrations(p);
    ASSERT_EQ(p.run({"up", "1"}).code, 0);
    sqlmig::test::exec_sqlite(p.db_path(), "ALTER TABLE sqlmig_migrations DROP COLUMN statements_done;"
                                           "ALTER TABLE sqlmig_migrations DROP COLUMN journal_checksum;"
                                           "UPDATE sqlmig_migrations_layout SET layout = 2");
    Result r = p.run({"status"});
    ASSERT_EQ(r.code, 0) << r.err;
    r = p.run({"up"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_CONTAINS(r.err, "upgraded the tracking table sqlmig_migrations to layout 3");
    EXPECT_EQ(p.query("SELECT layout FROM sqlmig_migrations_layout"), "3");
    EXPECT_EQ(p.query("SELECT count(*) FROM sqlmig_migrations WHERE statements_done IS NULL"), "2");
}

TEST(StoredSql, ATableOfANewerLayoutIsRefusedNotMisread) {
    Project p;
    two_migrations(p);
    ASSERT_EQ(p.run({"up"}).code, 0);
    sqlmig::test::exec_sqlite(p.db_path(), "UPDATE sqlmig_migrations_layout SET layout = 4");
    for (const char* command : {"status", "up", "down"}) {
        SCOPED_TRACE(command);
        const Result r = p.run({command});
        EXPECT_EQ(r.code, 3);
        EXPECT_CONTAINS(r.err, "has layout 4, written by a newer sqlmig");
    }
    EXPECT_EQ(tables(p), "a,b");
}

// On MariaDB the layout table's CREATE commits by itself: a run killed right after it leaves the
// table without its row. Reading goes on; the next run that writes records the layout.
TEST(StoredSql, ALayoutTableLeftWithoutItsRowIsFilledInNotRefused) {
    Project p;
    two_migrations(p);
    ASSERT_EQ(p.run({"up", "1"}).code, 0);
    sqlmig::test::exec_sqlite(p.db_path(), "DELETE FROM sqlmig_migrations_layout");
    Result r = p.run({"status"});
    ASSERT_EQ(r.code, 0) << r.err;
    r = p.run({"up"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(p.query("SELECT layout FROM sqlmig_migrations_layout"), "3");
    EXPECT_EQ(p.query("SELECT down_sql FROM sqlmig_migrations WHERE version = '2'"), "DROP TABLE b;\n");
    // A row that says nothing readable is still refused.
    sqlmig::test::exec_sqlite(p.db_path(), "UPDATE sqlmig_migrations_layout SET layout = 'x'");
    r = p.run({"status"});
    EXPECT_NE(r.code, 0);
    EXPECT_CONTAINS(r.err, "does not say which layout the tracking table has");
}

TEST(StoredSql, StampedAndAdoptedMigrationsKeepTheirSqlToo) {
    Project p;
    two_migrations(p);
    sqlmig::test::exec_sqlite(p.db_path(), "CREATE TABLE a (id INTEGER); CREATE TABLE b (id INTEGER)");
    Result r = p.run({"stamp", "head"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(p.query("SELECT down_sql FROM sqlmig_migrations WHERE version = '2'"), "DROP TABLE b;\n");
    // The other branch: 002's files are gone; its stored down reverts it.
    fs::remove(p.dir() / "migrations/002_b.up.sql");
    fs::remove(p.dir() / "migrations/002_b.down.sql");
    EXPECT_CONTAINS(p.run({"status"}).out, "missing (stored)");
    r = p.run({"down"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(tables(p), "a");
}
