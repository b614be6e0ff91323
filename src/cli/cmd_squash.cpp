// squash --to VERSION: one baseline file replaces the migrations up to VERSION (docs/squash.md).
// The migrations are replayed on a scratch database, the database's own dump tool writes the
// baseline, and the baseline is proven on a second scratch database (same schema snapshot, same
// rows) before anything in the folder changes; then the replaced files move to squashed/.

#include <memory>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <unistd.h>

#include "engine/backups.hpp"
#include "cli/commands.hpp"
#include "engine/files.hpp"
#include "cli/output.hpp"
#include "engine/runner.hpp"
#include "engine/scratch.hpp"
#include "core/schema_diff.hpp"
#include "core/squash.hpp"
#include "util/text.hpp"

namespace sqlmig::cli {

using namespace engine;

namespace fs = std::filesystem;

namespace {

struct SquashOptions {
    std::string to;
    bool keep = false;
    bool dry_run = false;

    // squash takes no --scratch-url: it needs two databases, the replay's and the proof's.
    ScratchRequest scratch() const {
        return ScratchRequest{"squash", "", keep ? KeepScratch::yes : KeepScratch::no, ScratchUrl::not_offered};
    }
};

// A scratch database's state: its schema snapshot and every table's rows, as sorted lines.
struct DatabaseState {
    std::vector<std::string> schema;
    std::vector<std::string> rows;
};

// sqlmig's own tables, which the baseline leaves out and the comparison ignores.
std::vector<std::string> tracking_tables(Context& ctx) {
    const core::TableName table = core::parse_table_name(ctx.config().table);
    std::vector<std::string> names;
    for (const auto& t : {table, core::layout_table(table), core::TableName{table.schema, table.table + "_lock"}}) {
        names.push_back(t.display());
    }
    return names;
}

bool left_out(const std::string& name, const std::vector<std::string>& tracking) {
    return std::any_of(tracking.begin(), tracking.end(), [&](const std::string& t) {
        return name == t || (name.size() > t.size() && name.ends_with("." + t));
    });
}

std::vector<std::string> table_rows(db::Driver& driver, const std::vector<std::string>& tracking) {
    std::vector<std::string> lines;
    const auto tables = driver.query_rows(core::row_queries_sql(driver.dialect()));
    for (const auto& table : tables.value_or(core::TextRows{})) {
        if (table.size() < 2 || !table[0] || !table[1] || left_out(*table[0], tracking)) {
            continue;
        }
        for (const auto& row : driver.query_rows(*table[1]).value_or(core::TextRows{})) {
            std::string line = "row " + util::printable(*table[0]) + " (";
            for (std::size_t i = 0; i < row.size(); ++i) {
                line += (i ? ", " : "") + (row[i] ? util::printable(*row[i]) : std::string("NULL"));
            }
            lines.push_back(line + ")");
        }
    }
    std::sort(lines.begin(), lines.end());
    return lines;
}

DatabaseState state_of(db::Driver& driver, const std::vector<std::string>& tracking) {
    return {driver.schema_snapshot(), table_rows(driver, tracking)};
}

void run_steps(Context& ctx, db::Driver& driver, const std::vector<core::Step>& steps) {
    Runner runner(ctx, driver);
    const auto prepared = runner.prepare(steps, RunTransaction::per_migration);
    std::vector<StepOutcome> done;
    runner.run(prepared, RunTransaction::per_migration, done);
}

// Replays the migrations on a scratch database and dumps the baseline's body from it.
struct Replay {
    DatabaseState state;
    std::string body;
    std::chrono::milliseconds took{};
};
Replay replay(Context& ctx, const core::SquashPlan& plan, const SquashOptions& o) {
    Scratch scratch(ctx, o.scratch());
    spdlog::info("squash: replaying {} migration(s) on the scratch database {}", plan.replay.size(), scratch.label());
    auto driver = db::make_driver(scratch.options());
    ctx.prepare_tracking(*driver);
    std::vector<core::Step> steps;
    for (const auto* m : plan.replay) {
        steps.push_back({core::Direction::up, m});
    }
    const auto start = std::chrono::steady_clock::now();
    try {
        run_steps(ctx, *driver, steps);
    } catch (const Error& e) {
        throw MigrationError("squash stopped: a migration failed on the scratch database " + scratch.label() +
                             "; nothing was written:\n" + e.what());
    }
    Replay r;
    r.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    const auto tracking = tracking_tables(ctx);
    r.state = state_of(*driver, tracking);
    const auto engine = backup_engine(ctx, *driver, scratch.options());
    try {
        r.body = engine->baseline(tracking);
    } catch (const BackupError& e) {
        throw BackupError(std::string("cannot dump the baseline from the scratch database: ") + e.what() +
                          "; nothing was written");
    }
    return r;
}

// The candidate baseline, in a temporary folder until it is proven.
class Candidate {
public:
    // A folder of its own (mkdtemp: 0700, a new name), so no one else can swap the file between
    // the proof and the write.
    explicit Candidate(const core::BaselineFile& file) {
        std::string dir = (fs::temp_directory_path() / "sqlmig-squash-XXXXXX").string();
        if (!::mkdtemp(dir.data())) {
            throw Error(ExitCode::failed, "cannot create a temporary folder for the baseline in " +
                                              fs::temp_directory_path().string() + ": " + std::strerror(errno));
        }
        m_dir = dir;
        m_path = m_dir / file.name;
        create_new_file(m_path, file.text);
    }
    ~Candidate() {
        std::error_code ec;
        fs::remove_all(m_dir, ec);
    }
    Candidate(const Candidate&) = delete;
    Candidate& operator=(const Candidate&) = delete;
    const fs::path& path() const { return m_path; }

private:
    fs::path m_dir;
    fs::path m_path;
};

// Applies the candidate to a second scratch database; the differences from the replay, if any.
std::vector<std::string> prove(Context& ctx, const core::Migration& baseline, const DatabaseState& replayed,
                               const SquashOptions& o, std::chrono::milliseconds* took) {
    Scratch scratch(ctx, o.scratch());
    spdlog::info("squash: proving the baseline on the scratch database {}", scratch.label());
    auto driver = db::make_driver(scratch.options());
    ctx.prepare_tracking(*driver);
    const auto start = std::chrono::steady_clock::now();
    try {
        run_steps(ctx, *driver, {core::Step{core::Direction::up, &baseline}});
    } catch (const Error& e) {
        throw MigrationError("the baseline does not apply to an empty database (the scratch database " +
                             scratch.label() + "); nothing was written:\n" + e.what());
    }
    *took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    const DatabaseState made = state_of(*driver, tracking_tables(ctx));
    // '-': only in what the baseline made; '+': only in the replay (the baseline lost it).
    auto diff = core::schema_diff(replayed.schema, made.schema);
    for (auto& line : core::schema_diff(replayed.rows, made.rows)) {
        diff.push_back(std::move(line));
    }
    return diff;
}

// The files the baseline replaces (each migration's up and down), as the folder names them.
std::vector<std::string> replaced_files(const fs::path& dir, const core::SquashPlan& plan) {
    std::vector<std::string> files;
    for (const auto* m : plan.replay) {
        files.push_back(m->up_file);
        if (m->down_file && *m->down_file != m->up_file) {
            files.push_back(*m->down_file);
        }
        if (m->format == core::Format::flyway && fs::exists(dir / (m->up_file + ".conf"))) {
            files.push_back(m->up_file + ".conf");
        }
    }
    return files;
}

// Refuses, before anything runs, a folder where the move could not be done whole.
void check_moves(const fs::path& dir, const std::vector<std::string>& files, const std::string& baseline) {
    const fs::path squashed = dir / core::k_squashed_folder;
    std::error_code ec;
    if (fs::exists(squashed, ec) && !fs::is_directory(squashed, ec)) {
        throw UsageError((squashed).string() + " is not a folder; squash moves the replaced files there");
    }
    for (const auto& file : files) {
        if (fs::exists(squashed / file, ec)) {
            throw UsageError((squashed / file).string() + " already exists; squash would overwrite it");
        }
    }
    if (std::find(files.begin(), files.end(), baseline) == files.end() && fs::exists(dir / baseline, ec)) {
        throw UsageError((dir / baseline).string() + " already exists");
    }
}

// Moves the replaced files to squashed/ and writes the baseline; moves them back if a step fails.
void write_folder(const fs::path& dir, const std::vector<std::string>& files, const core::BaselineFile& baseline) {
    const fs::path squashed = dir / core::k_squashed_folder;
    fs::create_directories(squashed);
    std::vector<std::string> moved;
    try {
        for (const auto& file : files) {
            fs::rename(dir / file, squashed / file);
            moved.push_back(file);
        }
        write_file_atomically(dir / baseline.name, baseline.text);
    } catch (const std::exception& e) {
        for (const auto& file : moved) {
            std::error_code ec;
            fs::rename(squashed / file, dir / file, ec);
        }
        throw Error(ExitCode::failed, "cannot write the squashed folder " + dir.string() + ": " + e.what() +
                                          "; the files were moved back");
    }
}

util::Json squash_json(const core::BaselineFile& file, const core::SquashPlan& plan, const std::vector<std::string>& moved,
                       const Replay& r, std::chrono::milliseconds baseline_took, const SquashOptions& o) {
    util::Json list = util::Json::array();
    for (const auto& f : moved) {
        list.push(f);
    }
    return util::Json::object()
        .set("ok", true)
        .set("written", !o.dry_run)
        .set("baseline", file.name)
        .set("first", plan.first.text())
        .set("last", plan.target->version.text())
        .set("migrations", plan.replay.size())
        .set("moved", list)
        .set("schema_lines", r.state.schema.size())
        .set("rows", r.state.rows.size())
        .set("replay_ms", static_cast<std::int64_t>(r.took.count()))
        .set("baseline_ms", static_cast<std::int64_t>(baseline_took.count()));
}

void run_squash(Context& ctx, const SquashOptions& o) {
    const auto& catalog = ctx.catalog();
    const core::SquashPlan plan = core::plan_squash(catalog, o.to);
    const fs::path dir = ctx.config().migrations_dir;
    const core::Format format = plan.target->format;
    const auto files = replaced_files(dir, plan);
    check_moves(dir, files, core::baseline_file(format, plan.first, plan.target->version, "").name);

    const Replay r = replay(ctx, plan, o);
    const core::BaselineFile file = core::baseline_file(format, plan.first, plan.target->version, r.body);
    const Candidate candidate(file);
    core::Migration baseline;
    baseline.version = plan.target->version;
    baseline.name = core::k_baseline_name;
    baseline.up_file = candidate.path().string();  // absolute: the runner reads it there, not in the folder
    baseline.format = format;
    baseline.squashes_from = plan.first;
    std::chrono::milliseconds baseline_took{};
    const auto diff = prove(ctx, baseline, r.state, o, &baseline_took);
    if (!diff.empty()) {
        std::string text;
        for (const auto& line : diff) {
            text += "\n  " + line;
        }
        throw Error(ExitCode::failed, "the baseline does not recreate what the migrations up to " +
                                          plan.target->version.text() + " make (- only from the baseline, + only from "
                                          "the migrations); nothing was written:" + text);
    }
    if (!o.dry_run) {
        write_folder(dir, files, file);
    }
    if (ctx.options.json) {
        print_json(squash_json(file, plan, files, r, baseline_took, o));
        return;
    }
    std::cout << (o.dry_run ? "would write " : "wrote ") << ctx.file_label(file.name) << ": squashes "
              << plan.first.text() << ".." << plan.target->version.text() << " (" << plan.replay.size()
              << " migrations); proven: the same schema (" << r.state.schema.size() << " lines) and rows ("
              << r.state.rows.size() << ")\n"
              << (o.dry_run ? "would move " : "moved ") << files.size() << " file(s) to "
              << ctx.file_label(core::k_squashed_folder) << "/\n"
              << "an empty database: " << util::human_duration(r.took.count()) << " from the migrations, "
              << util::human_duration(baseline_took.count()) << " from the baseline\n";
}

}  // namespace

void setup_squash(CLI::App& app, Context& ctx) {
    const auto o = std::make_shared<SquashOptions>();
    auto* squash = app.add_subcommand(
        "squash", "Replace the migrations up to a version with one proven baseline file (docs/squash.md)");
    squash->add_option("--to", o->to, "The last version the baseline replaces")->type_name("VERSION")->required();
    squash->add_flag("--dry-run", o->dry_run, "Replay and prove the baseline, but write nothing");
    squash->add_flag("--keep", o->keep, "Keep the two scratch databases at the end (their names are logged)");
    squash->callback([&ctx, o] {
        run_squash(ctx, *o);
    });
}

}  // namespace sqlmig::cli
