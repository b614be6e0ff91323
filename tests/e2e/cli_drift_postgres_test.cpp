// sqlmig drift on PostgreSQL: out-of-band changes made by hand are found and named, clean
// databases (the real folders of ../shared/corpus too) show none, and bad input is refused.
#include <gtest/gtest.h>

#include "e2e/cli_test_support.hpp"
#include "e2e/drift_support.hpp"
#include "e2e/pg_project.hpp"

using sqlmig::test::DriftCase;
using sqlmig::test::PgProject;
using sqlmig::test::Result;

namespace {

constexpr const char* k_schema = R"(CREATE SCHEMA app;
CREATE TYPE mood AS ENUM ('sad', 'happy');
CREATE DOMAIN posint AS int CHECK (VALUE > 0);
CREATE TYPE pair AS (a int, b int);
CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL UNIQUE, name text, age int DEFAULT 0,
  score numeric(10,2), note varchar(20), nick text NOT NULL, bio text, created timestamptz DEFAULT now(),
  old_name text, m mood, CONSTRAINT age_ok CHECK (age >= 0));
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id int REFERENCES users (id),
  total int, status text);
CREATE TABLE gone (id int);
CREATE TABLE renamed (id int);
CREATE TABLE app.things (id int, label text);
CREATE INDEX orders_user ON orders (user_id);
CREATE INDEX orders_status ON orders (status);
CREATE VIEW active_users AS SELECT id, email FROM users WHERE age > 0;
CREATE VIEW dropped_view AS SELECT 1 AS one;
CREATE MATERIALIZED VIEW user_counts AS SELECT count(*) AS n FROM users;
CREATE FUNCTION add_one(a int) RETURNS int LANGUAGE sql AS 'SELECT a + 1';
CREATE FUNCTION dropped_fn() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE PROCEDURE tidy() LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch();
CREATE SEQUENCE counter;
COMMENT ON TABLE users IS 'people';
CREATE POLICY own_orders ON orders USING (user_id = 1);
)";

