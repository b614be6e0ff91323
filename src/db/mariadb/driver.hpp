#pragma once
// The MariaDB/MySQL driver, through MariaDB Connector/C (libmariadb), built as
// the module sqlmig-mariadb.so (module.hpp) so that other commands never load it.
//  - Statements run one at a time (no multi-statement messages): the server's
//    error then always belongs to the statement just sent, and its "near '...' at
//    line N" is mapped back into the file.
//  - DDL commits implicitly on these servers; the runner records `running` first
//    (db/backend.hpp, DdlTransactions::implicit_commit).
//  - The run-wide lock is GET_LOCK(name, 0), polled on this session until the
//    timeout; it dies with the connection.

#include <memory>

#include "db/driver.hpp"

namespace sqlmig::db {

// Connects; see driver.hpp. Loads the module on first use: throws DbError when it cannot.
std::unique_ptr<Driver> make_mariadb_driver(const ConnectOptions& options);
void load_mariadb_module();
// mysql_get_client_info() of the module's Connector/C. Loads the module: throws DbError.
std::string mariadb_client_version();

// Inside the module: the driver itself.
std::unique_ptr<Driver> open_mariadb_driver(const ConnectOptions& options);

}  // namespace sqlmig::db
