// sqlmig impact on PostgreSQL: a catalogue of statements with the lock and the rewrite or scan
// that PostgreSQL's documentation gives for each (the ALTER TABLE, CREATE INDEX, CREATE TRIGGER,
// REINDEX, CLUSTER and "Explicit Locking" pages), and impact must report every one as documented.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "e2e/cli_test_support.hpp"
#include "e2e/impact_catalogue.hpp"
#include "e2e/pg_project.hpp"

using sqlmig::test::PgProject;
using sqlmig::test::Result;
using sqlmig::test::catalogue_table;
using sqlmig::test::with_table;
using sqlmig::test::write_catalogue;

namespace {

// What impact must report for a statement on one PostgreSQL version.
struct Expect {
    const char* lock;  // the strongest lock on the case's table ("" for none)
    const char* work;  // "none", "scan", "index_build", "rewrite"
};

// One case: its own table {t} (id int PRIMARY KEY, a int, b text, v varchar(10), three rows), what
// else it needs before (setup), the statement measured, and what each version's documentation says.
// Another version is one more column: add its Expect where it differs and list it in expectations().
struct Case {
    const char* setup;
    const char* statement;
    const char* relation;  // whose lock is checked, when not {t}
    Expect pg15;
};

// clang-format off
const Case k_catalogue[] = {
    // ADD COLUMN: a constant (or stable) default is stored in the catalog since PostgreSQL 11; a volatile one rewrites.
    {"", "ALTER TABLE {t} ADD COLUMN c int", "", {"ACCESS EXCLUSIVE", "none"}},
    {"", "ALTER TABLE {t} ADD COLUMN c int DEFAULT 5", "", {"ACCESS EXCLUSIVE", "none"}},
    {"", "ALTER TABLE {t} ADD COLUMN c timestamptz DEFAULT now()", "", {"ACCESS EXCLUSIVE", "none"}},
    {"", "ALTER TABLE {t} ADD COLUMN c float8 DEFAULT random()", "", {"ACCESS EXCLUSIVE", "rewrite"}},
    {"", "ALTER TABLE {t} ADD COLUMN c uuid DEFAULT gen_random_uuid()", "", {"ACCESS EXCLUSIVE", "rewrite"}},
    {"", "ALTER TABLE {t} ADD COLUMN c timestamptz DEFAULT clock_timestamp()", "", {"ACCESS EXCLUSIVE", "rewrite"}},
    {"", "ALTER TABLE {t} ADD COLUMN c serial", "", {"ACCESS EXCLUSIVE", "rewrite"}},
    {"", "ALTER TABLE {t} ADD COLUMN c int GENERATED ALWAYS AS (a * 2) STORED", "", {"ACCESS EXCLUSIVE", "rewrite"}},
    {"", "ALTER TABLE {t} DROP COLUMN b", "", {"ACCESS EXCLUSIVE", "none"}},
    // ALTER COLUMN TYPE: binary-coercible changes skip the rewrite (varchar widening, varchar -> text).
    {"", "ALTER TABLE {t} ALTER COLUMN v TYPE varchar(200)", "", {"ACCESS EXCLUSIVE", "none"}},
    {"", "ALTER TABLE {t} ALTER COLUMN v TYPE text", "", {"ACCESS EXCLUSIVE", "none"}},
    {"", "ALTER TABLE {t} ALTER COLUMN v TYPE varchar(5)", "", {"ACCESS EXCLUSIVE", "rewrite"}},
    {"", "ALTER TABLE {t} ALTER COLUMN a TYPE bigint", "", {"ACCESS EXCLUSIVE", "rewrite"}},
    {"", "ALTER TABLE {t} ALTER COLUMN a TYPE numeric", "", {"ACCESS EXCLUSIVE", "rewrite"}},
    {"", "ALTER TABLE {t} ALTER COLUMN a TYPE text", "", {"ACCESS EXCLUSIVE", "rewrite"}},
    {"", "ALTER TABLE {t} ALTER COLUMN a SET DEFAULT 1", "", {"ACCESS EXCLUSIVE", "none"}},
    {"ALTER TABLE {t} ALTER COLUMN a SET DEFAULT 1", "ALTER TABLE {t} ALTER COLUMN a DROP DEFAULT", "", {"ACCESS EXCLUSIVE", "none"}},
    // SET NOT NULL scans the table, unless a validated CHECK (col IS NOT NULL) proves it (PostgreSQL 12).
    {"", "ALTER TABLE {t} ALTER COLUMN a SET NOT NULL", "", {"ACCESS EXCLUSIVE", "scan"}},
    {"ALTER TABLE {t} ADD CONSTRAINT {t}_a_nn CHECK (a IS NOT NULL)", "ALTER TABLE {t} ALTER COLUMN a SET NOT NULL", "", {"ACCESS EXCLUSIVE", "none"}},
    {"ALTER TABLE {t} ADD CONSTRAINT {t}_a_nn CHECK (a IS NOT NULL) NOT VALID", "ALTER TABLE {t} ALTER COLUMN a SET NOT NULL", "", {"ACCESS EXCLUSIVE", "scan"}},
    {"ALTER TABLE {t} ALTER COLUMN a SET NOT NULL", "ALTER TABLE {t} ALTER COLUMN a DROP NOT NULL", "", {"ACCESS EXCLUSIVE", "none"}},
    {"", "ALTER TABLE {t} ALTER COLUMN a SET STATISTICS 500", "", {"SHARE UPDATE EXCLUSIVE", "none"}},
    {"", "ALTER TABLE {t} ALTER COLUMN a SET (n_distinct = 10)", "", {"SHARE UPDATE EXCLUSIVE", "none"}},
    {"", "ALTER TABLE {t} ALTER COLUMN b SET STORAGE EXTERNAL", "", {"ACCESS EXCLUSIVE", "none"}},
    // Constraints: NOT VALID skips the scan, VALIDATE scans under SHARE UPDATE EXCLUSIVE.
    {"", "ALTER TABLE {t} ADD CONSTRAINT {t}_pos CHECK (a > 0)", "", {"ACCESS EXCLUSIVE", "scan"}},
    {"", "ALTER TABLE {t} ADD CONSTRAINT {t}_pos CHECK (a > 0) NOT VALID", "", {"ACCESS EXCLUSIVE", "none"}},
    {"ALTER TABLE {t} ADD CONSTRAINT {t}_pos CHECK (a > 0) NOT VALID", "ALTER TABLE {t} VALIDATE CONSTRAINT {t}_pos", "", {"SHARE UPDATE EXCLUSIVE", "scan"}},
    {"CREATE TABLE {t}_p (id int PRIMARY KEY); INSERT INTO {t}_p SELECT generate_series(1, 3)", "ALTER TABLE {t} ADD CONSTRAINT {t}_fk FOREIGN KEY (a) REFERENCES {t}_p (id)", "", {"SHARE ROW EXCLUSIVE", "scan"}},
    {"CREATE TABLE {t}_p (id int PRIMARY KEY); INSERT INTO {t}_p SELECT generate_series(1, 3)", "ALTER TABLE {t} ADD CONSTRAINT {t}_fk FOREIGN KEY (a) REFERENCES {t}_p (id)", "{t}_p", {"SHARE ROW EXCLUSIVE", "scan"}},
    {"CREATE TABLE {t}_p (id int PRIMARY KEY); INSERT INTO {t}_p SELECT generate_series(1, 3)", "ALTER TABLE {t} ADD CONSTRAINT {t}_fk FOREIGN KEY (a) REFERENCES {t}_p (id) NOT VALID", "", {"SHARE ROW EXCLUSIVE", "none"}},
    {"CREATE TABLE {t}_p (id int PRIMARY KEY); INSERT INTO {t}_p SELECT generate_series(1, 3); ALTER TABLE {t} ADD CONSTRAINT {t}_fk FOREIGN KEY (a) REFERENCES {t}_p (id) NOT VALID",
     "ALTER TABLE {t} VALIDATE CONSTRAINT {t}_fk", "", {"SHARE UPDATE EXCLUSIVE", "scan"}},
    {"", "ALTER TABLE {t} ADD CONSTRAINT {t}_u UNIQUE (a)", "", {"ACCESS EXCLUSIVE", "index_build"}},
    {"CREATE UNIQUE INDEX {t}_a ON {t} (a)", "ALTER TABLE {t} ADD CONSTRAINT {t}_u UNIQUE USING INDEX {t}_a", "", {"ACCESS EXCLUSIVE", "none"}},
    {"ALTER TABLE {t} ADD CONSTRAINT {t}_pos CHECK (a > 0)", "ALTER TABLE {t} DROP CONSTRAINT {t}_pos", "", {"ACCESS EXCLUSIVE", "none"}},
    {"", "ALTER TABLE {t} RENAME COLUMN b TO b2", "", {"ACCESS EXCLUSIVE", "none"}},
    {"", "ALTER TABLE {t} RENAME TO {t}_renamed", "", {"ACCESS EXCLUSIVE", "none"}},
    // Storage parameters: SHARE UPDATE EXCLUSIVE for fillfactor and autovacuum; LOGGED/UNLOGGED rewrite.
    {"", "ALTER TABLE {t} SET (fillfactor = 70)", "", {"SHARE UPDATE EXCLUSIVE", "none"}},
    {"", "ALTER TABLE {t} SET (autovacuum_enabled = false)", "", {"SHARE UPDATE EXCLUSIVE", "none"}},
    {"", "ALTER TABLE {t} SET UNLOGGED", "", {"ACCESS EXCLUSIVE", "rewrite"}},
    {"ALTER TABLE {t} SET UNLOGGED", "ALTER TABLE {t} SET LOGGED", "", {"ACCESS EXCLUSIVE", "rewrite"}},
    {"", "ALTER TABLE {t} CLUSTER ON {t}_pkey", "", {"SHARE UPDATE EXCLUSIVE", "none"}},
    {"ALTER TABLE {t} CLUSTER ON {t}_pkey", "ALTER TABLE {t} SET WITHOUT CLUSTER", "", {"SHARE UPDATE EXCLUSIVE", "none"}},
    {"", "CLUSTER {t} USING {t}_pkey", "", {"ACCESS EXCLUSIVE", "rewrite"}},
    {"", "VACUUM FULL {t}", "", {"ACCESS EXCLUSIVE", "rewrite"}},
    {"", "ALTER TABLE {t} OWNER TO CURRENT_USER", "", {"ACCESS EXCLUSIVE", "none"}},
    // Indexes: CREATE INDEX blocks writes (SHARE), CONCURRENTLY does not (SHARE UPDATE EXCLUSIVE).
    {"", "CREATE INDEX {t}_a ON {t} (a)", "", {"SHARE", "index_build"}},
    {"", "CREATE UNIQUE INDEX {t}_a ON {t} (a)", "", {"SHARE", "index_build"}},
    {"", "CREATE INDEX CONCURRENTLY {t}_a ON {t} (a)", "", {"SHARE UPDATE EXCLUSIVE", "index_build"}},
    {"CREATE INDEX {t}_a ON {t} (a)", "DROP INDEX {t}_a", "", {"ACCESS EXCLUSIVE", "none"}},
    {"CREATE INDEX {t}_a ON {t} (a)", "DROP INDEX CONCURRENTLY {t}_a", "", {"SHARE UPDATE EXCLUSIVE", "none"}},
    {"CREATE INDEX {t}_a ON {t} (a)", "REINDEX INDEX {t}_a", "", {"SHARE", "index_build"}},
    {"CREATE INDEX {t}_a ON {t} (a)", "REINDEX INDEX CONCURRENTLY {t}_a", "", {"SHARE UPDATE EXCLUSIVE", "index_build"}},
    {"CREATE INDEX {t}_a ON {t} (a)", "ALTER INDEX {t}_a RENAME TO {t}_a2", "{t}_a", {"SHARE UPDATE EXCLUSIVE", "none"}},
    // Triggers: CREATE TRIGGER and ENABLE/DISABLE TRIGGER take SHARE ROW EXCLUSIVE.
    {"CREATE FUNCTION {t}_f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
     "CREATE TRIGGER {t}_tr BEFORE INSERT ON {t} FOR EACH ROW EXECUTE FUNCTION {t}_f()", "", {"SHARE ROW EXCLUSIVE", "none"}},
    {"CREATE FUNCTION {t}_f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$; "
     "CREATE TRIGGER {t}_tr BEFORE INSERT ON {t} FOR EACH ROW EXECUTE FUNCTION {t}_f()",
     "ALTER TABLE {t} DISABLE TRIGGER {t}_tr", "", {"SHARE ROW EXCLUSIVE", "none"}},
    {"CREATE FUNCTION {t}_f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$; "
     "CREATE TRIGGER {t}_tr BEFORE INSERT ON {t} FOR EACH ROW EXECUTE FUNCTION {t}_f()",
     "DROP TRIGGER {t}_tr ON {t}", "", {"ACCESS EXCLUSIVE", "none"}},
    // Row security, policies, comments.
    {"", "ALTER TABLE {t} ENABLE ROW LEVEL SECURITY", "", {"ACCESS EXCLUSIVE", "none"}},
    {"", "CREATE POLICY {t}_pol ON {t} USING (a > 0)", "", {"ACCESS EXCLUSIVE", "none"}},
    {"", "COMMENT ON TABLE {t} IS 'x'", "", {"SHARE UPDATE EXCLUSIVE", "none"}},
    // Enums: ADD VALUE runs inside a transaction since PostgreSQL 12 and locks no table.
    {"CREATE TYPE {t}_mood AS ENUM ('ok')", "ALTER TYPE {t}_mood ADD VALUE 'sad'", "", {"", "none"}},
    {"CREATE TYPE {t}_mood AS ENUM ('ok')", "ALTER TYPE {t}_mood RENAME VALUE 'ok' TO 'fine'", "", {"", "none"}},
    // Partitions: ATTACH takes SHARE UPDATE EXCLUSIVE on the parent and ACCESS EXCLUSIVE on the
    // partition, which it scans unless a validated CHECK proves the bound; DETACH takes ACCESS
    // EXCLUSIVE on both, or SHARE UPDATE EXCLUSIVE with CONCURRENTLY (PostgreSQL 14).
    {"CREATE TABLE {t}_parent (id int, a int, b text, v varchar(10)) PARTITION BY RANGE (id)",
     "ALTER TABLE {t}_parent ATTACH PARTITION {t} FOR VALUES FROM (1) TO (100)", "{t}_parent", {"SHARE UPDATE EXCLUSIVE", "scan"}},
    {"CREATE TABLE {t}_parent (id int, a int, b text, v varchar(10)) PARTITION BY RANGE (id)",
     "ALTER TABLE {t}_parent ATTACH PARTITION {t} FOR VALUES FROM (1) TO (100)", "", {"ACCESS EXCLUSIVE", "scan"}},
    {"CREATE TABLE {t}_parent (id int, a int, b text, v varchar(10)) PARTITION BY RANGE (id); "
     "ALTER TABLE {t} ADD CONSTRAINT {t}_bound CHECK (id IS NOT NULL AND id >= 1 AND id < 100)",
     "ALTER TABLE {t}_parent ATTACH PARTITION {t} FOR VALUES FROM (1) TO (100)", "", {"ACCESS EXCLUSIVE", "none"}},
    {"CREATE TABLE {t}_parent (id int, a int, b text, v varchar(10)) PARTITION BY RANGE (id); "
     "ALTER TABLE {t}_parent ATTACH PARTITION {t} FOR VALUES FROM (1) TO (100)",
     "ALTER TABLE {t}_parent DETACH PARTITION {t}", "{t}_parent", {"ACCESS EXCLUSIVE", "none"}},
    {"CREATE TABLE {t}_parent (id int, a int, b text, v varchar(10)) PARTITION BY RANGE (id); "
     "ALTER TABLE {t}_parent ATTACH PARTITION {t} FOR VALUES FROM (1) TO (100)",
     "ALTER TABLE {t}_parent DETACH PARTITION {t} CONCURRENTLY", "{t}_parent", {"SHARE UPDATE EXCLUSIVE", "none"}},
    // Tables and views that read or reference {t}.
    {"", "CREATE TABLE {t}_new (id int)", "", {"", "none"}},
    {"", "CREATE TABLE {t}_child (id int REFERENCES {t} (id))", "", {"SHARE ROW EXCLUSIVE", "none"}},
    {"", "CREATE VIEW {t}_v AS SELECT * FROM {t}", "", {"ACCESS SHARE", "none"}},
    {"", "CREATE MATERIALIZED VIEW {t}_mv AS SELECT * FROM {t}", "", {"ACCESS SHARE", "scan"}},
    {"CREATE MATERIALIZED VIEW {t}_mv AS SELECT * FROM {t}", "REFRESH MATERIALIZED VIEW {t}_mv", "{t}_mv", {"ACCESS EXCLUSIVE", "rewrite"}},
    {"", "DROP TABLE {t}", "", {"ACCESS EXCLUSIVE", "none"}},
    {"", "TRUNCATE {t}", "", {"ACCESS EXCLUSIVE", "none"}},
    // Data changes take ROW EXCLUSIVE; an UPDATE without WHERE reads the whole table.
    {"", "UPDATE {t} SET a = a + 1", "", {"ROW EXCLUSIVE", "scan"}},
    {"", "INSERT INTO {t} VALUES (100, 1, 'x', 'y')", "", {"ROW EXCLUSIVE", "none"}},
    {"", "LOCK TABLE {t} IN SHARE MODE", "", {"SHARE", "none"}},
    {"", "LOCK TABLE {t} IN EXCLUSIVE MODE", "", {"EXCLUSIVE", "none"}},
};
// clang-format on

int pg_major(const PgProject& p) {
    return std::stoi(p.db.query("SHOW server_version_num")) / 10000;
}

Expect expectation(const Case& c, int major) {
    EXPECT_EQ(major, 15) << "the catalogue lists PostgreSQL 15's documented locks; add a column for " << major;
    return c.pg15;
}

// The strongest lock impact reported on a relation, "" for none.
std::string lock_on(const nlohmann::json& statement, const std::string& relation) {
    for (const auto& lock : statement["locks"]) {
        if (lock["relation"] == "public." + relation) {
            return lock["mode"];
        }
    }
    return "";
}

}  // namespace

