#pragma once
// The harm budget on MariaDB (docs/production.md): while a statement's attempt may wait for a
// lock (a rung of a second or more: shorter ones do not wait), a thread samples on a second
// connection whether sqlmig's connection waits for a metadata lock and how many other sessions
// of the database wait for one meanwhile. Those queue behind sqlmig's pending exclusive lock (a
// shared request waits for it, not for the shared lock the blocker holds). When queued sessions
// x time passes the budget it runs KILL QUERY ID with the waiting statement's query id: only
// that statement of sqlmig's own connection ends, never another session, never a later statement.

#include <mysql.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "db/driver.hpp"

namespace sqlmig::db {

class MariadbLockWatch {
public:
    // open_connection opens the watcher's connection (nullptr when it cannot; the watch then
    // sees nothing and kills nothing). The watch owns what it returns.
    MariadbLockWatch(std::function<MYSQL*()> open_connection, std::chrono::milliseconds harm_budget);
    ~MariadbLockWatch();
    MariadbLockWatch(const MariadbLockWatch&) = delete;
    MariadbLockWatch& operator=(const MariadbLockWatch&) = delete;

    // Starts watching sqlmig's connection `connection_id` (its CONNECTION_ID()).
    void start(unsigned long connection_id);
    // Stops watching; when it returns, no KILL is in flight or will be sent. Never throws.
    LockWaitReport stop() noexcept;
    // Whether the watch of the attempt in progress (or the last one) interrupted it.
    bool cancelled();

private:
    void loop();
    void sample(std::unique_lock<std::mutex>& lock);

    using Clock = std::chrono::steady_clock;
    std::function<MYSQL*()> m_open;
    std::chrono::milliseconds m_harm_budget;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_quit = false;
    bool m_watching = false;
    unsigned long m_connection_id = 0;
    Clock::time_point m_started;
    Clock::time_point m_last_sample;
    LockWaitReport m_report;
    MYSQL* m_conn = nullptr;  // the watcher's own connection, used only by its thread
    bool m_connect_failed = false;
    std::thread m_thread;
};

}  // namespace sqlmig::db
