// sqlmig drift on SQLite: out-of-band changes made by hand are found and named, a clean database
// (and the real SQLite folder of ../shared/corpus) shows none, and bad input is refused.
#include <gtest/gtest.h>

#include "e2e/cli_test_support.hpp"
#include "e2e/drift_support.hpp"

using sqlmig::test::DriftCase;
using sqlmig::test::Project;
using sqlmig::test::Result;

namespace {

constexpr const char* k_schema = R"(CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT,
  note TEXT, old_name TEXT);
CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id), total INTEGER DEFAULT 0,
  status TEXT NOT NULL, CHECK (total >= 0));
CREATE TABLE gone (id INTEGER);
CREATE TABLE renamed (id INTEGER);
CREATE TABLE typed (a INTEGER);
CREATE INDEX orders_user ON orders (user_id);
CREATE INDEX orders_status ON orders (status);
CREATE INDEX orders_open ON orders (status) WHERE status = 'open';
CREATE VIEW active_users AS SELECT id, email FROM users WHERE name IS NOT NULL;
CREATE VIEW dropped_view AS SELECT 1 AS one;
CREATE TRIGGER users_touch AFTER UPDATE ON users BEGIN SELECT 1; END;
CREATE TRIGGER orders_log AFTER INSERT ON orders BEGIN SELECT 1; END;
)";

// What SQLite's ALTER TABLE cannot do is done the way its documentation says: a new table copied
// and renamed over the old one.
std::vector<std::string> rebuild_orders(const std::string& create) {
    return {create, "INSERT INTO orders_new SELECT * FROM orders", "DROP TABLE orders",
            "ALTER TABLE orders_new RENAME TO orders", "CREATE INDEX orders_user ON orders (user_id)",
            "CREATE INDEX orders_status ON orders (status)",
            "CREATE INDEX orders_open ON orders (status) WHERE status = 'open'",
            "CREATE TRIGGER orders_log AFTER INSERT ON orders BEGIN SELECT 1; END"};
}

std::vector<DriftCase> sqlite_cases() {
    return {
        {{"ALTER TABLE users ADD COLUMN phone TEXT"}, {"changed table users", "added column users.phone"}},
        // SQLite rewrites the table's CREATE text too.
        {{"ALTER TABLE users DROP COLUMN note"}, {"changed table users", "missing column users.note"}},
        {{"ALTER TABLE users RENAME COLUMN old_name TO new_name"},
         {"changed table users", "missing column users.old_name", "added column users.new_name"}},
        // One rebuild changes orders' default, nullability and CHECK constraint at once.
        {rebuild_orders("CREATE TABLE orders_new (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id), "
                        "total INTEGER DEFAULT 5, status TEXT)"),
         {"changed table orders", "changed column orders.total", "changed column orders.status"}},
        {{"CREATE TABLE typed_new (a TEXT)", "DROP TABLE typed", "ALTER TABLE typed_new RENAME TO typed"},
         {"changed table typed", "changed column typed.a"}},
        {{"CREATE INDEX users_name ON users (name)"}, {"added index users_name"}},
        {{"CREATE UNIQUE INDEX users_email ON users (email)"}, {"added index users_email"}},
        {{"DROP INDEX orders_status"}, {"missing index orders_status"}},
        {{"DROP INDEX orders_open", "CREATE INDEX orders_open ON orders (status) WHERE status = 'closed'"},
         {"changed index orders_open"}},
        {{"DROP VIEW active_users", "CREATE VIEW active_users AS SELECT id, email FROM users"},
         {"changed view active_users"}},
        {{"DROP VIEW dropped_view"}, {"missing view dropped_view"}},
        {{"CREATE VIEW new_view AS SELECT 2 AS two"}, {"added view new_view"}},
        {{"CREATE TRIGGER users_insert AFTER INSERT ON users BEGIN SELECT 2; END"}, {"added trigger users_insert"}},
        {{"DROP TRIGGER users_touch"}, {"missing trigger users_touch"}},
        {{"CREATE TABLE audit_log (id INTEGER, what TEXT)"}, {"added table audit_log"}},
        {{"DROP TABLE gone"}, {"missing table gone"}},
        {{"ALTER TABLE renamed RENAME TO renamed2"}, {"missing table renamed", "added table renamed2"}},
    };
}

void migrate(Project& p) {
    p.migration("001_schema.up.sql", k_schema);
    p.migration("002_more.up.sql", "CREATE TABLE later (id INTEGER);\n");
    const Result up = p.run({"up"});
    ASSERT_EQ(up.code, 0) << up.err;
}

}  // namespace

