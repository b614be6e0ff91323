#pragma once
// How a child program (pg_dump, pg_restore, psql) reaches the same PostgreSQL
// database without a password on its command line: libpq parses the configured
// URL, everything but the secrets becomes a conninfo string for --dbname, and
// the password goes into the child's environment as PGPASSWORD.

#include <string>
#include <utility>
#include <vector>

namespace sqlmig::db {

struct ChildConnection {
    std::string conninfo;  // "host='h' port='5432' dbname='app'": safe to show, no secrets
    // Environment for the child: PGPASSWORD when the URL holds one.
    std::vector<std::pair<std::string, std::string>> env;
};

// Throws ConfigError when libpq cannot parse the URL (the message never shows it unredacted).
// Loads the PostgreSQL module on first use (module.hpp).
ChildConnection pg_child_connection(const std::string& url, const std::string& application_name);

// Inside the module: the same, through libpq.
ChildConnection postgres_child_connection(const std::string& url, const std::string& application_name);

}  // namespace sqlmig::db
