// The benchmark behind ./scripts/bench (docs/performance.md). It generates the
// workloads, runs sqlmig and the floor tools on fresh databases, interleaved,
// verifies every run's result, and prints medians, ratios and peak RSS; the raw
// samples go to a JSON file. No timing is asserted: a failed verification is
// the only way this program fails.
#include <libpq-fe.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "util/json.hpp"

namespace fs = std::filesystem;
using sqlmig::util::Json;

namespace {

struct Options {
    std::string sqlmig;
    std::string pqexec;
    std::string pg_url;
    fs::path work = fs::temp_directory_path() / "sqlmig-bench";
    std::string json_out = "bench-results.json";
    int runs = 3;
    int w1_migrations = 1000;
    int w2_statements = 200000;
    int w5_megabytes = 1000;
    int w6_migrations = 10000;
    int w7_megabytes = 50;
    int fleet_targets = 1000;
    int fleet_parallel = 16;
    int fleet_migrations = 10;
    std::vector<std::string> workloads = {"W1", "W2", "W3", "W5", "W6", "W7", "W8", "F1", "F2", "V1", "D1", "D2"};
    std::vector<std::string> databases = {"postgres", "sqlite"};
};

struct Sample {
    std::string workload, database, tool;
    int run = 0;
    double wall_ms = 0;
    long rss_kb = 0;
};

[[noreturn]] void fail(const std::string& what) {
    throw std::runtime_error(what);
}

// ---- processes --------------------------------------------------------------

struct Measured {
    double wall_ms = 0;
    long rss_kb = 0;
};

// Runs argv with stdout/stderr into log; fails unless it exits 0.
// Runs argv with env ("NAME=value") added to the environment; fails unless it exits 0.
Measured run(const std::vector<std::string>& argv, const fs::path& log, const std::vector<std::string>& env = {}) {
    std::vector<char*> args;
    for (const auto& a : argv) {
        args.push_back(const_cast<char*>(a.c_str()));
    }
    args.push_back(nullptr);
    const auto start = std::chrono::steady_clock::now();
    const pid_t pid = ::fork();
    if (pid == 0) {
        const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        for (const auto& e : env) {
            ::putenv(const_cast<char*>(e.c_str()));
        }
        ::execvp(args[0], args.data());
        std::perror(args[0]);
        ::_exit(127);
    }
    int status = 0;
    rusage usage{};
    ::wait4(pid, &status, 0, &usage);
    const auto end = std::chrono::steady_clock::now();
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::ifstream in(log);
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        fail(argv[0] + " failed (" + log.string() + "):\n" + text.substr(0, 2000));
    }
    return {std::chrono::duration<double, std::milli>(end - start).count(), usage.ru_maxrss};
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// ---- databases --------------------------------------------------------------

std::string pg_scalar(const std::string& url, const std::string& sql) {
    std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(url.c_str()), &PQfinish);
    if (PQstatus(conn.get()) != CONNECTION_OK) {
        fail("cannot connect to " + url + ": " + PQerrorMessage(conn.get()));
    }
    std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(conn.get(), sql.c_str()), &PQclear);
    const auto status = PQresultStatus(r.get());
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
        fail(sql + ": " + PQerrorMessage(conn.get()));
    }
    return status == PGRES_TUPLES_OK && PQntuples(r.get()) > 0 ? PQgetvalue(r.get(), 0, 0) : "";
}

std::string sqlite_scalar(const fs::path& db, const std::string& sql) {
    sqlite3* raw = nullptr;
    sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
    std::unique_ptr<sqlite3, decltype(&sqlite3_close)> handle(raw, &sqlite3_close);
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(raw, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
        fail(sql + ": " + sqlite3_errmsg(raw));
    }
    std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> stmt(st, &sqlite3_finalize);
    return sqlite3_step(st) == SQLITE_ROW ? reinterpret_cast<const char*>(sqlite3_column_text(st, 0)) : "";
}

// A fresh, empty database for one run: its URL (sqlmig's form) and how to query it.
struct Target {
    std::string database;  // postgres | sqlite
    std::string url;       // for sqlmig and psql
    fs::path sqlite_file;
    std::string scalar(const std::string& sql) const {
        return database == "postgres" ? pg_scalar(url, sql) : sqlite_scalar(sqlite_file, sql);
    }
};

Target fresh_target(const Options& o, const std::string& database, const std::string& name) {
    if (database == "sqlite") {
        const fs::path file = o.work / (name + ".db");
        for (const char* suffix : {"", "-journal", "-wal", "-shm", "-sqlmig-lock"}) {
            fs::remove(file.string() + suffix);
        }
        return {database, "sqlite:///" + file.string(), file};
    }
    pg_scalar(o.pg_url, "DROP DATABASE IF EXISTS " + name);
    pg_scalar(o.pg_url, "CREATE DATABASE " + name);
    return {database, o.pg_url.substr(0, o.pg_url.rfind('/') + 1) + name, {}};
}

// ---- workloads --------------------------------------------------------------

void write(const fs::path& file, const std::string& text) {
    std::ofstream(file, std::ios::binary) << text;
}

