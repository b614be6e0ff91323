#include "db/mariadb/driver.hpp"

#include <fcntl.h>
#include <mysql.h>
#include <mysqld_error.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <thread>

#include "core/checksum.hpp"
#include "core/schema_diff.hpp"
#include "db/mariadb/lock_watch.hpp"
#include "db/mariadb/url.hpp"
#include "db/session_lock.hpp"
#include "util/text.hpp"
#include "db/mariadb/dialect.hpp"

namespace sqlmig::db {

namespace {

struct CloseConnection {
    void operator()(MYSQL* m) const { mysql_close(m); }
};
struct FreeResult {
    void operator()(MYSQL_RES* r) const { mysql_free_result(r); }
};
using Connection = std::unique_ptr<MYSQL, CloseConnection>;
using ResultSet = std::unique_ptr<MYSQL_RES, FreeResult>;

// Client-side errors (2000-2999): the connection is gone or unusable.
bool is_connection_error(unsigned code) {
    return code >= 2000 && code < 3000;
}

DbError error_of(MYSQL* m) {
    const unsigned code = mysql_errno(m);
    DbError e("ERROR " + std::to_string(code) + ": " + std::string(util::trim(mysql_error(m))));
    e.sqlstate = mysql_sqlstate(m);
    return e;
}

// A syntax error says "... near 'rest of the statement' at line N": the 1-based
// character position in the statement where that rest begins, or 0.
int syntax_error_position(const std::string& message, const std::string& statement) {
    const std::size_t near = message.find("near '");
    const std::size_t at_line = message.rfind("' at line ");
    if (near == std::string::npos || at_line == std::string::npos || at_line < near + 6) {
        return 0;
    }
    const std::string rest = message.substr(near + 6, at_line - near - 6);
    const long line = std::strtol(message.c_str() + at_line + 10, nullptr, 10);
    std::size_t line_start = 0;
    for (long l = 1; l < line && line_start != std::string::npos; ++l) {
        line_start = statement.find('\n', line_start);
        line_start = line_start == std::string::npos ? line_start : line_start + 1;
    }
    if (line_start == std::string::npos) {
        return 0;
    }
    const std::size_t found = rest.empty() ? statement.size() : statement.find(rest, line_start);
    if (found == std::string::npos) {
        return 0;
    }
    return static_cast<int>(util::char_count(std::string_view(statement).substr(0, found))) + 1;
}

bool defines_routine(const core::Statement& s) {
    const auto& w = s.words;
    return !w.empty() && w[0] == "CREATE" &&
           std::any_of(w.begin(), w.end(), [](const std::string& word) {
               return word == "PROCEDURE" || word == "FUNCTION" || word == "TRIGGER" || word == "EVENT";
           });
}

// Errors that name an object in quotes ("Unknown column 'x' in 'field list'"): the
// 1-based character position of the first place the statement names it, or 0.
int named_object_position(unsigned code, const std::string& message, const std::string& statement) {
    static constexpr unsigned k_naming[] = {ER_BAD_FIELD_ERROR,  ER_NO_SUCH_TABLE,     ER_TABLE_EXISTS_ERROR,
                                            ER_BAD_TABLE_ERROR,  ER_CANT_DROP_FIELD_OR_KEY, ER_DUP_FIELDNAME,
                                            ER_DUP_KEYNAME,      ER_KEY_COLUMN_DOES_NOT_EXIST, ER_SP_DOES_NOT_EXIST,
                                            4161 /* ER_UNKNOWN_DATA_TYPE (MariaDB) */};
    if (std::find(std::begin(k_naming), std::end(k_naming), code) == std::end(k_naming)) {
        return 0;
    }
    const std::size_t open = message.find('\'');
    const std::size_t close = open == std::string::npos ? open : message.find('\'', open + 1);
    if (close == std::string::npos || close == open + 1) {
        return 0;
    }
    std::string name = message.substr(open + 1, close - open - 1);
    std::size_t found = statement.find(name);
    if (found == std::string::npos && name.find('.') != std::string::npos) {
        name = name.substr(name.rfind('.') + 1);  // 'db.t': the statement may say only t
        found = statement.find(name);
    }
    if (found == std::string::npos) {
        return 0;
    }
    return static_cast<int>(util::char_count(std::string_view(statement).substr(0, found))) + 1;
}

// A query with its string literals ('...' and "...", backslash escapes) written '?', on one line.
std::string masked_literals(std::string_view query) {
    std::string out;
    for (std::size_t i = 0; i < query.size(); ++i) {
        const char c = query[i];
        if (c != '\'' && c != '"') {
            out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
            continue;
        }
        std::size_t j = i + 1;
        while (j < query.size() && query[j] != c) {
            j += query[j] == '\\' ? 2 : 1;
        }
        out += "'?'";
        i = j;
    }
    return std::string(util::trim(out));
}

// GET_LOCK names are at most 64 characters: long table names are hashed.
std::string lock_name(const std::string& database, const std::string& table) {
    std::string name = "sqlmig:" + database + "." + table;
    if (name.size() > 64) {
        name = "sqlmig:" + core::checksum_of(name).substr(core::k_checksum_tag.size(), 40);
    }
    return name;
}

class MariadbDriver final : public Driver {
public:
    explicit MariadbDriver(const ConnectOptions& options)
        : m_options(options), m_url(parse_mariadb_url(options.url.raw)) {
        if (m_options.database_override) {
            m_url.database = *m_options.database_override;
        }
        connect();
        m_lock_name = lock_name(m_url.database, m_options.table.display());
    }

