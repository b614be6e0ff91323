#pragma once
// SQLite's online backup API: a consistent copy of a database page by page,
// even while others write, and the same in reverse for a restore.

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace sqlmig::db {

// Copies every page of database `from` into `to`, replacing what `to` held. `to`
// keeps its file mode (create it 0600 first for a backup). Waits up to
// busy_timeout for other connections' locks. Throws DbError naming both files;
// a `from` that is not a SQLite database is refused before `to` is opened.
void sqlite_copy(const std::filesystem::path& from, const std::filesystem::path& to,
                 std::chrono::milliseconds busy_timeout);

// The CREATE statements of the database's tables, indexes, views and triggers in
// the order they were created, each ending with ";\n".
std::string sqlite_schema(const std::filesystem::path& database);

// Whether any table but `except_tables` (sqlmig's tracking table and its layout) holds a row. A table
// that cannot be read (a virtual table whose module is not loaded) counts as holding rows.
// Waits up to busy_timeout for other connections' locks. Throws DbError.
bool sqlite_holds_rows(const std::filesystem::path& database, const std::vector<std::string>& except_tables,
                       std::chrono::milliseconds busy_timeout);

// A baseline's body (`sqlmig squash`, docs/squash.md): each table's CREATE in the order the
// tables were created, with its rows (multi-row INSERTs of quote()d values, exact for every
// type), then sqlite_sequence's counters, then the indexes, views and triggers in their
// order (triggers after the rows, so that loading them fires none). Leaves out
// `except_tables` and what belongs to them. Throws DbError.
std::string sqlite_baseline(const std::filesystem::path& database, const std::vector<std::string>& except_tables);

// True when the file starts with SQLite's header ("SQLite format 3").
bool is_sqlite_file(const std::filesystem::path& file);

}  // namespace sqlmig::db