std::string padded(int i, int width) {
    std::string s = std::to_string(i);
    return std::string(width > static_cast<int>(s.size()) ? width - s.size() : 0, '0') + s;
}

// W1: n migrations of CREATE TABLE + CREATE INDEX with downs, and the floor scripts
// that run each in its own transaction in one psql / sqlite3 process.
fs::path make_w1(const Options& o, int n) {
    const fs::path dir = o.work / ("w1-" + std::to_string(n));
    fs::remove_all(dir);
    fs::create_directories(dir / "migrations");
    std::string psql, sqlite;
    for (int i = 1; i <= n; ++i) {
        const std::string v = padded(i, 5), t = "t" + v;
        const fs::path up = dir / "migrations" / (v + "_create_" + t + ".up.sql");
        write(up, "CREATE TABLE " + t + " (id bigint PRIMARY KEY, name text NOT NULL, created_at timestamp);\n"
                  "CREATE INDEX " + t + "_name ON " + t + " (name);\n");
        write(dir / "migrations" / (v + "_create_" + t + ".down.sql"), "DROP TABLE " + t + ";\n");
        psql += "BEGIN;\n\\i " + up.string() + "\nCOMMIT;\n";
        sqlite += "BEGIN;\n.read " + up.string() + "\nCOMMIT;\n";
    }
    write(dir / "floor.psql", psql);
    write(dir / "floor.sqlite", sqlite);
    return dir;
}

// W2/W5: one migration: a table and single-row INSERTs, `bytes_per_row` long each.
fs::path make_inserts(const Options& o, const std::string& name, long rows, int bytes_per_row) {
    const fs::path dir = o.work / name;
    fs::remove_all(dir);
    fs::create_directories(dir / "migrations");
    const fs::path file = dir / "migrations" / "00001_load.up.sql";
    std::ofstream out(file, std::ios::binary);
    out << "CREATE TABLE load (id bigint PRIMARY KEY, name text NOT NULL, note text);\n";
    const std::string filler(static_cast<std::size_t>(std::max(bytes_per_row - 60, 1)), 'x');
    for (long i = 1; i <= rows; ++i) {
        out << "INSERT INTO load VALUES (" << i << ", 'name " << i << "', 'it''s row " << i << " " << filler << "');\n";
    }
    out.close();
    write(dir / "floor.sqlite", "BEGIN;\n.read " + file.string() + "\nCOMMIT;\n");
    return dir;
}

// W7: one migration holding one statement of `megabytes` MB on one line: memory
// must stay bounded by the statement, held once (plus what the database holds).
fs::path make_w7(const Options& o, int megabytes) {
    const fs::path dir = o.work / "w7";
    fs::remove_all(dir);
    fs::create_directories(dir / "migrations");
    const fs::path file = dir / "migrations" / "00001_huge.up.sql";
    std::ofstream out(file, std::ios::binary);
    out << "CREATE TABLE huge (v text);\nINSERT INTO huge VALUES ('"
        << std::string(static_cast<std::size_t>(megabytes) * 1024 * 1024, 'x') << "');\n";
    out.close();
    write(dir / "floor.sqlite", "BEGIN;\n.read " + file.string() + "\nCOMMIT;\n");
    return dir;
}

// W6: n tiny migrations, recorded with `stamp head` before measuring.
fs::path make_w6(const Options& o, int n) {
    const fs::path dir = o.work / ("w6-" + std::to_string(n));
    fs::remove_all(dir);
    fs::create_directories(dir / "migrations");
    for (int i = 1; i <= n; ++i) {
        write(dir / "migrations" / (padded(i, 5) + "_step.up.sql"), "SELECT " + std::to_string(i) + ";\n");
    }
    return dir;
}

const char* k_status_query = "SELECT version, checksum, state FROM sqlmig_migrations ORDER BY version";

// ---- running ----------------------------------------------------------------

class Bench {
public:
    explicit Bench(Options o) : m_o(std::move(o)) {}

    void run_all() {
        fs::create_directories(m_o.work);
        for (const auto& w : m_o.workloads) {
            for (const auto& db : m_o.databases) {
                if (w == "W1") {
                    w1(db);
                } else if (w == "W2") {
                    inserts("W2", db, m_o.w2_statements, 170);
                } else if (w == "W3") {
                    w3(db);
                } else if (w == "W5") {
                    inserts("W5", db, static_cast<long>(m_o.w5_megabytes) * 1000, 1000);
                } else if (w == "W6") {
                    w6(db);
                } else if (w == "W7") {
                    huge_statement(db);
                } else if (w == "W8") {
                    lint_folder(db);
                } else if (w == "F1" || w == "F2") {
                    if (db == "postgres") {
                        fleet(w);
                    }
                } else if (w == "V1") {
                    verify_w1_folder(db);
                } else if (w == "D1") {
                    drift_w1_database(db);
                } else if (w == "D2") {
                    if (db == "postgres") {
                        fleet_drift();
                    }
                } else {
                    fail("unknown workload " + w);
                }
            }
        }
    }

