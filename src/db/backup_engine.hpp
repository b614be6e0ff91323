#pragma once
// How a database is backed up, restored and its schema dumped: each backend
// (db/backend.hpp) makes its own engine, beside its driver.
//  - PostgreSQL (db/postgres/backup.cpp): pg_dump / pg_restore / psql, started
//    without a shell; the password reaches them through PGPASSWORD in their
//    environment, never argv. pg_dump's version is checked against the server's.
//  - MariaDB/MySQL (db/mariadb/backup.cpp): mariadb-dump --single-transaction and
//    the mariadb client; the password reaches them in an in-memory 0600 option file, never argv.
//  - SQLite (db/sqlite/backup.cpp): the online backup API (a consistent copy).

#include <filesystem>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>


namespace sqlmig::db {

enum class BackupFormat { custom, plain };

// The programs and format for server databases; bare names are looked up in PATH.
struct BackupTools {
    // By their [backup] keys (each database's db::BackupProgram: pg_dump, mariadb_dump...).
    std::map<std::string, std::string, std::less<>> programs;
    BackupFormat format = BackupFormat::custom;
    // pg_dump --lock-wait-timeout: fail instead of waiting longer behind a busy table.
    std::optional<std::chrono::milliseconds> lock_wait_timeout;

    // The program of a key: as configured, or the database's default. Throws nothing.
    std::string program(std::string_view key) const;
};

class BackupEngine {
public:
    virtual ~BackupEngine() = default;
    BackupEngine() = default;
    BackupEngine(const BackupEngine&) = delete;
    BackupEngine& operator=(const BackupEngine&) = delete;

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
    // SQL that recreates the schema and every row, leaving out the tables in `leave_out`
    // (sqlmig's tracking tables): the body of a baseline (`sqlmig squash`, docs/squash.md), in
    // dependency order, runnable by sqlmig and by the database's own client. Throws BackupError.
    virtual std::string baseline(const std::vector<std::string>& leave_out) = 0;
    // Whether the database holds a row outside sqlmig's tracking table: a backup of one that
    // holds none has nothing the migrations cannot make again, and is skipped before a run.
    // True where it cannot be told cheaply (the server databases). Throws BackupError.
    virtual bool holds_data() { return true; }
    // A query listing the relations a restore may leave in place, as rows (identity, name)
    // where the identity changes when a relation is dropped and made again; "" where a
    // restore replaces the whole database (SQLite). `restore` runs it before and after:
    // a row found both times is a relation the backup did not hold, which stays.
    virtual std::string relations_query() const { return ""; }
};


}  // namespace sqlmig::db
