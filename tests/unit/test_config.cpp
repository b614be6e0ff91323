#include <gtest/gtest.h>

#include <map>

#include "config/config.hpp"
#include "util/error.hpp"

using namespace sqlmig::config;

namespace {

EnvLookup env_of(std::map<std::string, std::string> vars) {
    return [vars](const std::string& name) -> std::optional<std::string> {
        const auto it = vars.find(name);
        return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
}

Config parse(const std::string& text, std::map<std::string, std::string> vars = {}, const std::string& env = "") {
    return parse_config(text, "/srv/app/config.toml", env, env_of(std::move(vars)));
}

std::string error_of(const std::string& text, std::map<std::string, std::string> vars = {}, const std::string& env = "") {
    try {
        parse(text, std::move(vars), env);
    } catch (const sqlmig::ConfigError& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST(Config, ReadsEveryKeyWithPathsRelativeToTheFile) {
    const Config c = parse(R"(
[database]
url = "sqlite:///data/app.db"
connect_timeout = 7
[migrations]
dir = "db/migrations"
table = "schema_log"
ignore = ["*.seed.sql"]
[sqlite]
extensions = ["lib/ext.so"]
busy_timeout = "2s"
[postgres]
lock_timeout = "5s"
statement_timeout = 60000
)");
    EXPECT_EQ(c.database_url, "sqlite:///data/app.db");
    EXPECT_EQ(c.database_base_dir, "/srv/app");
    EXPECT_EQ(c.connect_timeout_s, 7);
    EXPECT_EQ(c.migrations_dir, "/srv/app/db/migrations");
    EXPECT_EQ(c.table, "schema_log");
    EXPECT_EQ(c.ignore, std::vector<std::string>{"*.seed.sql"});
    ASSERT_EQ(c.sqlite_extensions.size(), 1u);
    EXPECT_EQ(c.sqlite_extensions[0], "/srv/app/lib/ext.so");
    EXPECT_EQ(c.busy_timeout.count(), 2000);
    EXPECT_EQ(c.session_limits("postgres").lock_timeout->count(), 5000);
    EXPECT_EQ(c.session_limits("postgres").statement_timeout->count(), 60000);
}

TEST(Config, InterpolatesEnvironmentVariables) {
    const auto c = parse("[database]\nurl = \"postgres://${PGUSER_X}@${HOST:-localhost}/app$$1\"\n",
                         {{"PGUSER_X", "deploy"}});
    EXPECT_EQ(c.database_url, "postgres://deploy@localhost/app$1");
}

TEST(Config, NamesFileLineAndKeyOfAnUnsetVariable) {
    const auto e = error_of("\n[backup]\ndir = \"${NOPE}\"\n");
    EXPECT_NE(e.find("config.toml:3:7: [backup] dir"), std::string::npos) << e;
    EXPECT_NE(e.find("NOPE is not set"), std::string::npos) << e;
}

TEST(Config, AnUnsetVariableInTheDatabaseUrlWaitsUntilTheUrlIsUsed) {
    const auto c = parse("\n[database]\nurl = \"postgres://app:${NOPE}@db/app\"\n", {});
    EXPECT_EQ(c.database_url, "postgres://app:${NOPE}@db/app");  // the scheme stays readable
    ASSERT_TRUE(c.database_url_unset);
    EXPECT_NE(c.database_url_unset->find("config.toml:3:7: [database] url"), std::string::npos);
    EXPECT_NE(c.database_url_unset->find("NOPE is not set"), std::string::npos);
    EXPECT_FALSE(parse("[database]\nurl = \"postgres://app:${NOPE}@db/app\"\n", {{"NOPE", "x"}}).database_url_unset);
    EXPECT_NE(error_of("[database]\nurl = \"${NOPE\"\n").find("unterminated"), std::string::npos);  // still at once
}

TEST(Config, UnknownKeysAndSectionsSuggestTheNearestKnownOne) {
    EXPECT_EQ(error_of("[migrations]\ndirectory = \"db\"\n"),
              "config.toml:2:1: [migrations] directory: unknown key; did you mean 'dir'?");
    EXPECT_EQ(error_of("[database]\nulr = \"x\"\n"), "config.toml:2:1: [database] ulr: unknown key; did you mean 'url'?");
    EXPECT_EQ(error_of("[backup]\nkepp = 3\n"), "config.toml:2:8: [backup] kepp: unknown key; did you mean 'keep'?");
    // The lock-wait keys are known to the suggestions too.
    EXPECT_NE(error_of("[mariadb]\nlock_harm_budgt = \"1s\"\n").find("did you mean 'lock_harm_budget'?"), std::string::npos);
    EXPECT_NE(error_of("[postgres]\nlock_retires = true\n").find("did you mean 'lock_retries'?"), std::string::npos);
    EXPECT_EQ(error_of("[fleet]\nparalel = 3\n"), "config.toml:2:11: [fleet] paralel: unknown key; did you mean 'parallel'?");
    // Nothing near: the keys the section takes.
    EXPECT_EQ(error_of("[hooks]\nbefore = \"x\"\n"),
              "config.toml:2:1: [hooks] before: unknown key; did you mean 'before_migrate'?");
    EXPECT_EQ(error_of("[hooks]\nexec = \"x\"\n"),
              "config.toml:2:1: [hooks] exec: unknown key; [hooks] takes before_migrate, after_migrate, on_failure");
    const std::string section = error_of("[databse]\nurl = \"x\"\n");
    EXPECT_NE(section.find("config.toml:1:2: databse: unknown section; did you mean [database]? expected one of"),
              std::string::npos) << section;
    const std::string in_env = error_of("[env.prod.migration]\ndir = \"x\"\n", {}, "prod");
    EXPECT_NE(in_env.find("did you mean [env.prod.migrations]?"), std::string::npos) << in_env;
}

TEST(Config, EveryKeyThatMessagesSuggestIsAccepted) {
    // A key of the list given a value of the wrong type is refused for its value, never as unknown.
    for (const auto& [section, keys] : config_keys()) {
        for (const auto& key : keys) {
            const std::string e = error_of("[" + section + "]\n" + key + " = { nope = 1 }\n");
            EXPECT_EQ(e.find("unknown"), std::string::npos) << "[" << section << "] " << key << ": " << e;
        }
    }
}

TEST(Config, RejectsUnknownKeysWrongTypesAndBadToml) {
    EXPECT_NE(error_of("[database]\nulr = \"x\"\n").find("config.toml:2:1: [database] ulr: unknown key"),
              std::string::npos);
    EXPECT_NE(error_of("[databse]\nurl = \"x\"\n").find("unknown section"), std::string::npos);
    EXPECT_NE(error_of("[migrations]\ndir = 3\n").find("[migrations] dir: must be a string"), std::string::npos);
    EXPECT_NE(error_of("[sqlite]\nbusy_timeout = \"soon\"\n").find("invalid duration"), std::string::npos);
    EXPECT_NE(error_of("[database\nurl = 1").find("config.toml:1:"), std::string::npos);
    EXPECT_NE(error_of("[database]\nurl = \"${unterminated\"\n").find("unterminated"), std::string::npos);
}

TEST(Config, PreflightWarnsByDefaultAndNamesTheKeyOfABadValue) {
    using std::chrono::milliseconds;
    const Config d = parse("");
    EXPECT_EQ(d.pg_preflight.mode, PreflightMode::warn);
    EXPECT_EQ(d.pg_preflight.transaction_age, milliseconds(60000));
    EXPECT_EQ(d.pg_preflight.replica_lag, milliseconds(10000));
    const Config c = parse("[postgres]\npreflight = \"refuse\"\npreflight_transaction_age = \"30s\"\n"
                           "preflight_replica_lag = 0\n");
    EXPECT_EQ(c.pg_preflight.mode, PreflightMode::refuse);
    EXPECT_EQ(c.pg_preflight.transaction_age, milliseconds(30000));
    EXPECT_EQ(c.pg_preflight.replica_lag, milliseconds(0));
    EXPECT_NE(error_of("[postgres]\npreflight = \"sometimes\"\n")
                  .find("config.toml:2:13: [postgres] preflight: must be \"off\", \"warn\", \"wait\" or \"refuse\", "
                        "not 'sometimes'"),
              std::string::npos)
        << error_of("[postgres]\npreflight = \"sometimes\"\n");
    EXPECT_NE(error_of("[postgres]\npreflight_transaction_age = \"0s\"\n")
                  .find("[postgres] preflight_transaction_age: must be longer than 0"),
              std::string::npos);
    EXPECT_NE(error_of("[postgres]\npreflight_replica_lag = \"soon\"\n")
                  .find("[postgres] preflight_replica_lag: invalid duration 'soon'"),
              std::string::npos);
}

TEST(Config, LockRetriesDefaultOnWithShortRungsAndReadTheirKeys) {
    using std::chrono::milliseconds;
    const Config d = parse("");
    EXPECT_TRUE(d.lock_retries("postgres").enabled);
    EXPECT_EQ(d.lock_retries("postgres").ladder, (std::vector<milliseconds>{milliseconds(100), milliseconds(200), milliseconds(400)}));
    EXPECT_EQ(d.lock_retries("postgres").budget, milliseconds(300000));
    EXPECT_EQ(d.lock_retries("postgres").harm_budget, milliseconds(300));
    EXPECT_TRUE(d.lock_retries("sqlite").enabled);
    EXPECT_EQ(d.lock_retries("sqlite").ladder, (std::vector<milliseconds>{milliseconds(5000)}));  // busy_timeout
    EXPECT_EQ(d.lock_retries("sqlite").budget, milliseconds(300000));
    EXPECT_FALSE(d.lock_retries("other").enabled);
    const Config c = parse("[postgres]\nlock_timeout_ladder = [\"50ms\", \"1s\"]\nlock_wait_budget = \"2min\"\n"
                           "lock_harm_budget = 0\n[mariadb]\nlock_retries = false\nlock_wait_budget = \"30s\"\n");
    EXPECT_EQ(c.lock_retries("postgres").ladder, (std::vector<milliseconds>{milliseconds(50), milliseconds(1000)}));
    EXPECT_EQ(c.lock_retries("postgres").budget, milliseconds(120000));
    EXPECT_EQ(c.lock_retries("postgres").harm_budget, milliseconds(0));
    EXPECT_FALSE(c.lock_retries("mariadb").enabled);
    EXPECT_EQ(c.lock_retries("mariadb").budget, milliseconds(30000));
    const Config l = parse("[sqlite]\nbusy_timeout = \"250ms\"\nlock_wait_budget = \"3s\"\n");
    EXPECT_EQ(l.lock_retries("sqlite").ladder, (std::vector<milliseconds>{milliseconds(250)}));
    EXPECT_EQ(l.lock_retries("sqlite").budget, milliseconds(3000));
    EXPECT_FALSE(parse("[sqlite]\nlock_retries = false\n").lock_retries("sqlite").enabled);
    // Each attempt waits busy_timeout: there is no ladder on SQLite.
    EXPECT_NE(error_of("[sqlite]\nlock_timeout_ladder = [\"1s\"]\n").find("[sqlite] lock_timeout_ladder: unknown key"),
              std::string::npos);
    EXPECT_EQ(c.lock_retries("mariadb").harm_budget, milliseconds(300));
    EXPECT_EQ(parse("[mariadb]\nlock_harm_budget = \"1s\"\n").lock_retries("mariadb").harm_budget, milliseconds(1000));
}

TEST(Config, PostgresLockIsAdvisoryByDefaultAndLeaseWhenSet) {
    const Config d = parse("");
    EXPECT_EQ(d.pg_lock, PgRunLock::advisory);
    EXPECT_EQ(d.pg_lease_duration, std::chrono::seconds(30));
    const Config c = parse("[postgres]\nlock = \"lease\"\nlease_duration = \"2s\"\n");
    EXPECT_EQ(c.pg_lock, PgRunLock::lease);
    EXPECT_EQ(c.pg_lease_duration, std::chrono::seconds(2));
    EXPECT_NE(error_of("[postgres]\nlock = \"Lease\"\n").find("[postgres] lock: must be \"advisory\" or \"lease\""),
              std::string::npos);
    EXPECT_NE(error_of("[postgres]\nlease_duration = \"999ms\"\n").find("[postgres] lease_duration: must be from 1s"),
              std::string::npos);
}

TEST(Config, AppliesTheSelectedEnvironmentOverlay) {
    const std::string text = R"(
[database]
url = "sqlite:///dev.db"
[migrations]
table = "t"
[env.prod.database]
url = "postgres://app@db/app"
)";
    EXPECT_EQ(parse(text).database_url, "sqlite:///dev.db");
    const auto prod = parse(text, {}, "prod");
    EXPECT_EQ(prod.database_url, "postgres://app@db/app");
    EXPECT_EQ(prod.table, "t");
    EXPECT_NE(error_of(text, {}, "staging").find("no [env.staging]"), std::string::npos);
}

TEST(Config, DatabaseUrlFromTheEnvironmentWins) {
    const auto c = parse("[database]\nurl = \"sqlite:///a.db\"\n", {{"DATABASE_URL", "postgres://x@y/z"}});
    EXPECT_EQ(c.database_url, "postgres://x@y/z");
    EXPECT_EQ(c.database_url_origin, "DATABASE_URL");
}

TEST(Config, ParsesDurations) {
    EXPECT_EQ(parse_duration("250ms")->count(), 250);
    EXPECT_EQ(parse_duration("5s")->count(), 5000);
    EXPECT_EQ(parse_duration("2min")->count(), 120000);
    EXPECT_EQ(parse_duration(" 1h ")->count(), 3600000);
    EXPECT_FALSE(parse_duration("5"));
    EXPECT_FALSE(parse_duration("s"));
    EXPECT_FALSE(parse_duration("-5s"));
}

TEST(Config, BackupHooksAndDumpSections) {
    const Config defaults = parse("");
    EXPECT_TRUE(defaults.backup.enabled);
    EXPECT_EQ(defaults.backup.keep, 20);
    EXPECT_EQ(defaults.backup.dir, "/srv/app/backups");
    EXPECT_EQ(defaults.backup.program("pg_dump"), "pg_dump");
    EXPECT_TRUE(defaults.schema_file.empty());

    const Config c = parse(R"(
[backup]
enabled = false
format = "plain"
keep = 3
dir = "/var/backups/app"
pg_dump = "tools/pg_dump"
psql = "psql15"
[hooks]
before_migrate = "echo ${NOT_EXPANDED_HERE}"
after_migrate = ["a", "b"]
[dump]
schema_file = "db/schema.sql"
)");
    EXPECT_FALSE(c.backup.enabled);
    EXPECT_EQ(c.backup.format, "plain");
    EXPECT_EQ(c.backup.keep, 3);
    EXPECT_EQ(c.backup.dir, "/var/backups/app");
    EXPECT_EQ(c.backup.program("pg_dump"), "/srv/app/tools/pg_dump");
    EXPECT_EQ(c.backup.program("psql"), "psql15");
    EXPECT_EQ(c.hooks.before_migrate, (std::vector<std::string>{"echo ${NOT_EXPANDED_HERE}"}));
    EXPECT_EQ(c.hooks.after_migrate, (std::vector<std::string>{"a", "b"}));
    EXPECT_TRUE(c.hooks.on_failure.empty());
    EXPECT_EQ(c.schema_file, "/srv/app/db/schema.sql");
}

TEST(Config, BadBackupAndHookValuesNameTheKey) {
    EXPECT_EQ(error_of("[backup]\nformat = \"tar\"\n"),
              "config.toml:2:10: [backup] format: must be \"custom\" or \"plain\", not 'tar'");
    EXPECT_EQ(error_of("[backup]\nkeep = -1\n"),
              "config.toml:2:8: [backup] keep: must be a whole number from 0 (keep all) to 100000");
    EXPECT_EQ(error_of("[backup]\nenabled = \"yes\"\n"), "config.toml:2:11: [backup] enabled: must be true or false");
    EXPECT_NE(error_of("[backup]\nkepp = 3\n").find("[backup] kepp: unknown key"), std::string::npos);
    EXPECT_EQ(error_of("[backup]\ndir = \"\"\n"), "config.toml:2:7: [backup] dir: must not be empty");
    EXPECT_EQ(error_of("[hooks]\nafter_migrate = [\"ok\", 3]\n"),
              "config.toml:2:24: [hooks] after_migrate: must be a non-empty command string");
    EXPECT_NE(error_of("[hooks]\nbefore = \"x\"\n").find("[hooks] before: unknown key"), std::string::npos);
}

TEST(ConfigFleet, ReadsTargetsWithTheirPlaceAndExpandsUrls) {
    const Config c = parse(R"([fleet]
parallel = 12
targets = [
  { name = "eu-1", url = "postgres://app:${PW}@db1/app" },
  { name = "us-1", url = "sqlite:///us.db" },
]
)", {{"PW", "s3cret"}});
    ASSERT_EQ(c.fleet.targets.size(), 2u);
    EXPECT_EQ(c.fleet.targets[0].name, "eu-1");
    EXPECT_EQ(c.fleet.targets[0].url, "postgres://app:s3cret@db1/app");
    EXPECT_EQ(c.fleet.targets[1].origin, "config.toml:5:3");
    EXPECT_EQ(c.fleet.parallel, 12);
    EXPECT_TRUE(c.fleet.configured());
}

TEST(ConfigFleet, OtherSourcesAreKeptForTheRun) {
    EXPECT_EQ(parse("[fleet]\ntargets_file = \"fleet/targets.txt\"\n").fleet.targets_file, "/srv/app/fleet/targets.txt");
    EXPECT_EQ(parse("[fleet]\ntargets_command = \"./list-dbs\"\n").fleet.targets_command, "./list-dbs");
    const Config s = parse("[fleet]\nschemas = \"tenant_%\"\nurl = \"postgres://h/app\"\n");
    EXPECT_EQ(s.fleet.schemas, "tenant_%");
    EXPECT_EQ(s.fleet.url, "postgres://h/app");
    EXPECT_FALSE(parse("").fleet.configured());
}

TEST(ConfigFleet, BadEntriesNameTheirPlace) {
    EXPECT_EQ(error_of("[fleet]\ntargets = []\n"), "config.toml:2:11: [fleet] targets lists no target; a fleet needs at least one");
    const std::string twice = error_of(R"([fleet]
targets = [ { name = "a", url = "sqlite:///a.db" },
            { name = "a", url = "sqlite:///b.db" } ]
)");
    EXPECT_NE(twice.find("config.toml:3:13: target 'a' is listed twice (first at config.toml:2:13)"), std::string::npos)
        << twice;
    EXPECT_NE(error_of("[fleet]\ntargets = [ { name = \"../x\", url = \"sqlite:///a.db\" } ]\n").find("config.toml:2:13: target name '../x' must be"),
              std::string::npos);
    EXPECT_NE(error_of("[fleet]\ntargets = [ { name = \"a\" } ]\n").find("needs both name and url"), std::string::npos);
    EXPECT_NE(error_of("[fleet]\ntargets = [ { name = \"a\", url = \"x\", db = 1 } ]\n").find("unknown key 'db'"),
              std::string::npos);
    // toml++ gives a table's keys in name order: the message names both places, whichever came first.
    EXPECT_EQ(error_of("[fleet]\ntargets_file = \"t.txt\"\nschemas = \"t_%\"\n"),
              "config.toml:2:16: [fleet] targets_file: [fleet] takes one of targets, targets_file, targets_command and "
              "schemas; config.toml:3:11: [fleet] schemas is set too");
    EXPECT_NE(error_of("[fleet]\nparallel = 0\n").find("config.toml:2:12: [fleet] parallel: must be a whole number from 1 to 256"),
              std::string::npos);
    EXPECT_NE(error_of("[fleet]\nshards = 2\n").find("[fleet] shards: unknown key"), std::string::npos);
    EXPECT_NE(error_of("[fleet]\ntargets = [ { name = \"a\", url = \"${NOPE}\" } ]\n").find("NOPE"), std::string::npos);
}

TEST(ConfigFleet, AnEnvironmentMayNameAnotherSource) {
    const Config c = parse("[fleet]\ntargets_file = \"prod.txt\"\n[env.staging.fleet]\nschemas = \"t_%\"\n", {}, "staging");
    EXPECT_EQ(c.fleet.schemas, "t_%");
    EXPECT_TRUE(c.fleet.targets_file.empty());
}

TEST(Config, ImpactBudgetsAreOffByDefaultAndNameTheKeyOfABadValue) {
    const Config defaults = parse("");
    EXPECT_FALSE(defaults.impact.max_access_exclusive);
    EXPECT_EQ(defaults.impact.rewrite, sqlmig::core::RewritePolicy::allow);
    EXPECT_EQ(defaults.impact_before_up, sqlmig::config::UpGate::off);
    const Config c = parse("[impact]\nmax_access_exclusive = \"5s\"\nmax_write_block = \"1min\"\n"
                           "rewrite = \"refuse\"\nbefore_up = true\n");
    EXPECT_EQ(c.impact.max_access_exclusive->count(), 5000);
    EXPECT_EQ(c.impact.max_write_block->count(), 60000);
    EXPECT_EQ(c.impact.rewrite, sqlmig::core::RewritePolicy::refuse);
    EXPECT_EQ(c.impact_before_up, sqlmig::config::UpGate::refuse) << "true, as written last release: refuse";
    EXPECT_EQ(error_of("[impact]\nrewrite = \"never\"\n"),
              "config.toml:2:11: [impact] rewrite: must be \"allow\" or \"refuse\", not 'never'");
    EXPECT_EQ(error_of("[impact]\nmax_acces_exclusive = \"5s\"\n"),
              "config.toml:2:23: [impact] max_acces_exclusive: unknown key; did you mean 'max_access_exclusive'?");
}

TEST(Config, ImpactBeforeUpTakesDriftsThreeValuesAndStillTheBoolsOfLastRelease) {
    using sqlmig::config::UpGate;
    EXPECT_EQ(parse("[impact]\nbefore_up = \"warn\"\n").impact_before_up, UpGate::warn);
    EXPECT_EQ(parse("[impact]\nbefore_up = \"refuse\"\n").impact_before_up, UpGate::refuse);
    EXPECT_EQ(parse("[impact]\nbefore_up = \"off\"\n").impact_before_up, UpGate::off);
    EXPECT_EQ(parse("[impact]\nbefore_up = false\n").impact_before_up, UpGate::off);
    EXPECT_EQ(error_of("[impact]\nbefore_up = \"yes\"\n"),
              "config.toml:2:13: [impact] before_up: must be \"off\", \"warn\" or \"refuse\", not 'yes'");
    EXPECT_EQ(error_of("[drift]\nbefore_up = \"yes\"\n"),
              "config.toml:2:13: [drift] before_up: must be \"off\", \"warn\" or \"refuse\", not 'yes'");
    // A number is neither last release's bool nor a string: the message still lists the choices.
    EXPECT_EQ(error_of("[impact]\nbefore_up = 5\n"),
              "config.toml:2:13: [impact] before_up: must be \"off\", \"warn\" or \"refuse\"");
    EXPECT_EQ(error_of("[drift]\nbefore_up = [\"warn\"]\n"),
              "config.toml:2:13: [drift] before_up: must be \"off\", \"warn\" or \"refuse\"");
}