    void report() const {
        print_table();
        write_json();
    }

private:
    std::vector<std::string> sqlmig(const Target& t, const fs::path& dir, std::vector<std::string> args) const {
        std::vector<std::string> argv = {m_o.sqlmig, "--database", t.url, "--dir", (dir / "migrations").string()};
        argv.insert(argv.end(), args.begin(), args.end());
        return argv;
    }

    std::vector<std::string> floor_tool(const Target& t, const fs::path& script) const {
        if (t.database == "postgres") {
            return {"psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", t.url, "-f", script.string()};
        }
        return {"sqlite3", "-bail", t.sqlite_file.string(), ".read " + script.string()};
    }

    void record(const std::string& w, const std::string& db, const std::string& tool, int i, const Measured& m) {
        m_samples.push_back({w, db, tool, i, m.wall_ms, m.rss_kb});
        std::fprintf(stderr, "  %-3s %-8s %-14s run %d: %9.1f ms %7.1f MB\n", w.c_str(), db.c_str(), tool.c_str(), i,
                     m.wall_ms, static_cast<double>(m.rss_kb) / 1024);
    }

    static void expect(const std::string& what, const std::string& got, const std::string& want) {
        if (got != want) {
            fail("verification failed: " + what + ": got '" + got + "', expected '" + want + "'");
        }
    }

    static void verify_w1(const Target& t, int n) {
        const std::string tables = t.database == "postgres"
            ? "SELECT count(*) FROM pg_class WHERE relkind = 'r' AND relname ~ '^t[0-9]+$'"
            : "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name GLOB 't[0-9]*'";
        const std::string indexes = t.database == "postgres"
            ? "SELECT count(*) FROM pg_class WHERE relkind = 'i' AND relname ~ '^t[0-9]+_name$'"
            : "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name GLOB 't[0-9]*_name'";
        expect("W1 tables", t.scalar(tables), std::to_string(n));
        expect("W1 indexes", t.scalar(indexes), std::to_string(n));
    }

    // W1 leaves its last sqlmig database for W3.
    void w1(const std::string& db) {
        const int n = m_o.w1_migrations;
        const fs::path dir = make_w1(m_o, n);
        for (int i = 1; i <= m_o.runs; ++i) {
            const Target a = fresh_target(m_o, db, "bench_w1_sqlmig");
            record("W1", db, "sqlmig", i, run(sqlmig(a, dir, {"up", "--no-backup", "-q"}), m_o.work / "log"));
            verify_w1(a, n);
            expect("W1 tracking rows", a.scalar("SELECT count(*) FROM sqlmig_migrations"), std::to_string(n));
            const Target b = fresh_target(m_o, db, "bench_w1_floor");
            const std::string tool = db == "postgres" ? "psql" : "sqlite3";
            record("W1", db, tool, i, run(floor_tool(b, dir / ("floor." + std::string(db == "postgres" ? "psql" : "sqlite"))),
                                          m_o.work / "log"));
            verify_w1(b, n);
        }
        m_w1_dir[db] = dir;
    }

    void w3(const std::string& db) {
        if (!m_w1_dir.count(db)) {
            w1(db);
        }
        status_runs("W3", db, m_w1_dir[db], fresh_target_name(db, "bench_w1_sqlmig"), m_o.w1_migrations);
    }

    void w6(const std::string& db) {
        const int n = m_o.w6_migrations;
        const fs::path dir = make_w6(m_o, n);
        const Target t = fresh_target(m_o, db, "bench_w6");
        run(sqlmig(t, dir, {"stamp", "head", "-q"}), m_o.work / "log");
        // sqlmig caches the checksums of files older than 2 s only; a project's
        // migration files are older than that, the ones just generated are not.
        std::this_thread::sleep_for(std::chrono::milliseconds(2100));
        expect("W6 tracking rows", t.scalar("SELECT count(*) FROM sqlmig_migrations"), std::to_string(n));
        status_runs("W6", db, dir, t, n);
    }

    Target fresh_target_name(const std::string& db, const std::string& name) const {
        if (db == "sqlite") {
            const fs::path file = m_o.work / (name + ".db");
            return {db, "sqlite:///" + file.string(), file};
        }
        return {db, m_o.pg_url.substr(0, m_o.pg_url.rfind('/') + 1) + name, {}};
    }

