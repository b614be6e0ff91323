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

ChildConnection pg_child_connection(const std::string& url, const std::string& application_name) {
    return module().child_connection(url, application_name);
}

}  // namespace sqlmig::db
