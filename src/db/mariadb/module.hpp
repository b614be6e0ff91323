#pragma once
// The table that sqlmig-mariadb.so exports (db/module_loader.hpp).

#include <memory>

#include "db/driver.hpp"

namespace sqlmig::db {

struct MariadbModule {
    static constexpr int k_abi = 1;
    int abi = k_abi;  // first: load_module_table() reads it
    std::unique_ptr<Driver> (*make_driver)(const ConnectOptions& options);
};

}  // namespace sqlmig::db

extern "C" const sqlmig::db::MariadbModule* sqlmig_mariadb_module();
