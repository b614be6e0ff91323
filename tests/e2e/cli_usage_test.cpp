// The command line as a newcomer meets it: --help in plain words, errors that name
// the words an option takes, "did you mean" for typos and for other tools' commands,
// and shell completion of every command, option and value.
#include <gtest/gtest.h>

#include <filesystem>

#include "e2e/cli_test_support.hpp"

using sqlmig::test::Project;
using sqlmig::test::Result;

namespace fs = std::filesystem;

namespace {

// A usage error: exit 2, one "sqlmig: error:" line on stderr, nothing on stdout, no database created.
std::string usage_error(const Project& p, const std::vector<std::string>& args) {
    const Result r = p.run(args);
    std::string command;
    for (const auto& a : args) {
        command += " " + a;
    }
    EXPECT_EQ(r.code, 2) << "sqlmig" << command << "\n" << r.err;
    EXPECT_EQ(r.out, "") << "sqlmig" << command;
    EXPECT_TRUE(r.err.starts_with("sqlmig: error: ")) << "sqlmig" << command << "\n" << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "sqlmig" << command << "\n" << r.err;
    EXPECT_FALSE(fs::exists(p.db_path())) << "sqlmig" << command;
    return r.err.substr(0, r.err.find('\n'));
}

// What bash offers for each line of words typed (the last one being completed), as "words|offers".
std::string bash_completes(Project& p, const std::vector<std::string>& lines) {
    const Result script = p.run({"completion", "bash"});
    EXPECT_EQ(script.code, 0) << script.err;
    p.write_file("completion.bash", script.out);
    std::string sh = "source ./completion.bash\n"
                     "t() { COMP_WORDS=(\"$@\"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _sqlmig;\n"
                     "      echo \"$*|${COMPREPLY[*]}\"; }\n";
    for (const auto& line : lines) {
        sh += "t " + line + "\n";
    }
    p.write_file("complete.sh", sh);
    const std::string bin_dir = fs::path(SQLMIG_BINARY).parent_path().string();
    const std::string cmd = "cd " + sqlmig::test::shell_quote(p.dir().string()) + " && PATH=" +
                            sqlmig::test::shell_quote(bin_dir) + ":$PATH bash complete.sh >complete.out 2>complete.err";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << sqlmig::test::read_text(p.dir() / "complete.err");
    EXPECT_EQ(sqlmig::test::read_text(p.dir() / "complete.err"), "");
    return sqlmig::test::read_text(p.dir() / "complete.out");
}

}  // namespace

TEST(Usage, HelpShowsTheWordsAnOptionTakesNotCli11Internals) {
    Project p;
    const Result help = p.run({"--help"});
    ASSERT_EQ(help.code, 0) << help.err;
    EXPECT_CONTAINS(help.out, "--progress auto|always|never");
    EXPECT_CONTAINS(help.out, "--color auto|always|never");
    EXPECT_CONTAINS(help.out, "--lock-timeout SECONDS ");
    EXPECT_CONTAINS(help.out, "--wait[=DURATION] ");
    EXPECT_CONTAINS(help.out, "-q, --quiet");
    for (const Result& r : {help, p.run({"up", "--help"}), p.run({"lint", "--help"}), p.run({"adopt", "--help"}),
                            p.run({"fleet", "up", "--help"}), p.run({"completion", "--help"})}) {
        EXPECT_EQ(r.code, 0) << r.err;
        for (const char* internal : {"->", "{60s}", "value in", "SECONDS:", "WHEN", "TEXT", "REQUIRED", " OR "}) {
            EXPECT_NOT_CONTAINS(r.out, internal);
        }
    }
    EXPECT_CONTAINS(p.run({"lint", "--help"}).out, "--dialect sqlite|postgres|mysql|mariadb");
    EXPECT_CONTAINS(p.run({"adopt", "--help"}).out, "--from golang-migrate|dbmate|goose|sql-migrate|flyway (required)");
    EXPECT_CONTAINS(p.run({"completion", "--help"}).out, "shell bash|zsh|fish");
}

