#include <gtest/gtest.h>

#include "core/tracking_sql.hpp"
#include "util/error.hpp"
#include "db/mariadb/dialect.hpp"
#include "db/postgres/dialect.hpp"
#include "db/sqlite/dialect.hpp"

using sqlmig::db::mariadb_dialect;
using sqlmig::db::postgres_dialect;
using sqlmig::db::sqlite_dialect;

using namespace sqlmig::core;

TEST(TableName, AcceptsIdentifiersAndSchemaQualifiedNames) {
    EXPECT_EQ(parse_table_name("sqlmig_migrations").quoted(postgres_dialect), "\"sqlmig_migrations\"");
    EXPECT_EQ(parse_table_name("ops.migrations").quoted(postgres_dialect), "\"ops\".\"migrations\"");
    for (const char* bad : {"", "a-b", "x; DROP TABLE users", "\"q\"", "1abc", "a.b.c", ".a"}) {
        EXPECT_THROW(parse_table_name(bad), sqlmig::ConfigError) << bad;
    }
}

TEST(SqlLiteral, QuotesForEachDialect) {
    EXPECT_EQ(sql_literal("it's", sqlite_dialect), "'it''s'");
    EXPECT_EQ(sql_literal("a\\b", sqlite_dialect), "'a\\b'");
    EXPECT_EQ(sql_literal("a\\b'", postgres_dialect), "E'a\\\\b'''");
    EXPECT_EQ(sql_literal("it's", mariadb_dialect), "'it''s'");
    // In hex, so that NO_BACKSLASH_ESCAPES cannot change what it means.
    EXPECT_EQ(sql_literal("a\\b", mariadb_dialect), "X'615C62'");
}

TEST(TrackingSql, MysqlQuotesWithBackticksKeysAVarcharAndReplacesRows) {
    const TableName t = parse_table_name("ops.sqlmig_migrations");
    EXPECT_EQ(t.quoted(mariadb_dialect), "`ops`.`sqlmig_migrations`");
    EXPECT_EQ(create_schema_sql(t, mariadb_dialect), "CREATE DATABASE IF NOT EXISTS `ops`");
    EXPECT_EQ(create_schema_sql(t, postgres_dialect), "CREATE SCHEMA IF NOT EXISTS \"ops\"");
    EXPECT_EQ(create_schema_sql(parse_table_name("m"), mariadb_dialect), "");
    const std::string create = create_table_sql(t, mariadb_dialect);
    EXPECT_NE(create.find("version     VARCHAR(191) PRIMARY KEY"), std::string::npos) << create;
    EXPECT_NE(create.find("ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"), std::string::npos) << create;
    EXPECT_EQ(create.find("TEXT PRIMARY KEY"), std::string::npos) << create;
    AppliedRow row;
    row.version = *Version::parse("003");
    row.name = "x";
    const std::string upsert = upsert_row_sql(t, row, mariadb_dialect);
    EXPECT_EQ(upsert.rfind("REPLACE INTO `ops`.`sqlmig_migrations` (", 0), 0u) << upsert;
    EXPECT_EQ(upsert.find("ON CONFLICT"), std::string::npos) << upsert;
    EXPECT_NE(upsert_row_sql(t, row, postgres_dialect).find("ON CONFLICT (version)"), std::string::npos);
    EXPECT_EQ(select_rows_sql(t, mariadb_dialect).find("\""), std::string::npos);
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
