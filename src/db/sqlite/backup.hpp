#pragma once
// SQLite's backup engine: the online backup API (db/backup_engine.hpp).

#include <memory>

#include "db/backup_engine.hpp"
#include "db/driver.hpp"

namespace sqlmig::db {

std::unique_ptr<BackupEngine> make_sqlite_backup_engine(const ConnectOptions& options);

}  // namespace sqlmig::db
