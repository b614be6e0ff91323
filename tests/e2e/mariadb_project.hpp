#pragma once
// A test project whose config points at a fresh MariaDB database.

#include <string>
#include <vector>

#include "e2e/cli_test_support.hpp"
#include "support/mariadb_database.hpp"

namespace sqlmig::test {

struct MariadbProject {
    MariadbDatabase db;
    Project project;
    explicit MariadbProject(const std::string& extra_config = "") {
        project.write_file("config.toml", "[database]\nurl = \"" + db.url() + "\"\n" + extra_config);
    }
    Result run(const std::vector<std::string>& args) const { return project.run(args); }
    // The recorded versions with their states in version order: "1 applied,2 failed".
    std::string rows() const {
        return db.query("SELECT GROUP_CONCAT(CONCAT(version, ' ', state) ORDER BY CAST(version AS UNSIGNED)) "
                        "FROM sqlmig_migrations");
    }
};

}  // namespace sqlmig::test