TEST(ImpactPostgres, ReportsTheDocumentedLockAndRewriteOfEveryStatementOfTheCatalogue) {
    PgProject p;
    write_catalogue(p.project, k_catalogue,
                    "CREATE TABLE {t} (id int PRIMARY KEY, a int, b text, v varchar(10));\n"
                    "INSERT INTO {t} SELECT g, g, 'x', 'y' FROM generate_series(1, 3) AS g;\n",
                    "-- sqlmig:no-transaction\n");  // line i + 2 holds case i
    const Result r = p.run({"impact", "--no-live-stats", "--from", "1", "--json"});
    ASSERT_EQ(r.code, 0) << r.err << r.out;
    const auto doc = nlohmann::json::parse(r.out);
    const auto& measured = doc["statements"];
    ASSERT_EQ(measured.size(), std::size(k_catalogue));
    const int major = pg_major(p);
    std::size_t right = 0;
    for (std::size_t i = 0; i < std::size(k_catalogue); ++i) {
        const Case& c = k_catalogue[i];
        const auto& s = measured[i];
        EXPECT_EQ(s["line"], i + 2);
        const std::string t = catalogue_table(i);
        const std::string relation = *c.relation ? with_table(c.relation, t) : t;
        const Expect want = expectation(c, major);
        const bool ok = lock_on(s, relation) == want.lock && s["work"] == want.work;
        right += ok;
        EXPECT_TRUE(ok) << with_table(c.statement, t) << ": expected " << (*want.lock ? want.lock : "no lock")
                        << " on " << relation << " and " << want.work << ", impact reported "
                        << s["locks"].dump() << " and " << s["work"];
    }
    EXPECT_EQ(right, std::size(k_catalogue)) << "of " << std::size(k_catalogue) << " statements";
    EXPECT_GE(std::size(k_catalogue), 50u);
}

