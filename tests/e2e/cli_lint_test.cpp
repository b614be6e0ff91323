// sqlmig lint as a user runs it: offline, the dialect from the config's URL scheme,
// one line per finding, exit 0/3/2, --json, --strict, [lint] and suppressions.
#include <gtest/gtest.h>

#include "e2e/cli_test_support.hpp"

using sqlmig::test::Project;
using sqlmig::test::Result;

TEST(LintCommand, FindsProblemsOfflineWithTheDialectFromTheUrl) {
    Project p;
    // PostgreSQL by its scheme; the server at port 1 is never contacted.
    p.write_file("config.toml", "[database]\nurl = \"postgres://app:hunter2@127.0.0.1:1/app\"\n");
    p.migration("001_users.up.sql", "CREATE TABLE users (id int, email text);\n");
    p.migration("001_users.down.sql", "DROP TABLE users;\n");
    p.migration("002_idx.up.sql", "CREATE TABLE t (x int);\nCREATE INDEX CONCURRENTLY t_x ON t (x);\n");
    p.migration("002_idx.down.sql", "DROP TABLE t;\n");
    const Result r = p.run({"lint"});
    EXPECT_EQ(r.code, 3) << r.out << r.err;
    EXPECT_CONTAINS(r.out, "migrations/002_idx.up.sql:2:1: error: 'CREATE INDEX CONCURRENTLY t_x ON t (x)' cannot "
                           "run inside a transaction, and this file runs in one");
    EXPECT_CONTAINS(r.out, "[concurrently-in-transaction]\n");
    EXPECT_CONTAINS(r.out, "1 error(s), 0 warning(s) in 2 migration(s)\n");
    EXPECT_NOT_CONTAINS(r.out + r.err, "hunter2");
    EXPECT_EQ(r.err, "");
}

TEST(LintCommand, NamedFilesAreLintedAloneSoExistingTablesGetLockWarnings) {
    Project p;
    p.write_file("config.toml", "[database]\nurl = \"postgres://app@db/app\"\n");
    p.migration("001_users.up.sql", "CREATE TABLE users (id int, email text);\n");
    p.migration("001_users.down.sql", "DROP TABLE users;\n");
    p.migration("002_email.up.sql", "CREATE INDEX users_email ON users (email);\n");
    p.migration("002_email.down.sql", "DROP INDEX users_email;\n");
    EXPECT_EQ(p.run({"lint"}).code, 0) << "users is created earlier in the same run";
    const Result alone = p.run({"lint", "migrations/002_email.up.sql"});
    EXPECT_EQ(alone.code, 0) << alone.out;  // warnings only
    EXPECT_CONTAINS(alone.out, "migrations/002_email.up.sql:1:1: warning: CREATE INDEX on users blocks its writes");
    EXPECT_CONTAINS(alone.out, "0 error(s), 1 warning(s) in 1 migration(s)");
    const Result strict = p.run({"lint", "--strict", "migrations/002_email.up.sql"});
    EXPECT_EQ(strict.code, 3);
    const Result json = p.run({"lint", "--json", "migrations/002_email.up.sql"});
    EXPECT_EQ(json.code, 0);
    EXPECT_CONTAINS(json.out, "\"ok\": true");
    EXPECT_CONTAINS(json.out, "\"rule\": \"index-not-concurrently\"");
    EXPECT_CONTAINS(json.out, "\"line\": 1");
    EXPECT_CONTAINS(json.out, "\"dialect\": \"postgres\"");
}

TEST(LintCommand, ConfigSwitchesRulesOffAndUnknownIdsAreErrorsNamingTheLine) {
    Project p;
    p.write_file("config.toml", "[database]\nurl = \"sqlite:///app.db\"\n[lint]\ndisable = [\"missing-down\"]\n"
                                "strict = true\n");
    p.migration("001_a.up.sql", "CREATE TABLE a (x INTEGER);\n");
    EXPECT_EQ(p.run({"lint"}).code, 0);
    p.write_file("config.toml", "[database]\nurl = \"sqlite:///app.db\"\n[lint]\ndisable = [\"missing-dwon\"]\n");
    const Result bad = p.run({"lint"});
    EXPECT_EQ(bad.code, 2);
    EXPECT_CONTAINS(bad.err, "sqlmig: error: config.toml:4:12: [lint] disable: no lint rule is named 'missing-dwon'");
    p.write_file("config.toml", "[database]\nurl = \"sqlite:///app.db\"\n");
    p.migration("001_a.up.sql", "-- sqlmig:lint-ignore missing-dwon\nCREATE TABLE a (x INTEGER);\n");
    const Result comment = p.run({"lint"});
    EXPECT_EQ(comment.code, 3);
    EXPECT_CONTAINS(comment.out, "migrations/001_a.up.sql:1:1: error: no lint rule is named 'missing-dwon'");
}

