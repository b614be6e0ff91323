// PostgreSQL's probe for `sqlmig impact`: each statement in a transaction of its own, and
// before its commit the locks this session holds (pg_locks), the relations' storage
// (pg_class.relfilenode: a new one is a rewrite) and this transaction's sequential scans
// (pg_stat_xact_user_tables.seq_scan: a constraint validated, SET NOT NULL checked).

#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>

#include "engine/impact.hpp"
#include "core/statement_kind.hpp"
#include "core/tracking_sql.hpp"
#include "db/postgres/dialect.hpp"

namespace sqlmig::engine {

namespace {

// One relation outside the system schemas, as this session sees it.
struct Relation {
    std::string name;      // schema.name, quoted where needed
    char kind = 'r';       // pg_class.relkind
    std::string filenode;  // pg_class.relfilenode
    long long seq_scans = 0;
    std::string table;     // an index's table
};
using Relations = std::map<std::string, Relation>;  // by oid

const char* const k_relations_sql =
    "SELECT c.oid::text, quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.relkind::text, "
    "c.relfilenode::text, coalesce(pg_stat_get_xact_numscans(c.oid), 0)::text, "
    "coalesce(quote_ident(tn.nspname) || '.' || quote_ident(t.relname), '') "
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "LEFT JOIN pg_index i ON i.indexrelid = c.oid LEFT JOIN pg_class t ON t.oid = i.indrelid "
    "LEFT JOIN pg_namespace tn ON tn.oid = t.relnamespace "
    "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' "
    "AND n.nspname NOT LIKE 'pg\\_temp%' AND c.relkind IN ('r', 'p', 'm', 'i', 'I', 'S')";

const char* const k_own_locks_sql =
    "SELECT relation::text, mode FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'relation' "
    "AND granted AND relation IS NOT NULL";

bool is_table(char kind) { return kind == 'r' || kind == 'p' || kind == 'm'; }

bool has_word(const core::Statement& s, std::string_view word) {
    return std::find(s.words.begin(), s.words.end(), word) != s.words.end();
}

// ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY cannot run in a transaction block either.
bool detaches_concurrently(const core::Statement& s) {
    return !s.words.empty() && s.words[0] == "ALTER" && has_word(s, "DETACH") && has_word(s, "CONCURRENTLY");
}

// The table an ALTER TABLE or VACUUM names, when written without quotes (folded to lower case
// as PostgreSQL does); "" otherwise.
std::string named_table(const core::Statement& s) {
    std::size_t i = 0;
    while (i < s.words.size() && (s.words[i] == "ALTER" || s.words[i] == "TABLE" || s.words[i] == "ONLY" ||
                                  s.words[i] == "VACUUM" || s.words[i] == "FULL" || s.words[i] == "IF" ||
                                  s.words[i] == "EXISTS")) {
        ++i;
    }
    if (i == 0 || i >= s.words.size() || s.words[i].find('"') != std::string::npos) {
        return "";
    }
    std::string name;
    for (char c : s.words[i]) {
        name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return name.find('.') == std::string::npos ? "public." + name : name;
}

class PostgresProbe final : public ImpactProbe {
public:
    explicit PostgresProbe(db::Driver& scratch) : m_db(scratch) {}

    void measure(const core::Statement& statement, core::StatementImpact& out) override {
        const auto kind = core::classify(statement, db::postgres_dialect, m_db.server_version());
        if (kind == core::StatementKind::non_transactional || detaches_concurrently(statement)) {
            measure_alone(statement, out);
            return;
        }
        db::TransactionGuard transaction(m_db);
        const Relations before = relations();
        const auto started = std::chrono::steady_clock::now();
        execute(statement);
        out.scratch_ms = since(started);
        const auto locks = m_db.query_rows(k_own_locks_sql);
        const Relations after = relations();
        transaction.commit();
        record_locks(locks ? *locks : core::TextRows{}, before, out);
        record_work(statement, before, after, out);
    }

    core::Throughput calibrate(std::int64_t rows) override {
        const std::string t = "sqlmig_impact_calibration";
        timed_internal(m_db, "CREATE TABLE " + t + " AS SELECT g::bigint AS id, (g % 1000)::int AS n, "
                             "md5(g::text) AS t FROM generate_series(1, " + std::to_string(rows) + ") AS g");
        timed_internal(m_db, "ALTER TABLE " + t + " ADD PRIMARY KEY (id)");
        timed_internal(m_db, "VACUUM ANALYZE " + t);
        core::Throughput out;
        out.rows = rows;
        const double table_bytes = size_of(t, "pg_table_size");
        out.bytes = static_cast<std::int64_t>(size_of(t, "pg_total_relation_size"));
        out.scan = bytes_per_second(table_bytes, timed_internal(m_db, "ALTER TABLE " + t + " ADD CHECK (n >= 0)"));
        out.index_build = bytes_per_second(table_bytes, timed_internal(m_db, "CREATE INDEX ON " + t + " (t)"));
        const double total_bytes = size_of(t, "pg_total_relation_size");
        const std::int64_t rewrite_ms = timed_internal(m_db, "ALTER TABLE " + t + " ALTER COLUMN n TYPE bigint");
        out.rewrite = bytes_per_second(total_bytes, rewrite_ms);
        timed_internal(m_db, "DROP TABLE " + t);
        return out;
    }

    std::vector<core::LiveSize> live_sizes(db::Driver& live, const std::vector<std::string>& relations) override {
        std::vector<core::LiveSize> out;
        if (relations.empty()) {
            return out;
        }
        std::string values;
        for (const auto& r : relations) {
            values += (values.empty() ? "(" : ", (") + core::sql_literal(r, db::postgres_dialect) + ")";
        }
        // Partitioned tables hold no rows themselves: their partitions' sizes are added up.
        // A partitioned table holds no rows itself: its partitions' sizes are added up.
        const auto rows = live.query_rows(
            "SELECT r.name, sum(p.reltuples)::bigint, sum(pg_table_size(p.oid))::bigint, "
            "sum(pg_total_relation_size(p.oid))::bigint FROM (VALUES " + values + ") AS r(name) "
            "JOIN pg_class c ON c.oid = to_regclass(r.name) JOIN pg_class p ON p.oid = c.oid OR "
            "(c.relkind = 'p' AND p.oid IN (SELECT relid FROM pg_partition_tree(c.oid))) GROUP BY r.name");
        for (const auto& row : rows ? *rows : core::TextRows{}) {
            core::LiveSize size;
            size.relation = row[0].value_or("");
            const long long estimate = row[1] ? std::stoll(*row[1]) : -1;
            size.rows = estimate >= 0 ? std::optional<std::int64_t>(estimate) : std::nullopt;
            size.table_bytes = row[2] ? std::stoll(*row[2]) : 0;
            size.total_bytes = row[3] ? std::stoll(*row[3]) : 0;
            out.push_back(std::move(size));
        }
        return out;
    }

private:
    static std::int64_t since(std::chrono::steady_clock::time_point t) {
        return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t).count();
    }

    double size_of(const std::string& table, const std::string& function) {
        const auto rows = m_db.query_rows("SELECT " + function + "('" + table + "')::text");
        return rows && !rows->empty() && rows->front()[0] ? std::stod(*rows->front()[0]) : 0.0;
    }

    void execute(const core::Statement& statement) {
        m_db.execute(statement);
        m_db.flush();
    }

    Relations relations() {
        Relations out;
        const auto rows = m_db.query_rows(k_relations_sql);
        for (const auto& row : rows ? *rows : core::TextRows{}) {
            out[row[0].value_or("")] = Relation{row[1].value_or(""), row[2].value_or("r").front(),
                                                row[3].value_or(""), std::stoll(row[4].value_or("0")),
                                                row[5].value_or("")};
        }
        return out;
    }

    // The strongest lock on each relation that existed before the statement (a relation it
    // created blocks nobody), tables before indexes of the same strength.
    static void record_locks(const core::TextRows& locks, const Relations& before, core::StatementImpact& out) {
        std::map<std::string, std::pair<core::PgLockMode, char>> strongest;
        for (const auto& row : locks) {
            const auto it = before.find(row[0].value_or(""));
            const auto mode = core::parse_pg_lock_mode(row[1].value_or(""));
            if (it == before.end() || !mode) {
                continue;
            }
            auto [entry, fresh] = strongest.try_emplace(it->second.name, *mode, it->second.kind);
            if (!fresh && entry->second.first < *mode) {
                entry->second.first = *mode;
            }
        }
        for (const auto& [name, held] : strongest) {
            out.locks.push_back(lock_held(name, held.first, held.second));
        }
        std::stable_sort(out.locks.begin(), out.locks.end(),
                         [](const core::LockHeld& a, const core::LockHeld& b) { return a.strength > b.strength; });
    }

    static core::LockHeld lock_held(const std::string& relation, core::PgLockMode mode, char kind) {
        core::LockHeld lock;
        lock.relation = relation;
        lock.mode = std::string(core::pg_lock_name(mode));
        lock.strength = static_cast<int>(mode) * 2 + (is_table(kind) ? 1 : 0);
        lock.blocks_reads = core::pg_blocks_reads(mode);
        lock.blocks_writes = core::pg_blocks_writes(mode);
        lock.access_exclusive = mode == core::PgLockMode::access_exclusive;
        return lock;
    }

    // Rewrite: a table (or an index alone) got new storage. Index build: a new index on a table
    // that existed before. Scan: a table that existed before was read sequentially.
    static void record_work(const core::Statement& statement, const Relations& before, const Relations& after,
                            core::StatementImpact& out) {
        if (!statement.words.empty() && statement.words[0] == "TRUNCATE") {
            return;  // new, empty storage for the table and its indexes: nothing is copied
        }
        std::vector<std::string> rewritten, indexed, scanned;
        for (const auto& [oid, now] : after) {
            const auto was = before.find(oid);
            if (was == before.end()) {
                if ((now.kind == 'i') && !now.table.empty() && has_table(before, now.table)) {
                    add_once(indexed, now.table);
                }
                continue;
            }
            if (was->second.filenode != now.filenode && now.filenode != "0") {
                if (is_table(now.kind)) {
                    add_once(rewritten, now.name);
                } else if (now.kind == 'i') {
                    add_once(indexed, now.table);
                }
            }
            if (is_table(now.kind) && now.seq_scans > was->second.seq_scans) {
                add_once(scanned, now.name);
            }
        }
        if (!rewritten.empty()) {
            out.work = core::DataWork::rewrite;
            out.work_on = rewritten;
        } else if (!indexed.empty()) {
            out.work = core::DataWork::index_build;
            out.work_on = indexed;
        } else if (!scanned.empty()) {
            out.work = core::DataWork::scan;
            out.work_on = scanned;
        }
    }

    static bool has_table(const Relations& relations, const std::string& name) {
        return std::any_of(relations.begin(), relations.end(),
                           [&](const auto& r) { return r.second.name == name && is_table(r.second.kind); });
    }
    static void add_once(std::vector<std::string>& list, const std::string& name) {
        if (std::find(list.begin(), list.end(), name) == list.end()) {
            list.push_back(name);
        }
    }

    // A statement refused inside a transaction block runs on its own; its lock is the one the
    // documentation gives, on the table of the index it made or dropped.
    void measure_alone(const core::Statement& statement, core::StatementImpact& out) {
        const auto documented = core::pg_documented_lock(statement);
        const Relations before = relations();
        const auto started = std::chrono::steady_clock::now();
        execute(statement);
        out.scratch_ms = since(started);
        const Relations after = relations();
        std::string table = changed_table(before, after);
        if (table.empty()) {
            table = named_table(statement);
        }
        out.note = documented.source + " cannot run in a transaction: run on its own, its lock as PostgreSQL "
                                       "documents it";
        if (documented.mode) {
            out.locks.push_back(lock_held(table.empty() ? "its table" : table, *documented.mode, 'r'));
        }
        out.work = table.empty() ? core::DataWork::none : documented.work;
        if (!table.empty() && documented.work != core::DataWork::none) {
            out.work_on = {table};
        }
    }

    // The table whose index was made, dropped or rebuilt, or which was rewritten.
    static std::string changed_table(const Relations& before, const Relations& after) {
        for (const auto& [oid, now] : after) {
            const auto was = before.find(oid);
            if (now.kind == 'i' && (was == before.end() || was->second.filenode != now.filenode)) {
                return now.table;
            }
            if (is_table(now.kind) && was != before.end() && was->second.filenode != now.filenode) {
                return now.name;
            }
        }
        for (const auto& [oid, was] : before) {
            if (was.kind == 'i' && !after.contains(oid)) {
                return was.table;
            }
        }
        return "";
    }

    db::Driver& m_db;
};

}  // namespace

std::unique_ptr<ImpactProbe> make_postgres_probe(db::Driver& scratch) {
    return std::make_unique<PostgresProbe>(scratch);
}

}  // namespace sqlmig::engine
