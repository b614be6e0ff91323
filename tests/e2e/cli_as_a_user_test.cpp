// sqlmig run as a user runs it: the project folder as the working directory, no
// --config, --database or --dir, every URL form that docs/config.md documents.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <functional>

#include "e2e/cli_test_support.hpp"

using sqlmig::test::Project;
using sqlmig::test::query_sqlite;
using sqlmig::test::Result;

namespace fs = std::filesystem;

namespace {

void write_config(Project& p, const std::string& url) {
    p.write_file("config.toml", "[database]\nurl = \"" + url + "\"\n");
}

}  // namespace

TEST(AsAUser, EverySqliteUrlFormResolvesAgainstTheConfigFolder) {
    struct Case {
        const char* url;
        const char* file;  // where the database must be, relative to the project
    };
    const std::vector<Case> cases = {
        {"sqlite:///app.db", "app.db"},  // Alembic's tutorial form: beside config.toml
        {"sqlite:///data/app.db", "data/app.db"},
        {"sqlite:///nested/deeper/app.db", "nested/deeper/app.db"},
        {"sqlite:///./dot/app.db", "dot/app.db"},
        {"sqlite:///sub/../up.db", "up.db"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.url);
        Project p;
        write_config(p, c.url);
        p.migration("001_a.up.sql", "CREATE TABLE a (id INTEGER);\n");
        const Result up = p.run({"up"});
        ASSERT_EQ(up.code, 0) << up.err;
        EXPECT_EQ(query_sqlite(p.dir() / c.file, "SELECT version FROM sqlmig_migrations"), "1");
        for (const char* command : {"status", "current", "history", "validate", "check"}) {
            const Result r = p.run({command});
            EXPECT_EQ(r.code, 0) << command << ": " << r.err;
        }
    }
}

TEST(AsAUser, AbsoluteAndParentFolderUrls) {
    Project outside;  // a folder beside the project, for '..'
    Project p;
    const fs::path absolute = outside.dir() / "abs.db";
    write_config(p, "sqlite:///" + absolute.string());
    p.migration("001_a.up.sql", "CREATE TABLE a (id INTEGER);\n");
    ASSERT_EQ(p.run({"up"}).code, 0);
    EXPECT_EQ(query_sqlite(absolute, "SELECT count(*) FROM sqlmig_migrations"), "1");

    const std::string parent_relative = "../" + outside.dir().filename().string() + "/rel.db";
    write_config(p, "sqlite:///" + parent_relative);
    ASSERT_EQ(p.run({"up"}).code, 0);
    EXPECT_EQ(query_sqlite(outside.dir() / "rel.db", "SELECT count(*) FROM sqlmig_migrations"), "1");
}

TEST(AsAUser, InitThenNewThenUp) {
    Project p;
    fs::remove(p.dir() / "config.toml");
    fs::remove_all(p.dir() / "migrations");
    const Result init = p.run({"init"});
    ASSERT_EQ(init.code, 0) << init.err;
    const Result made = p.run({"new", "add_users"});
    ASSERT_EQ(made.code, 0) << made.err;
    std::string up_file;
    for (const auto& f : sqlmig::test::files_in(p.dir() / "migrations")) {
        if (f.string().ends_with(".up.sql")) {
            up_file = f.filename().string();
        }
    }
    ASSERT_FALSE(up_file.empty()) << made.out;
    p.migration(up_file, "CREATE TABLE users (id INTEGER PRIMARY KEY);\n");
    const Result up = p.run({"up"});
    ASSERT_EQ(up.code, 0) << up.err;
    EXPECT_EQ(p.query("SELECT count(*) FROM sqlite_master WHERE name = 'users'"), "1");
}

TEST(AsAUser, DatabaseUrlAloneWithoutAConfigFile) {
    Project p;
    fs::remove(p.dir() / "config.toml");
    p.migration("001_a.up.sql", "CREATE TABLE a (id INTEGER);\n");
    const Result up = p.run({"up"}, "DATABASE_URL=sqlite:///env.db");
    ASSERT_EQ(up.code, 0) << up.err;
    EXPECT_EQ(query_sqlite(p.dir() / "env.db", "SELECT version FROM sqlmig_migrations"), "1");
}