// At least 30 kinds of change, each on its own object.
std::vector<DriftCase> postgres_cases() {
    return {
        {{"ALTER TABLE users ADD COLUMN phone text"}, {"added column public.users.phone"}},
        {{"ALTER TABLE users DROP COLUMN note"}, {"missing column public.users.note"}},
        {{"ALTER TABLE users ALTER COLUMN score TYPE numeric(12,2)"}, {"changed column public.users.score"}},
        {{"ALTER TABLE users ALTER COLUMN age SET DEFAULT 18"}, {"changed column public.users.age"}},
        {{"ALTER TABLE users ALTER COLUMN created DROP DEFAULT"}, {"changed column public.users.created"}},
        {{"ALTER TABLE users ALTER COLUMN name SET NOT NULL"}, {"changed column public.users.name"}},
        {{"ALTER TABLE users ALTER COLUMN nick DROP NOT NULL"}, {"changed column public.users.nick"}},
        {{"ALTER TABLE users ALTER COLUMN bio TYPE text COLLATE \"C\""}, {"changed column public.users.bio"}},
        {{"ALTER TABLE users RENAME COLUMN old_name TO new_name"},
         {"missing column public.users.old_name", "added column public.users.new_name"}},
        {{"CREATE INDEX users_name ON users (name)"}, {"added index public.users_name"}},
        {{"DROP INDEX orders_status"}, {"missing index public.orders_status"}},
        {{"DROP INDEX orders_user", "CREATE INDEX orders_user ON orders (user_id, total)"},
         {"changed index public.orders_user"}},
        {{"ALTER TABLE users DROP CONSTRAINT age_ok"}, {"missing constraint public.users.age_ok"}},
        {{"ALTER TABLE orders ADD CONSTRAINT total_ok CHECK (total > 0)"}, {"added constraint public.orders.total_ok"}},
        {{"ALTER TABLE orders DROP CONSTRAINT orders_user_id_fkey"},
         {"missing constraint public.orders.orders_user_id_fkey"}},
        {{"ALTER TABLE users ADD CONSTRAINT users_nick_key UNIQUE (nick)"},
         {"added constraint public.users.users_nick_key", "added index public.users_nick_key"}},
        {{"CREATE OR REPLACE VIEW active_users AS SELECT id, email FROM users WHERE age > 1"},
         {"changed view public.active_users"}},
        {{"DROP VIEW dropped_view"}, {"missing view public.dropped_view"}},
        {{"CREATE VIEW new_view AS SELECT 2 AS two"}, {"added view public.new_view"}},
        {{"DROP MATERIALIZED VIEW user_counts"}, {"missing view public.user_counts"}},
        {{"CREATE OR REPLACE FUNCTION add_one(a int) RETURNS int LANGUAGE sql AS 'SELECT a + 2'"},
         {"changed function public.add_one(a integer)"}},
        {{"CREATE FUNCTION new_fn() RETURNS int LANGUAGE sql AS 'SELECT 2'"}, {"added function public.new_fn()"}},
        {{"DROP FUNCTION dropped_fn()"}, {"missing function public.dropped_fn()"}},
        {{"CREATE OR REPLACE PROCEDURE tidy() LANGUAGE sql AS 'SELECT 2'"}, {"changed function public.tidy()"}},
        {{"ALTER TYPE mood ADD VALUE 'meh'"}, {"changed type public.mood"}},
        {{"ALTER DOMAIN posint ADD CONSTRAINT small CHECK (VALUE < 1000)"}, {"changed type public.posint"}},
        {{"ALTER TYPE pair ADD ATTRIBUTE c int"}, {"added column public.pair.c"}},
        {{"CREATE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch()"},
         {"added trigger public.orders.orders_touch"}},
        {{"DROP TRIGGER users_touch ON users"}, {"missing trigger public.users.users_touch"}},
        {{"CREATE TABLE audit_log (id int, what text)"}, {"added table public.audit_log"}},
        {{"DROP TABLE gone"}, {"missing table public.gone"}},
        {{"ALTER TABLE renamed RENAME TO renamed2"}, {"missing table public.renamed", "added table public.renamed2"}},
        {{"ALTER SEQUENCE counter INCREMENT BY 10"}, {"changed sequence public.counter"}},
        {{"ALTER TABLE orders ALTER COLUMN id SET INCREMENT BY 2"}, {"changed sequence public.orders_id_seq"}},
        {{"CREATE SEQUENCE new_seq"}, {"added sequence public.new_seq"}},
        {{"CREATE SCHEMA reporting"}, {"added schema reporting"}},
        {{"CREATE EXTENSION pg_trgm"}, {"added extension pg_trgm"}},
        {{"COMMENT ON TABLE users IS 'humans'"}, {"changed comment public.users"}},
        {{"ALTER TABLE users ENABLE ROW LEVEL SECURITY"}, {"changed table public.users"}},
        {{"CREATE POLICY all_orders ON orders USING (true)"}, {"added policy public.orders.all_orders"}},
        {{"ALTER TABLE app.things ADD COLUMN extra int"}, {"added column app.things.extra"}},
    };
}

// "sqlmig_drift_<hex>", as a report or an error names the scratch database; "" when none is named.
std::string scratch_named_in(const std::string& text) {
    const std::size_t at = text.find("sqlmig_drift_");
    return at == std::string::npos ? "" : text.substr(at, std::string("sqlmig_drift_").size() + 8);
}

void migrate(PgProject& p) {
    p.project.migration("001_schema.up.sql", k_schema);
    p.project.migration("002_more.up.sql", "ALTER TABLE app.things ADD COLUMN made int;\n");
    const Result up = p.run({"up"});
    ASSERT_EQ(up.code, 0) << up.err;
}

}  // namespace

