// squash --to VERSION (docs/squash.md): the replay, the dump, the proof and the folder's write.

#include "engine/squash.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <unistd.h>

#include "core/schema_diff.hpp"
#include "core/squash.hpp"
#include "engine/backups.hpp"
#include "engine/files.hpp"
#include "engine/runner.hpp"
#include "engine/search_path.hpp"
#include "util/text.hpp"
#include "db/postgres/dialect.hpp"

namespace sqlmig::engine {

namespace fs = std::filesystem;

namespace {

// squash takes no --scratch-url: it needs two databases, the replay's and the proof's.
ScratchRequest scratch_request(const SquashRequest& request) {
    return ScratchRequest{"squash", "", request.keep, ScratchUrl::not_offered};
}

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
    std::vector<std::string> lacking;  // the configured search path's schemas the replay did not make
};

// The body for a folder whose search path names schemas made by hand (search_path.hpp): they exist
// where it runs (pg_dump's CREATE SCHEMA becomes IF NOT EXISTS), and its session takes the search path
// the migrations ran with (every name in the dump is qualified; a psql session gets it too).
std::string with_schemas_made_by_hand(std::string body, const std::vector<std::string>& schemas,
                                      const std::string& search_path) {
    for (const auto& schema : schemas) {
        const std::string create = "\nCREATE SCHEMA " + schema + ";\n";
        if (const auto at = body.find(create); at != std::string::npos) {
            body.replace(at, create.size(), "\nCREATE SCHEMA IF NOT EXISTS " + schema + ";\n");
        }
    }
    std::string literal;
    for (const char c : search_path) {
        literal += c == '\'' ? std::string("''") : std::string(1, c);
    }
    return "SELECT pg_catalog.set_config('search_path', '" + literal + "', true);\n" + body;
}

// `made_by_hand`: schemas made before the replay, which no migration makes. When the replay leaves
// some of `search_path` lacking, it returns before the dump: the caller replays again with them.
Replay replay(Context& ctx, const core::SquashPlan& plan, const SquashRequest& request,
              const std::vector<std::string>& search_path, const std::vector<std::string>& made_by_hand) {
    Scratch scratch(ctx, scratch_request(request));
    spdlog::info("squash: replaying {} migration(s) on the scratch database {}", plan.replay.size(), scratch.label());
    auto driver = db::make_driver(scratch.options());
    create_schemas(*driver, made_by_hand);  // before the tracking table, which goes to the first of them
    std::vector<std::string> made = scratch.made_schemas();
    made.insert(made.end(), made_by_hand.begin(), made_by_hand.end());
    ctx.prepare_tracking(*driver);
    std::vector<core::Step> steps;
    for (const auto* m : plan.replay) {
        steps.push_back({core::Direction::up, m});
    }
    const auto start = std::chrono::steady_clock::now();
    try {
        run_steps(ctx, *driver, steps);
    } catch (const MigrationFileError& e) {
        throw MigrationFileError("squash stopped: a migration file is unusable; nothing was written: " +
                                 std::string(e.what()));
    } catch (const Error& e) {
        throw Error(e.exit_code(), "squash stopped: a migration failed on the scratch database " + scratch.label() +
                                       "; nothing was written:\n" + e.what());
    }
    Replay r;
    r.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    r.lacking = schemas_lacking(*driver, search_path);
    if (!r.lacking.empty()) {
        return r;
    }
    const auto tracking = tracking_tables(ctx);
    r.state = state_of(*driver, tracking);
    const auto engine = backup_engine(ctx, *driver, scratch.options());
    try {
        r.body = engine->baseline(tracking);
    } catch (const BackupError& e) {
        throw BackupError(std::string("cannot dump the baseline from the scratch database: ") + e.what() +
                          "; nothing was written");
    }
    if (!made.empty()) {
        const auto setting = driver->query_rows("SELECT current_setting('search_path')");
        const bool has = setting && !setting->empty() && !setting->front().empty() && setting->front()[0];
        r.body = with_schemas_made_by_hand(std::move(r.body), made, has ? *setting->front()[0] : "");
    }
    return r;
}

// The configured database's search path schemas: what the migrations ran with there.
std::vector<std::string> configured_search_path(Context& ctx) {
    const db::ConnectOptions options = ctx.connect_options(Access::read_only);
    if (db::backend_of(options.url).dialect() != db::postgres_dialect) {
        return {};
    }
    auto live = ctx.connect(Access::read_only);
    return search_path_schemas(*live);
}

// The replay; a second one, with them made first, when the configured search path names schemas no
// migration makes (search_path.hpp).
Replay replay(Context& ctx, const core::SquashPlan& plan, const SquashRequest& request) {
    const auto search_path = configured_search_path(ctx);
    Replay first = replay(ctx, plan, request, search_path, {});
    if (first.lacking.empty()) {
        return first;
    }
    spdlog::info("squash: the search path's {} made by hand, not by a migration: replaying again with {}",
                 schema_list(first.lacking) + (first.lacking.size() == 1 ? " is" : " are"),
                 first.lacking.size() == 1 ? "it" : "them");
    Replay second = replay(ctx, plan, request, search_path, first.lacking);
    if (!second.lacking.empty()) {  // a migration dropped the schema: the baseline cannot stand in for it
        throw MigrationError("squash stopped: the search path's " + schema_list(second.lacking) + " is gone after "
                             "the migrations ran, even when made before them; nothing was written");
    }
    return second;
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
                               const SquashRequest& request, std::chrono::milliseconds* took) {
    Scratch scratch(ctx, scratch_request(request));
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

// Whether what squashed/ holds goes one level down first (squashed/squashed/): when this squash
// replaces an earlier baseline, squashed/ is then the folder as it was before this squash (that
// baseline, the files after it up to the target, and its own squashed/), itself a squashed folder,
// so that `--dir <folder>/squashed` finishes a database part-way through either range, and no two
// files of one version lie side by side (the earlier baseline and the file it kept the version of).
enum class Nest { no, yes };

Nest nest_of(const fs::path& dir, const core::SquashPlan& plan) {
    std::error_code ec;
    const bool replaces_baseline = plan.replay.front()->squashes_from.has_value();
    return replaces_baseline && fs::is_directory(dir / core::k_squashed_folder, ec) ? Nest::yes : Nest::no;
}

// Refuses, before anything runs, a folder where the move could not be done whole.
void check_moves(const fs::path& dir, const std::vector<std::string>& files, const std::string& baseline, Nest nest) {
    const fs::path squashed = dir / core::k_squashed_folder;
    std::error_code ec;
    if (fs::exists(fs::symlink_status(squashed, ec)) && !fs::is_directory(squashed, ec)) {
        throw UsageError((squashed).string() + " is not a folder; squash moves the replaced files there");
    }
    for (const fs::path& folder : {dir, squashed}) {
        if (fs::exists(folder, ec) && ::access(folder.c_str(), W_OK | X_OK) != 0) {
            throw MigrationFileError("cannot write the folder " + folder.string() + ": " + std::strerror(errno) +
                                     "; squash moves the replaced files to " + squashed.string() +
                                     " and writes the baseline beside the files after it; nothing was written");
        }
    }
    for (const auto& file : files) {
        if (nest == Nest::no && fs::exists(squashed / file, ec)) {
            throw UsageError((squashed / file).string() + " already exists; squash would overwrite it");
        }
    }
    if (std::find(files.begin(), files.end(), baseline) == files.end() && fs::exists(dir / baseline, ec)) {
        throw UsageError((dir / baseline).string() + " already exists");
    }
}

// The folder's changes, each undone (in reverse order) unless keep() is called: a failed write
// leaves the folder as it was.
class FolderWrite {
public:
    FolderWrite() = default;
    ~FolderWrite() {
        for (auto it = m_undo.rbegin(); it != m_undo.rend(); ++it) {
            (*it)();
        }
    }
    FolderWrite(const FolderWrite&) = delete;
    FolderWrite& operator=(const FolderWrite&) = delete;

    void make_folder(const fs::path& folder) {
        std::error_code ec;
        fs::create_directory(folder, ec);
        if (ec) {
            throw Error(ExitCode::failed, "cannot create " + folder.string() + ": " + ec.message());
        }
        m_undo.emplace_back([folder] {
            std::error_code ignored;
            fs::remove(folder, ignored);
        });
    }
    // A new folder named .sqlmig-squash-XXXXXX in `parent`, with the permissions of `like`.
    fs::path make_temporary_folder(const fs::path& parent, const fs::path& like) {
        std::string name = (parent / ".sqlmig-squash-XXXXXX").string();
        if (!::mkdtemp(name.data())) {
            throw Error(ExitCode::failed, "cannot create a folder in " + parent.string() + ": " + std::strerror(errno));
        }
        const fs::path folder = name;
        m_undo.emplace_back([folder] {
            std::error_code ignored;
            fs::remove(folder, ignored);
        });
        std::error_code ec;
        fs::permissions(folder, fs::status(like, ec).permissions(), ec);  // mkdtemp's is 0700
        return folder;
    }
    void move(const fs::path& from, const fs::path& to) {
        std::error_code ec;
        fs::rename(from, to, ec);
        if (ec) {
            throw Error(ExitCode::failed, "cannot move " + from.string() + " to " + to.string() + ": " + ec.message());
        }
        m_undo.emplace_back([from, to] {
            std::error_code ignored;
            fs::rename(to, from, ignored);
        });
    }
    void keep() { m_undo.clear(); }

private:
    std::vector<std::function<void()>> m_undo;
};

// Moves the replaced files to squashed/ (what it held to squashed/squashed/ first, see Nest) and
// writes the baseline; a step that fails undoes the ones before it.
void write_folder(const fs::path& dir, const std::vector<std::string>& files, const core::BaselineFile& baseline,
                  Nest nest) {
    const fs::path squashed = dir / core::k_squashed_folder;
    FolderWrite write;
    try {
        std::error_code ec;
        if (nest == Nest::yes) {
            // A folder cannot be moved into itself: squashed/ goes into a new folder that becomes squashed/.
            const fs::path outer = write.make_temporary_folder(dir, squashed);
            write.move(squashed, outer / core::k_squashed_folder);
            write.move(outer, squashed);
        } else if (!fs::is_directory(squashed, ec)) {
            write.make_folder(squashed);
        }
        for (const auto& file : files) {
            write.move(dir / file, squashed / file);
        }
        write_file_atomically(dir / baseline.name, baseline.text);
    } catch (const Error& e) {
        throw Error(ExitCode::failed, std::string(e.what()) + "; squash left the folder " + dir.string() +
                                          " as it was");
    }
    write.keep();
}

core::Migration candidate_migration(const core::SquashPlan& plan, const Candidate& candidate) {
    core::Migration baseline;
    baseline.version = plan.target->version;
    baseline.name = core::k_baseline_name;
    baseline.up_file = candidate.path().string();  // absolute: the runner reads it there, not in the folder
    baseline.format = plan.target->format;
    baseline.squashes_from = plan.first;
    return baseline;
}

void throw_unproven(const core::SquashPlan& plan, const std::vector<std::string>& diff) {
    std::string text;
    for (const auto& line : diff) {
        text += "\n  " + line;
    }
    throw Error(ExitCode::failed, "the baseline does not recreate what the migrations up to " +
                                      plan.target->version.text() + " make (- only from the baseline, + only from "
                                      "the migrations); nothing was written:" + text);
}

}  // namespace

SquashOutcome squash(Context& ctx, const SquashRequest& request) {
    const core::SquashPlan plan = core::plan_squash(ctx.catalog(), request.to);
    const fs::path dir = ctx.config().migrations_dir;
    const core::Format format = plan.target->format;
    const auto files = replaced_files(dir, plan);
    const Nest nest = nest_of(dir, plan);
    check_moves(dir, files, core::baseline_file(format, plan.first, plan.target->version, "").name, nest);

    const Replay r = replay(ctx, plan, request);
    const core::BaselineFile file = core::baseline_file(format, plan.first, plan.target->version, r.body);
    const Candidate candidate(file);
    const core::Migration baseline = candidate_migration(plan, candidate);
    SquashOutcome outcome;
    const auto diff = prove(ctx, baseline, r.state, request, &outcome.baseline_took);
    if (!diff.empty()) {
        throw_unproven(plan, diff);
    }
    if (request.write == SquashWrite::yes) {
        write_folder(dir, files, file, nest);
        outcome.written = true;
    }
    outcome.baseline = file.name;
    outcome.baseline_label = ctx.file_label(file.name);
    outcome.squashed_label = ctx.file_label(core::k_squashed_folder);
    outcome.first = plan.first.text();
    outcome.last = plan.target->version.text();
    outcome.migrations = plan.replay.size();
    outcome.moved = files;
    outcome.schema_lines = r.state.schema.size();
    outcome.rows = r.state.rows.size();
    outcome.replay_took = r.took;
    return outcome;
}

void print_squash(const SquashOutcome& o, std::ostream& out) {
    out << (o.written ? "wrote " : "would write ") << o.baseline_label << ": squashes " << o.first << ".." << o.last
        << " (" << o.migrations << " migrations); proven: the same schema (" << o.schema_lines << " lines) and rows ("
        << o.rows << ")\n"
        << (o.written ? "moved " : "would move ") << o.moved.size() << " file(s) to " << o.squashed_label << "/\n"
        << "an empty database: " << util::human_duration(o.replay_took.count()) << " from the migrations, "
        << util::human_duration(o.baseline_took.count()) << " from the baseline\n";
}

util::Json squash_json(const SquashOutcome& o) {
    util::Json list = util::Json::array();
    for (const auto& f : o.moved) {
        list.push(f);
    }
    return util::Json::object()
        .set("ok", true)
        .set("written", o.written)
        .set("baseline", o.baseline)
        .set("first", o.first)
        .set("last", o.last)
        .set("migrations", o.migrations)
        .set("moved", list)
        .set("schema_lines", o.schema_lines)
        .set("rows", o.rows)
        .set("replay_ms", static_cast<std::int64_t>(o.replay_took.count()))
        .set("baseline_ms", static_cast<std::int64_t>(o.baseline_took.count()));
}

}  // namespace sqlmig::engine
