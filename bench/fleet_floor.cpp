// The fleet floor (docs/performance.md, F1 and F2): what a fleet run must at least
// cost, with the same number of libpq connections at once and nothing else.
//   fleet_floor query --parallel N --targets FILE --sql SQL
//       one query per target; prints the targets and the rows they returned
//   fleet_floor apply --parallel N --targets FILE --file F...
//       each file in its own transaction on every target
// FILE holds "NAME URL" lines. With --schemas URL the names are schemas of that one
// database: each thread keeps one connection, "{schema}" in the SQL is the target's
// schema, and applied files run with search_path set to it. Without it, every target
// is its own database: connected to, used, disconnected.
#include <libpq-fe.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Target {
    std::string name;
    std::string url;
};

struct PgFinish {
    void operator()(PGconn* c) const { PQfinish(c); }
};
struct PgClear {
    void operator()(PGresult* r) const { PQclear(r); }
};
using Connection = std::unique_ptr<PGconn, PgFinish>;

std::string slurp(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<Target> read_targets(const std::string& file) {
    std::vector<Target> out;
    std::ifstream in(file);
    std::string name, url;
    while (in >> name >> url) {
        out.push_back({name, url});
    }
    return out;
}

Connection connect(const std::string& url) {
    Connection c(PQconnectdb(url.c_str()));
    if (PQstatus(c.get()) != CONNECTION_OK) {
        throw std::runtime_error(PQerrorMessage(c.get()));
    }
    return c;
}

// Runs sql; returns the rows it gave.
long exec(PGconn* c, const std::string& sql) {
    std::unique_ptr<PGresult, PgClear> r(PQexec(c, sql.c_str()));
    const auto status = PQresultStatus(r.get());
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
        throw std::runtime_error(PQerrorMessage(c));
    }
    return status == PGRES_TUPLES_OK ? PQntuples(r.get()) : 0;
}

std::string with_schema(std::string sql, const std::string& schema) {
    for (auto at = sql.find("{schema}"); at != std::string::npos; at = sql.find("{schema}", at + schema.size())) {
        sql.replace(at, 8, schema);
    }
    return sql;
}

}  // namespace

int main(int argc, char** argv) {
    std::string mode, targets_file, sql, schemas_url;
    std::vector<std::string> files;
    int parallel = 16;
    CLI::App app{"fleet floor: the same connections and SQL as a fleet run, nothing else"};
    app.add_option("mode", mode, "query or apply")->required()->check(CLI::IsMember({"query", "apply"}));
    app.add_option("--targets", targets_file, "NAME URL lines")->required();
    app.add_option("--parallel", parallel)->check(CLI::Range(1, 256));
    app.add_option("--sql", sql, "query: the query");
    app.add_option("--file", files, "apply: the files");
    app.add_option("--schemas", schemas_url, "The targets are schemas of this database");
    CLI11_PARSE(app, argc, argv);
    const auto targets = read_targets(targets_file);
    std::vector<std::string> texts;
    for (const auto& f : files) {
        texts.push_back(slurp(f));
    }
    std::atomic<std::size_t> next{0};
    std::atomic<long> rows{0};
    std::atomic<bool> failed{false};
    {
        std::vector<std::jthread> workers;
        for (int w = 0; w < parallel; ++w) {
            workers.emplace_back([&] {
                try {
                    Connection shared = schemas_url.empty() ? Connection() : connect(schemas_url);
                    for (std::size_t i = next++; i < targets.size() && !failed; i = next++) {
                        const Target& t = targets[i];
                        Connection own = shared ? Connection() : connect(t.url);
                        PGconn* c = shared ? shared.get() : own.get();
                        if (mode == "query") {
                            rows += exec(c, with_schema(sql, t.name));
                        }
                        for (const auto& text : texts) {
                            const std::string path = shared ? "SET LOCAL search_path TO \"" + t.name + "\";\n" : "";
                            exec(c, "BEGIN;\n" + path + text + "\nCOMMIT;");
                        }
                    }
                } catch (const std::exception& e) {
                    std::fprintf(stderr, "fleet_floor: %s", e.what());
                    failed = true;
                }
            });
        }
    }
    std::printf("targets=%zu rows=%ld\n", targets.size(), rows.load());
    return failed ? 1 : 0;
}
