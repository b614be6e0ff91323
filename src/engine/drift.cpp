// drift: the live database against what its applied migrations make, replayed on a scratch
// database (docs/drift.md). The live database is only read: catalogs and the tracking table.

#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <fstream>
#include <iostream>
#include <sstream>

#include "engine/drift.hpp"
#include "engine/runner.hpp"
#include "core/discovery.hpp"
#include "core/tracking_sql.hpp"
#include "db/backend.hpp"
#include "util/text.hpp"

namespace sqlmig::engine {

namespace fs = std::filesystem;

namespace {

constexpr const char* k_ignore_file = ".sqlmig-drift-ignore";

// Raises the log level to warnings while a replay runs, so that its "applying ..." lines (one per
// migration) do not drown the report; --verbose keeps them. Not in a fleet (`up` with [drift]
// before_up on each target): the level is the process's, and its threads would restore each other's.
class QuietReplay {
public:
    explicit QuietReplay(const Context& ctx) : m_before(spdlog::get_level()) {
        if (!ctx.options.verbose && ctx.target.empty() && m_before < spdlog::level::warn) {
            spdlog::set_level(spdlog::level::warn);
        }
    }
    ~QuietReplay() { spdlog::set_level(m_before); }
    QuietReplay(const QuietReplay&) = delete;
    QuietReplay& operator=(const QuietReplay&) = delete;

private:
    spdlog::level::level_enum m_before;
};

// The up SQL the tracking table stored for a version; nullopt when none (or a layout-1 table).
std::optional<std::string> stored_up_sql(Context& ctx, db::Driver& live, const core::Version& version) {
    const core::TableName table = core::parse_table_name(ctx.config().table);
    try {
        const auto rows = live.query_rows(core::select_stored_sql(table, version, live.dialect()));
        if (rows && !rows->empty() && !rows->front().empty()) {
            return rows->front()[0];
        }
    } catch (const DbError&) {
        // a tracking table of layout 1 has no up_sql column
    }
    return std::nullopt;
}

// What each applied version replays: its file when it is what ran, else the stored SQL.
class ReplayPlan {
public:
    ReplayPlan(Context& ctx, db::Driver& live, const std::vector<core::AppliedRow>& rows) {
        // In version order, as `up` applies them to a fresh database (drivers may return rows in
        // the table's physical order).
        std::vector<const core::AppliedRow*> ordered;
        for (const auto& row : rows) {
            ordered.push_back(&row);
        }
        std::stable_sort(ordered.begin(), ordered.end(),
                         [](const core::AppliedRow* a, const core::AppliedRow* b) { return a->version < b->version; });
        for (const core::AppliedRow* r : ordered) {
            const core::AppliedRow& row = *r;
            if (row.state != core::k_state_applied) {
                spdlog::warn("version {} is recorded as {}: what it left half done shows as drift",
                             row.version.text(), row.state);
                continue;
            }
            add(ctx, live, row);
        }
    }
    const std::vector<std::pair<core::Step, Script>>& steps() const { return m_steps; }
    const std::vector<std::string>& from_stored() const { return m_from_stored; }

private:
    void add(Context& ctx, db::Driver& live, const core::AppliedRow& row) {
        const core::Migration* file = core::find_migration(ctx.catalog().migrations, row.version);
        if (file && !file->stored && file->checksum == row.checksum) {
            m_steps.emplace_back(core::Step{core::Direction::up, file}, ctx.script(*file, core::Direction::up));
            return;
        }
        auto sql = stored_up_sql(ctx, live, row.version);
        if (!sql) {
            throw MigrationFileError(
                "cannot replay version " + row.version.text() + " (" + util::printable(row.name) + "): " +
                (file ? "its file " + ctx.file_label(file->up_file) + " was edited after it was applied"
                      : std::string("its file is not in the migrations folder")) +
                ", and the tracking table keeps no SQL for it ([tracking] store_sql_max); restore the file as it "
                "was applied");
        }
        core::Migration& m = m_synthesized.emplace_back();
        m.version = row.version;
        m.name = row.name;
        m.checksum = row.checksum;
        const std::string label = (file ? ctx.file_label(file->up_file) : "version " + row.version.text()) +
                                  " (as stored in the tracking table)";
        m_steps.emplace_back(core::Step{core::Direction::up, &m},
                             Script{{}, label, core::Format::sqlmig, core::Section::whole, std::move(sql)});
        m_from_stored.push_back(row.version.text());
    }

