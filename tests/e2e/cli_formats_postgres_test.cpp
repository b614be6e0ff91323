// Other tools' folders on the real PostgreSQL server that scripts/test starts: the
// real dbmate, goose, sql-migrate and Flyway folders of ../shared/corpus, and a file
// written for a wrapping runner that steps out of its transaction; stored SQL and the layout upgrade.
#include <gtest/gtest.h>

#include <filesystem>

#include "e2e/cli_test_support.hpp"
#include "e2e/pg_project.hpp"

using sqlmig::test::PgProject;
using sqlmig::test::Result;

namespace {

std::string format_config(const std::string& dir, const std::string& format) {
    return "[migrations]\ndir = \"" + dir + "\"\nformat = \"" + format + "\"\n[backup]\nenabled = false\n";
}

}  // namespace

TEST(FormatsPostgres, AGooseFileThatStepsOutForConcurrentlyRunsAsGooseRunsIt) {
    PgProject p(format_config("migrations", "goose"));
    p.project.migration("00001_t.sql", "-- +goose Up\nCREATE TABLE t (a int);\n-- +goose Down\nDROP TABLE t;\n");
    p.project.migration("00002_index.sql",
                        "-- +goose Up\nINSERT INTO t VALUES (1);\nCOMMIT;\nCREATE INDEX CONCURRENTLY t_a ON t (a);\n"
                        "BEGIN;\nINSERT INTO t VALUES (2);\n-- +goose Down\nDROP INDEX t_a;\n");
    Result r = p.run({"up"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_CONTAINS(r.err, "00002_index.sql (transaction, which the file commits and begins again)");
    EXPECT_EQ(p.db.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 't_a'::regclass"), "t");
    EXPECT_EQ(p.db.query("SELECT string_agg(a::text, ',' ORDER BY a) FROM t"), "1,2");
    EXPECT_EQ(p.db.query("SELECT state FROM sqlmig_migrations WHERE version = '2'"), "applied");
    // A failure after the COMMIT records what was committed.
    p.project.migration("00003_fails.sql", "-- +goose Up\nINSERT INTO t VALUES (3);\nCOMMIT;\n"
                                           "CREATE INDEX CONCURRENTLY t_b ON t (no_such_column);\nBEGIN;\n");
    r = p.run({"up"});
    EXPECT_EQ(r.code, 1);
    EXPECT_CONTAINS(r.err, "00003_fails.sql:4:");
    EXPECT_CONTAINS(r.err, "ran partway: the statements up to line 3 were committed");
    EXPECT_EQ(p.db.query("SELECT state FROM sqlmig_migrations WHERE version = '3'"), "failed");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM t WHERE a = 3"), "1");
}

TEST(FormatsPostgres, CorpusFtlDbmateAppliesAndItsEmptyDownsRevert) {
    SQLMIG_REQUIRE_CORPUS(corpus);
    PgProject p(format_config((corpus / "ftl-dbmate").string(), "dbmate"));
    p.db.query("CREATE EXTENSION IF NOT EXISTS pgcrypto");
    Result r = p.run({"up"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(p.db.query("SELECT count(*) FROM sqlmig_migrations"), "45");
    EXPECT_EQ(p.run({"check"}).code, 0);
    r = p.run({"down", "base"});
    ASSERT_EQ(r.code, 0) << r.err;  // every down section is empty upstream
    EXPECT_EQ(p.db.query("SELECT count(*) FROM sqlmig_migrations"), "0");
}

TEST(FormatsPostgres, CorpusOpentdfGooseAppliesRevertsAndAppliesAgain) {
    SQLMIG_REQUIRE_CORPUS(corpus);
    PgProject p(format_config((corpus / "opentdf-goose").string(), "goose"));
    ASSERT_EQ(p.run({"up"}).code, 0);
    EXPECT_EQ(p.db.query("SELECT count(*) FROM sqlmig_migrations"), "48");
    Result r = p.run({"down", "base"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(p.db.query("SELECT count(*) FROM sqlmig_migrations"), "0");
    r = p.run({"up"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(p.db.query("SELECT count(*) FROM sqlmig_migrations"), "48");
}

TEST(FormatsPostgres, CorpusGoalertSqlMigrateAppliesAndStopsAtItsBrokenDown) {
    SQLMIG_REQUIRE_CORPUS(corpus);
    PgProject p(format_config((corpus / "goalert-sqlmigrate").string(), "sql-migrate"));
    p.db.query("CREATE EXTENSION IF NOT EXISTS pgcrypto");
    Result r = p.run({"up"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(p.db.query("SELECT count(*) FROM sqlmig_migrations"), "280");
    EXPECT_CONTAINS(r.err, "(no transaction)");
    r = p.run({"down", "base"});
    EXPECT_EQ(r.code, 1);
    EXPECT_CONTAINS(r.err, "20170620104459-contact-constraints.sql:10:");  // DROP CONSTRAINT UNIQUE(...) upstream
    EXPECT_EQ(p.db.query("SELECT count(*) FROM sqlmig_migrations"), "19");  // 261 reverted
}

TEST(FormatsPostgres, CorpusMarquezFlywayRunsVersionsInFlywayOrderThenRepeatables) {
    SQLMIG_REQUIRE_CORPUS(corpus);
    PgProject p(format_config((corpus / "marquez-flyway").string(), "flyway"));
    const Result r = p.run({"up"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(p.db.query("SELECT count(*) FROM sqlmig_migrations"), "84");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM sqlmig_migrations WHERE version LIKE 'R\\_\\_%'"), "3");
    EXPECT_CONTAINS(r.err, "V47__");
    EXPECT_LT(r.err.find("applying " ), r.err.find("V2.1__"));
    EXPECT_LT(r.err.find("/V2__"), r.err.find("/V2.1__"));
    EXPECT_LT(r.err.find("/V2.1__"), r.err.find("/V3__"));
    EXPECT_LT(r.err.find("/V9__"), r.err.find("/V10__"));
    EXPECT_LT(r.err.find("/V74__"), r.err.find("/R__"));
    const Result status = p.run({"status"});
    EXPECT_CONTAINS(status.out, "current:  74");
    EXPECT_EQ(p.run({"check"}).code, 0);
}

TEST(StoredSqlPostgres, ATableOfThePreviousLayoutUpgradesAndABranchSwitchRevertsWithTheStoredDown) {
    PgProject p;
    // The table as sqlmig 0.1 made it on PostgreSQL.
    p.db.query("CREATE TABLE sqlmig_migrations (version TEXT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, "
               "state TEXT NOT NULL DEFAULT 'applied', applied_at TEXT NOT NULL, duration_ms BIGINT NOT NULL DEFAULT 0, "
               "applied_by TEXT NOT NULL DEFAULT '', failure TEXT, backup TEXT)");
    p.project.migration("001_a.up.sql", "CREATE TABLE a (id int, note text DEFAULT E'back\\\\slash ''quoted''');\n");
    p.project.migration("001_a.down.sql", "DROP TABLE a;\n");
    Result r = p.run({"up"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_CONTAINS(r.err, "upgraded the tracking table sqlmig_migrations to layout 3");
    EXPECT_EQ(p.db.query("SELECT up_sql FROM sqlmig_migrations"),
              "CREATE TABLE a (id int, note text DEFAULT E'back\\\\slash ''quoted''');\n");
    // Another branch: 001 is gone.
    std::filesystem::remove(p.project.dir() / "migrations/001_a.up.sql");
    std::filesystem::remove(p.project.dir() / "migrations/001_a.down.sql");
    EXPECT_EQ(p.run({"up"}).code, 3);
    r = p.run({"down", "base"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(p.db.query("SELECT count(*) FROM pg_tables WHERE tablename = 'a'"), "0");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM sqlmig_migrations"), "0");
}

// goose, golang-migrate and Flyway are not installable here: their tables are made with the
// CREATE TABLE each tool runs on PostgreSQL, holding what each writes.
TEST(AdoptPostgres, GooseGolangMigrateAndFlywayTablesAsTheyMakeThemOnPostgres) {
    struct Case {
        const char* tool;
        const char* format;
        const char* table;
        const char* refused_row;  // makes the source dirty or failed
    };
    const std::vector<Case> cases = {
        {"goose", "goose",
         "CREATE TABLE goose_db_version (id serial NOT NULL, version_id bigint NOT NULL, is_applied boolean NOT NULL, "
         "tstamp timestamp NULL default now(), PRIMARY KEY(id));"
         "INSERT INTO goose_db_version (version_id, is_applied, tstamp) VALUES (0, true, '2024-01-01'), "
         "(1, true, '2024-02-03 04:05:06.789')",
         "INSERT INTO goose_db_version (version_id, is_applied) VALUES (1, false)"},
        {"golang-migrate", "sqlmig",
         "CREATE TABLE IF NOT EXISTS schema_migrations (version bigint not null primary key, dirty boolean not null);"
         "INSERT INTO schema_migrations VALUES (1, false)",
         "UPDATE schema_migrations SET dirty = true"},
        {"flyway", "flyway",
         "CREATE TABLE flyway_schema_history (installed_rank INT NOT NULL, version VARCHAR(50), description "
         "VARCHAR(200) NOT NULL, type VARCHAR(20) NOT NULL, script VARCHAR(1000) NOT NULL, checksum INT, installed_by "
         "VARCHAR(100) NOT NULL, installed_on TIMESTAMP NOT NULL DEFAULT now(), execution_time INT NOT NULL, success "
         "BOOLEAN NOT NULL, CONSTRAINT flyway_schema_history_pk PRIMARY KEY (installed_rank));"
         "INSERT INTO flyway_schema_history VALUES (1, '1', 'a', 'SQL', 'V1__a.sql', 123, 'app', "
         "'2024-02-03 04:05:06.789', 5, true)",
         "UPDATE flyway_schema_history SET success = false"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.tool);
        PgProject p(format_config("migrations", c.format));
        const std::string format = c.format;
        const auto name = [&](int v) {
            const std::string n = std::to_string(v);
            return format == "goose"  ? "0000" + n + "_t" + n + ".sql"
                   : format == "flyway" ? "V" + n + "__t" + n + ".sql"
                                        : n + "_t" + n + ".up.sql";
        };
        for (int v = 1; v <= 2; ++v) {
            const std::string create = "CREATE TABLE t" + std::to_string(v) + " (id int);\n";
            p.project.migration(name(v), format == "goose" ? "-- +goose Up\n" + create : create);
        }
        p.db.query(std::string(c.table) + "; CREATE TABLE t1 (id int)");
        p.db.query(c.refused_row);
        Result r = p.run({"adopt", "--from", c.tool});
        EXPECT_EQ(r.code, 3) << r.err;
        EXPECT_CONTAINS(r.err, "nothing was changed");
        EXPECT_EQ(p.db.query("SELECT count(*) FROM pg_tables WHERE tablename = 'sqlmig_migrations'"), "0");
        p.db.query(std::string("DROP TABLE ") + (format == "goose" ? "goose_db_version" : format == "flyway"
                                                     ? "flyway_schema_history" : "schema_migrations"));
        p.db.query(c.table);
        r = p.run({"adopt", "--from", c.tool});
        ASSERT_EQ(r.code, 0) << r.err;
        EXPECT_EQ(p.db.query("SELECT string_agg(version, ',') FROM sqlmig_migrations"), "1");
        if (format != "sqlmig") {
            EXPECT_EQ(p.db.query("SELECT applied_at FROM sqlmig_migrations"), "2024-02-03T04:05:06Z");
        }
        r = p.run({"up"});
        ASSERT_EQ(r.code, 0) << r.err;
        EXPECT_EQ(p.db.query("SELECT count(*) FROM pg_tables WHERE tablename IN ('t1', 't2')"), "2");
    }
}
