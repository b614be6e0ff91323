// Loads sqlmig-mariadb.so on first use (see module.hpp).
#include "db/mariadb/driver.hpp"
#include "db/mariadb/module.hpp"
#include "db/module_loader.hpp"

namespace sqlmig::db {

namespace {

const MariadbModule& module() {
    return module_table<MariadbModule>("sqlmig-mariadb.so", "sqlmig_mariadb_module", "MariaDB/MySQL");
}

}  // namespace

void load_mariadb_module() {
    module();
}

std::string mariadb_client_version() {
    return module().client_info();
}

std::unique_ptr<Driver> make_mariadb_driver(const ConnectOptions& options) {
    return module().make_driver(options);
}

}  // namespace sqlmig::db
