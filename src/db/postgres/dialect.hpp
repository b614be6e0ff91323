#pragma once
// PostgreSQL's dialect (core::DialectDefinition, defined in dialect.cpp beside this): what the pure
// core reads of its SQL. Pure: built into sqlmig_db_pure.

#include "core/dialect.hpp"

namespace sqlmig::db {

extern const core::DialectDefinition k_postgres_dialect;
inline constexpr core::Dialect postgres_dialect{k_postgres_dialect};

}  // namespace sqlmig::db
