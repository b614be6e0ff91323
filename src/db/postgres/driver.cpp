#include "db/postgres/driver.hpp"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

#include "core/schema_diff.hpp"
#include "db/postgres/lease_lock.hpp"
#include "db/postgres/lock_watch.hpp"
#include "db/session_lock.hpp"
#include "util/text.hpp"
#include "db/postgres/dialect.hpp"

namespace sqlmig::db {

namespace {

constexpr std::size_t k_batch_bytes = 256 * 1024;

struct PgFinish {
    void operator()(PGconn* c) const { PQfinish(c); }
};
struct PgClear {
    void operator()(PGresult* r) const { PQclear(r); }
};
using Connection = std::unique_ptr<PGconn, PgFinish>;
using Result = std::unique_ptr<PGresult, PgClear>;

std::string field(const PGresult* r, int code) {
    const char* v = PQresultErrorField(r, code);
    return v ? v : "";
}

// FNV-1a: a stable 64-bit advisory lock key from the tracking table's name.
std::int64_t lock_key(const std::string& name) {
    std::uint64_t h = 1469598103934665603ULL;
    for (const char c : "sqlmig:" + name) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ULL;
    }
    return static_cast<std::int64_t>(h);
}

void log_notice(void*, const PGresult* r) {
    const std::string severity = field(r, PG_DIAG_SEVERITY);
    const std::string message = field(r, PG_DIAG_MESSAGE_PRIMARY);
    if (severity == "WARNING") {
        spdlog::warn("server: {}", message);
    } else {
        spdlog::info("server {}: {}", severity, message);
    }
}

DbError error_from(const PGresult* r, PGconn* conn) {
    std::string primary = r ? field(r, PG_DIAG_MESSAGE_PRIMARY) : "";
    if (primary.empty()) {
        primary = std::string(util::trim(PQerrorMessage(conn)));
    }
    const std::string severity = r ? field(r, PG_DIAG_SEVERITY) : "";
    DbError e((severity.empty() ? "ERROR" : severity) + ": " + primary);
    if (r) {
        e.sqlstate = field(r, PG_DIAG_SQLSTATE);
        e.detail = field(r, PG_DIAG_MESSAGE_DETAIL);
        e.hint = field(r, PG_DIAG_MESSAGE_HINT);
        e.context = field(r, PG_DIAG_CONTEXT);
        const std::string pos = field(r, PG_DIAG_STATEMENT_POSITION);
        e.position = pos.empty() ? 0 : std::atoi(pos.c_str());
    }
    if (e.sqlstate == "25001" && e.hint.empty()) {
        e.hint = "this statement cannot run inside a transaction; start the file with '-- sqlmig:no-transaction' "
                 "(and keep such statements in a migration of their own)";
    }
    return e;
}

// Every value of a result as text, NULL as nullopt.
core::TextRows text_rows(const PGresult* r) {
    core::TextRows rows(static_cast<std::size_t>(PQntuples(r)));
    for (int i = 0; i < PQntuples(r); ++i) {
        for (int col = 0; col < PQnfields(r); ++col) {
            rows[static_cast<std::size_t>(i)].push_back(
                PQgetisnull(r, i, col) ? std::nullopt : std::optional<std::string>(PQgetvalue(r, i, col)));
        }
    }
    return rows;
}

class PostgresDriver final : public Driver {
public:
    explicit PostgresDriver(const ConnectOptions& options) : m_options(options) {
        connect();
        m_lock_key = lock_key(m_options.table.display());
    }

    ~PostgresDriver() override {
        rollback();
        release_lock();
    }

    core::Dialect dialect() const override { return postgres_dialect; }
    int server_version() const override { return PQserverVersion(m_conn.get()); }
    std::string database_name() const override { return PQdb(m_conn.get()); }

    void acquire_lock(std::chrono::milliseconds timeout) override {
        if (m_locked) {
            return;
        }
        if (m_options.run_lock == RunLock::lease) {
            m_lease = std::make_unique<LeaseLock>(
                [this] { return open_connection("sqlmig-lease").release(); }, m_options.table,
                m_options.lease_duration, m_options.table.display() + " on " + m_options.url.redacted());
            m_lease->acquire(timeout);
            m_locked = true;
            return;
        }
        const std::string sql = "SELECT pg_try_advisory_lock(" + std::to_string(m_lock_key) + ")";
        poll_session_lock(
            timeout, m_options.table.display() + " on " + m_options.url.redacted(),
            [&] { return scalar(sql) == "t"; }, [&] { return lock_holder(); });
        m_locked = true;
    }