TEST(Usage, CommandHelpListsTheGlobalOptionsItAccepts) {
    Project p;
    for (const std::vector<std::string>& command : std::vector<std::vector<std::string>>{
             {"up", "--help"}, {"status", "--help"}, {"fleet", "up", "--help"}, {"fleet", "--help"}}) {
        const Result r = p.run(command);
        ASSERT_EQ(r.code, 0) << r.err;
        const std::size_t global = r.out.find("Global options (before or after the command):");
        ASSERT_NE(global, std::string::npos) << r.out;
        const std::string listed = r.out.substr(global);
        EXPECT_CONTAINS(listed, "--database URL");
        EXPECT_CONTAINS(listed, "--json");
        EXPECT_CONTAINS(listed, "--progress auto|always|never");
        EXPECT_NOT_CONTAINS(listed, "--version");
    }
    const Result fleet_up = p.run({"fleet", "up", "--help"});
    EXPECT_CONTAINS(fleet_up.out.substr(0, fleet_up.out.find("Global options")), "--parallel N");
    // And the global options do work after the command.
    EXPECT_EQ(p.run({"status", "--color", "never", "--progress", "never", "--lock-timeout", "5"}).code, 0);
    // sqlmig --help itself lists each option once.
    const Result top = p.run({"--help"});
    EXPECT_NOT_CONTAINS(top.out, "Global options (before");
}

TEST(Usage, AValueOutsideAnOptionsWordsNamesTheWords) {
    Project p;
    p.migration("001_a.up.sql", "CREATE TABLE a (id INTEGER);\n");
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"--progress", "sometimes", "status"}, "--progress must be auto, always or never, not 'sometimes'"},
        {{"status", "--color", "sometimes"}, "--color must be auto, always or never, not 'sometimes'"},
        {{"lint", "--dialect", "oracle"}, "--dialect must be sqlite, postgres, mysql or mariadb, not 'oracle'"},
        {{"adopt", "--from", "liquibase"},
         "--from must be golang-migrate, dbmate, goose, sql-migrate or flyway, not 'liquibase'"},
        {{"completion", "tcsh"}, "the shell must be bash, zsh or fish, not 'tcsh'"},
        {{"fleet", "status", "--parallel", "0"}, "--parallel must be a whole number from 1 to 256, not '0'"},
        {{"--lock-timeout", "abc", "up"}, "--lock-timeout must be a number of seconds from 0 to 86400, not 'abc'"},
        {{"up", "--wait=soon"}, "--wait must be a duration up to 24h"},
        {{"status", "--color"}, "--color needs a value: auto, always or never"},
        {{"status", "--database"}, "--database needs a value (URL)"},
        {{"lint", "--dialect"}, "--dialect needs a value: sqlite, postgres, mysql or mariadb"},
        // An empty scratch URL is a mistake (an unset variable), not "make one for me".
        {{"verify", "--scratch-url", ""}, "--scratch-url must not be empty"},
        {{"drift", "--scratch-url", ""}, "--scratch-url must not be empty"},
        {{"impact", "--scratch-url", ""}, "--scratch-url must not be empty"},
        {{"lint", "--impact", "--scratch-url", ""}, "--scratch-url must not be empty"},
        // So is an empty target (`sqlmig down "$TARGET"` with TARGET unset must not revert the newest).
        {{"up", ""}, "target must not be empty"},
        {{"down", "", "--dry-run"}, "target must not be empty"},
        {{"verify", ""}, "target must not be empty"},
        {{"impact", ""}, "target must not be empty"},
        {{"fleet", "up", ""}, "target must not be empty"},
        {{"history", "--sql", ""}, "--sql must not be empty"},
    };
    for (const auto& [args, expected] : cases) {
        const std::string line = usage_error(p, args);
        EXPECT_CONTAINS(line, "sqlmig: error: " + expected);
        for (const char* internal : {"Check", "FAILED", "{", "->", ": --", "value in"}) {
            EXPECT_NOT_CONTAINS(line.substr(std::string("sqlmig: error: ").size()), internal);
        }
    }
    EXPECT_EQ(usage_error(p, {"status", "--color", "sometimes"}),
              "sqlmig: error: --color must be auto, always or never, not 'sometimes'; run 'sqlmig status --help' "
              "for usage");
}

