#pragma once
// Backups as the commands use them: the engine with the configured tools, and a
// backup taken into the configured folder, logged with its file and size.

#include <memory>
#include <optional>
#include <string_view>

#include "backup/store.hpp"
#include "engine/context.hpp"
#include "db/backup_engine.hpp"
#include "util/json.hpp"

namespace sqlmig::engine {

// The backup engine for the connected database. Throws ConfigError.
std::unique_ptr<db::BackupEngine> backup_engine(Context& ctx, const db::Driver& driver);
// The same for another database than the configured one (a scratch database).
std::unique_ptr<db::BackupEngine> backup_engine(Context& ctx, const db::Driver& driver,
                                                const db::ConnectOptions& options);

// A backup by `engine` of the connected database in [backup] dir, named for `kind`, keeping
// the newest `keep` of that kind (0: all), recording `version` (the version the database
// is at, as `status` shows it; "" for none) beside it; logs the file and size. Throws
// BackupError, with nothing left behind.
backup::Taken take_configured_backup(Context& ctx, db::BackupEngine& engine, const db::Driver& driver,
                                     std::string_view kind, int keep, const std::string& version);

// {"file": ..., "size_bytes": ...}, or null without a backup.
util::Json taken_json(Context& ctx, const std::optional<backup::Taken>& taken);

}  // namespace sqlmig::engine