    ~MariadbDriver() override {
        rollback();
        release_lock();
    }

    core::Dialect dialect() const override { return mariadb_dialect; }
    int server_version() const override { return static_cast<int>(mysql_get_server_version(m_conn.get())); }
    std::string database_name() const override { return m_url.database; }

    void acquire_lock(std::chrono::milliseconds timeout) override {
        if (m_locked) {
            return;
        }
        const std::string sql = "SELECT GET_LOCK(" + literal(m_lock_name) + ", 0)";
        poll_session_lock(
            timeout, m_options.table.display() + " on " + m_options.url.redacted(),
            [&] { return scalar(sql) == "1"; }, [&] { return lock_holder(); });
        m_locked = true;
    }

    void release_lock() noexcept override {
        if (m_locked && m_conn) {
            try {
                scalar("SELECT RELEASE_LOCK(" + literal(m_lock_name) + ")");
            } catch (const std::exception&) {
                // the lock dies with the connection anyway
            }
        }
        m_locked = false;
    }

    bool ensure_tracking_table() override {
        const std::string probe = "SELECT 1 FROM " + m_options.table.quoted(mariadb_dialect) + " WHERE 1 = 0";
        if (mysql_real_query(m_conn.get(), probe.data(), probe.size()) == 0) {
            ResultSet(mysql_store_result(m_conn.get()));
            return false;
        }
        if (mysql_errno(m_conn.get()) != ER_NO_SUCH_TABLE && mysql_errno(m_conn.get()) != ER_BAD_DB_ERROR) {
            throw DbError("cannot read the tracking table " + m_options.table.display() + ": " +
                          error_of(m_conn.get()).what());
        }
        if (const std::string schema = core::create_schema_sql(m_options.table, mariadb_dialect);
            !schema.empty()) {
            run_internal(schema);
        }
        run_internal(core::create_table_sql(m_options.table, mariadb_dialect));
        return true;
    }

    void switch_tracking_table(const core::TableName& table) override {
        m_options.table = table;
        m_lock_name = lock_name(m_url.database, table.display());
    }

