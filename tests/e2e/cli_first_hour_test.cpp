// What a newcomer meets in the first hour (issue 22): folders that other tools run
// must run here, offline commands need no secrets, a database from another project
// is called one, lint says the same thing everywhere, and versions look one way.
#include <gtest/gtest.h>

#include <filesystem>

#include "e2e/cli_test_support.hpp"

using sqlmig::test::Project;
using sqlmig::test::Result;
using sqlmig::test::use_format;

namespace fs = std::filesystem;

namespace {

// A file that manages its own transaction puts the pragma before BEGIN, where SQLite
// honours it, and repeats it inside, where SQLite ignores it.
constexpr const char* k_own_transaction_with_pragmas =
    "PRAGMA foreign_keys=OFF;\n"
    "BEGIN;\n"
    "PRAGMA foreign_keys=OFF;\n"
    "CREATE TABLE parent (id INTEGER PRIMARY KEY);\n"
    "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id));\n"
    "COMMIT;\n"
    "PRAGMA foreign_keys=ON;\n";

}  // namespace

TEST(FirstHour, APragmaBeforeAndInsideTheFilesOwnTransactionRunsWithoutAWord) {
    Project p;
    p.migration("001_tables.up.sql", k_own_transaction_with_pragmas);
    const Result up = p.run({"up"});
    ASSERT_EQ(up.code, 0) << up.err;
    EXPECT_NOT_CONTAINS(up.err, "pragma-in-transaction");
    EXPECT_EQ(p.query("SELECT count(*) FROM sqlite_master WHERE name IN ('parent', 'child')"), "2");
    const Result lint = p.run({"lint"});
    EXPECT_EQ(lint.code, 0) << lint.out << lint.err;
    EXPECT_NOT_CONTAINS(lint.out, "pragma-in-transaction");
}

TEST(FirstHour, APragmaInAWrappedGolangMigrateFileIsAWarningNotARefusal) {
    Project p;  // golang-migrate's names are sqlmig's own; its sqlite3 driver wraps each file too
    p.migration("1_init.up.sql", "PRAGMA foreign_keys = OFF;\nCREATE TABLE a (id INTEGER PRIMARY KEY);\n");
    p.migration("1_init.down.sql", "DROP TABLE a;\n");
    const Result up = p.run({"up"});
    ASSERT_EQ(up.code, 0) << up.err;
    EXPECT_CONTAINS(up.err, "warning: migrations/1_init.up.sql:1:8: PRAGMA foreign_keys has no effect inside the "
                            "transaction sqlmig runs this file in");
    EXPECT_EQ(p.query("SELECT version FROM sqlmig_migrations"), "1");
    const Result lint = p.run({"lint"});
    EXPECT_EQ(lint.code, 0) << lint.out << lint.err;
    EXPECT_CONTAINS(lint.out, "warning: PRAGMA foreign_keys has no effect");
    EXPECT_EQ(p.run({"lint", "--strict"}).code, 3);
}

TEST(FirstHour, APragmaInAWrappedDbmateFileIsAWarningNotARefusal) {
    Project p;
    use_format(p, "dbmate");
    p.migration("20240101000000_init.sql",
                "-- migrate:up\nPRAGMA foreign_keys=OFF;\nCREATE TABLE a (id INTEGER PRIMARY KEY);\n"
                "PRAGMA foreign_keys=ON;\n\n-- migrate:down\nDROP TABLE a;\n");
    const Result up = p.run({"up"});
    ASSERT_EQ(up.code, 0) << up.err;
    EXPECT_CONTAINS(up.err, "[pragma-in-transaction]");
    EXPECT_EQ(p.query("SELECT count(*) FROM sqlite_master WHERE name = 'a'"), "1");
    const Result down = p.run({"down"});
    ASSERT_EQ(down.code, 0) << down.err;
    EXPECT_EQ(p.query("SELECT count(*) FROM sqlite_master WHERE name = 'a'"), "0");
}

TEST(FirstHour, WhatWouldFailStillRefusesTheRun) {
    Project p;
    p.migration("001_a.up.sql", "BEGIN;\nCREATE TABLE a (id INTEGER);\n");  // never committed
    const Result up = p.run({"up"});
    EXPECT_EQ(up.code, 3) << up.err;
    EXPECT_CONTAINS(up.err, "[unbalanced-transaction]");
    EXPECT_EQ(p.query("SELECT count(*) FROM sqlite_master WHERE name = 'a'"), "0");
}

