#include "db/sqlite/backup.hpp"

#include "core/tracking_sql.hpp"
#include "db/sqlite/backup_api.hpp"
#include "util/error.hpp"

namespace sqlmig::db {

namespace {

namespace fs = std::filesystem;

class SqliteEngine final : public BackupEngine {
public:
    explicit SqliteEngine(const ConnectOptions& options) : m_options(options) {}

    std::string extension() const override { return "db"; }

    void check() override {
        if (m_options.url.file == ":memory:") {
            throw BackupError("an in-memory SQLite database cannot be backed up");
        }
        std::error_code ec;
        if (!fs::exists(m_options.url.file, ec)) {
            throw BackupError("the database file " + m_options.url.file.string() +
                              " does not exist; there is nothing to back up");
        }
    }

    void dump(const fs::path& file) override {
        copy(m_options.url.file, file);
    }

    void restore(const fs::path& file) override {
        if (m_options.url.file == ":memory:") {
            throw BackupError("cannot restore into an in-memory SQLite database");
        }
        copy(file, m_options.url.file);
    }

    bool holds_data() override {
        try {
            return sqlite_holds_rows(m_options.url.file,
                                     {m_options.table.table, core::layout_table(m_options.table).table},
                                     m_options.busy_timeout);
        } catch (const DbError& e) {
            throw BackupError(e.what());
        }
    }

    std::string schema() override {
        try {
            return sqlite_schema(m_options.url.file);
        } catch (const DbError& e) {
            throw BackupError(e.what());
        }
    }

    std::string baseline(const std::vector<std::string>& leave_out) override {
        try {
            return sqlite_baseline(m_options.url.file, leave_out);
        } catch (const DbError& e) {
            throw BackupError(e.what());
        }
    }

private:
    void copy(const fs::path& from, const fs::path& to) {
        try {
            sqlite_copy(from, to, m_options.busy_timeout);
        } catch (const DbError& e) {
            throw BackupError(e.what());
        }
    }

    ConnectOptions m_options;
};

}  // namespace

std::unique_ptr<BackupEngine> make_sqlite_backup_engine(const ConnectOptions& options) {
    return std::make_unique<SqliteEngine>(options);
}

}  // namespace sqlmig::db