TEST(AsAUser, AnEmptyDatabaseFlagOrVariableIsAnErrorNotAnotherDatabase) {
    Project p;
    p.migration("001_a.up.sql", "CREATE TABLE a (id INTEGER);\n");
    const Result flag = p.run({"--database", "", "up"});
    EXPECT_EQ(flag.code, 2);
    EXPECT_CONTAINS(flag.err, "sqlmig: error: --database is empty");
    const Result env = p.run({"up"}, "DATABASE_URL=");
    EXPECT_EQ(env.code, 2);
    EXPECT_CONTAINS(env.err, "sqlmig: error: DATABASE_URL is set but empty");
    EXPECT_FALSE(fs::exists(p.db_path())) << "the config's database must not be migrated instead";
}

// A migration left mid-transaction by a kill leaves a hot journal; the read-only
// commands must still work, and the next write rolls it back as SQLite intends.
TEST(AsAUser, ReadOnlyCommandsWorkAfterAKillLeftAHotJournal) {
    Project p;
    p.migration("001_t.up.sql", "CREATE TABLE t (x INTEGER, pad TEXT);\n");
    p.migration("002_fill.up.sql",
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 20000000)\n"
                "INSERT INTO t SELECT x, printf('%0100d', x) FROM c;\n");
    ASSERT_EQ(p.run({"up", "1"}).code, 0);
    // Kill -9 once SQLite has written its journal (the cache spilled into the file).
    const std::string journal = (p.db_path().string() + "-journal");
    const std::string script = "cd " + sqlmig::test::shell_quote(p.dir().string()) + " && " +
                               sqlmig::test::shell_quote(SQLMIG_BINARY) + " -q up --no-backup & pid=$!; " +
                               "for i in $(seq 1 300); do [ -s " + sqlmig::test::shell_quote(journal) +
                               " ] && break; sleep 0.02; done; sleep 0.3; kill -9 $pid; wait $pid 2>/dev/null; true";
    ASSERT_EQ(std::system(script.c_str()), 0);
    ASSERT_TRUE(fs::exists(journal)) << "the kill came too late to leave a journal";
    for (const char* command : {"status", "current", "history", "validate"}) {
        const Result r = p.run({command});
        EXPECT_EQ(r.code, 0) << command << ": " << r.err;
        EXPECT_NOT_CONTAINS(r.err, "readonly");
    }
    const Result status = p.run({"status"});
    EXPECT_CONTAINS(status.out, "fill  pending");
    const Result check = p.run({"check"});
    EXPECT_EQ(check.code, 3) << check.err;  // pending work, not a database failure
    EXPECT_EQ(p.query("PRAGMA integrity_check"), "ok");
    EXPECT_EQ(p.query("SELECT count(*) FROM t"), "0");
}

TEST(AsAUser, AFileEditedDuringTheRunIsRolledBackNotRecorded) {
    Project p;
    p.write_file("config.toml", "[database]\nurl = \"sqlite:///data/app.db\"\n[hooks]\n"
                                "before_migrate = [\"printf 'INSERT INTO t VALUES (99);\\\\n' >> migrations/002_b.up.sql\"]\n");
    p.migration("001_t.up.sql", "CREATE TABLE t (x INTEGER);\n");
    ASSERT_EQ(p.run({"up"}).code, 0);
    p.migration("002_b.up.sql", "INSERT INTO t VALUES (1);\n");
    const Result r = p.run({"up"});
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_CONTAINS(r.err, "migrations/002_b.up.sql changed while sqlmig ran it");
    EXPECT_CONTAINS(r.err, "nothing of 002_b was applied (rolled back)");
    EXPECT_EQ(p.query("SELECT count(*) FROM t"), "0");
    EXPECT_EQ(p.query("SELECT group_concat(version) FROM sqlmig_migrations"), "1");
}

TEST(AsAUser, TextThatCannotBeSentIsRefusedBeforeAnythingRuns) {
    struct Case {
        const char* what;
        std::string bytes;
        const char* expected;
    };
    const std::vector<Case> cases = {
        {"NUL", std::string("INSERT INTO t VALUES (1)\0, (2);\nINSERT INTO t VALUES (3);\n", 51),
         "migrations/002_b.up.sql:1: byte offset 24: the file holds a NUL byte"},
        {"UTF-16BE", std::string("\0I\0N\0S\0E\0R\0T\0;", 14), "byte offset 0: the file holds a NUL byte"},
        {"UTF-16LE BOM", std::string("\xFF\xFEI\0N\0", 6), "UTF-16 text"},
        {"not UTF-8", "INSERT INTO t VALUES (1);\n-- caf\xE9\n", "2: byte offset 32: the file holds an invalid UTF-8 sequence"},
        {"cut off", "INSERT INTO t VALUES (1); -- \xE2\x82", "cut off by the end of the file"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.what);
        Project p;
        p.migration("001_t.up.sql", "CREATE TABLE t (x INTEGER);\n");
        p.migration("002_b.up.sql", c.bytes);
        const Result r = p.run({"up"});
        EXPECT_EQ(r.code, 2);
        EXPECT_CONTAINS(r.err, c.expected);
        EXPECT_FALSE(fs::exists(p.db_path()) && p.query("SELECT count(*) FROM sqlite_master WHERE name = 't'") == "1")
            << "nothing may run when a file is refused";
    }
}

