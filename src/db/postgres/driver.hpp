#pragma once
// The PostgreSQL driver, through libpq.
//  - Statements are queued and sent several per simple-query message (up to
//    k_batch_bytes), so a file of many small statements costs few round trips.
//    A full batch is sent without waiting for its results, which are read just
//    before the next batch goes out: one batch in flight, the server executing
//    while the next one is read and split.
//    Each statement yields its own result, which tells exactly which one failed;
//    the server's error position is mapped back into that statement.
//  - The run-wide lock is a session-level advisory lock, taken by polling
//    pg_try_advisory_lock outside any transaction, so CREATE INDEX CONCURRENTLY
//    never waits on it; or, with [postgres] lock = "lease", a lease row renewed
//    from a connection of its own (lease_lock.hpp), which works through a
//    transaction pooler, and settings SET LOCAL in each transaction instead.

#include <memory>

#include "db/driver.hpp"

namespace sqlmig::db {

// Connects; see driver.hpp. Loads the module on first use (module.hpp):
// throws DbError when it cannot be loaded.
std::unique_ptr<Driver> make_postgres_driver(const ConnectOptions& options);

// Loads the module now (see load_driver()). Throws DbError.
void load_postgres_module();

// PQlibVersion() of the module's libpq ("15.10"). Loads the module: throws DbError.
std::string postgres_library_version();

// Inside the module: the driver itself.
std::unique_ptr<Driver> open_postgres_driver(const ConnectOptions& options);

}  // namespace sqlmig::db
