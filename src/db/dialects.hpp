#pragma once
// Every registered database's dialect (src/db/<name>/dialect.hpp), made from the one list of
// databases, SQLMIG_DATABASES in CMakeLists.txt. Pure: built into sqlmig_db_pure.

#include <optional>
#include <span>
#include <string_view>

#include "core/dialect.hpp"

namespace sqlmig::db {

// In registration order.
std::span<const core::DialectDefinition* const> dialect_definitions();

// The dialect --dialect names: its name ("postgres", "sqlite", "mysql") or another of its names
// ("mariadb"); nullopt for a name no registered database's dialect has.
std::optional<core::Dialect> dialect_from_name(std::string_view name);

}  // namespace sqlmig::db
