#pragma once
// A test project whose config points at a fresh PostgreSQL database.

#include <string>
#include <vector>

#include "e2e/cli_test_support.hpp"
#include "support/pg_database.hpp"

namespace sqlmig::test {

// The database URL with dbmate's ?search_path= parameter (a list of schemas, "a,public").
inline std::string with_search_path(const std::string& url, const std::string& schemas) {
    return url + (url.find('?') == std::string::npos ? "?" : "&") + "search_path=" + schemas;
}

struct PgProject {
    PgDatabase db;
    Project project;
    explicit PgProject(const std::string& extra_config = "") {
        project.write_file("config.toml", "[database]\nurl = \"" + db.url() + "\"\n" + extra_config);
    }
    Result run(const std::vector<std::string>& args) const { return project.run(args); }
    // The recorded versions in numeric order, joined by ','.
    std::string versions() const {
        return db.query("SELECT string_agg(version, ',' ORDER BY version::numeric) FROM sqlmig_migrations");
    }
};

}  // namespace sqlmig::test
