// The entry point of sqlmig-postgres.so (see module.hpp).
#include "db/postgres/module.hpp"

#include <libpq-fe.h>

#include "db/postgres/driver.hpp"

extern "C" __attribute__((visibility("default"))) const void* sqlmig_postgres_module() {
    static const sqlmig::db::PostgresModule module{sqlmig::db::k_module_abi,
                                                   &sqlmig::db::open_postgres_driver,
                                                   &sqlmig::db::postgres_child_connection, &PQlibVersion};
    return &module;
}
