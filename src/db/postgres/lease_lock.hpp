#pragma once
// The run-wide lock as a lease: a row of <tracking table>_lock, keyed by the tracking
// table's name, with its owner (host, pid, a random token) and an expiry. It works
// through a transaction pooler (PgBouncer's pool_mode = transaction), where a session
// advisory lock is taken on whichever server connection the pooler lends and stays
// there. Each step is one short statement of its own (docs/production.md, "Through a
// pooler"):
//  - taken with INSERT ... ON CONFLICT DO UPDATE ... WHERE the lease expired, polled
//    like the advisory lock; taking over an expired lease logs its previous owner;
//  - renewed every sixth of the lease from a thread, on the lease's own connection, so
//    a long migration keeps it; a runner that is killed stops renewing and its lease
//    expires;
//  - released (the row deleted, only if it is still ours) by release() or the destructor.

#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/tracking_sql.hpp"

namespace sqlmig::db {

class LeaseLock {
public:
    // open() returns a new connection (the lease owns it) or throws DbError; where names the
    // table and database in messages.
    LeaseLock(std::function<PGconn*()> open, core::TableName tracking, std::chrono::milliseconds duration,
              std::string where);
    ~LeaseLock();
    LeaseLock(const LeaseLock&) = delete;
    LeaseLock& operator=(const LeaseLock&) = delete;

    // Takes the lease, polling until the timeout; then LockError (exit 4) naming the holder.
    void acquire(std::chrono::milliseconds timeout);
    // Stops renewing and deletes the row if it is still ours. Never throws.
    void release() noexcept;
    // Whether a renewal found the lease taken by another runner (it had expired).
    bool lost() const { return m_lost; }

private:
    enum class Renewal { renewed, lost, failed };

    void ensure_table();
    bool try_take();
    std::string holder();
    Renewal renew_once();
    void renew_loop();
    // Runs one statement on the lease's connection (reconnecting once if it was lost);
    // the result, or nullptr with the error in `error`.
    std::unique_ptr<PGresult, decltype(&PQclear)> exec(const std::string& sql, std::string& error);
    std::string exec_or_throw(const std::string& sql);

    std::function<PGconn*()> m_open;
    core::TableName m_tracking;
    core::TableName m_table;  // <tracking>_lock, beside the tracking table
    std::chrono::milliseconds m_duration;
    std::string m_where;
    std::string m_owner;
    std::string m_token;
    std::unique_ptr<PGconn, decltype(&PQfinish)> m_conn{nullptr, &PQfinish};
    bool m_held = false;
    std::atomic<bool> m_lost{false};
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stop = false;
    std::thread m_renewer;
};

}  // namespace sqlmig::db