TEST(Usage, UnknownCommandsSuggestTheNearestAndOtherToolsWordsPointToOurs) {
    Project p;
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"stauts"}, "unknown command 'stauts'; did you mean 'status'? (run 'sqlmig --help' for the list)"},
        {{"--dir", "migrations", "hisotry"}, "unknown command 'hisotry'; did you mean 'history'?"},
        {{"frobnicate"}, "unknown command 'frobnicate'; run 'sqlmig --help' for the list"},
        {{"migrate"}, "unknown command 'migrate': sqlmig calls it 'up'"},
        {{"rollback"}, "unknown command 'rollback': sqlmig calls it 'down'"},
        {{"info"}, "unknown command 'info': sqlmig calls it 'status'"},
        {{"baseline"}, "unknown command 'baseline': sqlmig calls it 'stamp'"},
        {{"force", "3"}, "unknown command 'force': sqlmig calls it 'stamp'; to clear a failed mark, 'repair'"},
        {{"create", "add_users"}, "unknown command 'create': sqlmig calls it 'new'"},
        {{"generate"}, "unknown command 'generate': sqlmig calls it 'new'"},
        {{"reset"}, "unknown command 'reset': sqlmig calls it 'down base'"},
        {{"version"}, "unknown command 'version': sqlmig calls it 'current'; sqlmig's own version is 'sqlmig --version'"},
        {{"help"}, "unknown command 'help': sqlmig calls it '--help'"},
        {{"fleet", "stauts"}, "unknown command 'stauts'; did you mean 'status'? (run 'sqlmig fleet --help' for the list)"},
        {{"fleet", "migrate"}, "unknown command 'migrate': sqlmig calls it 'up'"},
        {{"fleet"}, "'sqlmig fleet' needs a command: up, down, status, check, validate, drift or report"},
    };
    for (const auto& [args, expected] : cases) {
        EXPECT_CONTAINS(usage_error(p, args), "sqlmig: error: " + expected);
    }
    EXPECT_NOT_CONTAINS(usage_error(p, {"frobnicate"}), "did you mean");
}

TEST(Usage, UnknownOptionsSuggestTheNearestOrTheCommandTheyBelongTo) {
    Project p;
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"--databse", "sqlite:///x.db", "status"},
         "unknown option '--databse'; did you mean '--database'? (run 'sqlmig status --help' for usage)"},
        {{"status", "--databse", "sqlite:///x.db"},
         "unknown option '--databse'; did you mean '--database'? (run 'sqlmig status --help' for usage)"},
        {{"status", "--databse=sqlite:///x.db"}, "unknown option '--databse'; did you mean '--database'?"},
        {{"up", "--dry-rn"}, "unknown option '--dry-rn'; did you mean '--dry-run'? (run 'sqlmig up --help' for usage)"},
        {{"fleet", "up", "--paralel", "2"}, "unknown option '--paralel'; did you mean '--parallel'?"},
        {{"up", "--frobnicate"}, "unknown option '--frobnicate'; run 'sqlmig up --help' for usage"},
        {{"--no-backup", "up"}, "the option '--no-backup' goes after its command: sqlmig up --no-backup"},
        {{"--no-backup"}, "the option '--no-backup' goes after its command (up, down, redo, restore, fleet up or "
                          "fleet down): sqlmig up --no-backup"},
        {{"--keep-going", "fleet", "up"}, "the option '--keep-going' goes after its command: sqlmig fleet up --keep-going"},
        {{"status", "--no-backup"}, "'sqlmig status' has no option '--no-backup'; it is an option of up, down, redo"},
        {{"status", "extra"}, "unexpected argument 'extra' after 'sqlmig status'"},
    };
    for (const auto& [args, expected] : cases) {
        EXPECT_CONTAINS(usage_error(p, args), "sqlmig: error: " + expected);
    }
}

TEST(Usage, UnknownConfigKeySuggestsTheNearest) {
    Project p;
    p.write_file("config.toml", "[database]\nurl = \"sqlite:///data/app.db\"\n[migrations]\ndirectory = \"db\"\n");
    EXPECT_EQ(usage_error(p, {"status"}),
              "sqlmig: error: config.toml:4:1: [migrations] directory: unknown key; did you mean 'dir'?");
}

