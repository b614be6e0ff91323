// Backups, restore, hooks and the schema file, end to end on real SQLite files.
#include <gtest/gtest.h>

#include <algorithm>

#include "e2e/cli_test_support.hpp"

using sqlmig::test::files_in;
using sqlmig::test::logged_backup;
using sqlmig::test::permissions_of;
using sqlmig::test::Project;
using sqlmig::test::query_sqlite;
using sqlmig::test::read_text;
using sqlmig::test::Result;

namespace fs = std::filesystem;

namespace {

const char* k_config = "[database]\nurl = \"sqlite:///data/app.db\"\n";

// A project with a users table holding two rows after its first migration.
struct BackupProject : Project {
    explicit BackupProject(const std::string& extra_config = "") {
        write_file("config.toml", std::string(k_config) + extra_config);
        migration("001_users.up.sql", "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);\n"
                                      "INSERT INTO users VALUES (1, 'a@x'), (2, 'b@x');\n");
        migration("001_users.down.sql", "DROP TABLE users;\n");
    }
    std::vector<fs::path> backups() const { return sqlmig::test::backup_files_in(dir() / "backups"); }
    // Data before the first run: a database without any is not backed up (docs/backups.md).
    void seed() const {
        sqlmig::test::exec_sqlite(db_path(), "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('kept');");
    }
};


}  // namespace

TEST(CliBackupSqlite, BackupBeforeEachRunThenRestoreBringsDataAndTrackingBack) {
    BackupProject p;
    ASSERT_EQ(p.run({"up"}).code, 0);
    // A data migration that goes wrong: it loses a row.
    p.migration("002_cleanup.up.sql", "DELETE FROM users WHERE id = 2;\nCREATE INDEX users_email ON users (email);\n");
    const Result up = p.run({"up"});
    ASSERT_EQ(up.code, 0) << up.err;
    ASSERT_EQ(p.backups().size(), 1u);  // the first run, on a database without data, took none
    const fs::path before_002 = p.dir() / "backups" / logged_backup(up.err);
    ASSERT_TRUE(fs::exists(before_002)) << up.err;
    EXPECT_EQ(permissions_of(p.dir() / "backups"), 0700u);
    EXPECT_EQ(permissions_of(before_002), 0600u);
    EXPECT_EQ(query_sqlite(before_002, "SELECT group_concat(email) FROM users"), "a@x,b@x");
    EXPECT_EQ(p.query("SELECT count(*) FROM users"), "1");

    const Result history = p.run({"history", "--verbose"});
    EXPECT_CONTAINS(history.out, "backup:  backups/" + before_002.filename().string());

    const Result refused = p.run({"restore", before_002.string()});
    EXPECT_EQ(refused.code, 3);
    EXPECT_CONTAINS(refused.err, "restore would replace the contents of sqlite:///data/app.db (at version 002");
    EXPECT_CONTAINS(refused.err, "--yes");
    EXPECT_EQ(p.query("SELECT count(*) FROM users"), "1");

    // The version note beside a backup is refused as a backup, before anything is backed up or run.
    const Result note = p.run({"restore", before_002.string() + ".version", "--yes"});
    EXPECT_EQ(note.code, 2) << note.err;
    EXPECT_CONTAINS(note.err, "it is the note of the version a backup was taken at, not a backup; restore the backup "
                              "beside it, " + before_002.filename().string());
    EXPECT_EQ(p.backups().size(), 1u);
    EXPECT_EQ(p.query("SELECT count(*) FROM users"), "1");

    const Result restored = p.run({"restore", before_002.string(), "--yes"});
    ASSERT_EQ(restored.code, 0) << restored.err;
    EXPECT_CONTAINS(restored.out, "; the database is at version 001, 1 migration(s) applied\n");
    EXPECT_EQ(p.query("SELECT group_concat(email) FROM users"), "a@x,b@x");
    EXPECT_EQ(p.query("SELECT count(*) FROM sqlite_master WHERE name = 'users_email'"), "0");
    // The schema and the tracking table are those of the backup: 002 is pending again.
    EXPECT_EQ(p.query("SELECT group_concat(sql, ';') FROM sqlite_master"),
              query_sqlite(before_002, "SELECT group_concat(sql, ';') FROM sqlite_master"));
    EXPECT_CONTAINS(p.run({"status"}).out, "pending:  1");
    // The contents before the restore were backed up first.
    const std::string safety = logged_backup(restored.err);
    EXPECT_EQ(safety.rfind("before-restore-", 0), 0u);
    EXPECT_EQ(query_sqlite(p.dir() / "backups" / safety, "SELECT count(*) FROM users"), "1");
}

