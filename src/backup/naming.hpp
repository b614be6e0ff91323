#pragma once
// Backup file names, which backups to keep, and pg_dump version checks. Pure:
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
inline constexpr std::string_view k_no_version = "none";

// Which of the backups (any order) to delete so that the newest `keep` of `kind`
// remain; keep == 0 keeps all. Backups of other kinds are never chosen.
std::vector<std::string> beyond_retention(std::vector<BackupName> backups, std::string_view kind, int keep);

// Major version as PostgreSQL compares them: 15.4 -> 15, 9.6.24 -> 9.6. From the
// "pg_dump (PostgreSQL) 15.4 (Debian 15.4-1)" line of `pg_dump --version`.
struct PgMajor {
    int number = 0;    // 1500 for 15, 906 for 9.6
    std::string text;  // "15", "9.6"
};
std::optional<PgMajor> pg_tool_major(std::string_view version_output);

// Whether this pg_dump takes --restrict-key, from its `--help` output. pg_dump 18, and
// 17.6, 16.10, 15.14, 14.19, 13.22 (August 2025), write `\restrict KEY` and `\unrestrict KEY`
// lines around a plain dump with a random KEY unless one is given.
bool pg_dump_has_restrict_key(std::string_view help_output);

// The fixed key the schema file is dumped with, so that the same schema gives the same bytes.
inline constexpr std::string_view k_schema_restrict_key = "sqlmigschema";

// A baseline's body (`sqlmig squash`, docs/squash.md) from `pg_dump --format=plain --inserts`:
// without the lines only psql runs (\restrict, \connect), the session settings sqlmig's
// connection keeps its own values of (timeouts, client encoding, search_path, defaults for
// new tables), and the machine's versions; the settings the dump's text needs to mean what
// it meant (standard_conforming_strings, check_function_bodies, xmloption, row_security) as
// SET LOCAL, which lasts until the baseline's transaction ends.
std::string baseline_from_pg_dump(std::string_view dump);

// The same from mariadb-dump: without the sandbox-mode line newer clients write first,
// which only the mariadb client reads.
std::string baseline_from_mariadb_dump(std::string_view dump);

// The same from the server's server_version_num (150004 -> 15, 90624 -> 9.6).
PgMajor pg_server_major(int server_version_num);

// The server release a mariadb-dump or mysqldump belongs to, from `--version`:
// "mariadb-dump  Ver 10.19 Distrib 10.11.6-MariaDB, for debian-linux-gnu" -> 10.11, MariaDB;
// "mariadb-dump from 11.4.2-MariaDB, client 10.19" -> 11.4; "mysqldump  Ver 8.0.35 for Linux" -> 8.0, MySQL.
struct MysqlRelease {
    int number = 0;        // major * 100 + minor: 1011 for 10.11
    bool mariadb = false;  // MariaDB's numbering, not MySQL's
    std::string text;      // "10.11"
};
std::optional<MysqlRelease> mysql_tool_release(std::string_view version_output);

// The same from mysql_get_server_version() (101106 -> 10.11; 80035 -> 8.0). MariaDB's
// releases start at 10.0, MySQL's end at 9.x.
MysqlRelease mysql_server_release(int server_version);

}  // namespace sqlmig::backup
