#include "db/postgres/lease_lock.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <array>
#include <random>

#include "db/session_lock.hpp"
#include "util/error.hpp"
#include "util/text.hpp"
#include "db/postgres/dialect.hpp"

namespace sqlmig::db {

namespace {

constexpr auto k_dialect = postgres_dialect;

std::string host_name() {
    std::array<char, 256> name{};
    if (::gethostname(name.data(), name.size() - 1) != 0) {
        return "unknown-host";
    }
    return name.data();
}

// 64 random bits as hex: tells two runs of the same host and pid apart (a container restarted).
std::string random_token() {
    std::random_device rd;
    const std::uint64_t bits = (static_cast<std::uint64_t>(rd()) << 32) | rd();
    static constexpr char k_hex[] = "0123456789abcdef";
    std::string token(16, '0');
    for (std::size_t i = 0; i < token.size(); ++i) {
        token[i] = k_hex[(bits >> (4 * i)) & 0xf];
    }
    return token;
}

std::string lit(const std::string& value) { return core::sql_literal(value, k_dialect); }

}  // namespace

LeaseLock::LeaseLock(std::function<PGconn*()> open, core::TableName tracking, std::chrono::milliseconds duration,
                     std::string where)
    : m_open(std::move(open)),
      m_tracking(std::move(tracking)),
      m_table{m_tracking.schema, m_tracking.table + "_lock"},
      m_duration(duration),
      m_where(std::move(where)),
      m_owner(host_name() + " pid " + std::to_string(::getpid())),
      m_token(random_token()) {}

LeaseLock::~LeaseLock() { release(); }

void LeaseLock::acquire(std::chrono::milliseconds timeout) {
    if (m_held) {
        return;
    }
    m_conn.reset(m_open());
    PQsetNoticeProcessor(m_conn.get(), [](void*, const char*) {}, nullptr);  // CREATE SCHEMA IF NOT EXISTS
    ensure_table();
    poll_session_lock(timeout, m_where, [&] { return try_take(); }, [&] { return holder(); });
    m_held = true;
    m_lost = false;
    m_stop = false;
    m_renewer = std::thread([this] { renew_loop(); });
}

void LeaseLock::release() noexcept {
    if (m_renewer.joinable()) {
        {
            std::lock_guard<std::mutex> lock(m_mutex);
            m_stop = true;
        }
        m_wake.notify_all();
        m_renewer.join();
    }
    if (!m_held) {
        return;
    }
    m_held = false;
    std::string error;
    const auto r = exec("DELETE FROM " + m_table.quoted(k_dialect) + " WHERE name = " + lit(m_tracking.display()) +
                            " AND token = " + lit(m_token),
                        error);
    if (!r) {
        // It expires on its own after lease_duration.
        spdlog::warn("could not release the migration lease of {}: {}", m_where, error);
    }
}

// The table is created outside any transaction of the run, before the tracking table. Runners
// that find it missing at once create it one after the other, under a transaction-level advisory
// lock (which, unlike a session one, holds through a transaction pooler): two CREATE TABLEs of the
// same name racing fail on the catalog's unique index instead.
void LeaseLock::ensure_table() {
    const std::string exists = "SELECT to_regclass(" + lit(m_table.quoted(k_dialect)) + ") IS NOT NULL";
    if (exec_or_throw(exists) == "t") {
        return;
    }
    std::string sql = "BEGIN; SELECT pg_advisory_xact_lock(hashtext(" + lit("sqlmig-lease:" + m_table.display()) + "));";
    if (const std::string schema = core::create_schema_sql(m_table, k_dialect); !schema.empty()) {
        sql += " " + schema + ";";
    }
    sql += " CREATE TABLE IF NOT EXISTS " + m_table.quoted(k_dialect) +
           " (name text PRIMARY KEY, owner text NOT NULL, token text NOT NULL,"
           " acquired_at timestamptz NOT NULL, expires_at timestamptz NOT NULL); COMMIT";
    std::string error;
    if (!exec(sql, error)) {
        std::string ignored;
        exec("ROLLBACK", ignored);  // a failed statement of the message leaves its transaction open
        throw DbError("cannot create the lease table " + m_table.display() + ": " + error);
    }
}

// One statement: the row is inserted, or taken over when its lease has expired; otherwise
// nothing is returned. The CTE reads the row as it was, to name an owner taken over from.
bool LeaseLock::try_take() {
    const std::string t = m_table.quoted(k_dialect);
    const std::string expires = "now() + " + std::to_string(m_duration.count()) + " * interval '1 millisecond'";
    const std::string sql =
        "WITH previous AS (SELECT owner, token, expires_at FROM " + t + " WHERE name = " + lit(m_tracking.display()) +
        ") INSERT INTO " + t + " AS l (name, owner, token, acquired_at, expires_at) VALUES (" +
        lit(m_tracking.display()) + ", " + lit(m_owner) + ", " + lit(m_token) + ", now(), " + expires +
        ") ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, token = excluded.token,"
        " acquired_at = excluded.acquired_at, expires_at = excluded.expires_at WHERE l.expires_at < now()"
        " RETURNING (SELECT owner || ' (token ' || token || '), expired at ' || expires_at::text FROM previous)";
    std::string error;
    const auto r = exec(sql, error);
    if (!r) {
        throw DbError("cannot take the migration lease of " + m_where + ": " + error);
    }
    if (PQntuples(r.get()) < 1) {
        return false;
    }
    if (!PQgetisnull(r.get(), 0, 0)) {
        spdlog::warn("took over the expired migration lease of {} from {}", m_where, PQgetvalue(r.get(), 0, 0));
    }
    return true;
}

// " (leased by host pid 123 (token ...), 25 s left)" when the row can be read.
std::string LeaseLock::holder() {
    std::string error;
    const auto r = exec("SELECT owner || ' (token ' || token || '), ' || greatest(0, ceil(extract(epoch FROM "
                        "expires_at - now())))::bigint || ' s left' FROM " +
                            m_table.quoted(k_dialect) + " WHERE name = " + lit(m_tracking.display()),
                        error);
    if (!r || PQntuples(r.get()) < 1) {
        return "";
    }
    return std::string(" (leased by ") + PQgetvalue(r.get(), 0, 0) + ")";
}

LeaseLock::Renewal LeaseLock::renew_once() {
    std::string error;
    const std::string expires = "now() + " + std::to_string(m_duration.count()) + " * interval '1 millisecond'";
    const auto r = exec("UPDATE " + m_table.quoted(k_dialect) + " SET expires_at = " + expires +
                            " WHERE name = " + lit(m_tracking.display()) + " AND token = " + lit(m_token) +
                            " RETURNING 1",
                        error);
    if (!r) {
        spdlog::warn("could not renew the migration lease of {}: {} (retrying)", m_where, error);
        return Renewal::failed;
    }
    return PQntuples(r.get()) == 1 ? Renewal::renewed : Renewal::lost;
}

// A sixth of the lease: five renewals may fail (a server restart, a pooler pause) before it expires.
void LeaseLock::renew_loop() {
    const auto every = m_duration / 6;
    std::unique_lock<std::mutex> lock(m_mutex);
    while (!m_wake.wait_for(lock, every, [&] { return m_stop; })) {
        lock.unlock();
        const Renewal renewal = renew_once();
        lock.lock();
        if (renewal == Renewal::lost) {
            m_lost = true;
            spdlog::error("the migration lease of {} expired and another runner took it; this run stops before "
                          "its next migration",
                          m_where);
            return;
        }
    }
}

std::unique_ptr<PGresult, decltype(&PQclear)> LeaseLock::exec(const std::string& sql, std::string& error) {
    std::unique_ptr<PGresult, decltype(&PQclear)> none(nullptr, &PQclear);
    if (!m_conn) {
        error = "no connection";
        return none;
    }
    if (PQstatus(m_conn.get()) != CONNECTION_OK) {
        PQreset(m_conn.get());
    }
    std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(m_conn.get(), sql.c_str()), &PQclear);
    const auto status = PQresultStatus(r.get());
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
        const char* primary = r ? PQresultErrorField(r.get(), PG_DIAG_MESSAGE_PRIMARY) : nullptr;
        error = primary ? primary : std::string(util::trim(PQerrorMessage(m_conn.get())));
        return none;
    }
    return r;
}

std::string LeaseLock::exec_or_throw(const std::string& sql) {
    std::string error;
    const auto r = exec(sql, error);
    if (!r) {
        throw DbError("migration lease of " + m_where + ": " + error + " (while running: " + util::shorten(sql, 80) +
                      ")");
    }
    return PQntuples(r.get()) > 0 && !PQgetisnull(r.get(), 0, 0) ? PQgetvalue(r.get(), 0, 0) : "";
}

}  // namespace sqlmig::db