namespace {

// A role that may connect and read the tracking table (when `reads_tracking`), in sessions that
// cannot write (default_transaction_read_only), without CREATEDB; dropped at the end.
class ReadOnlyRole {
public:
    ReadOnlyRole(const PgProject& p, bool reads_tracking)
        : m_p(p), m_name(p.db.name() + (reads_tracking ? "_ro" : "_blind")) {
        p.db.query("DROP ROLE IF EXISTS " + m_name);
        p.db.query("CREATE ROLE " + m_name + " LOGIN PASSWORD 'pw'");
        p.db.query("ALTER ROLE " + m_name + " SET default_transaction_read_only = on");
        p.db.query("GRANT CONNECT ON DATABASE " + p.db.name() + " TO " + m_name);
        if (reads_tracking) {
            p.db.query("GRANT SELECT ON sqlmig_migrations, sqlmig_migrations_layout TO " + m_name);
        }
    }
    ~ReadOnlyRole() {
        try {
            m_p.db.query("DROP OWNED BY " + m_name);
            m_p.db.query("DROP ROLE " + m_name);
        } catch (const std::exception&) {
        }
    }
    // The project database's URL as this role.
    std::string url() const {
        const std::string& admin = m_p.db.url();
        const std::size_t at = admin.find('@');
        return "postgres://" + m_name + ":pw" + admin.substr(at);
    }

private:
    const PgProject& m_p;
    std::string m_name;
};

void orders_project(PgProject& p) {
    p.project.migration("001_orders.up.sql", "CREATE TABLE orders (id bigint PRIMARY KEY, total int, note text);\n");
    p.project.migration("002_orders.up.sql", "ALTER TABLE orders ALTER COLUMN total TYPE bigint;\n"
                                             "ALTER TABLE orders ADD COLUMN paid boolean DEFAULT false;\n"
                                             "ALTER TABLE orders ADD COLUMN created timestamptz DEFAULT now();\n");
    ASSERT_EQ(p.run({"up", "1"}).code, 0);
    p.db.query("INSERT INTO orders SELECT g, g, md5(g::text) FROM generate_series(1, 50000) AS g");
    p.db.query("ANALYZE orders");
}

}  // namespace

