// sqlmig squash --to VERSION (docs/squash.md), on each database: the baseline is proven before it is
// written; databases made before the squash (nothing applied, part-way, past it) stay correct under
// up, down, status and verify; bad input writes nothing; the real folders of ../shared/corpus squash
// to their head. Built into each e2e suite (SQLMIG_E2E_SUITE_<name>).

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>

#include <unistd.h>

#include "e2e/cli_test_support.hpp"
#ifdef SQLMIG_E2E_SUITE_pg
#include "e2e/pg_project.hpp"
#endif
#ifdef SQLMIG_E2E_SUITE_mariadb
#include "e2e/mariadb_project.hpp"
#endif

namespace fs = std::filesystem;
using sqlmig::test::Project;
using sqlmig::test::Result;

namespace {

// Databases of one server (or SQLite files) for one test: each made empty, queried by its URL.
struct Databases {
    std::function<std::string()> make;                                    // a new empty database's URL
    std::function<std::string(const std::string&, const std::string&)> query;  // (url, sql) -> first column
};

// Portable SQL: 001 and 002 seed rows, 003 and 004 come after the squashed range.
void four_migrations(Project& p) {
    p.migration("001_users.up.sql", "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL);\n"
                                    "INSERT INTO users (id, name) VALUES (1, 'ann'), (2, 'bob''s');\n");
    p.migration("001_users.down.sql", "DROP TABLE users;\n");
    p.migration("002_roles.up.sql", "CREATE TABLE roles (id INTEGER PRIMARY KEY, name VARCHAR(50), user_id INTEGER);\n"
                                    "INSERT INTO roles (id, name, user_id) VALUES (1, 'admin', 1);\n"
                                    "CREATE INDEX roles_user ON roles (user_id);\n"
                                    "CREATE VIEW user_roles AS SELECT u.name, r.name AS role FROM users u "
                                    "JOIN roles r ON r.user_id = u.id;\n"
                                    "DELETE FROM users WHERE id = 2;\n");
    p.migration("002_roles.down.sql", "DROP VIEW user_roles;\nDROP TABLE roles;\n");
    p.migration("003_email.up.sql", "ALTER TABLE users ADD COLUMN email VARCHAR(100);\n");
    p.migration("003_email.down.sql", "ALTER TABLE users DROP COLUMN email;\n");
    p.migration("004_posts.up.sql", "CREATE TABLE posts (id INTEGER PRIMARY KEY);\n");
    p.migration("004_posts.down.sql", "DROP TABLE posts;\n");
}

// Server databases (PgDatabase, MariadbDatabase), each dropped when `keep` goes.
template <typename Database>
Databases server_databases(std::vector<std::unique_ptr<Database>>& keep) {
    return {[&keep] { return keep.emplace_back(std::make_unique<Database>())->url(); },
            [&keep](const std::string& url, const std::string& sql) {
                for (const auto& db : keep) {
                    if (db->url() == url) {
                        return db->query(sql);
                    }
                }
                return std::string("no such database");
            }};
}

Result on(const Project& p, const std::string& url, std::vector<std::string> args) {
    args.insert(args.begin(), {"--database", url});
    return p.run(args);
}

void second_squash(Project& p, const std::string& old, const std::vector<std::string>& current);

// The whole story on one database kind: see the file's comment.
void squash_story(Project& p, const Databases& dbs) {
    four_migrations(p);
    const std::string before = dbs.make();  // made before the squash, nothing applied
    const std::string inside = dbs.make();  // at 001, inside the squashed range 001..002
    const std::string after = dbs.make();   // at 004, past it
    const std::string deep = dbs.make();    // at 001, inside both squashes' ranges until the end
    const std::string at_003 = dbs.make();  // at 003 by the old files: past the first range, inside the second
    ASSERT_EQ(on(p, inside, {"up", "1"}).code, 0);
    ASSERT_EQ(on(p, after, {"up"}).code, 0);
    ASSERT_EQ(on(p, deep, {"up", "1"}).code, 0);
    ASSERT_EQ(on(p, at_003, {"up", "3"}).code, 0);

    const Result squashed = on(p, after, {"squash", "--to", "2"});
    ASSERT_EQ(squashed.code, 0) << squashed.err;
    EXPECT_CONTAINS(squashed.out, "wrote migrations/002_baseline.up.sql: squashes 001..002 (2 migrations); proven:");
    EXPECT_CONTAINS(squashed.out, "moved 4 file(s) to migrations/squashed/");
    const std::string baseline = sqlmig::test::read_text(p.dir() / "migrations/002_baseline.up.sql");
    EXPECT_EQ(baseline.rfind("-- sqlmig:baseline squashes 001..002\n", 0), 0u) << baseline;
    EXPECT_NOT_CONTAINS(baseline, "sqlmig_migrations");
    EXPECT_TRUE(fs::exists(p.dir() / "migrations/squashed/001_users.up.sql"));
    EXPECT_FALSE(fs::exists(p.dir() / "migrations/001_users.up.sql"));

    // A fresh database runs the baseline, then 003 and 004, and has the seeded rows.
    const std::string fresh = dbs.make();
    const Result up_fresh = on(p, fresh, {"up"});
    ASSERT_EQ(up_fresh.code, 0) << up_fresh.err;
    EXPECT_CONTAINS(up_fresh.err, "applied 002_baseline");
    EXPECT_EQ(dbs.query(fresh, "SELECT name FROM users ORDER BY id"), dbs.query(after, "SELECT name FROM users ORDER BY id"));
    EXPECT_EQ(dbs.query(fresh, "SELECT role FROM user_roles"), "admin");

    // Nothing applied before the squash: the same as fresh. Its down stops at the baseline.
    ASSERT_EQ(on(p, before, {"up"}).code, 0);
    EXPECT_EQ(on(p, before, {"down", "2"}).code, 0);
    const Result below_baseline = on(p, before, {"down"});
    EXPECT_EQ(below_baseline.code, 3);
    EXPECT_CONTAINS(below_baseline.err, "002_baseline.up.sql: it is a baseline (squashes 001..002) without a down");

    // Part-way: refused, naming the old files; once they take it past 002, the rest runs.
    const Result part_way = on(p, inside, {"up"});
    EXPECT_EQ(part_way.code, 3);
    EXPECT_CONTAINS(part_way.err, "this database applied 001 of the migrations that 002_baseline.up.sql squashes "
                                  "(001..002) but not 002; migrate it past 002 with the old files first");
    EXPECT_CONTAINS(part_way.err, "they are in migrations/squashed ('sqlmig --dir migrations/squashed up 002'), then "
                                  "run this command again");
    EXPECT_EQ(on(p, inside, {"--dir", "migrations/squashed", "up", "2"}).code, 0);
    const Result caught_up = on(p, inside, {"up"});
    EXPECT_EQ(caught_up.code, 0) << caught_up.err;

    // Past the range: nothing to re-run, no drift; status names the squashed rows.
    const Result status = on(p, after, {"status"});
    EXPECT_EQ(status.code, 0) << status.err;
    EXPECT_CONTAINS(status.out, "squashed (into 002_baseline.up.sql)");
    EXPECT_CONTAINS(on(p, after, {"status", "--json"}).out, "\"state\": \"squashed\"");
    const Result up_after = on(p, after, {"up"});
    EXPECT_EQ(up_after.code, 0) << up_after.err;
    EXPECT_CONTAINS(up_after.err, "nothing to do");
    EXPECT_EQ(on(p, after, {"check"}).code, 0);
    EXPECT_EQ(on(p, after, {"down", "2"}).code, 0);  // 004 and 003 have downs
    const Result across = on(p, after, {"down"});
    EXPECT_EQ(across.code, 3);
    EXPECT_CONTAINS(across.err, "this database applied it with the files that 002_baseline.up.sql squashes; revert it "
                                "with those files: they are in migrations/squashed ('sqlmig --dir migrations/squashed "
                                "down ...'); nothing was reverted");
    EXPECT_EQ(on(p, after, {"up"}).code, 0);
    EXPECT_EQ(on(p, after, {"history"}).code, 0);

    const Result verify = on(p, after, {"verify"});
    EXPECT_EQ(verify.code, 0) << verify.out << verify.err;
    EXPECT_CONTAINS(verify.out, "unchecked       002_baseline (no down file)");
    const Result lint = p.run({"lint"});
    EXPECT_NOT_CONTAINS(lint.out, "002_baseline.up.sql:1:1: warning: no down file");

    // Squashed again, to head: the earlier baseline is replaced too, and every database still reads right.
    const std::string from_first = dbs.make();  // the first baseline and 003: inside the second range
    ASSERT_EQ(on(p, from_first, {"up", "3"}).code, 0);
    second_squash(p, after, {inside, fresh});
    const std::string newest = dbs.make();
    EXPECT_EQ(on(p, newest, {"up"}).code, 0);
    EXPECT_EQ(dbs.query(newest, "SELECT count(*) FROM posts"), "0");
    const std::string names = "SELECT name FROM users ORDER BY id";
    EXPECT_EQ(dbs.query(newest, names), dbs.query(after, names));

    // squashed/ is the folder as it was before the second squash, and finishes a database part-way
    // through its range, whichever files made it; its own squashed/ does the same one range further back.
    for (const auto& url : {from_first, at_003}) {
        const Result part = on(p, url, {"up"});
        EXPECT_EQ(part.code, 3) << url;
        EXPECT_CONTAINS(part.err, "migrate it past 004 with the old files first");
        const Result finished = on(p, url, {"--dir", "migrations/squashed", "up"});
        EXPECT_EQ(finished.code, 0) << url << ": " << finished.err;
        EXPECT_CONTAINS(on(p, url, {"up"}).err, "nothing to do");
    }
    const Result deeper = on(p, deep, {"--dir", "migrations/squashed", "up"});
    EXPECT_EQ(deeper.code, 3);
    EXPECT_CONTAINS(deeper.err, "this database applied 001 of the migrations that 002_baseline.up.sql squashes");
    EXPECT_EQ(on(p, deep, {"--dir", "migrations/squashed/squashed", "up", "2"}).code, 0);
    EXPECT_EQ(on(p, deep, {"--dir", "migrations/squashed", "up"}).code, 0);
    EXPECT_CONTAINS(on(p, deep, {"up"}).err, "nothing to do");
    EXPECT_EQ(dbs.query(deep, "SELECT count(*) FROM posts"), "0");
}

// The second squash of squash_story (to 004, over the baseline 002_baseline): the layout it leaves,
// and status, history, verify and lint of it on a database the old files made (`old`); `current`
// databases are at head and stay there.
void second_squash(Project& p, const std::string& old, const std::vector<std::string>& current) {
    const Result to_head = on(p, old, {"squash", "--to", "4", "--json"});
    ASSERT_EQ(to_head.code, 0) << to_head.err;
    EXPECT_CONTAINS(to_head.out, "\"baseline\": \"004_baseline.up.sql\"");
    EXPECT_CONTAINS(to_head.out, "\"first\": \"001\"");
    const fs::path dir = p.dir() / "migrations";
    EXPECT_TRUE(fs::exists(dir / "squashed/002_baseline.up.sql"));
    EXPECT_TRUE(fs::exists(dir / "squashed/003_email.down.sql"));
    EXPECT_TRUE(fs::exists(dir / "squashed/squashed/002_roles.up.sql"));
    EXPECT_FALSE(fs::exists(dir / "squashed/002_roles.up.sql")) << "two files of version 002 side by side";
    for (const auto& url : current) {
        const Result again = on(p, url, {"up"});
        EXPECT_EQ(again.code, 0) << url << ": " << again.err;
        EXPECT_CONTAINS(again.err, "nothing to do");
    }
    const Result status = on(p, old, {"status"});
    EXPECT_EQ(status.code, 0) << status.err;
    EXPECT_CONTAINS(status.out, "squashed (into 004_baseline.up.sql)");
    EXPECT_CONTAINS(on(p, old, {"up"}).err, "nothing to do");
    EXPECT_EQ(on(p, old, {"history"}).code, 0);
    EXPECT_EQ(on(p, old, {"--dir", "migrations/squashed", "status"}).code, 0);
    const Result verify = on(p, old, {"verify"});
    EXPECT_EQ(verify.code, 0) << verify.out << verify.err;
    EXPECT_CONTAINS(verify.out, "unchecked       004_baseline (no down file)");
    const Result lint = p.run({"lint"});
    EXPECT_NOT_CONTAINS(lint.out, "004_baseline.up.sql:1:1: warning: no down file");
}

// Squashes a real folder (copied: squash moves files) to its head, proves it, and makes a fresh database
// from the baseline; a database migrated by all the files before reads the baseline as applied.
void squash_corpus_folder(Project& p, const Databases& dbs, const fs::path& folder, const std::string& head) {
    fs::remove_all(p.dir() / "migrations");
    fs::copy(folder, p.dir() / "migrations", fs::copy_options::recursive);
    const std::string old = dbs.make();
    const Result all_files = on(p, old, {"up"});
    ASSERT_EQ(all_files.code, 0) << all_files.err;
    const Result squashed = on(p, old, {"squash", "--to", head});
    ASSERT_EQ(squashed.code, 0) << squashed.err;
    EXPECT_CONTAINS(squashed.out, "proven: the same schema");
    std::cout << folder.filename().string() << ": " << squashed.out;  // the times, for docs/squash.md
    const std::string fresh = dbs.make();
    const Result from_baseline = on(p, fresh, {"up"});
    EXPECT_EQ(from_baseline.code, 0) << from_baseline.err;
    const Result status = on(p, old, {"up"});
    EXPECT_EQ(status.code, 0) << status.err;
    EXPECT_CONTAINS(status.err, "nothing to do");
    EXPECT_EQ(on(p, fresh, {"check"}).code, 0);
}

}  // namespace

