// sqlmig fleet up|down|status|check|validate: one command over every target of [fleet];
// sqlmig fleet report FILE...: the --json documents of several shards as one summary.

#include <memory>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <algorithm>
#include <iostream>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>

#include "cli/commands.hpp"
#include "engine/fleet.hpp"
#include "cli/output.hpp"
#include "cli/usage.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace sqlmig::cli {

using namespace engine;

namespace {

bool migrates(FleetCommand c) {
    return c == FleetCommand::up || c == FleetCommand::down;
}

std::string version_text(const std::string& v) {
    return v.empty() ? "none" : v;
}

// "migrations/003_x.up.sql:4:11: ERROR: ..." -> its file, line and column.
util::Json error_location(const std::string& error) {
    static const std::regex at(R"(^([^\n]+?):([0-9]+):([0-9]+): )");
    std::smatch m;
    const std::string line = util::first_line(error);
    if (!std::regex_search(line, m, at)) {
        return util::Json();
    }
    return util::Json::object()
        .set("file", m[1].str())
        .set("line", std::stoi(m[2].str()))
        .set("column", std::stoi(m[3].str()));
}

// Whether the target's versions are known: an unreachable or locked target was never read.
bool was_read(const TargetResult& r) {
    return r.outcome != Outcome::unreachable && r.outcome != Outcome::locked && r.outcome != Outcome::not_started;
}

// One line per finished target, on stderr, and the live tally on a terminal.
class Reporter {
public:
    Reporter(FleetCommand command, const GlobalOptions& options, std::size_t total)
        : m_command(command), m_quiet(options.quiet), m_live(::isatty(STDERR_FILENO) && !options.quiet), m_total(total) {}

    void finished(const TargetResult& r, const FleetProgress& p) {
        clear_live();
        if (r.exit_code != 0 || r.outcome == Outcome::locked || !m_quiet) {
            std::cerr << "sqlmig: [" << r.name << "] " << line(r) << '\n';
        }
        if (m_live) {
            std::cerr << "fleet " << to_string(m_command) << ": " << p.done << "/" << m_total << " done, " << p.failed
                      << " failed, " << p.running << " running, " << p.remaining << " remaining" << std::flush;
            m_drawn = true;
        }
    }

    void done() { clear_live(); }

private:
    std::string line(const TargetResult& r) const {
        std::string out = to_string(r.outcome);
        const bool read = was_read(r);
        if (read && migrates(m_command)) {
            out += " " + version_text(r.from) + " -> " + version_text(r.to);
            if (r.steps > 0) {
                out += " (" + std::to_string(r.steps) + " migration" + (r.steps == 1 ? "" : "s") + ")";
            }
        } else if (read) {
            out += " (" + version_text(r.to) + (r.pending > 0 ? ", " + std::to_string(r.pending) + " pending" : "") + ")";
        }
        out += ", " + util::human_duration(r.duration_ms);
        if (!r.error.empty()) {
            out += ": " + util::shorten(util::first_line(r.error), 300);
        }
        return out;
    }

    void clear_live() {
        if (m_drawn) {
            std::cerr << "\r\x1b[K";
            m_drawn = false;
        }
    }