    std::deque<core::Migration> m_synthesized;  // a deque: steps point into it
    std::vector<std::pair<core::Step, Script>> m_steps;
    std::vector<std::string> m_from_stored;
};

// A runner's failure message less its last line, which says what state the failure left and what to
// run next ("... marked failed. Fix the database by hand, then run 'sqlmig repair'"): true of the
// scratch database, which is dropped, and wrong advice for the live one.
std::string without_aftermath(const std::string& message) {
    const auto last = message.find_last_of('\n');
    return last == std::string::npos ? message : message.substr(0, last);
}

std::vector<std::string> replay(Context& ctx, const ReplayPlan& plan, const Scratch& scratch) {
    auto driver = db::make_driver(scratch.options());
    ctx.prepare_tracking(*driver);
    {
        QuietReplay quiet(ctx);
        Runner runner(ctx, *driver);
        const auto prepared = runner.prepare(plan.steps());
        std::vector<StepOutcome> done;
        try {
            runner.run(prepared, RunTransaction::per_migration, done);
        } catch (const MigrationError& e) {
            throw MigrationError("cannot replay the applied migrations on the scratch database " + scratch.label() +
                                 " (the live database was not touched):\n" + without_aftermath(e.what()));
        }
    }
    return driver->schema_snapshot();
}

std::string objects_differ(std::size_t n) {
    return std::to_string(n) + (n == 1 ? " object differs" : " objects differ");
}

}  // namespace

std::vector<core::DriftPattern> drift_ignore_patterns(Context& ctx) {
    const auto& cfg = ctx.config();
    std::vector<core::DriftPattern> patterns = cfg.drift.ignore;
    const fs::path file = cfg.base_dir / k_ignore_file;
    std::error_code ec;
    if (!fs::exists(file, ec)) {
        return patterns;
    }
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) {
        throw ConfigError("cannot read " + ctx.project_label(file));
    }
    for (auto& p : core::parse_drift_ignore_file(text.str(), ctx.project_label(file))) {
        patterns.push_back(std::move(p));
    }
    return patterns;
}

std::vector<std::string> ReplayCache::get(const std::string& key,
                                         const std::function<std::vector<std::string>()>& replay) {
    std::promise<std::vector<std::string>> mine;
    std::shared_future<std::vector<std::string>> snapshot;
    {
        std::lock_guard lock(m_mutex);
        const auto it = m_snapshots.find(key);
        if (it != m_snapshots.end()) {
            snapshot = it->second;
        } else {
            m_snapshots.emplace(key, mine.get_future().share());
        }
    }
    if (snapshot.valid()) {
        return snapshot.get();
    }
    try {
        auto lines = replay();
        mine.set_value(lines);
        return lines;
    } catch (...) {
        mine.set_exception(std::current_exception());
        throw;
    }
}

std::size_t ReplayCache::replays() const {
    std::lock_guard lock(m_mutex);
    return m_snapshots.size();
}

namespace {

// What makes two databases' replays the same: the database kind and its server's version (the
// snapshot's text is the catalog's), and each applied version with the checksum of what ran.
std::string replay_key(const db::Driver& live, const std::vector<core::AppliedRow>& rows) {
    std::string key = std::string(core::dialect_name(live.dialect())) + " " + std::to_string(live.server_version());
    for (const auto& r : rows) {
        if (r.state == core::k_state_applied) {
            key += "\n" + r.version.canonical() + " " + r.checksum;
        }
    }
    return key;
}

std::vector<std::string> expected_schema(Context& ctx, const ReplayPlan& plan, const DriftRequest& request,
                                         std::string& scratch_label) {
    Scratch scratch(ctx, ScratchRequest{"drift", request.scratch_url, request.keep});
    spdlog::debug("drift: replaying {} migrations on the scratch database {}", plan.steps().size(), scratch.label());
    scratch_label = scratch.label() + (scratch.kept() ? " (kept)" : "");
    return replay(ctx, plan, scratch);
}

}  // namespace

