#pragma once
// The run-wide lock of a server database: a session lock (or PostgreSQL's lease
// row, postgres/lease_lock.hpp) polled every 100 ms (never a blocking wait, which
// would hold up CREATE INDEX CONCURRENTLY on PostgreSQL) until the timeout, then
// LockError naming the holder.

#include <chrono>
#include <string>
#include <thread>

#include "util/error.hpp"

namespace sqlmig::db {

// try_once() takes the lock if free and says whether it did; holder() describes
// who has it (" (held by ...)", or ""); where names the table and database.
template <class TryOnce, class Holder>
void poll_session_lock(std::chrono::milliseconds timeout, const std::string& where, TryOnce try_once,
                       Holder holder) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!try_once()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            throw LockError("another session holds the migration lock of " + where + holder() + "; waited " +
                            std::to_string(timeout.count() / 1000) +
                            " s (raise --lock-timeout, or wait for the other run to finish)");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

}  // namespace sqlmig::db
