// Backups and restore with the real pg_dump, pg_restore and psql against the
// PostgreSQL server that scripts/test starts; every failure of the backup must
// stop the run before any migration executes.
#include <gtest/gtest.h>
#include <unistd.h>

#include "e2e/cli_test_support.hpp"
#include "support/pg_database.hpp"

using sqlmig::test::files_in;
using sqlmig::test::logged_backup;
using sqlmig::test::permissions_of;
using sqlmig::test::PgDatabase;
using sqlmig::test::Project;
using sqlmig::test::read_text;
using sqlmig::test::Result;

namespace fs = std::filesystem;

namespace {

// A database with a little of everything pg_dump must carry: data, an index, a view, a function.
struct PgBackupProject {
    PgDatabase db;
    Project project;
    explicit PgBackupProject(const std::string& extra_config = "", const std::string& url = "") {
        project.write_file("config.toml", "[database]\nurl = \"" + (url.empty() ? db.url() : url) + "\"\n" + extra_config);
        project.migration("001_shop.up.sql",
                          "CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL, price numeric(8,2));\n"
                          "CREATE INDEX items_name ON items (name);\n"
                          "INSERT INTO items (name, price) VALUES ('tea', 3.50), ('cake', 4.25), ('o''clock', 0);\n"
                          "CREATE VIEW cheap AS SELECT name FROM items WHERE price < 4;\n"
                          "CREATE FUNCTION total() RETURNS numeric LANGUAGE sql AS $$ SELECT sum(price) FROM items $$;\n");
        project.migration("001_shop.down.sql", "DROP VIEW cheap;\nDROP FUNCTION total();\nDROP TABLE items;\n");
    }
    Result run(const std::vector<std::string>& args) const { return project.run(args); }
    std::vector<fs::path> backups() const { return sqlmig::test::backup_files_in(project.dir() / "backups"); }
    // Makes bin/pg_dump a shell script with this body.
    void fake_pg_dump(const std::string& body) {
        project.write_file("bin/pg_dump", "#!/bin/sh\n" + body);
        fs::permissions(project.dir() / "bin" / "pg_dump", fs::perms::owner_all);
    }
};

// Everything a restore must bring back, as one comparable string.
std::string fingerprint(const PgDatabase& db) {
    return db.query("SELECT string_agg(table_name || '.' || column_name || ':' || data_type, ' ' "
                    "ORDER BY table_name, ordinal_position) FROM information_schema.columns "
                    "WHERE table_schema = 'public'") +
           " | " + db.query("SELECT string_agg(indexname, ' ' ORDER BY indexname) FROM pg_indexes "
                            "WHERE schemaname = 'public'") +
           " | " + db.query("SELECT string_agg(id || '=' || name || '=' || price, ' ' ORDER BY id) FROM items") +
           " | " + db.query("SELECT total()") + " | " + db.query("SELECT string_agg(name, ' ') FROM cheap") + " | " +
           db.query("SELECT string_agg(version || ':' || checksum, ' ' ORDER BY version) FROM sqlmig_migrations");
}


}  // namespace

TEST(CliBackupPostgres, CustomBackupRestoresIntoAFreshDatabaseIdentically) {
    PgBackupProject p;
    const Result up = p.run({"up"});
    ASSERT_EQ(up.code, 0) << up.err;
    const std::string name = logged_backup(up.err);
    EXPECT_EQ(name.rfind("before-migrate-", 0), 0u);
    EXPECT_NE(name.find("-" + p.db.name() + ".dump"), std::string::npos) << name;
    EXPECT_EQ(permissions_of(p.project.dir() / "backups"), 0700u);
    EXPECT_EQ(permissions_of(p.project.dir() / "backups" / name), 0600u);

    const Result manual = p.run({"backup", "--out", "now.dump"});
    ASSERT_EQ(manual.code, 0) << manual.err;
    EXPECT_EQ(read_text(p.project.dir() / "now.dump").substr(0, 5), "PGDMP");

    PgDatabase fresh;
    const Result restored = p.run({"--database", fresh.url(), "restore", "now.dump", "--yes", "--no-backup"});
    ASSERT_EQ(restored.code, 0) << restored.err;
    EXPECT_EQ(fingerprint(fresh), fingerprint(p.db));
    EXPECT_CONTAINS(fingerprint(fresh), "1=tea=3.50 2=cake=4.25 3=o'clock=0.00");
    const Result status = p.run({"--database", fresh.url(), "status"});
    EXPECT_CONTAINS(status.out, "current:  001");
}