TEST(CliBackupSqlite, NothingIsBackedUpWhenNothingRuns) {
    BackupProject p;
    EXPECT_EQ(p.run({"up", "--sql"}).code, 0);
    EXPECT_EQ(p.run({"up", "--dry-run"}).code, 0);
    const Result skipped = p.run({"up", "--no-backup"});
    ASSERT_EQ(skipped.code, 0);
    EXPECT_CONTAINS(skipped.err, "no backup before this run (--no-backup)");
    EXPECT_EQ(p.run({"up"}).code, 0);  // nothing to do
    EXPECT_EQ(p.run({"stamp", "base"}).code, 0);
    EXPECT_EQ(p.run({"stamp", "001"}).code, 0);
    EXPECT_EQ(p.query("SELECT count(*) FROM users"), "2");
    EXPECT_TRUE(p.backups().empty());
}

TEST(CliBackupSqlite, AFailedBackupStopsTheRunBeforeAnyMigration) {
    BackupProject p("[backup]\ndir = \"config.toml/backups\"\n");  // a file where a folder should be
    p.seed();
    const Result r = p.run({"up"});
    EXPECT_EQ(r.code, 1);
    EXPECT_CONTAINS(r.err, "backup before migrating failed: cannot create the backup folder");
    EXPECT_CONTAINS(r.err, "nothing was run");
    EXPECT_CONTAINS(r.err, "--no-backup");
    EXPECT_EQ(p.query("SELECT count(*) FROM sqlite_master WHERE name = 'users'"), "0");
    EXPECT_EQ(p.query("SELECT count(*) FROM sqlmig_migrations"), "0");
    EXPECT_EQ(p.run({"up", "--no-backup"}).code, 0);
    EXPECT_EQ(p.query("SELECT count(*) FROM users"), "2");
}

TEST(CliBackupSqlite, RetentionKeepsTheNewestNAndNeverManualOnes) {
    BackupProject p("[backup]\nkeep = 2\n");
    ASSERT_EQ(p.run({"up"}).code, 0);
    ASSERT_EQ(p.run({"backup"}).code, 0);
    std::vector<std::string> taken;  // in the order the runs logged them
    for (int i = 0; i < 3; ++i) {
        const Result r = p.run({"redo"});
        ASSERT_EQ(r.code, 0);
        taken.push_back(logged_backup(r.err));
    }
    std::vector<std::string> left;
    for (const auto& f : p.backups()) {
        left.push_back(f.filename().string());
    }
    ASSERT_EQ(left.size(), 3u);
    EXPECT_EQ(left[2].rfind("manual-", 0), 0u);
    // the two before-migrate backups kept are the last two taken
    std::vector<std::string> kept(left.begin(), left.begin() + 2);
    std::vector<std::string> newest(taken.end() - 2, taken.end());
    std::sort(newest.begin(), newest.end());
    EXPECT_EQ(kept, newest);
    const Result listed = p.run({"backups", "--json"});
    ASSERT_EQ(listed.code, 0);
    EXPECT_CONTAINS(listed.out, "\"kind\": \"before-migrate\"");
    EXPECT_CONTAINS(listed.out, "\"kind\": \"manual\"");
    EXPECT_CONTAINS(listed.out, taken.back());
}

TEST(CliBackupSqlite, BackupCommandAndJsonReport) {
    BackupProject p;
    const Result none = p.run({"backup"});
    EXPECT_EQ(none.code, 1);
    EXPECT_CONTAINS(none.err, "does not exist; there is nothing to back up");
    p.seed();
    const Result up = p.run({"up", "--json"});
    ASSERT_EQ(up.code, 0);
    EXPECT_CONTAINS(up.out, "\"backup\": {\n    \"file\": \"backups/before-migrate-");
    EXPECT_CONTAINS(up.out, "\"size_bytes\":");
    const Result out = p.run({"backup", "--out", "copy.db"});
    ASSERT_EQ(out.code, 0) << out.err;
    EXPECT_EQ(query_sqlite(p.dir() / "copy.db", "SELECT count(*) FROM users"), "2");
    EXPECT_EQ(permissions_of(p.dir() / "copy.db"), 0600u);
    const Result again = p.run({"backup", "--out", "copy.db"});
    EXPECT_EQ(again.code, 1);
    EXPECT_CONTAINS(again.err, "copy.db already exists; sqlmig never overwrites a file");
    const Result missing = p.run({"restore", "nope.db", "--yes"});
    EXPECT_EQ(missing.code, 2);
    p.write_file("notes.txt", "not a database");
    const Result garbage = p.run({"restore", "notes.txt", "--yes", "--no-backup"});
    EXPECT_EQ(garbage.code, 1);
    EXPECT_CONTAINS(garbage.err, "notes.txt is not a SQLite database file");
    EXPECT_EQ(p.query("SELECT count(*) FROM users"), "2");
}