    // `sqlmig status` with everything applied, against one query of the tracking table.
    void status_runs(const std::string& w, const std::string& db, const fs::path& dir, const Target& t, int n) {
        const fs::path query = m_o.work / "status.sql";
        write(query, std::string(k_status_query) + ";\n");
        // The first status writes the checksum cache; the "sqlmig" rows measure the
        // ones after it, and the "no cache" rows what a first status costs.
        run(sqlmig(t, dir, {"status"}), m_o.work / "status.out");
        for (int i = 1; i <= std::max(m_o.runs, 5); ++i) {
            const fs::path out = m_o.work / "status.out";
            // With the checksum cache as a user has it from the second status on, and
            // without: every applied file read and hashed, as on the first status ever.
            for (const std::string tool : {"sqlmig", "sqlmig, no cache"}) {
                const std::vector<std::string> env =
                    tool == "sqlmig" ? std::vector<std::string>{} : std::vector<std::string>{"SQLMIG_CACHE_DIR=off"};
                record(w, db, tool, i, run(sqlmig(t, dir, {"status"}), out, env));
                const std::string text = read_file(out);
                if (text.find("pending:  0") == std::string::npos || text.find(padded(n, 5)) == std::string::npos) {
                    fail(w + ": status did not list all " + std::to_string(n) + " applied migrations:\n" +
                         text.substr(0, 500));
                }
            }
            // The floor: a C program that connects (or opens the file) and runs that one query.
            const std::string floor = db == "postgres" ? "libpq, one query" : "sqlite3 API, one query";
            const fs::path program = fs::path(m_o.pqexec).parent_path() /
                                     (db == "postgres" ? "pq_query_floor" : "sqlite_query_floor");
            record(w, db, floor, i,
                   run({program.string(), db == "postgres" ? t.url : t.sqlite_file.string(), k_status_query},
                       m_o.work / "floor.out"));
            const std::string rows = read_file(m_o.work / "floor.out");
            if (std::count(rows.begin(), rows.end(), '\n') != n) {
                fail(w + ": the floor did not read all " + std::to_string(n) + " rows");
            }
            record(w, db, db == "postgres" ? "psql" : "sqlite3", i, run(floor_tool(t, query), m_o.work / "log"));
        }
    }

    // ---- fleets (PostgreSQL) --------------------------------------------------

    // F1: fleet_targets databases, F2: as many schemas of one database; each gets
    // fleet_migrations migrations by `sqlmig fleet up --parallel P`, then `fleet status`,
    // against fleet_floor doing the same SQL over as many connections.
    fs::path make_fleet_folder() const {
        const fs::path dir = m_o.work / "fleet";
        fs::remove_all(dir);
        fs::create_directories(dir / "migrations");
        for (int i = 1; i <= m_o.fleet_migrations; ++i) {
            const std::string v = padded(i, 3), t = "m" + v;
            write(dir / "migrations" / (v + "_" + t + ".up.sql"),
                  "CREATE TABLE " + t + " (id bigint PRIMARY KEY, name text NOT NULL, created_at timestamptz DEFAULT now());\n"
                  "CREATE INDEX " + t + "_name ON " + t + " (name);\n"
                  "INSERT INTO " + t + " (id, name) SELECT g, 'name ' || g FROM generate_series(1, 100) g;\n");
            write(dir / "migrations" / (v + "_" + t + ".down.sql"), "DROP TABLE " + t + ";\n");
        }
        return dir;
    }

    std::vector<std::string> fleet_floor(const std::string& mode, const fs::path& targets, const std::string& schemas_url,
                                         std::vector<std::string> args) const {
        std::vector<std::string> argv = {(fs::path(m_o.pqexec).parent_path() / "fleet_floor").string(), mode,
                                         "--targets", targets.string(), "--parallel",
                                         std::to_string(m_o.fleet_parallel)};
        if (!schemas_url.empty()) {
            argv.insert(argv.end(), {"--schemas", schemas_url});
        }
        argv.insert(argv.end(), args.begin(), args.end());
        return argv;
    }

    // targets=N rows=R from fleet_floor's output.
    static long floor_rows(const fs::path& out) {
        const std::string text = read_file(out);
        const auto at = text.find("rows=");
        return at == std::string::npos ? -1 : std::atol(text.c_str() + at + 5);
    }