TEST(DriftPostgres, ACleanDatabaseHasNoDriftAndNothingIsWritten) {
    PgProject p;
    migrate(p);
    const std::string rows_before = p.db.query("SELECT count(*) FROM sqlmig_migrations");
    const Result r = p.run({"drift"});
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_CONTAINS(r.out, "no drift: the database matches its 2 applied migrations\n");
    const Result json = p.run({"drift", "--json"});
    EXPECT_EQ(json.code, 0) << json.err;
    EXPECT_CONTAINS(json.out, "\"ok\": true");
    EXPECT_CONTAINS(json.out, "\"objects\": []");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM sqlmig_migrations"), rows_before);
    const std::string scratch = scratch_named_in(json.out);
    ASSERT_FALSE(scratch.empty()) << json.out;
    EXPECT_EQ(p.db.query("SELECT count(*) FROM pg_database WHERE datname = '" + scratch + "'"), "0")
        << "the scratch database is dropped";
}

TEST(DriftPostgres, EveryKindOfOutOfBandChangeIsFoundAndNamedWithNothingElse) {
    PgProject p;
    migrate(p);
    const auto cases = postgres_cases();
    ASSERT_GE(cases.size(), 30u);
    sqlmig::test::make_changes(cases, [&](const std::string& sql) { p.db.query(sql); });
    const Result r = p.run({"drift"});
    EXPECT_EQ(r.code, 3) << r.err;
    EXPECT_EQ(sqlmig::test::drift_headers(r.out), sqlmig::test::all_headers(cases)) << r.out;
    EXPECT_CONTAINS(r.out, "    - column public.users.age integer default 0\n");
    EXPECT_CONTAINS(r.out, "    + column public.users.age integer default 18\n");
    EXPECT_CONTAINS(r.out, "    - type public.mood e sad,happy\n    + type public.mood e sad,happy,meh\n");
    const Result json = p.run({"drift", "--json"});
    EXPECT_EQ(json.code, 3);
    EXPECT_CONTAINS(json.out, "\"ok\": false");
    EXPECT_CONTAINS(json.out, "\"kind\": \"policy\"");
}

TEST(DriftPostgres, IgnorePatternsFromTheConfigAndTheProjectFile) {
    PgProject p;
    migrate(p);
    p.db.query("CREATE EXTENSION hstore");
    p.db.query("CREATE SCHEMA audit");
    p.db.query("CREATE TABLE audit.log (id int)");
    p.db.query("CREATE INDEX users_name ON users (name)");
    p.db.query("ALTER TABLE app.things ADD COLUMN extra int");
    p.project.write_file("config.toml", "[database]\nurl = \"" + p.db.url() + "\"\n[drift]\nignore = [\"extension:*\"]\n");
    Result r = p.run({"drift"});
    EXPECT_EQ(r.code, 3);
    EXPECT_EQ(sqlmig::test::drift_headers(r.out),
              (std::set<std::string>{"added schema audit", "added table audit.log", "added index public.users_name",
                                     "added column app.things.extra"}))
        << r.out;
    EXPECT_CONTAINS(r.out, "; 1 more ignored");
    p.project.write_file(".sqlmig-drift-ignore", "# the DBA's audit schema\nschema:audit\n\npublic.users_*  # by hand\n"
                                                 "table:app.things\n");
    r = p.run({"drift"});
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_CONTAINS(r.out, "no drift: the database matches its 2 applied migrations; 5 more ignored");
}

TEST(DriftPostgres, ReplaysTheStoredSqlOfAnEditedOrMissingFileAndNamesAVersionWithNeither) {
    PgProject p;
    migrate(p);
    // Edited after it was applied: the tracking table's copy is what ran.
    p.project.migration("002_more.up.sql", "ALTER TABLE app.things ADD COLUMN made bigint;\n");
    Result r = p.run({"drift", "--json"});
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_CONTAINS(r.out, "\"replayed_from_stored_sql\": [\n    \"2\"\n  ]");
    std::filesystem::remove(p.project.dir() / "migrations" / "002_more.up.sql");
    r = p.run({"drift"});
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    p.db.query("UPDATE sqlmig_migrations SET up_sql = NULL WHERE version = '2'");
    r = p.run({"drift"});
    EXPECT_EQ(r.code, 2) << r.out;
    EXPECT_CONTAINS(r.err, "sqlmig: error: cannot replay version 2 (more): its file is not in the migrations folder, "
                           "and the tracking table keeps no SQL for it");
}

