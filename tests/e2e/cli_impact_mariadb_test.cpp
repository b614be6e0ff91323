// sqlmig impact on MariaDB: each ALTER run with the cheapest ALGORITHM and LOCK the server accepts,
// checked against what MariaDB 10.11's documentation ("InnoDB Online DDL Operations with
// ALGORITHM=INSTANT / NOCOPY / INPLACE / COPY") gives for each statement.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "e2e/cli_test_support.hpp"
#include "e2e/impact_catalogue.hpp"
#include "e2e/mariadb_project.hpp"

using sqlmig::test::MariadbProject;
using sqlmig::test::Result;
using sqlmig::test::catalogue_table;
using sqlmig::test::with_table;
using sqlmig::test::write_catalogue;

namespace {

// Each case has its own table {t} (id INT PRIMARY KEY, x INT, y INT NOT NULL DEFAULT 0, v VARCHAR(10),
// t TEXT, KEY {t}_y (y)) with a few rows, what else it needs before, and the documented algorithm and lock.
struct Case {
    const char* setup;
    const char* statement;
    const char* algorithm;
    const char* lock;  // "" for INSTANT: only a brief metadata lock
};

// clang-format off
const Case k_catalogue[] = {
    {"", "ALTER TABLE {t} ADD COLUMN c INT", "INSTANT", ""},
    {"", "ALTER TABLE {t} ADD COLUMN c INT FIRST", "INSTANT", ""},
    {"", "ALTER TABLE {t} ADD COLUMN c INT NOT NULL DEFAULT 5", "INSTANT", ""},
    {"", "ALTER TABLE {t} DROP COLUMN v", "INSTANT", ""},
    {"", "ALTER TABLE {t} RENAME COLUMN x TO x2", "INSTANT", ""},
    {"", "ALTER TABLE {t} CHANGE x x2 INT", "INSTANT", ""},
    {"", "ALTER TABLE {t} MODIFY v VARCHAR(20)", "INSTANT", ""},
    {"", "ALTER TABLE {t} MODIFY x INT AFTER v", "INSTANT", ""},
    {"", "ALTER TABLE {t} ALTER COLUMN x SET DEFAULT 1", "INSTANT", ""},
    {"", "ALTER TABLE {t} ALTER COLUMN y DROP DEFAULT", "INSTANT", ""},
    {"", "ALTER TABLE {t} ADD COLUMN g INT AS (x * 2) VIRTUAL", "INSTANT", ""},
    {"", "ALTER TABLE {t} RENAME TO {t}_renamed", "INSTANT", ""},
    {"", "ALTER TABLE {t} COMMENT = 'orders'", "INSTANT", ""},
    {"", "ALTER TABLE {t} RENAME INDEX {t}_y TO {t}_y2", "INSTANT", ""},
    {"", "ALTER TABLE {t} DROP INDEX {t}_y", "NOCOPY", "NONE"},  // index operations are on the NOCOPY page
    {"", "ALTER TABLE {t} ADD INDEX {t}_x (x)", "NOCOPY", "NONE"},
    {"", "ALTER TABLE {t} ADD UNIQUE INDEX {t}_x (x)", "NOCOPY", "NONE"},
    {"", "CREATE INDEX {t}_x ON {t} (x)", "NOCOPY", "NONE"},
    {"", "ALTER TABLE {t} MODIFY x INT NOT NULL", "INPLACE", "NONE"},
    {"", "ALTER TABLE {t} FORCE", "INPLACE", "NONE"},
    {"", "ALTER TABLE {t} ENGINE = InnoDB", "INPLACE", "NONE"},
    {"", "ALTER TABLE {t} ROW_FORMAT = COMPACT", "INPLACE", "NONE"},
    {"", "ALTER TABLE {t} ADD FULLTEXT INDEX {t}_ft (t)", "INPLACE", "SHARED"},
    {"", "ALTER TABLE {t} MODIFY x BIGINT", "COPY", "SHARED"},
    {"", "ALTER TABLE {t} ADD COLUMN g INT AS (x * 2) STORED", "COPY", "SHARED"},
    {"", "ALTER TABLE {t} DROP PRIMARY KEY", "COPY", "SHARED"},
    {"", "ALTER TABLE {t} CONVERT TO CHARACTER SET latin1", "COPY", "SHARED"},
};
// clang-format on

}  // namespace

TEST(ImpactMariadb, ReportsTheDocumentedAlgorithmAndLockOfEveryAlterOfTheCatalogue) {
    MariadbProject p;
    write_catalogue(p.project, k_catalogue,
                    "CREATE TABLE {t} (id INT PRIMARY KEY, x INT, y INT NOT NULL DEFAULT 0, v VARCHAR(10), t TEXT, "
                    "KEY {t}_y (y)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n"
                    "INSERT INTO {t} VALUES (1, 1, 1, 'a', 'b'), (2, 2, 2, 'c', 'd');\n",
                    "");
    const Result r = p.run({"impact", "--no-live-stats", "--from", "1", "--json"});
    ASSERT_EQ(r.code, 0) << r.err << r.out;
    const auto measured = nlohmann::json::parse(r.out)["statements"];
    ASSERT_EQ(measured.size(), std::size(k_catalogue));
    std::size_t right = 0;
    for (std::size_t i = 0; i < std::size(k_catalogue); ++i) {
        const Case& c = k_catalogue[i];
        const auto& s = measured[i];
        const std::string lock = s["locks"].empty() ? "" : s["locks"][0]["mode"].get<std::string>();
        const std::string want_lock = *c.lock ? std::string("LOCK=") + c.lock : "metadata lock (brief)";
        const bool ok = s["algorithm"] == c.algorithm && lock == want_lock;
        right += ok;
        EXPECT_TRUE(ok) << with_table(c.statement, catalogue_table(i)) << ": expected ALGORITHM="
                        << c.algorithm << " and " << want_lock << ", impact reported " << s["algorithm"] << " and "
                        << lock;
    }
    EXPECT_EQ(right, std::size(k_catalogue));
    EXPECT_GE(std::size(k_catalogue), 20u);
}

