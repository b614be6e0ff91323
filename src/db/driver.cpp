#include "db/driver.hpp"

#include "db/postgres_driver.hpp"
#include "db/sqlite_driver.hpp"

namespace sqlmig::db {

void load_driver(const core::DatabaseUrl& url) {
    if (url.backend == core::Backend::postgres) {
        load_postgres_module();
    }
}

std::unique_ptr<Driver> make_driver(const ConnectOptions& options) {
    switch (options.url.backend) {
    case core::Backend::sqlite: return make_sqlite_driver(options);
    case core::Backend::postgres: return make_postgres_driver(options);
    }
    throw DbError("unsupported database: " + options.url.redacted());
}

}  // namespace sqlmig::db
