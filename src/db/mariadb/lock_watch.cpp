#include "db/mariadb/lock_watch.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>

namespace sqlmig::db {

namespace {

constexpr auto k_first_sample = std::chrono::milliseconds(30);
constexpr auto k_sample_every = std::chrono::milliseconds(25);
constexpr const char* k_mdl_wait = "Waiting for table metadata lock";

// One row: sqlmig's connection's state and query id, and how many other sessions of its
// database wait for a metadata lock.
std::string sample_sql(unsigned long id) {
    const std::string i = std::to_string(id);
    return "SELECT p.STATE, p.QUERY_ID, (SELECT COUNT(*) FROM information_schema.PROCESSLIST q WHERE q.ID <> " + i +
           " AND q.STATE = '" + k_mdl_wait + "' AND q.DB <=> p.DB) FROM information_schema.PROCESSLIST p WHERE p.ID = " +
           i;
}

}  // namespace

MariadbLockWatch::MariadbLockWatch(std::function<MYSQL*()> open_connection, std::chrono::milliseconds harm_budget)
    : m_open(std::move(open_connection)), m_harm_budget(harm_budget) {
    m_thread = std::thread([this] { loop(); });
}

MariadbLockWatch::~MariadbLockWatch() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_quit = true;
        m_watching = false;
    }
    m_wake.notify_all();
    m_thread.join();
    if (m_conn) {
        mysql_close(m_conn);
    }
}

void MariadbLockWatch::start(unsigned long connection_id) {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_connection_id = connection_id;
        m_report = {};
        m_started = Clock::now();
        m_last_sample = m_started;
        m_watching = true;
    }
    m_wake.notify_all();
}

LockWaitReport MariadbLockWatch::stop() noexcept {
    std::lock_guard<std::mutex> lock(m_mutex);  // a KILL in flight holds it: stop waits for it
    m_watching = false;
    m_wake.notify_all();
    return m_report;
}

bool MariadbLockWatch::cancelled() {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_report.cancelled;
}

void MariadbLockWatch::loop() {
    std::unique_lock<std::mutex> lock(m_mutex);
    while (!m_quit) {
        m_wake.wait(lock, [&] { return m_quit || m_watching; });
        auto next = m_started + k_first_sample;
        while (m_watching && !m_quit) {
            if (m_wake.wait_until(lock, next, [&] { return m_quit || !m_watching; })) {
                break;
            }
            sample(lock);
            next += k_sample_every;
            if (next < Clock::now()) {
                next = Clock::now() + k_sample_every;
            }
        }
    }
}

// Called with the mutex held; releases it while the server answers.
void MariadbLockWatch::sample(std::unique_lock<std::mutex>& lock) {
    const unsigned long id = m_connection_id;
    const auto started = m_started;
    lock.unlock();
    if (!m_conn && !m_connect_failed) {
        m_conn = m_open();
        m_connect_failed = m_conn == nullptr;
    }
    std::string state;
    std::string query_id;
    int queued = 0;
    bool answered = false;
    if (m_conn) {
        const std::string sql = sample_sql(id);
        if (mysql_real_query(m_conn, sql.data(), sql.size()) == 0) {
            std::unique_ptr<MYSQL_RES, decltype(&mysql_free_result)> r(mysql_store_result(m_conn), &mysql_free_result);
            if (MYSQL_ROW row = r ? mysql_fetch_row(r.get()) : nullptr) {
                state = row[0] ? row[0] : "";
                query_id = row[1] ? row[1] : "";
                queued = row[2] ? std::atoi(row[2]) : 0;
            }
            answered = r != nullptr;
        }
        if (!answered) {
            spdlog::debug("lock watch: {}", mysql_error(m_conn));
        }
    }
    lock.lock();
    if (!m_watching || m_started != started || !answered) {
        return;  // the attempt ended while the server answered, or no answer
    }
    const auto now = Clock::now();
    const double dt = std::chrono::duration<double>(now - m_last_sample).count();
    m_last_sample = now;
    if (state != k_mdl_wait || query_id.empty()) {
        return;  // running, not waiting: what queues behind a granted lock is the migration's own work
    }
    m_report.queued_max = std::max(m_report.queued_max, queued);
    m_report.harm_backend_s += queued * dt;
    if (m_harm_budget.count() > 0 && !m_report.cancelled &&
        m_report.harm_backend_s * 1000 > static_cast<double>(m_harm_budget.count())) {
        m_report.cancelled = true;  // set first: the error it causes is read as this kill
        // KILL QUERY ID: the statement sampled waiting, and nothing else, even if it has ended since.
        const std::string kill = "KILL QUERY ID " + query_id;
        if (mysql_real_query(m_conn, kill.data(), kill.size()) != 0) {
            spdlog::debug("lock watch: cannot interrupt the wait: {}", mysql_error(m_conn));
        }
    }
}

}  // namespace sqlmig::db
