/* The single-database status floor on SQLite: open the file read-only, run one
 * query on the tracking table, print its rows (docs/performance.md, W3).
 *   sqlite_query_floor FILE SQL */
#include <sqlite3.h>
#include <stdio.h>

int main(int argc, char** argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: sqlite_query_floor FILE SQL\n");
        return 2;
    }
    sqlite3* db = NULL;
    if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, "sqlite_query_floor: %s\n", sqlite3_errmsg(db));
        sqlite3_close(db);
        return 1;
    }
    sqlite3_stmt* st = NULL;
    if (sqlite3_prepare_v2(db, argv[2], -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "sqlite_query_floor: %s\n", sqlite3_errmsg(db));
        sqlite3_close(db);
        return 1;
    }
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (int j = 0; j < sqlite3_column_count(st); ++j) {
            const unsigned char* v = sqlite3_column_text(st, j);
            fputs(j ? "  " : "", stdout);
            fputs(v ? (const char*)v : "", stdout);
        }
        putchar('\n');
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc == SQLITE_DONE ? 0 : 1;
}
