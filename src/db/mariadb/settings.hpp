#pragma once
// What config.toml holds for MariaDB and MySQL: [mariadb], the session keys only, and the
// programs its backups run (mysqldump and mysql work as well).

#include "db/settings.hpp"

namespace sqlmig::db {

inline constexpr BackupProgram k_mariadb_programs[] = {{"mariadb_dump", "mariadb-dump"}, {"mariadb", "mariadb"}};

inline constexpr DatabaseSettings k_mariadb_settings = {"mariadb", SessionKeys::taken, {}, k_mariadb_programs};

}  // namespace sqlmig::db
