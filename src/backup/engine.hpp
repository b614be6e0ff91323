#pragma once
// How each database is backed up, restored and its schema dumped. To support a
// new database, add an Engine next to the driver (see make_engine).
//  - PostgreSQL: pg_dump / pg_restore / psql, started without a shell; the
//    password reaches them through PGPASSWORD in their environment, never argv
//    (db/pg_conninfo.hpp). pg_dump's version is checked against the server's.
//  - SQLite: the online backup API (a consistent copy, not a file copy).

#include <filesystem>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "db/driver.hpp"

namespace sqlmig::backup {

enum class Format { custom, plain };

// The programs and format for PostgreSQL; bare names are looked up in PATH.
struct Tools {
    std::string pg_dump = "pg_dump";
    std::string pg_restore = "pg_restore";
    std::string psql = "psql";
    Format format = Format::custom;
    // pg_dump --lock-wait-timeout: fail instead of waiting longer behind a busy table.
    std::optional<std::chrono::milliseconds> lock_wait_timeout;
};

class Engine {
public:
    virtual ~Engine() = default;
    Engine() = default;
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    // The backup file's extension: "dump" (pg_dump custom), "sql" (plain), "db" (SQLite).
    virtual std::string extension() const = 0;
    // Checks, before anything is written, that a backup can be taken (pg_dump found
    // and not older than the server). Throws BackupError.
    virtual void check() = 0;
    // Writes a full backup into `file`, which exists, is empty and mode 0600. Throws BackupError.
    virtual void dump(const std::filesystem::path& file) = 0;
    // Replaces the database's objects with those in the backup `file`. Throws BackupError.
    virtual void restore(const std::filesystem::path& file) = 0;
    // The schema without data, as SQL. Throws BackupError.
    virtual std::string schema() = 0;
};

// The engine for the connected database; server_version as Driver::server_version().
std::unique_ptr<Engine> make_engine(const db::ConnectOptions& options, int server_version, const Tools& tools);

}  // namespace sqlmig::backup