TEST(ImpactPostgres, ScalesByTheLiveSizesReadAsAReadOnlyUserAndLeavesTheLiveDatabaseUntouched) {
    PgProject p;
    orders_project(p);
    const std::string schema_before = p.db.query(
        "SELECT string_agg(column_name || ' ' || data_type, ',' ORDER BY column_name) FROM information_schema.columns "
        "WHERE table_name = 'orders'");
    ReadOnlyRole ro(p, true);
    sqlmig::test::PgDatabase scratch;  // the read-only role cannot create one
    const Result r = p.run({"impact", "--database", ro.url(), "--scratch-url", scratch.url()});
    ASSERT_EQ(r.code, 0) << r.err << r.out;
    EXPECT_CONTAINS(r.out, "migrations/002_orders.up.sql:1: ALTER TABLE orders ALTER COLUMN total TYPE bigint \u2014 "
                           "ACCESS EXCLUSIVE on orders (blocks reads and writes), rewrite (");
    EXPECT_CONTAINS(r.out, "50.0 k rows), about ");
    EXPECT_CONTAINS(r.out, "migrations/002_orders.up.sql:2: ALTER TABLE orders ADD COLUMN paid boolean DEFAULT false "
                           "\u2014 ACCESS EXCLUSIVE on orders (blocks reads and writes), no rewrite (");
    // lint guesses that now() rewrites the table; measured, it does not (PostgreSQL 11 and later).
    EXPECT_CONTAINS(r.out, "migrations/002_orders.up.sql:3: ALTER TABLE orders ADD COLUMN created timestamptz DEFAULT "
                           "now() \u2014 ACCESS EXCLUSIVE on orders (blocks reads and writes), no rewrite (");
    EXPECT_CONTAINS(r.out, "\n    lint's add-column-volatile-default does not hold here: no rewrite measured\n");
    EXPECT_EQ(r.out.find("lint's alter-column-type"), std::string::npos) << "confirmed on line 1: not repeated";
    EXPECT_CONTAINS(r.out, "3 statements in 1 pending migrations: 3 block reads, 3 block writes, 1 rewrite a table");
    EXPECT_CONTAINS(r.out, "estimates from throughputs measured on the scratch database's server (200000 rows");
    EXPECT_EQ(p.versions(), "1") << "nothing recorded on the live database";
    EXPECT_EQ(p.db.query("SELECT string_agg(column_name || ' ' || data_type, ',' ORDER BY column_name) FROM "
                         "information_schema.columns WHERE table_name = 'orders'"),
              schema_before);
    EXPECT_EQ(scratch.query("SELECT count(*) FROM pg_class WHERE relname = 'sqlmig_impact_calibration'"), "0");
}

