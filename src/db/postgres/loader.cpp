// Loads sqlmig-postgres.so on first use (see module.hpp).
#include "db/module_loader.hpp"
#include "db/postgres/driver.hpp"
#include "db/postgres/module.hpp"

namespace sqlmig::db {

namespace {

const PostgresModule& module() {
    return module_table<PostgresModule>("sqlmig-postgres.so", "sqlmig_postgres_module", "PostgreSQL");
}

}  // namespace

void load_postgres_module() {
    module();
}

std::unique_ptr<Driver> make_postgres_driver(const ConnectOptions& options) {
    return module().make_driver(options);
}

std::string postgres_library_version() {
    const int v = module().library_version();
    // 150010 -> 15.10; before 10, 90624 -> 9.6.24
    return v >= 100000 ? std::to_string(v / 10000) + "." + std::to_string(v % 10000)
                       : std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + "." + std::to_string(v % 100);
}

ChildConnection pg_child_connection(const std::string& url, const std::string& application_name) {
    return module().child_connection(url, application_name);
}

}  // namespace sqlmig::db
