// After a crash, up resumes a migration that is not one transaction where its statement journal
// says it stopped (docs/migrations.md, "After a crash"). Each case is the state a kill leaves: the
// tracking row `running` with the journal before the statement in flight, and that statement's
// effect either committed or not. up must converge alone wherever the database can tell, and stop
// at that one statement where it cannot. Real kills are in scripts/reliability and
// cli_postgres_faults_test.cpp.

#include <gtest/gtest.h>

#include <functional>

#include "e2e/cli_test_support.hpp"
#include "e2e/mariadb_project.hpp"
#include "e2e/pg_project.hpp"

using sqlmig::test::MariadbProject;
using sqlmig::test::PgProject;
using sqlmig::test::Project;
using sqlmig::test::Result;

namespace {

enum class Expect { resumes, stops };
enum class InFlight { committed, not_committed };

struct Case {
    const char* statement;  // the statement in flight, the second of the file
    const char* undo;       // what takes its effect away ("" when it has none to undo)
    const char* check;      // a query that gives "1" once the statement's effect is there
    Expect expect;
};

// The database under test, whatever its kind.
struct Target {
    Project& project;
    std::function<std::string(const std::string&)> query;
    std::function<void(const std::string&)> exec;
};

const char* const k_base = "CREATE TABLE base (x int, a int);\nCREATE TABLE doomed (x int);\n"
                           "INSERT INTO base VALUES (1, 1);\n";

void check_case(Target t, const Case& c, InFlight in_flight) {
    SCOPED_TRACE(std::string(c.statement) + (in_flight == InFlight::committed ? " (committed)" : " (not committed)"));
    t.project.migration("001_base.up.sql", k_base);
    t.project.migration("002_k.up.sql", std::string("-- sqlmig:no-transaction\nCREATE TABLE m1 (x int);\n") +
                                            c.statement + "\nCREATE TABLE m3 (x int);\n");
    const Result first = t.project.run({"up", "--no-backup"});
    ASSERT_EQ(first.code, 0) << first.err;
    // The state a kill leaves: the first statement recorded, the second in flight, the third not run.
    t.exec("DROP TABLE m3");
    if (in_flight == InFlight::not_committed && *c.undo) {
        t.exec(c.undo);
    }
    // The journal of an up counts the up file, whose checksum the row records.
    t.exec("UPDATE sqlmig_migrations SET state = 'running', statements_done = 1, journal_checksum = checksum "
           "WHERE version = '2'");
    const Result up = t.project.run({"up", "--no-backup"});
    if (c.expect == Expect::stops) {
        EXPECT_EQ(up.code, 1) << up.err;
        EXPECT_CONTAINS(up.err, "interrupted while running the statement at migrations/002_k.up.sql:3:1");
        EXPECT_EQ(t.query("SELECT state FROM sqlmig_migrations WHERE version = '2'"), "failed");
        return;
    }
    ASSERT_EQ(up.code, 0) << up.err;
    EXPECT_CONTAINS(up.err, "resuming 002_k at its statement 2");
    EXPECT_EQ(t.query("SELECT state FROM sqlmig_migrations WHERE version = '2'"), "applied");
    EXPECT_EQ(t.query(c.check), "1");
    EXPECT_EQ(t.query("SELECT count(*) FROM m3"), "0");  // the statement after it ran, once
}




}  // namespace

#if defined(SQLMIG_E2E_SUITE_sqlite)
namespace {
const Case k_sqlite[] = {
    {"CREATE TABLE k (x int);", "DROP TABLE k", "SELECT count(*) FROM sqlite_master WHERE name = 'k'", Expect::resumes},
    {"ALTER TABLE base ADD COLUMN c int;", "ALTER TABLE base DROP COLUMN c",
     "SELECT count(*) FROM pragma_table_info('base') WHERE name = 'c'", Expect::resumes},
    {"ALTER TABLE base RENAME COLUMN a TO b;", "ALTER TABLE base RENAME COLUMN b TO a",
     "SELECT count(*) FROM pragma_table_info('base') WHERE name = 'b'", Expect::resumes},
    {"DROP TABLE doomed;", "CREATE TABLE doomed (x int)",
     "SELECT count(*) + 1 FROM sqlite_master WHERE name = 'doomed'", Expect::resumes},
    {"CREATE VIEW v AS SELECT x FROM base;", "DROP VIEW v", "SELECT count(*) FROM sqlite_master WHERE name = 'v'",
     Expect::resumes},
    {"CREATE INDEX k_i ON base (x);", "DROP INDEX k_i", "SELECT count(*) FROM sqlite_master WHERE name = 'k_i'",
     Expect::resumes},
    // Commits with its journal entry (every SQLite statement does but VACUUM, ATTACH and PRAGMAs).
    {"UPDATE base SET x = 2;", "UPDATE base SET x = 1", "SELECT count(*) FROM base WHERE x = 2", Expect::resumes},
};
}  // namespace

