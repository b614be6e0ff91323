#pragma once
#include "db/backend.hpp"

namespace sqlmig::db {

// SQLite, registered in db/backends.cpp.
const Backend& sqlite_backend();

}  // namespace sqlmig::db
