#include <gtest/gtest.h>

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

TEST(AppliedRow, MapsTheColumnsOfSelectRowsAndRefusesAVersionThatIsNoNumber) {
    const TableName table = parse_table_name("sqlmig_migrations");
    TrackingValues values = {"003", "users", "sha256:ab", "failed", "2026-11-22T04:01:34Z", "42", "me@host",
                             "f.sql:1:2: boom", ""};
    const AppliedRow row = applied_row(values, table);
    EXPECT_EQ(row.version.canonical(), "3");
    EXPECT_EQ(row.name, "users");
    EXPECT_EQ(row.checksum, "sha256:ab");
    EXPECT_EQ(row.state, "failed");
    EXPECT_EQ(row.applied_at, "2026-11-22T04:01:34Z");
    EXPECT_EQ(row.duration_ms, 42);
    EXPECT_EQ(row.applied_by, "me@host");
    EXPECT_EQ(row.failure, "f.sql:1:2: boom");
    EXPECT_EQ(row.backup, "");
    values[0] = "3a";
    EXPECT_THROW(applied_row(values, table), sqlmig::DbError);
}