TEST(FirstHour, ATypoInASuppressionDoesNotStopARun) {
    Project p;
    p.migration("001_a.up.sql", "-- sqlmig:lint-ignore no-such-rule\nCREATE TABLE a (id INTEGER);\n");
    const Result up = p.run({"up"});
    ASSERT_EQ(up.code, 0) << up.err;
    EXPECT_CONTAINS(up.err, "no lint rule is named 'no-such-rule'");
    EXPECT_EQ(p.run({"lint"}).code, 3);  // lint itself still reports it as an error
}

TEST(FirstHour, OfflineCommandsNeverNeedTheDatabasesSecrets) {
    Project p;
    p.write_file("config.toml", "[database]\nurl = \"postgres://app:${DB_PASSWORD}@db.invalid/app\"\n");
    p.migration("001_a.up.sql", "CREATE INDEX a_id ON a (id);\n");
    const std::string unset = "env -u DB_PASSWORD -u DATABASE_URL";
    const Result created = p.run({"new", "add_email"}, unset);
    EXPECT_EQ(created.code, 0) << created.err;
    EXPECT_TRUE(fs::exists(p.dir() / "migrations" / "002_add_email.up.sql"));
    const Result lint = p.run({"lint"}, unset);
    EXPECT_EQ(lint.code, 0) << lint.err;
    EXPECT_CONTAINS(lint.out, "[index-not-concurrently]");  // the dialect came from the scheme
    EXPECT_EQ(p.run({"completion", "bash"}, unset).code, 0);

    const Result up = p.run({"up"}, unset);  // the URL is used: now the variable is needed
    EXPECT_EQ(up.code, 2);
    EXPECT_CONTAINS(up.err, "sqlmig: error: config.toml:2:7: [database] url: environment variable DB_PASSWORD is "
                            "not set");

    const std::string sqlite_db = (p.dir() / "other.db").string();
    const Result overridden = p.run({"--database", "sqlite:///" + sqlite_db, "status"}, unset);
    EXPECT_EQ(overridden.code, 0) << overridden.err;
    const Result from_env = p.run({"status"}, "env -u DB_PASSWORD DATABASE_URL=sqlite:///" + sqlite_db);
    EXPECT_EQ(from_env.code, 0) << from_env.err;
}

TEST(FirstHour, ADatabaseFromAnotherProjectIsCalledOneNotDrift) {
    Project other;  // another project migrated the database first
    other.migration("001_create_widgets.up.sql", "CREATE TABLE widgets (id INTEGER);\n");
    other.migration("001_create_widgets.down.sql", "DROP TABLE widgets;\n");
    other.migration("002_add_color.up.sql", "ALTER TABLE widgets ADD COLUMN color TEXT;\n");
    other.migration("002_add_color.down.sql", "ALTER TABLE widgets DROP COLUMN color;\n");
    ASSERT_EQ(other.run({"up"}).code, 0);

    Project p;  // this project's folder shares no version with it
    p.migration("010_users.up.sql", "CREATE TABLE users (id INTEGER);\n");
    const std::string database = "--database=sqlite:///" + other.db_path().string();
    const Result up = p.run({database, "up", "--dry-run"});
    EXPECT_EQ(up.code, 3);
    EXPECT_CONTAINS(up.err, "was migrated from another folder or project? 2 of its 2 applied versions are not in "
                            "the folder (001 create_widgets, 002 add_color); this folder is migrations");
    EXPECT_NOT_CONTAINS(up.err, "sqlmig down base");

    const Result down = p.run({database, "down", "base", "--dry-run"});
    EXPECT_EQ(down.code, 3);
    EXPECT_CONTAINS(down.err, "would run the stored downs of 2 migration(s) this folder never had");
    EXPECT_CONTAINS(down.err, "--yes");
    const Result down_yes = p.run({database, "down", "base", "--dry-run", "--yes"});
    EXPECT_EQ(down_yes.code, 0) << down_yes.err;

    const Result validate = p.run({database, "validate"});
    EXPECT_EQ(validate.code, 3);
    EXPECT_CONTAINS(validate.out, "migrated from another folder or project?");
    EXPECT_EQ(sqlmig::test::query_sqlite(other.db_path(), "SELECT count(*) FROM sqlmig_migrations"), "2");
}