TEST(ImpactPostgres, BudgetsRefuseWithExitThreeAndTheJsonSaysWhy) {
    PgProject p("[impact]\nrewrite = \"refuse\"\nmax_access_exclusive = \"1ms\"\nbefore_up = true\n");
    orders_project(p);  // its `up 1` creates a table: within the budgets
    const Result up = p.run({"up"});
    EXPECT_EQ(up.code, 3) << up.err;
    EXPECT_CONTAINS(up.err, "sqlmig: error: ");
    // true, as configs of the last release say it, is "refuse".
    EXPECT_CONTAINS(up.err, " pending statement(s) over the [impact] budgets ([impact] before_up = \"refuse\"); "
                            "nothing was run:\n  migrations/002_orders.up.sql:1: [impact] max_access_exclusive");
    EXPECT_EQ(p.versions(), "1");
    const Result r = p.run({"impact"});
    EXPECT_EQ(r.code, 3) << r.err << r.out;
    EXPECT_CONTAINS(r.out, "over budget: migrations/002_orders.up.sql:1: [impact] rewrite: rewrites public.orders\n");
    EXPECT_CONTAINS(r.out, "over budget: migrations/002_orders.up.sql:1: [impact] max_access_exclusive: ACCESS "
                           "EXCLUSIVE on public.orders held about ");
    const Result json = p.run({"impact", "--json"});
    EXPECT_EQ(json.code, 3);
    const auto doc = nlohmann::json::parse(json.out);
    EXPECT_EQ(doc["ok"], false);
    EXPECT_EQ(doc["statements"][0]["work"], "rewrite");
    EXPECT_EQ(doc["statements"][0]["live"]["rows"], 50000);
    EXPECT_GT(doc["statements"][0]["estimate_ms"].get<long>(), 0);
    // Line 1 is over both; line 2 (catalog only) too when the loaded machine took over 1 ms for it.
    ASSERT_GE(doc["over_budget"].size(), 2u);
    EXPECT_EQ(doc["over_budget"][0]["budget"], "max_access_exclusive");
    EXPECT_EQ(doc["over_budget"][0]["line"], 1);
    EXPECT_EQ(doc["over_budget"][1]["budget"], "rewrite");
    EXPECT_EQ(doc["over_budget"][1]["line"], 1);
    // Without live sizes the rewrite is still refused; the scratch database is dropped.
    const Result offline = p.run({"impact", "--no-live-stats", "--from", "1"});
    EXPECT_EQ(offline.code, 3) << offline.err;
    EXPECT_CONTAINS(offline.out, "no live sizes read (--no-live-stats)");
    const std::size_t at = offline.err.find("sqlmig_impact_");
    ASSERT_NE(at, std::string::npos) << offline.err;
    const std::string name = offline.err.substr(at, offline.err.find(' ', at) - at);
    EXPECT_EQ(p.db.query("SELECT count(*) FROM pg_database WHERE datname = '" + name + "'"), "0");
}