TEST(Drift, ACleanDatabaseHasNoDriftAndTheDatabaseFileIsNotWritten) {
    Project p;
    migrate(p);
    const auto before = std::filesystem::last_write_time(p.db_path());
    const Result r = p.run({"drift"});
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_EQ(r.out, "no drift: the database matches its 2 applied migrations\n");
    EXPECT_EQ(std::filesystem::last_write_time(p.db_path()), before);
    const Result json = p.run({"drift", "--json"});
    EXPECT_EQ(json.code, 0);
    EXPECT_CONTAINS(json.out, "\"replayed\": 2");
}

TEST(Drift, EveryKindOfOutOfBandChangeSqliteAllowsIsFoundAndNamedWithNothingElse) {
    Project p;
    migrate(p);
    const auto cases = sqlite_cases();
    sqlmig::test::make_changes(cases, [&](const std::string& sql) { sqlmig::test::exec_sqlite(p.db_path(), sql); });
    const Result r = p.run({"drift"});
    EXPECT_EQ(r.code, 3) << r.err;
    EXPECT_EQ(sqlmig::test::drift_headers(r.out), sqlmig::test::all_headers(cases)) << r.out;
    EXPECT_CONTAINS(r.out, "missing table gone\n    - column gone id INTEGER 0  0\n"
                           "    - table gone on gone: CREATE TABLE gone (id INTEGER)\n");
}

TEST(Drift, EachChangeAloneIsDrift) {
    for (const auto& c : sqlite_cases()) {
        Project p;
        migrate(p);
        sqlmig::test::make_changes({c}, [&](const std::string& sql) { sqlmig::test::exec_sqlite(p.db_path(), sql); });
        const Result r = p.run({"drift"});
        EXPECT_EQ(r.code, 3) << c.statements.front();
        EXPECT_EQ(sqlmig::test::drift_headers(r.out), c.headers) << r.out;
    }
}

TEST(Drift, AVersionThatCannotBeReplayedIsNamedAndNothingIsWritten) {
    Project p;
    p.write_file("config.toml", "[database]\nurl = \"sqlite:///data/app.db\"\n[tracking]\nstore_sql_max = 0\n");
    migrate(p);
    p.migration("002_more.up.sql", "CREATE TABLE later (id INTEGER, x INTEGER);\n");
    const auto before = std::filesystem::last_write_time(p.db_path());
    const Result r = p.run({"drift"});
    EXPECT_EQ(r.code, 2) << r.out;
    EXPECT_CONTAINS(r.err, "sqlmig: error: cannot replay version 2 (more): its file migrations/002_more.up.sql was "
                           "edited after it was applied, and the tracking table keeps no SQL for it");
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(std::filesystem::last_write_time(p.db_path()), before);
}

TEST(Drift, AnIgnoreFileThatIsAFolderOrADanglingLinkIsAnErrorNamingIt) {
    Project p;
    migrate(p);
    std::filesystem::create_directory(p.dir() / ".sqlmig-drift-ignore");
    const Result folder = p.run({"drift"});
    EXPECT_EQ(folder.code, 2) << folder.out;
    EXPECT_CONTAINS(folder.err,
                    "sqlmig: error: .sqlmig-drift-ignore: is a folder, not a file of drift ignore patterns");
    std::filesystem::remove(p.dir() / ".sqlmig-drift-ignore");
    std::filesystem::create_symlink("nowhere", p.dir() / ".sqlmig-drift-ignore");
    const Result dangling = p.run({"drift"});
    EXPECT_EQ(dangling.code, 2) << dangling.out;
    EXPECT_CONTAINS(dangling.err, "sqlmig: error: .sqlmig-drift-ignore: is a dangling symbolic link, not a file");
    EXPECT_EQ(dangling.out, "");
}

TEST(Drift, ATextOnSeveralLinesIsShownAsLinesNotEscapes) {
    Project p;
    p.migration("001_view.up.sql", "CREATE TABLE t (a INTEGER);\nCREATE VIEW v AS\nSELECT a\nFROM t;\n");
    ASSERT_EQ(p.run({"up"}).code, 0);
    sqlmig::test::exec_sqlite(p.db_path(), "DROP VIEW v");
    sqlmig::test::exec_sqlite(p.db_path(), "CREATE VIEW v AS\nSELECT a + 1 AS a\nFROM t");
    const Result r = p.run({"drift"});
    EXPECT_EQ(r.code, 3) << r.err;
    EXPECT_CONTAINS(r.out, "changed view v\n    - view v on v: CREATE VIEW v AS\n    -   SELECT a\n    -   FROM t\n"
                           "    + view v on v: CREATE VIEW v AS\n    +   SELECT a + 1 AS a\n    +   FROM t\n");
    EXPECT_NOT_CONTAINS(r.out, "\\x0a");
}