TEST(CliBackupSqlite, HooksRunInOrderWithTheRunInTheirEnvironment) {
    BackupProject p(R"([hooks]
before_migrate = ["echo \"before $SQLMIG_DIRECTION $SQLMIG_FROM_VERSION>$SQLMIG_TO_VERSION [$SQLMIG_BACKUP_FILE] $(pwd)\" >> hooks.log"]
after_migrate = ["echo \"after $SQLMIG_TO_VERSION $(basename $SQLMIG_BACKUP_FILE) $SQLMIG_DATABASE_URL\" >> hooks.log", "echo shown-on-stderr"]
on_failure = "echo \"failure: $SQLMIG_ERROR\" >> hooks.log"
)");
    p.seed();
    const Result up = p.run({"up", "--json"});
    ASSERT_EQ(up.code, 0) << up.err;
    EXPECT_CONTAINS(up.err, "shown-on-stderr");
    EXPECT_EQ(up.out.find("shown-on-stderr"), std::string::npos);  // stdout stays JSON
    const std::string backup = p.backups().at(0).filename().string();
    EXPECT_EQ(read_text(p.dir() / "hooks.log"), "before up >001 [] " + fs::canonical(p.dir()).string() + "\n" +
                                                    "after 001 " + backup + " sqlite:///data/app.db\n");

    p.migration("002_bad.up.sql", "CREATE TABLE t (id INTEGER);\nINSERT INTO nope VALUES (1);\n");
    fs::remove(p.dir() / "hooks.log");
    const Result bad = p.run({"up"});
    EXPECT_EQ(bad.code, 1);
    const std::string log = read_text(p.dir() / "hooks.log");
    EXPECT_CONTAINS(log, "before up 001>002");
    EXPECT_CONTAINS(log, "failure: migrations/002_bad.up.sql:2:");
    EXPECT_EQ(log.find("after"), std::string::npos);
}

// sqlmig holds SQLite's lock from the first migration's commit to the last
// (locking_mode EXCLUSIVE); the hooks after the migrations must find the database
// free. The sqlite3 CLI waits for no lock: a held database fails the hook.
TEST(CliBackupSqlite, HooksAfterTheMigrationsCanUseTheDatabase) {
    BackupProject p(R"([hooks]
after_migrate = '''sqlite3 data/app.db "INSERT INTO users (id) VALUES (3); SELECT 'after', count(*) FROM users;" >> hooks.log'''
on_failure = '''sqlite3 data/app.db "SELECT 'failure', count(*) FROM users;" >> hooks.log'''
)");
    p.migration("002_more.up.sql", "CREATE TABLE more (id INTEGER);\n");
    const Result up = p.run({"up"});
    ASSERT_EQ(up.code, 0) << up.err;
    EXPECT_EQ(read_text(p.dir() / "hooks.log"), "after|3\n");

    p.migration("003_more.up.sql", "CREATE TABLE most (id INTEGER);\n");
    p.migration("004_bad.up.sql", "INSERT INTO nope VALUES (1);\n");
    const Result bad = p.run({"up"});
    EXPECT_EQ(bad.code, 1) << bad.err;
    EXPECT_EQ(read_text(p.dir() / "hooks.log"), "after|3\nfailure|3\n");
    EXPECT_EQ(p.query("SELECT count(*) FROM sqlite_master WHERE name = 'most'"), "1");
}

TEST(CliBackupSqlite, FailingHooksStopBeforeOrFailAfter) {
    BackupProject before("[hooks]\nbefore_migrate = [\"exit 7\"]\n");
    const Result r = before.run({"up"});
    EXPECT_EQ(r.code, 1);
    EXPECT_CONTAINS(r.err, "before_migrate hook 'exit 7' exited with status 7; nothing was run");
    EXPECT_EQ(before.query("SELECT count(*) FROM sqlite_master WHERE name = 'users'"), "0");
    EXPECT_TRUE(before.backups().empty());

    BackupProject after("[hooks]\nafter_migrate = [\"false\"]\n");
    const Result a = after.run({"up"});
    EXPECT_EQ(a.code, 1);
    EXPECT_CONTAINS(a.err, "the migrations were applied, but after_migrate hook 'false' exited with status 1");
    EXPECT_EQ(after.query("SELECT count(*) FROM users"), "2");
}

TEST(CliBackupSqlite, SchemaFileFollowsEachRun) {
    BackupProject p("[dump]\nschema_file = \"db/schema.sql\"\n");
    ASSERT_EQ(p.run({"up"}).code, 0);
    const std::string schema = read_text(p.dir() / "db" / "schema.sql");
    EXPECT_CONTAINS(schema, "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);");
    EXPECT_CONTAINS(schema, "CREATE TABLE \"sqlmig_migrations\"");
    ASSERT_EQ(p.run({"down"}).code, 0);
    EXPECT_EQ(read_text(p.dir() / "db" / "schema.sql").find("CREATE TABLE users"), std::string::npos);
}
