#pragma once
#include "db/backend.hpp"

namespace sqlmig::db {

// MariaDB and MySQL, registered in db/backends.cpp.
const Backend& mariadb_backend();

}  // namespace sqlmig::db
