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

// A session that cannot write, whatever a bug in sqlmig would try: the live database is
// only read. SQLite is opened read-only instead (Context::connect(true)).
std::optional<std::string> read_only_session_sql(core::Dialect dialect) {
    switch (dialect) {
    case core::Dialect::postgres: return "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY";
    case core::Dialect::mysql: return "SET SESSION TRANSACTION READ ONLY";
    case core::Dialect::sqlite: return std::nullopt;
    }
    return std::nullopt;
}

std::unique_ptr<ImpactProbe> make_probe(core::Dialect dialect, db::Driver& scratch) {
    switch (dialect) {
    case core::Dialect::postgres: return make_postgres_probe(scratch);
    case core::Dialect::mysql: return make_mariadb_probe(scratch);
    case core::Dialect::sqlite: return make_sqlite_probe(scratch);
    }
    return make_postgres_probe(scratch);
}

// What the scratch must have applied first, and what impact measures after it.
struct Split {
    std::vector<const core::Migration*> applied;
    std::vector<const core::Migration*> pending;
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
        out.pending.push_back(step.migration);
    }
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
            out.pending.push_back(&m);
        }
    }
    return out;
}

void apply_up(Context& ctx, db::Driver& driver, const core::Migration& m) {
    Runner runner(ctx, driver);
    const auto prepared = runner.prepare({core::Step{core::Direction::up, &m}}, false);
    std::vector<StepOutcome> done;
    runner.run(prepared, false, done);
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

// Sets each of lint's warnings on the statement it is about (the last measured one starting at or
// before it), with whether the measurement bears it out.
void add_lint_checks(const std::vector<core::Finding>& findings, std::span<core::StatementImpact> measured) {
    for (const auto& f : findings) {
        core::StatementImpact* on = nullptr;
        for (auto& s : measured) {
            if (s.at.line < f.position.line || (s.at.line == f.position.line && s.at.column <= f.position.column)) {
                on = &s;
            }
        }
        if (on) {
            if (auto check = core::check_lint_rule(f.rule, *on)) {
                on->lint.push_back(std::move(*check));
            }
        }
    }
}

void measure_migration(Context& ctx, ImpactProbe& probe, core::Dialect dialect, int server_version,
                       const core::Migration& m, std::vector<core::StatementImpact>& out) {
    const Script script = ctx.script(m, core::Direction::up);
    const std::size_t first = out.size();
    for_each_statement(script, dialect, [&](core::Statement&& statement) {
        const auto kind = core::classify(statement, dialect, server_version);
        if (kind == core::StatementKind::transaction_begin || kind == core::StatementKind::transaction_end ||
            kind == core::StatementKind::transaction_abort) {
            return;  // each statement is measured in a transaction of its own
        }
        core::StatementImpact s;
        s.file = script.label;
        s.at = statement.start;
        s.version = m.version.text();
        s.statement = one_line(statement.text);
        try {
            probe.measure(statement, s);
        } catch (const db::StatementError& e) {
            throw MigrationError("impact stopped: " + describe_statement_error(script.label, e) +
                                 "\n(it failed on the scratch database, which holds the schema but none of the "
                                 "live data)");
        }
        out.push_back(std::move(s));
    });
    add_lint_checks(lint_up_script(ctx, script, dialect, server_version),
                    std::span<core::StatementImpact>(out).subspan(first));
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
        live = ctx.connect(true);
        if (const auto sql = read_only_session_sql(live->dialect())) {
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
    Scratch scratch(ctx, ScratchRequest{"impact", request.scratch_url, keep});
    report.scratch = scratch.label();
    report.scratch_kept = scratch.kept();
    spdlog::info("impact on the scratch database {}", scratch.label());
    auto driver = db::make_driver(scratch.options());
    ctx.prepare_tracking(*driver);
    for (const auto* m : split.applied) {
        apply_up(ctx, *driver, *m);
    }
    const auto probe = make_probe(driver->dialect(), *driver);
    for (const auto* m : split.pending) {
        measure_migration(ctx, *probe, driver->dialect(), driver->server_version(), *m, report.statements);
    }
    if (live) {
        add_live_sizes(*probe, *live, report, request.calibration_rows);
    }
    return report;
}

void refuse_over_impact_budget(Context& ctx, const std::string& target) {
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
    throw RefusedError(std::to_string(breaches.size()) + " pending statement(s) over the [impact] budgets "
                       "([impact] before_up = true); nothing was run:" + list +
                       "\n'sqlmig impact' shows every statement; change the migration or the budget");
}

}  // namespace sqlmig::engine
