#include "db/sqlite/driver.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>
#include <thread>

#include "core/schema_diff.hpp"
#include "db/sqlite/handles.hpp"
#include "util/text.hpp"
#include "util/unique_fd.hpp"
#include "db/sqlite/dialect.hpp"

namespace sqlmig::db {

namespace {

namespace fs = std::filesystem;

// " (held by pid N)" from what the holder wrote into the lock file, or "".
std::string holder(int fd) {
    char buf[32] = {};
    const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    const std::string pid = n > 0 ? std::string(util::trim(std::string_view(buf, static_cast<std::size_t>(n)))) : "";
    return pid.empty() ? std::string() : " (held by pid " + util::printable(pid) + ")";
}

// Whether this process may write the database file and create its journal beside it.
bool is_writable(const fs::path& file) {
    const fs::path folder = file.has_parent_path() ? file.parent_path() : fs::path(".");
    return ::access(file.c_str(), W_OK) == 0 && ::access(folder.c_str(), W_OK | X_OK) == 0;
}

// Characters (not bytes) before byte_offset, for locating an error in the file.
std::size_t chars_before(const std::string& text, int byte_offset) {
    std::size_t chars = 0;
    for (std::size_t i = 0; i < static_cast<std::size_t>(byte_offset) && i < text.size(); ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
            ++chars;
        }
    }
    return chars;
}

class SqliteDriver final : public Driver {
public:
    explicit SqliteDriver(const ConnectOptions& options)
        : m_options(options),
          m_path(options.url.file),
          m_memory(options.url.file == ":memory:") {
        if (options.table.schema) {
            throw ConfigError("the tracking table '" + options.table.display() +
                              "' names a schema; SQLite tables take a plain name");
        }
        m_db = open_handle();
    }

    ~SqliteDriver() override { release_lock(); }

    core::Dialect dialect() const override { return sqlite_dialect; }
    int server_version() const override { return 0; }
    std::string database_name() const override { return m_memory ? "memory" : m_path.stem().string(); }

