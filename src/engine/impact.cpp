// measure_impact: the scratch database built at the live database's version, each pending
// statement measured on it by the database's probe, and the live sizes read (read-only) to
// estimate how long each lock would be held in production (docs/impact.md).

#include "engine/impact.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <span>

#include "engine/inspect.hpp"
#include "engine/lint.hpp"
#include "engine/runner.hpp"
#include "db/backend.hpp"
#include "util/error.hpp"
#include "engine/scratch.hpp"
#include "core/statement_kind.hpp"
#include "util/text.hpp"

namespace sqlmig::engine {

namespace fs = std::filesystem;

std::int64_t timed_internal(db::Driver& driver, const std::string& sql) {
    const auto started = std::chrono::steady_clock::now();
    driver.execute_internal(sql);
    driver.flush();
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
}

double bytes_per_second(double bytes, std::int64_t ms) {
    return bytes / (static_cast<double>(std::max<std::int64_t>(ms, 1)) / 1000.0);
}

namespace {

// Each database's probe (impact_<name>.cpp), by its dialect's name.
struct ProbeFactory {
    std::string_view dialect;
    std::unique_ptr<ImpactProbe> (*make)(db::Driver& scratch);
};
constexpr ProbeFactory k_probes[] = {
    {"postgres", make_postgres_probe},
    {"mysql", make_mariadb_probe},
    {"sqlite", make_sqlite_probe},
};

std::unique_ptr<ImpactProbe> make_probe(core::Dialect dialect, db::Driver& scratch) {
    for (const ProbeFactory& p : k_probes) {
        if (p.dialect == dialect.name()) {
            return p.make(scratch);
        }
    }
    throw ConfigError("sqlmig impact does not measure " + std::string(dialect.name()) + " yet");
}

// What the scratch must have applied first, and what impact measures after it.
struct Pending {
    const core::Migration* migration;
    // An interrupted migration's: the statements its journal counts committed on the live database,
    // applied on the scratch and not measured, as `up` skips them when it resumes the file.
    std::int64_t resume_at = 0;
};
struct Split {
    std::vector<const core::Migration*> applied;
    std::vector<Pending> pending;
};

const core::Migration* checked_version(const core::Catalog& catalog, const std::string& text, const char* what) {
    const auto version = core::Version::parse(text);
    const core::Migration* m = version ? core::find_migration(catalog.migrations, *version) : nullptr;
    if (!m) {
        throw UsageError("invalid " + std::string(what) + " '" + util::printable(text) +
                         "'; expected a version of the migrations folder");
    }
    return m;
}

// Where the next run of an interrupted migration starts: after the statements its journal counts,
// when the file is the one the journal counted (else `up` refuses to resume it, and the whole file is
// measured).
std::int64_t resume_point(const core::Migration& m, const core::AppliedRow& row) {
    if (!row.statements_done) {
        return 0;
    }
    if (!m.checksum || *m.checksum != row.journal_checksum) {
        spdlog::warn("{} was interrupted after {} statement(s) and its file changed since: impact measures the whole "
                     "file, but 'up' will refuse to resume it", util::printable(m.up_file), *row.statements_done);
        return 0;
    }
    return *row.statements_done;
}

// A migration that failed with a journal runs from its journal's statement once `repair` is run
// (docs/migrations.md, "After a crash"): what is still to run is measured, in version order.
void add_failed_with_journal(const core::Status& status, const std::string& target, std::vector<Pending>& pending) {
    const auto last = target == "head" ? std::nullopt : core::Version::parse(target);
    if (target != "head" && !last) {
        return;  // "+N": the count is of what `up` would run, which it will not until repaired
    }
    for (const auto& e : status.entries) {
        if (core::resumable_after_repair(e) && (!last || !(*last < e.version))) {
            pending.push_back({e.migration, resume_point(*e.migration, *e.row)});
        }
    }
    std::stable_sort(pending.begin(), pending.end(),
                     [](const Pending& a, const Pending& b) { return a.migration->version < b.migration->version; });
}

// With live stats: applied is what the live database applied, pending what `up TARGET` would run.
Split split_live(Context& ctx, db::Driver& live, const std::string& target) {
    std::unique_ptr<Snapshot> snap;
    try {
        snap = read_snapshot(ctx, live);
    } catch (const DbError& e) {
        throw DbError("cannot read what the live database " + ctx.database_label() + " applied: " + e.what() +
                      "\nimpact needs to read its tracking table; or pass --no-live-stats --from VERSION");
    }
    Split out;
    for (const auto& e : snap->status.entries) {
        if (e.migration && (e.state == core::EntryState::applied || e.state == core::EntryState::modified)) {
            out.applied.push_back(e.migration);
        }
    }
    for (const auto& step : core::plan_up(snap->status, target, true)) {
        out.pending.push_back({step.migration, step.resumes ? resume_point(*step.migration, *step.resumes) : 0});
    }
    add_failed_with_journal(snap->status, target, out.pending);
    return out;
}

// Without them: the migrations up to --from are applied (none without it), the rest up to TARGET pending.
Split split_offline(Context& ctx, const std::string& from, const std::string& target) {
    const auto& catalog = ctx.catalog();
    const core::Migration* last_applied = from.empty() ? nullptr : checked_version(catalog, from, "--from");
    const bool head = target.empty() || target == "head";
    const core::Migration* last = head ? nullptr : checked_version(catalog, target, "impact target");
    Split out;
    for (const auto& m : catalog.migrations) {
        if (last_applied && !(last_applied->version < m.version)) {
            out.applied.push_back(&m);
        } else if (!last || !(last->version < m.version)) {
            out.pending.push_back({&m});
        }
    }
    return out;
}

void apply_up(Context& ctx, db::Driver& driver, const core::Migration& m) {
    Runner runner(ctx, driver);
    const auto prepared = runner.prepare({core::Step{core::Direction::up, &m}}, RunTransaction::per_migration);
    std::vector<StepOutcome> done;
    runner.run(prepared, RunTransaction::per_migration, done);
}

std::string one_line(const std::string& text) {
    std::string out;
    bool space = false;
    for (char c : text) {
        const bool blank = c == ' ' || c == '\n' || c == '\r' || c == '\t';
        if (blank) {
            space = !out.empty();
            continue;
        }
        if (space) {
            out += ' ';
            space = false;
        }
        out += c;
    }
    return util::shorten(util::printable(out), 100);
}

// Sets each of lint's warnings on the statement it is about, with whether the measurement bears it out.
void add_lint_checks(const std::vector<core::Finding>& findings, std::span<core::StatementImpact> measured) {
    for (const auto& f : findings) {
        const core::StatementImpact* on = core::statement_at(measured, f.file, f.position);
        if (!on) {
            continue;
        }
        auto& statement = measured[static_cast<std::size_t>(on - measured.data())];
        if (auto check = core::check_lint_rule(f.rule, statement)) {
            statement.lint.push_back(std::move(*check));
        }
    }
}

[[noreturn]] void stopped_on_scratch(const Script& script, const db::StatementError& e) {
    throw MigrationError("impact stopped: " + describe_statement_error(script.label, e) +
                         "\n(it failed on the scratch database, which holds the schema but none of the live data)");
}

core::StatementImpact measure_statement(ImpactProbe& probe, const Script& script, const core::Migration& m,
                                        const core::Statement& statement) {
    core::StatementImpact s;
    s.file = script.label;
    s.at = statement.start;
    s.version = m.version.text();
    s.statement = one_line(statement.text);
    try {
        probe.measure(statement, s);
    } catch (const db::StatementError& e) {
        stopped_on_scratch(script, e);
    }
    return s;
}

// Statements before `pending.resume_at` committed on the live database before its run was
// interrupted: they are applied to the scratch (each in autocommit) and the rest measured.
void measure_migration(Context& ctx, db::Driver& scratch, ImpactProbe& probe, const Pending& pending,
                       std::vector<core::StatementImpact>& out) {
    const core::Migration& m = *pending.migration;
    const core::Dialect dialect = scratch.dialect();
    const Script script = ctx.script(m, core::Direction::up);
    check_file(script, dialect, scratch.server_version());  // what up would refuse, impact refuses alike
    const std::size_t first = out.size();
    std::int64_t index = -1;  // counted as the runner's journal counts: every statement of the file
    for_each_statement(script, dialect, [&](core::Statement&& statement) {
        ++index;
        const auto kind = core::classify(statement, dialect, scratch.server_version());
        if (kind == core::StatementKind::transaction_begin || kind == core::StatementKind::transaction_end ||
            kind == core::StatementKind::transaction_abort) {
            return;  // each statement is measured in a transaction of its own
        }
        if (index < pending.resume_at) {
            try {
                scratch.execute(std::move(statement));
                scratch.flush();
            } catch (const db::StatementError& e) {
                stopped_on_scratch(script, e);
            }
            return;
        }
        out.push_back(measure_statement(probe, script, m, statement));
    });
    const auto measured = std::span<core::StatementImpact>(out).subspan(first);
    if (pending.resume_at > 0 && !measured.empty()) {
        auto& resumed = measured.front();
        resumed.note += std::string(resumed.note.empty() ? "" : "; ") + "the interrupted run resumes here: the " +
                        std::to_string(pending.resume_at) + " statement(s) before it committed (its journal)";
    }
    add_lint_checks(lint_up_script(ctx, script, dialect, scratch.server_version()), measured);
}

// The relation whose size decides the statement's estimate: what it rewrites, scans or
// indexes, else the tables it locks.
std::vector<std::string> sized_relations(const core::StatementImpact& s) {
    if (!s.work_on.empty()) {
        return s.work_on;
    }
    std::vector<std::string> out;
    for (const auto& lock : s.locks) {
        out.push_back(lock.relation);
    }
    return out;
}

void add_live_sizes(ImpactProbe& probe, db::Driver& live, ImpactReport& report, std::int64_t calibration_rows) {
    std::set<std::string> names;
    for (const auto& s : report.statements) {
        for (const auto& r : sized_relations(s)) {
            names.insert(r);
        }
    }
    std::vector<core::LiveSize> sizes;
    try {
        sizes = probe.live_sizes(live, {names.begin(), names.end()});
    } catch (const DbError& e) {
        throw DbError("cannot read the table sizes of the live database: " + std::string(e.what()) +
                      "\npass --no-live-stats to measure on the scratch database only");
    }
    const bool works = std::any_of(report.statements.begin(), report.statements.end(),
                                   [](const auto& s) { return s.work != core::DataWork::none; });
    if (works && !sizes.empty()) {  // nothing to scale without a live size (MariaDB and SQLite read none yet)
        report.throughput = probe.calibrate(calibration_rows);
    }
    for (auto& s : report.statements) {
        for (const auto& name : sized_relations(s)) {
            const auto it = std::find_if(sizes.begin(), sizes.end(), [&](const auto& z) { return z.relation == name; });
            if (it != sizes.end() && (!s.live || s.live->total_bytes < it->total_bytes)) {
                s.live = *it;
            }
        }
        if (s.live && report.throughput) {
            s.estimate_ms = core::estimate_ms(s.work, *s.live, *report.throughput);
        }
    }
}

}  // namespace

ImpactReport measure_impact(Context& ctx, const ImpactRequest& request) {
    ImpactReport report;
    std::unique_ptr<db::Driver> live;
    Split split;
    if (request.live == LiveStats::read) {
        live = ctx.connect(Access::read_only);
        // A session that cannot write, whatever a bug in sqlmig would try: the live database is only read.
        if (const auto sql = db::backend_of(ctx.connect_options(Access::read_only).url).read_only_session_sql()) {
            live->execute_internal(*sql);
            live->flush();
        }
        report.database = ctx.database_label();
        split = split_live(ctx, *live, request.target.empty() ? "head" : request.target);
    } else {
        split = split_offline(ctx, request.from, request.target);
    }
    report.migrations = split.pending.size();
    if (split.pending.empty()) {
        return report;
    }
    const KeepScratch keep = request.keep ? KeepScratch::yes : KeepScratch::no;
    // Durable: impact measures statements, and a commit that does not sync would look cheaper than it is.
    Scratch scratch(ctx, ScratchRequest{"impact", request.scratch_url, keep, ScratchUrl::offered, db::Durability::durable});
    report.scratch = scratch.label();
    report.scratch_kept = scratch.kept();
    spdlog::info("impact on the scratch database {}", scratch.label());
    auto driver = db::make_driver(scratch.options());
    ctx.prepare_tracking(*driver);
    {
        const QuietReplay quiet(ctx);
        for (const auto* m : split.applied) {
            apply_up(ctx, *driver, *m);
        }
    }
    const auto probe = make_probe(driver->dialect(), *driver);
    for (const auto& pending : split.pending) {
        measure_migration(ctx, *driver, *probe, pending, report.statements);
    }
    if (live) {
        add_live_sizes(*probe, *live, report, request.calibration_rows);
    }
    return report;
}

void check_impact_before_up(Context& ctx, const std::string& target) {
    const config::UpGate gate = ctx.config().impact_before_up;
    if (gate == config::UpGate::off) {
        return;
    }
    ImpactRequest request;
    request.target = target.empty() ? "head" : target;
    const ImpactReport report = measure_impact(ctx, request);
    const auto breaches = core::check_budget(report.statements, ctx.config().impact);
    if (breaches.empty()) {
        spdlog::info("impact: {} pending statements within the [impact] budgets", report.statements.size());
        return;
    }
    std::string list;
    for (const auto& b : breaches) {
        list += "\n  " + b.statement->file + ":" + std::to_string(b.statement->at.line) + ": [impact] " + b.budget +
                ": " + b.why;
    }
    const std::string what = std::to_string(breaches.size()) + " pending statement(s) over the [impact] budgets";
    if (gate == config::UpGate::refuse) {
        throw RefusedError(what + " ([impact] before_up = \"refuse\"); nothing was run:" + list +
                           "\n'sqlmig impact' shows every statement; change the migration or the budget");
    }
    spdlog::warn("{} ([impact] before_up = \"warn\"); running them anyway:{}", what, list);
}

}  // namespace sqlmig::engine