TEST(AsAUser, WorkCommittedOutsideTheFilesOwnTransactionIsNeverSilent) {
    Project p;
    p.migration("001_c.up.sql", "CREATE TABLE c1 (x INTEGER);\nCOMMIT;\n");
    // The error-level lint rules refuse it before anything runs...
    const Result refused = p.run({"up"});
    EXPECT_EQ(refused.code, 3);
    EXPECT_CONTAINS(refused.err, "migrations/001_c.up.sql:2:1: error: COMMIT with no transaction open [unbalanced-transaction]");
    EXPECT_FALSE(std::filesystem::exists(p.db_path()) &&
                 p.query("SELECT count(*) FROM sqlite_master WHERE name = 'c1'") == "1");
    // ...and with that rule switched off, what committed is still reported, never silent.
    p.write_file("config.toml", "[database]\nurl = \"sqlite:///data/app.db\"\n[lint]\ndisable = [\"unbalanced-transaction\"]\n");
    const Result r = p.run({"up"});
    EXPECT_EQ(r.code, 1);
    EXPECT_CONTAINS(r.err, "001_c ran partway: the statements up to line 1 were committed");
    EXPECT_NOT_CONTAINS(r.err, "nothing of 001_c was applied");
    EXPECT_EQ(p.query("SELECT state FROM sqlmig_migrations"), "failed");
    EXPECT_EQ(p.query("SELECT count(*) FROM sqlite_master WHERE name = 'c1'"), "1");
    EXPECT_EQ(p.run({"up"}).code, 3);  // refused until repair

    Project q;
    q.migration("001_c.up.sql", "CREATE TABLE c0 (x INTEGER);\nBEGIN;\nCREATE TABLE c2 (x INTEGER);\n"
                                "INSERT INTO nosuch VALUES (1);\nCOMMIT;\n");
    const Result before_begin = q.run({"up"});
    EXPECT_EQ(before_begin.code, 1);
    EXPECT_CONTAINS(before_begin.err, "migrations/001_c.up.sql:4:");
    EXPECT_CONTAINS(before_begin.err, "ran partway: the statements up to line 1 were committed");
    EXPECT_EQ(q.query("SELECT state FROM sqlmig_migrations"), "failed");
    EXPECT_EQ(q.query("SELECT group_concat(name) FROM sqlite_master WHERE name LIKE 'c%'"), "c0");
    EXPECT_CONTAINS(q.run({"status"}).out, "failed");
}

TEST(AsAUser, EntriesNamedLikeMigrationsThatAreNotFilesAreErrors) {
    struct Case {
        const char* what;
        std::function<void(const fs::path&)> make;  // makes migrations/002_x.up.sql
        const char* expected;
    };
    const std::vector<Case> cases = {
        {"folder", [](const fs::path& e) { fs::create_directory(e); }, "is a folder"},
        {"fifo", [](const fs::path& e) { ASSERT_EQ(::mkfifo(e.c_str(), 0644), 0); }, "is a FIFO"},
        {"dangling link", [](const fs::path& e) { fs::create_symlink("nowhere.sql", e); }, "is a dangling symbolic link"},
        {"link loop", [](const fs::path& e) { fs::create_symlink(e.filename(), e); }, "is a symbolic link loop"},
        {"link to a folder", [](const fs::path& e) {
             fs::create_directory(e.parent_path() / "folder");
             fs::create_symlink("folder", e);
         }, "is a symbolic link to a folder"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.what);
        Project p;
        p.migration("001_a.up.sql", "CREATE TABLE a (id INTEGER);\n");
        c.make(p.dir() / "migrations" / "002_x.up.sql");
        for (const char* command : {"up", "check", "status"}) {
            const Result r = p.run({command});
            EXPECT_EQ(r.code, 2) << command;
            EXPECT_CONTAINS(r.err, "002_x.up.sql: " + std::string(c.expected));
        }
        EXPECT_FALSE(fs::exists(p.db_path()) && p.query("SELECT count(*) FROM sqlite_master WHERE name = 'a'") == "1");
    }
    Project linked;  // a link to a regular file is a migration like any other
    linked.write_file("elsewhere/a.sql", "CREATE TABLE a (id INTEGER);\n");
    fs::create_symlink("../elsewhere/a.sql", linked.dir() / "migrations" / "001_a.up.sql");
    ASSERT_EQ(linked.run({"up"}).code, 0);
    EXPECT_EQ(linked.query("SELECT version FROM sqlmig_migrations"), "1");
}

