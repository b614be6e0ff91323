#pragma once
// The PostgreSQL driver is built as a module, sqlmig-postgres.so beside the
// sqlmig binary, and loaded the first time a PostgreSQL URL is used. libpq
// pulls in some 25 shared libraries (Kerberos, LDAP, GnuTLS...); loading them
// only when needed keeps every SQLite command's start-up at a few milliseconds
// (docs/performance.md).
//
// The module exports one C function returning this table; the rest of sqlmig
// calls make_postgres_driver() and pg_child_connection(), which load it.

#include <memory>
#include <string>

#include "db/driver.hpp"
#include "db/postgres/conninfo.hpp"

namespace sqlmig::db {

inline constexpr int k_postgres_module_abi = 1;

struct PostgresModule {
    int abi = k_postgres_module_abi;
    std::unique_ptr<Driver> (*make_driver)(const ConnectOptions& options);
    ChildConnection (*child_connection)(const std::string& url, const std::string& application_name);
};

}  // namespace sqlmig::db

// Exported by sqlmig-postgres.so.
extern "C" const sqlmig::db::PostgresModule* sqlmig_postgres_module();
