#pragma once
// Helpers for end-to-end tests: a temporary project folder, running the built
// sqlmig binary in it, and reading the resulting SQLite database directly.

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

// Substring checks that print both strings when they fail.
#define EXPECT_CONTAINS(haystack, needle) \
    EXPECT_NE((haystack).find(needle), std::string::npos) << "expected to find: " << (needle) << "\nin:\n" << (haystack)
#define EXPECT_NOT_CONTAINS(haystack, needle) \
    EXPECT_EQ((haystack).find(needle), std::string::npos) << "did not expect: " << (needle) << "\nin:\n" << (haystack)

// Declares `var` as the corpus folder (../shared/corpus). Where it is absent the
// test skips with one line, except in CI (CI=true), which always has it: there the
// test fails.
#define SQLMIG_REQUIRE_CORPUS(var)                                                                  \
    const std::filesystem::path var = sqlmig::test::corpus_dir();                                   \
    if (var.empty()) {                                                                              \
        if (sqlmig::test::in_ci()) {                                                                \
            FAIL() << "the corpus folder " SQLMIG_CORPUS_DIR " is missing in CI";                   \
        }                                                                                           \
        GTEST_SKIP() << "no ../shared/corpus beside the repository; the real folders are not tried"; \
    }

namespace sqlmig::test {

// CI=true (or any value but "", "0" and "false").
bool in_ci();

struct Result {
    int code = -1;
    std::string out;
    std::string err;
};

class Project {
public:
    // A fresh folder with config.toml pointing at data/app.db and an empty migrations/.
    Project();
    ~Project();
    Project(const Project&) = delete;
    Project& operator=(const Project&) = delete;

    const std::filesystem::path& dir() const { return m_dir; }
    std::filesystem::path db_path() const { return m_dir / "data" / "app.db"; }

    // Writes migrations/<name> (or any path relative to the project with write_file).
    void migration(const std::string& name, const std::string& sql);
    void write_file(const std::string& relative, const std::string& text);

    // Runs sqlmig with args (each shell-quoted) in the project folder.
    Result run(const std::vector<std::string>& args, const std::string& env = "") const;

    // Reads what a shell script run in the project left as <name>.rc (exit code) and <name>.err.
    Result outcome(const std::string& name) const;

    // Runs a query on the database and returns the first column of each row joined by ','.
    std::string query(const std::string& sql) const;

private:
    std::filesystem::path m_dir;
};

std::string shell_quote(const std::string& s);

// Runs a query on any SQLite file; the first column of each row joined by ','.
std::string query_sqlite(const std::filesystem::path& file, const std::string& sql);
// Runs SQL on a SQLite file read-write (creating it and its folder), as another tool would. Throws on failure.
void exec_sqlite(const std::filesystem::path& file, const std::string& sql);

// config.toml for data/app.db with [migrations] format = FORMAT and no backups.
void use_format(Project& project, const std::string& format);

// The entries of a folder, sorted; empty when it does not exist.
std::vector<std::filesystem::path> files_in(const std::filesystem::path& dir);
// The backups in a backup folder, sorted: its entries but the .version files beside them.
std::vector<std::filesystem::path> backup_files_in(const std::filesystem::path& dir);

std::string read_text(const std::filesystem::path& file);

// The backup file a run logged ("backup: backups/<name> (size)"), or "".
std::string logged_backup(const std::string& err);

// The permission bits of a file, e.g. 0600.
unsigned permissions_of(const std::filesystem::path& p);

// Path of the real-world migration corpus, or "" when not present.
std::filesystem::path corpus_dir();

}  // namespace sqlmig::test
