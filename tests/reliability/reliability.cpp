// Crash-consistency and concurrency trials for sqlmig (scripts/reliability).
//
// Each trial runs the real sqlmig binary on a real database, interrupts it at a
// random moment (SIGKILL of the client, or an immediate restart of the PostgreSQL
// server), then checks from the database itself that nothing is half done without
// being said, that `status` works, and that the documented recovery converges.
// It prints a table of trials and inconsistencies per scenario and database; the
// exit code is 1 when any trial found an inconsistency.
#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/mariadb_database.hpp"
#include "support/pg_database.hpp"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
    std::string sqlmig;
    std::string pg_server;        // scripts/pg-test-server, for the restart scenario
    int trials = 20;
    unsigned seed = 0;
    bool verbose = false;  // print each re-run that stopped at one statement
    std::vector<std::string> databases = {"sqlite", "postgres", "mariadb"};
    std::vector<std::string> scenarios = {"kill-up", "kill-down", "kill-redo", "restart-up", "concurrent",
                                          "kill-holder", "kill-stamp", "kill-backup", "kill-restore",
                                          "kill-schema-file", "kill-lock-wait"};
    fs::path work = fs::temp_directory_path() / ("sqlmig-reliability-" + std::to_string(::getpid()));
};

// How a migration runs, which decides what a kill may leave of it.
enum class Kind { wrapped, unwrapped };

struct MigrationSpec {
    std::string version;
    std::string marker;  // a table the up creates and the down drops
    Kind kind;
};

// ---- the folder under test ----------------------------------------------------------

// Five migrations: wrapped ones (one slow enough to be caught mid-statement), one
// with its own BEGIN/COMMIT, one without a transaction. The ones that do not run in one
// transaction are resumed from their statement journal (docs/migrations.md, "After a crash").
const std::vector<MigrationSpec> k_specs = {
    {"1", "users", Kind::wrapped},   {"2", "fill", Kind::wrapped}, {"3", "own_t", Kind::unwrapped},
    {"4", "notx_t", Kind::unwrapped}, {"5", "late", Kind::wrapped},
};
constexpr int k_fill_rows = 200000;

void write(const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
}

// On MariaDB every one of these files holds DDL, which commits implicitly: each runs
// statement by statement, recorded running first, and each up is idempotent.
Kind kind_on(const MigrationSpec& m, const std::string& db) {
    return db == "mariadb" ? Kind::unwrapped : m.kind;
}

void write_mariadb_folder(const fs::path& m) {
    write(m / "001_users.up.sql", "CREATE TABLE IF NOT EXISTS users (id INT PRIMARY KEY, name VARCHAR(50));\n"
                                  "REPLACE INTO users VALUES (1, 'ann'), (2, 'bob');\n");
    write(m / "001_users.down.sql", "DROP TABLE IF EXISTS users;\n");
    write(m / "002_fill.up.sql", "CREATE TABLE IF NOT EXISTS fill (x INT);\nDELETE FROM fill;\nDO SLEEP(0.15);\n"
                                 "INSERT INTO fill SELECT seq FROM seq_1_to_" + std::to_string(k_fill_rows) + ";\n");
    write(m / "002_fill.down.sql", "DO SLEEP(0.1);\nDROP TABLE IF EXISTS fill;\n");
    write(m / "003_own.up.sql", "CREATE TABLE IF NOT EXISTS own_pre (x INT);\nSTART TRANSACTION;\n"
                                "DELETE FROM own_pre;\nINSERT INTO own_pre VALUES (1);\nCOMMIT;\n"
                                "CREATE TABLE IF NOT EXISTS own_t (x INT);\n");
    write(m / "003_own.down.sql", "DROP TABLE IF EXISTS own_t;\nDO SLEEP(0.1);\nDROP TABLE IF EXISTS own_pre;\n");
    write(m / "004_notx.up.sql", "-- sqlmig:no-transaction\nCREATE TABLE IF NOT EXISTS notx_t (x INT);\n"
                                 "DO SLEEP(0.1);\nCREATE INDEX IF NOT EXISTS notx_x ON notx_t (x);\n");
    write(m / "004_notx.down.sql", "-- sqlmig:no-transaction\nDROP TABLE IF EXISTS notx_t;\n");
    write(m / "005_late.up.sql", "CREATE TABLE IF NOT EXISTS late (x INT);\nDO SLEEP(0.15);\nDELETE FROM late;\n"
                                 "INSERT INTO late VALUES (5);\n");
    write(m / "005_late.down.sql", "DO SLEEP(0.1);\nDROP TABLE IF EXISTS late;\n");
}

