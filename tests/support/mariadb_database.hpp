#pragma once
// A fresh MariaDB database for one test, on the server that scripts/test starts
// (SQLMIG_TEST_MARIADB_URL). Without that variable the test fails: tests that
// need MariaDB never skip silently.

#include <string>

namespace sqlmig::test {

class MariadbDatabase {
public:
    // Creates sqlmig_test_<pid>_<n>; throws std::runtime_error when no server is configured.
    MariadbDatabase();
    ~MariadbDatabase();
    MariadbDatabase(const MariadbDatabase&) = delete;
    MariadbDatabase& operator=(const MariadbDatabase&) = delete;

    const std::string& url() const { return m_url; }
    const std::string& name() const { return m_name; }
    // Runs sql in this database and returns the first column of each row joined by ','; throws on error.
    std::string query(const std::string& sql) const;

private:
    std::string m_name;
    std::string m_url;
};

// The server's URL from SQLMIG_TEST_MARIADB_URL; throws with a clear message when unset.
std::string mariadb_server_url();

// Runs sql on the database of `url` (a mysql:// or mariadb:// URL).
std::string mariadb_query(const std::string& url, const std::string& sql);

}  // namespace sqlmig::test