    void acquire_lock(std::chrono::milliseconds timeout) override {
        if (m_memory || m_lock_fd) {
            return;
        }
        const std::string lock_path = m_path.string() + "-sqlmig-lock";
        util::UniqueFd fd(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
        if (!fd) {
            throw DbError("cannot open the lock file " + lock_path + ": " + std::strerror(errno));
        }
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
            if (errno != EWOULDBLOCK && errno != EINTR) {
                throw DbError("cannot lock " + lock_path + ": " + std::strerror(errno));
            }
            if (std::chrono::steady_clock::now() >= deadline) {
                throw LockError("another sqlmig run holds the migration lock on " + m_path.string() + holder(fd.get()) +
                                "; waited " + std::to_string(timeout.count() / 1000) +
                                " s (raise --lock-timeout, or wait for it to finish)");
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        // Say who holds it, for the message another run would print.
        const std::string pid = std::to_string(::getpid()) + "\n";
        if (::ftruncate(fd.get(), 0) == 0) {
            [[maybe_unused]] auto n = ::pwrite(fd.get(), pid.data(), pid.size(), 0);
        }
        m_lock_fd = std::move(fd);
    }

    void release_lock() noexcept override {
        if (m_lock_fd) {
            ::flock(m_lock_fd.get(), LOCK_UN);
            m_lock_fd.reset();
        }
    }

    bool ensure_tracking_table() override {
        if (table_exists()) {
            return false;
        }
        exec(core::create_table_sql(m_options.table, sqlite_dialect));
        return true;
    }

    void switch_tracking_table(const core::TableName& table) override { m_options.table = table; }

    std::vector<core::AppliedRow> read_applied() override {
        if (!table_exists()) {
            return {};
        }
        std::vector<core::AppliedRow> rows;
        rows.reserve(row_count());  // growing by doubling would copy every row and hold twice the memory
        StatementHandle stmt = prepare(core::select_rows_sql(m_options.table, sqlite_dialect));
        int rc = 0;
        while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
            rows.push_back(row_from(stmt.get()));
        }
        if (rc != SQLITE_DONE) {
            throw error("cannot read the tracking table " + m_options.table.display());
        }
        return rows;
    }

    std::optional<TextRows> query_rows(const std::string& sql) override {
        sqlite3_stmt* raw = nullptr;
        if (sqlite3_prepare_v2(m_db.get(), sql.c_str(), static_cast<int>(sql.size()), &raw, nullptr) != SQLITE_OK) {
            if (std::string_view(sqlite3_errmsg(m_db.get())).starts_with("no such table")) {
                return std::nullopt;
            }
            throw error("cannot run '" + util::shorten(sql, 80) + "'");
        }
        StatementHandle stmt(raw);
        TextRows rows;
        int rc = 0;
        while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
            auto& row = rows.emplace_back();
            for (int col = 0; col < sqlite3_column_count(stmt.get()); ++col) {
                const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), col));
                row.push_back(sqlite3_column_type(stmt.get(), col) == SQLITE_NULL || !text
                                  ? std::nullopt
                                  : std::optional<std::string>(text));
            }
        }
        if (rc != SQLITE_DONE) {
            throw error("cannot run '" + util::shorten(sql, 80) + "'");
        }
        return rows;
    }

    // BEGIN IMMEDIATE waits busy_timeout for another writer, then fails as a lock failure, which
    // the runner retries (docs/production.md). During a batch the file is held from the first
    // transaction that got it (begin_batch): not before, so that a failed BEGIN holds nothing.
    void begin() override {
        exec("BEGIN IMMEDIATE");
        if (m_hold_wanted && !m_holding) {
            // In the transaction: the locks it took are kept from its end on.
            m_holding = query_text("PRAGMA main.locking_mode = EXCLUSIVE") == "exclusive";
        }
    }
    void commit() override { exec("COMMIT"); }
    // Lets go of a held file too: after a failure, another connection may need it (a writer sqlmig
    // waited for cannot commit while sqlmig keeps its shared lock); the next begin() takes it again.
    void rollback() noexcept override {
        if (m_db && !sqlite3_get_autocommit(m_db.get())) {
            sqlite3_exec(m_db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
        }
        if (m_holding) {
            m_holding = false;
            let_go();
        }
    }
    bool bounds_lock_waits() const override { return true; }
    bool in_transaction() override { return !sqlite3_get_autocommit(m_db.get()); }

    void execute(core::Statement statement) override {
        const char* tail = statement.text.c_str();
        const char* end = tail + statement.text.size();
        while (tail < end) {
            sqlite3_stmt* raw = nullptr;
            const char* next = nullptr;
            const int rc = sqlite3_prepare_v2(m_db.get(), tail, static_cast<int>(end - tail), &raw, &next);
            StatementHandle stmt(raw);
            if (rc != SQLITE_OK) {
                throw statement_error(statement, static_cast<int>(tail - statement.text.c_str()));
            }
            if (!stmt) {
                break;  // only white space or comments left
            }
            int step = 0;
            while ((step = sqlite3_step(stmt.get())) == SQLITE_ROW) {
            }
            if (step != SQLITE_DONE) {
                throw statement_error(statement, static_cast<int>(tail - statement.text.c_str()));
            }
            tail = next;
        }
    }

    void flush() override {}

    // In its default locking mode SQLite gives its file lock back after every
    // transaction and opens its journal again for the next one, which syncs the
    // folder: one fdatasync and a dozen system calls per migration. During a batch
    // sqlmig keeps both (locking_mode EXCLUSIVE; the journal's header is zeroed at
    // each commit instead of the file being deleted, equally durable). Other
    // connections therefore wait from the batch's first transaction to its end, except
    // while sqlmig backs off after a lock failure (rollback). WAL databases are left
    // alone: their commits reopen nothing.
    void begin_batch() override {
        if (m_memory || m_holding || query_text("PRAGMA main.journal_mode") == "wal") {
            return;
        }
        m_hold_wanted = true;  // from the first transaction on (begin)
    }

    void end_batch() noexcept override {
        m_hold_wanted = false;
        if (!m_holding) {
            return;
        }
        m_holding = false;
        let_go();
    }

    void execute_internal(const std::string& sql) override { exec(sql); }

    // sqlite_schema's entries (their CREATE text is what SQLite keeps), and each table's
    // columns as pragma table_info reports them.
    std::vector<std::string> schema_snapshot() override {
        std::vector<std::string> lines;
        StatementHandle stmt = prepare(k_schema_rows);
        sqlite3_bind_text(stmt.get(), 1, m_options.table.table.c_str(), -1, SQLITE_TRANSIENT);
        int rc = 0;
        while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
            const auto text = [&](int i) {
                const auto* p = sqlite3_column_text(stmt.get(), i);
                return std::string(p ? reinterpret_cast<const char*>(p) : "");
            };
            lines.push_back(text(0) + " " + text(1) + " on " + text(2) + ": " + text(3));
            if (text(0) == "table") {
                const auto& columns = column_lines(text(1), text(3));
                lines.insert(lines.end(), columns.begin(), columns.end());
            }
        }
        if (rc != SQLITE_DONE) {
            throw error("cannot read the schema of " + m_path.string());
        }
        std::sort(lines.begin(), lines.end());
        return lines;
    }

    // In-process: the snapshot costs no round trip (and its columns are kept, column_lines()).
    std::string schema_fingerprint() override { return core::lines_fingerprint(schema_snapshot()); }