void write_folder(const fs::path& dir, const std::string& db) {
    if (db == "mariadb") {
        write_mariadb_folder(dir / "migrations");
        return;
    }
    const bool pg = db == "postgres";
    const fs::path m = dir / "migrations";
    const std::string fill = std::to_string(k_fill_rows);
    write(m / "001_users.up.sql", "CREATE TABLE users (id integer PRIMARY KEY, name text);\n"
                                  "INSERT INTO users VALUES (1, 'ann'), (2, 'bob');\n");
    write(m / "001_users.down.sql", "DROP TABLE users;\n");
    write(m / "002_fill.up.sql",
          pg ? "CREATE TABLE fill (x integer);\nSELECT pg_sleep(0.15);\n"
               "INSERT INTO fill SELECT g FROM generate_series(1, " + fill + ") g;\n"
             : "CREATE TABLE fill (x integer, pad text);\nWITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
               "LIMIT " + fill + ")\nINSERT INTO fill SELECT x, printf('%040d', x) FROM c;\n");
    // Downs are slow enough to be caught midway too.
    write(m / "002_fill.down.sql", pg ? "DELETE FROM fill;\nSELECT pg_sleep(0.1);\nDROP TABLE fill;\n"
                                      : "DELETE FROM fill;\nDROP TABLE fill;\n");
    write(m / "003_own.up.sql",
          pg ? "CREATE TABLE IF NOT EXISTS own_pre (x integer);\nBEGIN;\nCREATE TABLE IF NOT EXISTS own_t (x integer);\n"
               "SELECT pg_sleep(0.1);\nINSERT INTO own_t VALUES (1);\nCOMMIT;\n"
             : "PRAGMA foreign_keys = OFF;\nBEGIN;\nCREATE TABLE IF NOT EXISTS own_t (x integer);\n"
               "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 100000)\n"
               "INSERT INTO own_t SELECT x FROM c;\nCOMMIT;\nPRAGMA foreign_keys = ON;\n");
    write(m / "003_own.down.sql", pg ? "BEGIN;\nDROP TABLE IF EXISTS own_t;\nSELECT pg_sleep(0.1);\nCOMMIT;\n"
                                                      "DROP TABLE IF EXISTS own_pre;\n"
                                     : "BEGIN;\nDELETE FROM own_t;\nDROP TABLE own_t;\nCOMMIT;\n");
    write(m / "004_notx.up.sql",
          pg ? "-- sqlmig:no-transaction\nCREATE TABLE IF NOT EXISTS notx_t (x integer);\n"
               "CREATE INDEX CONCURRENTLY IF NOT EXISTS users_name ON users (name);\nSELECT pg_sleep(0.1);\n"
               "CREATE INDEX CONCURRENTLY IF NOT EXISTS notx_x ON notx_t (x);\n"
             : "-- sqlmig:no-transaction\nCREATE TABLE IF NOT EXISTS notx_t (x integer);\n"
               "CREATE INDEX IF NOT EXISTS users_name ON users (name);\n"
               "CREATE INDEX IF NOT EXISTS notx_x ON notx_t (x);\n");
    write(m / "004_notx.down.sql", pg ? "-- sqlmig:no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS notx_x;\n"
                                        "SELECT pg_sleep(0.1);\nDROP INDEX CONCURRENTLY IF EXISTS users_name;\n"
                                        "DROP TABLE IF EXISTS notx_t;\n"
                                      : "-- sqlmig:no-transaction\nDROP INDEX IF EXISTS notx_x;\n"
                                        "DROP INDEX IF EXISTS users_name;\nDROP TABLE IF EXISTS notx_t;\n");
    write(m / "005_late.up.sql",
          pg ? "CREATE TABLE late (x integer);\nSELECT pg_sleep(0.15);\nINSERT INTO late VALUES (5);\n"
             : "CREATE TABLE late (x integer);\nWITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
               "LIMIT 200000)\nINSERT INTO late SELECT x FROM c;\n");
    write(m / "005_late.down.sql", pg ? "SELECT pg_sleep(0.1);\nDROP TABLE late;\n" : "DELETE FROM late;\nDROP TABLE late;\n");
}

// ---- processes ------------------------------------------------------------------------

struct Exit {
    int code = -1;     // exit code, or -signal
    std::string err;
};

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

pid_t spawn(const std::string& sqlmig, const fs::path& dir, const std::vector<std::string>& args, const fs::path& log) {
    std::vector<std::string> argv = {sqlmig};
    argv.insert(argv.end(), args.begin(), args.end());
    const pid_t pid = ::fork();
    if (pid == 0) {
        if (::chdir(dir.c_str()) != 0) {
            ::_exit(126);
        }
        const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        std::vector<char*> raw;
        for (auto& a : argv) {
            raw.push_back(a.data());
        }
        raw.push_back(nullptr);
        ::execv(raw[0], raw.data());
        ::_exit(127);
    }
    return pid;
}

Exit wait_for(pid_t pid, const fs::path& log) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    Exit e;
    e.code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    e.err = slurp(log);
    return e;
}

Exit run_sqlmig(const Options& o, const fs::path& dir, const std::vector<std::string>& args) {
    const fs::path log = dir / "run.log";
    return wait_for(spawn(o.sqlmig, dir, args, log), log);
}

// ---- the database, read directly --------------------------------------------------------

class Database {
public:
    virtual ~Database() = default;
    // The first column of each row joined by ','.
    virtual std::string query(const std::string& sql) = 0;
    virtual bool has_table(const std::string& name) = 0;
    // Waits until nothing the killed client sent is still running on the server.
    virtual void settle() {}
    virtual std::string url() const = 0;
};

class SqliteDatabase final : public Database {
public:
    explicit SqliteDatabase(fs::path file) : m_file(std::move(file)) {}
    std::string query(const std::string& sql) override {
        sqlite3* raw = nullptr;
        // Read-write: a hot journal left by the kill is rolled back first, as any connection does.
        const int rc = sqlite3_open_v2(m_file.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
        std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db(raw, &sqlite3_close);
        if (rc != SQLITE_OK) {
            return "";
        }
        sqlite3_busy_timeout(db.get(), 10000);
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
            throw std::runtime_error(std::string("query failed: ") + sqlite3_errmsg(db.get()) + ": " + sql);
        }
        std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> stmt(st, &sqlite3_finalize);
        std::string out;
        int step = 0;
        while ((step = sqlite3_step(stmt.get())) == SQLITE_ROW) {
            const auto* t = sqlite3_column_text(stmt.get(), 0);
            out += (out.empty() ? "" : ",") + std::string(t ? reinterpret_cast<const char*>(t) : "NULL");
        }
        if (step != SQLITE_DONE) {
            throw std::runtime_error(std::string("query failed: ") + sqlite3_errmsg(db.get()) + ": " + sql);
        }
        return out;
    }
    bool has_table(const std::string& name) override {
        return fs::exists(m_file) &&
               query("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '" + name + "'") == "1";
    }
    std::string url() const override { return "sqlite:///" + m_file.string(); }

private:
    fs::path m_file;
};

