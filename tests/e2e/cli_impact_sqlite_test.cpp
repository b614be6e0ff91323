// sqlmig impact on SQLite: every write holds the whole database; a table whose b-tree moved was rebuilt.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "e2e/cli_test_support.hpp"

using sqlmig::test::Project;
using sqlmig::test::Result;

TEST(ImpactSqlite, ReportsTheDatabaseLockAndARebuiltTableAndLeavesTheLiveFileAlone) {
    Project p;
    p.migration("001_a.up.sql", "CREATE TABLE b (id INTEGER);\nCREATE TABLE a (id INTEGER PRIMARY KEY, x TEXT);\n"
                                "INSERT INTO a (x) VALUES ('p'), ('q');\n");
    // VACUUM cannot run in a transaction: the file says so, as up requires.
    p.migration("002_b.up.sql",
                "-- sqlmig:no-transaction\nALTER TABLE a ADD COLUMN y INTEGER;\nDROP TABLE b;\nVACUUM;\nSELECT 1;\n");
    const Result offline = p.run({"impact", "--no-live-stats", "--from", "1"});
    ASSERT_EQ(offline.code, 0) << offline.err;
    EXPECT_FALSE(std::filesystem::exists(p.db_path())) << "--no-live-stats never opens the live database";
    EXPECT_CONTAINS(offline.out, "migrations/002_b.up.sql:2: ALTER TABLE a ADD COLUMN y INTEGER \u2014 EXCLUSIVE "
                                 "(write) on the whole database (blocks reads and writes), no rewrite, ");
    // VACUUM rebuilds the file: a's b-tree moves down to the pages b left free.
    EXPECT_CONTAINS(offline.out, "migrations/002_b.up.sql:4: VACUUM \u2014 EXCLUSIVE (write) on the whole database "
                                 "(blocks reads and writes), rewrite, ");
    EXPECT_CONTAINS(offline.out, "migrations/002_b.up.sql:5: SELECT 1 \u2014 no lock on an existing table, no rewrite");
    ASSERT_EQ(p.run({"up", "1"}).code, 0);
    const auto before = std::filesystem::last_write_time(p.db_path());
    const Result live = p.run({"impact"});
    EXPECT_EQ(live.code, 0) << live.err;
    EXPECT_CONTAINS(live.out, "4 statements in 1 pending migrations: 3 block reads, 3 block writes, 1 rewrite a table");
    EXPECT_EQ(std::filesystem::last_write_time(p.db_path()), before) << "the live database is only read";
    EXPECT_EQ(p.run({"impact", "3"}).code, 2);
}

TEST(ImpactSqlite, MeasuresTheCorpusGophishFolder) {
    SQLMIG_REQUIRE_CORPUS(corpus);
    Project p;
    p.write_file("config.toml", "[database]\nurl = \"sqlite:///data/app.db\"\n[migrations]\ndir = \"" +
                                    (corpus / "gophish-sqlite-goose").string() + "\"\nformat = \"goose\"\n");
    const Result r = p.run({"impact", "--no-live-stats"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_CONTAINS(r.out, "20220321133237_0.4.1_envelope_sender.sql:4: ALTER TABLE templates ADD COLUMN "
                           "envelope_sender varchar(255) \u2014 EXCLUSIVE (write) on the whole database");
    EXPECT_CONTAINS(r.out, "58 statements in 25 pending migrations");
    EXPECT_FALSE(std::filesystem::exists(p.db_path()));
}

TEST(ImpactSqlite, MeasuresEveryStatementOfTheCorpusGophishFolderFromAnEmptyDatabase) {
    SQLMIG_REQUIRE_CORPUS(corpus);
    Project p;
    p.write_file("config.toml", "[database]\nurl = \"sqlite:///data/app.db\"\n[migrations]\ndir = \"" +
                                    (corpus / "gophish-sqlite-goose").string() + "\"\nformat = \"goose\"\n");
    const Result r = p.run({"impact", "--json"});  // with live stats: the database does not exist yet
    ASSERT_EQ(r.code, 0) << r.err;
    const auto doc = nlohmann::json::parse(r.out);
    EXPECT_EQ(doc["pending"], 25);
    ASSERT_EQ(doc["statements"].size(), 58u);
    for (const auto& s : doc["statements"]) {
        // Every one of them writes: each holds the whole database.
        ASSERT_EQ(s["locks"].size(), 1u) << s["file"] << ":" << s["line"] << ": " << s["statement"];
        EXPECT_EQ(s["locks"][0]["relation"], "the whole database");
    }
    EXPECT_FALSE(std::filesystem::exists(p.db_path())) << "the live database is only read, and not created";
}

