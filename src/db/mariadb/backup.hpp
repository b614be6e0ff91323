#pragma once
// Backups of MariaDB/MySQL databases with mariadb-dump (or mysqldump) and the
// mariadb (or mysql) client, started without a shell. The connection's password
// is in a 0600 option file that exists only in memory (a memfd the tool reads as
// --defaults-file=/dev/fd/3): never on argv, where ps shows it, nor on a disk.

#include <memory>

#include "db/backup_engine.hpp"
#include "db/driver.hpp"

namespace sqlmig::db {

std::unique_ptr<BackupEngine> make_mariadb_backup_engine(const ConnectOptions& options, int server_version,
                                                        const BackupTools& tools);

}  // namespace sqlmig::db
