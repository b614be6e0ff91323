#pragma once
// Backups as the commands use them: the engine with the configured tools, and a
// backup taken into the configured folder, logged with its file and size.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// `sqlmig backup`: one now, under the lock, into [backup] dir or into `out` when given (never overwritten).
backup::Taken back_up_now(Context& ctx, const std::string& out);

// `sqlmig backups`: this database's backups in [backup] dir, newest first.
std::vector<backup::Listed> list_database_backups(Context& ctx);

enum class Confirmed { no, yes };
enum class BackupFirst { no, yes };

struct RestoreRequest {
    std::string file;  // as given
    Confirmed confirmed = Confirmed::no;
    BackupFirst backup_first = BackupFirst::yes;  // of the current contents, unless [backup] enabled = false
};

struct RestoreOutcome {
    std::optional<backup::Taken> safety;  // the backup of the contents replaced
    std::vector<core::AppliedRow> after;  // the tracking rows the restored database has
};

// `sqlmig restore FILE`: replaces the database's contents with a backup, under the lock. Without
// Confirmed::yes it refuses (RefusedError) naming what would be replaced; nothing is changed.
RestoreOutcome restore(Context& ctx, const RestoreRequest& request);

// "at version 003, 3 migration(s) applied" (the version as `status` shows it), or "no migration applied".
std::string state_summary(Context& ctx, const std::vector<core::AppliedRow>& rows);

}  // namespace sqlmig::engine
