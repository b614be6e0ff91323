#pragma once
// The watcher behind bounded lock waits on PostgreSQL (docs/production.md): while an
// attempt of a migration runs, a thread samples on a second connection (opened the
// first time an attempt lasts long enough to be sampled) who blocks sqlmig's backend
// (pg_blocking_pids) and how many sessions queue behind it. When the queued sessions x
// time passes the harm budget while sqlmig waits for a lock, it cancels sqlmig's own
// statement (PQcancel on sqlmig's own connection: nobody else's session is touched).

#include <libpq-fe.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "db/driver.hpp"

namespace sqlmig::db {

class LockWatch {
public:
    // open_connection opens the watcher's connection (nullptr when it cannot; the watch then
    // sees nothing and cancels nothing).
    LockWatch(std::function<PGconn*()> open_connection, std::chrono::milliseconds harm_budget);
    ~LockWatch();
    LockWatch(const LockWatch&) = delete;
    LockWatch& operator=(const LockWatch&) = delete;

    // Starts watching backend_pid, the server backend of `conn` (sqlmig's migration connection;
    // its cancel request goes through `conn`, and so through a pooler to that backend).
    void start(PGconn* conn, int backend_pid);
    // Stops watching; when it returns, no cancel is in flight or will be sent. Never throws.
    LockWaitReport stop() noexcept;
    // Whether the watch of the attempt in progress (or the last one) cancelled it.
    bool cancelled();

private:
    void loop();
    void sample(std::unique_lock<std::mutex>& lock);

    using Clock = std::chrono::steady_clock;
    std::function<PGconn*()> m_open;
    std::chrono::milliseconds m_harm_budget;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_quit = false;
    bool m_watching = false;
    int m_pid = 0;
    PGcancel* m_cancel = nullptr;
    Clock::time_point m_started;
    Clock::time_point m_last_sample;
    LockWaitReport m_report;
    PGconn* m_conn = nullptr;  // the watcher's own connection, used only by its thread
    bool m_connect_failed = false;
    std::thread m_thread;
};

}  // namespace sqlmig::db
