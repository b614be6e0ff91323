#pragma once
// The exception types that cross module boundaries, each with its exit code.
// main() catches sqlmig::Error once, prints "sqlmig: error: <what>" and exits with exit_code().

#include <stdexcept>
#include <string>

namespace sqlmig {

// Documented exit codes (docs/exit-codes.md).
enum class ExitCode : int {
    ok = 0,
    failed = 1,        // a migration or the database failed
    usage = 2,         // usage, config or migrations-folder error
    refused = 3,       // drift, pending work (check) or an unsafe run refused
    lock_timeout = 4,  // the migration lock was not acquired in time
    lock_wait = 5,     // a migration could not get its table locks within its retry budget
};

// Why a statement failed for a lock, when it did: what sqlmig may retry (docs/production.md).
enum class LockFailure {
    none,
    timeout,   // the attempt's lock_timeout passed (PostgreSQL 55P03, MariaDB 1205 or a metadata-lock wait)
    deadlock,  // the server chose this session as a deadlock victim (40P01, MariaDB 1213)
    harm,      // sqlmig cancelled its own wait: too many sessions queued behind it
};

class Error : public std::runtime_error {
public:
    Error(ExitCode code, const std::string& message) : std::runtime_error(message), m_code(code) {}
    ExitCode exit_code() const noexcept { return m_code; }

private:
    ExitCode m_code;
};

// Bad command-line usage or arguments.
class UsageError : public Error {
public:
    explicit UsageError(const std::string& message) : Error(ExitCode::usage, message) {}
};

// Invalid config file, config value or environment variable.
class ConfigError : public Error {
public:
    explicit ConfigError(const std::string& message) : Error(ExitCode::usage, message) {}
};

// A migration file or the migrations folder is invalid.
class MigrationFileError : public Error {
public:
    explicit MigrationFileError(const std::string& message) : Error(ExitCode::usage, message) {}
};

// A run refused because it would be unsafe (drift, out-of-order, irreversible...).
class RefusedError : public Error {
public:
    explicit RefusedError(const std::string& message) : Error(ExitCode::refused, message) {}
};

// The run-wide migration lock could not be taken in time.
class LockError : public Error {
public:
    explicit LockError(const std::string& message) : Error(ExitCode::lock_timeout, message) {}
};

// A migration did not get its locks within its retry budget; nothing of it was applied.
class LockWaitError : public Error {
public:
    explicit LockWaitError(const std::string& message) : Error(ExitCode::lock_wait, message) {}
};

// A backup, restore or schema dump failed (pg_dump missing or too old, disk full...).
class BackupError : public Error {
public:
    explicit BackupError(const std::string& message) : Error(ExitCode::failed, message) {}
};

// A command that has already said why it fails (lint's findings): only the exit code is left.
class SilentFailure : public Error {
public:
    explicit SilentFailure(ExitCode code) : Error(code, "") {}
};

// A hook command failed.
class HookError : public Error {
public:
    explicit HookError(const std::string& message) : Error(ExitCode::failed, message) {}
};

// The database refused something or could not be reached. Carries what the
// server said so the report can point at the cause.
class DbError : public Error {
public:
    explicit DbError(const std::string& message) : Error(ExitCode::failed, message) {}
    std::string sqlstate;            // PostgreSQL's SQLSTATE, or SQLite's result code name
    std::string code_label = "SQLSTATE";
    std::string detail;
    std::string hint;
    std::string context;
    // 1-based character position inside the statement, 0 when the server gave none.
    int position = 0;
    // Set by the driver when the statement failed waiting for a lock (retryable).
    LockFailure lock_failure = LockFailure::none;
};

// The server could not be reached or refused the session (down, starting, no such
// database, bad password): what --wait retries.
class ConnectionError : public DbError {
public:
    explicit ConnectionError(const std::string& message) : DbError(message) {}
};

}  // namespace sqlmig