#ifdef SQLMIG_E2E_SUITE_sqlite

namespace {

Databases sqlite_files(const Project& p) {
    auto count = std::make_shared<int>(0);
    return {[&p, count] { return "sqlite:" + (p.dir() / ("data/db" + std::to_string(++*count) + ".db")).string(); },
            [](const std::string& url, const std::string& sql) {
                return sqlmig::test::query_sqlite(url.substr(std::string("sqlite:").size()), sql);
            }};
}

}  // namespace

TEST(SquashSqlite, BaselineIsProvenAndEveryDatabaseStaysCorrect) {
    Project p;
    squash_story(p, sqlite_files(p));
}

TEST(SquashSqlite, BadInputIsOneErrorLineAndNothingIsWritten) {
    Project p;
    four_migrations(p);
    const auto files_before = sqlmig::test::files_in(p.dir() / "migrations");
    const Result missing = p.run({"squash", "--to", "7"});
    EXPECT_EQ(missing.code, 2);
    EXPECT_CONTAINS(missing.err, "sqlmig: error: no migration has version '7'");
    const Result first = p.run({"squash", "--to", "1"});
    EXPECT_EQ(first.code, 3);
    EXPECT_CONTAINS(first.err, "nothing to squash");
    p.migration("003_email.up.sql", "ALTER TABLE users ADD COLUMN email VARCHAR(100);\nSELECT nosuch FROM users;\n");
    const Result fails = p.run({"squash", "--to", "3"});
    EXPECT_EQ(fails.code, 1);
    EXPECT_CONTAINS(fails.err, "squash stopped: a migration failed on the scratch database");
    EXPECT_CONTAINS(fails.err, "migrations/003_email.up.sql:2:8: no such column: nosuch");
    EXPECT_EQ(sqlmig::test::files_in(p.dir() / "migrations"), files_before);
    EXPECT_FALSE(fs::exists(p.db_path())) << "the configured database is never touched";
    p.migration("003_email.up.sql", "ALTER TABLE users ADD COLUMN email VARCHAR(100);\n");
    ASSERT_EQ(p.run({"squash", "--to", "3"}).code, 0);
    const Result earlier = p.run({"squash", "--to", "2"});
    EXPECT_EQ(earlier.code, 3);
    EXPECT_CONTAINS(earlier.err, "the folder is already squashed to 003 (003_baseline.up.sql)");
    // A squashed file brought back beside the baseline (another branch) is named.
    p.migration("002_roles.up.sql", "SELECT 1;\n");
    const Result back = p.run({"status"});
    EXPECT_EQ(back.code, 2);
    EXPECT_CONTAINS(back.err, "002_roles.up.sql has a version inside 001..003, which 003_baseline.up.sql squashes");
}

