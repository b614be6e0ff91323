#pragma once
// The SQL of the tracking table, in one place: the drivers execute it and
// `up --sql` prints it, so what is printed is what would run.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>
#include <string_view>

#include "core/migration.hpp"
#include "core/sql_splitter.hpp"

namespace sqlmig::core {

inline constexpr std::string_view k_default_table = "sqlmig_migrations";

// A validated, optionally schema-qualified table name.
struct TableName {
    std::optional<std::string> schema;
    std::string table;
    // "ops"."sqlmig_migrations" (`ops`.`sqlmig_migrations` on MySQL)
    std::string quoted(Dialect dialect) const;
    // ops.sqlmig_migrations
    std::string display() const;
};

// Accepts identifier characters only ([A-Za-z_][A-Za-z0-9_]*, at most 63 bytes),
// optionally "schema.table". Throws ConfigError naming the value otherwise.
TableName parse_table_name(std::string_view value);

// A string literal safe for the dialect. PostgreSQL strings holding a backslash
// use the E'' form, so the result does not depend on standard_conforming_strings;
// MySQL strings holding one are written in hex (X'...'), so the result does not
// depend on NO_BACKSLASH_ESCAPES.
std::string sql_literal(std::string_view value, Dialect dialect);

// CREATE SCHEMA IF NOT EXISTS for a schema-qualified table (CREATE DATABASE on
// MySQL, where a schema is a database), "" otherwise.
std::string create_schema_sql(const TableName& table, Dialect dialect);
// CREATE TABLE IF NOT EXISTS for the tracking table (WITHOUT ROWID on SQLite;
// InnoDB, utf8mb4 and a VARCHAR key on MySQL).
std::string create_table_sql(const TableName& table, Dialect dialect);
// Records a row, replacing an earlier one of the same version (a failed mark).
std::string upsert_row_sql(const TableName& table, const AppliedRow& row, Dialect dialect);
// Changes only the state (and failure text, NULL when empty) of a recorded row.
std::string set_state_sql(const TableName& table, const Version& version, std::string_view state,
                          std::string_view failure, Dialect dialect);
// Accepts an edited file's checksum, keeping the rest of the row (its stored SQL).
std::string set_checksum_sql(const TableName& table, const Version& version, std::string_view checksum,
                             Dialect dialect);
std::string delete_row_sql(const TableName& table, const Version& version, Dialect dialect);
// Every row, with the columns below in this order (not the stored SQL: see below).
std::string select_rows_sql(const TableName& table, Dialect dialect);

// The tracking table's layout, recorded in <table>_layout (one row, one column):
//   1: the nine columns above (sqlmig 0.1; no <table>_layout table)
//   2: also up_sql, down_sql and down_checksum, the SQL a migration ran and its down then
//   3: also statements_done and journal_checksum, the statement journal of a migration that is not
//      one transaction (docs/migrations.md, "After a crash")
// A newer sqlmig upgrades an older layout under the lock; an older sqlmig refuses a newer one.
inline constexpr int k_tracking_layout = 3;
TableName layout_table(const TableName& table);
// Reads the layout: one row, or none when the tracking table is older than layouts.
std::string select_layout_sql(const TableName& table, Dialect dialect);
// Creates <table>_layout holding the current layout (a new tracking table).
std::vector<std::string> create_layout_sql(const TableName& table, Dialect dialect);
// The columns layouts 2 and 3 add to an older table, and the statement that adds one.
inline constexpr const char* k_added_columns[] = {"up_sql", "down_sql", "down_checksum", "statements_done",
                                                  "journal_checksum"};
std::string add_column_sql(const TableName& table, std::string_view column, Dialect dialect);
// The stored up_sql, down_sql and down_checksum of one version.
std::string select_stored_sql(const TableName& table, const Version& version, Dialect dialect);
// The statement journal of a migration that is not one transaction: `done` of its file's statements
// have committed, counted from the file's first; `checksum` is that file's (the up file for an up,
// the down file for a down). Cleared (NULLs) with `done` = nullopt.
std::string set_journal_sql(const TableName& table, const Version& version, std::optional<std::int64_t> done,
                            std::string_view checksum, Dialect dialect);
// version, statements_done and journal_checksum of the running, reverting and failed rows that have
// a journal.
std::string select_journals_sql(const TableName& table, Dialect dialect);
// The versions that have a stored down.
std::string select_stored_down_versions_sql(const TableName& table, Dialect dialect);

// The columns select_rows_sql() returns, in order: every driver maps a row with
// applied_row(), so no driver copies column positions.
enum class TrackingColumn { version, name, checksum, state, applied_at, duration_ms, applied_by, failure, backup };
inline constexpr std::size_t k_tracking_columns = 9;
using TrackingValues = std::array<std::string_view, k_tracking_columns>;

// A row from its column texts in select_rows_sql()'s order (NULLs as ""). Throws
// DbError for a version that is not a number (a table edited by hand).
AppliedRow applied_row(const TrackingValues& values, const TableName& table);

}  // namespace sqlmig::core
