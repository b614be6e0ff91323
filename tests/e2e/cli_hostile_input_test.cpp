// Hostile input, table-driven: each case is a fresh project with one thing wrong
// (a file name, a file's bytes, the config, the command line or the environment).
// Every one must give its documented exit code and an `sqlmig: error:` line that
// names the file, line or key, run nothing, never die of a signal, and never print
// a password. docs/reliability.md lists the catalogue.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <functional>

#include "e2e/cli_test_support.hpp"

using sqlmig::test::Project;
using sqlmig::test::Result;

namespace fs = std::filesystem;

namespace {

struct Hostile {
    const char* name;
    std::vector<std::pair<std::string, std::string>> files;  // relative path -> content, written over the defaults
    std::vector<std::string> args = {"up"};
    std::string env;          // "NAME=value ..." for the command
    int code = 2;
    std::string expected;     // in stderr
    std::function<void(const fs::path&)> setup = nullptr;
};

const std::string k_ok = "CREATE TABLE ok (id INTEGER);\n";
const std::string k_config = "[database]\nurl = \"sqlite:///data/app.db\"\n";

std::string config(const std::string& extra) {
    return k_config + extra;
}

std::vector<Hostile> file_name_cases() {
    return {
        {"dash instead of underscore", {{"migrations/002-add.up.sql", "SELECT 1;"}}, {"up"}, "", 2,
         "002-add.up.sql: not a valid migration file name: version '002-add' is not a decimal number"},
        {"no version", {{"migrations/_add.up.sql", "SELECT 1;"}}, {"up"}, "", 2, "_add.up.sql: not a valid migration file name: has no version"},
        {"no name", {{"migrations/002_.up.sql", "SELECT 1;"}}, {"up"}, "", 2, "002_.up.sql: not a valid migration file name: has no name"},
        {"no name, no underscore", {{"migrations/002.up.sql", "SELECT 1;"}}, {"up"}, "", 2, "002.up.sql: not a valid"},
        {"letters for a version", {{"migrations/abc_x.up.sql", "SELECT 1;"}}, {"up"}, "", 2, "version 'abc' is not a decimal number"},
        {"negative version", {{"migrations/-2_x.up.sql", "SELECT 1;"}}, {"up"}, "", 2, "-2_x.up.sql: not a valid"},
        {"unicode digits", {{"migrations/\xd9\xa2_x.up.sql", "SELECT 1;"}}, {"up"}, "", 2, "is not a decimal number"},
        {"upper-case suffix", {{"migrations/002_x.UP.SQL", "SELECT 1;"}}, {"up"}, "", 2, "does not end in .up.sql or .down.sql"},
        {"plain .sql", {{"migrations/002_x.sql", "SELECT 1;"}}, {"up"}, "", 2, "002_x.sql: not a valid migration file name"},
        {"typo in suffix", {{"migrations/002_x.upp.sql", "SELECT 1;"}}, {"up"}, "", 2, "002_x.upp.sql: not a valid"},
        {"down without up", {{"migrations/002_x.down.sql", "SELECT 1;"}}, {"up"}, "", 2, "down migration without an up migration for version 002"},
        {"duplicate version", {{"migrations/1_again.up.sql", "SELECT 1;"}}, {"up"}, "", 2, "two up files have version 1"},
        {"two downs", {{"migrations/001_ok.down.sql", "SELECT 1;"}, {"migrations/1_ok.down.sql", "SELECT 2;"}}, {"up"}, "", 2,
         "two down files have version 1"},
        {"newline in the name", {{"migrations/002_a\nb.up.sql", "SELECT 1;"}}, {"up"}, "", 2, "name contains a control character"},
        {"invalid UTF-8 name", {{"migrations/002_\xff\xfe.up.sql", "SELECT 1;"}}, {"up"}, "", 2, "name is not UTF-8 text"},
        {"a folder", {}, {"up"}, "", 2, "002_dir.up.sql: is a folder",
         [](const fs::path& d) { fs::create_directory(d / "migrations/002_dir.up.sql"); }},
        {"a fifo", {}, {"up"}, "", 2, "002_fifo.up.sql: is a FIFO",
         [](const fs::path& d) { ::mkfifo((d / "migrations/002_fifo.up.sql").c_str(), 0644); }},
        {"a dangling link", {}, {"up"}, "", 2, "002_gone.up.sql: is a dangling symbolic link",
         [](const fs::path& d) { fs::create_symlink("nothing-here.sql", d / "migrations/002_gone.up.sql"); }},
        {"a link loop", {}, {"up"}, "", 2, "002_loop.up.sql: is a symbolic link loop",
         [](const fs::path& d) { fs::create_symlink("002_loop.up.sql", d / "migrations/002_loop.up.sql"); }},
        {"a link to a folder", {}, {"up"}, "", 2, "002_tofolder.up.sql: is a symbolic link to a folder",
         [](const fs::path& d) { fs::create_symlink("/tmp", d / "migrations/002_tofolder.up.sql"); }},
    };
}

std::vector<Hostile> content_cases() {
    const std::string big_open = "SELECT '" + std::string(50u << 20, 'x');  // 50 MB, never closed
    return {
        {"binary", {{"migrations/002_b.up.sql", std::string("\x7f" "ELF\x02\x01\x01\0\0\0", 10)}}, {"up"}, "", 2,
         "migrations/002_b.up.sql:1: byte offset 7: the file holds a NUL byte"},
        {"NUL in a statement", {{"migrations/002_b.up.sql", std::string("INSERT INTO ok VALUES (1)\0;", 27)}}, {"up"}, "", 2,
         "migrations/002_b.up.sql:1: byte offset 25: the file holds a NUL byte"},
        {"invalid UTF-8", {{"migrations/002_b.up.sql", "SELECT 'caf\xe9';"}}, {"up"}, "", 2, "the file holds an invalid UTF-8 sequence"},
        {"UTF-16LE with BOM", {{"migrations/002_b.up.sql", std::string("\xff\xfeS\0E\0L\0", 8)}}, {"up"}, "", 2, "UTF-16 text"},
        {"UTF-16BE without BOM", {{"migrations/002_b.up.sql", std::string("\0S\0E\0L\0E\0C\0T", 12)}}, {"up"}, "", 2,
         "the file holds a NUL byte"},
        {"unterminated quote", {{"migrations/002_b.up.sql", "SELECT 1;\nSELECT 'open;\n"}}, {"up"}, "", 2,
         "migrations/002_b.up.sql:2:8: quoted string is never closed"},
        {"unterminated comment", {{"migrations/002_b.up.sql", "SELECT 1; /* open\n"}}, {"up"}, "", 2,
         "migrations/002_b.up.sql:1:11: "},
        {"unterminated identifier", {{"migrations/002_b.up.sql", "SELECT \"open;\n"}}, {"up"}, "", 2, "is never closed"},
        {"unterminated bracket identifier", {{"migrations/002_b.up.sql", "SELECT [open;\n"}}, {"up"}, "", 2, "is never closed"},
        {"unterminated 50 MB statement", {{"migrations/002_b.up.sql", big_open}}, {"up"}, "", 2,
         "migrations/002_b.up.sql:1:8: "},
        {"SQL error", {{"migrations/002_b.up.sql", "INSERT INTO ok VALUES (1);\nINSERT INTO nosuch VALUES (1);\n"}}, {"up"}, "", 1,
         "migrations/002_b.up.sql:2:"},
        {"own transaction never committed", {{"migrations/002_b.up.sql", "BEGIN;\nINSERT INTO ok VALUES (1);\n"}}, {"up"}, "", 3,
         "migrations/002_b.up.sql:2:1: error: the file opens a transaction and never commits it [unbalanced-transaction]"},
        {"psql meta-command", {{"migrations/002_b.up.sql", "\\connect other\nINSERT INTO ok VALUES (1);\n"}}, {"up"}, "", 3,
         "migrations/002_b.up.sql:1:1: error: '\\connect other"},
        {"COPY FROM STDIN", {{"migrations/002_b.up.sql", "COPY ok FROM STDIN;\n1\n\\.\n"}}, {"up"}, "", 3, "[copy-from-stdin]"},
        {"WAL inside the transaction", {{"migrations/002_b.up.sql", "PRAGMA journal_mode = WAL;\nINSERT INTO ok VALUES (1);\n"}},
         {"up"}, "", 3, "migrations/002_b.up.sql:1:8: error: SQLite cannot change into WAL mode inside the transaction"},
        {"only semicolons", {{"migrations/002_b.up.sql", ";;;\n;"}}, {"up"}, "", 0, ""},
        {"only comments", {{"migrations/002_b.up.sql", "-- nothing\n/* at all */"}}, {"up"}, "", 0, ""},
    };
}

std::vector<Hostile> config_cases() {
    return {
        {"invalid TOML", {{"config.toml", "[database\nurl = 1\n"}}, {"up"}, "", 2, "config.toml:1:"},
        {"duplicate key", {{"config.toml", k_config + "url = \"sqlite:///b.db\"\n"}}, {"up"}, "", 2, "config.toml:3:"},
        {"unknown section", {{"config.toml", config("[databse]\nurl = \"x\"\n")}}, {"up"}, "", 2, "config.toml:3:2: databse: unknown section"},
        {"unknown key", {{"config.toml", config("[migrations]\ndri = \"m\"\n")}}, {"up"}, "", 2, "config.toml:4:1: [migrations] dri: unknown key"},
        {"url of the wrong type", {{"config.toml", "[database]\nurl = 5\n"}}, {"up"}, "", 2, "config.toml:2:7: [database] url: must be a string"},
        {"a section that is a value", {{"config.toml", "database = 1\n"}}, {"up"}, "", 2, "database: must be a table"},
        {"keep negative", {{"config.toml", config("[backup]\nkeep = -1\n")}}, {"up"}, "", 2, "[backup] keep: must be a whole number"},
        {"keep as text", {{"config.toml", config("[backup]\nkeep = \"all\"\n")}}, {"up"}, "", 2, "[backup] keep: must be a whole number"},
        {"enabled as text", {{"config.toml", config("[backup]\nenabled = \"yes\"\n")}}, {"up"}, "", 2, "[backup] enabled: must be true or false"},
        {"unknown format", {{"config.toml", config("[backup]\nformat = \"zip\"\n")}}, {"up"}, "", 2, "[backup] format: must be \"custom\" or \"plain\""},
        {"empty backup dir", {{"config.toml", config("[backup]\ndir = \"\"\n")}}, {"up"}, "", 2, "[backup] dir: must not be empty"},
        {"empty pg_dump", {{"config.toml", config("[backup]\npg_dump = \" \"\n")}}, {"up"}, "", 2, "[backup] pg_dump: must not be empty"},
        {"injection as table", {{"config.toml", config("[migrations]\ntable = \"x; DROP TABLE ok\"\n")}}, {"up"}, "", 2,
         "config.toml:4:9: [migrations] table: invalid tracking table name"},
        {"three-part table", {{"config.toml", config("[migrations]\ntable = \"a.b.c\"\n")}}, {"up"}, "", 2, "[migrations] table: invalid"},
        {"empty table", {{"config.toml", config("[migrations]\ntable = \"\"\n")}}, {"up"}, "", 2, "[migrations] table: invalid"},
        {"quoted table", {{"config.toml", config("[migrations]\ntable = \"\\\"t\\\"\"\n")}}, {"up"}, "", 2, "[migrations] table: invalid"},
        {"table of 64 characters", {{"config.toml", config("[migrations]\ntable = \"" + std::string(64, 't') + "\"\n")}}, {"up"}, "", 2,
         "[migrations] table: invalid"},
        {"schema-qualified on SQLite", {{"config.toml", config("[migrations]\ntable = \"ops.t\"\n")}}, {"up"}, "", 2, "names a schema"},
        {"unset variable", {{"config.toml", "[database]\nurl = \"${SQLMIG_TEST_NOPE}\"\n"}}, {"up"}, "", 2,
         "config.toml:2:7: [database] url: environment variable SQLMIG_TEST_NOPE is not set"},
        {"unterminated variable", {{"config.toml", "[database]\nurl = \"${OPEN\"\n"}}, {"up"}, "", 2, "[database] url: unterminated '${'"},
        {"bad variable name", {{"config.toml", "[database]\nurl = \"${A-B}\"\n"}}, {"up"}, "", 2, "invalid variable reference '${A-B}'"},
        {"empty url", {{"config.toml", "[database]\nurl = \"\"\n"}}, {"up"}, "", 2, "no database is configured; set [database] url in config.toml"},
        {"unsupported scheme", {{"config.toml", "[database]\nurl = \"oracle://scott:hunter2@db/x\"\n"}}, {"up"}, "", 2,
         "unsupported database URL"},
        {"sqlite root only", {{"config.toml", "[database]\nurl = \"sqlite:/\"\n"}}, {"up"}, "", 2, "invalid SQLite URL 'sqlite:/': no file"},
        {"sqlite without a file", {{"config.toml", "[database]\nurl = \"sqlite://\"\n"}}, {"up"}, "", 2, "invalid SQLite URL"},
        {"unreachable host with a password", {{"config.toml", "[database]\nurl = \"postgres://app:hunter2@127.0.0.1:1/app\"\n"}},
         {"up"}, "", 1, "cannot connect to PostgreSQL at postgres://app:***@127.0.0.1:1/app"},
        // libpq quotes what it cannot parse: the whole URL, or the password alone.
        {"password in a URL libpq cannot parse", {{"config.toml", "[database]\nurl = \"postgres://app:hunter2@[::1/app\"\n"}},
         {"up"}, "", 1, "cannot connect to PostgreSQL at postgres://app:***@[::1/app: "},
        {"password with a bad percent escape", {{"config.toml", "[database]\nurl = \"postgres://app:hunter2%zz@127.0.0.1:1/app\"\n"}},
         {"status", "--json"}, "", 1, "invalid percent-encoded token: \"***\""},
        {"negative connect timeout", {{"config.toml", config("connect_timeout = -5\n")}}, {"up"}, "", 2,
         "[database] connect_timeout: must be between 0 and 86400000"},
        {"duration with a bad unit", {{"config.toml", config("[sqlite]\nbusy_timeout = \"5 parsecs\"\n")}}, {"up"}, "", 2,
         "[sqlite] busy_timeout: invalid duration '5 parsecs'"},
        {"duration of the wrong type", {{"config.toml", config("[postgres]\nlock_timeout = true\n")}}, {"up"}, "", 2,
         "[postgres] lock_timeout: must be a duration"},
        {"empty hook", {{"config.toml", config("[hooks]\nbefore_migrate = \"\"\n")}}, {"up"}, "", 2,
         "[hooks] before_migrate: must be a non-empty command string"},
        {"hook of the wrong type", {{"config.toml", config("[hooks]\nafter_migrate = [1]\n")}}, {"up"}, "", 2,
         "[hooks] after_migrate: must be a non-empty command string"},
        {"schema file of the wrong type", {{"config.toml", config("[dump]\nschema_file = 3\n")}}, {"up"}, "", 2,
         "[dump] schema_file: must be a string"},
        {"ignore that is not a list", {{"config.toml", config("[migrations]\nignore = \"*.seed.sql\"\n")}}, {"up"}, "", 2,
         "[migrations] ignore: must be an array of strings"},
        {"foreign_keys as text", {{"config.toml", config("[sqlite]\nforeign_keys = \"on\"\n")}}, {"up"}, "", 2,
         "[sqlite] foreign_keys: must be true or false"},
        {"missing migrations folder", {{"config.toml", config("[migrations]\ndir = \"nope\"\n")}}, {"up"}, "", 2,
         "nope does not exist"},
        {"missing extension", {{"config.toml", config("[sqlite]\nextensions = [\"lib/nope.so\"]\n")}}, {"up"}, "", 1,
         "cannot load SQLite extension"},
        {"unknown key in an environment", {{"config.toml", config("[env.prod.database]\nurll = \"x\"\n")}}, {"--env", "prod", "up"}, "", 2,
         "[env.prod.database] urll: unknown key"},
    };
}

std::vector<Hostile> command_line_cases() {
    return {
        {"unknown command", {}, {"frobnicate"}, "", 2, "sqlmig: error: unknown command 'frobnicate'"},
        {"no command", {}, {}, "", 2, "sqlmig: error: a command is required"},
        {"unknown option", {}, {"up", "--nope"}, "", 2, "--nope"},
        {"option before its command", {}, {"--no-backup", "up"}, "", 2, "--no-backup"},
        {"bad up target", {}, {"up", "abc"}, "", 2, "invalid up target 'abc'"},
        {"up count zero", {}, {"up", "+0"}, "", 2, "invalid target '+0'"},
        {"up count not a number", {}, {"up", "+x"}, "", 2, "invalid target '+x'"},
        {"unknown up version", {}, {"up", "999"}, "", 2, "no migration has version 999"},
        {"bad down target", {}, {"down", "+1"}, "", 2, "invalid down target '+1'"},
        {"down count zero", {}, {"down", "-0"}, "", 2, "invalid target '-0'"},
        {"stamp without target", {}, {"stamp"}, "", 2, "target is required"},
        {"bad stamp target", {}, {"stamp", "latest"}, "", 2, "invalid stamp target 'latest'"},
        {"negative lock timeout", {}, {"--lock-timeout", "-1", "up"}, "", 2, "must be a number of seconds from 0 to 86400"},
        {"NaN lock timeout", {}, {"--lock-timeout", "nan", "up"}, "", 2, "not 'nan'"},
        {"huge lock timeout", {}, {"--lock-timeout", "1e9", "up"}, "", 2, "from 0 to 86400"},
        {"text lock timeout", {}, {"--lock-timeout", "abc", "up"}, "", 2, "not 'abc'"},
        {"missing config", {}, {"--config", "nope.toml", "up"}, "", 2, "config file nope.toml does not exist"},
        {"config is a folder", {}, {"--config", "migrations", "up"}, "", 2, "--config migrations is a folder"},
        {"dir is a file", {}, {"--dir", "config.toml", "up"}, "", 2, "is a file, not a folder"},
        {"empty database flag", {}, {"--database", "", "up"}, "", 2, "--database is empty"},
        {"bad database flag", {}, {"--database", "sqlite:", "up"}, "", 2, "--database: invalid SQLite URL"},
        {"unknown environment", {}, {"--env", "prod", "up"}, "", 2, "no [env.prod] table"},
        {"restore without a file", {}, {"restore"}, "", 2, "required"},
        {"new without a name", {}, {"new"}, "", 2, "required"},
    };
}

std::vector<Hostile> environment_cases() {
    return {
        {"bogus DATABASE_URL", {}, {"up"}, "DATABASE_URL=bogus", 2, "DATABASE_URL: unsupported database URL 'bogus'"},
        {"empty DATABASE_URL", {}, {"up"}, "DATABASE_URL=", 2, "DATABASE_URL is set but empty"},
        {"DATABASE_URL with a password, unreachable", {}, {"up"},
         "DATABASE_URL=postgres://u:hunter2@127.0.0.1:1/x?connect_timeout=2", 1, "postgres://u:***@127.0.0.1:1/x"},
        {"SQLMIG_ENV naming a missing environment", {}, {"up"}, "SQLMIG_ENV=staging", 2, "no [env.staging] table"},
        {"SQLMIG_ENV without a config", {{"config.toml", ""}}, {"status"}, "SQLMIG_ENV=staging", 2, "no [env.staging] table"},
    };
}

void expect_handled(const Hostile& c) {
    SCOPED_TRACE(c.name);
    Project p;
    p.migration("001_ok.up.sql", k_ok);
    for (const auto& [path, text] : c.files) {
        p.write_file(path, text);
    }
    if (c.setup) {
        c.setup(p.dir());
    }
    const Result r = p.run(c.args, c.env);
    EXPECT_EQ(r.code, c.code) << r.err;
    EXPECT_LT(r.code, 128) << "killed by a signal";
    EXPECT_NOT_CONTAINS(r.out + r.err, "hunter2");
    if (c.code == 0) {
        EXPECT_EQ(p.query("SELECT count(*) FROM sqlmig_migrations"), "2");
        return;
    }
    // Logs may come first; the error is one line that starts with the prefix.
    const std::size_t error_at = r.err.rfind("sqlmig: error: ", 0) == 0 ? 0 : r.err.find("\nsqlmig: error: ");
    ASSERT_NE(error_at, std::string::npos) << r.err;
    EXPECT_CONTAINS(r.err.substr(error_at), c.expected);
    if (!fs::exists(p.db_path())) {
        return;  // nothing ran, nothing was created
    }
    if (c.code == 1 && p.query("SELECT count(*) FROM sqlite_master WHERE name = 'sqlmig_migrations'") == "1") {
        // A migration that fails runs after 001, which is applied; nothing of the failing one stays.
        EXPECT_EQ(p.query("SELECT count(*) FROM sqlite_master WHERE name = 'nosuch'"), "0");
        EXPECT_EQ(p.query("SELECT count(*) FROM sqlmig_migrations WHERE version <> '1'"), "0");
        EXPECT_EQ(p.query("SELECT count(*) FROM ok"), "0");
        return;
    }
    EXPECT_EQ(p.query("SELECT count(*) FROM sqlite_master WHERE name = 'ok'"), "0") << "nothing may run";
}

}  // namespace

TEST(HostileInput, TheCatalogueHasEightyCasesAtLeast) {
    const std::size_t n = file_name_cases().size() + content_cases().size() + config_cases().size() +
                          command_line_cases().size() + environment_cases().size();
    EXPECT_GE(n, 80u);
}

TEST(HostileInput, FileNames) {
    for (const auto& c : file_name_cases()) {
        expect_handled(c);
    }
}

TEST(HostileInput, FileContents) {
    for (const auto& c : content_cases()) {
        expect_handled(c);
    }
}

TEST(HostileInput, Config) {
    for (const auto& c : config_cases()) {
        expect_handled(c);
    }
}

TEST(HostileInput, CommandLine) {
    for (const auto& c : command_line_cases()) {
        expect_handled(c);
    }
}

TEST(HostileInput, Environment) {
    for (const auto& c : environment_cases()) {
        expect_handled(c);
    }
}