    void release_lock() noexcept override {
        if (m_lease) {
            m_lease.reset();  // releases it
            m_locked = false;
            return;
        }
        if (m_locked && m_conn && PQstatus(m_conn.get()) == CONNECTION_OK) {
            Result r(PQexec(m_conn.get(), ("SELECT pg_advisory_unlock(" + std::to_string(m_lock_key) + ")").c_str()));
        }
        m_locked = false;
    }

    bool ensure_tracking_table() override {
        if (table_exists()) {
            return false;  // CREATE ... IF NOT EXISTS would print a NOTICE on every run
        }
        if (const std::string schema = core::create_schema_sql(m_options.table, postgres_dialect); !schema.empty()) {
            exec_now(schema);
        }
        exec_now(core::create_table_sql(m_options.table, postgres_dialect));
        return true;
    }

    std::vector<core::AppliedRow> read_applied() override {
        flush();  // what execute_internal queued comes first
        // Outside a transaction a missing table is the query's error, not a round trip of its
        // own; inside one, an error would abort the transaction, so the table is looked up first.
        const bool idle = PQtransactionStatus(m_conn.get()) == PQTRANS_IDLE;
        if (!idle && !table_exists()) {
            return {};
        }
        Result r(PQexec(m_conn.get(), core::select_rows_sql(m_options.table, postgres_dialect).c_str()));
        if (idle && PQresultStatus(r.get()) == PGRES_FATAL_ERROR && field(r.get(), PG_DIAG_SQLSTATE) == "42P01") {
            return {};  // undefined_table
        }
        if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
            DbError e = error_from(r.get(), m_conn.get());
            throw DbError("cannot read the tracking table " + m_options.table.display() + ": " + e.what());
        }
        std::vector<core::AppliedRow> rows;
        rows.reserve(static_cast<std::size_t>(PQntuples(r.get())));
        for (int i = 0; i < PQntuples(r.get()); ++i) {
            rows.push_back(row_from(r.get(), i));
        }
        return rows;
    }

    void switch_tracking_table(const core::TableName& table) override {
        m_options.table = table;
        m_lock_key = lock_key(table.display());
    }