TEST(ImpactPostgres, BeforeUpRefusesBeforeAnythingRunsOrWarnsAndGoesOn) {
    PgProject p("[impact]\nrewrite = \"refuse\"\nbefore_up = \"refuse\"\n");
    orders_project(p);
    const Result refused = p.run({"up", "--no-backup"});
    EXPECT_EQ(refused.code, 3) << refused.err;
    EXPECT_CONTAINS(refused.err, "sqlmig: error: 1 pending statement(s) over the [impact] budgets ([impact] "
                                 "before_up = \"refuse\"); nothing was run:\n  migrations/002_orders.up.sql:1: "
                                 "[impact] rewrite: rewrites public.orders");
    EXPECT_EQ(p.versions(), "1");
    EXPECT_EQ(p.db.query("SELECT data_type FROM information_schema.columns WHERE table_name = 'orders' AND "
                         "column_name = 'total'"),
              "integer");
    p.project.write_file("config.toml", "[database]\nurl = \"" + p.db.url() +
                                            "\"\n[impact]\nrewrite = \"refuse\"\nbefore_up = \"warn\"\n");
    const Result warned = p.run({"up", "--no-backup"});
    ASSERT_EQ(warned.code, 0) << warned.err;
    EXPECT_CONTAINS(warned.err, "1 pending statement(s) over the [impact] budgets ([impact] before_up = \"warn\"); "
                                "running them anyway:\n  migrations/002_orders.up.sql:1: [impact] rewrite: rewrites "
                                "public.orders");
    // The scratch database's replay of 001 is not logged as if the live database were migrated again.
    EXPECT_NOT_CONTAINS(warned.err, "applying migrations/001_orders.up.sql");
    EXPECT_CONTAINS(warned.err, "applying migrations/002_orders.up.sql");
    EXPECT_EQ(p.versions(), "1,2");
}

// An interrupted migration runs again from its journal's statement: only what is still to run is
// measured, on a scratch database that has the statements the journal counts applied.
TEST(ImpactPostgres, MeasuresOnlyWhatAnInterruptedMigrationStillRuns) {
    PgProject p;
    p.project.migration("001_orders.up.sql", "CREATE TABLE orders (id bigint PRIMARY KEY, total int);\n");
    p.project.migration("002_orders.up.sql", "-- sqlmig:no-transaction\nALTER TABLE orders ADD COLUMN paid int;\n"
                                             "ALTER TABLE orders ALTER COLUMN total TYPE bigint;\n"
                                             "CREATE INDEX orders_paid ON orders (paid);\n");
    ASSERT_EQ(p.run({"up", "--no-backup"}).code, 0);
    // As if killed after the first statement: the other two undone, the row running with its journal.
    p.db.query("DROP INDEX orders_paid");
    p.db.query("ALTER TABLE orders ALTER COLUMN total TYPE int");
    for (const char* state : {"running", "failed"}) {
        p.db.query(std::string("UPDATE sqlmig_migrations SET state = '") + state +
                   "', statements_done = 1, journal_checksum = checksum WHERE version = '2'");
        const Result r = p.run({"impact", "--json"});
        ASSERT_EQ(r.code, 0) << state << ": " << r.err;
        const auto doc = nlohmann::json::parse(r.out);
        EXPECT_EQ(doc["pending"], 1) << state;
        // The index on paid builds on the scratch only because the journal's statement was applied there.
        ASSERT_EQ(doc["statements"].size(), 2u) << state << ": " << r.out;
        EXPECT_EQ(doc["statements"][0]["line"], 3);
        EXPECT_EQ(doc["statements"][0]["work"], "rewrite");
        EXPECT_EQ(doc["statements"][0]["note"],
                  "the interrupted run resumes here: the 1 statement(s) before it committed (its journal)");
        EXPECT_EQ(doc["statements"][1]["line"], 4);
        EXPECT_EQ(doc["statements"][1]["work"], "index_build");
    }
    const Result text = p.run({"impact"});
    EXPECT_EQ(text.out.find("ADD COLUMN paid"), std::string::npos) << text.out;
    EXPECT_CONTAINS(text.out, "2 statements in 1 pending migrations");
}

