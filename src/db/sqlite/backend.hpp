#pragma once
#include "db/backend.hpp"

namespace sqlmig::db {

// SQLite, registered by its word in SQLMIG_DATABASES (CMakeLists.txt).
const Backend& sqlite_backend();

}  // namespace sqlmig::db