    std::vector<core::AppliedRow> read_applied() override {
        const std::string sql = core::select_rows_sql(m_options.table, mariadb_dialect);
        if (mysql_real_query(m_conn.get(), sql.data(), sql.size()) != 0) {
            if (mysql_errno(m_conn.get()) == ER_NO_SUCH_TABLE) {
                return {};
            }
            throw DbError("cannot read the tracking table " + m_options.table.display() + ": " +
                          error_of(m_conn.get()).what());
        }
        ResultSet result(mysql_store_result(m_conn.get()));
        if (!result) {
            throw DbError("cannot read the tracking table " + m_options.table.display() + ": " +
                          error_of(m_conn.get()).what());
        }
        std::vector<core::AppliedRow> rows;
        while (MYSQL_ROW row = mysql_fetch_row(result.get())) {
            const unsigned long* lengths = mysql_fetch_lengths(result.get());
            core::TrackingValues values;
            for (std::size_t col = 0; col < values.size(); ++col) {
                values[col] = row[col] ? std::string_view(row[col], lengths[col]) : std::string_view();
            }
            rows.push_back(core::applied_row(values, m_options.table));
        }
        std::sort(rows.begin(), rows.end(),
                  [](const core::AppliedRow& a, const core::AppliedRow& b) { return a.version < b.version; });
        return rows;
    }

    std::optional<TextRows> query_rows(const std::string& sql) override {
        if (mysql_real_query(m_conn.get(), sql.data(), sql.size()) != 0) {
            if (mysql_errno(m_conn.get()) == ER_NO_SUCH_TABLE) {
                return std::nullopt;
            }
            throw DbError(std::string(error_of(m_conn.get()).what()) + " (while running: " + util::shorten(sql, 80) + ")");
        }
        ResultSet result(mysql_store_result(m_conn.get()));
        if (!result) {
            throw DbError(std::string(error_of(m_conn.get()).what()) + " (while running: " + util::shorten(sql, 80) + ")");
        }
        TextRows rows;
        const unsigned fields = mysql_num_fields(result.get());
        while (MYSQL_ROW row = mysql_fetch_row(result.get())) {
            const unsigned long* lengths = mysql_fetch_lengths(result.get());
            auto& out = rows.emplace_back();
            for (unsigned col = 0; col < fields; ++col) {
                out.push_back(row[col] ? std::optional<std::string>(std::string(row[col], lengths[col])) : std::nullopt);
            }
        }
        return rows;
    }

    void begin() override { run_internal("START TRANSACTION"); }

    bool bounds_lock_waits() const override { return true; }
    bool bounds_statement_lock_waits() const override { return true; }

    // lock_wait_timeout (metadata locks) and innodb_lock_wait_timeout (row locks) count whole
    // seconds on MariaDB 10.11 (a fraction is refused): a rung under 1 s is 0, which does not
    // wait at all, so nothing ever queues behind the statement (docs/production.md).
    void begin_attempt(std::chrono::milliseconds lock_timeout) override {
        const long long seconds = lock_timeout.count() / 1000;
        run_internal("SET SESSION lock_wait_timeout = " + std::to_string(seconds) +
                     ", innodb_lock_wait_timeout = " + std::to_string(seconds));
        m_attempt_open = true;
        m_report = {};
        if (seconds >= 1) {
            start_watch();
        }
    }

    LockWaitReport end_attempt() noexcept override {
        if (!m_attempt_open) {
            return {};
        }
        m_attempt_open = false;
        if (m_watching) {
            m_watching = false;
            LockWaitReport seen = m_watch->stop();
            seen.blockers = std::move(m_report.blockers);
            m_report = std::move(seen);
        }
        try {
            restore_lock_waits();
        } catch (const std::exception& e) {
            spdlog::warn("cannot restore the session's lock wait timeouts: {}", e.what());
        }
        return std::move(m_report);
    }
    void commit() override {
        try {
            run_internal("COMMIT");
        } catch (const DbError&) {
            if (is_connection_error(mysql_errno(m_conn.get()))) {
                throw DbError("the connection to " + m_options.url.redacted() +
                              " was lost during COMMIT; whether the migration was applied is unknown. "
                              "Run 'sqlmig status' once the database is reachable");
            }
            throw;
        }
    }

