// MariaDB's (and MySQL's) probe for `sqlmig impact`: an ALTER TABLE (or CREATE/DROP INDEX) is
// run with the cheapest ALGORITHM and LOCK the server accepts, tried in order on the scratch
// database; the server refuses one it cannot honour (SQLSTATE 0A000) before changing anything.

#include <algorithm>
#include <chrono>
#include <sstream>

#include "engine/impact.hpp"
#include "core/tracking_sql.hpp"
#include "util/text.hpp"
#include "db/mariadb/dialect.hpp"

namespace sqlmig::engine {

namespace {

struct Attempt {
    const char* algorithm;
    const char* lock;  // "" for INSTANT, which takes no LOCK clause
    core::DataWork work;
    int strength;  // of the lock held while the table is copied or built
    bool blocks_writes;
    bool blocks_reads;
};

// Cheapest first: no data touched, then no lock, then a shared lock, then an exclusive one.
constexpr Attempt k_attempts[] = {
    {"INSTANT", "", core::DataWork::none, 0, false, false},
    {"NOCOPY", "NONE", core::DataWork::index_build, 1, false, false},
    {"INPLACE", "NONE", core::DataWork::rewrite, 1, false, false},
    {"NOCOPY", "SHARED", core::DataWork::index_build, 2, true, false},
    {"INPLACE", "SHARED", core::DataWork::rewrite, 2, true, false},
    {"COPY", "SHARED", core::DataWork::rewrite, 2, true, false},
    {"NOCOPY", "EXCLUSIVE", core::DataWork::index_build, 3, true, true},
    {"INPLACE", "EXCLUSIVE", core::DataWork::rewrite, 3, true, true},
    {"COPY", "EXCLUSIVE", core::DataWork::rewrite, 3, true, true},
};

// The table an ALTER TABLE or CREATE/DROP INDEX ... ON names, as written (quotes removed).
std::string table_of(const core::Statement& s) {
    std::istringstream words(s.text);
    std::string word, previous;
    while (words >> word) {
        const std::string upper = util::to_upper(previous);
        if (upper == "TABLE" || upper == "ON") {
            word = word.substr(0, word.find('('));
            word.erase(std::remove(word.begin(), word.end(), '`'), word.end());
            return word;
        }
        previous = word;
    }
    return "its table";
}

// The table an INSERT, REPLACE, UPDATE or DELETE writes (its first), as written; "" for another statement.
std::string written_table(const core::Statement& s) {
    static const char* const k_writes[] = {"INSERT", "REPLACE", "UPDATE", "DELETE"};
    static const char* const k_skipped[] = {"LOW_PRIORITY", "HIGH_PRIORITY", "DELAYED", "QUICK",
                                            "IGNORE",       "INTO",          "FROM"};
    const auto in = [](const auto& list, const std::string& w) {
        return std::find(std::begin(list), std::end(list), w) != std::end(list);
    };
    std::istringstream words(s.text);
    std::string word;
    if (!(words >> word) || !in(k_writes, util::to_upper(word))) {
        return "";
    }
    while (words >> word) {
        if (!in(k_skipped, util::to_upper(word))) {
            word = word.substr(0, word.find('('));
            word.erase(std::remove(word.begin(), word.end(), '`'), word.end());
            return word;
        }
    }
    return "";
}

bool adds_index(const core::Statement& s) {
    return std::find(s.words.begin(), s.words.end(), "ADD") != s.words.end() ||
           (!s.words.empty() && s.words[0] == "CREATE");
}

bool is_word(const core::Statement& s, std::size_t i, std::string_view w) {
    return s.words.size() > i && s.words[i] == w;
}

class MariadbProbe final : public ImpactProbe {
public:
    explicit MariadbProbe(db::Driver& scratch) : m_db(scratch) {}

    void measure(const core::Statement& statement, core::StatementImpact& out) override {
        const bool alter = is_word(statement, 0, "ALTER") && is_word(statement, 1, "TABLE");
        const bool index = (is_word(statement, 0, "CREATE") || is_word(statement, 0, "DROP")) &&
                           (is_word(statement, 1, "INDEX") || is_word(statement, 2, "INDEX"));
        const bool says_its_own = statement.text.find("ALGORITHM") != std::string::npos ||
                                  statement.text.find("algorithm") != std::string::npos;
        if ((alter || index) && !says_its_own) {
            for (const auto& attempt : k_attempts) {
                if (try_with(statement, attempt, alter ? ", " : " ", out)) {
                    return;
                }
            }
        }
        run(statement, out);
        out.note = alter || index ? "run as written (its own ALGORITHM)" : "";
        if (const std::string table = written_table(statement); !table.empty()) {
            out.locks.push_back(row_write_lock(table));
        }
    }