TEST(Resume, EachKindOfStatementInFlightOnSqlite) {
    for (const auto& c : k_sqlite) {
        for (const auto in_flight : {InFlight::committed, InFlight::not_committed}) {
            Project p;
            check_case({p, [&](const std::string& sql) { return p.query(sql); },
                        [&](const std::string& sql) { sqlmig::test::exec_sqlite(p.db_path(), sql); }},
                       c, in_flight);
        }
    }
}

#endif

#if defined(SQLMIG_E2E_SUITE_pg)
namespace {
const Case k_postgres[] = {
    {"CREATE TABLE k (x int);", "DROP TABLE k", "SELECT count(*) FROM pg_class WHERE relname = 'k'", Expect::resumes},
    {"ALTER TABLE base ADD COLUMN c int;", "ALTER TABLE base DROP COLUMN c",
     "SELECT count(*) FROM information_schema.columns WHERE table_name = 'base' AND column_name = 'c'", Expect::resumes},
    {"ALTER TABLE base RENAME COLUMN a TO b;", "ALTER TABLE base RENAME COLUMN b TO a",
     "SELECT count(*) FROM information_schema.columns WHERE table_name = 'base' AND column_name = 'b'", Expect::resumes},
    {"ALTER TABLE doomed RENAME TO kept;", "ALTER TABLE kept RENAME TO doomed",
     "SELECT count(*) FROM pg_class WHERE relname = 'kept'", Expect::resumes},
    {"DROP TABLE doomed;", "CREATE TABLE doomed (x int)",
     "SELECT count(*) + 1 FROM pg_class WHERE relname = 'doomed'", Expect::resumes},
    {"CREATE VIEW v AS SELECT x FROM base;", "DROP VIEW v", "SELECT count(*) FROM pg_views WHERE viewname = 'v'",
     Expect::resumes},
    {"CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';", "DROP FUNCTION f()",
     "SELECT count(*) FROM pg_proc WHERE proname = 'f'", Expect::resumes},
    {"CREATE TYPE mood AS ENUM ('a', 'b');", "DROP TYPE mood", "SELECT count(*) FROM pg_type WHERE typname = 'mood'",
     Expect::resumes},
    {"CREATE INDEX CONCURRENTLY k_i ON base (x);", "DROP INDEX k_i",
     "SELECT count(*) FROM pg_index WHERE indisvalid AND indexrelid = 'k_i'::regclass", Expect::resumes},
    {"CREATE TABLE IF NOT EXISTS k2 (x int);", "DROP TABLE k2", "SELECT count(*) FROM pg_class WHERE relname = 'k2'",
     Expect::resumes},
    // Commits with its journal entry: the journal alone says whether it did.
    {"UPDATE base SET x = 2;", "UPDATE base SET x = 1", "SELECT count(*) FROM base WHERE x = 2", Expect::resumes},
    // Runs alone (a DO block may COMMIT), and its effect cannot be read back.
    {"DO $$ BEGIN UPDATE base SET x = 2; END $$;", "UPDATE base SET x = 1", "", Expect::stops},
};
}  // namespace

TEST(ResumePostgres, EachKindOfStatementInFlight) {
    for (const auto& c : k_postgres) {
        for (const auto in_flight : {InFlight::committed, InFlight::not_committed}) {
            PgProject p;
            check_case({p.project, [&](const std::string& sql) { return p.db.query(sql); },
                        [&](const std::string& sql) { (void)p.db.query(sql); }},
                       c, in_flight);
        }
    }
}

#endif

#if defined(SQLMIG_E2E_SUITE_mariadb)
namespace {
const Case k_mariadb[] = {
    {"CREATE TABLE k (x int);", "DROP TABLE k",
     "SELECT count(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'k'",
     Expect::resumes},
    {"ALTER TABLE base ADD COLUMN c int;", "ALTER TABLE base DROP COLUMN c",
     "SELECT count(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'base' AND "
     "COLUMN_NAME = 'c'",
     Expect::resumes},
    // The algorithm named, as impact.md suggests: an option, not an action of its own.
    {"ALTER TABLE base ADD COLUMN c int, ALGORITHM=COPY;", "ALTER TABLE base DROP COLUMN c",
     "SELECT count(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'base' AND "
     "COLUMN_NAME = 'c'",
     Expect::resumes},
    {"ALTER TABLE base DROP COLUMN a;", "ALTER TABLE base ADD COLUMN a int",
     "SELECT count(*) + 1 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'base' "
     "AND COLUMN_NAME = 'a'",
     Expect::resumes},
    {"RENAME TABLE doomed TO kept;", "RENAME TABLE kept TO doomed",
     "SELECT count(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'kept'",
     Expect::resumes},
    {"DROP TABLE doomed;", "CREATE TABLE doomed (x int)",
     "SELECT count(*) + 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'doomed'",
     Expect::resumes},
    {"CREATE INDEX k_i ON base (x);", "DROP INDEX k_i ON base",
     "SELECT count(DISTINCT INDEX_NAME) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND "
     "INDEX_NAME = 'k_i'",
     Expect::resumes},
    {"CREATE VIEW v AS SELECT x FROM base;", "DROP VIEW v",
     "SELECT count(*) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'v'",
     Expect::resumes},
    // Commits with its journal entry: the journal alone says whether it did.
    {"UPDATE base SET x = 2;", "UPDATE base SET x = 1", "SELECT count(*) FROM base WHERE x = 2", Expect::resumes},
    // Commits implicitly, alone, and the catalog does not say which type the column had.
    {"ALTER TABLE base MODIFY x bigint;", "ALTER TABLE base MODIFY x int", "", Expect::stops},
};
}  // namespace

