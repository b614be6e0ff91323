// impact: what each pending statement locks, rewrites and scans, measured on a scratch
// database and scaled by the live database's sizes; exit 3 when one is over an [impact]
// budget (docs/impact.md).

#include <memory>
#include <iostream>

#include "cli/commands.hpp"
#include "engine/impact.hpp"
#include "cli/output.hpp"
#include "cli/usage.hpp"
#include "util/text.hpp"

namespace sqlmig::cli {

using namespace engine;

namespace {

struct ImpactOptions {
    ImpactRequest request;
    bool no_live_stats = false;
};

std::string where(const core::StatementImpact& s) {
    return s.file + ":" + std::to_string(s.at.line);
}

std::string size_text(const core::StatementImpact& s) {
    if (!s.live) {
        return "";
    }
    std::string out = " (" + util::human_size(static_cast<std::uintmax_t>(s.live->total_bytes));
    if (s.live->rows) {
        out += ", " + core::human_rows(*s.live->rows);
    }
    return out + ")";
}

std::string duration_text(const core::StatementImpact& s) {
    if (s.estimate_ms) {
        return ", about " + util::human_duration(*s.estimate_ms);
    }
    return ", " + util::human_duration(s.scratch_ms) + " on the scratch database";
}

void print_statement(const core::StatementImpact& s) {
    const std::string algorithm = s.algorithm.empty() ? "" : "ALGORITHM=" + s.algorithm + ", ";
    std::cout << where(s) << ": " << s.statement << " \u2014 " << algorithm << core::describe_lock(s) << ", "
              << core::describe_work(s.work)
              << size_text(s) << duration_text(s) << '\n';
    if (!s.note.empty()) {
        std::cout << "    " << s.note << '\n';
    }
    for (const auto& check : s.lint) {
        if (!check.confirmed) {  // a confirmed warning says what the line says already
            std::cout << "    lint's " << check.rule << " does not hold here: " << check.measured << " measured\n";
        }
    }
}

void print_summary(const ImpactReport& report, const std::vector<core::BudgetBreach>& breaches) {
    std::size_t blocking_reads = 0, blocking_writes = 0, rewrites = 0;
    const core::StatementImpact* longest = nullptr;
    for (const auto& s : report.statements) {
        const auto* lock = s.strongest();
        blocking_reads += lock && lock->blocks_reads;
        blocking_writes += lock && lock->blocks_writes;
        rewrites += s.work == core::DataWork::rewrite;
        if (lock && lock->blocks_writes && (!longest || longest->hold_ms() < s.hold_ms())) {
            longest = &s;
        }
    }
    std::cout << report.statements.size() << " statements in " << report.migrations << " pending migrations: "
              << blocking_reads << " block reads, " << blocking_writes << " block writes, " << rewrites
              << " rewrite a table";
    if (longest) {
        std::cout << "; longest blocking lock " << (longest->estimate_ms ? "about " : "")
                  << util::human_duration(longest->hold_ms()) << " (" << where(*longest) << ")";
    }
    std::cout << '\n';
    if (report.throughput) {
        const auto& t = *report.throughput;
        const auto rate = [](double bps) { return util::human_size(static_cast<std::uintmax_t>(bps)) + "/s"; };
        std::cout << "estimates from throughputs measured on the scratch database's server (" << t.rows << " rows, "
                  << util::human_size(static_cast<std::uintmax_t>(t.bytes)) << "): rewrite " << rate(t.rewrite)
                  << ", scan " << rate(t.scan) << ", index build " << rate(t.index_build) << '\n';
    } else if (report.database.empty()) {
        std::cout << "no live sizes read (--no-live-stats): durations are the scratch database's\n";
    }
    if (report.scratch_kept) {
        std::cout << "the scratch database is kept: " << report.scratch << '\n';
    }
    for (const auto& b : breaches) {
        std::cout << "over budget: " << where(*b.statement) << ": [impact] " << b.budget << ": " << b.why << '\n';
    }
}

util::Json optional_int(const std::optional<std::int64_t>& v) { return v ? util::Json(*v) : util::Json(); }

util::Json statement_json(const core::StatementImpact& s) {
    util::Json locks = util::Json::array();
    for (const auto& l : s.locks) {
        locks.push(util::Json::object()
                       .set("relation", l.relation)
                       .set("mode", l.mode)
                       .set("blocks_reads", l.blocks_reads)
                       .set("blocks_writes", l.blocks_writes));
    }
    util::Json work_on = util::Json::array();
    for (const auto& r : s.work_on) {
        work_on.push(r);
    }
    util::Json live;
    if (s.live) {
        live = util::Json::object()
                   .set("relation", s.live->relation)
                   .set("rows", optional_int(s.live->rows))
                   .set("table_bytes", s.live->table_bytes)
                   .set("total_bytes", s.live->total_bytes);
    }
    util::Json lint = util::Json::array();
    for (const auto& check : s.lint) {
        lint.push(util::Json::object().set("rule", check.rule).set("confirmed", check.confirmed));
    }
    return util::Json::object()
        .set("file", s.file)
        .set("line", static_cast<std::int64_t>(s.at.line))
        .set("version", s.version)
        .set("statement", s.statement)
        .set("locks", locks)
        .set("work", std::string(core::to_string(s.work)))
        .set("work_on", work_on)
        .set("algorithm", s.algorithm.empty() ? util::Json() : util::Json(s.algorithm))
        .set("scratch_ms", s.scratch_ms)
        .set("live", live)
        .set("estimate_ms", optional_int(s.estimate_ms))
        .set("note", s.note.empty() ? util::Json() : util::Json(s.note))
        .set("lint", lint);
}

void print_json_report(const ImpactReport& report, const std::vector<core::BudgetBreach>& breaches) {
    util::Json statements = util::Json::array();
    for (const auto& s : report.statements) {
        statements.push(statement_json(s));
    }
    util::Json over = util::Json::array();
    for (const auto& b : breaches) {
        over.push(util::Json::object()
                      .set("file", b.statement->file)
                      .set("line", static_cast<std::int64_t>(b.statement->at.line))
                      .set("budget", b.budget)
                      .set("why", b.why));
    }
    util::Json throughput;
    if (report.throughput) {
        throughput = util::Json::object()
                         .set("rows", report.throughput->rows)
                         .set("bytes", report.throughput->bytes)
                         .set("rewrite_bytes_per_s", static_cast<std::int64_t>(report.throughput->rewrite))
                         .set("scan_bytes_per_s", static_cast<std::int64_t>(report.throughput->scan))
                         .set("index_build_bytes_per_s", static_cast<std::int64_t>(report.throughput->index_build));
    }
    print_json(util::Json::object()
                   .set("ok", breaches.empty())
                   .set("database", report.database.empty() ? util::Json() : util::Json(report.database))
                   .set("scratch", report.scratch.empty() ? util::Json() : util::Json(report.scratch))
                   .set("pending", static_cast<std::int64_t>(report.migrations))
                   .set("statements", statements)
                   .set("throughput", throughput)
                   .set("over_budget", over));
}

void run_impact(Context& ctx, const ImpactOptions& o) {
    ImpactRequest request = o.request;
    request.live = o.no_live_stats ? LiveStats::skip : LiveStats::read;
    if (!request.from.empty() && request.live == LiveStats::read) {
        throw UsageError("--from is for --no-live-stats: with live stats the scratch is built at the live "
                         "database's version");
    }
    const ImpactReport report = measure_impact(ctx, request);
    const auto breaches = core::check_budget(report.statements, ctx.config().impact);
    if (ctx.options.json) {
        print_json_report(report, breaches);
    } else if (report.migrations == 0) {
        std::cout << "nothing pending: no migration to measure\n";
    } else {
        for (const auto& s : report.statements) {
            print_statement(s);
        }
        print_summary(report, breaches);
    }
    if (!breaches.empty()) {
        throw SilentFailure(ExitCode::refused);
    }
}

}  // namespace

void setup_impact(CLI::App& app, Context& ctx) {
    const auto o = std::make_shared<ImpactOptions>();
    auto* impact = app.add_subcommand(
        "impact", "Measure what each pending statement locks, rewrites and scans, on a scratch database");
    non_empty(impact->add_option("target", o->request.target, "head (default) or the last version to measure"));
    impact->add_flag("--no-live-stats", o->no_live_stats,
                     "Do not read the live database: measure on the scratch database only (CI on a pull request)");
    impact->add_option("--from", o->request.from,
                       "With --no-live-stats: build the scratch database up to VERSION (default: none applied)")
        ->type_name("VERSION");
    non_empty(impact->add_option("--scratch-url", o->request.scratch_url,
                             "An empty database to use instead of creating one")
                  ->type_name("URL"));
    impact->add_flag("--keep", o->request.keep, "Keep the scratch database at the end (its name is printed)");
    impact->add_option("--calibration-rows", o->request.calibration_rows,
                       "Rows of the table the throughput is measured on (default 200000)")
        ->type_name("N")
        ->check(CLI::Range(std::int64_t{1000}, std::int64_t{100000000}));
    impact->callback([&ctx, o] {
        run_impact(ctx, *o);
    });
}

}  // namespace sqlmig::cli
