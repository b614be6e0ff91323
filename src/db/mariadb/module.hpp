#pragma once
// The table that sqlmig-mariadb.so exports (db/module_loader.hpp).

#include <memory>

#include "db/driver.hpp"
#include "db/module_abi.hpp"

namespace sqlmig::db {

struct MariadbModule {
    const char* abi = k_module_abi;  // first: load_module_table() reads it
    std::unique_ptr<Driver> (*make_driver)(const ConnectOptions& options);
    const char* (*client_info)();  // mysql_get_client_info()
};

}  // namespace sqlmig::db

extern "C" const sqlmig::db::MariadbModule* sqlmig_mariadb_module();
