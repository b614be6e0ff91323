#pragma once
// Backup file names and which backups to keep. Pure:
// names and strings in, names and strings out; the folder is read elsewhere.
//
// A backup is named <kind>-YYYYMMDD-HHMMSS-<database>[-N].<ext>, in UTC:
//   before-migrate-20261122-101500-app.dump
// kind is why it was taken (before-migrate, before-restore, manual); -N is
// added only when a backup of that name already exists.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sqlmig::backup {

inline constexpr std::string_view k_kind_before_migrate = "before-migrate";
inline constexpr std::string_view k_kind_before_restore = "before-restore";
inline constexpr std::string_view k_kind_manual = "manual";

// A database name made safe for a file name: letters, digits, '_', '.' and '-'
// kept, anything else becomes '_'; never empty, never starting with '.'.
std::string file_safe_name(std::string_view database_name);

// <kind>-<stamp>-<database>[-N].<ext>; stamp is "YYYYMMDD-HHMMSS", suffix 0 for none.
std::string backup_file_name(std::string_view kind, std::string_view stamp, std::string_view database,
                             int suffix, std::string_view extension);

struct BackupName {
    std::string file;
    std::string kind;
    std::string stamp;  // YYYYMMDD-HHMMSS
    int suffix = 0;
    std::string extension;
    // "2026-11-22 10:15:00 UTC"
    std::string taken_at() const;
};

// Parses a file name as a backup of `database` (already file-safe); nullopt for
// any other file, including backups of other databases.
std::optional<BackupName> parse_backup_name(std::string_view file, std::string_view database);

// The backups of one database among the file names, newest first.
std::vector<BackupName> backups_of(const std::vector<std::string>& files, std::string_view database);

// The file beside a backup that records the version the database was at when it was
// taken: <backup file>.version, holding that version or "none" and a newline. Its
// extension is no backup's, so listings never take it for one.
std::string version_file_name(std::string_view backup_file);
// The backup a .version file is written beside; nullopt for a name that is no .version file.
std::optional<std::string> backup_of_version_file(std::string_view file_name);
inline constexpr std::string_view k_no_version = "none";

// Which of the backups (any order) to delete so that the newest `keep` of `kind`
// remain; keep == 0 keeps all. Backups of other kinds are never chosen.
std::vector<std::string> beyond_retention(std::vector<BackupName> backups, std::string_view kind, int keep);

}  // namespace sqlmig::backup