    void rollback() noexcept override {
        if (m_conn && server_status() & SERVER_STATUS_IN_TRANS) {
            mysql_real_query(m_conn.get(), "ROLLBACK", 8);
        }
    }

    bool in_transaction() override { return (server_status() & SERVER_STATUS_IN_TRANS) != 0; }

    void execute(core::Statement statement) override {
        if (mysql_real_query(m_conn.get(), statement.text.data(), statement.text.size()) != 0 ||
            !drain_results()) {
            DbError e = error_of(m_conn.get());
            e.position = named_object_position(mysql_errno(m_conn.get()), mysql_error(m_conn.get()), statement.text);
            const unsigned code = mysql_errno(m_conn.get());
            if (code == ER_PARSE_ERROR) {
                e.position = syntax_error_position(mysql_error(m_conn.get()), statement.text);
                if (defines_routine(statement)) {
                    e.hint = "if the routine's body was cut at a ';', put DELIMITER lines around it as for the "
                             "mysql client (docs/mariadb.md)";
                }
            }
            // 1205 is also a metadata lock's timeout; 1213 a deadlock victim (its transaction rolled back).
            e.lock_failure = code == ER_LOCK_WAIT_TIMEOUT ? LockFailure::timeout
                             : code == ER_LOCK_DEADLOCK   ? LockFailure::deadlock
                             : code == ER_QUERY_INTERRUPTED && watch_interrupted() ? LockFailure::harm
                                                          : LockFailure::none;
            if (e.lock_failure != LockFailure::none && m_attempt_open) {
                m_report.blockers = census();  // they still hold their locks: read them right away
            }
            throw StatementError(e, std::move(statement));
        }
        log_warnings();
    }

    void flush() override {}

    void execute_internal(const std::string& sql) override { run_internal(sql); }