TEST(CliBackupPostgres, PlainBackupUndoesABadDataMigration) {
    PgBackupProject p("[backup]\nformat = \"plain\"\n");
    ASSERT_EQ(p.run({"up"}).code, 0);
    p.project.migration("002_oops.up.sql", "DELETE FROM items WHERE price > 4;\nUPDATE items SET name = upper(name);\n");
    const Result bad = p.run({"up", "--json"});
    ASSERT_EQ(bad.code, 0) << bad.err;
    const std::string name = logged_backup(bad.err);
    ASSERT_NE(name.find(".sql"), std::string::npos) << bad.err;
    EXPECT_CONTAINS(bad.out, "backups/" + name);
    EXPECT_CONTAINS(p.run({"history", "--verbose"}).out, "backup:  backups/" + name);

    const Result refused = p.run({"restore", "backups/" + name});
    EXPECT_EQ(refused.code, 3);
    EXPECT_CONTAINS(refused.err, "at version 002, 2 migration(s) applied");  // as status shows it
    const Result restored = p.run({"restore", "backups/" + name, "--yes"});
    ASSERT_EQ(restored.code, 0) << restored.err;
    EXPECT_EQ(p.db.query("SELECT string_agg(name || '=' || price, ' ' ORDER BY id) FROM items"),
              "tea=3.50 cake=4.25 o'clock=0.00");
    EXPECT_CONTAINS(p.run({"status"}).out, "pending:  1");
    EXPECT_EQ(logged_backup(restored.err).rfind("before-restore-", 0), 0u);
}

TEST(CliBackupPostgres, PasswordReachesPgDumpThroughItsEnvironmentOnly) {
    PgDatabase db;
    const std::string role = "sqlmig_pw_" + std::to_string(::getpid());
    db.query("CREATE ROLE " + role + " LOGIN SUPERUSER PASSWORD 'S3cret-pw'");
    std::string url = db.url();
    url.replace(url.find("postgres@"), 9, role + ":S3cret-pw@");
    {
        PgBackupProject p("[backup]\npg_dump = \"bin/pg_dump\"\n", url);
        // Records what it was given, then hands over to the real pg_dump.
        p.fake_pg_dump("printf '%s\\n' \"$@\" >> argv.txt\necho \"$PGPASSWORD\" >> env.txt\nexec pg_dump \"$@\"\n");
        const Result up = p.run({"up"});
        ASSERT_EQ(up.code, 0) << up.err;
        const std::string argv = read_text(p.project.dir() / "argv.txt");
        EXPECT_CONTAINS(argv, "--format=custom");
        EXPECT_CONTAINS(argv, "user='" + role + "'");
        EXPECT_EQ(argv.find("S3cret"), std::string::npos) << argv;
        EXPECT_CONTAINS(read_text(p.project.dir() / "env.txt"), "S3cret-pw");
        EXPECT_EQ(up.err.find("S3cret"), std::string::npos);
        EXPECT_EQ(up.out.find("S3cret"), std::string::npos);
        EXPECT_EQ(p.db.query("SELECT count(*) FROM pg_class WHERE relname = 'items'"), "0");  // not the URL's database
        EXPECT_EQ(db.query("SELECT count(*) FROM items"), "3");
    }
    db.query("DROP OWNED BY " + role + " CASCADE");
    db.query("DROP ROLE " + role);
}

TEST(CliBackupPostgres, EveryBackupFailureStopsBeforeAnyMigration) {
    struct Case {
        const char* what;
        std::string pg_dump_body;  // empty: pg_dump points at a missing program
        const char* expected;
    };
    const std::vector<Case> cases = {
        {"missing", "", "cannot run /nonexistent/pg_dump: No such file or directory"},
        {"too old", "echo 'pg_dump (PostgreSQL) 9.6.24'\n", "/bin/pg_dump) is older than the server"},
        {"fails", "[ \"$1\" = --version ] && exec pg_dump --version\necho partial\necho 'pg_dump: error: disk full' >&2\n"
                  "exit 1\n",
         "pg_dump exited with status 1:\npg_dump: error: disk full"},
        {"empty", "[ \"$1\" = --version ] && exec pg_dump --version\nexit 0\n", "came out empty"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.what);
        PgBackupProject p(c.pg_dump_body.empty() ? "[backup]\npg_dump = \"/nonexistent/pg_dump\"\n"
                                                 : "[backup]\npg_dump = \"bin/pg_dump\"\n");
        if (!c.pg_dump_body.empty()) {
            p.fake_pg_dump(c.pg_dump_body);
        }
        const Result r = p.run({"up"});
        EXPECT_EQ(r.code, 1);
        EXPECT_CONTAINS(r.err, "backup before migrating failed: ");
        EXPECT_CONTAINS(r.err, c.expected);
        EXPECT_CONTAINS(r.err, "nothing was run; fix the cause, or run with --no-backup");
        EXPECT_EQ(p.db.query("SELECT count(*) FROM pg_class WHERE relname = 'items'"), "0");
        EXPECT_EQ(p.db.query("SELECT count(*) FROM sqlmig_migrations"), "0");
        EXPECT_TRUE(p.backups().empty()) << "the partial file must be removed";
    }
    // The server's version is named too.
    PgBackupProject p("[backup]\npg_dump = \"bin/pg_dump\"\n");
    p.fake_pg_dump("echo 'pg_dump (PostgreSQL) 9.6.24'\n");
    const std::string server = p.db.query("SELECT current_setting('server_version_num')::int / 10000");
    EXPECT_CONTAINS(p.run({"up"}).err, "older than the server, PostgreSQL " + server);
}