TEST(ImpactMariadb, ScalesByTheLiveSizesAndLeavesTheLiveDatabaseAlone) {
    MariadbProject p;
    p.project.migration("001_orders.up.sql", "CREATE TABLE orders (id BIGINT PRIMARY KEY, total INT, note TEXT);\n");
    p.project.migration("002_orders.up.sql", "ALTER TABLE orders MODIFY total BIGINT;\n"
                                             "ALTER TABLE orders ADD COLUMN paid BOOLEAN DEFAULT FALSE;\n");
    ASSERT_EQ(p.run({"up", "1"}).code, 0);
    p.db.query("INSERT INTO orders SELECT seq, seq, MD5(seq) FROM seq_1_to_30000");
    p.db.query("ANALYZE TABLE orders");
    const Result r = p.run({"impact"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_CONTAINS(r.out, "migrations/002_orders.up.sql:1: ALTER TABLE orders MODIFY total BIGINT \u2014 "
                           "ALGORITHM=COPY, LOCK=SHARED on orders (blocks writes), rewrite (");
    EXPECT_CONTAINS(r.out, " k rows), about ");
    EXPECT_CONTAINS(r.out, "migrations/002_orders.up.sql:2: ALTER TABLE orders ADD COLUMN paid BOOLEAN DEFAULT FALSE "
                           "\u2014 ALGORITHM=INSTANT, metadata lock (brief) on orders, no rewrite (");
    EXPECT_EQ(p.rows(), "1 applied");
    EXPECT_EQ(p.db.query("SELECT DATA_TYPE FROM information_schema.columns WHERE table_schema = DATABASE() AND "
                         "table_name = 'orders' AND column_name = 'total'"),
              "int");
}

TEST(ImpactMariadb, MeasuresTheCorpusModelRegistryFolderHalfApplied) {
    SQLMIG_REQUIRE_CORPUS(corpus);
    MariadbProject p;
    const std::string dir = (corpus / "model-registry-mysql").string();
    ASSERT_EQ(p.run({"--dir", dir, "up", "10"}).code, 0);
    const Result r = p.run({"--dir", dir, "impact", "--json"});
    ASSERT_EQ(r.code, 0) << r.err;
    const auto doc = nlohmann::json::parse(r.out);
    EXPECT_EQ(doc["pending"], 11);
    // The folder only creates and seeds tables (four of its files are only a comment, "Migration
    // removed"): run as written, no ALGORITHM tried.
    ASSERT_EQ(doc["statements"].size(), 7u);
    for (const auto& s : doc["statements"]) {
        EXPECT_TRUE(s["algorithm"].is_null()) << s.dump();
        EXPECT_TRUE(s["file"].get<std::string>().ends_with(".up.sql"));
    }
    EXPECT_EQ(p.db.query("SELECT COUNT(*) FROM sqlmig_migrations"), "10") << "the live database only read";
}

TEST(ImpactMariadb, MeasuresEveryStatementOfTheCorpusModelRegistryFolderFromAnEmptyDatabase) {
    SQLMIG_REQUIRE_CORPUS(corpus);
    MariadbProject p;
    const std::string dir = (corpus / "model-registry-mysql").string();
    const Result r = p.run({"--dir", dir, "impact", "--json"});  // live stats of a database with no tracking table
    ASSERT_EQ(r.code, 0) << r.err;
    const auto doc = nlohmann::json::parse(r.out);
    EXPECT_EQ(doc["pending"], 21);
    ASSERT_EQ(doc["statements"].size(), 17u);  // 15 CREATE TABLE and 2 seeds; four files hold only a comment
    std::size_t seeds = 0;
    for (const auto& s : doc["statements"]) {
        const std::string text = s["statement"];
        if (text.starts_with("CREATE TABLE")) {
            EXPECT_TRUE(s["locks"].empty()) << "a new table: nobody waits for it: " << text;
            continue;
        }
        ++seeds;
        ASSERT_EQ(s["locks"].size(), 1u) << text;  // INSERT into a table an earlier migration created
        EXPECT_EQ(s["locks"][0]["mode"], "MDL_SHARED_WRITE and row locks");
        EXPECT_EQ(s["locks"][0]["blocks_writes"], false);
        const std::string table = s["locks"][0]["relation"];
        EXPECT_TRUE(table == "Type" || table == "MLMDEnv") << table;
    }
    EXPECT_EQ(seeds, 2u);
    EXPECT_EQ(p.db.query("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()"), "0")
        << "the live database only read";
}

