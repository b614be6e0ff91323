#pragma once
#include "db/backend.hpp"

namespace sqlmig::db {

// PostgreSQL, registered by its word in SQLMIG_DATABASES (CMakeLists.txt).
const Backend& postgres_backend();

}  // namespace sqlmig::db