// Appends a comment to a migration file: another checksum, the same schema.
void edit(const Project& p, const std::string& file) {
    std::ofstream(p.dir() / "migrations" / file, std::ios::app) << "-- edited\n";
}

TEST(SquashSqlite, ValidateComparesASquashedVersionsRowWithItsFileUnderSquashed) {
    Project p;
    four_migrations(p);
    ASSERT_EQ(p.run({"up"}).code, 0);  // the files as they were
    edit(p, "001_users.up.sql");
    edit(p, "002_roles.up.sql");         // the baseline's own version, applied by the file it replaces
    const std::string edited = "sqlite:" + (p.dir() / "data/edited.db").string();
    ASSERT_EQ(on(p, edited, {"up"}).code, 0);
    ASSERT_EQ(p.run({"squash", "--to", "2"}).code, 0);

    const Result clean = on(p, edited, {"validate"});
    EXPECT_EQ(clean.code, 0) << clean.out << clean.err;
    for (const std::string command : {"validate", "check"}) {
        const Result r = p.run({command});
        EXPECT_EQ(r.code, 3) << command;
        EXPECT_CONTAINS(r.out, "problem: version 001 (users) was edited after it was applied and then squashed: its "
                               "tracking row records sha256:");
        EXPECT_CONTAINS(r.out, ", which migrations/squashed/001_users.up.sql does not have; restore the file under "
                               "migrations/squashed/ as it was applied");
        EXPECT_CONTAINS(r.out, "problem: version 002 (roles) was edited after it was applied and then squashed");
    }
}