    void fleet(const std::string& w) {
        const bool schemas = w == "F2";
        const int n = m_o.fleet_targets;
        const fs::path dir = make_fleet_folder();
        const fs::path targets = m_o.work / "fleet-targets.txt";
        const std::string base = m_o.pg_url.substr(0, m_o.pg_url.rfind('/') + 1);
        const std::string schemas_url = schemas ? base + "bench_fleet_schemas" : "";
        std::string lines, create;
        for (int i = 1; i <= n; ++i) {
            const std::string name = (schemas ? "tenant_" : "bench_fleet_") + padded(i, 4);
            lines += name + " " + (schemas ? schemas_url : base + name) + "\n";
            if (schemas) {
                create += "DROP SCHEMA IF EXISTS " + name + " CASCADE; CREATE SCHEMA " + name + ";\n";
            }
        }
        write(targets, lines);
        std::fprintf(stderr, "%s: %d %s\n", w.c_str(), n, schemas ? "schemas" : "databases");
        const auto reset = [&] {
            if (schemas) {
                pg_scalar(m_o.pg_url, "DROP DATABASE IF EXISTS bench_fleet_schemas");
                pg_scalar(m_o.pg_url, "CREATE DATABASE bench_fleet_schemas");
                pg_scalar(schemas_url, "BEGIN;\n" + create + "COMMIT;");
            } else {
                write(m_o.work / "reset.sql", "DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
                run(fleet_floor("apply", targets, "", {"--file", (m_o.work / "reset.sql").string()}), m_o.work / "log");
            }
        };
        if (!schemas) {
            for (int i = 1; i <= n; ++i) {
                const std::string name = "bench_fleet_" + padded(i, 4);
                pg_scalar(m_o.pg_url, "DROP DATABASE IF EXISTS " + name);
                pg_scalar(m_o.pg_url, "CREATE DATABASE " + name);
            }
        }
        write(dir / "config.toml", "[fleet]\n" + std::string(schemas ? "schemas = \"tenant\\\\_%\"\nurl = \"" + schemas_url + "\"\n"
                                                                      : "targets_file = \"" + targets.string() + "\"\n") +
                                       "[backup]\nenabled = false\n");
        const std::string tracking = schemas ? "SELECT version, checksum, state FROM \"{schema}\".sqlmig_migrations ORDER BY version"
                                             : k_status_query;
        std::vector<std::string> files;
        for (const auto& f : fs::directory_iterator(dir / "migrations")) {
            if (f.path().string().ends_with(".up.sql")) {
                files.push_back(f.path().string());
            }
        }
        std::sort(files.begin(), files.end());
        std::vector<std::string> apply_args;
        for (const auto& f : files) {
            apply_args.insert(apply_args.end(), {"--file", f});
        }
        const std::string parallel = std::to_string(m_o.fleet_parallel);
        const auto sqlmig_fleet = [&](std::vector<std::string> args) {
            std::vector<std::string> argv = {m_o.sqlmig, "--config", (dir / "config.toml").string(), "fleet"};
            argv.insert(argv.end(), args.begin(), args.end());
            return argv;
        };
        const std::string want_rows = std::to_string(static_cast<long>(n) * m_o.fleet_migrations);
        for (int i = 1; i <= m_o.runs; ++i) {
            reset();
            record(w, "postgres", "sqlmig fleet up", i, run(sqlmig_fleet({"up", "--parallel", parallel, "-q"}), m_o.work / "fleet.out"));
            run(fleet_floor("query", targets, schemas_url, {"--sql", tracking}), m_o.work / "floor.out");
            expect(w + " tracking rows after fleet up", std::to_string(floor_rows(m_o.work / "floor.out")), want_rows);
            record(w, "postgres", "sqlmig fleet status", i,
                   run(sqlmig_fleet({"status", "--parallel", parallel, "-q", "--json"}), m_o.work / "fleet.out"));
            if (read_file(m_o.work / "fleet.out").find("\"at head\": " + std::to_string(n)) == std::string::npos) {
                fail(w + ": fleet status did not find every target at head:\n" + read_file(m_o.work / "fleet.out").substr(0, 500));
            }
            record(w, "postgres", "floor: status query", i,
                   run(fleet_floor("query", targets, schemas_url, {"--sql", tracking}), m_o.work / "floor.out"));
            expect(w + " floor rows", std::to_string(floor_rows(m_o.work / "floor.out")), want_rows);
            reset();
            record(w, "postgres", "floor: apply", i, run(fleet_floor("apply", targets, schemas_url, apply_args), m_o.work / "floor.out"));
            run(fleet_floor("query", targets, schemas_url,
                            {"--sql", schemas ? "SELECT 1 FROM pg_tables WHERE schemaname = '{schema}' AND tablename LIKE 'm%'"
                                              : "SELECT 1 FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'm%'"}),
                m_o.work / "floor.out");
            expect(w + " floor tables", std::to_string(floor_rows(m_o.work / "floor.out")), want_rows);
        }
        if (schemas) {
            pg_scalar(m_o.pg_url, "DROP DATABASE IF EXISTS bench_fleet_schemas");
        } else {
            for (int i = 1; i <= n; ++i) {
                pg_scalar(m_o.pg_url, "DROP DATABASE IF EXISTS bench_fleet_" + padded(i, 4));
            }
        }
    }

    // ---- the scratch path (verify, drift, fleet drift) --------------------------
    // No floor: the targets are absolute (issue 26: V1 at most 30 s on PostgreSQL and 15 s on
    // SQLite, D1 at most 10 s, D2 at most 30 s; docs/performance.md).

    // Runs a sqlmig command whose stdout must contain `want`; records its time.
    void timed_check(const std::string& w, const std::string& db, const std::string& tool, int i,
                     const std::vector<std::string>& argv, const std::string& want) {
        const fs::path out = m_o.work / (w + ".out");
        record(w, db, tool, i, run(argv, out));
        const std::string text = read_file(out);
        if (text.find(want) == std::string::npos) {
            fail(w + ": expected '" + want + "' in the output of " + tool + ":\n" + text.substr(0, 500));
        }
    }

    // V1: `sqlmig verify` of W1's folder (every down checked on a scratch database sqlmig makes).
    void verify_w1_folder(const std::string& db) {
        const int n = m_o.w1_migrations;
        const fs::path dir = make_w1(m_o, n);
        const Target t = fresh_target(m_o, db, "bench_v1");
        for (int i = 1; i <= m_o.runs; ++i) {
            timed_check("V1", db, "sqlmig verify", i, sqlmig(t, dir, {"verify", "-q"}),
                        std::to_string(n) + " reversible, 0 not, 0 unchecked");
        }
    }

    // The setup's dirty pages written out before a measured run: PostgreSQL's DROP DATABASE (the
    // scratch database's, at the end of drift) waits for a checkpoint, which would otherwise write
    // the 1000 migrations the setup just applied, inside drift's time.
    void settle(const std::string& db) const {
        if (db == "postgres") {
            pg_scalar(m_o.pg_url, "CHECKPOINT");
        }
    }

    // D1: `sqlmig drift` of a database at W1's head: a replay of its 1000 migrations on a scratch
    // database and both schemas compared.
    void drift_w1_database(const std::string& db) {
        const int n = m_o.w1_migrations;
        const fs::path dir = make_w1(m_o, n);
        const Target t = fresh_target(m_o, db, "bench_d1");
        run(sqlmig(t, dir, {"up", "--no-backup", "-q"}), m_o.work / "log");
        verify_w1(t, n);
        settle(db);
        for (int i = 1; i <= m_o.runs; ++i) {
            timed_check("D1", db, "sqlmig drift", i, sqlmig(t, dir, {"drift", "-q"}),
                        "no drift: the database matches its " + std::to_string(n) + " applied migrations");
        }
    }

    // D2: `sqlmig fleet drift` of fleet_targets databases, half of them one migration behind:
    // two applied states, so two replays.
    void fleet_drift() {
        const int n = m_o.fleet_targets;
        const fs::path dir = make_fleet_folder();
        const std::string base = m_o.pg_url.substr(0, m_o.pg_url.rfind('/') + 1);
        std::string head, behind;
        for (int i = 1; i <= n; ++i) {
            const std::string name = "bench_drift_" + padded(i, 4);
            pg_scalar(m_o.pg_url, "DROP DATABASE IF EXISTS " + name);
            pg_scalar(m_o.pg_url, "CREATE DATABASE " + name);
            (i % 2 ? head : behind) += name + " " + base + name + "\n";
        }
        const auto fleet_with = [&](const std::string& targets, std::vector<std::string> args) {
            write(m_o.work / "drift-targets.txt", targets);
            write(dir / "config.toml", "[fleet]\ntargets_file = \"" + (m_o.work / "drift-targets.txt").string() +
                                           "\"\n[backup]\nenabled = false\n");
            std::vector<std::string> argv = {m_o.sqlmig, "--config", (dir / "config.toml").string(), "fleet"};
            argv.insert(argv.end(), args.begin(), args.end());
            return argv;
        };
        const std::string parallel = std::to_string(m_o.fleet_parallel);
        run(fleet_with(head, {"up", "--parallel", parallel, "-q"}), m_o.work / "fleet.out");
        run(fleet_with(behind, {"up", std::to_string(m_o.fleet_migrations - 1), "--parallel", parallel, "-q"}),
            m_o.work / "fleet.out");
        settle("postgres");
        std::fprintf(stderr, "D2: %d databases at two versions\n", n);
        for (int i = 1; i <= m_o.runs; ++i) {
            timed_check("D2", "postgres", "sqlmig fleet drift", i,
                        fleet_with(head + behind, {"drift", "--parallel", parallel, "-q", "--json"}), "\"ok\": true");
            // Targets at the same applied state share one replay (issue 26): two states, two replays.
            if (read_file(m_o.work / "D2.out").find("\"replays\": 2") == std::string::npos) {
                fail("D2: fleet drift did not share its replays between the targets at the same version");
            }
        }
        for (int i = 1; i <= n; ++i) {
            pg_scalar(m_o.pg_url, "DROP DATABASE IF EXISTS bench_drift_" + padded(i, 4));
        }
    }

    void inserts(const std::string& w, const std::string& db, long rows, int bytes_per_row) {
        const fs::path dir = make_inserts(m_o, w == "W2" ? "w2" : "w5", rows, bytes_per_row);
        const fs::path file = dir / "migrations" / "00001_load.up.sql";
        std::fprintf(stderr, "%s: %ld statements, %.1f MB\n", w.c_str(), rows,
                     static_cast<double>(fs::file_size(file)) / 1e6);
        const std::string count = "SELECT count(*) FROM load";
        for (int i = 1; i <= m_o.runs; ++i) {
            const Target a = fresh_target(m_o, db, "bench_load_sqlmig");
            record(w, db, "sqlmig", i, run(sqlmig(a, dir, {"up", "--no-backup", "-q"}), m_o.work / "log"));
            expect(w + " rows", a.scalar(count), std::to_string(rows));
            const Target b = fresh_target(m_o, db, "bench_load_floor");
            if (db == "postgres") {
                record(w, db, "PQexec", i, run({m_o.pqexec, b.url, file.string()}, m_o.work / "log"));
            } else {
                record(w, db, "sqlite3", i, run(floor_tool(b, dir / "floor.sqlite"), m_o.work / "log"));
            }
            expect(w + " rows (floor)", b.scalar(count), std::to_string(rows));
            if (db == "postgres") {
                pg_scalar(m_o.pg_url, "DROP DATABASE bench_load_floor");
                pg_scalar(m_o.pg_url, "DROP DATABASE bench_load_sqlmig");
            } else {
                fs::remove(a.sqlite_file);
                fs::remove(b.sqlite_file);
            }
        }
        if (w == "W5") {
            fs::remove_all(dir);  // about 1 GB
        }
    }

    // W8: `sqlmig lint` of W1's folder (1000 migrations with downs), offline; no floor:
    // the target is absolute (under 200 ms, docs/lint.md).
    void lint_folder(const std::string& db) {
        const fs::path dir = make_w1(m_o, m_o.w1_migrations);
        const std::vector<std::string> argv = {m_o.sqlmig, "--dir", (dir / "migrations").string(), "lint",
                                               "--dialect", db};
        for (int i = 1; i <= std::max(m_o.runs, 5); ++i) {
            const fs::path out = m_o.work / "lint.out";
            record("W8", db, "sqlmig lint", i, run(argv, out));
            const std::string text = read_file(out);
            if (text.find("in " + std::to_string(m_o.w1_migrations) + " migration(s)") == std::string::npos) {
                fail("W8: lint did not read all " + std::to_string(m_o.w1_migrations) + " migrations:\n" +
                     text.substr(0, 500));
            }
        }
    }

    void huge_statement(const std::string& db) {
        const fs::path dir = make_w7(m_o, m_o.w7_megabytes);
        const fs::path file = dir / "migrations" / "00001_huge.up.sql";
        const std::string length = "SELECT length(v) FROM huge";
        const std::string want = std::to_string(static_cast<long>(m_o.w7_megabytes) * 1024 * 1024);
        for (int i = 1; i <= m_o.runs; ++i) {
            const Target a = fresh_target(m_o, db, "bench_huge_sqlmig");
            record("W7", db, "sqlmig", i, run(sqlmig(a, dir, {"up", "--no-backup", "-q"}), m_o.work / "log"));
            expect("W7 length", a.scalar(length), want);
            const Target b = fresh_target(m_o, db, "bench_huge_floor");
            if (db == "postgres") {
                record("W7", db, "PQexec", i, run({m_o.pqexec, b.url, file.string()}, m_o.work / "log"));
                pg_scalar(m_o.pg_url, "DROP DATABASE bench_huge_floor");
                pg_scalar(m_o.pg_url, "DROP DATABASE bench_huge_sqlmig");
            } else {
                record("W7", db, "sqlite3", i, run(floor_tool(b, dir / "floor.sqlite"), m_o.work / "log"));
                fs::remove(a.sqlite_file);
                fs::remove(b.sqlite_file);
            }
        }
        fs::remove_all(dir);
    }

    static double median(std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
    }

    void print_table() const {
        // workload/database -> tool -> samples, in the order they were first seen
        std::vector<std::pair<std::string, std::string>> groups;
        for (const auto& s : m_samples) {
            if (std::find(groups.begin(), groups.end(), std::make_pair(s.workload, s.database)) == groups.end()) {
                groups.emplace_back(s.workload, s.database);
            }
        }
        std::printf("\n| workload | database | tool | median ms | ratio to floor | peak RSS MB | min–max ms | runs |\n");
        std::printf("|---|---|---|---:|---:|---:|---:|---:|\n");
        for (const auto& [w, db] : groups) {
            std::vector<std::string> tools;
            std::map<std::string, std::vector<double>> wall;
            std::map<std::string, long> rss;
            for (const auto& s : m_samples) {
                if (s.workload == w && s.database == db) {
                    if (!wall.count(s.tool)) {
                        tools.push_back(s.tool);
                    }
                    wall[s.tool].push_back(s.wall_ms);
                    rss[s.tool] = std::max(rss[s.tool], s.rss_kb);
                }
            }
            const auto is_sqlmig = [](const std::string& tool) { return tool.starts_with("sqlmig"); };
            const auto first_floor = std::find_if_not(tools.begin(), tools.end(), is_sqlmig);
            // A fleet's up and status each have their own floor; elsewhere the first other tool is it.
            const auto floor_of = [&](const std::string& tool) {
                const std::string own = tool == "sqlmig fleet up" ? "floor: apply"
                                        : tool == "sqlmig fleet status" ? "floor: status query" : "";
                if (!own.empty()) {
                    return wall.count(own) ? median(wall.at(own)) : 0.0;
                }
                return first_floor != tools.end() ? median(wall.at(*first_floor)) : 0.0;
            };
            for (const auto& tool : tools) {
                const auto& v = wall[tool];
                const double m = median(v);
                const double floor = floor_of(tool);
                char ratio[32] = "";
                if (is_sqlmig(tool) && floor > 0) {
                    std::snprintf(ratio, sizeof ratio, "%.2f×", m / floor);
                }
                std::printf("| %s | %s | %s | %.1f | %s | %.1f | %.1f–%.1f | %zu |\n", w.c_str(), db.c_str(),
                            tool.c_str(), m, ratio, static_cast<double>(rss.at(tool)) / 1024,
                            *std::min_element(v.begin(), v.end()), *std::max_element(v.begin(), v.end()), v.size());
            }
        }
    }

    void write_json() const {
        Json samples = Json::array();
        for (const auto& s : m_samples) {
            samples.push(Json::object()
                             .set("workload", s.workload)
                             .set("database", s.database)
                             .set("tool", s.tool)
                             .set("run", s.run)
                             .set("wall_us", static_cast<std::int64_t>(s.wall_ms * 1000))
                             .set("peak_rss_kb", static_cast<std::int64_t>(s.rss_kb)));
        }
        Json doc = Json::object()
                       .set("runs", m_o.runs)
                       .set("w1_migrations", m_o.w1_migrations)
                       .set("w2_statements", m_o.w2_statements)
                       .set("w5_megabytes", m_o.w5_megabytes)
                       .set("w6_migrations", m_o.w6_migrations)
                       .set("w7_megabytes", m_o.w7_megabytes)
                       .set("fleet_targets", m_o.fleet_targets)
                       .set("fleet_parallel", m_o.fleet_parallel)
                       .set("fleet_migrations", m_o.fleet_migrations)
                       .set("samples", samples);
        write(m_o.json_out, doc.dump(1) + "\n");
        std::fprintf(stderr, "raw samples: %s\n", m_o.json_out.c_str());
    }

    Options m_o;
    std::vector<Sample> m_samples;
    std::map<std::string, fs::path> m_w1_dir;
};

}  // namespace

