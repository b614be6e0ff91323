// sqlmig adopt --from TOOL on real SQLite files: each tool's history table made as
// the tool makes it (its own CREATE TABLE), then taken over; the refusals change nothing.
#include <gtest/gtest.h>

#include "e2e/cli_test_support.hpp"

using sqlmig::test::Project;
using sqlmig::test::Result;
using sqlmig::test::use_format;

namespace {

// The database as the other tool left it: its schema and its history table.
void made_by_tool(const Project& p, const std::string& sql) {
    sqlmig::test::exec_sqlite(p.db_path(), sql);
}

void goose_folder(Project& p) {
    use_format(p, "goose");
    for (int v = 1; v <= 3; ++v) {
        p.migration("0000" + std::to_string(v) + "_t" + std::to_string(v) + ".sql",
                    "-- +goose Up\nCREATE TABLE t" + std::to_string(v) + " (id INTEGER);\n-- +goose Down\nDROP TABLE t" +
                        std::to_string(v) + ";\n");
    }
}

const char* k_goose_table =
    "CREATE TABLE goose_db_version (id INTEGER PRIMARY KEY AUTOINCREMENT, version_id INTEGER NOT NULL, "
    "is_applied INTEGER NOT NULL, tstamp TIMESTAMP DEFAULT (datetime('now')))";

}  // namespace

