#pragma once
// The one interface every database's driver implements. A driver belongs to a
// backend (db/backend.hpp: src/db/<name>/, one word in SQLMIG_DATABASES), which
// makes it; every driver passes the conformance suite
// (tests/integration/driver_conformance.cpp). docs/architecture.md lists every
// step of adding a database.
//
// Contract:
//  - Statements run in the order given. execute() may queue a statement and send
//    it later with others (fewer round trips); any failure surfaces, at the latest,
//    from flush() or commit(), as a StatementError naming the statement that failed.
//  - begin()/commit()/rollback() bracket one transaction; rollback() never throws
//    and is a no-op outside a transaction.
//  - The lock is run-wide and exclusive across processes: taken before the state
//    is read and held until release_lock(), whatever transactions happen between.
//  - begin_batch()/end_batch() bracket the migrations of one run, inside the lock.
//    Between them a driver may keep the database to itself; after end_batch()
//    other connections can read and write it again (the hooks run after it).
//  - Tracking rows are written with the SQL from core/tracking_sql.hpp, in the
//    caller's transaction when one is open, and read with select_rows_sql() and
//    applied_row() (one row mapper for every driver).
//  - A backend whose DDL commits implicitly says so in its capabilities; the
//    runner then records `running` before a migration and the outcome after.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/database_url.hpp"
#include "core/migration.hpp"
#include "core/sql_splitter.hpp"
#include "core/tracking_sql.hpp"
#include "util/error.hpp"

namespace sqlmig::db {

// A statement of a migration file failed. Carries the statement so the caller
// can point at file:line:column.
class StatementError : public DbError {
public:
    StatementError(const DbError& cause, core::Statement failed)
        : DbError(cause), statement(std::move(failed)) {}
    core::Statement statement;
};

// PostgreSQL's run-wide lock (docs/production.md, "Through a pooler"): a session advisory lock,
// or a lease row in <table>_lock renewed from a connection of its own. With the lease the
// driver also assumes a transaction pooler: it sets nothing per session, only SET LOCAL
// inside each transaction.
enum class RunLock { advisory, lease };

// Whether the database's commits must survive a crash of its server. A scratch database
// (verify, drift, squash) is dropped at the end: its commits need not wait for the disk
// (PostgreSQL's synchronous_commit off, SQLite's synchronous OFF), which is most of the time
// of a replay of many small migrations on a server that syncs.
enum class Durability { durable, throwaway };

struct ConnectOptions {
    core::DatabaseUrl url;
    core::TableName table;
    std::optional<int> connect_timeout_s;
    // SQLite
    std::vector<std::string> sqlite_extensions;
    std::chrono::milliseconds busy_timeout{5000};
    bool sqlite_foreign_keys = false;  // PRAGMA foreign_keys = ON on each connection
    bool read_only = false;  // --sql and inspection commands must not create anything
    // PostgreSQL session settings
    std::optional<std::chrono::milliseconds> lock_timeout;
    std::optional<std::chrono::milliseconds> statement_timeout;
    RunLock run_lock = RunLock::advisory;
    std::chrono::milliseconds lease_duration{30000};  // a lease not renewed for this long is free
    // Bounded lock waits (docs/production.md): while an attempt waits for a lock, sqlmig cancels
    // its own wait once sessions queued behind it x time passes this (0: never).
    std::chrono::milliseconds lock_harm_budget{0};
    // Whether a second connection may watch the waits (the census and the harm budget); off in a
    // fleet, whose --parallel bounds the connections.
    bool lock_watch = true;
    // Server databases: connect to this database instead of the URL's (a scratch database).
    std::optional<std::string> database_override;
    // PostgreSQL, schema-per-tenant fleets: run in this schema (search_path; an identifier
    // already checked); backups dump only it.
    std::optional<std::string> schema;
    Durability durability = Durability::durable;
};

// A session holding (or queued ahead for) a lock that a migration waited for.
struct LockBlocker {
    long pid = 0;                             // PostgreSQL's pid, MariaDB's connection id
    std::string id_label = "pid";             // "pid", "connection"
    std::string user;
    std::string application;
    std::string state;                        // "idle in transaction", "active"...; "" when hidden
    std::optional<double> transaction_age_s;  // since its transaction began
    std::string wait_event;                   // "Lock:relation", "" when not waiting
    std::string query;                        // its current or last query, string literals masked, shortened
};

// What was seen while one attempt of a migration waited for a lock.
struct LockWaitReport {
    std::vector<LockBlocker> blockers;  // the latest sample that saw any
    int queued_max = 0;                 // sessions queued behind sqlmig's wait at once, at most
    double harm_backend_s = 0;          // sessions queued behind it x seconds
    bool cancelled = false;             // sqlmig cancelled its own wait (the harm budget was spent)
};

// Called with each notice the server sends (RAISE NOTICE); may be empty.
using NoticeHandler = void (*)(const std::string& message);

class Driver {
public:
    virtual ~Driver() = default;
    Driver() = default;
    Driver(const Driver&) = delete;
    Driver& operator=(const Driver&) = delete;

    virtual core::Dialect dialect() const = 0;
    // server_version_num for PostgreSQL, 0 otherwise.
    virtual int server_version() const = 0;
    // The database's name, for backup file names: PostgreSQL's dbname, the SQLite file's stem.
    virtual std::string database_name() const = 0;

    // The run-wide migration lock. Throws LockError (exit 4) when not acquired in time.
    virtual void acquire_lock(std::chrono::milliseconds timeout) = 0;
    virtual void release_lock() noexcept = 0;
    // Throws DbError when the run-wide lock is no longer this run's (a lease another runner took
    // after it expired): checked before each migration.
    virtual void check_lock_held() {}

