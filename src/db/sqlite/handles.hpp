#pragma once
// The owners of SQLite's C handles, shared by the driver and the backup code.
// Only src/db/*.cpp include this (it includes sqlite3.h).

#include <sqlite3.h>

#include <memory>

namespace sqlmig::db {

struct SqliteClose {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct SqliteFinalize {
    void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using SqliteHandle = std::unique_ptr<sqlite3, SqliteClose>;
using StatementHandle = std::unique_ptr<sqlite3_stmt, SqliteFinalize>;

}  // namespace sqlmig::db