TEST(CliBackupPostgres, SchemaFileAfterEachRun) {
    PgBackupProject p("[dump]\nschema_file = \"db/schema.sql\"\n[backup]\nenabled = false\n");
    ASSERT_EQ(p.run({"up"}).code, 0);
    EXPECT_TRUE(p.backups().empty());
    const std::string schema = read_text(p.project.dir() / "db" / "schema.sql");
    EXPECT_CONTAINS(schema, "CREATE TABLE public.items");
    EXPECT_CONTAINS(schema, "CREATE VIEW public.cheap");
    EXPECT_EQ(schema.find("INSERT INTO"), std::string::npos);
    EXPECT_EQ(schema.find("tea"), std::string::npos);
}

// pg_dump 18 and the August 2025 minor releases write "\restrict KEY" with a random key:
// the schema file must still be the same bytes for the same schema.
TEST(CliBackupPostgres, SchemaFileIsTheSameBytesOnEveryRun) {
    PgBackupProject p("[dump]\nschema_file = \"db/schema.sql\"\n[backup]\nenabled = false\n");
    ASSERT_EQ(p.run({"up"}).code, 0);
    const std::string first = read_text(p.project.dir() / "db" / "schema.sql");
    ASSERT_EQ(p.run({"down"}).code, 0);
    ASSERT_EQ(p.run({"up"}).code, 0);
    const std::string second = read_text(p.project.dir() / "db" / "schema.sql");
    EXPECT_CONTAINS(first, "CREATE TABLE public.items");
    EXPECT_EQ(first, second);
    // With the installed pg_dump 15.18 the key is there, and it is sqlmig's fixed one.
    if (first.find("\\restrict ") != std::string::npos) {
        EXPECT_CONTAINS(first, "\\restrict sqlmigschema\n");
        EXPECT_CONTAINS(first, "\\unrestrict sqlmigschema\n");
    }
}

// pg_restore --clean replaces what the backup holds; a table made after the backup stays,
// and the restore says so, in both formats. `backups` shows the version each was taken at.
TEST(CliBackupPostgres, RestoreNamesTheRelationsTheBackupLacksAndBackupsTheirVersion) {
    for (const std::string format : {"custom", "plain"}) {
        PgBackupProject p("[backup]\nformat = \"" + format + "\"\n");
        ASSERT_EQ(p.run({"up"}).code, 0);
        p.project.migration("002_tags.up.sql", "CREATE TABLE tags (id serial PRIMARY KEY, name text);\n");
        const Result up = p.run({"up"});
        ASSERT_EQ(up.code, 0) << up.err;
        const std::string name = logged_backup(up.err);
        const Result listed = p.run({"backups"});
        ASSERT_EQ(listed.code, 0) << listed.err;
        EXPECT_CONTAINS(listed.out, "VERSION");
        const std::size_t line = listed.out.find(name);
        ASSERT_NE(line, std::string::npos) << listed.out;
        EXPECT_CONTAINS(listed.out.substr(line, listed.out.find('\n', line) - line), " 001 ");
        EXPECT_CONTAINS(p.run({"--json", "backups"}).out, "\"version\": \"001\"");

        const Result restored = p.run({"restore", "backups/" + name, "--yes", "--no-backup"});
        ASSERT_EQ(restored.code, 0) << restored.err;
        EXPECT_CONTAINS(restored.err, "2 relation(s) not in the backup stay in");
        EXPECT_CONTAINS(restored.err,
                        ": public.tags, public.tags_id_seq. To have the backup's contents alone, "
                        "restore into a new empty database");
        EXPECT_NOT_CONTAINS(restored.err, "public.items");
        EXPECT_EQ(p.db.query("SELECT count(*) FROM tags"), "0");
        // Restored again, it is still there and still named; once dropped, nothing is said.
        const Result again = p.run({"restore", "backups/" + name, "--yes", "--no-backup"});
        ASSERT_EQ(again.code, 0) << again.err;
        EXPECT_CONTAINS(again.err, "public.tags");  // still there, still said
        p.db.query("DROP TABLE tags");
        const Result clean = p.run({"restore", "backups/" + name, "--yes", "--no-backup"});
        ASSERT_EQ(clean.code, 0) << clean.err;
        EXPECT_NOT_CONTAINS(clean.err, "not in the backup");
    }
}