private:
    // The rows of sqlite_schema a snapshot covers: all but SQLite's own and the tracking table's.
    static constexpr const char* k_schema_rows =
        "SELECT type, name, tbl_name, COALESCE(sql, '') AS sql FROM sqlite_schema "
        "WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND tbl_name NOT IN (?1, ?1 || '_layout', ?1 || '_lock')";

    // A table's "column ..." lines, as pragma table_info reports them. SQLite derives them from
    // the table's CREATE text alone, so they are kept by name and text: verify snapshots a
    // schema three times per migration, and reading every table's columns each time made it
    // quadratic in the number of tables (docs/performance.md, V1).
    const std::vector<std::string>& column_lines(const std::string& table, const std::string& create_sql) {
        auto [it, added] = m_columns.try_emplace({table, create_sql});
        if (!added) {
            return it->second;
        }
        StatementHandle info = prepare("SELECT name, type, \"notnull\", COALESCE(dflt_value, ''), pk "
                                       "FROM pragma_table_info(?1)");
        sqlite3_bind_text(info.get(), 1, table.c_str(), -1, SQLITE_TRANSIENT);
        int rc = 0;
        while ((rc = sqlite3_step(info.get())) == SQLITE_ROW) {
            std::string line = "column " + table;
            for (int i = 0; i < 5; ++i) {
                const auto* p = sqlite3_column_text(info.get(), i);
                line += ' ';
                line += p ? reinterpret_cast<const char*>(p) : "";
            }
            it->second.push_back(std::move(line));
        }
        if (rc != SQLITE_DONE) {
            m_columns.erase(it);
            throw error("cannot read the columns of " + table + " in " + m_path.string());
        }
        return it->second;
    }

    // Back to locking_mode NORMAL, and the file's locks given back.
    void let_go() noexcept {
        try {
            query_text("PRAGMA main.locking_mode = NORMAL");
            query_text("PRAGMA main.schema_version");  // the lock goes at the next access
            if (query_text("PRAGMA main.locking_mode") == "normal") {
                return;
            }
        } catch (const std::exception&) {
            // reopened below
        }
        // A migration switched the database to WAL while it was held: SQLite keeps
        // such a connection exclusive until it closes. A new connection lets it go.
        try {
            m_db = open_handle();  // the old handle closes once the new one is open
        } catch (const std::exception&) {
            // still held until sqlmig exits; the hooks may find the database busy
        }
    }

    // The first column of the first row of a statement, "" when it returns none.
    std::string query_text(const std::string& sql) {
        StatementHandle stmt = prepare(sql);
        const int rc = sqlite3_step(stmt.get());
        if (rc == SQLITE_ROW) {
            const auto* text = sqlite3_column_text(stmt.get(), 0);
            return text ? reinterpret_cast<const char*>(text) : "";
        }
        if (rc != SQLITE_DONE) {
            throw error("cannot run " + sql);
        }
        return "";
    }

    SqliteHandle open_handle() {
        int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
        std::string target = m_path.string();
        if (m_options.read_only && !m_memory) {
            std::error_code ec;
            if (!fs::exists(m_path, ec)) {
                target = ":memory:";  // nothing applied yet; do not create the file
                spdlog::warn("the SQLite database {} does not exist: nothing is applied there yet ('sqlmig up' "
                             "creates it)", util::printable(m_path.string()));
            } else if (!is_writable(m_path)) {
                flags = SQLITE_OPEN_READONLY;
            } else {
                // Read-write without CREATE, though only read: a run killed mid-transaction
                // leaves a hot journal, and only a connection that may write can roll it
                // back before reading (a read-only one fails with "readonly database").
                flags = SQLITE_OPEN_READWRITE;
            }
        } else if (!m_memory && !m_path.parent_path().empty()) {
            std::error_code ec;
            fs::create_directories(m_path.parent_path(), ec);
            if (ec) {
                throw DbError("cannot create the folder " + m_path.parent_path().string() + " for the SQLite database: " +
                              ec.message());
            }
        }
        sqlite3* raw = nullptr;
        // NOMUTEX: one thread at a time uses a connection, so SQLite need not lock
        // its mutex around every call (one lock per column read: 9 % of a 10,000-row status).
        const int rc = sqlite3_open_v2(target.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, nullptr);
        SqliteHandle db(raw);  // owned before checking: SQLite returns a handle even on failure
        if (rc != SQLITE_OK) {
            const std::string msg = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
            throw DbError("cannot open SQLite database " + m_path.string() + ": " + msg);
        }
        sqlite3_extended_result_codes(db.get(), 1);
        sqlite3_busy_timeout(db.get(), static_cast<int>(m_options.busy_timeout.count()));
        load_extensions(db.get());
        if (m_options.sqlite_foreign_keys &&
            sqlite3_exec(db.get(), "PRAGMA foreign_keys = ON", nullptr, nullptr, nullptr) != SQLITE_OK) {
            throw DbError("cannot enable foreign keys ([sqlite] foreign_keys) on " + m_path.string() + ": " +
                          sqlite3_errmsg(db.get()));
        }
        if (m_options.durability == Durability::throwaway &&
            sqlite3_exec(db.get(), "PRAGMA synchronous = OFF", nullptr, nullptr, nullptr) != SQLITE_OK) {
            throw DbError("cannot turn off syncing on the scratch database " + m_path.string() + ": " +
                          sqlite3_errmsg(db.get()));
        }
        return db;
    }

    void load_extensions(sqlite3* db) {
        if (m_options.sqlite_extensions.empty()) {
            return;
        }
        sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 1, nullptr);
        for (const auto& ext : m_options.sqlite_extensions) {
            char* err = nullptr;
            if (sqlite3_load_extension(db, ext.c_str(), nullptr, &err) != SQLITE_OK) {
                const std::string msg = err ? err : "unknown error";
                sqlite3_free(err);
                throw DbError("cannot load SQLite extension " + ext + " ([sqlite] extensions): " + msg);
            }
        }
        // Only the configured extensions: SQL in migrations cannot load more.
        sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, nullptr);
    }

    bool table_exists() {
        StatementHandle stmt = prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1");
        sqlite3_bind_text(stmt.get(), 1, m_options.table.table.c_str(), -1, SQLITE_TRANSIENT);
        const int rc = sqlite3_step(stmt.get());
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
            throw error("cannot read the schema of " + m_path.string());
        }
        return rc == SQLITE_ROW;
    }

    std::size_t row_count() {
        StatementHandle stmt = prepare("SELECT count(*) FROM " + m_options.table.quoted(sqlite_dialect));
        if (sqlite3_step(stmt.get()) != SQLITE_ROW) {
            throw error("cannot read the tracking table " + m_options.table.display());
        }
        return static_cast<std::size_t>(std::max<sqlite3_int64>(sqlite3_column_int64(stmt.get(), 0), 0));
    }

    core::AppliedRow row_from(sqlite3_stmt* stmt) const {
        core::TrackingValues values;
        for (std::size_t i = 0; i < values.size(); ++i) {
            const int col = static_cast<int>(i);
            const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, col));
            values[i] = text ? std::string_view(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt, col)))
                             : std::string_view();
        }
        return core::applied_row(values, m_options.table);
    }

    StatementHandle prepare(const std::string& sql) {
        sqlite3_stmt* raw = nullptr;
        const int rc = sqlite3_prepare_v2(m_db.get(), sql.c_str(), static_cast<int>(sql.size()), &raw, nullptr);
        StatementHandle stmt(raw);
        if (rc != SQLITE_OK) {
            throw error("cannot prepare a tracking-table query");
        }
        return stmt;
    }

    void exec(const std::string& sql) {
        char* err = nullptr;
        if (sqlite3_exec(m_db.get(), sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
            const std::string msg = err ? err : sqlite3_errmsg(m_db.get());
            sqlite3_free(err);
            DbError e(msg + " (while running: " + util::shorten(sql, 60) + ")");
            set_code(e);
            throw e;
        }
    }

    DbError error(const std::string& context) const {
        DbError e(context + ": " + sqlite3_errmsg(m_db.get()));
        set_code(e);
        return e;
    }

    // SQLite has no SQLSTATE; its extended result code says the same kind of thing.
    void set_code(DbError& e) const {
        const int code = sqlite3_extended_errcode(m_db.get());
        e.code_label = "SQLite";
        e.sqlstate = "code " + std::to_string(code) + " (" + sqlite3_errstr(code) + ")";
        if ((code & 0xff) == SQLITE_BUSY) {
            e.lock_failure = LockFailure::timeout;  // another connection holds the file past busy_timeout
        }
    }

    StatementError statement_error(const core::Statement& statement, int tail_offset) const {
        DbError e(sqlite3_errmsg(m_db.get()));
        set_code(e);
        const int offset = sqlite3_error_offset(m_db.get());
        if (offset >= 0) {
            e.position = static_cast<int>(chars_before(statement.text, tail_offset + offset)) + 1;
        }
        return StatementError(e, statement);
    }

    ConnectOptions m_options;
    SqliteHandle m_db;
    fs::path m_path;
    bool m_memory = false;
    bool m_hold_wanted = false;  // in a batch: hold the file from its first transaction on
    bool m_holding = false;      // locking_mode EXCLUSIVE, taken by a transaction of the batch
    util::UniqueFd m_lock_fd;
    std::map<std::pair<std::string, std::string>, std::vector<std::string>> m_columns;  // column_lines()
};

}  // namespace

std::unique_ptr<Driver> make_sqlite_driver(const ConnectOptions& options) {
    return std::make_unique<SqliteDriver>(options);
}

}  // namespace sqlmig::db
