// Other tools' folders run as they are ([migrations] format), on real SQLite files:
// small folders written from each tool's documentation, every marker and option it
// documents, and the real goose folder of ../shared/corpus.
#include <gtest/gtest.h>

#include "e2e/cli_test_support.hpp"

using sqlmig::test::Project;
using sqlmig::test::Result;
using sqlmig::test::use_format;

namespace {

std::string tables(const Project& p) {
    return p.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlmig%' ORDER BY name");
}

}  // namespace

TEST(Formats, GooseFolderAppliesRevertsAndKeepsTheUpChecksumWhenTheDownIsEdited) {
    Project p;
    use_format(p, "goose");
    p.migration("00001_users.sql",
                "-- +goose Up\nCREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\n"
                "-- +goose StatementBegin\nCREATE TRIGGER users_upper AFTER INSERT ON users BEGIN\n"
                "  UPDATE users SET name = upper(new.name) WHERE id = new.id;\nEND;\n-- +goose StatementEnd\n"
                "INSERT INTO users (id, name) VALUES (1, 'ada');\n\n-- +goose Down\nDROP TABLE users;\n");
    p.migration("00002_email.sql", "--+goose up\nALTER TABLE users ADD COLUMN email TEXT;\n-- +goose   DOWN \t\n"
                                   "ALTER TABLE users DROP COLUMN email;\n");
    p.migration("00002_email.md", "upstream notes that share the version\n");
    Result r = p.run({"up"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(tables(p), "users");
    EXPECT_EQ(p.query("SELECT name FROM users"), "ADA");  // the trigger body ran as one statement
    EXPECT_EQ(p.query("SELECT version FROM sqlmig_migrations ORDER BY version"), "1,2");
    // Editing a down section is not an edit of what was applied.
    p.migration("00002_email.sql", "--+goose up\nALTER TABLE users ADD COLUMN email TEXT;\n-- +goose   DOWN \t\n"
                                   "ALTER TABLE users DROP COLUMN email; -- reviewed\n");
    r = p.run({"status"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NOT_CONTAINS(r.out, "modified");
    ASSERT_EQ(p.run({"check"}).code, 0);
    // Editing the up section is.
    p.migration("00002_email.sql", "--+goose up\nALTER TABLE users ADD COLUMN mail TEXT;\n-- +goose   DOWN \t\n"
                                   "ALTER TABLE users DROP COLUMN email;\n");
    r = p.run({"status"});
    EXPECT_CONTAINS(r.out, "modified");
    p.migration("00002_email.sql", "--+goose up\nALTER TABLE users ADD COLUMN email TEXT;\n-- +goose   DOWN \t\n"
                                   "ALTER TABLE users DROP COLUMN email;\n");
    r = p.run({"down", "base"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(tables(p), "");
    EXPECT_EQ(p.query("SELECT count(*) FROM sqlmig_migrations"), "0");
}

TEST(Formats, GooseMarkerErrorsNameTheFileAndLineAndRunNothing) {
    Project p;
    use_format(p, "goose");
    p.migration("00001_a.sql", "-- +goose Up\nCREATE TABLE a (id INTEGER);\n");
    p.migration("00002_b.sql", "-- +goose Up\nCREATE TABLE b (id INTEGER);\n-- +goose Downn\nDROP TABLE b;\n");
    Result r = p.run({"up"});
    EXPECT_EQ(r.code, 2);
    EXPECT_CONTAINS(r.err, "migrations/00002_b.sql:3: unknown annotation '-- +goose Downn'");
    EXPECT_EQ(p.run({"up", "1"}).code, 0);  // the bad file is not in that run
    p.migration("00002_b.sql", "-- +goose Up\nCREATE TABLE b (id INTEGER);\n");
    p.migration("00003_c.go", "package migrations\n");
    r = p.run({"up"});
    EXPECT_EQ(r.code, 2);
    EXPECT_CONTAINS(r.err, "00003_c.go");
    EXPECT_CONTAINS(r.err, "Go migration");
    EXPECT_EQ(tables(p), "a");
}

TEST(Formats, GooseWithoutADownSectionRevertsOnlyItsRecordWithAWarning) {
    Project p;
    use_format(p, "goose");
    p.migration("00001_seed.sql", "-- +goose Up\nCREATE TABLE s (id INTEGER);\n");
    ASSERT_EQ(p.run({"up"}).code, 0);
    const Result r = p.run({"down"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_CONTAINS(r.err, "has no down section; reverting it only removes its record, as goose does");
    EXPECT_EQ(tables(p), "s");
    EXPECT_EQ(p.query("SELECT count(*) FROM sqlmig_migrations"), "0");
}

TEST(Formats, DbmateFolderWithTransactionFalseAndNamesWithSpaces) {
    Project p;
    use_format(p, "dbmate");
    p.migration("20240101000000_create users.sql",
                "-- migrate:up\nCREATE TABLE users (id INTEGER);\n-- Migrate the data: a comment, not a marker\n"
                "INSERT INTO users VALUES (1);\n\n-- migrate:down\nDROP TABLE users;\n");
    p.migration("20240102000000_vacuum.sql", "-- migrate:up transaction:false\nVACUUM;\n-- migrate:down\n");
    Result r = p.run({"up"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_CONTAINS(r.err, "20240102000000_vacuum.sql (no transaction)");
    EXPECT_EQ(p.query("SELECT count(*) FROM users"), "1");
    r = p.run({"status"});
    EXPECT_CONTAINS(r.out, "create users");
    ASSERT_EQ(p.run({"down", "base"}).code, 0);
    EXPECT_EQ(tables(p), "");
    p.migration("20240103000000_broken.sql", "CREATE TABLE x (id INTEGER);\n-- migrate:up\n-- migrate:down\n");
    r = p.run({"up"});
    EXPECT_EQ(r.code, 2);
    EXPECT_CONTAINS(r.err, "20240103000000_broken.sql:1: SQL before '-- migrate:up'");
    EXPECT_EQ(tables(p), "");  // nothing of the run: the first two are checked with it
}

TEST(Formats, SqlMigrateFolderKeysOnFileNamesAndAcceptsAVersionByNumber) {
    Project p;
    use_format(p, "sql-migrate");
    p.migration("1-a.sql", "-- +migrate Up\nCREATE TABLE a (id INTEGER);\n-- +migrate Down\nDROP TABLE a;\n");
    p.migration("1-b.sql", "-- +migrate Up\nCREATE TABLE b (id INTEGER);\n-- +migrate Down\nDROP TABLE b;\n");
    p.migration("2-c.sql", "-- +migrate Up\n-- +migrate StatementBegin\nCREATE TRIGGER c_t AFTER INSERT ON a BEGIN\n"
                           "  INSERT INTO b VALUES (new.id);\nEND;\n-- +migrate StatementEnd\nINSERT INTO a VALUES (7);\n"
                           "-- +migrate Down\nDROP TRIGGER c_t;\n");
    Result r = p.run({"up"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(p.query("SELECT version FROM sqlmig_migrations ORDER BY version"), "1-a.sql,1-b.sql,2-c.sql");
    EXPECT_EQ(p.query("SELECT id FROM b"), "7");
    r = p.run({"down", "1"});
    EXPECT_EQ(r.code, 2);
    EXPECT_CONTAINS(r.err, "several migrations have number 1");
    r = p.run({"down", "1-b.sql"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(p.query("SELECT version FROM sqlmig_migrations ORDER BY version"), "1-a.sql,1-b.sql");
    r = p.run({"down"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_CONTAINS(r.err, "reverted 1-b.sql");
}

TEST(Formats, FlywayOrdersDottedVersionsRunsUndoFilesAndRerunsChangedRepeatables) {
    Project p;
    use_format(p, "flyway");
    p.migration("V10__c.sql", "CREATE TABLE c (id INTEGER);\n");
    p.migration("V2__a.sql", "CREATE TABLE a (id INTEGER);\n");
    p.migration("V2.1__b.sql", "CREATE TABLE b (id INTEGER);\n");
    p.migration("U10__c.sql", "DROP TABLE c;\n");
    p.migration("R__Counts_view.sql", "DROP VIEW IF EXISTS counts;\nCREATE VIEW counts AS SELECT count(*) AS n FROM a;\n");
    p.migration("V3__vacuum.sql", "VACUUM;\n");
    p.migration("V3__vacuum.sql.conf", "# Flyway script config\nexecuteInTransaction=false\n");
    p.migration("beforeMigrate.sql", "SELECT 'a Flyway callback';\n");
    p.migration("V57__readme.md", "not SQL\n");
    Result r = p.run({"up"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(p.query("SELECT count(*) FROM sqlmig_migrations"), "5");
    EXPECT_CONTAINS(r.err, "beforeMigrate.sql: not a Flyway migration name");
    EXPECT_CONTAINS(r.err, "V3__vacuum.sql (no transaction)");
    EXPECT_LT(r.err.find("applying migrations/V2.1__b.sql"), r.err.find("applying migrations/V3__vacuum.sql"));
    EXPECT_LT(r.err.find("applying migrations/V3__vacuum.sql"), r.err.find("applying migrations/V10__c.sql"));
    EXPECT_LT(r.err.find("applying migrations/V10__c.sql"), r.err.find("applying migrations/R__Counts_view.sql"));
    EXPECT_EQ(p.query("SELECT n FROM counts"), "0");
    r = p.run({"status"});
    EXPECT_CONTAINS(r.out, "current:  10");
    // Unchanged: nothing to do. Changed: it runs again, and is not drift.
    r = p.run({"up"});
    EXPECT_NOT_CONTAINS(r.err, "applying");
    p.migration("R__Counts_view.sql", "DROP VIEW IF EXISTS counts;\nCREATE VIEW counts AS SELECT count(*) + 1 AS n FROM a;\n");
    EXPECT_EQ(p.run({"check"}).code, 3);  // pending
    r = p.run({"up"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_CONTAINS(r.err, "applying migrations/R__Counts_view.sql");
    EXPECT_EQ(p.query("SELECT n FROM counts"), "1");
    // Undo: U10 reverts 10; 3 has no U file, so it cannot be reverted; the repeatable is never reverted.
    r = p.run({"down"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_CONTAINS(r.err, "reverting migrations/U10__c.sql");
    r = p.run({"down"});
    EXPECT_EQ(r.code, 3);
    EXPECT_CONTAINS(r.err, "V3__vacuum.sql: it has no U (undo) file");
    r = p.run({"down", "2.1"});
    EXPECT_EQ(r.code, 3);
}

TEST(Formats, GolangMigrateNamesWithADoubledDotRunWithAWarning) {
    Project p;
    p.migration("29_a.up.sql", "CREATE TABLE a (id INTEGER);\n");
    p.migration("30_x.up..sql", "CREATE TABLE x (id INTEGER);\n");
    p.migration("31_b.up.sql", "CREATE TABLE b (id INTEGER);\n");
    const Result r = p.run({"up"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_CONTAINS(r.err, "30_x.up..sql: read as golang-migrate reads it (version 30, up)");
    EXPECT_EQ(p.query("SELECT version FROM sqlmig_migrations ORDER BY CAST(version AS INTEGER)"), "29,30,31");
}

TEST(Formats, NewWritesAFileInTheFolderFormatThatRunsAsIs) {
    struct Case {
        const char* format;
        const char* expected;  // the first file's name after the version
    };
    for (const Case& c : {Case{"sqlmig", "_add_things.up.sql"}, Case{"dbmate", "_add_things.sql"},
                          Case{"goose", "_add_things.sql"}, Case{"sql-migrate", "-add_things.sql"},
                          Case{"flyway", "__add_things.sql"}}) {
        SCOPED_TRACE(c.format);
        Project p;
        use_format(p, c.format);
        const Result made = p.run({"new", "add things"});
        ASSERT_EQ(made.code, 0) << made.err;
        EXPECT_CONTAINS(made.out, c.expected);
        const Result up = p.run({"up"});
        ASSERT_EQ(up.code, 0) << up.err;
        EXPECT_EQ(p.query("SELECT count(*) FROM sqlmig_migrations"), "1");
        const Result down = p.run({"down"});
        EXPECT_EQ(down.code, 0) << down.err;
    }
}

TEST(Formats, AnUnknownFormatIsAConfigErrorNamingTheKey) {
    Project p;
    use_format(p, "alembic");
    const Result r = p.run({"status"});
    EXPECT_EQ(r.code, 2);
    EXPECT_CONTAINS(r.err, "[migrations] format");
    EXPECT_CONTAINS(r.err, "unknown format 'alembic'");
}

TEST(Formats, CorpusGophishGooseAppliesOnSqliteAndStopsAtItsBrokenDown) {
    SQLMIG_REQUIRE_CORPUS(corpus);
    Project p;
    p.write_file("config.toml", "[database]\nurl = \"sqlite:///data/app.db\"\n[migrations]\ndir = \"" +
                                    (corpus / "gophish-sqlite-goose").string() + "\"\nformat = \"goose\"\n");
    Result r = p.run({"up"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(p.query("SELECT count(*) FROM sqlmig_migrations"), "25");
    EXPECT_EQ(p.run({"check"}).code, 0);
    r = p.run({"down", "base"});
    EXPECT_EQ(r.code, 1);
    EXPECT_CONTAINS(r.err, "20190105192341_0.8.0_rbac.sql:76:1:");  // three DROP TABLE lines without ';' upstream
    EXPECT_EQ(p.query("SELECT count(*) FROM sqlmig_migrations"), "18");  // 7 reverted, the 8th stays applied
}