    // Every object of the database from information_schema, one sorted line each;
    // bodies (views, routines, triggers) as a hash of their text.
    std::vector<std::string> schema_snapshot() override {
        // The tracking table and its companion <table>_layout: sqlmig's own.
        const std::string tracking = "(" + literal(m_options.table.table) + ", " +
                                     literal(core::layout_table(m_options.table).table) + ", " +
                                     literal(m_options.table.table + "_lock") + ")";
        const std::string here = " = DATABASE()";
        const std::string sql =
            "SELECT CONCAT('table ', TABLE_NAME, ' ', TABLE_TYPE, IFNULL(CONCAT(' ', ENGINE), ''),"
            " IFNULL(CONCAT(' ', TABLE_COLLATION), '')) FROM information_schema.TABLES"
            " WHERE TABLE_SCHEMA" + here + " AND TABLE_NAME NOT IN " + tracking +
            " UNION ALL SELECT CONCAT('column ', TABLE_NAME, '.', COLUMN_NAME, ' ', COLUMN_TYPE,"
            " IF(IS_NULLABLE = 'NO', ' not null', ''), IFNULL(CONCAT(' default ', COLUMN_DEFAULT), ''),"
            " IF(EXTRA <> '', CONCAT(' ', EXTRA), ''), IFNULL(CONCAT(' collate ', COLLATION_NAME), ''))"
            " FROM information_schema.COLUMNS WHERE TABLE_SCHEMA" + here + " AND TABLE_NAME NOT IN " + tracking +
            " UNION ALL SELECT CONCAT('index ', TABLE_NAME, '.', INDEX_NAME, IF(NON_UNIQUE = 0, ' unique ', ' '),"
            " INDEX_TYPE, ' ', GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX))"
            " FROM information_schema.STATISTICS WHERE TABLE_SCHEMA" + here + " AND TABLE_NAME NOT IN " + tracking +
            " GROUP BY TABLE_NAME, INDEX_NAME, NON_UNIQUE, INDEX_TYPE"
            " UNION ALL SELECT CONCAT('constraint ', TABLE_NAME, '.', CONSTRAINT_NAME, ' ', CONSTRAINT_TYPE)"
            " FROM information_schema.TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA" + here + " AND TABLE_NAME NOT IN " +
            tracking +
            " UNION ALL SELECT CONCAT('foreign key ', TABLE_NAME, '.', CONSTRAINT_NAME, ' (',"
            " GROUP_CONCAT(COLUMN_NAME ORDER BY ORDINAL_POSITION), ') references ', REFERENCED_TABLE_NAME, ' (',"
            " GROUP_CONCAT(REFERENCED_COLUMN_NAME ORDER BY ORDINAL_POSITION), ')')"
            " FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA" + here +
            " AND REFERENCED_TABLE_NAME IS NOT NULL GROUP BY TABLE_NAME, CONSTRAINT_NAME, REFERENCED_TABLE_NAME"
            // A view's definition names its own database (`app`.`users`): left out, so that the same
            // view in two databases (drift's or squash's replay and the database it is compared with) has
            // the same line.
            " UNION ALL SELECT CONCAT('view ', TABLE_NAME, ' ',"
            " MD5(REPLACE(VIEW_DEFINITION, CONCAT('`', DATABASE(), '`.'), ''))) FROM information_schema.VIEWS"
            " WHERE TABLE_SCHEMA" + here +
            " UNION ALL SELECT CONCAT('routine ', ROUTINE_TYPE, ' ', ROUTINE_NAME, ' ',"
            " MD5(IFNULL(ROUTINE_DEFINITION, ''))) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA" + here +
            " UNION ALL SELECT CONCAT('trigger ', EVENT_OBJECT_TABLE, '.', TRIGGER_NAME, ' ', ACTION_TIMING, ' ',"
            " EVENT_MANIPULATION, ' ', MD5(ACTION_STATEMENT)) FROM information_schema.TRIGGERS"
            " WHERE TRIGGER_SCHEMA" + here +
            " UNION ALL SELECT CONCAT('check ', tc.TABLE_NAME, '.', cc.CONSTRAINT_NAME, ' ', cc.CHECK_CLAUSE)"
            " FROM information_schema.CHECK_CONSTRAINTS cc JOIN information_schema.TABLE_CONSTRAINTS tc"
            " ON tc.CONSTRAINT_SCHEMA = cc.CONSTRAINT_SCHEMA AND tc.CONSTRAINT_NAME = cc.CONSTRAINT_NAME"
            " AND tc.CONSTRAINT_TYPE = 'CHECK' WHERE cc.CONSTRAINT_SCHEMA" + here + " AND tc.TABLE_NAME NOT IN " +
            tracking +
            " UNION ALL SELECT CONCAT('event ', EVENT_NAME, ' ', MD5(EVENT_DEFINITION))"
            " FROM information_schema.EVENTS WHERE EVENT_SCHEMA" + here;
        if (mysql_real_query(m_conn.get(), sql.data(), sql.size()) != 0) {
            throw DbError("cannot read the schema: " + std::string(error_of(m_conn.get()).what()));
        }
        ResultSet result(mysql_store_result(m_conn.get()));
        if (!result) {
            throw DbError("cannot read the schema: " + std::string(error_of(m_conn.get()).what()));
        }
        std::vector<std::string> lines;
        while (MYSQL_ROW row = mysql_fetch_row(result.get())) {
            lines.emplace_back(row[0] ? row[0] : "");
        }
        std::sort(lines.begin(), lines.end());
        return lines;
    }

    // information_schema's lines are built by the server for every object either way: digested here.
    std::string schema_fingerprint() override { return core::lines_fingerprint(schema_snapshot()); }

private:
    void connect() {
        m_conn = open_connection("sqlmig");
        apply_session_settings();
    }

