// drift: the live database against what its applied migrations make, replayed on a scratch
// database (docs/drift.md). The live database is only read: catalogs and the tracking table.

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <fstream>
#include <iostream>
#include <sstream>

#include "engine/drift.hpp"
#include "engine/runner.hpp"
#include "engine/search_path.hpp"
#include "engine/squashed.hpp"
#include "core/discovery.hpp"
#include "core/squash.hpp"
#include "core/tracking_sql.hpp"
#include "db/backend.hpp"
#include "util/text.hpp"

namespace sqlmig::engine {

namespace fs = std::filesystem;

namespace {

constexpr const char* k_ignore_file = ".sqlmig-drift-ignore";

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
        // A version a baseline replaced since: the file that ran is under squashed/.
        if (const core::Migration* squashed = squashed_files(ctx).applied_as(row.version, row.checksum)) {
            m_steps.emplace_back(core::Step{core::Direction::up, squashed}, ctx.script(*squashed, core::Direction::up));
            return;
        }
        auto sql = stored_up_sql(ctx, live, row.version);
        if (!sql) {
            throw MigrationFileError(
                "cannot replay version " + row.version.text() + " (" + util::printable(row.name) + "): " +
                where_its_file_is(ctx, row, file) +
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

    // Why the file that ran is not at hand, for the error when no SQL was stored either.
    std::string where_its_file_is(Context& ctx, const core::AppliedRow& row, const core::Migration* file) {
        const auto squashed = squashed_files(ctx).of(row.version);
        if (file && !file->squashes_from) {
            return "its file " + ctx.file_label(file->up_file) + " was edited after it was applied";
        }
        if (!squashed.empty()) {
            return "its file " + ctx.file_label(squashed.front()->up_file) + " was edited after it was applied";
        }
        if (file) {
            return "the file it ran was squashed into " + ctx.file_label(file->up_file) + " and is no longer under " +
                   ctx.file_label(core::k_squashed_folder) + "/";
        }
        return "its file is not in the migrations folder";
    }

    SquashedFiles& squashed_files(Context& ctx) {
        if (!m_squashed) {
            m_squashed.emplace(ctx);
        }
        return *m_squashed;
    }

    std::optional<SquashedFiles> m_squashed;    // read when a row's file is not in the folder; steps point into it
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

// A replay's snapshot, and the live search path's schemas it did not make (search_path.hpp).
struct Replayed {
    std::vector<std::string> snapshot;
    std::vector<std::string> lacking;
};

// `made_by_hand`: schemas made before the replay, which no migration makes.
Replayed replay(Context& ctx, const ReplayPlan& plan, const Scratch& scratch,
                const std::vector<std::string>& search_path, const std::vector<std::string>& made_by_hand) {
    auto driver = db::make_driver(scratch.options());
    create_schemas(*driver, made_by_hand);  // before the tracking table, which goes to the first of them
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
    return {driver->schema_snapshot(), schemas_lacking(*driver, search_path)};
}

std::string objects_differ(std::size_t n) {
    return std::to_string(n) + (n == 1 ? " object differs" : " objects differ");
}

}  // namespace

namespace {

// The ignore file is there but is no file: skipping it would report as drift what it ignores.
void refuse_non_file(const fs::path& file, const std::string& label) {
    std::error_code ec;
    const fs::file_status target = fs::status(file, ec);
    const char* what = fs::is_regular_file(target)     ? nullptr
                       : fs::is_directory(target)      ? "a folder"
                       : !fs::exists(target)           ? "a dangling symbolic link"
                                                       : "not a regular file";
    if (what) {
        throw ConfigError(label + ": is " + std::string(what) + ", not a file of drift ignore patterns; make it one, "
                          "or remove it");
    }
}

}  // namespace

std::vector<core::DriftPattern> drift_ignore_patterns(Context& ctx) {
    const auto& cfg = ctx.config();
    std::vector<core::DriftPattern> patterns = cfg.drift.ignore;
    const fs::path file = cfg.base_dir / k_ignore_file;
    std::error_code ec;
    if (!fs::exists(fs::symlink_status(file, ec))) {
        return patterns;
    }
    refuse_non_file(file, ctx.project_label(file));
    errno = 0;
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) {
        const int error = errno;
        const std::string reason = error ? ": " + std::string(std::strerror(error)) : "";
        throw ConfigError("cannot read " + ctx.project_label(file) + reason);
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
// snapshot's text is the catalog's), the search path's schemas (search_path.hpp: some may be made
// before the replay), and each applied version with the checksum of what ran.
std::string replay_key(const db::Driver& live, const std::vector<core::AppliedRow>& rows,
                       const std::vector<std::string>& search_path) {
    std::string key = std::string(core::dialect_name(live.dialect())) + " " + std::to_string(live.server_version()) +
                      " search_path " + schema_list(search_path);
    for (const auto& r : rows) {
        if (r.state == core::k_state_applied) {
            key += "\n" + r.version.canonical() + " " + r.checksum;
        }
    }
    return key;
}

Replayed replay_on_scratch(Context& ctx, const ReplayPlan& plan, const DriftRequest& request,
                           const std::vector<std::string>& search_path, const std::vector<std::string>& made_by_hand,
                           std::string& scratch_label) {
    Scratch scratch(ctx, ScratchRequest{"drift", request.scratch_url, request.keep});
    spdlog::debug("drift: replaying {} migrations on the scratch database {}", plan.steps().size(), scratch.label());
    scratch_label = scratch.label() + (scratch.kept() ? " (kept)" : "");
    return replay(ctx, plan, scratch, search_path, made_by_hand);
}

// The replay's snapshot; replayed a second time, on a new scratch database holding them, when the
// live search path names schemas no migration makes (search_path.hpp).
std::vector<std::string> expected_schema(Context& ctx, const std::vector<std::string>& search_path,
                                         const ReplayPlan& plan, const DriftRequest& request,
                                         std::string& scratch_label) {
    Replayed first = replay_on_scratch(ctx, plan, request, search_path, {}, scratch_label);
    if (first.lacking.empty()) {
        return std::move(first.snapshot);
    }
    if (!request.scratch_url.empty()) {
        throw ConfigError("--scratch-url: the database's search path names " + schema_list(first.lacking) +
                          ", which no applied migration makes; pass an empty --scratch-url database that has it "
                          "(CREATE SCHEMA), or leave --scratch-url out");
    }
    spdlog::info("drift: the search path's {} made by hand, not by a migration: replaying again with {}",
                 schema_list(first.lacking) + (first.lacking.size() == 1 ? " is" : " are"),
                 first.lacking.size() == 1 ? "it" : "them");
    return replay_on_scratch(ctx, plan, request, search_path, first.lacking, scratch_label).snapshot;
}

}  // namespace

DriftOutcome drift_of_database(Context& ctx, const DriftRequest& request) {
    auto live = ctx.connect_during(Access::read_only, [&] { ctx.catalog(); });
    const auto rows = ctx.applied_rows(*live);
    ctx.checksum_applied(rows);
    return measure_drift(ctx, *live, rows, request);
}

DriftOutcome measure_drift(Context& ctx, db::Driver& live, const std::vector<core::AppliedRow>& rows,
                           const DriftRequest& request) {
    const ReplayPlan plan(ctx, live, rows);
    const auto found = live.schema_snapshot();
    // A tenant's search path is its own schema, which Scratch makes and the snapshots leave out
    // (core::unqualified_lines): the tenants at one applied state share a replay.
    const bool tenant = ctx.connect_options(Access::read_only).schema.has_value();
    const auto search_path = tenant ? std::vector<std::string>{} : search_path_schemas(live);
    std::string scratch = "(shared with another target)";
    const auto expected =
        request.shared ? request.shared->get(replay_key(live, rows, search_path),
                                             [&] { return expected_schema(ctx, search_path, plan, request, scratch); })
                       : expected_schema(ctx, search_path, plan, request, scratch);
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
        spdlog::info("no drift: the database matches its {} applied migration{} ([drift] before_up)", outcome.replayed,
                     outcome.replayed == 1 ? "" : "s");
        return;
    }
    std::string list;
    for (const auto& d : outcome.report.objects) {
        list += "\n  " + std::string(core::to_string(d.change)) + " " + std::string(core::to_string(d.object.kind)) +
                " " + util::printable(d.object.name);
    }
    // A fleet target's drift is shown by fleet drift: plain drift reads the configured database (a
    // tenant's: the whole database), which a fleet's project may not even have.
    const std::string shows = ctx.target.empty()
                                  ? "'sqlmig drift' shows how"
                                  : "'sqlmig fleet drift --only " + util::printable(ctx.target) + "' lists them";
    const std::string what = "the database has drifted from its applied migrations (" +
                             objects_differ(outcome.report.objects.size()) + "; " + shows + "):" + list;
    if (gate == config::DriftGate::refuse) {
        throw RefusedError(what + "\nnothing was run ([drift] before_up = \"refuse\"); bring the change into a "
                                  "migration, undo it, or add it to [drift] ignore");
    }
    spdlog::warn("{}", what);
}

namespace {

// One snapshot line after its marker; a text that spans lines (a view's or a trigger's body) goes on
// as lines of its own under the same marker, indented, rather than as \x0a escapes.
void print_diff_line(std::ostream& out, std::string_view marker, std::string_view line) {
    std::string_view indent;
    while (true) {
        const auto end = line.find('\n');
        out << marker << indent << util::printable(line.substr(0, end)) << '\n';
        if (end == std::string_view::npos) {
            return;
        }
        line.remove_prefix(end + 1);
        indent = "  ";
    }
}

}  // namespace

void print_drift(const DriftOutcome& outcome, std::ostream& out) {
    const auto& report = outcome.report;
    for (const auto& d : report.objects) {
        out << core::to_string(d.change) << ' ' << core::to_string(d.object.kind) << ' '
            << util::printable(d.object.name) << '\n';
        for (const auto& line : d.expected) {
            print_diff_line(out, "    - ", line);
        }
        for (const auto& line : d.found) {
            print_diff_line(out, "    + ", line);
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
        << (outcome.replayed == 1 ? " applied migration makes" : " applied migrations make")
        << " (- expected, + found in the database)" << ignored << '\n';
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
