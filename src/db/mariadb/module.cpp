// The entry point of sqlmig-mariadb.so (see module.hpp).
#include "db/mariadb/module.hpp"

#include <mysql.h>

#include "db/mariadb/driver.hpp"

extern "C" __attribute__((visibility("default"))) const void* sqlmig_mariadb_module() {
    static const sqlmig::db::MariadbModule module{sqlmig::db::k_module_abi, &sqlmig::db::open_mariadb_driver,
                                                         &mysql_get_client_info};
    return &module;
}
