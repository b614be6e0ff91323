// SQLite's probe for `sqlmig impact`: a write holds the whole database (one writer at a
// time; in rollback-journal mode readers wait too), and a table whose b-tree moved
// (sqlite_schema.rootpage) was rebuilt.

#include <chrono>
#include <map>

#include "engine/impact.hpp"
#include "core/statement_kind.hpp"
#include "db/sqlite/dialect.hpp"

namespace sqlmig::engine {

namespace {

class SqliteProbe final : public ImpactProbe {
public:
    explicit SqliteProbe(db::Driver& scratch) : m_db(scratch) {}

    void measure(const core::Statement& statement, core::StatementImpact& out) override {
        const auto before = rootpages();
        const auto started = std::chrono::steady_clock::now();
        if (core::classify(statement, db::sqlite_dialect) == core::StatementKind::non_transactional) {
            m_db.execute(statement);  // VACUUM
            m_db.flush();
        } else {
            db::TransactionGuard transaction(m_db);
            m_db.execute(statement);
            m_db.flush();
            transaction.commit();
        }
        out.scratch_ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
        const auto after = rootpages();
        for (const auto& [name, page] : after) {
            const auto was = before.find(name);
            if (was != before.end() && was->second != page) {
                out.work = core::DataWork::rewrite;
                out.work_on.push_back(name);
            }
        }
        if (before != after || changes_data(statement)) {
            out.locks.push_back(database_lock());
        }
    }

    // SQLite rewrites within one file on the same machine: impact reads no live sizes for it.
    core::Throughput calibrate(std::int64_t rows) override { return core::Throughput{0, 0, 0, rows, 0}; }
    std::vector<core::LiveSize> live_sizes(db::Driver&, const std::vector<std::string>&) override { return {}; }

private:
    static bool changes_data(const core::Statement& statement) {
        static const char* const k_reads[] = {"SELECT", "EXPLAIN", "PRAGMA", "WITH", "VALUES"};
        const std::string first = statement.words.empty() ? "" : statement.words[0];
        for (const char* word : k_reads) {
            if (first == word) {
                return false;
            }
        }
        return true;
    }

    core::LockHeld database_lock() {
        const auto mode = m_db.query_rows("PRAGMA journal_mode");
        const bool wal = mode && !mode->empty() && mode->front()[0] && *mode->front()[0] == "wal";
        core::LockHeld lock;
        lock.relation = "the whole database";
        lock.mode = "EXCLUSIVE (write)";
        lock.strength = 1;
        lock.blocks_writes = true;
        lock.blocks_reads = !wal;  // in WAL mode readers go on reading the last commit
        lock.access_exclusive = !wal;
        return lock;
    }

    std::map<std::string, std::string> rootpages() {
        std::map<std::string, std::string> out;
        const auto rows = m_db.query_rows("SELECT type || ' ' || name, rootpage FROM sqlite_schema WHERE rootpage > 0");
        for (const auto& row : rows ? *rows : core::TextRows{}) {
            out[row[0].value_or("")] = row[1].value_or("");
        }
        return out;
    }

    db::Driver& m_db;
};

}  // namespace

std::unique_ptr<ImpactProbe> make_sqlite_probe(db::Driver& scratch) {
    return std::make_unique<SqliteProbe>(scratch);
}

}  // namespace sqlmig::engine
