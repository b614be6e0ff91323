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
    EXPECT_EQ(c.pg_lock_timeout->count(), 5000);
    EXPECT_EQ(c.pg_statement_timeout->count(), 60000);
}

TEST(Config, InterpolatesEnvironmentVariables) {
    const auto c = parse("[database]\nurl = \"postgres://${PGUSER_X}@${HOST:-localhost}/app$$1\"\n",
                         {{"PGUSER_X", "deploy"}});
    EXPECT_EQ(c.database_url, "postgres://deploy@localhost/app$1");
}

TEST(Config, NamesFileLineAndKeyOfAnUnsetVariable) {
    const auto e = error_of("\n[database]\nurl = \"${NOPE}\"\n");
    EXPECT_NE(e.find("config.toml:3:7: [database] url"), std::string::npos) << e;
    EXPECT_NE(e.find("NOPE is not set"), std::string::npos) << e;
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
