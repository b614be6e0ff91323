#pragma once
// What config.toml holds for SQLite: [sqlite] (read in src/config/config.cpp). Its backups
// use SQLite's online backup API: no program.

#include "db/settings.hpp"

namespace sqlmig::db {

inline constexpr std::string_view k_sqlite_keys[] = {"extensions", "busy_timeout", "foreign_keys", "lock_retries",
                                                     "lock_wait_budget"};

inline constexpr DatabaseSettings k_sqlite_settings = {"sqlite", SessionKeys::none, k_sqlite_keys, {}};

}  // namespace sqlmig::db