TEST(AsAUser, MessagesSayWhatHappened) {
    Project p;
    for (const char* name : {"2_a", "2_b", "2_c", "2_d", "2_e", "2_f", "2_g"}) {
        p.migration(std::string(name) + ".up.sql", "SELECT 1;\n");
    }
    const Result seven = p.run({"status"});
    EXPECT_EQ(seven.code, 2);
    EXPECT_CONTAINS(seven.err, "seven up files have version 2: 2_a.up.sql, 2_b.up.sql");

    Project down;
    down.migration("001_a.up.sql", "CREATE TABLE a (id INTEGER);\n");
    down.migration("001_a.down.sql", "DROP TABLE nosuch;\n");
    ASSERT_EQ(down.run({"up"}).code, 0);
    const Result failed_down = down.run({"down"});
    EXPECT_EQ(failed_down.code, 1);
    EXPECT_CONTAINS(failed_down.err, "001_a was not reverted (rolled back) and stays applied");
    EXPECT_NOT_CONTAINS(failed_down.err, "was applied");

    Project table;
    table.write_file("config.toml", "[database]\nurl = \"sqlite:///app.db\"\n\n[migrations]\ntable = \"bad-name\"\n");
    const Result bad_table = table.run({"status"});
    EXPECT_EQ(bad_table.code, 2);
    EXPECT_CONTAINS(bad_table.err, "sqlmig: error: config.toml:5:9: [migrations] table: invalid tracking table name");

    const Result folder = p.run({"--config", "migrations", "status"});
    EXPECT_EQ(folder.code, 2);
    EXPECT_CONTAINS(folder.err, "--config migrations is a folder");
    p.write_file("plain.txt", "x");
    const Result dir_file = p.run({"--dir", "plain.txt", "status"});
    EXPECT_EQ(dir_file.code, 2);
    EXPECT_CONTAINS(dir_file.err, "plain.txt is a file, not a folder");
}

TEST(AsAUser, CommandLineErrorsArePrefixedAndExitTwo) {
    Project p;
    const std::vector<std::vector<std::string>> bad = {
        {"frobnicate"}, {}, {"--no-backup", "up"}, {"--lock-timeout", "abc", "up"},
        {"--lock-timeout", "nan", "up"}, {"--lock-timeout", "-1", "up"}, {"up", "--nope"},
    };
    for (const auto& args : bad) {
        const Result r = p.run(args);
        std::string joined;
        for (const auto& a : args) {
            joined += a + " ";
        }
        SCOPED_TRACE(joined);
        EXPECT_EQ(r.code, 2) << r.err;
        EXPECT_EQ(r.err.rfind("sqlmig: error: ", 0), 0u) << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line: " << r.err;
        EXPECT_FALSE(fs::exists(p.db_path()));
    }
    EXPECT_EQ(p.run({"--help"}).code, 0);
    EXPECT_EQ(p.run({"--version"}).code, 0);
}

TEST(AsAUser, JsonIsPrintedWhenTheDatabaseCannotBeOpened) {
    Project p;
    p.write_file("config.toml", "[database]\nurl = \"sqlite:////proc/sqlmig-nope/app.db\"\n");
    p.migration("001_a.up.sql", "CREATE TABLE a (id INTEGER);\n");
    const Result r = p.run({"up", "--json"});
    EXPECT_EQ(r.code, 1);
    EXPECT_CONTAINS(r.out, "\"ok\": false");
    EXPECT_CONTAINS(r.out, "\"exit_code\": 1");
    EXPECT_CONTAINS(r.out, "\"error\": \"cannot create the folder /proc/sqlmig-nope");
}