int main(int argc, char** argv) {
    Options o;
    bool smoke = false;
    CLI::App app{"sqlmig benchmark: workloads W1-W8, F1-F2, V1, D1-D2 against sqlmig and the floor tools"};
    app.add_option("--sqlmig", o.sqlmig, "The sqlmig binary")->required();
    app.add_option("--pqexec", o.pqexec, "The pqexec_floor binary")->required();
    app.add_option("--pg-url", o.pg_url, "A PostgreSQL server URL (a database that may create databases)");
    app.add_option("--work", o.work, "Scratch folder for generated workloads and SQLite files");
    app.add_option("--json", o.json_out, "Where to write the raw samples");
    app.add_option("--runs", o.runs, "Runs per tool and workload (at least 1)")->check(CLI::Range(1, 100));
    app.add_option("--workloads", o.workloads, "Subset of W1 W2 W3 W5 W6 W7 W8 F1 F2 V1 D1 D2")->delimiter(',');
    app.add_option("--fleet-targets", o.fleet_targets, "F1 databases, F2 schemas")->check(CLI::Range(1, 9999));
    app.add_option("--fleet-parallel", o.fleet_parallel)->check(CLI::Range(1, 256));
    app.add_option("--fleet-migrations", o.fleet_migrations)->check(CLI::Range(1, 999));
    app.add_option("--databases", o.databases, "Subset of postgres sqlite")->delimiter(',');
    app.add_option("--w1-migrations", o.w1_migrations)->check(CLI::Range(1, 100000));
    app.add_option("--w2-statements", o.w2_statements)->check(CLI::Range(1, 100000000));
    app.add_option("--w5-megabytes", o.w5_megabytes)->check(CLI::Range(1, 100000));
    app.add_option("--w6-migrations", o.w6_migrations)->check(CLI::Range(1, 99999));
    app.add_option("--w7-megabytes", o.w7_megabytes)->check(CLI::Range(1, 1000));
    app.add_flag("--smoke", smoke, "Small sizes, one run: checks that the benchmark still works");
    CLI11_PARSE(app, argc, argv);
    if (smoke) {
        o.runs = 1;
        o.w1_migrations = 50;
        o.w2_statements = 5000;
        o.w5_megabytes = 5;
        o.w6_migrations = 200;
        o.w7_megabytes = 2;
        o.fleet_targets = 20;
        o.fleet_parallel = 4;
        o.fleet_migrations = 3;
    }
    if (o.pg_url.empty()) {
        if (const char* url = std::getenv("SQLMIG_TEST_PG_URL")) {
            o.pg_url = url;
        }
    }
    if (o.pg_url.empty() && std::find(o.databases.begin(), o.databases.end(), "postgres") != o.databases.end()) {
        std::cerr << "sqlmig_bench: no PostgreSQL server: pass --pg-url or set SQLMIG_TEST_PG_URL\n";
        return 2;
    }
    try {
        // Children run in the scratch folder, where no config.toml applies.
        o.work = fs::absolute(o.work);
        o.json_out = fs::absolute(o.json_out).string();
        o.sqlmig = fs::absolute(o.sqlmig).string();
        o.pqexec = fs::absolute(o.pqexec).string();
        fs::create_directories(o.work);
        fs::current_path(o.work);
        // sqlmig's checksum cache lives in the scratch folder, not in the home folder.
        ::setenv("SQLMIG_CACHE_DIR", (o.work / "cache").c_str(), 1);
        Bench bench(o);
        bench.run_all();
        bench.report();
    } catch (const std::exception& e) {
        std::cerr << "sqlmig_bench: " << e.what() << '\n';
        return 1;
    }
    return 0;
}
