#pragma once
// The table that sqlmig-mariadb.so exports (db/module_loader.hpp).

#include <memory>
#include <type_traits>

#include "db/driver.hpp"
#include "db/module_abi.hpp"

namespace sqlmig::db {

struct MariadbModule {
    const char* abi = k_module_abi;  // first: load_module_table() reads it
    std::unique_ptr<Driver> (*make_driver)(const ConnectOptions& options);
    const char* (*client_info)();  // mysql_get_client_info()
};

static_assert(std::is_standard_layout_v<MariadbModule>, "load_module_table() reads its first member");

}  // namespace sqlmig::db

// Exported by sqlmig-mariadb.so: the MariadbModule table (db/module_loader.hpp says why void).
extern "C" const void* sqlmig_mariadb_module();
