// sqlmig drift on MariaDB: out-of-band changes made by hand are found and named, a clean database
// (and the real MySQL folder of ../shared/corpus) shows none.
#include <gtest/gtest.h>

#include "e2e/cli_test_support.hpp"
#include "e2e/drift_support.hpp"
#include "e2e/mariadb_project.hpp"

using sqlmig::test::DriftCase;
using sqlmig::test::MariadbProject;
using sqlmig::test::Result;

namespace {

const std::vector<std::string> k_schema = {
    "CREATE TABLE users (id INT AUTO_INCREMENT PRIMARY KEY, email VARCHAR(100) NOT NULL, name VARCHAR(50), "
    "age INT DEFAULT 0, score DECIMAL(10,2), note TEXT, nick VARCHAR(20) NOT NULL, old_name TEXT, "
    "label VARCHAR(20), CONSTRAINT age_ok CHECK (age >= 0)) ENGINE=InnoDB",
    "CREATE TABLE orders (id INT PRIMARY KEY, user_id INT, total INT, status VARCHAR(10), "
    "CONSTRAINT orders_user FOREIGN KEY (user_id) REFERENCES users (id)) ENGINE=InnoDB",
    "CREATE TABLE gone (id INT)",
    "CREATE TABLE renamed (id INT)",
    "CREATE TABLE engined (id INT) ENGINE=InnoDB",
    "CREATE TABLE collated (a VARCHAR(10)) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci",
    "CREATE INDEX orders_status ON orders (status)",
    "CREATE INDEX users_name ON users (name)",
    "CREATE VIEW active_users AS SELECT id, email FROM users WHERE age > 0",
    "CREATE VIEW dropped_view AS SELECT 1 AS one",
    "CREATE FUNCTION add_one(a INT) RETURNS INT DETERMINISTIC RETURN a + 1",
    "CREATE FUNCTION dropped_fn() RETURNS INT DETERMINISTIC RETURN 1",
    "CREATE PROCEDURE tidy() SELECT 1",
    "CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW SET NEW.age = NEW.age",
};

std::vector<DriftCase> mariadb_cases() {
    return {
        {{"ALTER TABLE users ADD COLUMN phone TEXT"}, {"added column users.phone"}},
        {{"ALTER TABLE users DROP COLUMN note"}, {"missing column users.note"}},
        {{"ALTER TABLE users MODIFY score DECIMAL(12,2)"}, {"changed column users.score"}},
        {{"ALTER TABLE users ALTER COLUMN age SET DEFAULT 18"}, {"changed column users.age"}},
        {{"ALTER TABLE users MODIFY nick VARCHAR(20) NULL"}, {"changed column users.nick"}},
        {{"ALTER TABLE users MODIFY label VARCHAR(20) COLLATE utf8mb4_bin"}, {"changed column users.label"}},
        {{"ALTER TABLE users RENAME COLUMN old_name TO new_name"},
         {"missing column users.old_name", "added column users.new_name"}},
        {{"CREATE INDEX users_email ON users (email)"}, {"added index users.users_email"}},
        {{"DROP INDEX orders_status ON orders"}, {"missing index orders.orders_status"}},
        {{"DROP INDEX users_name ON users", "CREATE INDEX users_name ON users (name, email)"},
         {"changed index users.users_name"}},
        {{"ALTER TABLE users DROP CONSTRAINT age_ok"}, {"missing constraint users.age_ok"}},
        {{"ALTER TABLE orders ADD CONSTRAINT total_ok CHECK (total > 0)"}, {"added constraint orders.total_ok"}},
        {{"ALTER TABLE orders DROP FOREIGN KEY orders_user"}, {"missing constraint orders.orders_user"}},
        {{"CREATE OR REPLACE VIEW active_users AS SELECT id, email FROM users WHERE age > 1"},
         {"changed view active_users"}},
        {{"DROP VIEW dropped_view"}, {"missing view dropped_view"}},
        {{"CREATE VIEW new_view AS SELECT 2 AS two"}, {"added view new_view"}},
        {{"DROP FUNCTION add_one", "CREATE FUNCTION add_one(a INT) RETURNS INT DETERMINISTIC RETURN a + 2"},
         {"changed function add_one"}},
        {{"CREATE FUNCTION new_fn() RETURNS INT DETERMINISTIC RETURN 2"}, {"added function new_fn"}},
        {{"DROP FUNCTION dropped_fn"}, {"missing function dropped_fn"}},
        {{"DROP PROCEDURE tidy", "CREATE PROCEDURE tidy() SELECT 2"}, {"changed function tidy"}},
        {{"CREATE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW SET NEW.total = NEW.total"},
         {"added trigger orders.orders_touch"}},
        {{"DROP TRIGGER users_touch"}, {"missing trigger users.users_touch"}},
        {{"CREATE TABLE audit_log (id INT, what TEXT)"}, {"added table audit_log"}},
        {{"DROP TABLE gone"}, {"missing table gone"}},
        {{"RENAME TABLE renamed TO renamed2"}, {"missing table renamed", "added table renamed2"}},
        {{"ALTER TABLE engined ENGINE=MyISAM"}, {"changed table engined"}},
        {{"ALTER TABLE collated COLLATE utf8mb4_bin"}, {"changed table collated"}},
    };
}

void migrate(MariadbProject& p) {
    std::string sql;
    for (const auto& s : k_schema) {
        sql += s + ";\n";
    }
    p.project.migration("001_schema.up.sql", sql);
    p.project.migration("002_more.up.sql", "CREATE TABLE later (id INT);\n");
    const Result up = p.run({"up"});
    ASSERT_EQ(up.code, 0) << up.err;
}

}  // namespace

