#pragma once
// PostgreSQL's backup engine: pg_dump, pg_restore and psql (db/backup_engine.hpp).

#include <memory>

#include "db/backup_engine.hpp"
#include "db/driver.hpp"

namespace sqlmig::db {

std::unique_ptr<BackupEngine> make_postgres_backup_engine(const ConnectOptions& options, int server_version,
                                                         const BackupTools& tools);

}  // namespace sqlmig::db
