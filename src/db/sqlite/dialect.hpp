#pragma once
// SQLite's dialect (core::DialectDefinition, defined in dialect.cpp beside this): what the pure
// core reads of its SQL. Pure: built into sqlmig_db_pure.

#include "core/dialect.hpp"

namespace sqlmig::db {

extern const core::DialectDefinition k_sqlite_dialect;
inline constexpr core::Dialect sqlite_dialect{k_sqlite_dialect};

}  // namespace sqlmig::db
