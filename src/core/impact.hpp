#pragma once
// The pure part of `sqlmig impact` (docs/impact.md): PostgreSQL's lock modes and their
// conflicts, the locks PostgreSQL documents for the statements that cannot be measured inside a
// transaction, what a measured statement did, the production estimate and the [impact] budgets.
// What a statement really does is measured on a scratch database by src/engine/impact*.cpp.

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/lint.hpp"
#include "core/sql_splitter.hpp"

namespace sqlmig::core {

// PostgreSQL's table lock modes, weakest first (the order of the conflict table in its
// documentation, "Explicit Locking").
enum class PgLockMode {
    access_share,
    row_share,
    row_exclusive,
    share_update_exclusive,
    share,
    share_row_exclusive,
    exclusive,
    access_exclusive,
};

// The mode as pg_locks.mode writes it ("AccessExclusiveLock"); nullopt for another text.
std::optional<PgLockMode> parse_pg_lock_mode(std::string_view mode);
// As the documentation names it: "ACCESS EXCLUSIVE".
std::string_view pg_lock_name(PgLockMode mode);
// Whether two modes conflict (PostgreSQL's table of conflicting lock modes).
bool pg_locks_conflict(PgLockMode a, PgLockMode b);
// Whether a plain SELECT (ACCESS SHARE) waits for this mode.
bool pg_blocks_reads(PgLockMode mode);
// Whether INSERT, UPDATE and DELETE (ROW EXCLUSIVE) wait for this mode.
bool pg_blocks_writes(PgLockMode mode);

// What a statement did to the data under its lock, the cheapest first.
enum class DataWork {
    none,         // catalog only
    scan,         // read a whole table (a constraint validated, SET NOT NULL checked)
    index_build,  // read a table to build an index
    rewrite,      // wrote a new copy of a table (or its indexes)
};
std::string_view to_string(DataWork work);

// What PostgreSQL's documentation gives for a statement that cannot run inside a transaction
// block, which impact therefore runs on its own and does not measure.
struct DocumentedLock {
    std::optional<PgLockMode> mode;  // on the statement's table; nullopt: no table lock
    DataWork work = DataWork::none;
    std::string source;              // "CREATE INDEX CONCURRENTLY", for the report's note
};
DocumentedLock pg_documented_lock(const Statement& statement);

// One lock a statement held until its end: the strongest it took on one relation.
struct LockHeld {
    std::string relation;  // schema.name as the database names it, or "(database)" for SQLite
    std::string mode;      // "ACCESS EXCLUSIVE", MariaDB's "MDL_EXCLUSIVE"...
    int strength = 0;      // larger is stronger, within one database's modes
    bool blocks_reads = false;
    bool blocks_writes = false;
    bool access_exclusive = false;  // counts against [impact] max_access_exclusive
};

// A relation's size on the live database, from its catalogs.
struct LiveSize {
    std::string relation;
    std::optional<std::int64_t> rows;  // the planner's estimate; nullopt when never analysed
    std::int64_t table_bytes = 0;      // the table and its TOAST
    std::int64_t total_bytes = 0;      // with its indexes
};

// Bytes a second the scratch's server took for each kind of work (measured on a table made for it).
struct Throughput {
    double rewrite = 0;      // of the table's total size (table and indexes), rewritten
    double scan = 0;         // of the table's size, scanned to validate
    double index_build = 0;  // of the table's size, read and sorted into an index
    std::int64_t rows = 0;   // rows of the table it was measured on
    std::int64_t bytes = 0;  // its total size
};

// How long a statement doing `work` would hold its lock on a table of this live size: the
// bytes it reads or writes over the measured throughput; nullopt for work none (catalog
// only: as fast as on the scratch) or a throughput not measured.
std::optional<std::int64_t> estimate_ms(DataWork work, const LiveSize& size, const Throughput& throughput);

// A lint warning on a measured statement, and whether the measurement bears it out.
struct LintCheck {
    std::string rule;      // "add-column-volatile-default"
    bool confirmed = false;
    std::string measured;  // what impact saw instead of the rule's guess: "no rewrite"
};

struct StatementImpact;
// The check of a lint rule whose claim impact measures (a rewrite, a scan, writes blocked);
// nullopt for a rule it does not measure.
std::optional<LintCheck> check_lint_rule(std::string_view rule, const StatementImpact& measured);

// What one pending statement did on the scratch database, and what it would do on the live one.
struct StatementImpact {
    std::string file;       // how messages name the file
    Position at;
    std::string version;
    std::string statement;  // the text, on one line, shortened
    std::vector<LockHeld> locks;  // strongest first
    DataWork work = DataWork::none;
    std::vector<std::string> work_on;  // the relations rewritten, scanned or indexed
    std::int64_t scratch_ms = 0;       // how long it ran on the scratch database
    std::string note;       // why something was not measured, or what was documented instead
    std::string algorithm;  // MariaDB: the cheapest ALGORITHM and LOCK the server accepted
    std::optional<LiveSize> live;              // of the largest relation it works on or locks
    std::optional<std::int64_t> estimate_ms;  // how long its strongest lock would be held on live
    std::vector<LintCheck> lint;               // lint's warnings on it, against the measurement