DriftOutcome measure_drift(Context& ctx, db::Driver& live, const std::vector<core::AppliedRow>& rows,
                           const DriftRequest& request) {
    const ReplayPlan plan(ctx, live, rows);
    const auto found = live.schema_snapshot();
    std::string scratch = "(shared with another target)";
    const auto expected =
        request.shared ? request.shared->get(replay_key(live, rows),
                                             [&] { return expected_schema(ctx, plan, request, scratch); })
                       : expected_schema(ctx, plan, request, scratch);
    DriftOutcome outcome;
    outcome.report = core::compare_schemas(expected, found, live.dialect(), request.ignore);
    outcome.replayed = plan.steps().size();
    outcome.from_stored = plan.from_stored();
    outcome.scratch = scratch;
    return outcome;
}

void check_drift_before_up(Context& ctx, db::Driver& live, const std::vector<core::AppliedRow>& rows) {
    const config::DriftGate gate = ctx.config().drift.before_up;
    if (gate == config::DriftGate::off) {
        return;
    }
    auto ignore = drift_ignore_patterns(ctx);  // a bad pattern is a config error in every mode
    DriftOutcome outcome;
    try {
        outcome = measure_drift(ctx, live, rows, DriftRequest{"", KeepScratch::no, std::move(ignore), nullptr});
    } catch (const Error& e) {
        if (gate == config::DriftGate::refuse) {
            throw;
        }
        // "warn" never stops a deploy: a check that cannot run (no scratch database, a replay that fails)
        // is said, as drift is.
        spdlog::warn("the drift check could not run ([drift] before_up = \"warn\"; going on): {}", e.what());
        return;
    }
    if (outcome.report.clean()) {
        spdlog::info("no drift: the database matches its {} applied migrations ([drift] before_up)", outcome.replayed);
        return;
    }
    std::string list;
    for (const auto& d : outcome.report.objects) {
        list += "\n  " + std::string(core::to_string(d.change)) + " " + std::string(core::to_string(d.object.kind)) +
                " " + util::printable(d.object.name);
    }
    const std::string what = "the database has drifted from its applied migrations (" +
                             objects_differ(outcome.report.objects.size()) + "; 'sqlmig drift' shows how):" + list;
    if (gate == config::DriftGate::refuse) {
        throw RefusedError(what + "\nnothing was run ([drift] before_up = \"refuse\"); bring the change into a "
                                  "migration, undo it, or add it to [drift] ignore");
    }
    spdlog::warn("{}", what);
}

void print_drift(const DriftOutcome& outcome, std::ostream& out) {
    const auto& report = outcome.report;
    for (const auto& d : report.objects) {
        out << core::to_string(d.change) << ' ' << core::to_string(d.object.kind) << ' '
            << util::printable(d.object.name) << '\n';
        for (const auto& line : d.expected) {
            out << "    - " << util::printable(line) << '\n';
        }
        for (const auto& line : d.found) {
            out << "    + " << util::printable(line) << '\n';
        }
    }
    const std::string ignored =
        report.ignored == 0 ? "" : "; " + std::to_string(report.ignored) + " more ignored (ignore patterns)";
    if (report.clean()) {
        out << "no drift: the database matches its " << outcome.replayed << " applied migration"
            << (outcome.replayed == 1 ? "" : "s") << ignored << '\n';
        return;
    }
    out << objects_differ(report.objects.size()) << " from what the " << outcome.replayed
        << " applied migrations make (- expected, + found in the database)"
        << ignored << '\n';
}

util::Json drift_json(const DriftOutcome& outcome) {
    util::Json objects = util::Json::array();
    for (const auto& d : outcome.report.objects) {
        util::Json expected = util::Json::array();
        util::Json found = util::Json::array();
        for (const auto& line : d.expected) {
            expected.push(line);
        }
        for (const auto& line : d.found) {
            found.push(line);
        }
        objects.push(util::Json::object()
                         .set("kind", std::string(core::to_string(d.object.kind)))
                         .set("name", d.object.name)
                         .set("table", d.object.table.empty() ? util::Json() : util::Json(d.object.table))
                         .set("change", std::string(core::to_string(d.change)))
                         .set("expected", expected)
                         .set("found", found));
    }
    util::Json stored = util::Json::array();
    for (const auto& v : outcome.from_stored) {
        stored.push(v);
    }
    return util::Json::object()
        .set("ok", outcome.report.clean())
        .set("scratch", outcome.scratch)
        .set("replayed", static_cast<std::int64_t>(outcome.replayed))
        .set("replayed_from_stored_sql", stored)
        .set("ignored", static_cast<std::int64_t>(outcome.report.ignored))
        .set("objects", objects);
}

}  // namespace sqlmig::engine
