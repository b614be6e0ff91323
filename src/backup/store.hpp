#pragma once
// The backup folder: where backups are written (0700 folder, 0600 files, never
// overwriting), which exist, and retention. The engine (db/backup_engine.hpp) writes the bytes.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "db/backup_engine.hpp"
#include "backup/naming.hpp"

namespace sqlmig::backup {

struct Taken {
    std::filesystem::path file;
    std::uintmax_t size_bytes = 0;
};

// Takes a backup into dir as <kind>-<stamp>-<database>.<ext> (a -N suffix when the
// name exists), records `version` (the version the database is at, "none" for none) in
// its .version file beside it, then deletes the oldest backups of that kind beyond
// `keep` (0: none), with their .version files.
// The backup is written under a hidden partial name and given its name only once
// complete and synced, so a run killed midway never leaves a truncated backup that
// looks whole. On failure the partial file is removed and BackupError says what failed.
Taken take_backup(db::BackupEngine& engine, const std::filesystem::path& dir, std::string_view kind,
                  std::string_view stamp, const std::string& database_name, int keep, std::string_view version);

// Takes a backup into exactly `file`, which must not exist yet.
Taken take_backup_to(db::BackupEngine& engine, const std::filesystem::path& file);

struct Listed {
    BackupName name;
    std::filesystem::path file;
    std::uintmax_t size_bytes = 0;
    std::string version;  // from its .version file; "" when it has none (taken before sqlmig recorded it)
};

// This database's backups in dir, newest first; empty when dir does not exist.
std::vector<Listed> list_backups(const std::filesystem::path& dir, const std::string& database_name);

}  // namespace sqlmig::backup