TEST(SquashSqlite, DriftReplaysSquashedVersionsFromSquashedWhenNoSqlIsStored) {
    Project p;
    p.write_file("config.toml", "[database]\nurl = \"sqlite:///data/app.db\"\n[tracking]\nstore_sql_max = 0\n");
    four_migrations(p);
    ASSERT_EQ(p.run({"up"}).code, 0);  // the old files
    ASSERT_EQ(p.run({"squash", "--to", "2"}).code, 0);
    const std::string from_first = "sqlite:" + (p.dir() / "data/first.db").string();
    ASSERT_EQ(on(p, from_first, {"up"}).code, 0);  // the first baseline, 003 and 004
    ASSERT_EQ(p.run({"squash", "--to", "4"}).code, 0);

    for (const auto& url : {std::string("sqlite:///data/app.db"), from_first}) {
        const Result r = on(p, url, {"drift", "--json"});
        EXPECT_EQ(r.code, 0) << url << ": " << r.out << r.err;
        EXPECT_CONTAINS(r.out, "\"replayed_from_stored_sql\": []");
    }
    sqlmig::test::exec_sqlite(p.db_path(), "CREATE INDEX users_name ON users (name)");
    const Result drifted = p.run({"drift"});
    EXPECT_EQ(drifted.code, 3) << drifted.err;
    EXPECT_CONTAINS(drifted.out, "added index users_name");

    edit(p, "squashed/squashed/001_users.up.sql");
    const Result edited = p.run({"drift"});
    EXPECT_EQ(edited.code, 2) << edited.out;
    EXPECT_CONTAINS(edited.err, "(users): its file migrations/squashed/squashed/001_users.up.sql was edited after it "
                                "was applied, and the tracking table keeps no SQL for it");
}

TEST(SquashSqlite, AFileThatCannotBeReadIsAFolderErrorAndASquashedThatIsNoFolderIsRefusedFirst) {
    Project p;
    four_migrations(p);
    p.migration("002_roles.up.sql", std::string("SELECT 1;\n\0\n", 12));  // sqlmig cannot send a NUL byte
    const auto files_before = sqlmig::test::files_in(p.dir() / "migrations");
    const Result unreadable = p.run({"squash", "--to", "3"});
    EXPECT_EQ(unreadable.code, 2) << unreadable.err;
    EXPECT_CONTAINS(unreadable.err, "sqlmig: error: squash stopped: a migration file is unusable; nothing was written");
    EXPECT_CONTAINS(unreadable.err, "002_roles.up.sql");
    EXPECT_EQ(sqlmig::test::files_in(p.dir() / "migrations"), files_before);

    p.migration("002_roles.up.sql", "SELECT 1;\n");
    fs::create_symlink("nowhere", p.dir() / "migrations/squashed");
    const Result dangling = p.run({"squash", "--to", "3"});
    EXPECT_EQ(dangling.code, 2) << dangling.err;
    EXPECT_CONTAINS(dangling.err, "migrations/squashed is not a folder; squash moves the replaced files there");
    EXPECT_NOT_CONTAINS(dangling.err, "replaying") << "refused before anything runs";
    EXPECT_TRUE(fs::exists(p.dir() / "migrations/001_users.up.sql"));
}