TEST(DriftMariadb, ACleanDatabaseHasNoDrift) {
    MariadbProject p;
    migrate(p);
    const Result r = p.run({"drift"});
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_EQ(r.out, "no drift: the database matches its 2 applied migrations\n");
}

TEST(DriftMariadb, EveryKindOfOutOfBandChangeIsFoundAndNamedWithNothingElse) {
    MariadbProject p;
    migrate(p);
    const auto cases = mariadb_cases();
    sqlmig::test::make_changes(cases, [&](const std::string& sql) { p.db.query(sql); });
    const Result r = p.run({"drift"});
    EXPECT_EQ(r.code, 3) << r.err;
    EXPECT_EQ(sqlmig::test::drift_headers(r.out), sqlmig::test::all_headers(cases)) << r.out;
}

TEST(DriftMariadb, RealFolderGivesNoDrift) {
    SQLMIG_REQUIRE_CORPUS(corpus);
    MariadbProject p;
    const std::string dir = (corpus / "model-registry-mysql").string();
    ASSERT_EQ(p.run({"--dir", dir, "up"}).code, 0);
    const Result r = p.run({"--dir", dir, "drift"});
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_EQ(r.out, "no drift: the database matches its 21 applied migrations\n");
}

TEST(DriftMariadb, AFailingReplayIsExitOneWithFileLineAndColumnAndTheScratchDatabaseIsDropped) {
    MariadbProject p;
    migrate(p);
    // 003 leans on a table made by hand: it ran on the live database, and cannot run on a fresh one.
    p.db.query("CREATE TABLE handmade (y INT)");
    p.project.migration("003_lean.up.sql", "SELECT 1;\nALTER TABLE handmade ADD COLUMN x INT;\n");
    ASSERT_EQ(p.run({"up"}).code, 0);
    const Result r = p.run({"drift"});
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_CONTAINS(r.err, "sqlmig: error: cannot replay the applied migrations on the scratch database sqlmig_drift_");
    EXPECT_CONTAINS(r.err, "migrations/003_lean.up.sql:2:13: ERROR 1146: Table 'sqlmig_drift_");
    EXPECT_CONTAINS(r.err, ".handmade' doesn't exist\n");
    EXPECT_EQ(r.err.find("sqlmig repair"), std::string::npos) << "no advice for the live database from the scratch one";
    EXPECT_EQ(r.out, "");
    // This run's scratch database, by the name the error gives (other tests make theirs at the same time).
    const std::string lead = "scratch database ";
    const auto at = r.err.find(lead);
    ASSERT_NE(at, std::string::npos) << r.err;
    const std::string scratch = r.err.substr(at + lead.size(), r.err.find_first_of(" :\n", at + lead.size()) -
                                                                    (at + lead.size()));
    ASSERT_EQ(scratch.rfind("sqlmig_drift_", 0), 0u) << scratch;
    EXPECT_EQ(p.db.query("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '" + scratch + "'"), "0");
}