class PostgresDatabase final : public Database {
public:
    std::string query(const std::string& sql) override { return m_db.query(sql); }
    bool has_table(const std::string& name) override {
        return query("SELECT count(*) FROM pg_class WHERE relkind = 'r' AND relname = '" + name + "'") == "1";
    }
    void settle() override {
        // A killed client's session runs on until the server notices: wait for it (it holds the lock).
        for (int i = 0; i < 600; ++i) {
            if (query("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> "
                      "pg_backend_pid()") == "0") {
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        throw std::runtime_error("a killed run's session did not end within 12 s");
    }
    std::string url() const override { return m_db.url(); }

private:
    sqlmig::test::PgDatabase m_db;
};

class MariadbDatabase final : public Database {
public:
    std::string query(const std::string& sql) override { return m_db.query(sql); }
    bool has_table(const std::string& name) override {
        return query("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND "
                     "TABLE_NAME = '" + name + "'") == "1";
    }
    void settle() override {
        // A killed client's statement runs on until the server notices: wait for its session to end.
        for (int i = 0; i < 600; ++i) {
            if (query("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND "
                      "ID <> CONNECTION_ID()") == "0") {
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        throw std::runtime_error("a killed run's session did not end within 12 s");
    }
    std::string url() const override { return m_db.url(); }

private:
    sqlmig::test::MariadbDatabase m_db;
};

std::unique_ptr<Database> make_database(const std::string& db, const fs::path& dir) {
    if (db == "postgres") {
        return std::make_unique<PostgresDatabase>();
    }
    if (db == "mariadb") {
        return std::make_unique<MariadbDatabase>();
    }
    return std::make_unique<SqliteDatabase>(dir / "app.db");
}

// ---- invariants -------------------------------------------------------------------------

std::string state_of(Database& db, const std::string& version) {
    if (!db.has_table("sqlmig_migrations")) {
        return "";
    }
    return db.query("SELECT state FROM sqlmig_migrations WHERE version = '" + version + "'");
}

// Every problem with what an interrupted run left, or none.
std::vector<std::string> check_after_interrupt(Database& db, const std::string& db_name) {
    std::vector<std::string> problems;
    for (const auto& spec : k_specs) {
        const MigrationSpec m{spec.version, spec.marker, kind_on(spec, db_name)};
        const std::string state = state_of(db, m.version);
        const bool present = db.has_table(m.marker);
        const std::string where = "migration " + m.version + " (" + m.marker + "): state '" + state + "', table " +
                                  (present ? "present" : "absent");
        if (state == "applied" && !present) {
            problems.push_back(where + ": recorded applied without its work");
        } else if (state.empty() && present && m.kind == Kind::wrapped) {
            problems.push_back(where + ": work without its record");
        } else if (state.empty() && present && m.kind == Kind::unwrapped) {
            problems.push_back(where + ": committed work silently pending");
        } else if ((state == "running" || state == "reverting" || state == "failed") && m.kind == Kind::wrapped) {
            problems.push_back(where + ": a transactional migration marked " + state);
        } else if (!state.empty() && state != "applied" && state != "running" && state != "reverting" &&
                   state != "failed") {
            problems.push_back(where + ": unknown state");
        }
    }
    // A half-filled table is a half-applied migration unless it is recorded unfinished.
    const bool fill_unfinished = kind_on(k_specs[1], db_name) == Kind::unwrapped && state_of(db, "2") != "applied";
    if (!fill_unfinished && db.has_table("fill") && db.query("SELECT count(*) FROM fill") != std::to_string(k_fill_rows)) {
        problems.push_back("fill holds " + db.query("SELECT count(*) FROM fill") + " rows, a half-applied migration");
    }
    return problems;
}

// After recovery: every migration applied exactly once, all their work there.
std::vector<std::string> check_converged(Database& db) {
    std::vector<std::string> problems;
    const std::string rows = db.query("SELECT count(*) FROM sqlmig_migrations");
    if (rows != std::to_string(k_specs.size())) {
        problems.push_back("after recovery the tracking table has " + rows + " rows");
    }
    for (const auto& m : k_specs) {
        if (state_of(db, m.version) != "applied" || !db.has_table(m.marker)) {
            problems.push_back("after recovery migration " + m.version + " is '" + state_of(db, m.version) + "'" +
                               (db.has_table(m.marker) ? "" : " without its table"));
        }
    }
    if (db.query("SELECT count(*) FROM fill") != std::to_string(k_fill_rows)) {
        problems.push_back("after recovery fill holds " + db.query("SELECT count(*) FROM fill") + " rows");
    }
    return problems;
}

// ---- scenarios ---------------------------------------------------------------------------

struct Tally {
    int trials = 0;
    int inconsistent = 0;
    std::map<std::string, int> kill_points;  // what the interrupted run had reached
    int interrupted = 0;      // trials of a scenario that interrupts a run
    int without_repair = 0;   // ... after which a plain re-run converged, no repair needed
    int one_statement = 0;    // ... after which the re-run stopped at one statement it could not resolve
    std::vector<std::string> examples;
};

class Trials {
public:
    explicit Trials(Options o) : m_o(std::move(o)), m_rng(m_o.seed ? m_o.seed : std::random_device{}()) {}

    void run() {
        for (const auto& scenario : m_o.scenarios) {
            for (const auto& db : m_o.databases) {
                if (scenario == "restart-up" && db != "postgres") {
                    continue;  // a server restart is PostgreSQL's; SQLite has no server
                }
                if (scenario == "kill-lock-wait" && db == "sqlite") {
                    continue;  // SQLite's waits are not retried (docs/production.md)
                }
                std::fprintf(stderr, "%s on %s: %d trials\n", scenario.c_str(), db.c_str(), m_o.trials);
                for (int i = 0; i < m_o.trials; ++i) {
                    trial(scenario, db, i);
                }
            }
        }
    }

    int report() const {
        int bad = 0;
        std::printf("\n| scenario | database | trials | inconsistencies | converged without repair | stopped at one "
                    "statement | interrupted at (tracking rows applied: trials) |\n");
        std::printf("|---|---|---:|---:|---:|---:|---|\n");
        for (const auto& [key, t] : m_tallies) {
            std::string points;
            for (const auto& [point, n] : t.kill_points) {
                points += (points.empty() ? "" : ", ") + point + ": " + std::to_string(n);
            }
            const int interrupted = t.interrupted;  // clang 14 cannot capture a structured binding
            const auto share = [interrupted](int n) {
                return interrupted == 0 ? std::string() : std::to_string(n * 100 / interrupted) + "%";
            };
            std::printf("| %s | %s | %d | %d | %s | %s | %s |\n", key.first.c_str(), key.second.c_str(), t.trials,
                        t.inconsistent, share(t.without_repair).c_str(), share(t.one_statement).c_str(), points.c_str());
            bad += t.inconsistent;
            for (const auto& e : t.examples) {
                std::fprintf(stderr, "  %s/%s: %s\n", key.first.c_str(), key.second.c_str(), e.c_str());
            }
        }
        std::printf("\n%d passed, %d failed\n", total_trials() - bad, bad);
        return bad == 0 ? 0 : 1;
    }

private:
    int total_trials() const {
        int n = 0;
        for (const auto& [key, t] : m_tallies) {
            n += t.trials;
        }
        return n;
    }

    // The duration of an uninterrupted run of `args` from the scenario's start state,
    // measured once per scenario and database: kills fall uniformly within it.
    double calibrate(const std::string& scenario, const std::string& db, const std::vector<std::string>& args) {
        const auto key = std::make_pair(scenario, db);
        if (auto it = m_durations.find(key); it != m_durations.end()) {
            return it->second;
        }
        const fs::path dir = m_o.work / "calibrate";
        fs::remove_all(dir);
        auto database = prepare(scenario, db, dir);
        const auto start = Clock::now();
        const Exit e = run_sqlmig(m_o, dir, args);
        const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
        if (e.code != 0) {
            throw std::runtime_error("the uninterrupted " + scenario + " run failed:\n" + e.err);
        }
        m_durations[key] = ms;
        std::fprintf(stderr, "  an uninterrupted run takes %.0f ms\n", ms);
        return ms;
    }

    // A project whose database is at the scenario's starting point.
    std::unique_ptr<Database> prepare(const std::string& scenario, const std::string& db, const fs::path& dir) {
        fs::create_directories(dir);
        write_folder(dir, db);
        auto database = make_database(db, dir);
        write(dir / "config.toml", "[database]\nurl = \"" + database->url() + "\"\n[backup]\nenabled = false\n");
        if (scenario == "kill-down" || scenario == "kill-redo" || scenario == "kill-backup" ||
            scenario == "kill-restore") {
            const Exit e = run_sqlmig(m_o, dir, {"up"});
            if (e.code != 0) {
                throw std::runtime_error("setting up " + scenario + " failed:\n" + e.err);
            }
        }
        if (scenario == "kill-restore") {
            // The backup to restore holds every migration; the database then holds none.
            for (const std::vector<std::string>& args :
                 {std::vector<std::string>{"backup", "--out", "full-backup"}, std::vector<std::string>{"down", "base"}}) {
                const Exit e = run_sqlmig(m_o, dir, args);
                if (e.code != 0) {
                    throw std::runtime_error("setting up kill-restore failed:\n" + e.err);
                }
            }
            write(dir / "config.toml", "[database]\nurl = \"" + database->url() + "\"\n");
        }
        if (scenario == "kill-schema-file") {
            write(dir / "config.toml", "[database]\nurl = \"" + database->url() +
                                           "\"\n[backup]\nenabled = false\n[dump]\nschema_file = \"schema.sql\"\n");
        }
        return database;
    }

    static std::vector<std::string> args_of(const std::string& scenario) {
        if (scenario == "kill-down") {
            return {"down", "base"};
        }
        if (scenario == "kill-redo") {
            return {"redo"};
        }
        if (scenario == "kill-stamp") {
            return {"stamp", "head"};
        }
        if (scenario == "kill-backup") {
            return {"backup"};
        }
        if (scenario == "kill-restore") {
            return {"restore", "full-backup", "--yes"};
        }
        return {"up"};
    }

    void trial(const std::string& scenario, const std::string& db, int index) {
        Tally& tally = m_tallies[{scenario, db}];
        ++tally.trials;
        std::vector<std::string> problems;
        try {
            if (scenario == "concurrent") {
                problems = concurrent(db, index);
            } else if (scenario == "kill-holder") {
                problems = kill_holder(db, index, tally);
            } else if (scenario == "kill-lock-wait") {
                problems = kill_lock_wait(db, index, tally);
            } else if (scenario == "kill-stamp" || scenario == "kill-backup" || scenario == "kill-restore" ||
                       scenario == "kill-schema-file") {
                problems = interrupted_bookkeeping(scenario, db, index, tally);
            } else {
                problems = interrupted(scenario, db, index, tally);
            }
        } catch (const std::exception& e) {
            problems.push_back(std::string("trial failed: ") + e.what());
        }
        if (!problems.empty()) {
            ++tally.inconsistent;
            if (tally.examples.size() < 5) {
                std::string joined;
                for (const auto& p : problems) {
                    joined += (joined.empty() ? "" : "; ") + p;
                }
                tally.examples.push_back("trial " + std::to_string(index) + ": " + joined);
            }
        }
    }

    std::vector<std::string> interrupted(const std::string& scenario, const std::string& db, int index, Tally& tally) {
        const auto args = args_of(scenario);
        const double duration = calibrate(scenario, db, args);
        const fs::path dir = m_o.work / (scenario + "-" + db + "-" + std::to_string(index));
        auto database = prepare(scenario, db, dir);
        std::uniform_real_distribution<double> when(0, duration);
        const auto delay = std::chrono::microseconds(static_cast<long long>(when(m_rng) * 1000));
        const fs::path log = dir / "interrupted.log";
        const pid_t pid = spawn(m_o.sqlmig, dir, args, log);
        std::this_thread::sleep_for(delay);
        if (scenario == "restart-up") {
            restart_server();
        } else {
            ::kill(pid, SIGKILL);
        }
        const Exit exit = wait_for(pid, log);
        database->settle();
        std::vector<std::string> problems;
        if (scenario == "restart-up" && exit.code != 0 && exit.code != 1) {
            problems.push_back("after a server restart sqlmig exited " + std::to_string(exit.code) + ": " + exit.err);
        }
        if (scenario == "restart-up" && exit.code == 1 && exit.err.find("sqlmig: error: ") == std::string::npos) {
            problems.push_back("after a server restart the message is not an sqlmig error: " + exit.err);
        }
        const std::string applied = database->has_table("sqlmig_migrations")
            ? database->query("SELECT count(*) FROM sqlmig_migrations WHERE state = 'applied'")
            : "0";
        const std::string unfinished = database->has_table("sqlmig_migrations")
            ? database->query("SELECT count(*) FROM sqlmig_migrations WHERE state <> 'applied'")
            : "0";
        ++tally.kill_points[applied + (unfinished != "0" ? "+unfinished" : "") +
                            (exit.code == 0 ? " (finished)" : "")];
        ++tally.interrupted;
        for (auto& p : check_after_interrupt(*database, db)) {
            problems.push_back(std::move(p));
        }
        const Exit status = run_sqlmig(m_o, dir, {"status"});
        if (status.code != 0) {
            problems.push_back("status exited " + std::to_string(status.code) + ": " + status.err);
        }
        bool converged_alone = unfinished == "0";
        if (unfinished != "0") {
            if (status.err.find("running") == std::string::npos && status.err.find("failed") == std::string::npos) {
                problems.push_back("status does not show the unfinished migration: " + status.err);
            }
            // The interrupted command again resumes it from its statement journal, or stops at the one
            // statement whose effect it cannot read back; only then does a person (repair) step in.
            const Exit resumed = run_sqlmig(m_o, dir, args);
            if (resumed.code == 0) {
                converged_alone = true;
            } else if (resumed.code == 1 && resumed.err.find("interrupted while running the statement at") !=
                                                 std::string::npos) {
                ++tally.one_statement;
                if (m_o.verbose) {
                    std::fprintf(stderr, "  stopped at one statement: %s\n", resumed.err.c_str());
                }
                const Exit repaired = run_sqlmig(m_o, dir, {"repair"});
                if (repaired.code != 0) {
                    problems.push_back("repair exited " + std::to_string(repaired.code) + ": " + repaired.err);
                }
            } else {
                problems.push_back("the interrupted " + args.front() + " run again neither resumed nor stopped at "
                                   "one statement: exit " + std::to_string(resumed.code) + ": " + resumed.err);
            }
        }
        tally.without_repair += converged_alone ? 1 : 0;
        // The interrupted command again finishes a down (a no-op when it already did).
        if (args.front() != "up") {
            const Exit again = run_sqlmig(m_o, dir, args);
            if (again.code != 0) {
                problems.push_back("the interrupted " + args.front() + " run again exited " + std::to_string(again.code) +
                                   ": " + again.err);
            }
        }
        const Exit up = run_sqlmig(m_o, dir, {"up"});
        if (up.code != 0) {
            problems.push_back("the recovering up exited " + std::to_string(up.code) + ": " + up.err);
        }
        for (auto& p : check_converged(*database)) {
            problems.push_back(std::move(p));
        }
        if (problems.empty()) {
            fs::remove_all(dir);
        }
        return problems;
    }

    // stamp is one transaction: all of its rows or none. A backup is complete under its
    // name or not there: never a truncated file that `backups` lists and `restore` takes.
    std::vector<std::string> interrupted_bookkeeping(const std::string& scenario, const std::string& db, int index,
                                                     Tally& tally) {
        const auto args = args_of(scenario);
        const double duration = calibrate(scenario, db, args);
        const fs::path dir = m_o.work / (scenario + "-" + db + "-" + std::to_string(index));
        auto database = prepare(scenario, db, dir);
        if (scenario == "kill-backup") {
            write(dir / "config.toml", "[database]\nurl = \"" + database->url() + "\"\n");
        }
        std::uniform_real_distribution<double> when(0, duration);
        const fs::path log = dir / "interrupted.log";
        const pid_t pid = spawn(m_o.sqlmig, dir, args, log);
        std::this_thread::sleep_for(std::chrono::microseconds(static_cast<long long>(when(m_rng) * 1000)));
        ::kill(pid, SIGKILL);
        const Exit exit = wait_for(pid, log);
        database->settle();
        std::vector<std::string> problems;
        if (scenario == "kill-restore") {
            restore_outcome(*database, db, dir, exit, tally, problems);
        } else if (scenario == "kill-schema-file") {
            schema_file_outcome(dir, exit, tally, problems);
        } else if (scenario == "kill-stamp") {
            const std::string rows =
                database->has_table("sqlmig_migrations") ? database->query("SELECT count(*) FROM sqlmig_migrations") : "0";
            ++tally.kill_points[rows + " rows" + (exit.code == 0 ? " (finished)" : "")];
            if (rows != "0" && rows != std::to_string(k_specs.size())) {
                problems.push_back("stamp left " + rows + " rows: part of one transaction");
            }
        } else {
            int complete = 0;
            std::error_code none_yet;  // killed before the folder was made
            for (const auto& entry : fs::directory_iterator(dir / "backups", none_yet)) {
                const std::string name = entry.path().filename().string();
                if (name.starts_with(".") || name.ends_with(".version")) {
                    continue;  // a partial file under its hidden name (allowed, never listed), or a version sidecar
                }
                ++complete;
                if (!backup_is_complete(db, entry.path())) {
                    problems.push_back("the backup " + name + " is incomplete under its final name");
                }
            }
            ++tally.kill_points[std::to_string(complete) + " backups" + (exit.code == 0 ? " (finished)" : "")];
            const Exit listed = run_sqlmig(m_o, dir, {"backups"});
            if (listed.code != 0) {
                problems.push_back("backups exited " + std::to_string(listed.code) + ": " + listed.err);
            }
        }
        const Exit status = run_sqlmig(m_o, dir, {"status"});
        if (status.code != 0) {
            problems.push_back("status exited " + std::to_string(status.code) + ": " + status.err);
        }
        if (problems.empty()) {
            fs::remove_all(dir);
        }
        return problems;
    }

    // A restore replaces the contents as a whole: the database holds none of the migrations
    // (as before) or all of them (the backup), never a mix; and the backup taken before
    // restoring is complete under its final name, or not there.
    void restore_outcome(Database& database, const std::string& db, const fs::path& dir, const Exit& exit, Tally& tally,
                         std::vector<std::string>& problems) {
        const std::string rows =
            database.has_table("sqlmig_migrations") ? database.query("SELECT count(*) FROM sqlmig_migrations") : "0";
        int markers = 0;
        for (const auto& m : k_specs) {
            markers += database.has_table(m.marker) ? 1 : 0;
        }
        const std::string all = std::to_string(k_specs.size());
        ++tally.kill_points[rows + " rows" + (exit.code == 0 ? " (finished)" : "")];
        if (!((rows == "0" && markers == 0) || (rows == all && markers == static_cast<int>(k_specs.size())))) {
            problems.push_back("restore left " + rows + " tracking rows and " + std::to_string(markers) +
                               " migrations' tables: neither the database before nor the backup");
        }
        if (db == "sqlite" && database.query("PRAGMA integrity_check") != "ok") {
            problems.push_back("integrity_check failed after the kill");
        }
        std::error_code none_yet;
        for (const auto& entry : fs::directory_iterator(dir / "backups", none_yet)) {
            const std::string name = entry.path().filename().string();
            if (!name.starts_with(".") && !name.ends_with(".version") &&
                !backup_is_complete(db, entry.path(), false)) {
                problems.push_back("the backup before restoring, " + name + ", is incomplete under its final name");
            }
        }
    }

    // The schema file is written whole or not at all: if the killed run wrote it, it is the
    // file the converged run writes.
    void schema_file_outcome(const fs::path& dir, const Exit& exit, Tally& tally, std::vector<std::string>& problems) {
        const fs::path file = dir / "schema.sql";
        const bool written = fs::exists(file);
        const std::string killed = written ? slurp(file) : "";
        int leftovers = 0;
        for (const auto& entry : fs::directory_iterator(dir)) {
            leftovers += entry.path().filename().string().starts_with("schema.sql.tmp-") ? 1 : 0;
        }
        ++tally.kill_points[std::string(written ? "written" : "not written") +
                            (leftovers ? ", a temporary file left" : "") + (exit.code == 0 ? " (finished)" : "")];
        run_sqlmig(m_o, dir, {"repair"});
        const Exit converge = run_sqlmig(m_o, dir, {"up"});
        if (converge.code != 0) {
            problems.push_back("up after the kill exited " + std::to_string(converge.code) + ": " + converge.err);
            return;
        }
        if (written && killed != slurp(file)) {
            problems.push_back("schema.sql from the killed run differs from the converged run's: written partly");
        }
    }

    static bool backup_is_complete(const std::string& db, const fs::path& file, bool with_fill = true) {
        if (db == "sqlite") {
            SqliteDatabase copy(file);
            return copy.query("PRAGMA integrity_check") == "ok" &&
                   (!with_fill || copy.query("SELECT count(*) FROM fill") == std::to_string(k_fill_rows));
        }
        if (db == "mariadb") {
            const std::string dump = slurp(file);  // mariadb-dump ends every complete dump with this line
            return dump.find("\n-- Dump completed") != std::string::npos;
        }
        const std::string cmd = "pg_restore --list " + file.string() + " >/dev/null 2>&1";
        return std::system(cmd.c_str()) == 0;
    }

    // Eight runners started together: each migration applied once, every runner exits 0.
    std::vector<std::string> concurrent(const std::string& db, int index) {
        const fs::path dir = m_o.work / ("concurrent-" + db + "-" + std::to_string(index));
        auto database = prepare("concurrent", db, dir);
        std::vector<std::pair<pid_t, fs::path>> runners;
        for (int r = 0; r < 8; ++r) {
            const fs::path log = dir / ("runner" + std::to_string(r) + ".log");
            runners.emplace_back(spawn(m_o.sqlmig, dir, {"up"}, log), log);
        }
        std::vector<std::string> problems;
        for (const auto& [pid, log] : runners) {
            const Exit e = wait_for(pid, log);
            if (e.code != 0) {
                problems.push_back("a runner exited " + std::to_string(e.code) + ": " + e.err.substr(0, 300));
            }
        }
        for (auto& p : check_converged(*database)) {
            problems.push_back(std::move(p));
        }
        if (database->query("SELECT count(*) FROM users") != "2") {
            problems.push_back("users has " + database->query("SELECT count(*) FROM users") + " rows: applied twice");
        }
        if (problems.empty()) {
            fs::remove_all(dir);
        }
        return problems;
    }

    // The lock holder killed mid-run: a waiting runner takes the lock and finishes.
    std::vector<std::string> kill_holder(const std::string& db, int index, Tally& tally) {
        const double duration = calibrate("kill-holder", db, {"up"});
        const fs::path dir = m_o.work / ("holder-" + db + "-" + std::to_string(index));
        auto database = prepare("kill-holder", db, dir);
        const pid_t holder = spawn(m_o.sqlmig, dir, {"up"}, dir / "holder.log");
        std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int>(duration / 4)));
        const pid_t waiter = spawn(m_o.sqlmig, dir, {"up"}, dir / "waiter.log");
        std::uniform_real_distribution<double> when(0, duration / 2);
        std::this_thread::sleep_for(std::chrono::microseconds(static_cast<long long>(when(m_rng) * 1000)));
        ::kill(holder, SIGKILL);
        const Exit held = wait_for(holder, dir / "holder.log");
        const Exit waited = wait_for(waiter, dir / "waiter.log");
        std::vector<std::string> problems;
        const bool unfinished = database->query("SELECT count(*) FROM sqlmig_migrations WHERE state <> 'applied'") != "0";
        ++tally.kill_points[unfinished ? "holder left a mark" : held.code == 0 ? "holder finished" : "waiter finished"];
        if (unfinished) {
            // The holder died inside a no-transaction step: the waiter must refuse, not run over it.
            if (waited.code != 3) {
                problems.push_back("the waiter exited " + std::to_string(waited.code) + " over an unfinished mark");
            }
            run_sqlmig(m_o, dir, {"repair"});
            const Exit up = run_sqlmig(m_o, dir, {"up"});
            if (up.code != 0) {
                problems.push_back("up after repair exited " + std::to_string(up.code) + ": " + up.err);
            }
        } else if (waited.code != 0) {
            problems.push_back("the waiter exited " + std::to_string(waited.code) + ": " + waited.err.substr(0, 300));
        }
        for (auto& p : check_converged(*database)) {
            problems.push_back(std::move(p));
        }
        if (problems.empty()) {
            fs::remove_all(dir);
        }
        return problems;
    }

    // A session of another client holding a lock on `users` (ACCESS SHARE; MariaDB: a metadata
    // lock) in a transaction that sleeps: psql or the mariadb client, so that the trial program
    // keeps no connection of its own. Returns once the lock is held.
    pid_t start_blocker(Database& database, const std::string& db, const fs::path& log) {
        std::vector<std::string> argv;
        std::vector<std::pair<std::string, std::string>> env;
        if (db == "postgres") {
            argv = {"psql", "-X", "-q", "-d", database.url(), "-c",
                    "BEGIN; SELECT count(*) FROM users; SELECT pg_sleep(600);"};
            env = {{"PGAPPNAME", "reliability-blocker"}};
        } else {
            static const std::regex url(R"(^[a-z]+://([^:@/]+)(?::([^@/]*))?@([^:/]+)(?::(\d+))?/([^?]+))");
            std::smatch m;
            const std::string u = database.url();
            if (!std::regex_search(u, m, url)) {
                throw std::runtime_error("cannot read the MariaDB URL for the blocker");
            }
            argv = {"mariadb", "--protocol=TCP", "-h", m[3], "-P", m[4].matched ? std::string(m[4]) : "3306",
                    "-u", m[1], m[5],
                    "-e", "START TRANSACTION; SELECT COUNT(*) FROM users; DO SLEEP(600);"};
            env = {{"MYSQL_PWD", m[2]}};
        }
        const pid_t pid = ::fork();
        if (pid == 0) {
            const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            ::dup2(fd, 1);
            ::dup2(fd, 2);
            for (const auto& [k, v] : env) {
                ::setenv(k.c_str(), v.c_str(), 1);
            }
            std::vector<char*> raw;
            for (auto& a : argv) {
                raw.push_back(a.data());
            }
            raw.push_back(nullptr);
            ::execvp(raw[0], raw.data());
            ::_exit(127);
        }
        for (int i = 0; i < 500; ++i) {
            if (blocker_session(database, db) != "") {
                return pid;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        throw std::runtime_error("the blocker never held its lock: " + slurp(log));
    }

    // The blocker's session id once it holds its lock (it sleeps after its SELECT), or "".
    static std::string blocker_session(Database& database, const std::string& db) {
        if (db == "postgres") {
            return database.query("SELECT pid FROM pg_stat_activity WHERE application_name = 'reliability-blocker' "
                                  "AND query LIKE '%pg_sleep(600)%' AND datname = current_database()");
        }
        return database.query(
            "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND INFO LIKE 'DO SLEEP(600)%'");
    }

    // Ends the blocker's session from the server's side (its sleep would not notice its client die).
    static void end_blocker(Database& database, const std::string& db, pid_t pid) {
        const std::string id = blocker_session(database, db);
        if (!id.empty()) {
            database.query(db == "postgres" ? "SELECT pg_terminate_backend(" + id + ")" : "KILL " + id);
        }
        ::waitpid(pid, nullptr, 0);
    }

    // `up` of 006, which alters `users` while another session holds a lock on it: sqlmig
    // waits, backs off and retries, and is killed at a random moment of that. Then the blocker
    // ends and a plain `up` applies 006 once (resuming it where the kill left the
    // statement-by-statement migration marked running, as on MariaDB).
    std::vector<std::string> kill_lock_wait(const std::string& db, int index, Tally& tally) {
        const fs::path dir = m_o.work / ("lockwait-" + db + "-" + std::to_string(index));
        auto database = prepare("kill-lock-wait", db, dir);
        if (const Exit e = run_sqlmig(m_o, dir, {"up"}); e.code != 0) {
            throw std::runtime_error("setting up kill-lock-wait failed:\n" + e.err);
        }
        write(dir / "migrations" / "006_note.up.sql",
              db == "postgres" ? "ALTER TABLE users ADD COLUMN note text;\nUPDATE users SET note = 'n';\n"
                               : "ALTER TABLE users ADD COLUMN IF NOT EXISTS note VARCHAR(10);\n"
                                 "UPDATE users SET note = 'n';\n");
        const pid_t blocker = start_blocker(*database, db, dir / "blocker.log");
        std::uniform_real_distribution<double> when(0, 3000);
        const fs::path log = dir / "interrupted.log";
        const pid_t pid = spawn(m_o.sqlmig, dir, {"up"}, log);
        std::this_thread::sleep_for(std::chrono::microseconds(static_cast<long long>(when(m_rng) * 1000)));
        ::kill(pid, SIGKILL);
        const Exit exit = wait_for(pid, log);
        end_blocker(*database, db, blocker);
        database->settle();
        std::vector<std::string> problems;
        std::size_t retries = 0;
        for (std::size_t at = exit.err.find("retrying in"); at != std::string::npos;
             at = exit.err.find("retrying in", at + 1)) {
            ++retries;
        }
        const std::string state = state_of(*database, "6");
        const bool column = database->query(db == "postgres"
            ? "SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'note' "
              "AND table_catalog = current_database()"
            : "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND "
              "TABLE_NAME = 'users' AND COLUMN_NAME = 'note'") == "1";
        const std::string reached = retries == 0 ? "before a retry" : retries < 4 ? "after 1-3 retries" : "after 4+ retries";
        ++tally.kill_points[reached + (state.empty() ? "" : ", 006 " + state) +
                            (exit.code >= 0 ? " (exited " + std::to_string(exit.code) + ")" : "")];
        if (exit.code >= 0) {
            problems.push_back("sqlmig exited " + std::to_string(exit.code) + " while the blocker held its lock: " +
                               exit.err);
        }
        for (auto& p : check_after_interrupt(*database, db)) {
            problems.push_back(std::move(p));
        }
        if (state == "applied" || column) {
            problems.push_back("006 is '" + state + "' with the column " + (column ? "present" : "absent") +
                               " although its lock was never granted");
        }
        if (db == "postgres" && !state.empty()) {
            problems.push_back("006 runs in one transaction, yet the kill left it '" + state + "'");
        }
        if (!state.empty() && state != "running") {
            problems.push_back("006 is '" + state + "' after the kill");
        }
        const Exit status = run_sqlmig(m_o, dir, {"status"});
        if (status.code != 0) {
            problems.push_back("status exited " + std::to_string(status.code) + ": " + status.err);
        }
        // A running mark is resumed from its statement journal by the plain up below (its ALTER is
        // idempotent by its words, its UPDATE commits with its journal entry).
        ++tally.interrupted;
        const Exit up = run_sqlmig(m_o, dir, {"up"});
        tally.without_repair += up.code == 0 ? 1 : 0;
        if (up.code != 0) {
            problems.push_back("the up after the blocker's end exited " + std::to_string(up.code) + ": " + up.err);
        }
        if (const std::string rows = database->query("SELECT count(*) FROM sqlmig_migrations"); rows != "6") {
            problems.push_back("after the up the tracking table has " + rows + " rows");
        }
        if (const std::string left = database->query("SELECT count(*) FROM sqlmig_migrations WHERE state <> 'applied'");
            left != "0") {
            problems.push_back(left + " migration(s) left not applied");
        }
        if (const std::string noted = database->query("SELECT count(*) FROM users WHERE note = 'n'"); noted != "2") {
            problems.push_back("users has " + noted + " rows with the note, not 2");
        }
        if (problems.empty()) {
            fs::remove_all(dir);
        }
        return problems;
    }

    void restart_server() const {
        const std::string cmd = m_o.pg_server + " restart >/dev/null 2>&1";
        if (std::system(cmd.c_str()) != 0) {
            throw std::runtime_error("the server restart failed: " + cmd);
        }
    }

    Options m_o;
    std::mt19937 m_rng;
    std::map<std::pair<std::string, std::string>, Tally> m_tallies;
    std::map<std::pair<std::string, std::string>, double> m_durations;
};

}  // namespace

int main(int argc, char** argv) {
    Options o;
    CLI::App app{"sqlmig crash-consistency and concurrency trials"};
    app.add_option("--sqlmig", o.sqlmig, "The sqlmig binary")->required();
    app.add_option("--pg-server", o.pg_server, "scripts/pg-test-server, for restart-up");
    app.add_option("--trials", o.trials, "Trials per scenario and database")->check(CLI::Range(1, 100000));
    app.add_option("--seed", o.seed, "Random seed (default: random)");
    app.add_flag("--verbose", o.verbose, "Print each re-run that stopped at one statement it could not resolve");
    app.add_option("--databases", o.databases, "Subset of sqlite postgres mariadb")->delimiter(',');
    app.add_option("--scenarios", o.scenarios,
                   "Subset of kill-up kill-down kill-redo restart-up concurrent kill-holder kill-stamp kill-backup "
                   "kill-restore kill-schema-file kill-lock-wait")
        ->delimiter(',');
    app.add_option("--work", o.work, "Scratch folder");
    CLI11_PARSE(app, argc, argv);
    try {
        o.sqlmig = fs::absolute(o.sqlmig).string();
        fs::create_directories(o.work);
        // No checksum cache in the home folder of whoever runs the trials.
        ::setenv("SQLMIG_CACHE_DIR", (o.work / "cache").c_str(), 1);
        Trials trials(o);
        trials.run();
        const int rc = trials.report();
        if (rc == 0) {
            fs::remove_all(o.work);
        } else {
            std::fprintf(stderr, "failed trials are kept in %s\n", o.work.c_str());
        }
        return rc;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "reliability: %s\n", e.what());
        return 2;
    }
}