TEST(AsAUser, SqliteForeignKeysAreOffUnlessConfigured) {
    const std::string violation = "CREATE TABLE parent (id INTEGER PRIMARY KEY);\n"
                                  "CREATE TABLE child (parent_id INTEGER REFERENCES parent (id));\n"
                                  "INSERT INTO child VALUES (42);\n";
    Project off;
    off.migration("001_a.up.sql", violation);
    EXPECT_EQ(off.run({"up"}).code, 0);  // SQLite's default, as documented
    Project on;
    on.write_file("config.toml", "[database]\nurl = \"sqlite:///data/app.db\"\n[sqlite]\nforeign_keys = true\n");
    on.migration("001_a.up.sql", violation);
    const Result r = on.run({"up"});
    EXPECT_EQ(r.code, 1);
    EXPECT_CONTAINS(r.err, "FOREIGN KEY constraint failed");
    EXPECT_EQ(on.query("SELECT count(*) FROM sqlmig_migrations"), "0");
}

// A status while another run holds the database waits no longer than its own busy
// timeout, and then says why; it never reports a migration half done.
TEST(AsAUser, StatusDuringARunWaitsOnlyItsOwnTimeout) {
    Project p;
    p.write_file("config.toml", "[database]\nurl = \"sqlite:///data/app.db\"\n[sqlite]\nbusy_timeout = \"300ms\"\n"
                                "[backup]\nenabled = false\n");
    p.migration("001_t.up.sql", "CREATE TABLE t (x INTEGER, pad TEXT);\n");
    p.migration("002_fill.up.sql",
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 30000000)\n"
                "INSERT INTO t SELECT x, printf('%0100d', x) FROM c;\n");
    ASSERT_EQ(p.run({"up", "1"}).code, 0);
    const std::string q = sqlmig::test::shell_quote(p.dir().string());
    const std::string bin = sqlmig::test::shell_quote(SQLMIG_BINARY);
    const std::string script = "cd " + q + " || exit 1; " + bin + " -q up & pid=$!; " +
                               "for i in $(seq 1 300); do [ -s data/app.db-journal ] && break; sleep 0.02; done; " +
                               "start=$(date +%s%N); " + bin + " status >s.out 2>s.err; echo $? >s.rc; " +
                               "echo $(( ($(date +%s%N) - start) / 1000000 )) >s.ms; kill -9 $pid; wait $pid; true";
    ASSERT_EQ(std::system(script.c_str()), 0);
    const Result status = p.outcome("s");
    const int waited_ms = std::stoi(sqlmig::test::read_text(p.dir() / "s.ms"));
    EXPECT_LT(waited_ms, 3000) << "status waited past its busy timeout (300 ms) behind a run that takes longer";
    if (status.code != 0) {
        EXPECT_EQ(status.code, 1);
        EXPECT_CONTAINS(status.err, "database is locked");
    } else {
        EXPECT_CONTAINS(sqlmig::test::read_text(p.dir() / "s.out"), "fill  pending");
    }
}

