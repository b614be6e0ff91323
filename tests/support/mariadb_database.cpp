#include "support/mariadb_database.hpp"

#include <mysql.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <regex>
#include <stdexcept>

namespace sqlmig::test {

namespace {

std::atomic<int> g_counter{0};

struct Parts {
    std::string user, password, host, database;
    unsigned port = 0;
};

// The test server's URLs only: mariadb://user:password@host:port/database.
Parts parts_of(const std::string& url) {
    static const std::regex form(R"(^(mariadb|mysql)://([^:@/]*)(:([^@/]*))?@([^:/]+)(:([0-9]+))?/([^?]*)$)");
    std::smatch m;
    if (!std::regex_match(url, m, form)) {
        throw std::runtime_error("test helper cannot read the URL " + url);
    }
    return {m[2], m[4], m[5], m[8], m[7].matched ? static_cast<unsigned>(std::stoul(m[7])) : 0u};
}

}  // namespace

std::string mariadb_query(const std::string& url, const std::string& sql) {
    const Parts p = parts_of(url);
    std::unique_ptr<MYSQL, decltype(&mysql_close)> conn(mysql_init(nullptr), &mysql_close);
    if (!mysql_real_connect(conn.get(), p.host.c_str(), p.user.c_str(), p.password.c_str(),
                            p.database.empty() ? nullptr : p.database.c_str(), p.port, nullptr, 0)) {
        throw std::runtime_error("test helper cannot connect: " + std::string(mysql_error(conn.get())));
    }
    if (mysql_real_query(conn.get(), sql.data(), sql.size()) != 0) {
        throw std::runtime_error("test query failed: " + sql + ": " + mysql_error(conn.get()));
    }
    std::unique_ptr<MYSQL_RES, decltype(&mysql_free_result)> result(mysql_store_result(conn.get()),
                                                                     &mysql_free_result);
    std::string out;
    if (!result) {
        return out;
    }
    bool first = true;
    while (MYSQL_ROW row = mysql_fetch_row(result.get())) {
        out += (first ? "" : ",") + std::string(row[0] ? row[0] : "NULL");
        first = false;
    }
    return out;
}

std::string mariadb_server_url() {
    const char* url = std::getenv("SQLMIG_TEST_MARIADB_URL");
    if (!url || !*url) {
        throw std::runtime_error("SQLMIG_TEST_MARIADB_URL is not set: run the tests with ./scripts/test, which "
                                 "starts a MariaDB server (or export the URL of scripts/mariadb-test-server start)");
    }
    return url;
}

MariadbDatabase::MariadbDatabase() {
    const std::string server = mariadb_server_url();
    m_name = "sqlmig_test_" + std::to_string(::getpid()) + "_" + std::to_string(g_counter++);
    mariadb_query(server, "DROP DATABASE IF EXISTS " + m_name);
    mariadb_query(server, "CREATE DATABASE " + m_name);
    m_url = server.substr(0, server.rfind('/') + 1) + m_name;
}

MariadbDatabase::~MariadbDatabase() {
    try {
        mariadb_query(mariadb_server_url(), "DROP DATABASE IF EXISTS " + m_name);
    } catch (const std::exception&) {
        // best effort: the whole server is thrown away at the end of the run
    }
}

std::string MariadbDatabase::query(const std::string& sql) const {
    return mariadb_query(m_url, sql);
}

}  // namespace sqlmig::test
