#pragma once
// A fresh PostgreSQL database for one test, on the server that scripts/test
// starts (SQLMIG_TEST_PG_URL). Without that variable the test fails: tests
// that need PostgreSQL never skip silently.

#include <string>

namespace sqlmig::test {

class PgDatabase {
public:
    // Creates sqlmig_test_<pid>_<n>; throws std::runtime_error when no server is configured.
    PgDatabase();
    ~PgDatabase();
    PgDatabase(const PgDatabase&) = delete;
    PgDatabase& operator=(const PgDatabase&) = delete;

    const std::string& url() const { return m_url; }
    const std::string& name() const { return m_name; }
    // Runs sql and returns the first column of each row joined by ','; throws on error.
    std::string query(const std::string& sql) const;

private:
    std::string m_name;
    std::string m_url;
};

// The server's URL from SQLMIG_TEST_PG_URL; throws with a clear message when unset.
std::string pg_server_url();

}  // namespace sqlmig::test
