#pragma once
// The PostgreSQL driver is built as a module, sqlmig-postgres.so (db/module_loader.hpp):
// libpq pulls in some 25 shared libraries (Kerberos, LDAP, GnuTLS...).
//
// The module exports one C function returning this table; the rest of sqlmig
// calls make_postgres_driver() and pg_child_connection(), which load it.

#include <memory>
#include <string>

#include "db/driver.hpp"
#include "db/module_abi.hpp"
#include "db/postgres/conninfo.hpp"

namespace sqlmig::db {

struct PostgresModule {
    const char* abi = k_module_abi;  // first: load_module_table() reads it
    std::unique_ptr<Driver> (*make_driver)(const ConnectOptions& options);
    ChildConnection (*child_connection)(const std::string& url, const std::string& application_name);
    int (*library_version)();  // PQlibVersion()
};

}  // namespace sqlmig::db

// Exported by sqlmig-postgres.so.
extern "C" const sqlmig::db::PostgresModule* sqlmig_postgres_module();
