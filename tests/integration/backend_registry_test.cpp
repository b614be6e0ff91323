// The registry of backends: which backend takes which URL, and what each declares.
#include <gtest/gtest.h>

#include <set>

#include "config/config.hpp"
#include "db/backend.hpp"
#include "util/error.hpp"

using sqlmig::db::backend_for;
using sqlmig::db::backends;
using sqlmig::db::parse_database_url;

TEST(DatabaseUrl, ResolvesSqlitePathsAgainstTheConfigFolder) {
    EXPECT_EQ(parse_database_url("sqlite:///data/app.db", "/srv/app").file, "/srv/app/data/app.db");
    EXPECT_EQ(parse_database_url("sqlite:////var/lib/app.db", "/srv/app").file, "/var/lib/app.db");
    EXPECT_EQ(parse_database_url("sqlite://:memory:", "/x").file, ":memory:");
    EXPECT_EQ(parse_database_url("postgres://u@h/db", "/x").backend, "postgres");
    EXPECT_EQ(parse_database_url("host=localhost dbname=app", "/x").backend, "postgres");
    for (const char* bad : {"", "oracle://u@h/db", "sqlite:app.db", "sqlite:///", "app.db"}) {
        EXPECT_THROW(parse_database_url(bad, "/x"), sqlmig::ConfigError) << bad;
    }
}

TEST(Backends, EachHasANameADialectAndItsOwnUrls) {
    std::set<std::string_view> names;
    for (const auto* b : backends()) {
        EXPECT_TRUE(names.insert(b->name()).second) << "two backends named " << b->name();
        EXPECT_FALSE(b->url_forms().empty());
        EXPECT_EQ(sqlmig::core::dialect_from_name(b->name()), b->dialect());
        EXPECT_EQ(&backend_for(std::string(b->name()) + "://x"), b) << b->name() << ":// must be its own";
    }
    EXPECT_EQ(backend_for("postgresql://u@h/db").name(), "postgres");
    EXPECT_EQ(backend_for("SQLITE:///a.db").name(), "sqlite");
}

TEST(Backends, AnUnknownUrlNamesEveryAcceptedForm) {
    try {
        backend_for("oracle://scott:tiger@db/x");
        FAIL() << "accepted";
    } catch (const sqlmig::ConfigError& e) {
        const std::string message = e.what();
        EXPECT_EQ(message.find("tiger"), std::string::npos) << message;
        for (const auto* b : backends()) {
            EXPECT_NE(message.find(std::string(b->url_forms())), std::string::npos) << message;
        }
    }
}

TEST(Backends, TheConfigReadsEachBackendsSection) {
    const auto no_env = [](const std::string&) { return std::optional<std::string>(); };
    for (const auto* b : backends()) {
        const std::string text = "[" + std::string(b->config_section()) + "]\n";
        EXPECT_NO_THROW(sqlmig::config::parse_config(text, "/srv/config.toml", "", no_env)) << text;
    }
}