TEST(AsAUser, VersionNamesTheBuildAndEveryDatabaseLibrary) {
    Project p;
    const Result r = p.run({"--version"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out.rfind("sqlmig 0.", 0), 0u) << r.out;
    EXPECT_CONTAINS(r.out, " build)\n");
    EXPECT_CONTAINS(r.out, "\nsqlite: SQLite 3.");
    EXPECT_CONTAINS(r.out, "\npostgres: libpq ");
    EXPECT_CONTAINS(r.out, "\nmariadb: MariaDB Connector/C 3.");
    EXPECT_NOT_CONTAINS(r.out, "not available");
}

namespace {

// Runs sqlmig on a pseudo-terminal (util-linux script), as a person at a terminal does;
// stdout and stderr are both the terminal. Returns what the terminal showed.
std::string on_a_terminal(const Project& p, const std::string& args, const std::string& env = "") {
    const std::string cmd = "cd " + sqlmig::test::shell_quote(p.dir().string()) + " && " + env +
                            " TERM=xterm script -qec " +
                            sqlmig::test::shell_quote(sqlmig::test::shell_quote(SQLMIG_BINARY) + " " + args) +
                            " /dev/null >tty.out 2>&1";
    std::system(cmd.c_str());
    return sqlmig::test::read_text(p.dir() / "tty.out");
}

}  // namespace

TEST(AsAUser, ColourOnATerminalOnlyAndNeverAgainstNoColor) {
    Project p;
    p.migration("001_a.up.sql", "CREATE TABLE a (id INTEGER);\n");
    p.migration("002_b.up.sql", "CREATE TABLE b (id INTEGER);\n");
    ASSERT_EQ(p.run({"up", "1"}).code, 0);
    const std::string green_applied = "\x1b[32mapplied\x1b[0m";
    const std::string yellow_pending = "\x1b[33mpending\x1b[0m";
    const std::string tty = on_a_terminal(p, "status");
    EXPECT_CONTAINS(tty, green_applied);
    EXPECT_CONTAINS(tty, yellow_pending);
    const std::string logs = on_a_terminal(p, "up --no-backup");
    EXPECT_CONTAINS(logs, "sqlmig: \x1b[32minfo");
    // The words carry the meaning without colour: the same table, plain, when piped.
    const Result piped = p.run({"status"});
    EXPECT_NOT_CONTAINS(piped.out, "\x1b[");
    EXPECT_NOT_CONTAINS(piped.err, "\x1b[");
    EXPECT_CONTAINS(piped.out, "applied");
    EXPECT_NOT_CONTAINS(on_a_terminal(p, "status", "NO_COLOR=1"), "\x1b[");
    EXPECT_NOT_CONTAINS(on_a_terminal(p, "status --color never"), "\x1b[");
    EXPECT_NOT_CONTAINS(on_a_terminal(p, "status --json"), "\x1b[3");
    EXPECT_CONTAINS(p.run({"status", "--color", "always"}).out, green_applied);
    EXPECT_CONTAINS(p.run({"status", "--color=always"}, "NO_COLOR=1").out, green_applied);
    const Result bad = p.run({"status", "--color", "sometimes"});
    EXPECT_EQ(bad.code, 2);
    EXPECT_CONTAINS(bad.err, "sqlmig: error: --color");
}

TEST(AsAUser, BashCompletesCommandsOptionsVersionsAndEnvironments) {
    Project p;
    p.write_file("config.toml", sqlmig::test::read_text(p.dir() / "config.toml") + "\n[env.prod]\n[env.staging]\n");
    p.migration("001_a.up.sql", "CREATE TABLE a (id INTEGER);\n");
    p.migration("002_b.up.sql", "CREATE TABLE b (id INTEGER);\n");
    p.migration("003_c.up.sql", "CREATE TABLE c (id INTEGER);\n");
    ASSERT_EQ(p.run({"up", "2"}).code, 0);
    const Result script = p.run({"completion", "bash"});
    ASSERT_EQ(script.code, 0) << script.err;
    p.write_file("completion.bash", script.out);
    // Each line: the words typed so far (the last one being completed), then what bash offers.
    p.write_file("complete.sh",
                 "source ./completion.bash\n"
                 "t() { COMP_WORDS=(\"$@\"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _sqlmig;\n"
                 "      echo \"$*|${COMPREPLY[*]}\"; }\n"
                 "t sqlmig st\nt sqlmig up ''\nt sqlmig down ''\nt sqlmig up --s\nt sqlmig --env ''\n"
                 "t sqlmig --dir migrations st\nt sqlmig --color al\nt sqlmig stamp 0\n");
    const std::string bin_dir = std::filesystem::path(SQLMIG_BINARY).parent_path().string();
    const std::string cmd = "cd " + sqlmig::test::shell_quote(p.dir().string()) + " && PATH=" +
                            sqlmig::test::shell_quote(bin_dir) + ":$PATH bash complete.sh >complete.out 2>complete.err";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << sqlmig::test::read_text(p.dir() / "complete.err");
    const std::string out = sqlmig::test::read_text(p.dir() / "complete.out");
    EXPECT_CONTAINS(out, "sqlmig st|status stamp\n");
    EXPECT_CONTAINS(out, "sqlmig up |003 head\n");       // pending versions
    EXPECT_CONTAINS(out, "sqlmig down |001 002 base\n");  // applied ones
    EXPECT_CONTAINS(out, "sqlmig up --s|--sql --single-transaction\n");
    EXPECT_CONTAINS(out, "sqlmig --env |prod staging\n");
    EXPECT_CONTAINS(out, "sqlmig --dir migrations st|status stamp\n");
    EXPECT_CONTAINS(out, "sqlmig --color al|always\n");
    EXPECT_CONTAINS(out, "sqlmig stamp 0|003\n");
    for (const char* shell : {"zsh", "fish"}) {
        const Result other = p.run({"completion", shell});
        EXPECT_EQ(other.code, 0) << shell;
        EXPECT_CONTAINS(other.out, "__complete pending");
    }
    EXPECT_EQ(p.run({"completion", "tcsh"}).code, 2);
}