// lint --impact: where impact measures a lock rule's claim, the measurement replaces the guess; a
// guess it contradicts is a note, which neither counts as a warning nor fails --strict.
TEST(ImpactPostgres, LintWithImpactReplacesTheLockRulesGuessesByTheMeasurement) {
    PgProject p;
    p.project.migration("001_orders.up.sql",
                        "CREATE TABLE orders (id bigint PRIMARY KEY, total int, note varchar(100));\n");
    p.project.migration("002_orders.up.sql", "ALTER TABLE orders ALTER COLUMN total TYPE bigint;\n"
                                             "ALTER TABLE orders ADD COLUMN created timestamptz DEFAULT now();\n"
                                             "ALTER TABLE orders ALTER COLUMN note TYPE varchar(200);\n"
                                             "ALTER TABLE orders DROP COLUMN note;\n");
    const std::string file = (p.project.dir() / "migrations/002_orders.up.sql").string();
    const Result guessed = p.run({"lint", file});
    EXPECT_EQ(guessed.code, 0) << guessed.err;
    EXPECT_CONTAINS(guessed.out, "002_orders.up.sql:3:38: warning: changing a column's type rewrites orders");
    EXPECT_CONTAINS(guessed.out, "0 error(s), 6 warning(s) in 1 migration(s)\n");
    const Result r = p.run({"lint", "--impact", file});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_CONTAINS(r.out, "002_orders.up.sql:1:39: warning: measured on a scratch database: ACCESS EXCLUSIVE on "
                           "orders (blocks reads and writes), rewrite; add a new column and backfill it instead "
                           "[alter-column-type]\n");
    EXPECT_CONTAINS(r.out, "002_orders.up.sql:2:59: note: lint's guess does not hold here: no rewrite measured on a "
                           "scratch database (ACCESS EXCLUSIVE on orders (blocks reads and writes), no rewrite) "
                           "[add-column-volatile-default]\n");
    EXPECT_CONTAINS(r.out, "002_orders.up.sql:3:38: note: lint's guess does not hold here: no rewrite measured");
    // A rule impact does not measure keeps its text.
    EXPECT_CONTAINS(r.out, "002_orders.up.sql:4:1: warning: renaming or dropping a column of orders breaks the code");
    EXPECT_CONTAINS(r.out, "0 error(s), 4 warning(s) in 1 migration(s); measured on a scratch database: 1 guess(es) "
                           "confirmed, 2 contradicted (note)\n");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM pg_class WHERE relname IN ('orders', 'sqlmig_migrations')"), "0")
        << "the configured database is not touched: the scratch is another database";
    const Result json = p.run({"lint", "--impact", "--json", file});
    ASSERT_EQ(json.code, 0) << json.err;
    const auto doc = nlohmann::json::parse(json.out);
    EXPECT_EQ(doc["warnings"], 4);
    EXPECT_EQ(doc["notes"], 2);
    std::map<std::string, std::string> measured;  // line:rule -> severity/measured
    for (const auto& f : doc["findings"]) {
        measured[std::to_string(f["line"].get<int>()) + ":" + f["rule"].get<std::string>()] =
            f["severity"].get<std::string>() + "/" + f["measured"].get<std::string>();
    }
    EXPECT_EQ(measured["1:alter-column-type"], "warning/confirmed");
    EXPECT_EQ(measured["2:add-column-volatile-default"], "note/contradicted");
    EXPECT_EQ(measured["3:alter-column-type"], "note/contradicted");
    EXPECT_EQ(measured["4:rename-or-drop"], "warning/guessed");
    EXPECT_EQ(p.run({"lint", "--impact", "--strict", file}).code, 3) << "the warnings left still fail --strict";
    const Result both = p.run({"lint", "--impact", "--dialect", "sqlite", file});
    EXPECT_EQ(both.code, 2);
    EXPECT_CONTAINS(both.err, "sqlmig: error: ");
}

TEST(ImpactPostgres, BadInputIsOneErrorLineWithItsExitCode) {
    PgProject p;
    orders_project(p);
    const Result target = p.run({"impact", "999"});
    EXPECT_EQ(target.code, 2);
    EXPECT_CONTAINS(target.err, "sqlmig: error: ");
    EXPECT_CONTAINS(target.err, "999");
    const Result from = p.run({"impact", "--no-live-stats", "--from", "7"});
    EXPECT_EQ(from.code, 2);
    EXPECT_CONTAINS(from.err, "sqlmig: error: invalid --from '7'; expected a version of the migrations folder");
    ReadOnlyRole ro(p, true);
    const Result no_createdb = p.run({"impact", "--database", ro.url()});
    EXPECT_EQ(no_createdb.code, 1);
    EXPECT_CONTAINS(no_createdb.err, "sqlmig: error: cannot create the scratch database for impact on ");
    EXPECT_CONTAINS(no_createdb.err, "the user needs the CREATEDB privilege; or pass --scratch-url URL");
    EXPECT_EQ(no_createdb.err.find(":pw@"), std::string::npos) << "no password in the message";
    ReadOnlyRole blind(p, false);
    const Result unreadable = p.run({"impact", "--database", blind.url()});
    EXPECT_EQ(unreadable.code, 1);
    EXPECT_CONTAINS(unreadable.err, "sqlmig: error: ");
    EXPECT_CONTAINS(unreadable.err, "permission denied");
    EXPECT_EQ(p.versions(), "1");
}