TEST(Drift, AFailingReplayIsExitOneWithFileLineAndColumn) {
    Project p;
    migrate(p);
    // 003 leans on a table made by hand: it ran on the live database, and cannot run on a fresh one.
    sqlmig::test::exec_sqlite(p.db_path(), "CREATE TABLE handmade (y INTEGER)");
    p.migration("003_lean.up.sql", "SELECT 1;\nALTER TABLE handmade ADD COLUMN x INTEGER;\n");
    ASSERT_EQ(p.run({"up"}).code, 0);
    const auto before = std::filesystem::last_write_time(p.db_path());
    const Result r = p.run({"drift"});
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_CONTAINS(r.err, "sqlmig: error: cannot replay the applied migrations on the scratch database sqlite:///");
    EXPECT_CONTAINS(r.err, "migrations/003_lean.up.sql:2:1: no such table: handmade");
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(std::filesystem::last_write_time(p.db_path()), before);
}

// "warn" never stops a deploy, even when the check itself cannot run; "refuse" stops with the check's error.
TEST(Drift, BeforeUpWarnGoesOnWhenTheCheckCannotRunAndRefuseStops) {
    Project p;
    migrate(p);
    sqlmig::test::exec_sqlite(p.db_path(), "CREATE TABLE handmade (y INTEGER)");
    p.migration("003_lean.up.sql", "ALTER TABLE handmade ADD COLUMN x INTEGER;\n");
    ASSERT_EQ(p.run({"up"}).code, 0);
    p.migration("004_next.up.sql", "CREATE TABLE next (id INTEGER);\n");
    p.write_file("config.toml", "[database]\nurl = \"sqlite:///data/app.db\"\n[drift]\nbefore_up = \"refuse\"\n");
    Result r = p.run({"up"});
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_CONTAINS(r.err, "migrations/003_lean.up.sql:1:1: no such table: handmade");
    EXPECT_EQ(p.query("SELECT count(*) FROM sqlmig_migrations"), "3");
    p.write_file("config.toml", "[database]\nurl = \"sqlite:///data/app.db\"\n[drift]\nbefore_up = \"warn\"\n");
    r = p.run({"up"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_CONTAINS(r.err, "the drift check could not run ([drift] before_up = \"warn\"; going on): cannot replay");
    EXPECT_EQ(p.query("SELECT count(*) FROM sqlmig_migrations"), "4");
}

TEST(Drift, RealSqliteFolderGivesNoDrift) {
    SQLMIG_REQUIRE_CORPUS(corpus);
    Project p;
    p.write_file("config.toml", "[database]\nurl = \"sqlite:///data/app.db\"\n[migrations]\ndir = \"" +
                                    (corpus / "gophish-sqlite-goose").string() + "\"\nformat = \"goose\"\n");
    ASSERT_EQ(p.run({"up"}).code, 0);
    const Result r = p.run({"drift"});
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_EQ(r.out, "no drift: the database matches its 25 applied migrations\n");
}

TEST(Drift, BeforeUpWarnAndRefuseAndAnUnknownValueNamesTheKey) {
    Project p;
    migrate(p);
    sqlmig::test::exec_sqlite(p.db_path(), "CREATE TABLE handmade (y INTEGER)");
    p.migration("003_next.up.sql", "CREATE TABLE next (id INTEGER);\n");
    p.write_file("config.toml", "[database]\nurl = \"sqlite:///data/app.db\"\n[drift]\nbefore_up = \"refuse\"\n");
    Result r = p.run({"up"});
    EXPECT_EQ(r.code, 3) << r.err;
    EXPECT_CONTAINS(r.err, "sqlmig: error: the database has drifted from its applied migrations (1 object differs; "
                           "'sqlmig drift' shows how):\n  added table handmade\nnothing was run");
    EXPECT_EQ(p.query("SELECT count(*) FROM sqlmig_migrations"), "2");
    p.write_file(".sqlmig-drift-ignore", "table:handmade\n");
    r = p.run({"up"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(p.query("SELECT count(*) FROM sqlmig_migrations"), "3");
    p.write_file("config.toml", "[database]\nurl = \"sqlite:///data/app.db\"\n[drift]\nbefore_up = \"sometimes\"\n");
    r = p.run({"up"});
    EXPECT_EQ(r.code, 2);
    EXPECT_CONTAINS(r.err, "sqlmig: error: config.toml:4:13: [drift] before_up: must be \"off\", \"warn\" or "
                           "\"refuse\", not 'sometimes'");
}