TEST(ResumeMariadb, EachKindOfStatementInFlight) {
    for (const auto& c : k_mariadb) {
        for (const auto in_flight : {InFlight::committed, InFlight::not_committed}) {
            MariadbProject p;
            check_case({p.project, [&](const std::string& sql) { return p.db.query(sql); },
                        [&](const std::string& sql) { (void)p.db.query(sql); }},
                       c, in_flight);
        }
    }
}

#endif

#if defined(SQLMIG_E2E_SUITE_pg)
// A unique CREATE INDEX CONCURRENTLY that failed on duplicates leaves its index INVALID: once the data
// is fixed and a person has run repair, up drops that index and builds it again, and does not run the
// statement before it a second time.
TEST(ResumePostgres, AnInvalidIndexLeftByTheStatementIsDroppedAndBuiltAgain) {
    PgProject p;
    p.project.migration("001_base.up.sql", "CREATE TABLE dup (x int);\nINSERT INTO dup VALUES (1), (1);\n");
    p.project.migration("002_k.up.sql", "-- sqlmig:no-transaction\nCREATE TABLE m1 (x int);\n"
                                        "CREATE UNIQUE INDEX CONCURRENTLY dup_x ON dup (x);\nCREATE TABLE m3 (x int);\n");
    const Result failed = p.run({"up", "--no-backup"});
    ASSERT_EQ(failed.code, 1);
    EXPECT_EQ(p.db.query("SELECT state || ':' || statements_done FROM sqlmig_migrations WHERE version = '2'"),
              "failed:1");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM pg_index WHERE NOT indisvalid AND indexrelid = 'dup_x'::regclass"), "1");
    const Result status = p.run({"status"});
    EXPECT_CONTAINS(status.out, "failed, 1 of 3 statements done");
    p.db.query("DELETE FROM dup WHERE ctid = (SELECT max(ctid) FROM dup)");
    ASSERT_EQ(p.run({"repair"}).code, 0);
    const Result up = p.run({"up", "--no-backup"});
    ASSERT_EQ(up.code, 0) << up.err;
    EXPECT_CONTAINS(up.err, "was left INVALID by the interrupted build; dropping it and building it again");
    EXPECT_EQ(p.db.query("SELECT count(*) FROM pg_index WHERE indisvalid AND indexrelid = 'dup_x'::regclass"), "1");
    EXPECT_EQ(p.versions(), "1,2");
}

#endif

#if defined(SQLMIG_E2E_SUITE_sqlite)
// A statement that can run in a transaction commits with its journal entry: after a failure at the
// third statement, the journal says exactly two committed, and a file changed since is not resumed.
TEST(Resume, TheJournalCountsCommittedStatementsAndAChangedFileIsNotResumed) {
    Project p;
    p.migration("001_k.up.sql", "-- sqlmig:no-transaction\nCREATE TABLE a (x int);\nINSERT INTO a VALUES (1);\n"
                                "INSERT INTO nosuch VALUES (1);\nCREATE TABLE c (x int);\n");
    const Result failed = p.run({"up"});
    ASSERT_EQ(failed.code, 1);
    EXPECT_EQ(p.query("SELECT state || ':' || statements_done FROM sqlmig_migrations"), "failed:2");
    EXPECT_EQ(p.query("SELECT count(*) FROM a"), "1");
    sqlmig::test::exec_sqlite(p.db_path(), "UPDATE sqlmig_migrations SET state = 'running'");  // as if killed there
    p.migration("001_k.up.sql", "-- sqlmig:no-transaction\nCREATE TABLE a (x int);\nINSERT INTO a VALUES (1);\n"
                                "CREATE TABLE b (x int);\nCREATE TABLE c (x int);\n");
    const Result changed = p.run({"up"});
    EXPECT_EQ(changed.code, 3);
    EXPECT_CONTAINS(changed.err, "was interrupted after 2 statement(s), and the file changed since");
    EXPECT_EQ(p.query("SELECT count(*) FROM a"), "1");
}
#endif