    // A new session with the URL's settings; program_name tells sqlmig's sessions apart.
    Connection open_connection(const char* program_name) {
        Connection conn(mysql_init(nullptr));
        if (!conn) {
            throw DbError("cannot connect to " + m_options.url.redacted() + ": out of memory");
        }
        MYSQL* m = conn.get();
        mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
        mysql_optionsv(m, MYSQL_OPT_CONNECT_ATTR_ADD, "program_name", program_name);
        // LOAD DATA LOCAL would let a server read this machine's files.
        const unsigned int no_local_infile = 0;
        mysql_optionsv(m, MYSQL_OPT_LOCAL_INFILE, &no_local_infile);
        const std::optional<int> timeout = m_url.connect_timeout_s ? m_url.connect_timeout_s : m_options.connect_timeout_s;
        if (timeout) {
            const auto seconds = static_cast<unsigned int>(*timeout);
            mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &seconds);
        }
        set_tls(m);
        const char* password = m_url.password ? m_url.password->c_str() : std::getenv("MYSQL_PWD");
        const char* host = m_url.host.empty() ? nullptr : m_url.host.c_str();
        const char* socket = m_url.socket.empty() ? nullptr : m_url.socket.c_str();
        const char* user = m_url.user.empty() ? nullptr : m_url.user.c_str();
        if (!mysql_real_connect(m, host, user, password, m_url.database.c_str(), m_url.port, socket,
                                CLIENT_MULTI_RESULTS | CLIENT_FOUND_ROWS)) {
            throw ConnectionError("cannot connect to MariaDB/MySQL at " + m_options.url.redacted() + ": " +
                          error_of(m).what());
        }
        // Connector/C leaves its socket inheritable: hooks and dump tools must not get the session.
        const my_socket fd = mysql_get_socket(m);
        if (fd >= 0) {
            ::fcntl(fd, F_SETFD, ::fcntl(fd, F_GETFD) | FD_CLOEXEC);
        }
        return conn;
    }

    // The harm budget's watcher (lock_watch.hpp), for an attempt that may wait. MariaDB only:
    // MySQL has no KILL QUERY ID, and a KILL QUERY by connection could end a later statement.
    void start_watch() {
        if (!m_options.lock_watch || m_options.lock_harm_budget.count() <= 0 || !is_mariadb()) {
            return;
        }
        if (!m_watch) {
            m_watch = std::make_unique<MariadbLockWatch>([this] { return open_watch_connection(); },
                                                         m_options.lock_harm_budget);
        }
        m_watch->start(mysql_thread_id(m_conn.get()));
        m_watching = true;
    }

    // nullptr when it cannot connect (the watch then sees nothing and kills nothing).
    MYSQL* open_watch_connection() {
        try {
            return open_connection("sqlmig-lock-watch").release();
        } catch (const DbError& e) {
            spdlog::debug("lock watch: {}", e.what());
            return nullptr;
        }
    }

    // Error 1317 (query interrupted) is the watcher's KILL only when it sent one in this attempt.
    bool watch_interrupted() { return m_attempt_open && m_watching && m_watch->cancelled(); }

    void set_tls(MYSQL* m) {
        if (!m_url.ssl_ca.empty() || !m_url.ssl_cert.empty() || !m_url.ssl_key.empty()) {
            const auto or_null = [](const std::string& s) { return s.empty() ? nullptr : s.c_str(); };
            mysql_ssl_set(m, or_null(m_url.ssl_key), or_null(m_url.ssl_cert), or_null(m_url.ssl_ca), nullptr, nullptr);
        }
        const my_bool yes = 1;
        const my_bool no = 0;
        switch (m_url.ssl_mode) {
        case SslMode::disabled: mysql_optionsv(m, MYSQL_OPT_SSL_ENFORCE, &no); return;
        case SslMode::preferred: return;  // the library's default
        case SslMode::required: mysql_optionsv(m, MYSQL_OPT_SSL_ENFORCE, &yes); return;
        case SslMode::verify_ca:
        case SslMode::verify_identity:
            // Connector/C checks the certificate and the host name together.
            mysql_optionsv(m, MYSQL_OPT_SSL_ENFORCE, &yes);
            mysql_optionsv(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &yes);
            return;
        }
    }