TEST(DriftPostgres, AReplayThatFailsNamesItsPositionAndLeavesNoScratchDatabase) {
    PgProject p;
    migrate(p);
    // Stored SQL that cannot run (as if the table was edited by hand): the replay fails at 1:1.
    std::filesystem::remove(p.project.dir() / "migrations" / "002_more.up.sql");
    p.db.query("UPDATE sqlmig_migrations SET up_sql = 'ALTER TABLE nosuch ADD COLUMN x int;' WHERE version = '2'");
    const Result r = p.run({"drift"});
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_CONTAINS(r.err, "cannot replay the applied migrations on the scratch database sqlmig_drift_");
    EXPECT_CONTAINS(r.err, "version 2 (as stored in the tracking table):1:1: ERROR: relation \"nosuch\" does not exist");
    EXPECT_EQ(r.err.find("rolled back"), std::string::npos) << "no word of the scratch database's state";
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM pg_database WHERE datname = '" + scratch_named_in(r.err) + "'"), "0")
        << "the scratch database is dropped";
}

// The migrations are written for the project's database: a scratch database of another kind is refused
// before anything is made, and a server that cannot be reached gets no advice about privileges.
TEST(DriftPostgres, AScratchUrlOfAnotherKindIsRefusedAndAnUnreachableServerGetsNoPrivilegeHint) {
    PgProject p;
    migrate(p);
    Result r = p.run({"drift", "--scratch-url", "sqlite:///elsewhere.db"});
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_CONTAINS(r.err, "sqlmig: error: --scratch-url: a sqlite database (sqlite:///elsewhere.db) cannot stand in "
                           "for this project's postgres database");
    EXPECT_FALSE(std::filesystem::exists(p.project.dir() / "elsewhere.db"));
    // lint --impact reads no live database: the scratch database's server is the first it reaches.
    p.project.write_file("config.toml", "[database]\nurl = \"postgres://app:hunter2@127.0.0.1:1/app\"\n");
    r = p.run({"lint", "--impact"});
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_CONTAINS(r.err, "cannot connect to PostgreSQL at postgres://app:***@127.0.0.1:1/app");
    EXPECT_NOT_CONTAINS(r.err, "privilege");
    EXPECT_NOT_CONTAINS(r.err, "hunter2");
}

TEST(DriftPostgres, WithoutCreatedbItSaysWhatIsMissingAndAReadOnlyUserCanUseAScratchUrl) {
    PgProject p;
    migrate(p);
    p.db.query("DROP ROLE IF EXISTS sqlmig_drift_reader");
    p.db.query("CREATE ROLE sqlmig_drift_reader LOGIN");
    p.db.query("GRANT SELECT ON ALL TABLES IN SCHEMA public TO sqlmig_drift_reader");
    const std::string url = p.db.url();
    const std::string as_reader = "postgres://sqlmig_drift_reader@" + url.substr(url.find('@') + 1);
    p.project.write_file("config.toml", "[database]\nurl = \"" + as_reader + "\"\n");
    Result r = p.run({"drift"});
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_CONTAINS(r.err, "cannot create the scratch database for drift");
    EXPECT_CONTAINS(r.err, "the user needs the CREATEDB privilege; or pass --scratch-url");
    EXPECT_EQ(r.out, "");
    // A read-only user reads the live side; the replay goes to a database given to it.
    sqlmig::test::PgDatabase scratch;
    r = p.run({"drift", "--scratch-url", scratch.url()});
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_CONTAINS(r.out, "no drift");
    // The same database given twice, or any with objects in it, is never replayed on.
    const std::string tables_before = p.db.query("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'");
    r = p.run({"drift", "--scratch-url", url});
    EXPECT_EQ(r.code, 2) << r.out << r.err;
    EXPECT_CONTAINS(r.err, "sqlmig: error: --scratch-url: postgres://");
    EXPECT_CONTAINS(r.err, "is not empty (");
    EXPECT_CONTAINS(r.err, "give an empty database to replay on");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), tables_before);
    p.db.query("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM sqlmig_drift_reader");
    p.db.query("DROP ROLE sqlmig_drift_reader");
}

