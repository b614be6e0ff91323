// sqlmig verify: downs checked on a scratch database, never the configured one.
#include <gtest/gtest.h>

#include "e2e/cli_test_support.hpp"
#include "e2e/pg_project.hpp"

using sqlmig::test::PgProject;
using sqlmig::test::Project;
using sqlmig::test::Result;

namespace {

void good_and_forgetful(Project& p) {
    p.migration("001_users.up.sql", "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\n");
    p.migration("001_users.down.sql", "DROP TABLE users;\n");
    p.migration("002_posts.up.sql", "CREATE TABLE posts (id INTEGER);\nCREATE INDEX posts_id ON posts (id);\n"
                                    "ALTER TABLE users ADD COLUMN email TEXT;\n");
    p.migration("002_posts.down.sql", "DROP TABLE posts;\n");  // forgets users.email
    p.migration("003_view.up.sql", "CREATE VIEW v AS SELECT 1;\n");
}

}  // namespace

TEST(Verify, NamesTheFirstDownThatDoesNotRestoreWithItsDiffAndNeverTouchesTheDatabase) {
    Project p;
    good_and_forgetful(p);
    const Result r = p.run({"verify"});
    EXPECT_EQ(r.code, 3) << r.err;
    EXPECT_CONTAINS(r.out, "reversible      001_users\n");
    EXPECT_CONTAINS(r.out, "NOT reversible  002_posts: its down does not restore the schema before it");
    EXPECT_CONTAINS(r.out, "    - column users email TEXT");
    EXPECT_CONTAINS(r.out, "    + table users on users: CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)\n");
    EXPECT_CONTAINS(r.out, "1 reversible, 1 not, 0 unchecked");
    EXPECT_FALSE(std::filesystem::exists(p.db_path())) << "the configured database is never created or touched";
    p.migration("002_posts.down.sql", "DROP TABLE posts;\nALTER TABLE users DROP COLUMN email;\n");
    const Result fixed = p.run({"verify", "--json"});
    EXPECT_EQ(fixed.code, 0) << fixed.err;
    EXPECT_CONTAINS(fixed.out, "\"reversible\": true");
    EXPECT_CONTAINS(fixed.out, "\"reversible\": \"unchecked\"");  // 003 has no down
    const Result upto = p.run({"verify", "1"});
    EXPECT_EQ(upto.code, 0);
    EXPECT_CONTAINS(upto.out, "1 reversible, 0 not, 0 unchecked");
    const Result from = p.run({"verify", "--from", "2"});
    EXPECT_EQ(from.code, 0);
    EXPECT_CONTAINS(from.out, "1 reversible, 0 not, 1 unchecked");
}

TEST(Verify, AMigrationThatFailsOnTheScratchDatabaseIsReportedWithItsPosition) {
    Project p;
    p.migration("001_a.up.sql", "CREATE TABLE a (x INTEGER);\n");
    p.migration("001_a.down.sql", "DROP TABLE nosuch;\n");
    const Result r = p.run({"verify"});
    EXPECT_EQ(r.code, 1);
    EXPECT_CONTAINS(r.err, "migrations/001_a.down.sql:1:1: no such table: nosuch");
    EXPECT_EQ(p.run({"verify", "abc"}).code, 2);
}

TEST(VerifyPostgres, UsesAScratchDatabaseItDropsAndSeesWhatADownForgets) {
    PgProject p;
    p.project.migration("001_users.up.sql", "CREATE TABLE users (id serial PRIMARY KEY, name text);\n"
                                            "CREATE TYPE mood AS ENUM ('ok', 'sad');\n"
                                            "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql;\n");
    p.project.migration("001_users.down.sql", "DROP TABLE users;\nDROP FUNCTION f();\n");  // forgets the type
    const Result r = p.run({"verify"});
    EXPECT_EQ(r.code, 3) << r.err;
    EXPECT_CONTAINS(r.out, "    - type public.mood e ok,sad\n");
    // Its name is in the log: "verify on the scratch database sqlmig_verify_<hex> on ...".
    const std::size_t at = r.err.find("sqlmig_verify_");
    ASSERT_NE(at, std::string::npos) << r.err;
    const std::string scratch = r.err.substr(at, r.err.find(' ', at) - at);
    EXPECT_EQ(p.db.query("SELECT count(*) FROM pg_database WHERE datname = '" + scratch + "'"), "0")
        << "the scratch database is dropped";
    EXPECT_EQ(p.db.query("SELECT count(*) FROM pg_class WHERE relname = 'users'"), "0") << "the configured one untouched";
    p.project.migration("001_users.down.sql", "DROP TABLE users;\nDROP FUNCTION f();\nDROP TYPE mood;\n");
    const Result fixed = p.run({"verify", "--keep"});
    EXPECT_EQ(fixed.code, 0) << fixed.err;
    const std::size_t kept_at = fixed.out.find("the scratch database is kept: sqlmig_verify_");
    ASSERT_NE(kept_at, std::string::npos) << fixed.out;
    const std::size_t name_at = fixed.out.find("sqlmig_verify_", kept_at);
    const std::string kept = fixed.out.substr(name_at, fixed.out.find(' ', name_at) - name_at);
    EXPECT_EQ(p.db.query("SELECT count(*) FROM pg_database WHERE datname = '" + kept + "'"), "1");
    p.db.query("DROP DATABASE " + kept + " WITH (FORCE)");
}

TEST(VerifyPostgres, WithoutCreatedbItSaysWhatIsMissing) {
    PgProject p;
    p.db.query("DROP ROLE IF EXISTS sqlmig_verify_nocreatedb");
    p.db.query("CREATE ROLE sqlmig_verify_nocreatedb LOGIN");
    const std::string url = p.db.url();
    const std::string as_role = "postgres://sqlmig_verify_nocreatedb@" + url.substr(url.find('@') + 1);
    p.project.write_file("config.toml", "[database]\nurl = \"" + as_role + "\"\n");
    p.project.migration("001_a.up.sql", "CREATE TABLE a (x int);\n");
    const Result r = p.run({"verify"});
    EXPECT_EQ(r.code, 1);
    EXPECT_CONTAINS(r.err, "cannot create the scratch database for verify");
    EXPECT_CONTAINS(r.err, "permission denied to create database");
    EXPECT_CONTAINS(r.err, "the user needs the CREATEDB privilege; or pass --scratch-url");
    p.db.query("DROP ROLE sqlmig_verify_nocreatedb");
}

TEST(VerifyPostgres, RealFoldersBrokenDownsAreFoundAndNamed) {
    SQLMIG_REQUIRE_CORPUS(corpus);
    PgProject p;
    const Result quickwit = p.run({"--dir", (corpus / "quickwit-postgres").string(), "verify"});
    EXPECT_EQ(quickwit.code, 3) << quickwit.err;
    EXPECT_CONTAINS(quickwit.out, "NOT reversible  1_create-indexes: its down does not restore the schema before it");
    EXPECT_CONTAINS(quickwit.out, "    - function public.set_index_update_timestamp_for_split()");
    // pocket-id's first broken down is a syntax error upstream: named with its position.
    const Result pocket = p.run({"--dir", (corpus / "pocket-id-postgres").string(), "verify"});
    EXPECT_EQ(pocket.code, 1) << pocket.err;
    EXPECT_CONTAINS(pocket.out, "12 reversible, 0 not, 1 unchecked");
    EXPECT_CONTAINS(pocket.err, "20250408120918_app_config_cols.down.sql:1:64: ERROR: syntax error at or near \";\"");
}