    FleetCommand m_command;
    bool m_quiet;
    bool m_live;
    std::size_t m_total;
    bool m_drawn = false;
};

std::map<std::string, std::size_t> tally(const std::vector<TargetResult>& results) {
    std::map<std::string, std::size_t> counts;
    for (const auto& r : results) {
        ++counts[to_string(r.outcome)];
    }
    return counts;
}

util::Json results_json(FleetCommand command, const std::vector<TargetResult>& results, const std::string& head,
                        const std::string& shard, std::int64_t duration_ms) {
    util::Json targets = util::Json::array();
    for (const auto& r : results) {
        targets.push(util::Json::object()
                         .set("name", r.name)
                         .set("url", r.url)
                         .set("result", to_string(r.outcome))
                         .set("exit_code", r.exit_code)
                         .set("from", r.from.empty() ? util::Json() : util::Json(r.from))
                         .set("to", r.to.empty() ? util::Json() : util::Json(r.to))
                         .set("migrations", r.steps)
                         .set("pending", r.pending)
                         .set("duration_ms", r.duration_ms)
                         .set("error", r.error.empty() ? util::Json() : util::Json(r.error))
                         .set("error_location", error_location(r.error)));
    }
    util::Json summary = util::Json::object();
    for (const auto& [outcome, count] : tally(results)) {
        summary.set(outcome, count);
    }
    const int code = fleet_exit_code(results);
    return util::Json::object()
        .set("command", to_string(command))
        .set("ok", code == 0)
        .set("exit_code", code)
        .set("head", head.empty() ? util::Json() : util::Json(head))
        .set("shard", shard.empty() ? util::Json() : util::Json(shard))
        .set("duration_ms", duration_ms)
        .set("summary", summary)
        .set("targets", targets);
}

// status and check: how many targets are at each version, head first.
void print_versions(const std::vector<TargetResult>& results, const std::string& head) {
    std::map<std::string, std::size_t> by_version;
    for (const auto& r : results) {
        if (r.outcome != Outcome::unreachable && r.outcome != Outcome::error && r.outcome != Outcome::refused) {
            ++by_version[version_text(r.to)];
        }
    }
    std::vector<std::vector<std::string>> rows = {{"VERSION", "TARGETS"}};
    if (const auto it = by_version.find(version_text(head)); it != by_version.end()) {
        rows.push_back({it->first + " (head)", std::to_string(it->second)});
        by_version.erase(it);
    }
    for (const auto& [version, count] : by_version) {
        rows.push_back({version, std::to_string(count)});
    }
    std::cout << '\n';
    print_table(rows);
}

// An error of several lines (a drifted target's objects, the drift gate's refusal, a database's
// hint), whole under the table: the ERROR column has room for its first line.
void print_errors_of_several_lines(const std::vector<TargetResult>& results) {
    for (const auto& r : results) {
        if (r.error.find('\n') == std::string::npos) {
            continue;
        }
        std::cout << '\n' << util::printable(r.name) << ":\n";
        std::size_t from = 0;
        while (from <= r.error.size()) {
            const auto end = std::min(r.error.find('\n', from), r.error.size());
            std::cout << "  " << util::printable(r.error.substr(from, end - from)) << '\n';
            from = end + 1;
        }
    }
}

void print_results(FleetCommand command, const std::vector<TargetResult>& results, const std::string& head) {
    const bool migrating = migrates(command);
    std::vector<std::vector<std::string>> rows = {
        {"TARGET", "RESULT", migrating ? "FROM" : "VERSION", migrating ? "TO" : "PENDING", "DURATION", "ERROR"}};
    for (const auto& r : results) {
        const bool read = was_read(r);
        rows.push_back({r.name, to_string(r.outcome), read ? version_text(migrating ? r.from : r.to) : "",
                        !read ? "" : migrating ? version_text(r.to) : std::to_string(r.pending),
                        r.outcome == Outcome::not_started ? "" : util::human_duration(r.duration_ms),
                        util::printable(util::shorten(util::first_line(r.error), 100))});
    }
    print_table(rows, 1);
    print_errors_of_several_lines(results);
    if (!migrating) {
        print_versions(results, head);
    }
    std::cout << '\n' << results.size() << " target" << (results.size() == 1 ? "" : "s") << ":";
    const char* sep = " ";
    for (const auto& [outcome, count] : tally(results)) {
        std::cout << sep << count << " " << outcome;
        sep = ", ";
    }
    std::cout << " (head: " << version_text(head) << ")\n";
}

struct FleetFlags {
    FleetOptions options;
    std::vector<std::string> only;
    std::vector<std::string> exclude;
    std::string shard;
    int parallel = 0;
};

std::string newest_version(Context& ctx) {
    const auto& migrations = ctx.catalog().migrations;
    for (auto it = migrations.rbegin(); it != migrations.rend(); ++it) {
        if (!it->version.is_repeatable()) {
            return it->version.text();
        }
    }
    return "";
}

void run_fleet_command(Context& ctx, FleetFlags& flags, const CLI::App& app) {
    const auto started = std::chrono::steady_clock::now();
    FleetOptions& o = flags.options;
    o.selection.only = flags.only;
    o.selection.exclude = flags.exclude;
    if (!flags.shard.empty()) {
        o.selection.shard = core::parse_shard(flags.shard);
        if (!o.selection.shard) {
            throw UsageError("--shard must be I/N with 1 <= I <= N <= 10000, such as --shard 2/4, not '" +
                             util::printable(flags.shard) + "'");
        }
    }
    o.lock_timeout_given = app.get_option("--lock-timeout")->count() > 0;
    ctx.catalog();  // a broken folder is reported before any target is touched
    const auto configured = load_targets(ctx);
    // --only and --exclude that match nothing are a mistake; a shard may be empty (more
    // machines than the fleet needs).
    core::Selection by_name = o.selection;
    by_name.shard.reset();
    std::vector<core::FleetTarget> targets;
    std::size_t named = 0;
    for (const auto& t : configured) {
        if (core::selected(t, by_name)) {
            ++named;
            if (core::selected(t, o.selection)) {
                targets.push_back(t);
            }
        }
    }
    if (named == 0) {
        throw UsageError("no target of the " + std::to_string(configured.size()) +
                         " configured is selected by --only and --exclude");
    }
    const int parallel = flags.parallel > 0 ? flags.parallel : ctx.config().fleet.parallel;
    const int at_once = targets_at_once(ctx, targets, o, parallel);
    spdlog::info("fleet {}: {} target{}, {} at a time{}", to_string(o.command), targets.size(),
                 targets.size() == 1 ? "" : "s", at_once,
                 at_once < parallel && at_once < static_cast<int>(targets.size())
                     ? " (--parallel " + std::to_string(parallel) + " connections: each target may also hold its "
                       "backup's while it backs up)"
                     : std::string());
    if (!ctx.options.verbose) {
        spdlog::set_level(spdlog::level::warn);  // each target's own info lines; its result is one line below
    }
    Reporter reporter(o.command, ctx.options, targets.size());
    std::size_t replays = 0;
    const auto results = run_fleet(
        ctx, targets, o, at_once, [&](const TargetResult& r, const FleetProgress& p) { reporter.finished(r, p); },
        &replays);
    reporter.done();
    const std::string head = newest_version(ctx);
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    if (ctx.options.json) {
        util::Json doc = results_json(o.command, results, head, flags.shard, elapsed.count());
        if (o.command == FleetCommand::drift) {
            doc.set("replays", replays);
        }
        print_json(doc);
    } else {
        print_results(o.command, results, head);
        if (o.command == FleetCommand::drift) {
            std::cout << "replays: " << replays << " for " << results.size() << " target"
                      << (results.size() == 1 ? "" : "s") << " (one per applied state)\n";
        }
    }
    if (const int code = fleet_exit_code(results); code != 0) {
        throw SilentFailure(static_cast<ExitCode>(code));
    }
}

// fleet report: the documents of several runs (one per shard) as one.
struct Report {
    std::optional<FleetCommand> command;
    std::string head;
    std::vector<TargetResult> results;
    std::map<std::string, std::string> seen;  // target -> file
    std::set<int> shards;
    int shard_count = 0;
    std::int64_t duration_ms = 0;  // the slowest document's
};

std::string json_text(const nlohmann::json& v, const char* key) {
    const auto it = v.find(key);
    return it != v.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::int64_t json_number(const nlohmann::json& v, const char* key) {
    const auto it = v.find(key);
    return it != v.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

void add_document(Report& report, const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        throw UsageError("cannot read " + util::printable(file) + ": " + std::strerror(errno));
    }
    std::ostringstream text;
    text << in.rdbuf();
    const auto doc = nlohmann::json::parse(text.str(), nullptr, false);
    const auto bad = [&](const std::string& why) {
        return UsageError(util::printable(file) + ": " + why + "; expected the output of 'sqlmig fleet ... --json'");
    };
    if (doc.is_discarded() || !doc.is_object()) {
        throw bad("not a JSON object");
    }
    const auto command = parse_fleet_command(json_text(doc, "command"));
    if (!command || !doc.contains("targets") || !doc["targets"].is_array()) {
        throw bad("no fleet command and targets");
    }
    if (report.command && *report.command != *command) {
        throw UsageError(util::printable(file) + ": a 'fleet " + to_string(*command) + "' document; the others are 'fleet " +
                         to_string(*report.command) + "'");
    }
    report.command = command;
    if (report.head.empty()) {
        report.head = json_text(doc, "head");
    }
    report.duration_ms = std::max(report.duration_ms, json_number(doc, "duration_ms"));
    if (const std::string shard = json_text(doc, "shard"); !shard.empty()) {
        const auto s = core::parse_shard(shard);
        if (!s || (report.shard_count != 0 && report.shard_count != s->count)) {
            throw bad("shard '" + util::printable(shard) + "' does not fit the other documents' shards");
        }
        report.shard_count = s->count;
        if (!report.shards.insert(s->index).second) {
            throw UsageError(util::printable(file) + ": shard " + shard + " is reported twice");
        }
    }
    for (const auto& t : doc["targets"]) {
        const auto outcome = t.is_object() ? parse_outcome(json_text(t, "result")) : std::nullopt;
        const std::string name = t.is_object() ? json_text(t, "name") : "";
        if (!outcome || name.empty()) {
            throw bad("a target without a name or a known result");
        }
        if (const auto [it, inserted] = report.seen.emplace(name, file); !inserted) {
            throw UsageError("target '" + util::printable(name) + "' is in both " + util::printable(it->second) +
                             " and " + util::printable(file) + "; were two shards given the same --shard?");
        }
        TargetResult r;
        r.name = name;
        r.url = json_text(t, "url");
        r.outcome = *outcome;
        r.exit_code = static_cast<int>(json_number(t, "exit_code"));
        r.from = json_text(t, "from");
        r.to = json_text(t, "to");
        r.steps = static_cast<std::size_t>(json_number(t, "migrations"));
        r.pending = static_cast<std::size_t>(json_number(t, "pending"));
        r.duration_ms = json_number(t, "duration_ms");
        r.error = json_text(t, "error");
        report.results.push_back(std::move(r));
    }
}

void run_report(Context& ctx, const std::vector<std::string>& files) {
    Report report;
    for (const auto& f : files) {
        add_document(report, f);
    }
    std::sort(report.results.begin(), report.results.end(),
              [](const TargetResult& a, const TargetResult& b) { return a.name < b.name; });
    std::vector<int> missing;
    for (int i = 1; i <= report.shard_count; ++i) {
        if (!report.shards.count(i)) {
            missing.push_back(i);
        }
    }
    const std::string shards = report.shard_count ? std::to_string(report.shards.size()) + "/" +
                                                        std::to_string(report.shard_count) : "";
    if (ctx.options.json) {
        util::Json doc = results_json(*report.command, report.results, report.head, "", report.duration_ms);
        util::Json list = util::Json::array();
        for (const int i : missing) {
            list.push(std::to_string(i) + "/" + std::to_string(report.shard_count));
        }
        doc.set("shards_missing", list);
        print_json(doc);
    } else {
        print_results(*report.command, report.results, report.head);
    }
    for (const int i : missing) {
        std::cerr << "sqlmig: error: shard " << i << "/" << report.shard_count
                  << " has no report: its targets are not in this summary\n";
    }
    int code = fleet_exit_code(report.results);
    if (!missing.empty()) {
        code = core::worse_exit_code(code, static_cast<int>(ExitCode::refused));
    }
    if (code != 0) {
        throw SilentFailure(static_cast<ExitCode>(code));
    }
}

void add_fleet_flags(CLI::App* cmd, FleetFlags& f) {
    cmd->add_option("--only", f.only, "Only the targets whose name matches this glob (repeatable)")->type_name("GLOB");
    cmd->add_option("--exclude", f.exclude, "Leave out the targets whose name matches this glob (repeatable)")
        ->type_name("GLOB");
    cmd->add_option("--shard", f.shard, "Only shard I of N: the targets whose name hashes there (docs/fleet.md)")
        ->type_name("I/N");
    cmd->add_option("--parallel", f.parallel, "Connections at once (default [fleet] parallel, 4)")
        ->type_name("N")
        ->check(CLI::Validator(
            [](const std::string& text) {
                char* end = nullptr;
                const long n = std::strtol(text.c_str(), &end, 10);
                const bool ok = end != text.c_str() && *end == '\0' && n >= 1 && n <= 256;
                return ok ? std::string() : "must be a whole number from 1 to 256, not '" + util::printable(text) + "'";
            },
            ""));
}

}  // namespace

void setup_fleet(CLI::App& app, Context& ctx) {
    const auto flags = std::make_shared<std::map<FleetCommand, FleetFlags>>();
    const auto report_files = std::make_shared<std::vector<std::string>>();
    auto* fleet = app.add_subcommand("fleet", "Run up, down, status, check, validate or drift on every [fleet] target");
    fleet->require_subcommand(1, 1);
    fleet->fallthrough();
    const std::pair<FleetCommand, const char*> commands[] = {
        {FleetCommand::up, "Apply pending migrations on every target, up to TARGET (as 'up')"},
        {FleetCommand::down, "Revert migrations on every target (as 'down')"},
        {FleetCommand::status, "Each target's version and pending count, grouped by version"},
        {FleetCommand::check, "Exit 0 only when every target is valid and at head (as 'check')"},
        {FleetCommand::validate, "Check every target's applied migrations against the files (as 'validate')"},
        {FleetCommand::drift, "Compare every target's schema with a replay of what it applied (as 'drift'; one replay "
                              "per applied state)"},
    };
    for (const auto& [command, help] : commands) {
        FleetFlags& f = (*flags)[command];
        f.options.command = command;
        auto* sub = fleet->add_subcommand(to_string(command), help);
        sub->fallthrough();
        add_fleet_flags(sub, f);
        if (migrates(command)) {
            non_empty(sub->add_option("target", f.options.migrate.target,
                                      command == FleetCommand::up ? "head (default), a version, or +N"
                                                                  : "-N, a version, or base"));
            sub->add_flag("--keep-going", f.options.keep_going, "Start the next targets after one fails");
            sub->add_flag("--no-backup", f.options.migrate.no_backup, "Take no backup before migrating");
            if (command == FleetCommand::up) {
                sub->add_flag("--allow-out-of-order", f.options.migrate.allow_out_of_order,
                              "Apply pending migrations older than the newest applied one");
            }
        }
        sub->callback([&ctx, flags, &f, &app] {  // flags owns f
            run_fleet_command(ctx, f, app);
        });
    }
    auto* report = fleet->add_subcommand("report", "Merge the --json documents of several fleet runs (shards)");
    report->fallthrough();
    report->add_option("files", *report_files, "The documents, one per shard")->required()->type_name("FILE");
    report->callback([&ctx, report_files] {
        run_report(ctx, *report_files);
    });
}

}  // namespace sqlmig::cli