TEST(DriftPostgres, AnUnknownIgnoreKindIsAnErrorNamingTheKey) {
    PgProject p;
    migrate(p);
    p.project.write_file("config.toml",
                         "[database]\nurl = \"" + p.db.url() + "\"\n[drift]\nignore = [\"extension:*\", \"tabel:x\"]\n");
    Result r = p.run({"drift"});
    EXPECT_EQ(r.code, 2);
    EXPECT_CONTAINS(r.err, "sqlmig: error: config.toml:4:");
    EXPECT_CONTAINS(r.err, "[drift] ignore: unknown object kind 'tabel' in pattern 'tabel:x'; expected one of schema,");
    p.project.write_file("config.toml", "[database]\nurl = \"" + p.db.url() + "\"\n");
    p.project.write_file(".sqlmig-drift-ignore", "extension:*\n\nviews:v\n");
    r = p.run({"drift"});
    EXPECT_EQ(r.code, 2);
    EXPECT_CONTAINS(r.err, "sqlmig: error: .sqlmig-drift-ignore:3: unknown object kind 'views'");
    EXPECT_EQ(r.out, "");
}

TEST(DriftPostgres, UpWithBeforeUpRefuseRunsNothingOnADriftedDatabase) {
    PgProject p;
    migrate(p);
    p.db.query("CREATE INDEX users_name ON users (name)");
    p.project.migration("003_next.up.sql", "CREATE TABLE next (id int);\n");
    p.project.write_file("config.toml",
                         "[database]\nurl = \"" + p.db.url() + "\"\n[drift]\nbefore_up = \"refuse\"\n");
    Result r = p.run({"up"});
    EXPECT_EQ(r.code, 3) << r.err;
    EXPECT_CONTAINS(r.err, "the database has drifted from its applied migrations (1 object differs");
    EXPECT_CONTAINS(r.err, "  added index public.users_name");
    EXPECT_CONTAINS(r.err, "nothing was run ([drift] before_up = \"refuse\")");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM sqlmig_migrations"), "2");
    EXPECT_EQ(p.db.query("SELECT to_regclass('next') IS NULL"), "t");
    p.project.write_file("config.toml", "[database]\nurl = \"" + p.db.url() + "\"\n[drift]\nbefore_up = \"warn\"\n");
    r = p.run({"up"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_CONTAINS(r.err, "sqlmig: warning: the database has drifted");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM sqlmig_migrations"), "3");
}

TEST(DriftPostgres, RealFoldersGiveNoDriftOnTheDatabasesTheyMake) {
    SQLMIG_REQUIRE_CORPUS(corpus);
    struct Folder {
        const char* dir;
        const char* format;
        bool pgcrypto;  // the folder expects it created beforehand, as its project does
    };
    for (const Folder& f : {Folder{"quickwit-postgres", "sqlmig", false}, Folder{"pocket-id-postgres", "sqlmig", false},
                            Folder{"ftl-dbmate", "dbmate", true}, Folder{"opentdf-goose", "goose", false},
                            Folder{"goalert-sqlmigrate", "sql-migrate", true}, Folder{"marquez-flyway", "flyway", false}}) {
        PgProject p("[migrations]\ndir = \"" + (corpus / f.dir).string() + "\"\nformat = \"" + f.format + "\"\n");
        if (f.pgcrypto) {
            p.db.query("CREATE EXTENSION IF NOT EXISTS pgcrypto");
        }
        const Result up = p.run({"up"});
        ASSERT_EQ(up.code, 0) << f.dir << ": " << up.err;
        const Result r = p.run({"drift"});
        EXPECT_EQ(r.code, 0) << f.dir << ": " << r.out << r.err;
        EXPECT_CONTAINS(r.out, "no drift");
    }
}

TEST(DriftPostgres, ASearchPathSchemaMadeByHandIsMadeOnTheScratchDatabaseToo) {
    PgProject p;
    p.db.query("CREATE SCHEMA by_hand");
    // by_migration is in the path too, and made by 001: it must not be made before the replay.
    p.project.write_file("config.toml", "[database]\nurl = \"" +
                                            sqlmig::test::with_search_path(p.db.url(), "by_hand,by_migration,public") +
                                            "\"\n");
    p.project.migration("001_a.up.sql", "CREATE SCHEMA by_migration;\nCREATE TABLE things (id int PRIMARY KEY);\n");
    p.project.migration("002_b.up.sql", "CREATE INDEX things_id ON things (id);\n");
    ASSERT_EQ(p.run({"up"}).code, 0);
    ASSERT_EQ(p.db.query("SELECT table_schema FROM information_schema.tables WHERE table_name = 'things'"), "by_hand");
    const Result clean = p.run({"drift"});
    EXPECT_EQ(clean.code, 0) << clean.out << clean.err;
    EXPECT_CONTAINS(clean.out, "no drift: the database matches its 2 applied migrations");
    p.db.query("ALTER TABLE by_hand.things ADD COLUMN note text");
    const Result drifted = p.run({"drift"});
    EXPECT_EQ(drifted.code, 3) << drifted.err;
    EXPECT_EQ(sqlmig::test::drift_headers(drifted.out), std::set<std::string>{"added column by_hand.things.note"});
}

// The path names one schema, made by hand: on a new scratch database the tracking table has nowhere to
// go until that schema is made (up made it there before the first migration ran).
TEST(DriftPostgres, ASearchPathOfOneSchemaMadeByHandWorksForEveryScratchCommand) {
    PgProject p;
    p.db.query("CREATE SCHEMA app");
    p.project.write_file("config.toml",
                         "[database]\nurl = \"" + sqlmig::test::with_search_path(p.db.url(), "app") + "\"\n");
    p.project.migration("001_a.up.sql", "CREATE TABLE things (id int PRIMARY KEY);\n");
    p.project.migration("001_a.down.sql", "DROP TABLE things;\n");
    p.project.migration("002_b.up.sql", "CREATE INDEX things_id ON things (id);\n");
    ASSERT_EQ(p.run({"up"}).code, 0);
    const Result clean = p.run({"drift"});
    EXPECT_EQ(clean.code, 0) << clean.out << clean.err;
    EXPECT_CONTAINS(clean.out, "no drift");
    p.db.query("ALTER TABLE app.things ADD COLUMN note text");
    const Result drifted = p.run({"drift"});
    EXPECT_EQ(drifted.code, 3) << drifted.err;
    EXPECT_EQ(sqlmig::test::drift_headers(drifted.out), std::set<std::string>{"added column app.things.note"});
    const Result verify = p.run({"verify"});
    EXPECT_EQ(verify.code, 0) << verify.out << verify.err;
    EXPECT_CONTAINS(verify.out, "1 reversible");
    const Result squash = p.run({"squash", "--to", "002", "--dry-run"});
    EXPECT_EQ(squash.code, 0) << squash.out << squash.err;
    const Result impact = p.run({"impact", "--no-live-stats"});
    EXPECT_EQ(impact.code, 0) << impact.out << impact.err;
}

TEST(DriftPostgres, FleetDriftDoesNotShareAReplayBetweenSearchPathsOfOtherSchemas) {
    sqlmig::test::PgDatabase plain;
    sqlmig::test::PgDatabase by_hand;
    by_hand.query("CREATE SCHEMA by_hand");
    sqlmig::test::Project project;
    project.write_file("config.toml", "[fleet]\ntargets = [\n  { name = \"plain\", url = \"" + plain.url() +
                                          "\" },\n  { name = \"by_hand\", url = \"" +
                                          sqlmig::test::with_search_path(by_hand.url(), "by_hand,public") +
                                          "\" } ]\n[backup]\nenabled = false\n");
    project.migration("001_a.up.sql", "CREATE TABLE things (id int PRIMARY KEY);\n");
    ASSERT_EQ(project.run({"fleet", "up"}).code, 0);
    ASSERT_EQ(by_hand.query("SELECT table_schema FROM information_schema.tables WHERE table_name = 'things'"),
              "by_hand");
    const Result r = project.run({"fleet", "drift"});
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    EXPECT_CONTAINS(r.out, "replays: 2 for 2 targets");
}
