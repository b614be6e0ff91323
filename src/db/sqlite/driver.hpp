#pragma once
// The SQLite driver: statements are prepared and stepped one by one; the
// run-wide lock is an flock() on "<database>-sqlmig-lock" beside the database
// (released by the kernel if sqlmig dies), and each migration's transaction is
// BEGIN IMMEDIATE, SQLite's write lock.

#include <memory>

#include "db/driver.hpp"

namespace sqlmig::db {

std::unique_ptr<Driver> make_sqlite_driver(const ConnectOptions& options);

}  // namespace sqlmig::db