// Runs sqlmig as a user the folder's permissions hold: nobody when the tests run as root, who
// reads and writes anything.
Result as_unprivileged(const Project& p, const std::vector<std::string>& args) {
    return p.run(args, ::geteuid() == 0 ? "setpriv --reuid=65534 --regid=65534 --clear-groups" : "");
}

TEST(SquashSqlite, AFolderItCannotWriteOrAFileItCannotReadIsOneErrorLineAndNothingIsWritten) {
    Project p;
    four_migrations(p);
    const fs::path dir = p.dir() / "migrations";
    const auto files_before = sqlmig::test::files_in(dir);
    fs::permissions(p.dir(), fs::perms::owner_all | fs::perms::group_all | fs::perms::others_all);
    fs::permissions(dir, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                             fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
    const Result unwritable = as_unprivileged(p, {"squash", "--to", "2"});
    EXPECT_EQ(unwritable.code, 2) << unwritable.err;
    EXPECT_CONTAINS(unwritable.err, "sqlmig: error: cannot write the folder " + dir.string() + ": Permission denied");
    EXPECT_NOT_CONTAINS(unwritable.err, "replaying") << "refused before anything runs";
    EXPECT_NOT_CONTAINS(unwritable.err, "filesystem error");

    fs::permissions(dir, fs::perms::all);
    fs::permissions(dir / "002_roles.up.sql", fs::perms::none);
    const Result unreadable = as_unprivileged(p, {"squash", "--to", "2"});
    fs::permissions(dir / "002_roles.up.sql", fs::perms::owner_read | fs::perms::owner_write);
    EXPECT_EQ(unreadable.code, 2) << unreadable.err;
    EXPECT_CONTAINS(unreadable.err, "cannot read " + (dir / "002_roles.up.sql").string() + ": Permission denied");
    EXPECT_EQ(sqlmig::test::files_in(dir), files_before);
}

TEST(SquashSqlite, FleetStatusSeesEachTargetsSideOfTheBaseline) {
    Project p;
    four_migrations(p);
    p.write_file("config.toml", "[database]\nurl = \"sqlite:data/app.db\"\n[fleet]\ntargets = [\n"
                                "  { name = \"inside\", url = \"sqlite:data/inside.db\" },\n"
                                "  { name = \"after\", url = \"sqlite:data/after.db\" },\n"
                                "  { name = \"fresh\", url = \"sqlite:data/fresh.db\" } ]\n");
    ASSERT_EQ(p.run({"--database", "sqlite:data/inside.db", "up", "1"}).code, 0);
    ASSERT_EQ(p.run({"--database", "sqlite:data/after.db", "up"}).code, 0);
    ASSERT_EQ(p.run({"squash", "--to", "2"}).code, 0);
    const Result r = p.run({"fleet", "status"});
    EXPECT_CONTAINS(r.out, "after   at head");
    EXPECT_CONTAINS(r.out, "fresh   behind   none     3");  // the baseline and the two after it
    EXPECT_CONTAINS(r.out, "inside  drift");
    EXPECT_CONTAINS(r.err, "[inside] drift (1, 3 pending), ");  // then its duration, which a loaded machine varies
    EXPECT_CONTAINS(r.err, " ms: this database applied 001 of the migrations that 002_baseline.up.sql squashes");
}

TEST(SquashSqlite, TheBaselineRunsInTheSqlite3ShellToo) {
    Project p;
    four_migrations(p);
    ASSERT_EQ(p.run({"squash", "--to", "2"}).code, 0);
    const fs::path db = p.dir() / "data/by-hand.db";
    fs::create_directories(db.parent_path());
    const std::string command = "sqlite3 -bail " + sqlmig::test::shell_quote(db.string()) + " < " +
                                sqlmig::test::shell_quote((p.dir() / "migrations/002_baseline.up.sql").string());
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    EXPECT_EQ(sqlmig::test::query_sqlite(db, "SELECT role FROM user_roles"), "admin");
}

TEST(SquashSqlite, DryRunProvesAndWritesNothing) {
    Project p;
    four_migrations(p);
    const auto files_before = sqlmig::test::files_in(p.dir() / "migrations");
    const Result r = p.run({"squash", "--to", "2", "--dry-run"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_CONTAINS(r.out, "would write migrations/002_baseline.up.sql: squashes 001..002 (2 migrations); proven: "
                           "the same schema");
    EXPECT_EQ(sqlmig::test::files_in(p.dir() / "migrations"), files_before);
}

TEST(SquashSqlite, OtherFormatsGetTheirOwnBaselineFile) {
    Project p;
    sqlmig::test::use_format(p, "goose");
    p.migration("001_a.sql", "-- +goose Up\nCREATE TABLE a (x INTEGER);\nINSERT INTO a VALUES (1);\n"
                             "-- +goose Down\nDROP TABLE a;\n");
    p.migration("002_b.sql", "-- +goose Up\nCREATE TABLE b (y INTEGER);\n-- +goose Down\nDROP TABLE b;\n");
    p.migration("003_c.sql", "-- +goose Up\nCREATE TABLE c (z INTEGER);\n-- +goose Down\nDROP TABLE c;\n");
    ASSERT_EQ(p.run({"up"}).code, 0);
    const Result r = p.run({"squash", "--to", "2"});
    ASSERT_EQ(r.code, 0) << r.err;
    const std::string text = sqlmig::test::read_text(p.dir() / "migrations/002_baseline.sql");
    EXPECT_EQ(text.rfind("-- sqlmig:baseline squashes 001..002\n-- +goose Up\n", 0), 0u) << text;
    EXPECT_EQ(p.run({"up"}).code, 0);
    const Result down = p.run({"down", "1"});
    EXPECT_EQ(down.code, 3) << down.err;  // 003 has its down; the old files applied the baseline's range
    EXPECT_EQ(p.run({"check"}).code, 0);
}

TEST(SquashSqlite, SqlMigrateFolderSquashesTwice) {
    Project p;
    sqlmig::test::use_format(p, "sql-migrate");
    for (const std::string name : {"a", "b", "c", "d"}) {
        const std::string number = std::to_string(name[0] - 'a' + 1);
        p.migration(number + "_" + name + ".sql",
                    "-- +migrate Up\nCREATE TABLE " + name + " (x INTEGER);\nINSERT INTO " + name + " VALUES (" +
                        number + ");\n-- +migrate Down\nDROP TABLE " + name + ";\n");
    }
    ASSERT_EQ(p.run({"up"}).code, 0);
    ASSERT_EQ(p.run({"squash", "--to", "2"}).code, 0);
    const Result again = p.run({"squash", "--to", "4"});
    ASSERT_EQ(again.code, 0) << again.err;
    const fs::path dir = p.dir() / "migrations";
    EXPECT_EQ(sqlmig::test::read_text(dir / "4_d.sql").rfind("-- sqlmig:baseline squashes 1_a.sql..4_d.sql\n", 0), 0u);
    EXPECT_EQ(sqlmig::test::read_text(dir / "squashed/2_b.sql").rfind("-- sqlmig:baseline squashes 1_a.sql..2_b.sql\n", 0),
              0u);
    EXPECT_EQ(sqlmig::test::read_text(dir / "squashed/squashed/2_b.sql").rfind("-- +migrate Up\n", 0), 0u);
    EXPECT_CONTAINS(p.run({"up"}).err, "nothing to do");
    EXPECT_EQ(p.run({"status"}).code, 0);
    const std::string fresh = "sqlite:" + (p.dir() / "data/fresh.db").string();
    EXPECT_EQ(on(p, fresh, {"up"}).code, 0);
    EXPECT_EQ(sqlmig::test::query_sqlite(p.dir() / "data/fresh.db", "SELECT x FROM b"), "2");
}

TEST(SquashSqlite, RealGooseFolderSquashesToItsHead) {
    SQLMIG_REQUIRE_CORPUS(corpus);
    Project p;
    sqlmig::test::use_format(p, "goose");
    squash_corpus_folder(p, sqlite_files(p), corpus / "gophish-sqlite-goose", "20220321133237");
}

#endif  // SQLMIG_E2E_SUITE_sqlite

#ifdef SQLMIG_E2E_SUITE_pg

TEST(SquashPostgres, BaselineIsProvenAndEveryDatabaseStaysCorrect) {
    sqlmig::test::PgProject p;
    std::vector<std::unique_ptr<sqlmig::test::PgDatabase>> keep;
    squash_story(p.project, server_databases(keep));
}

TEST(SquashPostgres, WithoutCreatedbItSaysWhatIsMissingAndWritesNothing) {
    sqlmig::test::PgProject p;
    p.db.query("DROP ROLE IF EXISTS sqlmig_squash_nocreatedb");
    p.db.query("CREATE ROLE sqlmig_squash_nocreatedb LOGIN");
    const std::string url = p.db.url();
    p.project.write_file("config.toml", "[database]\nurl = \"postgres://sqlmig_squash_nocreatedb@" +
                                            url.substr(url.find('@') + 1) + "\"\n");
    four_migrations(p.project);
    const auto files_before = sqlmig::test::files_in(p.project.dir() / "migrations");
    const Result r = p.run({"squash", "--to", "2"});
    EXPECT_EQ(r.code, 1);
    EXPECT_CONTAINS(r.err, "sqlmig: error: cannot create the scratch database for squash");
    EXPECT_CONTAINS(r.err, "the user needs the CREATEDB privilege");
    EXPECT_NOT_CONTAINS(r.err, "--scratch-url");
    EXPECT_EQ(sqlmig::test::files_in(p.project.dir() / "migrations"), files_before);
    p.db.query("DROP ROLE sqlmig_squash_nocreatedb");
}

TEST(SquashPostgres, SeedsSequencesFunctionsAndTriggersAreProvenTheSame) {
    sqlmig::test::PgProject p;
    p.project.migration("001_a.up.sql",
                        "CREATE TYPE mood AS ENUM ('ok', 'sad');\n"
                        "CREATE TABLE people (id serial PRIMARY KEY, name text NOT NULL, m mood DEFAULT 'ok', "
                        "note text);\nCOMMENT ON COLUMN people.note IS 'free text';\n"
                        "INSERT INTO people (name, note) VALUES ('ann', E'back\\\\slash'), ('bob', NULL), ('cy', 'x');\n"
                        "DELETE FROM people WHERE name = 'bob';\nALTER TABLE people DROP COLUMN m;\n");
    p.project.migration("002_b.up.sql",
                        "CREATE SCHEMA audit;\nCREATE TABLE audit.log (id int GENERATED ALWAYS AS IDENTITY, who text);\n"
                        "CREATE FUNCTION audit.f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                        "INSERT INTO audit.log (who) VALUES (NEW.name); RETURN NEW; END $$;\n"
                        "CREATE TRIGGER t AFTER INSERT ON people FOR EACH ROW EXECUTE FUNCTION audit.f();\n"
                        "INSERT INTO people (name) VALUES ('dee');\n");
    const Result r = p.run({"squash", "--to", "2"});
    ASSERT_EQ(r.code, 0) << r.err;
    const std::string text = sqlmig::test::read_text(p.project.dir() / "migrations/002_baseline.up.sql");
    EXPECT_NOT_CONTAINS(text, "\\restrict");
    EXPECT_NOT_CONTAINS(text, "SET statement_timeout");
    EXPECT_CONTAINS(text, "SELECT pg_catalog.setval('public.people_id_seq', 4, true);");
    ASSERT_EQ(p.run({"up"}).code, 0);
    EXPECT_EQ(p.db.query("SELECT string_agg(who, ',') FROM audit.log"), "dee");  // the trigger did not fire again
    EXPECT_EQ(p.db.query("SELECT note FROM people WHERE name = 'ann'"), "back\\slash");
    EXPECT_EQ(p.db.query("SELECT nextval('people_id_seq')"), "5");
}

TEST(SquashPostgres, ATrackingTableInASchemaOfItsOwnIsLeftOutAndItsSchemaMayExist) {
    sqlmig::test::PgProject p("[migrations]\ntable = \"ops.sqlmig_migrations\"\n");
    four_migrations(p.project);
    const Result r = p.run({"squash", "--to", "2"});
    ASSERT_EQ(r.code, 0) << r.err;
    const std::string text = sqlmig::test::read_text(p.project.dir() / "migrations/002_baseline.up.sql");
    EXPECT_CONTAINS(text, "CREATE SCHEMA IF NOT EXISTS ops;");
    EXPECT_NOT_CONTAINS(text, "sqlmig_migrations");
    const Result up = p.run({"up"});
    EXPECT_EQ(up.code, 0) << up.err;
    EXPECT_EQ(p.db.query("SELECT string_agg(version, ',' ORDER BY version::int) FROM ops.sqlmig_migrations"), "2,3,4");
}

TEST(SquashPostgres, ASearchPathSchemaMadeByHandHoldsTheBaselinesObjects) {
    sqlmig::test::PgProject p;
    p.db.query("CREATE SCHEMA by_hand");
    const std::string url = sqlmig::test::with_search_path(p.db.url(), "by_hand,public");
    p.project.write_file("config.toml", "[database]\nurl = \"" + url + "\"\n");
    four_migrations(p.project);
    ASSERT_EQ(p.run({"up"}).code, 0);  // the old files, into by_hand
    const Result r = p.run({"squash", "--to", "2"});
    ASSERT_EQ(r.code, 0) << r.err;
    const std::string text = sqlmig::test::read_text(p.project.dir() / "migrations/002_baseline.up.sql");
    EXPECT_CONTAINS(text, "CREATE SCHEMA IF NOT EXISTS by_hand;");
    EXPECT_CONTAINS(text, "CREATE TABLE by_hand.users");
    EXPECT_CONTAINS(text, "SELECT pg_catalog.set_config('search_path', 'by_hand,public', true);");

    sqlmig::test::PgDatabase fresh;
    fresh.query("CREATE SCHEMA by_hand");
    const Result up = p.run({"--database", sqlmig::test::with_search_path(fresh.url(), "by_hand,public"), "up"});
    ASSERT_EQ(up.code, 0) << up.err;
    const std::string tables = "SELECT string_agg(table_schema || '.' || table_name, ',' ORDER BY 1) FROM "
                               "information_schema.tables "
                               "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')";
    EXPECT_EQ(fresh.query(tables), p.db.query(tables));
    EXPECT_EQ(fresh.query("SELECT role FROM by_hand.user_roles"), "admin");
    EXPECT_EQ(p.run({"drift"}).code, 0);
}

TEST(SquashPostgres, TheBaselineRunsInPsqlToo) {
    sqlmig::test::PgProject p;
    four_migrations(p.project);
    ASSERT_EQ(p.run({"squash", "--to", "2"}).code, 0);
    const std::string command = "psql -X -q -v ON_ERROR_STOP=1 --single-transaction -o /dev/null " +
                                sqlmig::test::shell_quote(p.db.url()) + " -f " +
                                sqlmig::test::shell_quote((p.project.dir() / "migrations/002_baseline.up.sql").string());
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    EXPECT_EQ(p.db.query("SELECT role FROM user_roles"), "admin");
}

TEST(SquashPostgres, RealFlywayFolderSquashesToItsHeadAndKeepsItsRepeatables) {
    SQLMIG_REQUIRE_CORPUS(corpus);
    sqlmig::test::PgProject p("[migrations]\nformat = \"flyway\"\n");
    std::vector<std::unique_ptr<sqlmig::test::PgDatabase>> keep;
    squash_corpus_folder(p.project, server_databases(keep), corpus / "marquez-flyway", "74");
    EXPECT_TRUE(fs::exists(p.project.dir() / "migrations/V74__baseline.sql"));
    EXPECT_FALSE(fs::exists(p.project.dir() / "migrations/squashed/V74__baseline.sql"));
    std::size_t repeatables = 0;
    for (const auto& file : sqlmig::test::files_in(p.project.dir() / "migrations")) {
        repeatables += file.filename().string().rfind("R__", 0) == 0 ? 1 : 0;
    }
    EXPECT_EQ(repeatables, 3u) << "the R__ files stay and run after the baseline";
}

TEST(SquashPostgres, RealSqlMigrateFolderSquashesToAMiddleFileKeepingItsName) {
    SQLMIG_REQUIRE_CORPUS(corpus);
    sqlmig::test::PgProject p("[migrations]\nformat = \"sql-migrate\"\n");
    std::vector<std::string> sql;
    for (const auto& file : sqlmig::test::files_in(corpus / "goalert-sqlmigrate")) {
        if (file.extension() == ".sql") {
            sql.push_back(file.filename().string());
        }
    }
    ASSERT_GT(sql.size(), 100u);
    const std::string middle = sql[99];  // 20180207124220-rotation-participant-position-consistency.sql
    std::vector<std::unique_ptr<sqlmig::test::PgDatabase>> keep;
    squash_corpus_folder(p.project, server_databases(keep), corpus / "goalert-sqlmigrate", middle);
    const std::string text = sqlmig::test::read_text(p.project.dir() / "migrations" / middle);
    EXPECT_EQ(text.rfind("-- sqlmig:baseline squashes " + sql[0] + ".." + middle + "\n-- +migrate Up\n", 0), 0u);
    EXPECT_TRUE(fs::exists(p.project.dir() / "migrations/squashed" / middle));
    const Result status = p.run({"status"});
    EXPECT_CONTAINS(status.out, "pending (baseline)");  // the project's own database is empty
}

TEST(SquashPostgres, RealFolderSquashesToItsHead) {
    SQLMIG_REQUIRE_CORPUS(corpus);
    sqlmig::test::PgProject p;
    std::vector<std::unique_ptr<sqlmig::test::PgDatabase>> keep;
    squash_corpus_folder(p.project, server_databases(keep), corpus / "pocket-id-postgres", "20260814120000");
}

#endif  // SQLMIG_E2E_SUITE_pg

#ifdef SQLMIG_E2E_SUITE_mariadb

TEST(SquashMariadb, BaselineIsProvenAndEveryDatabaseStaysCorrect) {
    sqlmig::test::MariadbProject p;
    std::vector<std::unique_ptr<sqlmig::test::MariadbDatabase>> keep;
    squash_story(p.project, server_databases(keep));
}

TEST(SquashMariadb, TriggersRoutinesAndForeignKeysLoadWithoutTheirDefiner) {
    sqlmig::test::MariadbProject p;
    p.project.migration("001_a.up.sql",
                        "CREATE TABLE parent (id INT PRIMARY KEY);\n"
                        "CREATE TABLE child (id INT PRIMARY KEY, p INT, FOREIGN KEY (p) REFERENCES parent (id));\n"
                        "INSERT INTO parent VALUES (1);\nINSERT INTO child VALUES (1, 1);\n"
                        "CREATE TABLE counter (n INT);\nINSERT INTO counter VALUES (0);\n");
    p.project.migration("002_b.up.sql",
                        "CREATE TRIGGER bump AFTER INSERT ON child FOR EACH ROW UPDATE counter SET n = n + 1;\n"
                        "DELIMITER //\nCREATE PROCEDURE two() BEGIN SELECT 2; END//\nDELIMITER ;\n"
                        "INSERT INTO child VALUES (2, 1);\n");
    const Result r = p.run({"squash", "--to", "2"});
    ASSERT_EQ(r.code, 0) << r.err;
    const std::string text = sqlmig::test::read_text(p.project.dir() / "migrations/002_baseline.up.sql");
    EXPECT_NOT_CONTAINS(text, "DEFINER=`");
    EXPECT_NOT_CONTAINS(text, "sandbox");
    ASSERT_EQ(p.run({"up"}).code, 0);
    EXPECT_EQ(p.db.query("SELECT n FROM counter"), "1");  // loading the rows fired no trigger
    EXPECT_EQ(p.db.query("SELECT COUNT(*) FROM child"), "2");
}

TEST(SquashMariadb, RealFolderSquashesToItsHead) {
    SQLMIG_REQUIRE_CORPUS(corpus);
    sqlmig::test::MariadbProject p;
    std::vector<std::unique_ptr<sqlmig::test::MariadbDatabase>> keep;
    squash_corpus_folder(p.project, server_databases(keep), corpus / "model-registry-mysql", "000021");
}

#endif  // SQLMIG_E2E_SUITE_mariadb