TEST(FirstHour, SameNumbersOtherNamesIsAnotherProjectAndStatusShowsBothNames) {
    Project other;
    other.migration("001_create_widgets.up.sql", "CREATE TABLE widgets (id INTEGER);\n");
    other.migration("002_add_color.up.sql", "ALTER TABLE widgets ADD COLUMN color TEXT;\n");
    ASSERT_EQ(other.run({"up"}).code, 0);
    Project p;
    p.migration("001_create_users.up.sql", "CREATE TABLE users (id INTEGER);\n");
    p.migration("002_add_email.up.sql", "ALTER TABLE users ADD COLUMN email TEXT;\n");
    const std::string database = "--database=sqlite:///" + other.db_path().string();
    const Result up = p.run({database, "up"});
    EXPECT_EQ(up.code, 3);
    EXPECT_CONTAINS(up.err, "2 have other names in the folder (001 is 'create_widgets' in the database, "
                            "'create_users' in the folder, 002 is 'add_color' in the database, 'add_email' in the "
                            "folder)");
    const Result status = p.run({database, "status"});
    EXPECT_CONTAINS(status.out, "create_users (recorded as create_widgets)");
}

TEST(FirstHour, ABranchBehindIsNotAnotherProject) {
    Project p;
    p.migration("001_a.up.sql", "CREATE TABLE a (id INTEGER);\n");
    p.migration("002_b.up.sql", "CREATE TABLE b (id INTEGER);\n");
    p.migration("003_c.up.sql", "CREATE TABLE c (id INTEGER);\n");
    p.migration("003_c.down.sql", "DROP TABLE c;\n");
    ASSERT_EQ(p.run({"up"}).code, 0);
    fs::remove(p.dir() / "migrations" / "003_c.up.sql");  // checked out a branch without 003
    fs::remove(p.dir() / "migrations" / "003_c.down.sql");
    const Result up = p.run({"up"});
    EXPECT_EQ(up.code, 3);
    EXPECT_NOT_CONTAINS(up.err, "another folder or project");
    EXPECT_CONTAINS(up.err, "its files are gone (another branch?)");
}

TEST(FirstHour, VersionsLookOneWayInStatusCurrentAndMessages) {
    Project p;
    p.migration("001_a.up.sql", "CREATE TABLE a (id INTEGER);\n");
    p.migration("002_b.up.sql", "CREATE TABLE b (id INTEGER);\n");
    p.migration("003_c.up.sql", "CREATE TABLE c (id INTEGER);\n");
    p.migration("004_d.up.sql", "CREATE TABLE d (id INTEGER);\n");
    ASSERT_EQ(p.run({"up"}).code, 0);
    fs::remove(p.dir() / "migrations" / "004_d.up.sql");  // a row without a file: stored as "4"
    const Result status = p.run({"status"});
    EXPECT_CONTAINS(status.out, "\n004      d");
    EXPECT_CONTAINS(status.out, "current:  004");
    EXPECT_NOT_CONTAINS(status.out, "\n4 ");
    const Result current = p.run({"current"});
    EXPECT_EQ(current.out, "004\n");
    const Result json = p.run({"status", "--json"});
    EXPECT_CONTAINS(json.out, "\"version\": \"4\"");  // JSON keeps its documented form
}

TEST(FirstHour, FlywayVersionsAreShownWithDotsAsFlywayShowsThem) {
    Project p;
    use_format(p, "flyway");
    p.migration("V1_9__a.sql", "CREATE TABLE a (id INTEGER);\n");
    p.migration("V1_10__b.sql", "CREATE TABLE b (id INTEGER);\n");
    const Result up = p.run({"up"});
    ASSERT_EQ(up.code, 0) << up.err;
    const Result status = p.run({"status"});
    EXPECT_CONTAINS(status.out, "\n1.9      a");
    EXPECT_CONTAINS(status.out, "\n1.10     b");
    EXPECT_CONTAINS(status.out, "current:  1.10");
    EXPECT_CONTAINS(p.run({"history"}).out, "\n1.10     b");
}

TEST(FirstHour, DbmateSqliteUrlsWorkAsDbmateWritesThem) {
    Project p;
    p.write_file("config.toml", "[database]\nurl = \"sqlite:db/dev.sqlite3\"\n[backup]\nenabled = false\n");
    p.migration("001_a.up.sql", "CREATE TABLE a (id INTEGER);\n");
    const Result up = p.run({"up"});
    ASSERT_EQ(up.code, 0) << up.err;
    EXPECT_EQ(sqlmig::test::query_sqlite(p.dir() / "db" / "dev.sqlite3", "SELECT version FROM sqlmig_migrations"),
              "1");
    const fs::path absolute = p.dir() / "abs.sqlite3";
    const Result abs = p.run({"--database", "sqlite:" + absolute.string(), "up"});
    ASSERT_EQ(abs.code, 0) << abs.err;
    EXPECT_EQ(sqlmig::test::query_sqlite(absolute, "SELECT version FROM sqlmig_migrations"), "1");
}