TEST(Adopt, GooseHistoryIsTakenOverAndUpContinuesFromIt) {
    Project p;
    goose_folder(p);
    made_by_tool(p, std::string(k_goose_table) +
                        "; CREATE TABLE t1 (id INTEGER); CREATE TABLE t2 (id INTEGER);"
                        "INSERT INTO goose_db_version (version_id, is_applied, tstamp) VALUES (0, 1, '2024-01-01 00:00:00'),"
                        "(1, 1, '2024-01-02 10:00:00'), (2, 1, '2024-01-03 11:30:00')");
    Result r = p.run({"adopt", "--from", "goose", "--dry-run"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_CONTAINS(r.out, "would record migrations/00002_t2.sql as applied at 2024-01-03T11:30:00Z");
    EXPECT_EQ(p.query("SELECT count(*) FROM sqlite_master WHERE name = 'sqlmig_migrations'"), "0");
    r = p.run({"adopt", "--from", "goose"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_CONTAINS(r.err, "DROP TABLE \"goose_db_version\"");
    EXPECT_EQ(p.query("SELECT version || ' ' || applied_at FROM sqlmig_migrations ORDER BY version"),
              "1 2024-01-02T10:00:00Z,2 2024-01-03T11:30:00Z");
    EXPECT_EQ(p.query("SELECT count(*) FROM goose_db_version"), "3");  // left as it was
    ASSERT_EQ(p.run({"check"}).code, 3);                               // 3 is pending
    r = p.run({"up"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_CONTAINS(r.err, "applying migrations/00003_t3.sql");
    EXPECT_NOT_CONTAINS(r.err, "applying migrations/00001");
    // Again: nothing to do, and it says so.
    sqlmig::test::exec_sqlite(p.db_path(), "DELETE FROM sqlmig_migrations WHERE version = '3'");
    r = p.run({"adopt", "--from", "goose"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_CONTAINS(r.err, "already records what goose_db_version says");
}

TEST(Adopt, RefusalsNameTheVersionAndChangeNothing) {
    struct Case {
        const char* name;
        const char* tool;
        std::string setup;
        const char* expected;
        int code;
    };
    const std::vector<Case> cases = {
        {"goose down ran last", "goose",
         std::string(k_goose_table) + "; INSERT INTO goose_db_version (version_id, is_applied) VALUES (1, 1), (2, 1), (2, 0)",
         "goose's newest row (version 2) is not applied", 3},
        {"golang-migrate dirty", "golang-migrate",
         "CREATE TABLE schema_migrations (version uint64, dirty bool); INSERT INTO schema_migrations VALUES (2, 1)",
         "golang-migrate marked version 2 dirty", 3},
        {"flyway failed row", "flyway",
         "CREATE TABLE flyway_schema_history (installed_rank INT NOT NULL PRIMARY KEY, version VARCHAR(50), "
         "description VARCHAR(200) NOT NULL, type VARCHAR(20) NOT NULL, script VARCHAR(1000) NOT NULL, checksum INT, "
         "installed_by VARCHAR(100) NOT NULL, installed_on TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP, "
         "execution_time INT NOT NULL, success BOOLEAN NOT NULL); INSERT INTO flyway_schema_history VALUES "
         "(1, '1', 't1', 'SQL', 'V1__t1.sql', 0, 'me', '2024-01-01 00:00:00', 1, 1), "
         "(2, '2', 't2', 'SQL', 'V2__t2.sql', 0, 'me', '2024-01-01 00:00:00', 1, 0)",
         "Flyway's history has a failed migration, version 2 (V2__t2.sql)", 3},
        {"an applied version without a file", "dbmate",
         "CREATE TABLE schema_migrations (version varchar(128) primary key); INSERT INTO schema_migrations VALUES "
         "('1'), ('7')",
         "dbmate has applied migrations that have no file", 3},
        {"no such table", "sql-migrate", "CREATE TABLE other (id INTEGER)", "there is no table gorp_migrations", 2},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        Project p;
        goose_folder(p);
        made_by_tool(p, c.setup);
        const Result r = p.run({"adopt", "--from", c.tool});
        EXPECT_EQ(r.code, c.code) << r.err;
        EXPECT_CONTAINS(r.err, c.expected);
        EXPECT_CONTAINS(r.err, "nothing was changed");
        EXPECT_EQ(p.query("SELECT count(*) FROM sqlite_master WHERE name = 'sqlmig_migrations'"), "0");
    }
}

TEST(Adopt, SqlmigRowsThatDisagreeAreRefusedAndAllowMissingAdoptsTheRest) {
    Project p;
    goose_folder(p);
    made_by_tool(p, "CREATE TABLE schema_migrations (version varchar(128) primary key);"
                    "INSERT INTO schema_migrations VALUES ('1'), ('2'), ('9')");
    Result r = p.run({"adopt", "--from", "dbmate", "--allow-missing"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_CONTAINS(r.err, "not adopted (no file): version 9");
    EXPECT_EQ(p.query("SELECT version FROM sqlmig_migrations ORDER BY version"), "1,2");
    sqlmig::test::exec_sqlite(p.db_path(), "INSERT INTO schema_migrations VALUES ('3')");
    r = p.run({"adopt", "--from", "dbmate", "--allow-missing"});
    EXPECT_EQ(r.code, 3);
    EXPECT_CONTAINS(r.err, "version 3 is recorded by the source but not by sqlmig");
}

TEST(Adopt, GolangMigrateKeepsOnlyTheNewestVersionAndEverythingBelowIsApplied) {
    Project p;
    for (int v = 1; v <= 3; ++v) {
        p.migration(std::to_string(v) + "_t.up.sql", "CREATE TABLE t" + std::to_string(v) + " (id INTEGER);\n");
    }
    made_by_tool(p, "CREATE TABLE schema_migrations (version uint64, dirty bool);"
                    "INSERT INTO schema_migrations VALUES (2, 0)");
    const Result r = p.run({"adopt", "--from", "golang-migrate"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_CONTAINS(r.err, "every migration at or below it is taken as applied");
    EXPECT_EQ(p.query("SELECT version FROM sqlmig_migrations ORDER BY version"), "1,2");
}

TEST(Adopt, SqlMigrateAndFlywayMatchTheirOwnIdentities) {
    {
        Project p;
        use_format(p, "sql-migrate");
        p.migration("1-a.sql", "-- +migrate Up\nCREATE TABLE a (id INTEGER);\n");
        p.migration("1-b.sql", "-- +migrate Up\nCREATE TABLE b (id INTEGER);\n");
        made_by_tool(p, "CREATE TABLE gorp_migrations (id varchar(255) not null primary key, applied_at datetime);"
                        "INSERT INTO gorp_migrations VALUES ('1-b.sql', '2023-05-06 07:08:09')");
        const Result r = p.run({"adopt", "--from", "sql-migrate"});
        ASSERT_EQ(r.code, 0) << r.err;
        EXPECT_EQ(p.query("SELECT version || ' ' || applied_at FROM sqlmig_migrations"), "1-b.sql 2023-05-06T07:08:09Z");
    }
    {
        Project p;
        use_format(p, "flyway");
        p.migration("V1__a.sql", "CREATE TABLE a (id INTEGER);\n");
        p.migration("V1.1__b.sql", "CREATE TABLE b (id INTEGER);\n");
        p.migration("V2__c.sql", "CREATE TABLE c (id INTEGER);\n");
        p.migration("R__v.sql", "CREATE VIEW IF NOT EXISTS v AS SELECT 1;\n");
        made_by_tool(p, "CREATE TABLE flyway_schema_history (installed_rank INT NOT NULL PRIMARY KEY, version "
                        "VARCHAR(50), description VARCHAR(200) NOT NULL, type VARCHAR(20) NOT NULL, script "
                        "VARCHAR(1000) NOT NULL, checksum INT, installed_by VARCHAR(100) NOT NULL, installed_on TEXT "
                        "NOT NULL, execution_time INT NOT NULL, success BOOLEAN NOT NULL);"
                        "INSERT INTO flyway_schema_history VALUES "
                        "(1, '1', 'a', 'SQL', 'V1__a.sql', 0, 'me', '2024-01-01 00:00:00', 1, 1),"
                        "(2, '1.1', 'b', 'SQL', 'V1.1__b.sql', 0, 'me', '2024-01-01 00:00:01', 1, 1),"
                        "(3, NULL, 'v', 'SQL', 'R__v.sql', 0, 'me', '2024-01-01 00:00:02', 1, 1)");
        const Result r = p.run({"adopt", "--from", "flyway"});
        ASSERT_EQ(r.code, 0) << r.err;
        EXPECT_EQ(p.query("SELECT version FROM sqlmig_migrations ORDER BY version"), "1,1.1,R__v");
        const Result up = p.run({"up"});
        ASSERT_EQ(up.code, 0) << up.err;
        EXPECT_CONTAINS(up.err, "applying migrations/V2__c.sql");
        EXPECT_NOT_CONTAINS(up.err, "applying migrations/R__v.sql");  // unchanged since it was adopted
    }
}
