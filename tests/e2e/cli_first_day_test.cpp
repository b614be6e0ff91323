// Issue 22, a newcomer's first day: what surprised people on SQLite, end to end.
#include <gtest/gtest.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <tuple>
#include <vector>

#include "e2e/cli_test_support.hpp"

using sqlmig::test::files_in;
using sqlmig::test::Project;
using sqlmig::test::read_text;
using sqlmig::test::Result;

namespace fs = std::filesystem;

namespace {

std::string utc_stamp_now() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%d%H%M%S", &tm);
    return buf;
}

}  // namespace

TEST(CliFirstDay, NewInATimestampFolderUsesTheClockNotTheNextNumber) {
    Project p;
    p.write_file("config.toml", "[database]\nurl = \"sqlite:///data/app.db\"\n[migrations]\nformat = \"dbmate\"\n");
    p.migration("20240103120000_create_users.sql",
                "-- migrate:up\nCREATE TABLE users (id INTEGER);\n-- migrate:down\n");
    const std::string before = utc_stamp_now();
    const Result r = p.run({"new", "add_tags"});
    ASSERT_EQ(r.code, 0) << r.err;
    ASSERT_EQ(r.out.size(), std::string("migrations/20240103120000_add_tags.sql\n").size()) << r.out;
    const std::string version = r.out.substr(11, 14);
    EXPECT_NE(version, "20240103120001") << r.out;
    EXPECT_GE(version, before);
    EXPECT_LE(version, utc_stamp_now());
    EXPECT_EQ(r.err, "");

    // A clock behind the newest version: last + 1, and a warning saying so.
    p.migration("29990101000000_from_the_future.sql", "-- migrate:up\nSELECT 1;\n-- migrate:down\n");
    const Result skewed = p.run({"new", "add_more"});
    ASSERT_EQ(skewed.code, 0) << skewed.err;
    EXPECT_EQ(skewed.out, "migrations/29990101000001_add_more.sql\n");
    EXPECT_CONTAINS(skewed.err, "is not past the newest version 29990101000000; using 29990101000001");
}

TEST(CliFirstDay, HistoryPrintsLongDurationsInSeconds) {
    Project p;
    p.migration("001_users.up.sql", "CREATE TABLE users (id INTEGER);\n");
    ASSERT_EQ(p.run({"up", "--no-backup"}).code, 0);
    sqlmig::test::exec_sqlite(p.db_path(), "UPDATE sqlmig_migrations SET duration_ms = 18149");
    const Result history = p.run({"history"});
    ASSERT_EQ(history.code, 0) << history.err;
    EXPECT_CONTAINS(history.out, "18.1 s");
    EXPECT_NOT_CONTAINS(history.out, "18149");
    EXPECT_CONTAINS(p.run({"history", "--json"}).out, "\"duration_ms\": 18149");
}

TEST(CliFirstDay, AFailedRedoSaysTheMigrationIsNowNotApplied) {
    Project p;
    p.migration("001_users.up.sql", "CREATE TABLE users (id INTEGER PRIMARY KEY);\n");
    p.migration("001_users.down.sql", "DROP TABLE users;\n");
    // A down that forgets its row: applying the up again fails on the primary key.
    p.migration("002_admin.up.sql", "INSERT INTO users VALUES (1);\n");
    p.migration("002_admin.down.sql", "SELECT 1;\n");
    ASSERT_EQ(p.run({"up", "--no-backup"}).code, 0);
    const Result r = p.run({"redo", "--no-backup"});
    ASSERT_NE(r.code, 0);
    EXPECT_CONTAINS(r.err, "reverted 002_admin");
    EXPECT_CONTAINS(r.err,
                    "its down had committed, then applying it again failed and was rolled back: 002_admin is "
                    "now not applied");
    EXPECT_CONTAINS(r.err, "Fix migrations/002_admin.up.sql and run 'sqlmig up'");
    EXPECT_NOT_CONTAINS(r.err, "stay applied");
    EXPECT_EQ(p.query("SELECT group_concat(version) FROM sqlmig_migrations"), "1");
    EXPECT_CONTAINS(p.run({"status"}).out, "002      admin  pending");
}

