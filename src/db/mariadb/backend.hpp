#pragma once
#include "db/backend.hpp"

namespace sqlmig::db {

// MariaDB and MySQL, registered by its word in SQLMIG_DATABASES (CMakeLists.txt).
const Backend& mariadb_backend();

}  // namespace sqlmig::db