    // Creates the tracking table (and schema) when missing; whether it did. Inside a
    // transaction where DDL is transactional, so that the table and what the caller adds
    // to it commit together.
    virtual bool ensure_tracking_table() = 0;
    // The tracking table's rows in version order; empty when the table does not exist.
    virtual std::vector<core::AppliedRow> read_applied() = 0;
    // read_applied(), and when it found rows, the rows of one of sqlmig's own queries (as
    // query_rows) in `also`: in one round trip where the driver can (PostgreSQL sends both in
    // one message outside a transaction), one after the other otherwise.
    virtual std::vector<core::AppliedRow> read_applied_and(const std::string& sql, std::optional<core::TextRows>& also) {
        auto rows = read_applied();
        if (!rows.empty()) {
            also = query_rows(sql);
        }
        return rows;
    }
    // Points this connection at another tracking table of the same database, as if it had
    // been opened for it: a read-only schema-per-tenant fleet reads every tenant's table on
    // one session. Never while the lock is held or a transaction is open.
    virtual void switch_tracking_table(const core::TableName& table) = 0;

    // See the contract above. No-ops unless a driver gains something from them.
    virtual void begin_batch() {}
    virtual void end_batch() noexcept {}

    virtual void begin() = 0;
    virtual void commit() = 0;
    virtual void rollback() noexcept = 0;
    virtual bool in_transaction() = 0;

    // Bounded lock waits (docs/production.md). Whether this driver bounds each attempt's lock
    // waits and marks lock failures (DbError::lock_failure), so that the runner may retry.
    virtual bool bounds_lock_waits() const { return false; }
    // Whether begin_attempt() also works outside a transaction, for one statement that commits on
    // its own (MariaDB's DDL): the runner then retries such a statement alone.
    virtual bool bounds_statement_lock_waits() const { return false; }
    // Right after begin() (or before one statement, see above): lock waits in this transaction
    // last at most `lock_timeout`, and the driver notes who blocks them (cancelling the wait
    // once it queues too many sessions, where it can).
    virtual void begin_attempt(std::chrono::milliseconds lock_timeout) { (void)lock_timeout; }
    // Ends what begin_attempt() started; after it no cancel reaches this session. Returns what
    // was seen; never throws, and is a no-op when no attempt is open.
    virtual LockWaitReport end_attempt() noexcept { return {}; }

    // Runs (or queues) one statement of a migration file. Taken by value: a driver
    // that queues it keeps it without a copy (a statement may be 50 MB).
    virtual void execute(core::Statement statement) = 0;
    // Sends whatever execute() queued and reports its failure, if any.
    virtual void flush() = 0;
    // Runs one of sqlmig's own statements (tracking table) after what is queued.
    virtual void execute_internal(const std::string& sql) = 0;

    // Rows of one of sqlmig's own queries (another tool's history table, for `adopt`):
    // each value as text, NULL as nullopt; nullopt when a table it reads does not exist.
    // Throws DbError for any other failure.
    using TextRows = core::TextRows;
    virtual std::optional<TextRows> query_rows(const std::string& sql) = 0;

    // The schema as sorted lines, one object (or column) a line, leaving out the
    // tracking table: two calls on the same schema give the same bytes, and what a
    // down forgets shows as a line (`sqlmig verify`). Throws DbError.
    virtual std::vector<std::string> schema_snapshot() = 0;

    // A digest of schema_snapshot(): two calls give the same text exactly when their snapshots
    // would be equal, and cost less where the database can digest the lines itself (no lines
    // sent, none sorted here). Only ever compared with this driver's own fingerprints, never
    // with another database's. Throws DbError.
    virtual std::string schema_fingerprint() = 0;
};

// Releases the run-wide lock on every path out of a scope (a no-op when it was not taken).
class LockGuard {
public:
    explicit LockGuard(Driver& driver) : m_driver(driver) {}
    ~LockGuard() { m_driver.release_lock(); }
    LockGuard(const LockGuard&) = delete;
    LockGuard& operator=(const LockGuard&) = delete;

private:
    Driver& m_driver;
};

// A transaction of sqlmig's own: rolled back on every path out of a scope unless committed.
class TransactionGuard {
public:
    explicit TransactionGuard(Driver& driver) : m_driver(driver) { m_driver.begin(); }
    ~TransactionGuard() {
        if (!m_committed) {
            m_driver.rollback();
        }
    }
    void commit() {
        m_driver.commit();
        m_committed = true;
    }
    TransactionGuard(const TransactionGuard&) = delete;
    TransactionGuard& operator=(const TransactionGuard&) = delete;

private:
    Driver& m_driver;
    bool m_committed = false;
};

// Ends a batch on every path out of a scope.
class BatchGuard {
public:
    explicit BatchGuard(Driver& driver) : m_driver(driver) { m_driver.begin_batch(); }
    ~BatchGuard() { m_driver.end_batch(); }
    BatchGuard(const BatchGuard&) = delete;
    BatchGuard& operator=(const BatchGuard&) = delete;

private:
    Driver& m_driver;
};

// backend_of(url).load() (db/backend.hpp). Throws DbError.
void load_driver(const core::DatabaseUrl& url);

// backend_of(options.url).connect(options): opens a connection. Throws DbError
// (exit 1) when the database cannot be reached, ConfigError for invalid options.
std::unique_ptr<Driver> make_driver(const ConnectOptions& options);

}  // namespace sqlmig::db
