#include "support/pg_database.hpp"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <stdexcept>

namespace sqlmig::test {

namespace {

std::atomic<int> g_counter{0};

std::string run_query(const std::string& url, const std::string& sql) {
    std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(url.c_str()), &PQfinish);
    if (PQstatus(conn.get()) != CONNECTION_OK) {
        throw std::runtime_error("test helper cannot connect: " + std::string(PQerrorMessage(conn.get())));
    }
    PQsetNoticeProcessor(conn.get(), [](void*, const char*) {}, nullptr);  // "does not exist, skipping"
    std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(conn.get(), sql.c_str()), &PQclear);
    const auto status = PQresultStatus(r.get());
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
        throw std::runtime_error("test query failed: " + sql + ": " + PQerrorMessage(conn.get()));
    }
    std::string out;
    for (int i = 0; i < PQntuples(r.get()); ++i) {
        out += (i ? "," : "") + std::string(PQgetisnull(r.get(), i, 0) ? "NULL" : PQgetvalue(r.get(), i, 0));
    }
    return out;
}

}  // namespace

std::string pg_server_url() {
    const char* url = std::getenv("SQLMIG_TEST_PG_URL");
    if (!url || !*url) {
        throw std::runtime_error("SQLMIG_TEST_PG_URL is not set: run the tests with ./scripts/test, which starts "
                                 "a PostgreSQL server (or export the URL of scripts/pg-test-server start)");
    }
    return url;
}

PgDatabase::PgDatabase() {
    const std::string server = pg_server_url();
    m_name = "sqlmig_test_" + std::to_string(::getpid()) + "_" + std::to_string(g_counter++);
    run_query(server, "DROP DATABASE IF EXISTS " + m_name);
    run_query(server, "CREATE DATABASE " + m_name);
    m_url = server.substr(0, server.rfind('/') + 1) + m_name;
}

PgDatabase::~PgDatabase() {
    try {
        run_query(pg_server_url(), "DROP DATABASE IF EXISTS " + m_name + " WITH (FORCE)");
    } catch (const std::exception&) {
        // best effort: the whole cluster is thrown away at the end of the run
    }
}

std::string PgDatabase::query(const std::string& sql) const {
    return run_query(m_url, sql);
}

}  // namespace sqlmig::test