    bool is_mariadb() const {
        return std::string_view(mysql_get_server_info(m_conn.get())).find("MariaDB") != std::string_view::npos;
    }

    // [mariadb] lock_timeout and statement_timeout: the waits for metadata and row
    // locks (whole seconds), and the longest a statement may run.
    void apply_session_settings() {
        if (m_options.lock_timeout) {
            const auto seconds = std::to_string(std::max<long long>(
                1, static_cast<long long>(std::ceil(static_cast<double>(m_options.lock_timeout->count()) / 1000))));
            run_internal("SET SESSION lock_wait_timeout = " + seconds + ", innodb_lock_wait_timeout = " + seconds);
        }
        if (m_options.statement_timeout) {
            const auto ms = m_options.statement_timeout->count();
            run_internal(is_mariadb() ? "SET SESSION max_statement_time = " + std::to_string(static_cast<double>(ms) / 1000.0)
                                      : "SET SESSION max_execution_time = " + std::to_string(ms));
        }
    }

    unsigned int server_status() {
        unsigned int status = 0;
        mariadb_get_infov(m_conn.get(), MARIADB_CONNECTION_SERVER_STATUS, &status);
        return status;
    }

    // Reads and discards every result a statement returned (a SELECT, a CALL's
    // several); false when one of them failed.
    bool drain_results() {
        MYSQL* m = m_conn.get();
        for (;;) {
            if (MYSQL_RES* r = mysql_use_result(m)) {
                while (mysql_fetch_row(r)) {
                }
                mysql_free_result(r);
            } else if (mysql_field_count(m) != 0) {
                return false;  // a result set was due and could not be read
            }
            const int more = mysql_next_result(m);
            if (more > 0) {
                return false;
            }
            if (more < 0) {
                return true;
            }
        }
    }

    void log_warnings() {
        if (mysql_warning_count(m_conn.get()) == 0 || !spdlog::should_log(spdlog::level::debug)) {
            return;
        }
        spdlog::debug("server: {} warning(s) (SHOW WARNINGS lists them)", mysql_warning_count(m_conn.get()));
    }

    void run_internal(const std::string& sql) {
        if (mysql_real_query(m_conn.get(), sql.data(), sql.size()) != 0 || !drain_results()) {
            throw DbError(std::string(error_of(m_conn.get()).what()) + " (while running: " + util::shorten(sql, 80) +
                          ")");
        }
    }

    std::string scalar(const std::string& sql) {
        if (mysql_real_query(m_conn.get(), sql.data(), sql.size()) != 0) {
            throw DbError(std::string(error_of(m_conn.get()).what()) + " (while running: " + util::shorten(sql, 80) +
                          ")");
        }
        ResultSet result(mysql_store_result(m_conn.get()));
        if (!result) {
            throw DbError(std::string(error_of(m_conn.get()).what()) + " (while running: " + util::shorten(sql, 80) +
                          ")");
        }
        MYSQL_ROW row = mysql_fetch_row(result.get());
        return row && row[0] ? row[0] : "";
    }

    std::string literal(const std::string& s) const { return core::sql_literal(s, mariadb_dialect); }

    // The session's lock waits as configured ([mariadb] lock_timeout), or the server's defaults.
    void restore_lock_waits() {
        if (m_options.lock_timeout) {
            apply_session_settings();
            return;
        }
        run_internal("SET SESSION lock_wait_timeout = DEFAULT, innodb_lock_wait_timeout = DEFAULT");
    }