TEST(Usage, BashCompletesEveryCommandsOptionsAndValues) {
    Project p;
    p.migration("001_a.up.sql", "CREATE TABLE a (id INTEGER);\n");
    p.migration("002_b.up.sql", "CREATE TABLE b (id INTEGER);\n");
    p.migration("003_c.up.sql", "CREATE TABLE c (id INTEGER);\n");
    ASSERT_EQ(p.run({"up", "2"}).code, 0);
    const std::string out = bash_completes(
        p, {"sqlmig adopt --from ''", "sqlmig adopt --from g", "sqlmig fleet ''", "sqlmig fleet v",
            "sqlmig completion ''", "sqlmig --progress ''", "sqlmig status --color ''", "sqlmig --color = al",
            "sqlmig lint --dialect ''", "sqlmig history --sql ''", "sqlmig verify --from ''", "sqlmig up --sql ''",
            "sqlmig fleet up --", "sqlmig fleet up ''", "sqlmig fleet up --parallel 2 --only 'a*' ''",
            "sqlmig --color never fleet ''", "sqlmig fleet status --"});
    EXPECT_CONTAINS(out, "sqlmig adopt --from |golang-migrate dbmate goose sql-migrate flyway\n");
    EXPECT_CONTAINS(out, "sqlmig adopt --from g|golang-migrate goose\n");
    EXPECT_CONTAINS(out, "sqlmig fleet |up down status check validate drift report\n");
    EXPECT_CONTAINS(out, "sqlmig fleet v|validate\n");
    EXPECT_CONTAINS(out, "sqlmig completion |bash zsh fish\n");
    EXPECT_CONTAINS(out, "sqlmig --progress |auto always never\n");
    EXPECT_CONTAINS(out, "sqlmig status --color |auto always never\n");
    EXPECT_CONTAINS(out, "sqlmig --color = al|always\n");
    EXPECT_CONTAINS(out, "sqlmig lint --dialect |sqlite postgres mysql mariadb\n");
    EXPECT_CONTAINS(out, "sqlmig history --sql |001 002\n");      // applied versions
    EXPECT_CONTAINS(out, "sqlmig verify --from |001 002 003\n");  // every version
    EXPECT_CONTAINS(out, "sqlmig up --sql |003 head\n");          // up's --sql is a flag
    EXPECT_CONTAINS(out, "sqlmig fleet up |001 002 003 head\n");
    EXPECT_CONTAINS(out, "sqlmig fleet up --parallel 2 --only a* |001 002 003 head\n");
    EXPECT_CONTAINS(out, "sqlmig --color never fleet |up down status check validate drift report\n");
    const std::string fleet_up = out.substr(out.find("sqlmig fleet up --|"));
    const std::string fleet_up_options = fleet_up.substr(0, fleet_up.find('\n'));
    for (const char* option : {"--only", "--exclude", "--shard", "--parallel", "--keep-going", "--no-backup",
                               "--allow-out-of-order", "--database", "--json"}) {
        EXPECT_CONTAINS(fleet_up_options, option);
    }
    for (const char* option : {"--sql", "--dry-run", "--single-transaction"}) {  // up's, not fleet up's
        EXPECT_NOT_CONTAINS(fleet_up_options, std::string(" ") + option + " ");
    }
    const std::string fleet_status = out.substr(out.find("sqlmig fleet status --|"));
    EXPECT_NOT_CONTAINS(fleet_status.substr(0, fleet_status.find('\n')), "--keep-going");
}

TEST(Usage, FishAndZshCompleteTheSameValues) {
    Project p;
    const Result fish = p.run({"completion", "fish"});
    ASSERT_EQ(fish.code, 0) << fish.err;
    EXPECT_CONTAINS(fish.out, "-l from -r -f -a 'golang-migrate dbmate goose sql-migrate flyway'");
    EXPECT_CONTAINS(fish.out, "-l progress -r -f -a 'auto always never'");
    EXPECT_CONTAINS(fish.out, "-l dialect -r -f -a 'sqlite postgres mysql mariadb'");
    EXPECT_CONTAINS(fish.out, "-l sql -r -f -a '(sqlmig __complete applied 2>/dev/null)'");
    EXPECT_CONTAINS(fish.out, "-n '__fish_seen_subcommand_from fleet; and not __fish_seen_subcommand_from up down "
                              "status check validate drift report' -a validate");
    EXPECT_CONTAINS(fish.out, "-n '__fish_seen_subcommand_from fleet; and __fish_seen_subcommand_from up' -l parallel");
    EXPECT_CONTAINS(fish.out, "-n '__fish_seen_subcommand_from completion; and not __fish_seen_subcommand_from "
                              "fleet' -a 'bash zsh fish'");
    const Result zsh = p.run({"completion", "zsh"});
    ASSERT_EQ(zsh.code, 0) << zsh.err;
    EXPECT_CONTAINS(zsh.out, "bashcompinit");
    EXPECT_CONTAINS(zsh.out, "\"adopt --from\") COMPREPLY=($(compgen -W \"golang-migrate dbmate goose sql-migrate flyway\"");
}