TEST(LintCommand, FolderProblemsAreFindingsAndUsageProblemsExitTwo) {
    Project p;
    p.migration("001_a.up.sql", "SELECT 1;\n");
    p.migration("1_b.up.sql", "SELECT 1;\n");
    p.migration("002_c.down.sql", "SELECT 1;\n");
    p.migration("003-d.up.sql", "SELECT 1;\n");
    std::filesystem::create_directory(p.dir() / "migrations" / "004_dir.up.sql");
    const Result r = p.run({"lint"});
    EXPECT_EQ(r.code, 3);
    // A problem about the folder, not one file, is reported on the folder with its message whole.
    EXPECT_CONTAINS(r.out, "migrations/:1:1: error: two up files have version 1: 001_a.up.sql, 1_b.up.sql");
    EXPECT_CONTAINS(r.out, "[duplicate-version]");
    EXPECT_CONTAINS(r.out, "[down-without-up]");
    EXPECT_CONTAINS(r.out, "migrations/003-d.up.sql:1:1: error: not a valid migration file name");
    EXPECT_CONTAINS(r.out, "migrations/004_dir.up.sql:1:1: error: is a folder, not a file");
    EXPECT_EQ(p.run({"lint", "--dialect", "oracle"}).code, 2);
    p.write_file("config.toml", "");
    const Result no_dialect = p.run({"lint"});
    EXPECT_EQ(no_dialect.code, 2);
    EXPECT_CONTAINS(no_dialect.err, "lint needs the dialect");
    EXPECT_EQ(p.run({"lint", "--dialect", "sqlite"}).code, 3);
}

TEST(LintCommand, UpRunsTheErrorRulesFirstAndPrintsWarnings) {
    Project p;
    p.migration("001_a.up.sql", "CREATE TABLE a (x INTEGER);\n");
    p.migration("002_b.up.sql", "PRAGMA journal_mode = WAL;\nINSERT INTO a VALUES (1);\n");  // SQLite refuses it
    const Result up = p.run({"up"});
    EXPECT_EQ(up.code, 3);
    EXPECT_CONTAINS(up.err, "nothing was run:\n  migrations/002_b.up.sql:1:8: error: SQLite cannot change into WAL "
                            "mode inside the transaction sqlmig runs this file in");
    EXPECT_FALSE(std::filesystem::exists(p.db_path()) &&
                 p.query("SELECT count(*) FROM sqlite_master WHERE name = 'a'") == "1");
    p.migration("002_b.up.sql", "INSERT INTO a VALUES (1);\n");
    const Result ok = p.run({"up"});
    EXPECT_EQ(ok.code, 0) << ok.err;
}

TEST(LintCommand, RealFoldersAreLintedAsTheyAre) {
    SQLMIG_REQUIRE_CORPUS(corpus);
    Project p;
    const Result quickwit = p.run({"--dir", (corpus / "quickwit-postgres").string(), "lint", "--dialect", "postgres"});
    EXPECT_EQ(quickwit.code, 0) << quickwit.out;
    EXPECT_CONTAINS(quickwit.out, "6_delete-update-index-update-timestamp-on-split-update-trigger.up.sql:1:1: warning: "
                                  "no down file");
    const Result pocket = p.run({"--dir", (corpus / "pocket-id-postgres").string(), "lint", "--dialect", "postgres"});
    EXPECT_EQ(pocket.code, 0) << pocket.out;
    EXPECT_CONTAINS(pocket.out, "20241211111554_init.up.sql:1:1: warning: no down file");
}