TEST(CliFirstDay, ARedoWhoseDownRunsNothingIsRefusedBeforeAnythingRuns) {
    Project p;
    p.write_file("config.toml", "[database]\nurl = \"sqlite:///data/app.db\"\n[migrations]\nformat = \"dbmate\"\n");
    p.migration("20240101000000_users.sql", "-- migrate:up\nCREATE TABLE users (id INTEGER);\n\n-- migrate:down\n\n");
    ASSERT_EQ(p.run({"up", "--no-backup"}).code, 0);
    const Result r = p.run({"redo", "--no-backup"});
    EXPECT_EQ(r.code, 3) << r.err;
    EXPECT_CONTAINS(r.err, "sqlmig: error: cannot redo migrations/20240101000000_users.sql: its down runs no "
                           "statement, so redo would only remove its record");
    EXPECT_CONTAINS(r.err, "nothing was reverted");
    EXPECT_EQ(p.query("SELECT group_concat(version) FROM sqlmig_migrations"), "20240101000000");
    EXPECT_EQ(p.query("SELECT count(*) FROM sqlite_master WHERE name = 'users'"), "1");
    EXPECT_EQ(p.run({"down", "--no-backup"}).code, 0) << "a down of it still only removes its record, as dbmate does";
}

TEST(CliFirstDay, AThreeSlashPathThatLooksAbsoluteIsNamedWithAWarning) {
    Project p;
    p.migration("001_users.up.sql", "CREATE TABLE users (id INTEGER);\n");
    const std::string name = "sqlmig_first_day_" + std::to_string(::getpid()) + ".db";
    const Result r = p.run({"--database", "sqlite:///tmp/" + name, "up", "--no-backup"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(fs::exists(p.dir() / "tmp" / name));
    EXPECT_FALSE(fs::exists(fs::path("/tmp") / name));
    EXPECT_CONTAINS(r.err, "sqlite:///tmp/" + name + " is the file " + (p.dir() / "tmp" / name).string());
    EXPECT_CONTAINS(r.err, "for the absolute /tmp/" + name + " write sqlite:////tmp/" + name);
    // Said once per run, though the URL is read more than once.
    EXPECT_EQ(r.err.find("three slashes"), r.err.rfind("three slashes")) << r.err;

    // Once the folder exists, the relative path is what was meant: no warning.
    const Result again = p.run({"--database", "sqlite:///tmp/" + name, "status"});
    EXPECT_NOT_CONTAINS(again.err, "three slashes");
    // The config's own relative path and four slashes never warn.
    EXPECT_NOT_CONTAINS(p.run({"status"}).err, "three slashes");
    const Result absolute = p.run({"--database", "sqlite:////tmp/" + name, "up", "--no-backup"});
    ASSERT_EQ(absolute.code, 0) << absolute.err;
    EXPECT_NOT_CONTAINS(absolute.err, "three slashes");
    EXPECT_TRUE(fs::exists(fs::path("/tmp") / name));
    std::error_code ec;
    for (const char* suffix : {"", "-sqlmig-lock", "-journal", "-wal", "-shm"}) {
        fs::remove(fs::path("/tmp") / (name + suffix), ec);
    }
}

TEST(CliFirstDay, ReadingADatabaseFileThatDoesNotExistSaysSoAndCreatesNothing) {
    Project p;
    p.migration("001_users.up.sql", "CREATE TABLE users (id INTEGER);\n");
    const std::string warning = "sqlmig: warning: the SQLite database " + p.db_path().string() +
                                " does not exist: nothing is applied there yet ('sqlmig up' creates it)\n";
    for (const char* command : {"status", "drift", "history"}) {
        const Result r = p.run({command});
        EXPECT_EQ(r.code, 0) << command << ": " << r.err;
        EXPECT_CONTAINS(r.err, warning);
        EXPECT_EQ(r.err.find(warning), r.err.rfind(warning)) << command << ": said once\n" << r.err;
        EXPECT_FALSE(fs::exists(p.db_path())) << command;
    }
    ASSERT_EQ(p.run({"up", "--no-backup"}).code, 0);
    EXPECT_NOT_CONTAINS(p.run({"status"}).err, "does not exist");
}

TEST(CliFirstDay, InitInAnotherToolsProjectWritesItsFormatAndFolder) {
    Project p;
    fs::remove(p.dir() / "config.toml");
    fs::remove_all(p.dir() / "migrations");
    p.write_file("db/migrations/20240103120000_users.sql",
                 "-- migrate:up\nCREATE TABLE users (id INTEGER);\n\n-- migrate:down\nDROP TABLE users;\n");
    const Result r = p.run({"init"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_CONTAINS(r.out, "looks like a dbmate folder (20240103120000_users.sql has '-- migrate:up')");
    const std::string config = read_text(p.dir() / "config.toml");
    EXPECT_CONTAINS(config, "\ndir = \"db/migrations\"\n");
    EXPECT_CONTAINS(config, "\nformat = \"dbmate\"");
    EXPECT_FALSE(fs::exists(p.dir() / "migrations"));
    const Result status = p.run({"status"});
    ASSERT_EQ(status.code, 0) << status.err;
    EXPECT_CONTAINS(status.out, "pending:  1");

    // Each tool's folder, found by its names or its up marker.
    const std::vector<std::tuple<std::string, std::string, std::string>> tools = {
        {"goose", "00001_users.sql", "-- +goose Up\nCREATE TABLE users (id INTEGER);\n-- +goose Down\n"},
        {"sql-migrate", "1_users.sql", "-- +migrate Up\nCREATE TABLE users (id INTEGER);\n-- +migrate Down\n"},
        {"flyway", "V1__users.sql", "CREATE TABLE users (id INTEGER);\n"},
    };
    for (const auto& [format, name, text] : tools) {
        Project q;
        fs::remove(q.dir() / "config.toml");
        q.migration(name, text);
        ASSERT_EQ(q.run({"init"}).code, 0) << format;
        EXPECT_CONTAINS(read_text(q.dir() / "config.toml"), "\nformat = \"" + format + "\"");
        const Result s = q.run({"status"});
        EXPECT_EQ(s.code, 0) << format << ": " << s.err;
        EXPECT_CONTAINS(s.out, "pending:  1");
    }
    // golang-migrate's pairs are sqlmig's own format: found, and the default is kept.
    Project g;
    fs::remove(g.dir() / "config.toml");
    g.migration("1_users.up.sql", "CREATE TABLE users (id INTEGER);\n");
    g.migration("1_users.down.sql", "DROP TABLE users;\n");
    const Result gr = g.run({"init"});
    EXPECT_CONTAINS(gr.out, "looks like a golang-migrate folder");
    EXPECT_CONTAINS(read_text(g.dir() / "config.toml"), "\n# format = \"sqlmig\"");
}

TEST(CliFirstDay, MisnamedFilesOfAnotherToolSuggestItsFormat) {
    Project p;
    p.migration("20240103120000_users.sql", "-- migrate:up\nCREATE TABLE users (id INTEGER);\n-- migrate:down\n");
    const Result r = p.run({"status"});
    ASSERT_NE(r.code, 0);
    EXPECT_CONTAINS(r.err, "does not end in .up.sql or .down.sql");
    EXPECT_CONTAINS(r.err,
                    "these files look like a dbmate folder (20240103120000_users.sql has '-- migrate:up'): "
                    "set [migrations] format = \"dbmate\" in the config");
    // Files that are no tool's: no suggestion.
    Project q;
    q.migration("notes.sql", "SELECT 1;\n");
    EXPECT_NOT_CONTAINS(q.run({"status"}).err, "look like");
}

TEST(CliFirstDay, InitIgnoresBackupsTheDatabaseAndItsLockInGitOnce) {
    Project p;
    fs::remove(p.dir() / "config.toml");
    p.write_file(".gitignore", "node_modules\nbackups/");  // no final newline
    const Result r = p.run({"init"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_CONTAINS(r.out, "updated: ./.gitignore");
    const std::string ignore = read_text(p.dir() / ".gitignore");
    EXPECT_EQ(ignore,
              "node_modules\nbackups/\n\n# sqlmig: backups (full copies of the data), the SQLite database, its lock\n"
              "/data/app.db\n/data/app.db-journal\n/data/app.db-wal\n/data/app.db-shm\n/data/app.db-sqlmig-lock\n");
    // What a run writes is ignored: git would see nothing else than the project's files.
    p.migration("001_users.up.sql", "CREATE TABLE users (id INTEGER);\nINSERT INTO users VALUES (1);\n");
    p.migration("001_users.down.sql", "DROP TABLE users;\n");
    ASSERT_EQ(p.run({"up"}).code, 0);
    ASSERT_EQ(p.run({"down"}).code, 0);
    EXPECT_FALSE(files_in(p.dir() / "backups").empty());
    // Run again: nothing is duplicated.
    const Result again = p.run({"init"});
    ASSERT_EQ(again.code, 0) << again.err;
    EXPECT_CONTAINS(again.out, "exists:  ./.gitignore");
    EXPECT_EQ(read_text(p.dir() / ".gitignore"), ignore);
    // A fresh project gets a fresh file.
    Project q;
    fs::remove(q.dir() / "config.toml");
    ASSERT_EQ(q.run({"init"}).code, 0);
    EXPECT_EQ(read_text(q.dir() / ".gitignore").rfind("# sqlmig: ", 0), 0u);
    EXPECT_CONTAINS(read_text(q.dir() / ".gitignore"), "/backups/\n");
}

TEST(CliFirstDay, ADevLoopOnADatabaseWithoutDataWritesNoBackups) {
    Project p;
    p.migration("001_users.up.sql", "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);\n");
    p.migration("001_users.down.sql", "DROP TABLE users;\n");
    p.migration("002_posts.up.sql", "CREATE TABLE posts (id INTEGER PRIMARY KEY);\n");
    p.migration("002_posts.down.sql", "DROP TABLE posts;\n");
    for (const char* command : {"up", "down", "redo", "up", "down", "up"}) {
        const Result r = p.run({command});
        ASSERT_EQ(r.code, 0) << command << ": " << r.err;
        EXPECT_CONTAINS(r.err, "no backup: the database holds no data yet (no row outside sqlmig_migrations)");
    }
    EXPECT_TRUE(files_in(p.dir() / "backups").empty());
    // One row is data a down could lose: from then on every run backs up first.
    sqlmig::test::exec_sqlite(p.db_path(), "INSERT INTO posts VALUES (1)");
    const Result down = p.run({"down"});
    ASSERT_EQ(down.code, 0) << down.err;
    const std::string backup = sqlmig::test::logged_backup(down.err);
    ASSERT_FALSE(backup.empty()) << down.err;
    EXPECT_EQ(sqlmig::test::query_sqlite(p.dir() / "backups" / backup, "SELECT count(*) FROM posts"), "1");
}

TEST(CliFirstDay, BackupsListTheVersionEachWasTakenAt) {
    Project p;
    p.write_file("config.toml", "[database]\nurl = \"sqlite:///data/app.db\"\n[backup]\nkeep = 1\n");
    p.migration("001_users.up.sql", "CREATE TABLE users (id INTEGER);\nINSERT INTO users VALUES (1);\n");
    p.migration("002_posts.up.sql", "CREATE TABLE posts (id INTEGER);\n");
    p.migration("003_tags.up.sql", "CREATE TABLE tags (id INTEGER);\n");
    ASSERT_EQ(p.run({"up", "1"}).code, 0);  // a fresh database: no backup
    const Result second = p.run({"up", "2"});
    ASSERT_EQ(second.code, 0) << second.err;
    const std::string before_002 = sqlmig::test::logged_backup(second.err);
    EXPECT_EQ(read_text(p.dir() / "backups" / (before_002 + ".version")), "001\n");
    ASSERT_EQ(p.run({"backup"}).code, 0);
    const Result third = p.run({"up"});
    ASSERT_EQ(third.code, 0) << third.err;
    // keep = 1: the older before-migrate backup went, with its .version file.
    EXPECT_FALSE(fs::exists(p.dir() / "backups" / before_002));
    EXPECT_FALSE(fs::exists(p.dir() / "backups" / (before_002 + ".version")));
    EXPECT_EQ(files_in(p.dir() / "backups").size(), 4u);  // two backups, two .version files

    const Result listed = p.run({"backups"});
    ASSERT_EQ(listed.code, 0) << listed.err;
    EXPECT_CONTAINS(listed.out, "VERSION");
    const auto line_of = [&](const std::string& kind) {
        const std::size_t at = listed.out.find("backups/" + kind);
        return at == std::string::npos ? std::string() : listed.out.substr(at, listed.out.find('\n', at) - at);
    };
    EXPECT_CONTAINS(line_of("before-migrate-"), "  002  ");
    EXPECT_CONTAINS(line_of("manual-"), "  002  ");
    EXPECT_CONTAINS(p.run({"--json", "backups"}).out, "\"version\": \"002\"");
    // A backup without its .version file (taken by an older sqlmig) shows "-".
    fs::remove(p.dir() / "backups" / (sqlmig::test::logged_backup(third.err) + ".version"));
    EXPECT_CONTAINS(p.run({"backups"}).out, "  -  ");
    EXPECT_CONTAINS(p.run({"--json", "backups"}).out, "\"version\": null");
}