TEST(ImpactPostgres, MeasuresTheRealFoldersOfTheCorpus) {
    SQLMIG_REQUIRE_CORPUS(corpus);
    {
        // quickwit: half applied, the rest measured against the live sizes.
        PgProject p("[migrations]\ndir = \"" + (corpus / "quickwit-postgres").string() + "\"\n");
        ASSERT_EQ(p.run({"up", "14"}).code, 0);
        const Result r = p.run({"impact"});
        ASSERT_EQ(r.code, 0) << r.err;
        EXPECT_CONTAINS(r.out, "quickwit-postgres/28_create-sketch-splits.up.sql:67: CREATE INDEX idx_sketch_splits_time "
                               "ON sketch_splits (time_range_start, time_range_end) \u2014 SHARE on sketch_splits "
                               "(blocks writes), index build");
        EXPECT_CONTAINS(r.out, "statements in 14 pending migrations");
        EXPECT_EQ(p.versions(), "1,2,3,4,5,6,7,8,9,10,11,12,13,14");
    }
    {
        // pocket-id: nothing applied; its own BEGIN/COMMIT files are measured statement by statement.
        PgProject p("[migrations]\ndir = \"" + (corpus / "pocket-id-postgres").string() + "\"\n");
        const Result r = p.run({"impact", "--no-live-stats", "--json"});
        ASSERT_EQ(r.code, 0) << r.err;
        const auto doc = nlohmann::json::parse(r.out);
        EXPECT_EQ(doc["pending"], 64);
        bool found = false;
        for (const auto& s : doc["statements"]) {
            if (s["file"].get<std::string>().ends_with("20250824164821_client_id_type.up.sql") && s["line"] == 34) {
                found = true;
                EXPECT_EQ(s["work"], "rewrite");
                EXPECT_EQ(s["locks"][0]["mode"], "ACCESS EXCLUSIVE");
                EXPECT_EQ(s["locks"][0]["relation"], "public.oidc_clients");
            }
        }
        EXPECT_TRUE(found) << r.out.substr(0, 2000);
    }
}

// A statement that works on a table existing before it: it must report the lock it took there.
bool touches_an_existing_table(const std::string& statement) {
    for (const char* start : {"ALTER TABLE", "CREATE INDEX", "CREATE UNIQUE INDEX", "INSERT", "UPDATE", "DELETE"}) {
        if (statement.starts_with(start)) {
            return true;
        }
    }
    return false;
}

TEST(ImpactPostgres, MeasuresEveryStatementOfACorpusFolderFromAnEmptyDatabase) {
    SQLMIG_REQUIRE_CORPUS(corpus);
    PgProject p("[migrations]\ndir = \"" + (corpus / "quickwit-postgres").string() + "\"\n");
    const Result r = p.run({"impact", "--json"});  // live stats read from a database with no tracking table
    ASSERT_EQ(r.code, 0) << r.err;
    const auto doc = nlohmann::json::parse(r.out);
    EXPECT_EQ(doc["pending"], 28) << "every migration of the folder";
    EXPECT_EQ(doc["statements"].size(), 96u);
    std::size_t locked = 0;
    for (const auto& s : doc["statements"]) {
        const std::string text = s["statement"];
        ASSERT_TRUE(s["locks"].is_array()) << text;
        if (touches_an_existing_table(text)) {
            EXPECT_FALSE(s["locks"].empty()) << s["file"] << ":" << s["line"] << ": " << text;
        }
        locked += !s["locks"].empty();
    }
    // The others create what they use (a table, a function, a type) or drop what is not there (IF EXISTS).
    EXPECT_EQ(locked, 80u);
    const Result text = p.run({"impact"});
    ASSERT_EQ(text.code, 0) << text.err;
    EXPECT_CONTAINS(text.out, "96 statements in 28 pending migrations");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM pg_class WHERE relname IN ('sqlmig_migrations', 'splits')"), "0")
        << "the live database is only read";
    // One of its files linted alone, as a pull request's: the guess is measured and confirmed.
    const std::string pull_request = (corpus / "quickwit-postgres/22_change-splits-pkey.up.sql").string();
    const Result lint = p.run({"lint", "--impact", pull_request});
    EXPECT_EQ(lint.code, 0) << lint.err;
    EXPECT_CONTAINS(lint.out, "22_change-splits-pkey.up.sql:1:49: warning: measured on a scratch database: ACCESS "
                              "EXCLUSIVE on splits (blocks reads and writes), index build; CREATE UNIQUE INDEX "
                              "CONCURRENTLY first, then ADD ... USING INDEX [add-key-without-index]\n");
}