    std::optional<TextRows> query_rows(const std::string& sql) override {
        flush();
        Result r(PQexec(m_conn.get(), sql.c_str()));
        if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
            DbError e = error_from(r.get(), m_conn.get());
            if (e.sqlstate == "42P01") {  // undefined_table
                return std::nullopt;
            }
            throw DbError(std::string(e.what()) + " (while running: " + util::shorten(sql, 80) + ")");
        }
        return text_rows(r.get());
    }

    std::vector<core::AppliedRow> read_applied_and(const std::string& sql, std::optional<TextRows>& also) override {
        flush();
        if (PQtransactionStatus(m_conn.get()) != PQTRANS_IDLE) {
            return Driver::read_applied_and(sql, also);
        }
        // One message, two queries: the server stops at the first that fails, so a missing
        // tracking table gives one result, and a missing second table a second that failed.
        const std::string both = core::select_rows_sql(m_options.table, postgres_dialect) + ";\n" + sql;
        if (!PQsendQuery(m_conn.get(), both.c_str())) {
            throw connection_error("lost the connection to");
        }
        std::vector<Result> results;
        while (PGresult* r = PQgetResult(m_conn.get())) {
            results.emplace_back(r);
        }
        const auto missing = [&](const Result& r) {
            return PQresultStatus(r.get()) == PGRES_FATAL_ERROR && field(r.get(), PG_DIAG_SQLSTATE) == "42P01";
        };
        if (results.empty() || missing(results[0])) {
            return {};
        }
        if (PQresultStatus(results[0].get()) != PGRES_TUPLES_OK) {
            throw DbError("cannot read the tracking table " + m_options.table.display() + ": " +
                          error_from(results[0].get(), m_conn.get()).what());
        }
        std::vector<core::AppliedRow> rows;
        rows.reserve(static_cast<std::size_t>(PQntuples(results[0].get())));
        for (int i = 0; i < PQntuples(results[0].get()); ++i) {
            rows.push_back(row_from(results[0].get(), i));
        }
        if (!rows.empty() && results.size() > 1 && !missing(results[1])) {
            if (PQresultStatus(results[1].get()) != PGRES_TUPLES_OK) {
                throw DbError(std::string(error_from(results[1].get(), m_conn.get()).what()) + " (while running: " +
                              util::shorten(sql, 80) + ")");
            }
            also = text_rows(results[1].get());
        }
        return rows;
    }

    void check_lock_held() override {
        if (m_lease && m_lease->lost()) {
            throw DbError("the migration lease of " + m_options.table.display() + " on " + m_options.url.redacted() +
                          " expired and another runner took it; stopped before the next migration. Raise "
                          "[postgres] lease_duration if the server or the pooler pauses longer than it");
        }
    }

    void begin() override {
        check_lock_held();
        queue_internal("BEGIN");
        if (pooled()) {
            queue_transaction_settings();
        }
    }

    bool bounds_lock_waits() const override { return true; }
    // Outside a transaction the bound is a session SET, which a transaction pooler would hand on to
    // another client with the server connection: not through one.
    bool bounds_statement_lock_waits() const override { return !pooled(); }

    // In a transaction SET LOCAL, not SET: it ends with the transaction, and works through
    // transaction pooling. Outside one (a statement of a no-transaction file) the session's.
    void begin_attempt(std::chrono::milliseconds lock_timeout) override {
        const std::string value = std::to_string(std::max<std::int64_t>(1, lock_timeout.count())) + "ms";
        if (transaction_begun()) {
            queue_internal("SET LOCAL lock_timeout = '" + value + "'");
        } else {
            bound_session(value);
        }
        m_attempt_open = true;
        if (!m_options.lock_watch) {
            return;
        }
        if (!m_watch) {
            m_watch = std::make_unique<LockWatch>(
                [this] { return open_watch_connection(); }, m_options.lock_harm_budget);
        }
        m_watch->start(m_conn.get(), backend_pid());
    }

    LockWaitReport end_attempt() noexcept override {
        const bool open = m_attempt_open;
        m_attempt_open = false;
        LockWaitReport seen = open && m_watch ? m_watch->stop() : LockWaitReport{};
        unbound_session();  // after the watch stopped: no cancel can reach it
        return seen;
    }

    void commit() override {
        queue_internal("COMMIT");
        try {
            flush();
        } catch (const DbError&) {
            if (PQstatus(m_conn.get()) != CONNECTION_OK) {
                throw DbError("the connection to " + m_options.url.redacted() +
                              " was lost during COMMIT; whether the migration was applied is unknown. "
                              "Run 'sqlmig status' once the database is reachable");
            }
            throw;
        }
    }

    void rollback() noexcept override {
        m_queue.clear();
        m_queued_bytes = 0;
        try {
            collect();
        } catch (const std::exception&) {
            // the batch's failure is why we roll back; it was reported already
        }
        if (m_conn && PQstatus(m_conn.get()) == CONNECTION_OK &&
            PQtransactionStatus(m_conn.get()) != PQTRANS_IDLE) {
            Result r(PQexec(m_conn.get(), "ROLLBACK"));
        }
    }

    bool in_transaction() override {
        flush();
        return PQtransactionStatus(m_conn.get()) != PQTRANS_IDLE;
    }

    // A full batch is sent without waiting for its results: the server executes it
    // while the next one is read and split. At most one batch is in flight.
    void execute(core::Statement statement) override {
        if (statement.text.size() >= k_batch_bytes && !m_queue.empty()) {
            collect();
            send_queue();  // a large statement goes alone, so it is never copied into a batch
        }
        queue(Item{std::move(statement), Origin::file});
        if (m_queued_bytes >= k_batch_bytes) {
            collect();
            send_queue();
        }
    }

    void execute_internal(const std::string& sql) override { queue_internal(sql); }

    std::vector<std::string> schema_snapshot() override {
        const Result r = snapshot_query("SELECT line FROM (" + snapshot_lines_sql() + ") s ORDER BY line COLLATE \"C\"");
        std::vector<std::string> lines;
        for (int i = 0; i < PQntuples(r.get()); ++i) {
            lines.emplace_back(PQgetvalue(r.get(), i, 0));
        }
        if (m_options.schema) {
            return core::unqualified_lines(std::move(lines), *m_options.schema);
        }
        return lines;
    }

    // core::lines_fingerprint() of the snapshot, computed by the server: 71 characters come back
    // instead of every line. textsend() gives a line's bytes as this session receives them (in its
    // client encoding), so that the digest is the one of the lines schema_snapshot() returns.
    // sha256() is PostgreSQL 11's: older servers send the lines.
    std::string schema_fingerprint() override {
        if (server_version() < 110000 || m_options.schema) {  // a tenant's lines are unqualified here
            return core::lines_fingerprint(schema_snapshot());
        }
        // chr(): the same text whatever the session's standard_conforming_strings.
        const std::string line = "COALESCE(line, '')";
        const Result r = snapshot_query(
            "SELECT 'sha256:' || encode(sha256(COALESCE(string_agg(textsend(length(textsend(" + line + "))::text ||"
            " ':' || replace(replace(" + line + ", chr(92), chr(92) || chr(92)), chr(13), chr(92) || 'r') || chr(10)),"
            " '' ORDER BY line COLLATE \"C\"), '')), 'hex') FROM (" + snapshot_lines_sql() + ") s");
        return PQgetvalue(r.get(), 0, 0);
    }

    // Sends what is queued and waits for every result; the first error names its statement.
    void flush() override {
        collect();
        send_queue();
        collect();
    }

