#include "support/scratch_database.hpp"

#include <sqlite3.h>

#include <memory>
#include <stdexcept>

#include "support/mariadb_database.hpp"
#include "support/pg_database.hpp"

namespace sqlmig::test {

namespace {

namespace fs = std::filesystem;

class PostgresScratch final : public ScratchDatabase {
public:
    std::string url() const override { return m_db.url(); }
    bool has_table(const std::string& name) const override {
        return m_db.query("SELECT count(*) FROM pg_tables WHERE tablename = '" + name + "'") != "0";
    }
    bool exists() const override { return true; }

private:
    PgDatabase m_db;  // on the server that scripts/test starts
};

class MariadbScratch final : public ScratchDatabase {
public:
    std::string url() const override { return m_db.url(); }
    bool has_table(const std::string& name) const override {
        return m_db.query("SELECT count(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND "
                          "TABLE_NAME = '" + name + "'") != "0";
    }
    bool exists() const override { return true; }
    std::string drop_index_sql(const std::string& index, const std::string& table) const override {
        return "DROP INDEX " + index + " ON " + table;
    }

private:
    MariadbDatabase m_db;  // on the server that scripts/test starts
};

class SqliteScratch final : public ScratchDatabase {
public:
    explicit SqliteScratch(fs::path file) : m_file(std::move(file)) {}
    std::string url() const override { return "sqlite:///" + m_file.string(); }
    bool has_table(const std::string& name) const override {
        sqlite3* raw = nullptr;
        const int rc = sqlite3_open_v2(m_file.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
        std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db(raw, &sqlite3_close);
        sqlite3_stmt* st = nullptr;
        if (rc != SQLITE_OK ||
            sqlite3_prepare_v2(db.get(), "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1", -1, &st,
                               nullptr) != SQLITE_OK) {
            throw std::runtime_error("cannot read " + m_file.string());
        }
        std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> stmt(st, &sqlite3_finalize);
        sqlite3_bind_text(stmt.get(), 1, name.c_str(), -1, SQLITE_TRANSIENT);
        return sqlite3_step(stmt.get()) == SQLITE_ROW;
    }
    bool exists() const override { return fs::exists(m_file); }

private:
    fs::path m_file;
};

}  // namespace

std::unique_ptr<ScratchDatabase> make_scratch_database(std::string_view backend, const fs::path& folder) {
    if (backend == "postgres") {
        return std::make_unique<PostgresScratch>();
    }
    if (backend == "mariadb") {
        return std::make_unique<MariadbScratch>();
    }
    if (backend == "sqlite") {
        return std::make_unique<SqliteScratch>(folder / "test.db");
    }
    throw std::runtime_error("no scratch database for the backend '" + std::string(backend) +
                             "': add one to tests/support/scratch_database.cpp");
}

}  // namespace sqlmig::test
