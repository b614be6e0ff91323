#include "core/impact.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include "util/text.hpp"

namespace sqlmig::core {

namespace {

struct ModeName {
    PgLockMode mode;
    std::string_view pg_locks;  // pg_locks.mode
    std::string_view documented;
};

constexpr std::array<ModeName, 8> k_modes = {{
    {PgLockMode::access_share, "AccessShareLock", "ACCESS SHARE"},
    {PgLockMode::row_share, "RowShareLock", "ROW SHARE"},
    {PgLockMode::row_exclusive, "RowExclusiveLock", "ROW EXCLUSIVE"},
    {PgLockMode::share_update_exclusive, "ShareUpdateExclusiveLock", "SHARE UPDATE EXCLUSIVE"},
    {PgLockMode::share, "ShareLock", "SHARE"},
    {PgLockMode::share_row_exclusive, "ShareRowExclusiveLock", "SHARE ROW EXCLUSIVE"},
    {PgLockMode::exclusive, "ExclusiveLock", "EXCLUSIVE"},
    {PgLockMode::access_exclusive, "AccessExclusiveLock", "ACCESS EXCLUSIVE"},
}};

// Row i: the modes that conflict with mode i, as bits over the modes' order (PostgreSQL's
// documentation, table "Conflicting Lock Modes").
constexpr std::array<unsigned, 8> k_conflicts = {
    0b10000000,  // ACCESS SHARE: ACCESS EXCLUSIVE
    0b11000000,  // ROW SHARE: EXCLUSIVE, ACCESS EXCLUSIVE
    0b11110000,  // ROW EXCLUSIVE: SHARE and stronger
    0b11111000,  // SHARE UPDATE EXCLUSIVE: itself and stronger
    0b11101100,  // SHARE: ROW EXCLUSIVE, SHARE UPDATE EXCLUSIVE, SHARE ROW EXCLUSIVE and stronger
    0b11111100,  // SHARE ROW EXCLUSIVE: ROW EXCLUSIVE and stronger
    0b11111110,  // EXCLUSIVE: ROW SHARE and stronger
    0b11111111,  // ACCESS EXCLUSIVE: every mode
};

bool has_word(const std::vector<std::string>& words, std::string_view word) {
    return std::find(words.begin(), words.end(), word) != words.end();
}

}  // namespace

std::optional<PgLockMode> parse_pg_lock_mode(std::string_view mode) {
    for (const auto& m : k_modes) {
        if (m.pg_locks == mode) {
            return m.mode;
        }
    }
    return std::nullopt;
}

std::string_view pg_lock_name(PgLockMode mode) {
    return k_modes[static_cast<std::size_t>(mode)].documented;
}

bool pg_locks_conflict(PgLockMode a, PgLockMode b) {
    return (k_conflicts[static_cast<std::size_t>(a)] >> static_cast<unsigned>(b)) & 1u;
}

bool pg_blocks_reads(PgLockMode mode) { return pg_locks_conflict(mode, PgLockMode::access_share); }

bool pg_blocks_writes(PgLockMode mode) { return pg_locks_conflict(mode, PgLockMode::row_exclusive); }

std::string_view to_string(DataWork work) {
    switch (work) {
    case DataWork::none: return "none";
    case DataWork::scan: return "scan";
    case DataWork::index_build: return "index_build";
    case DataWork::rewrite: return "rewrite";
    }
    return "none";
}

DocumentedLock pg_documented_lock(const Statement& statement) {
    const auto& w = statement.words;
    const std::string first = w.empty() ? "" : w[0];
    const bool concurrently = has_word(w, "CONCURRENTLY");
    if (first == "CREATE" && concurrently) {
        return {PgLockMode::share_update_exclusive, DataWork::index_build, "CREATE INDEX CONCURRENTLY"};
    }
    if (first == "REINDEX" && concurrently) {
        return {PgLockMode::share_update_exclusive, DataWork::index_build, "REINDEX CONCURRENTLY"};
    }
    if (first == "DROP" && concurrently) {
        return {PgLockMode::share_update_exclusive, DataWork::none, "DROP INDEX CONCURRENTLY"};
    }
    if (first == "ALTER" && concurrently) {  // ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY
        return {PgLockMode::share_update_exclusive, DataWork::none, "DETACH PARTITION CONCURRENTLY"};
    }
    if (first == "VACUUM") {
        return has_word(w, "FULL") ? DocumentedLock{PgLockMode::access_exclusive, DataWork::rewrite, "VACUUM FULL"}
                                   : DocumentedLock{PgLockMode::share_update_exclusive, DataWork::scan, "VACUUM"};
    }
    if (first == "ALTER" && has_word(w, "TYPE")) {  // ALTER TYPE ... ADD VALUE before PostgreSQL 12
        return {std::nullopt, DataWork::none, "ALTER TYPE ... ADD VALUE"};
    }
    return {std::nullopt, DataWork::none, first.empty() ? "this statement" : first};
}

std::optional<std::int64_t> estimate_ms(DataWork work, const LiveSize& size, const Throughput& throughput) {
    double bytes = 0;
    double rate = 0;
    switch (work) {
    case DataWork::none: return std::nullopt;
    case DataWork::scan: bytes = static_cast<double>(size.table_bytes); rate = throughput.scan; break;
    case DataWork::index_build: bytes = static_cast<double>(size.table_bytes); rate = throughput.index_build; break;
    case DataWork::rewrite: bytes = static_cast<double>(size.total_bytes); rate = throughput.rewrite; break;
    }
    if (rate <= 0) {
        return std::nullopt;
    }
    return static_cast<std::int64_t>(std::llround(bytes / rate * 1000.0));
}

namespace {

std::string over(const StatementImpact& s, const LockHeld& lock, std::chrono::milliseconds limit) {
    return lock.mode + " on " + lock.relation + " held " + (s.estimate_ms ? "about " : "") +
           util::human_duration(s.hold_ms()) + (s.estimate_ms ? "" : " (on the scratch database)") + ", over " +
           util::human_duration(limit.count());
}

void check_one(const StatementImpact& s, const ImpactBudget& budget, std::vector<BudgetBreach>& out) {
    const LockHeld* lock = s.strongest();
    if (lock && lock->access_exclusive && budget.max_access_exclusive &&
        s.hold_ms() > budget.max_access_exclusive->count()) {
        out.push_back({&s, "max_access_exclusive", over(s, *lock, *budget.max_access_exclusive)});
    }
    if (lock && lock->blocks_writes && budget.max_write_block && s.hold_ms() > budget.max_write_block->count()) {
        out.push_back({&s, "max_write_block", over(s, *lock, *budget.max_write_block)});
    }
    if (s.work == DataWork::rewrite && budget.rewrite == RewritePolicy::refuse) {
        std::string tables;
        for (const auto& t : s.work_on) {
            tables += (tables.empty() ? "" : ", ") + t;
        }
        out.push_back({&s, "rewrite", "rewrites " + (tables.empty() ? std::string("a table") : tables)});
    }
}

}  // namespace

std::vector<BudgetBreach> check_budget(const std::vector<StatementImpact>& statements, const ImpactBudget& budget) {
    std::vector<BudgetBreach> out;
    for (const auto& s : statements) {
        check_one(s, budget, out);
    }
    return out;
}

std::optional<LintCheck> check_lint_rule(std::string_view rule, const StatementImpact& measured) {
    const LockHeld* lock = measured.strongest();
    const bool blocks_writes = lock && lock->blocks_writes;
    const auto check = [&](bool holds, std::string what_instead) {
        return LintCheck{std::string(rule), holds, holds ? "" : std::move(what_instead)};
    };
    if (rule == "add-column-volatile-default" || rule == "alter-column-type") {
        return check(measured.work == DataWork::rewrite, "no rewrite");
    }
    if (rule == "set-not-null" || rule == "constraint-not-valid") {
        return check(measured.work == DataWork::scan || measured.work == DataWork::rewrite, "no scan");
    }
    if (rule == "index-not-concurrently") {
        return check(blocks_writes, "writes not blocked");
    }
    if (rule == "add-key-without-index") {
        return check(measured.work == DataWork::index_build || measured.work == DataWork::rewrite, "no index build");
    }
    return std::nullopt;
}

namespace {

// "orders" for public.orders: the schema every reader assumes is left out.
std::string shown(const std::string& relation) {
    return relation.starts_with("public.") ? relation.substr(7) : relation;
}

}  // namespace

std::string describe_lock(const StatementImpact& s) {
    const LockHeld* strongest = s.strongest();
    if (!strongest) {
        return "no lock on an existing table";
    }
    std::string on;
    for (const auto& lock : s.locks) {
        if (lock.mode == strongest->mode && lock.strength == strongest->strength) {
            on += (on.empty() ? "" : ", ") + shown(lock.relation);
        }
    }
    const char* blocks = strongest->blocks_reads    ? " (blocks reads and writes)"
                         : strongest->blocks_writes ? " (blocks writes)"
                                                    : "";
    return strongest->mode + " on " + on + blocks;
}

std::string_view describe_work(DataWork work) {
    switch (work) {
    case DataWork::none: return "no rewrite";
    case DataWork::scan: return "scan to validate";
    case DataWork::index_build: return "index build";
    case DataWork::rewrite: return "rewrite";
    }
    return "no rewrite";
}

const StatementImpact* statement_at(std::span<const StatementImpact> measured, std::string_view file, Position at) {
    const StatementImpact* on = nullptr;
    for (const auto& s : measured) {
        const bool starts_before = s.at.line < at.line || (s.at.line == at.line && s.at.column <= at.column);
        if (s.file == file && starts_before) {
            on = &s;
        }
    }
    return on;
}

namespace {

// lint's lock messages are "the guess; the advice": the advice still holds when the guess is measured true.
std::string advice_of(const std::string& message) {
    const std::size_t at = message.find("; ");
    return at == std::string::npos ? "" : message.substr(at);
}

MeasuredFinding measured_finding(const Finding& f, std::span<const StatementImpact> measured) {
    const StatementImpact* on = statement_at(measured, f.file, f.position);
    const auto check = on ? check_lint_rule(f.rule, *on) : std::nullopt;
    if (!check) {
        return {f, Verdict::guessed};
    }
    Finding out = f;
    const std::string what = describe_lock(*on) + ", " + std::string(describe_work(on->work));
    if (check->confirmed) {
        out.message = "measured on a scratch database: " + what + advice_of(f.message);
        return {std::move(out), Verdict::confirmed};
    }
    out.message = "lint's guess does not hold here: " + check->measured + " measured on a scratch database (" +
                  what + ")";
    return {std::move(out), Verdict::contradicted};
}

}  // namespace

std::vector<MeasuredFinding> with_measurements(const std::vector<Finding>& findings,
                                               std::span<const StatementImpact> measured) {
    std::vector<MeasuredFinding> out;
    out.reserve(findings.size());
    for (const auto& f : findings) {
        out.push_back(measured_finding(f, measured));
    }
    return out;
}

std::string human_rows(std::int64_t rows) {
    char buf[32];
    if (rows < 1000) {
        std::snprintf(buf, sizeof buf, "%lld rows", static_cast<long long>(rows));
    } else if (rows < 1000000) {
        std::snprintf(buf, sizeof buf, "%.1f k rows", static_cast<double>(rows) / 1e3);
    } else if (rows < 1000000000) {
        std::snprintf(buf, sizeof buf, "%.0f M rows", static_cast<double>(rows) / 1e6);
    } else {
        std::snprintf(buf, sizeof buf, "%.1f G rows", static_cast<double>(rows) / 1e9);
    }
    return buf;
}

}  // namespace sqlmig::core