private:
    enum class Origin { file, sqlmig };  // a migration file's statement, or sqlmig's own
    struct Item {
        core::Statement statement;  // sqlmig's own statements have only text
        Origin origin;
    };

    // A multi-statement message sent and not yet answered.
    struct InFlight {
        std::vector<Item> items;
        std::vector<std::size_t> char_starts;  // where each statement starts in the message
    };

    // Sends the queue as one multi-statement message and returns without waiting.
    void send_queue() {
        if (m_queue.empty()) {
            return;
        }
        InFlight batch;
        batch.items = std::move(m_queue);
        m_queue.clear();
        m_queued_bytes = 0;
        std::string query;  // one statement is sent as it is: libpq copies it once more, nothing else does
        if (batch.items.size() > 1) {
            std::size_t bytes = 0;
            for (const auto& item : batch.items) {
                bytes += item.statement.text.size() + 2;
            }
            query.reserve(bytes);
        }
        std::size_t chars = 0;
        for (const auto& item : batch.items) {
            batch.char_starts.push_back(chars);
            if (batch.items.size() > 1) {
                query += item.statement.text;
                query += ";\n";
                chars += util::char_count(item.statement.text) + 2;
            }
        }
        const std::string& text = batch.items.size() > 1 ? query : batch.items.front().statement.text;
        if (!PQsendQuery(m_conn.get(), text.c_str())) {
            throw connection_error("cannot send to");
        }
        m_in_flight = std::move(batch);
    }

    // Reads the results of the batch in flight, if any. Each statement returns its
    // own result, in order, so the first error names the statement that failed.
    void collect() {
        if (!m_in_flight) {
            return;
        }
        const InFlight batch = std::move(*m_in_flight);
        m_in_flight.reset();
        const auto& items = batch.items;
        std::size_t index = 0;
        std::optional<DbError> failure;
        std::size_t failed_index = 0;
        while (PGresult* raw = PQgetResult(m_conn.get())) {
            Result r(raw);
            const auto status = PQresultStatus(r.get());
            if (status == PGRES_COPY_IN) {
                PQputCopyEnd(m_conn.get(), "sqlmig does not send COPY ... FROM STDIN data");
                continue;
            }
            if (status == PGRES_COPY_OUT) {
                char* buf = nullptr;
                while (PQgetCopyData(m_conn.get(), &buf, 0) > 0) {
                    PQfreemem(buf);
                }
                continue;
            }
            if (status == PGRES_FATAL_ERROR || status == PGRES_NONFATAL_ERROR) {
                if (!failure) {
                    failure = error_from(r.get(), m_conn.get());
                    failed_index = std::min(index, items.size() - 1);
                }
                continue;
            }
            ++index;
        }
        if (PQstatus(m_conn.get()) != CONNECTION_OK) {
            throw connection_error("lost the connection to");
        }
        if (!failure) {
            return;
        }
        if (failure->position > 0) {
            // The position counts characters of the whole message. A syntax error fails the
            // message before any statement runs (the server parses all of it first), so only
            // the position says which statement it is in.
            const auto at = static_cast<std::size_t>(failure->position - 1);
            const auto next = std::upper_bound(batch.char_starts.begin(), batch.char_starts.end(), at);
            failed_index = static_cast<std::size_t>(next - batch.char_starts.begin()) - 1;
        }
        failure->lock_failure = lock_failure_of(*failure);
        const Item& failed = items[failed_index];
        if (failure->position > 0) {
            failure->position -= static_cast<int>(batch.char_starts[failed_index]);
        }
        if (failed.origin == Origin::file) {
            throw StatementError(*failure, failed.statement);
        }
        DbError own(std::string(failure->what()) + " (while running: " + util::shorten(failed.statement.text, 80) +
                    ")");
        own.sqlstate = failure->sqlstate;
        own.lock_failure = failure->lock_failure;  // sqlmig's DROP of an INVALID index waits for locks too
        throw own;
    }

    // Whether a transaction is open or begun in the queue: begin() only queues its BEGIN.
    bool transaction_begun() const {
        const auto begins = [](const std::vector<Item>& items) {
            return std::any_of(items.begin(), items.end(),
                               [](const Item& i) { return i.origin == Origin::sqlmig && i.statement.text == "BEGIN"; });
        };
        return PQtransactionStatus(m_conn.get()) != PQTRANS_IDLE || begins(m_queue) ||
               (m_in_flight && begins(m_in_flight->items));
    }

    // The session's lock_timeout for one statement that commits on its own, sent before it (one
    // message of several statements would be an implicit transaction, which CREATE INDEX
    // CONCURRENTLY refuses). A value a migration file SET itself is kept, as in a transaction it
    // overrides the rung; unbound_session() puts back what was there before.
    void bound_session(const std::string& value) {
        flush();
        const std::string before = scalar("SELECT current_setting('lock_timeout')");
        if (!m_session_lock_timeout) {
            m_session_lock_timeout = before;  // sqlmig's own: the first statement bounded comes before any file's SET
        }
        if (before != *m_session_lock_timeout) {
            return;
        }
        const std::string set = scalar("SELECT set_config('lock_timeout', '" + value + "', false)");
        m_session_bound = SessionBound{before, set};
    }

    // Unless the statement changed it (a file's SET lock_timeout, kept).
    void unbound_session() noexcept {
        if (!m_session_bound) {
            return;
        }
        const SessionBound bound = *m_session_bound;
        m_session_bound.reset();
        try {
            if (m_in_flight || !m_queue.empty() || PQstatus(m_conn.get()) != CONNECTION_OK) {
                return;  // a failed flush leaves nothing here; a lost connection takes the setting with it
            }
            const std::string sql = "SELECT set_config('lock_timeout', " +
                                    core::sql_literal(bound.before, postgres_dialect) +
                                    ", false) WHERE current_setting('lock_timeout') = " +
                                    core::sql_literal(bound.set, postgres_dialect);
            Result r(PQexec(m_conn.get(), sql.c_str()));
            if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
                spdlog::warn("cannot restore the session's lock_timeout: {}", error_from(r.get(), m_conn.get()).what());
            }
        } catch (const std::exception& e) {
            spdlog::warn("cannot restore the session's lock_timeout: {}", e.what());
        }
    }

    // 55P03 lock_not_available, 40P01 deadlock_detected, and 57014 query_canceled when the
    // watcher cancelled this attempt's wait (a statement_timeout is 57014 too, and is not retried).
    LockFailure lock_failure_of(const DbError& e) {
        if (e.sqlstate == "55P03") {
            return LockFailure::timeout;
        }
        if (e.sqlstate == "40P01") {
            return LockFailure::deadlock;
        }
        if (e.sqlstate == "57014" && m_attempt_open && m_watch && m_watch->cancelled()) {
            return LockFailure::harm;
        }
        return LockFailure::none;
    }

    // The watcher's connection: the same server and options, its own application_name.
    // nullptr when it cannot connect (the watch then sees nothing).
    PGconn* open_watch_connection() {
        try {
            Connection c = open_connection("sqlmig-lock-watch");
            return c.release();
        } catch (const DbError& e) {
            spdlog::debug("lock watch: {}", e.what());
            return nullptr;
        }
    }

    // Through a transaction pooler (the lease lock's setting) each transaction may run on another
    // server connection, and a session SET would stay behind on the one it ran on, for other clients.
    bool pooled() const { return m_options.run_lock == RunLock::lease; }

    // What connect() sets for the session, as SET LOCAL for the transaction just begun: with a
    // pooler, settings reach sqlmig's statements only this way (docs/production.md).
    void queue_transaction_settings() {
        if (m_options.schema) {
            queue_internal("SET LOCAL search_path TO \"" + *m_options.schema + "\"");
        }
        if (m_options.lock_timeout) {
            queue_internal("SET LOCAL lock_timeout = '" + std::to_string(m_options.lock_timeout->count()) + "ms'");
        }
        if (m_options.statement_timeout) {
            queue_internal("SET LOCAL statement_timeout = '" + std::to_string(m_options.statement_timeout->count()) +
                           "ms'");
        }
        if (m_options.durability == Durability::throwaway) {
            queue_internal("SET LOCAL synchronous_commit = off");
        }
    }

    // The backend the attempt runs on, for the watcher. Through a pooler PQbackendPID is the
    // pooler's own number, so the server is asked, inside the transaction (the backend is
    // sqlmig's until it ends).
    int backend_pid() {
        if (!pooled()) {
            return PQbackendPID(m_conn.get());
        }
        try {
            return std::atoi(scalar("SELECT pg_backend_pid()").c_str());
        } catch (const DbError&) {
            return 0;  // the attempt's own statements report the failure
        }
    }

    void connect() {
        m_conn = open_connection("sqlmig");
        PQsetNoticeReceiver(m_conn.get(), &log_notice, nullptr);
        if (pooled()) {
            return;  // begin() sets them per transaction
        }
        if (m_options.schema) {
            exec_now("SET search_path TO \"" + *m_options.schema + "\"");
        }
        if (m_options.lock_timeout) {
            exec_now("SET lock_timeout = '" + std::to_string(m_options.lock_timeout->count()) + "ms'");
        }
        if (m_options.statement_timeout) {
            exec_now("SET statement_timeout = '" + std::to_string(m_options.statement_timeout->count()) + "ms'");
        }
        if (m_options.durability == Durability::throwaway) {
            exec_now("SET synchronous_commit = off");  // a user setting: no privilege needed
        }
    }

    Connection open_connection(const std::string& app) const {
        const std::string timeout = m_options.connect_timeout_s ? std::to_string(*m_options.connect_timeout_s) : "";
        std::vector<const char*> keys = {"dbname", "application_name"};
        std::vector<const char*> values = {m_options.url.raw.c_str(), app.c_str()};
        if (m_options.database_override) {
            // A later dbname overrides the one the expanded URL gave (libpq: the last value wins).
            keys.push_back("dbname");
            values.push_back(m_options.database_override->c_str());
        }
        if (!timeout.empty()) {
            keys.push_back("connect_timeout");
            values.push_back(timeout.c_str());
        }
        keys.push_back(nullptr);
        values.push_back(nullptr);
        // expand_dbname=1: the URL or key=value string is parsed by libpq itself.
        Connection conn(PQconnectdbParams(keys.data(), values.data(), 1));
        if (!conn) {
            throw DbError("cannot connect to " + m_options.url.redacted() + ": out of memory");
        }
        if (PQstatus(conn.get()) != CONNECTION_OK) {
            // libpq quotes what it could not parse, the password included: hidden here.
            const std::string reason = util::redact_url_in(util::trim(PQerrorMessage(conn.get())), m_options.url.raw);
            throw ConnectionError("cannot connect to PostgreSQL at " + m_options.url.redacted() + ": " + reason);
        }
        return conn;
    }

    // Runs a query over the snapshot's lines, after what is queued. Throws DbError.
    Result snapshot_query(const std::string& sql) {
        flush();
        Result r(PQexec(m_conn.get(), sql.c_str()));
        if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
            DbError e = error_from(r.get(), m_conn.get());
            throw DbError("cannot read the schema: " + std::string(e.what()));
        }
        return r;
    }

    // Every user object from the catalogs, one line each (a query whose column is `line`). Objects
    // that belong to an extension are the extension's line; the tracking table and its index are left out.
    std::string snapshot_lines_sql() const {
        const auto literal = [](const std::string& name) { return core::sql_literal(name, postgres_dialect); };
        const std::string& t = m_options.table.table;
        // The tracking table and its companions (<table>_layout, the lease's <table>_lock): sqlmig's own.
        const std::string tracking = "(" + literal(t) + ", " + literal(core::layout_table(m_options.table).table) +
                                     ", " + literal(t + "_lock") + ")";
        // A tenant of a schema-per-tenant fleet is its schema: the rest of the database is other
        // tenants' and what they share, and the database-wide extensions are not the tenant's.
        const std::string user_ns =
            m_options.schema ? "n.nspname = " + literal(*m_options.schema)
                             : "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE "
                               "'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'";
        const std::string extensions = m_options.schema ? " WHERE false" : "";
        // What is hashed on the server loses the tenant's qualifier there, as core::unqualified_lines
        // removes it from the lines (not after a letter, digit, '_', '$', '.' or '"').
        const auto unqualified = [&](const std::string& text) -> std::string {
            if (!m_options.schema) {
                return text;
            }
            std::string escaped;
            for (const char c : *m_options.schema) {
                escaped += c == '$' ? std::string("\\$") : std::string(1, c);
            }
            return "regexp_replace(" + text + ", '(^|[^[:alnum:]_$.\"])' || " + literal(escaped + "\\.") +
                   ", E'\\\\1', 'g')";  // E'': the same text whatever standard_conforming_strings
        };
        const std::string not_extension = " AND NOT EXISTS (SELECT 1 FROM pg_depend dep WHERE dep.objid = {oid} AND "
                                          "dep.deptype = 'e')";
        const auto own = [&](const std::string& oid) {
            std::string s = not_extension;
            s.replace(s.find("{oid}"), 5, oid);
            return s;
        };
        return "SELECT 'schema ' || n.nspname AS line FROM pg_namespace n WHERE " + user_ns + own("n.oid") +
               " UNION ALL SELECT 'extension ' || extname FROM pg_extension" + extensions +
               " UNION ALL SELECT 'relation ' || n.nspname || '.' || c.relname || ' ' || c.relkind::text ||"
               " CASE WHEN c.relrowsecurity THEN ' row security' ELSE '' END ||"
               " CASE WHEN c.relforcerowsecurity THEN ' forced' ELSE '' END"
               " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
               " WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND " + user_ns + " AND c.relname NOT IN " + tracking +
               own("c.oid") +
               " UNION ALL SELECT 'column ' || n.nspname || '.' || c.relname || '.' || a.attname || ' ' ||"
               " format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END ||"
               " COALESCE(' default ' || pg_get_expr(d.adbin, d.adrelid), '') ||"
               " CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN ' collate ' ||"
               " a.attcollation::regcollation::text ELSE '' END"
               " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
               " JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
               " WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'c') AND " + user_ns +
               " AND c.relname NOT IN " + tracking + own("c.oid") +
               " UNION ALL SELECT 'constraint ' || n.nspname || '.' || c.relname || '.' || co.conname || ' ' ||"
               " pg_get_constraintdef(co.oid) FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid"
               " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE " + user_ns + " AND c.relname NOT IN " + tracking +
               " UNION ALL SELECT 'index ' || n.nspname || '.' || ci.relname || ' ' || pg_get_indexdef(i.indexrelid)"
               " FROM pg_index i JOIN pg_class ci ON ci.oid = i.indexrelid JOIN pg_class ct ON ct.oid = i.indrelid"
               " JOIN pg_namespace n ON n.oid = ci.relnamespace WHERE " + user_ns + " AND ct.relname NOT IN " + tracking +
               own("ct.oid") +
               " UNION ALL SELECT 'view ' || n.nspname || '.' || c.relname || ' ' || pg_get_viewdef(c.oid)"
               " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('v', 'm') AND " +
               user_ns + own("c.oid") +
               " UNION ALL SELECT 'function ' || n.nspname || '.' || p.proname || '(' ||"
               " pg_get_function_identity_arguments(p.oid) || ') ' || md5(" + unqualified("pg_get_functiondef(p.oid)") + ")"
               " FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.prokind IN ('f', 'p', 'w') AND " +
               user_ns + own("p.oid") +
               " UNION ALL SELECT 'trigger ' || n.nspname || '.' || c.relname || '.' || tg.tgname || ' ' ||"
               " pg_get_triggerdef(tg.oid) FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid"
               " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT tg.tgisinternal AND " + user_ns +
               " AND c.relname NOT IN " + tracking +
               " UNION ALL SELECT 'sequence ' || n.nspname || '.' || c.relname || ' ' || format_type(s.seqtypid, NULL) ||"
               " ' start ' || s.seqstart || ' increment ' || s.seqincrement || ' min ' || s.seqmin || ' max ' ||"
               " s.seqmax || ' cache ' || s.seqcache || CASE WHEN s.seqcycle THEN ' cycle' ELSE '' END"
               " FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
               " WHERE " + user_ns + own("c.oid") +
               " UNION ALL SELECT 'policy ' || n.nspname || '.' || c.relname || '.' || pol.polname || ' ' ||"
               " pol.polcmd::text || CASE WHEN pol.polpermissive THEN ' permissive' ELSE ' restrictive' END ||"
               " ' to ' || array_to_string(ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE r::regrole::text END"
               " FROM unnest(pol.polroles) r ORDER BY 1), ',') ||"
               " COALESCE(' using ' || pg_get_expr(pol.polqual, pol.polrelid), '') ||"
               " COALESCE(' check ' || pg_get_expr(pol.polwithcheck, pol.polrelid), '')"
               " FROM pg_policy pol JOIN pg_class c ON c.oid = pol.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
               " WHERE " + user_ns +
               " UNION ALL SELECT 'type ' || n.nspname || '.' || t.typname || ' ' || t.typtype::text ||"
               " COALESCE(' ' || (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e"
               " WHERE e.enumtypid = t.oid), '') ||"
               " CASE WHEN t.typtype = 'd' THEN ' ' || format_type(t.typbasetype, t.typtypmod) ||"
               " CASE WHEN t.typnotnull THEN ' not null' ELSE '' END || COALESCE(' default ' || t.typdefault, '') ||"
               " COALESCE((SELECT ' ' || string_agg(co.conname || ' ' || pg_get_constraintdef(co.oid), ', '"
               " ORDER BY co.conname) FROM pg_constraint co WHERE co.contypid = t.oid), '') ELSE '' END"
               " FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.typtype IN ('e', 'd', 'c', 'r') AND"
               " (t.typtype <> 'c' OR (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid) = 'c') AND " +
               user_ns + own("t.oid") +
               // A column's comment by the column's name: its number differs between a table that lost
               // columns and the same table made anew (squash's proof).
               " UNION ALL SELECT 'comment ' || n.nspname || '.' || c.relname || COALESCE('.' || a.attname, '') ||"
               " ' ' || d.description FROM pg_description d JOIN pg_class c ON c.oid = d.objoid"
               " AND d.classoid = 'pg_class'::regclass JOIN pg_namespace n ON n.oid = c.relnamespace"
               " LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid AND d.objsubid > 0"
               " WHERE " + user_ns + " AND c.relname NOT IN " + tracking;
    }

    bool table_exists() {
        return scalar("SELECT to_regclass(" + core::sql_literal(m_options.table.quoted(postgres_dialect), postgres_dialect) +
                      ") IS NOT NULL") == "t";
    }

    void queue(Item item) {
        m_queued_bytes += item.statement.text.size();
        m_queue.push_back(std::move(item));
    }

    void queue_internal(const std::string& sql) {
        core::Statement s;
        s.text = sql;
        queue(Item{std::move(s), Origin::sqlmig});
    }

    void exec_now(const std::string& sql) {
        queue_internal(sql);
        flush();
    }

    std::string scalar(const std::string& sql) {
        flush();
        Result r(PQexec(m_conn.get(), sql.c_str()));
        if (PQresultStatus(r.get()) != PGRES_TUPLES_OK || PQntuples(r.get()) < 1) {
            DbError e = error_from(r.get(), m_conn.get());
            throw DbError(std::string(e.what()) + " (while running: " + util::shorten(sql, 80) + ")");
        }
        return PQgetisnull(r.get(), 0, 0) ? "" : PQgetvalue(r.get(), 0, 0);
    }

    // " (held by pid 123, application_name 'sqlmig')" when the server shows it.
    std::string lock_holder() {
        const auto key = static_cast<std::uint64_t>(m_lock_key);
        const std::string sql =
            "SELECT a.pid || ', application_name ''' || coalesce(a.application_name, '') || '''' "
            "FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = " + std::to_string(key >> 32) +
            " AND l.objid = " + std::to_string(key & 0xffffffffULL) + " AND l.objsubid = 1 LIMIT 1";
        try {
            const std::string who = scalar(sql);
            return who.empty() ? "" : " (held by pid " + who + ")";
        } catch (const DbError&) {
            return "";
        }
    }

    core::AppliedRow row_from(const PGresult* r, int i) const {
        core::TrackingValues values;
        for (std::size_t col = 0; col < values.size(); ++col) {
            const int c = static_cast<int>(col);
            values[col] = std::string_view(PQgetvalue(r, i, c), static_cast<std::size_t>(PQgetlength(r, i, c)));
        }
        return core::applied_row(values, m_options.table);
    }

    DbError connection_error(const std::string& what) {
        return DbError(what + " PostgreSQL at " + m_options.url.redacted() + ": " +
                       util::redact_url_in(util::trim(PQerrorMessage(m_conn.get())), m_options.url.raw));
    }

    ConnectOptions m_options;
    Connection m_conn;
    std::int64_t m_lock_key = 0;
    bool m_locked = false;
    std::vector<Item> m_queue;
    std::optional<InFlight> m_in_flight;
    std::size_t m_queued_bytes = 0;
    std::unique_ptr<LeaseLock> m_lease;  // the lease lock, while held
    std::unique_ptr<LockWatch> m_watch;  // made by the first attempt (docs/production.md)
    bool m_attempt_open = false;
    // A statement's bounded wait outside a transaction: the session's lock_timeout before it, and
    // as sqlmig set it (the server's spelling, e.g. "2s").
    struct SessionBound {
        std::string before;
        std::string set;
    };
    std::optional<SessionBound> m_session_bound;
    std::optional<std::string> m_session_lock_timeout;  // sqlmig's own, seen before any statement bounded
};

}  // namespace

std::unique_ptr<Driver> open_postgres_driver(const ConnectOptions& options) {
    return std::make_unique<PostgresDriver>(options);
}

}  // namespace sqlmig::db