    // A table of `rows` rows made from a cross join of digits (MySQL has no sequence tables), then
    // an index built without copying (NOCOPY) and the table copied (COPY), each timed.
    core::Throughput calibrate(std::int64_t rows) override {
        const std::string t = "sqlmig_impact_calibration";
        const std::string digits = "(SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 "
                                   "UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 "
                                   "UNION ALL SELECT 8 UNION ALL SELECT 9)";
        std::string numbers = "SELECT 1 + a.d";
        std::string from = " FROM " + digits + " a";
        const char* names[] = {"b", "c", "e", "f", "g", "h", "i"};
        std::int64_t scale = 10;
        for (const char* n : names) {
            if (scale >= rows) {
                break;
            }
            numbers += std::string(" + ") + std::to_string(scale) + " * " + n + ".d";
            from += std::string(" CROSS JOIN ") + digits + " " + n;
            scale *= 10;
        }
        timed_internal(m_db, "CREATE TABLE " + t + " (id BIGINT PRIMARY KEY, n INT, t CHAR(32)) ENGINE=InnoDB");
        timed_internal(m_db, "INSERT INTO " + t + " SELECT id, id % 1000, MD5(id) FROM (" + numbers + " AS id" +
                                 from + ") AS g WHERE id <= " + std::to_string(rows));
        timed_internal(m_db, "ANALYZE TABLE " + t);
        core::Throughput out;
        out.rows = rows;
        const double table_bytes = size_of(t, "data_length");
        out.bytes = static_cast<std::int64_t>(size_of(t, "data_length + index_length"));
        const std::string alter = "ALTER TABLE " + t;
        const std::int64_t index_ms = timed_internal(m_db, alter + " ADD INDEX (t), ALGORITHM=NOCOPY");
        out.index_build = bytes_per_second(table_bytes, index_ms);
        const double total_bytes = size_of(t, "data_length + index_length");
        out.rewrite = bytes_per_second(total_bytes, timed_internal(m_db, alter + " MODIFY n BIGINT, ALGORITHM=COPY"));
        out.scan = out.index_build;  // MariaDB validates nothing on its own: not used
        timed_internal(m_db, "DROP TABLE " + t);
        return out;
    }

    std::vector<core::LiveSize> live_sizes(db::Driver& live, const std::vector<std::string>& relations) override {
        std::vector<core::LiveSize> out;
        std::string names;
        for (const auto& r : relations) {
            names += (names.empty() ? "" : ", ") + core::sql_literal(r, db::mariadb_dialect);
        }
        if (names.empty()) {
            return out;
        }
        const auto rows = live.query_rows(
            "SELECT table_name, table_rows, data_length, data_length + index_length FROM information_schema.tables "
            "WHERE table_schema = DATABASE() AND table_name IN (" + names + ")");
        for (const auto& row : rows ? *rows : core::TextRows{}) {
            core::LiveSize size;
            size.relation = row[0].value_or("");
            size.rows = row[1] ? std::optional<std::int64_t>(std::stoll(*row[1])) : std::nullopt;
            size.table_bytes = row[2] ? std::stoll(*row[2]) : 0;
            size.total_bytes = row[3] ? std::stoll(*row[3]) : 0;
            out.push_back(std::move(size));
        }
        return out;
    }

private:
    // What MariaDB documents for a write ("Metadata Locking", InnoDB locking): a shared-write
    // metadata lock, which waits only for DDL, and row locks, which wait only for the same rows. The
    // server shows neither without performance_schema (off by default), so it is not measured.
    static core::LockHeld row_write_lock(const std::string& table) {
        core::LockHeld lock;
        lock.relation = table;
        lock.mode = "MDL_SHARED_WRITE and row locks";
        lock.strength = 0;
        return lock;
    }

    double size_of(const std::string& table, const std::string& expression) {
        const auto rows = m_db.query_rows("SELECT " + expression + " FROM information_schema.tables WHERE "
                                          "table_schema = DATABASE() AND table_name = '" + table + "'");
        return rows && !rows->empty() && rows->front()[0] ? std::stod(*rows->front()[0]) : 0.0;
    }

    void run(const core::Statement& statement, core::StatementImpact& out) {
        const auto started = std::chrono::steady_clock::now();
        m_db.execute(statement);
        m_db.flush();
        out.scratch_ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    }

    // separator: ", " between ALTER TABLE's clauses, " " after CREATE or DROP INDEX.
    bool try_with(const core::Statement& statement, const Attempt& attempt, const char* separator,
                  core::StatementImpact& out) {
        core::Statement variant = statement;
        variant.text += std::string(separator) + "ALGORITHM=" + attempt.algorithm;
        if (*attempt.lock) {
            variant.text += std::string(separator) + "LOCK=" + attempt.lock;
        }
        try {
            run(variant, out);
        } catch (const db::StatementError& e) {
            if (e.sqlstate == "0A000") {
                return false;  // not supported this way: the next, dearer one
            }
            throw db::StatementError(e, statement);
        }
        out.algorithm = attempt.algorithm;
        out.work = attempt.work;
        if (out.work == core::DataWork::index_build && !adds_index(statement)) {
            out.work = core::DataWork::none;  // NOCOPY without building anything: an index dropped
        }
        core::LockHeld lock;
        lock.relation = table_of(statement);
        lock.mode = *attempt.lock ? std::string("LOCK=") + attempt.lock : "metadata lock (brief)";
        lock.strength = attempt.strength;
        lock.blocks_writes = attempt.blocks_writes;
        lock.blocks_reads = attempt.blocks_reads;
        lock.access_exclusive = attempt.blocks_reads;
        out.locks.push_back(lock);
        return true;
    }

    db::Driver& m_db;
};

}  // namespace

std::unique_ptr<ImpactProbe> make_mariadb_probe(db::Driver& scratch) {
    return std::make_unique<MariadbProbe>(scratch);
}

}  // namespace sqlmig::engine
