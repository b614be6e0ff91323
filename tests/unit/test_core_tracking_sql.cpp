#include <gtest/gtest.h>

#include "core/database_url.hpp"
#include "core/tracking_sql.hpp"
#include "util/error.hpp"

using namespace sqlmig::core;

TEST(TableName, AcceptsIdentifiersAndSchemaQualifiedNames) {
    EXPECT_EQ(parse_table_name("sqlmig_migrations").quoted(), "\"sqlmig_migrations\"");
    EXPECT_EQ(parse_table_name("ops.migrations").quoted(), "\"ops\".\"migrations\"");
    for (const char* bad : {"", "a-b", "x; DROP TABLE users", "\"q\"", "1abc", "a.b.c", ".a"}) {
        EXPECT_THROW(parse_table_name(bad), sqlmig::ConfigError) << bad;
    }
}

TEST(SqlLiteral, QuotesForEachDialect) {
    EXPECT_EQ(sql_literal("it's", Dialect::sqlite), "'it''s'");
    EXPECT_EQ(sql_literal("a\\b", Dialect::sqlite), "'a\\b'");
    EXPECT_EQ(sql_literal("a\\b'", Dialect::postgres), "E'a\\\\b'''");
}

TEST(DatabaseUrl, ResolvesSqlitePathsAgainstTheConfigFolder) {
    EXPECT_EQ(parse_database_url("sqlite:///data/app.db", "/srv/app").sqlite_path, "/srv/app/data/app.db");
    EXPECT_EQ(parse_database_url("sqlite:////var/lib/app.db", "/srv/app").sqlite_path, "/var/lib/app.db");
    EXPECT_EQ(parse_database_url("sqlite://:memory:", "/x").sqlite_path, ":memory:");
    EXPECT_EQ(parse_database_url("postgres://u@h/db", "/x").backend, Backend::postgres);
    EXPECT_EQ(parse_database_url("host=localhost dbname=app", "/x").backend, Backend::postgres);
    for (const char* bad : {"", "mysql://u@h/db", "sqlite:app.db", "sqlite:///", "app.db"}) {
        EXPECT_THROW(parse_database_url(bad, "/x"), sqlmig::ConfigError) << bad;
    }
}