    // The strongest lock, or nullptr when it took none.
    const LockHeld* strongest() const { return locks.empty() ? nullptr : &locks.front(); }
    // The estimate when there is one, else how long it ran on the scratch.
    std::int64_t hold_ms() const { return estimate_ms ? *estimate_ms : scratch_ms; }
};

// [impact] in config.toml (docs/impact.md): limits a pending migration must stay within.
enum class RewritePolicy { allow, refuse };
struct ImpactBudget {
    std::optional<std::chrono::milliseconds> max_access_exclusive;  // longest hold of a lock blocking reads
    std::optional<std::chrono::milliseconds> max_write_block;       // longest hold of a lock blocking writes
    RewritePolicy rewrite = RewritePolicy::allow;                    // refuse: no table may be rewritten
};

// A statement over one of the budgets.
struct BudgetBreach {
    const StatementImpact* statement;
    std::string budget;  // "max_access_exclusive"
    std::string why;     // "ACCESS EXCLUSIVE on public.orders held about 11 min, over 5 s"
};
std::vector<BudgetBreach> check_budget(const std::vector<StatementImpact>& statements, const ImpactBudget& budget);

// What impact's measurement says of one of lint's findings (`sqlmig lint --impact`).
enum class Verdict {
    guessed,       // a rule impact does not measure, or a statement it did not measure: the rule's text
    confirmed,     // measured as the rule says: the message says what was measured
    contradicted,  // measured otherwise: a note, no longer a warning
};
struct MeasuredFinding {
    Finding finding;
    Verdict verdict = Verdict::guessed;
};
// lint's findings with each guess impact measured replaced by the measurement (check_lint_rule's
// rules, on the statements of `measured`); the others as they are, in the same order.
std::vector<MeasuredFinding> with_measurements(const std::vector<Finding>& findings,
                                               std::span<const StatementImpact> measured);

// "310 M rows", "12.4 k rows", "512 rows".
std::string human_rows(std::int64_t rows);

// The strongest lock as a report line names it: "ACCESS EXCLUSIVE on orders (blocks reads and
// writes)" (public. left out), or "no lock on an existing table".
std::string describe_lock(const StatementImpact& s);
// What it did to the data: "rewrite", "index build", "scan to validate" or "no rewrite".
std::string_view describe_work(DataWork work);

// The measured statement a finding at `file`:`at` is about: the last of that file's statements
// starting at or before it; nullptr when impact measured none there (a file not measured).
const StatementImpact* statement_at(std::span<const StatementImpact> measured, std::string_view file, Position at);

}  // namespace sqlmig::core
