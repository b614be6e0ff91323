#pragma once
// What config.toml holds for PostgreSQL: [postgres], the session keys and its own (preflight and
// the run lock, read in src/config/config.cpp), and the programs its backups run.

#include "db/settings.hpp"

namespace sqlmig::db {

inline constexpr std::string_view k_postgres_keys[] = {"preflight", "preflight_transaction_age",
                                                       "preflight_replica_lag", "lock", "lease_duration"};

inline constexpr BackupProgram k_postgres_programs[] = {
    {"pg_dump", "pg_dump"}, {"pg_restore", "pg_restore"}, {"psql", "psql"}};

inline constexpr DatabaseSettings k_postgres_settings = {"postgres", SessionKeys::taken, k_postgres_keys,
                                                         k_postgres_programs};

}  // namespace sqlmig::db
