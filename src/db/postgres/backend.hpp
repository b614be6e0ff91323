#pragma once
#include "db/backend.hpp"

namespace sqlmig::db {

// PostgreSQL, registered in db/backends.cpp.
const Backend& postgres_backend();

}  // namespace sqlmig::db
