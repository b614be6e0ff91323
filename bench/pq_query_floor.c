/* The single-database status floor on PostgreSQL: connect, run one query on the
 * tracking table, print its rows, disconnect. What any tool that shows the state
 * must at least do (docs/performance.md, W3).
 *   pq_query_floor URL SQL */
#include <libpq-fe.h>
#include <stdio.h>

int main(int argc, char** argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: pq_query_floor URL SQL\n");
        return 2;
    }
    PGconn* conn = PQconnectdb(argv[1]);
    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, "pq_query_floor: %s", PQerrorMessage(conn));
        PQfinish(conn);
        return 1;
    }
    PGresult* r = PQexec(conn, argv[2]);
    int ok = PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok) {
        fprintf(stderr, "pq_query_floor: %s", PQerrorMessage(conn));
    }
    for (int i = 0; ok && i < PQntuples(r); ++i) {
        for (int j = 0; j < PQnfields(r); ++j) {
            fputs(j ? "  " : "", stdout);
            fputs(PQgetvalue(r, i, j), stdout);
        }
        putchar('\n');
    }
    PQclear(r);
    PQfinish(conn);
    return ok ? 0 : 1;
}
