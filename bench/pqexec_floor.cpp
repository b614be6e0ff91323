// The W2/W5 floor: the whole file sent in one PQexec inside BEGIN/COMMIT. One
// round trip, no client-side parsing; the client holds the whole file in memory.
//   pqexec_floor URL FILE
#include <libpq-fe.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

namespace {

struct PgFinish {
    void operator()(PGconn* c) const { PQfinish(c); }
};
struct PgClear {
    void operator()(PGresult* r) const { PQclear(r); }
};

bool exec(PGconn* conn, const char* sql) {
    std::unique_ptr<PGresult, PgClear> r(PQexec(conn, sql));
    const auto status = PQresultStatus(r.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        std::fprintf(stderr, "pqexec_floor: %s", PQerrorMessage(conn));
        return false;
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: pqexec_floor URL FILE\n");
        return 2;
    }
    std::ifstream in(argv[2], std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    std::unique_ptr<PGconn, PgFinish> conn(PQconnectdb(argv[1]));
    if (PQstatus(conn.get()) != CONNECTION_OK) {
        std::fprintf(stderr, "pqexec_floor: %s", PQerrorMessage(conn.get()));
        return 1;
    }
    const std::string sql = std::move(text).str();
    const bool ok = exec(conn.get(), "BEGIN") && exec(conn.get(), sql.c_str()) && exec(conn.get(), "COMMIT");
    return ok ? 0 : 1;
}
