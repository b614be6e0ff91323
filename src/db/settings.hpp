#pragma once
// What the config file holds for each database, as data: its [section], the keys it takes,
// and the programs its backups run ([backup] keys). Pure (no driver, no library): the config
// parser reads every database's settings from here without linking a backend. Each database
// states its own in src/db/<name>/settings.hpp; database_settings() lists them, made from the
// one list of databases (SQLMIG_DATABASES in CMakeLists.txt, read by src/db/settings.cpp).

#include <map>
#include <span>
#include <string>
#include <string_view>

namespace sqlmig::db {

// A program a database's backups run, set in [backup] by its key:
// pg_dump = "/usr/lib/postgresql/16/bin/pg_dump". A bare name is looked up in PATH.
struct BackupProgram {
    std::string_view key;              // "mariadb_dump"
    std::string_view default_program;  // "mariadb-dump"
};

// Whether a database's section takes the server session keys (k_session_keys): its
// connections get lock_timeout and statement_timeout, and lock waits are retried.
enum class SessionKeys { taken, none };

// The server session keys, in the order messages list them.
inline constexpr std::string_view k_session_keys[] = {"lock_timeout",        "statement_timeout",
                                                      "lock_retries",        "lock_timeout_ladder",
                                                      "lock_wait_budget",    "lock_harm_budget"};

struct DatabaseSettings {
    std::string_view section;  // "mariadb": [mariadb]
    SessionKeys session_keys;
    // Keys beyond the session keys, each read by its own code in src/config/config.cpp
    // (PostgreSQL's preflight, SQLite's busy_timeout...). A database with none needs no code there.
    std::span<const std::string_view> own_keys;
    std::span<const BackupProgram> backup_programs;
};

// Every database's settings, in the order messages list them.
std::span<const DatabaseSettings* const> database_settings();

// The settings whose section this is; nullptr for a section no database owns.
const DatabaseSettings* settings_of_section(std::string_view section);

// The backup program of this [backup] key; nullptr for a key no database's backups take.
const BackupProgram* backup_program(std::string_view key);

// The program of a [backup] key: as set in `programs`, or the database's default (the key
// itself for a key no database takes).
std::string backup_program_or_default(const std::map<std::string, std::string, std::less<>>& programs,
                                      std::string_view key);

}  // namespace sqlmig::db