    // The sessions that may hold what the statement waited for: with the METADATA_LOCK_INFO
    // plugin, those holding a metadata lock in this database; without it (the server does not
    // say who holds a metadata lock), every other session with an open transaction, those
    // connected to this database first. Never throws.
    std::vector<LockBlocker> census() {
        std::vector<LockBlocker> out;
        try {
            if (!m_mdl_info) {
                const auto rows = query_rows("SELECT COUNT(*) FROM information_schema.PLUGINS WHERE PLUGIN_NAME = "
                                             "'METADATA_LOCK_INFO' AND PLUGIN_STATUS = 'ACTIVE'");
                m_mdl_info = rows && !rows->empty() && rows->front()[0] == std::optional<std::string>("1");
            }
            const std::string holders =
                *m_mdl_info ? "p.ID IN (SELECT THREAD_ID FROM information_schema.METADATA_LOCK_INFO WHERE "
                              "TABLE_SCHEMA = DATABASE())"
                            : "p.ID IN (SELECT trx_mysql_thread_id FROM information_schema.INNODB_TRX)";
            const auto rows = query_rows(
                "SELECT p.ID, p.USER, p.HOST, p.COMMAND, p.STATE, "
                "(SELECT TIMESTAMPDIFF(MICROSECOND, MIN(t.trx_started), NOW(6)) / 1000000 FROM "
                "information_schema.INNODB_TRX t WHERE t.trx_mysql_thread_id = p.ID), LEFT(p.INFO, 400) "
                "FROM information_schema.PROCESSLIST p WHERE p.ID <> CONNECTION_ID() AND " + holders +
                " ORDER BY p.DB <=> DATABASE() DESC, p.ID LIMIT 20");
            for (const auto& row : rows.value_or(TextRows{})) {
                LockBlocker b;
                b.pid = std::atol(row[0].value_or("0").c_str());
                b.id_label = "connection";
                b.user = row[1].value_or("") + "@" + row[2].value_or("");
                const std::string command = row[3].value_or("");
                b.state = command == "Sleep" ? "idle in transaction" : row[4].value_or(command);
                if (b.state.empty()) {
                    b.state = command;
                }
                if (row[5]) {
                    b.transaction_age_s = std::atof(row[5]->c_str());
                }
                b.query = util::shorten(masked_literals(row[6].value_or("")), 60);
                out.push_back(std::move(b));
            }
        } catch (const std::exception& e) {
            spdlog::debug("lock census: {}", e.what());
        }
        return out;
    }

    // " (held by connection 12, root@127.0.0.1:5432)" when the server shows it.
    std::string lock_holder() {
        try {
            const std::string id = scalar("SELECT IS_USED_LOCK(" + literal(m_lock_name) + ")");
            if (id.empty()) {
                return "";
            }
            const std::string who =
                scalar("SELECT CONCAT(USER, '@', HOST) FROM information_schema.PROCESSLIST WHERE ID = " + id);
            return " (held by connection " + id + (who.empty() ? "" : ", " + who) + ")";
        } catch (const DbError&) {
            return "";
        }
    }

    ConnectOptions m_options;
    MariadbUrl m_url;
    Connection m_conn;
    std::string m_lock_name;
    bool m_locked = false;
    bool m_attempt_open = false;
    LockWaitReport m_report;          // the census of the attempt in progress
    std::optional<bool> m_mdl_info;   // whether the METADATA_LOCK_INFO plugin is active
    std::unique_ptr<MariadbLockWatch> m_watch;  // made by the first attempt that may wait
    bool m_watching = false;                    // the attempt in progress is watched (its rung waits)
};

}  // namespace

std::unique_ptr<Driver> open_mariadb_driver(const ConnectOptions& options) {
    return std::make_unique<MariadbDriver>(options);
}

}  // namespace sqlmig::db
