#include "db/postgres/lock_watch.hpp"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <memory>

#include "util/text.hpp"

namespace sqlmig::db {

namespace {

// The first sample comes early enough to see who blocks the shortest rung of the ladder.
constexpr auto k_first_sample = std::chrono::milliseconds(30);
constexpr auto k_sample_every = std::chrono::milliseconds(25);

// One query per sample: the sessions blocking `pid` ('b'), how many wait behind it ('q'),
// and what it waits for itself ('w'). pg_blocking_pids is asked only of the sessions
// that wait for a lock.
std::string sample_sql(int pid) {
    const std::string p = std::to_string(pid);
    return "SELECT 'b', a.pid::text, a.usename::text, a.application_name, a.state,"
           " round(extract(epoch FROM now() - a.xact_start)::numeric, 1)::text,"
           " CASE WHEN a.wait_event_type IS NULL THEN '' ELSE a.wait_event_type || ':' || a.wait_event END,"
           " left(a.query, 400)"
           " FROM pg_stat_activity a WHERE a.pid = ANY(pg_blocking_pids(" + p + "))"
           " UNION ALL SELECT 'q', count(*)::text, NULL, NULL, NULL, NULL, NULL, NULL FROM"
           " (SELECT DISTINCT l.pid FROM pg_locks l WHERE NOT l.granted AND l.pid <> " + p + ") w"
           " WHERE " + p + " = ANY(pg_blocking_pids(w.pid))"
           " UNION ALL SELECT 'w', coalesce(wait_event_type, ''), NULL, NULL, NULL, NULL, NULL, NULL"
           " FROM pg_stat_activity WHERE pid = " + p;
}

std::string value(PGresult* r, int row, int col) {
    return PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col);
}

}  // namespace

LockWatch::LockWatch(std::function<PGconn*()> open_connection, std::chrono::milliseconds harm_budget)
    : m_open(std::move(open_connection)), m_harm_budget(harm_budget) {
    m_thread = std::thread([this] { loop(); });
}

LockWatch::~LockWatch() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_quit = true;
        m_watching = false;
    }
    m_wake.notify_all();
    m_thread.join();
    if (m_cancel) {
        PQfreeCancel(m_cancel);
    }
    if (m_conn) {
        PQfinish(m_conn);
    }
}

void LockWatch::start(PGconn* conn, int backend_pid) {
    PGcancel* cancel = PQgetCancel(conn);
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (m_cancel) {
            PQfreeCancel(m_cancel);
        }
        m_cancel = cancel;
        m_pid = backend_pid;
        m_report = {};
        m_started = Clock::now();
        m_last_sample = m_started;
        m_watching = true;
    }
    m_wake.notify_all();
}

LockWaitReport LockWatch::stop() noexcept {
    std::lock_guard<std::mutex> lock(m_mutex);  // a cancel in flight holds it: stop waits for it
    m_watching = false;
    m_wake.notify_all();
    return m_report;
}

bool LockWatch::cancelled() {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_report.cancelled;
}

void LockWatch::loop() {
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
void LockWatch::sample(std::unique_lock<std::mutex>& lock) {
    const int pid = m_pid;
    const auto started = m_started;
    lock.unlock();
    if (!m_conn && !m_connect_failed) {
        m_conn = m_open();
        m_connect_failed = m_conn == nullptr;
    }
    std::unique_ptr<PGresult, decltype(&PQclear)> r(nullptr, &PQclear);
    if (m_conn) {
        r.reset(PQexec(m_conn, sample_sql(pid).c_str()));
    }
    lock.lock();
    if (!m_watching || m_started != started) {
        return;  // the attempt ended while the server answered
    }
    if (!r || PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
        if (m_conn) {
            spdlog::debug("lock watch: {}", util::trim(PQerrorMessage(m_conn)));
        }
        return;
    }
    std::vector<LockBlocker> blockers;
    int queued = 0;
    bool waiting_for_lock = false;
    for (int i = 0; i < PQntuples(r.get()); ++i) {
        const std::string kind = value(r.get(), i, 0);
        if (kind == "q") {
            queued = std::atoi(value(r.get(), i, 1).c_str());
        } else if (kind == "w") {
            waiting_for_lock = value(r.get(), i, 1) == "Lock";
        } else {
            LockBlocker b;
            b.pid = std::atol(value(r.get(), i, 1).c_str());
            b.user = value(r.get(), i, 2);
            b.application = value(r.get(), i, 3);
            b.state = value(r.get(), i, 4);
            if (!PQgetisnull(r.get(), i, 5)) {
                b.transaction_age_s = std::atof(value(r.get(), i, 5).c_str());
            }
            b.wait_event = value(r.get(), i, 6);
            b.query = util::masked_query(value(r.get(), i, 7), 60);
            blockers.push_back(std::move(b));
        }
    }
    const auto now = Clock::now();
    const double dt = std::chrono::duration<double>(now - m_last_sample).count();
    m_last_sample = now;
    if (!waiting_for_lock) {
        return;  // running, not waiting: what queues behind a granted lock is the migration's own work
    }
    if (!blockers.empty()) {
        m_report.blockers = std::move(blockers);
    }
    m_report.queued_max = std::max(m_report.queued_max, queued);
    m_report.harm_backend_s += queued * dt;
    if (m_harm_budget.count() > 0 && !m_report.cancelled &&
        m_report.harm_backend_s * 1000 > static_cast<double>(m_harm_budget.count())) {
        char err[256];
        m_report.cancelled = true;  // set first: the error it causes is read as this cancel
        if (!PQcancel(m_cancel, err, sizeof err)) {
            spdlog::debug("lock watch: cannot cancel the wait: {}", err);
        }
    }
}

}  // namespace sqlmig::db
