#pragma once
// The PostgreSQL driver is built as a module, sqlmig-postgres.so (db/module_loader.hpp):
// libpq pulls in some 25 shared libraries (Kerberos, LDAP, GnuTLS...).
//
// The module exports one C function returning this table; the rest of sqlmig
// calls make_postgres_driver() and pg_child_connection(), which load it.

#include <memory>
#include <type_traits>
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

static_assert(std::is_standard_layout_v<PostgresModule>, "load_module_table() reads its first member");

}  // namespace sqlmig::db

// Exported by sqlmig-postgres.so.
// Exported by sqlmig-postgres.so: the PostgresModule table (db/module_loader.hpp says why void).
extern "C" const void* sqlmig_postgres_module();
