#include "engine/fleet.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "engine/checksums.hpp"
#include "engine/log_target.hpp"
#include "engine/drift.hpp"
#include "engine/inspect.hpp"
#include "core/tracking_sql.hpp"
#include "db/backend.hpp"
#include "db/postgres/dialect.hpp"
#include "util/error.hpp"
#include "util/process.hpp"
#include "util/text.hpp"

namespace sqlmig::engine {

namespace fs = std::filesystem;

namespace {

constexpr std::pair<Outcome, const char*> k_outcomes[] = {
    {Outcome::migrated, "migrated"}, {Outcome::reverted, "reverted"},     {Outcome::unchanged, "unchanged"},
    {Outcome::at_head, "at head"},   {Outcome::behind, "behind"},         {Outcome::failed, "failed"},
    {Outcome::drift, "drift"},       {Outcome::refused, "refused"},       {Outcome::locked, "locked"},
    {Outcome::unreachable, "unreachable"}, {Outcome::error, "error"},     {Outcome::not_started, "not started"},
};

constexpr std::pair<FleetCommand, const char*> k_commands[] = {
    {FleetCommand::up, "up"},       {FleetCommand::down, "down"},         {FleetCommand::status, "status"},
    {FleetCommand::check, "check"}, {FleetCommand::validate, "validate"}, {FleetCommand::drift, "drift"},
};

std::optional<std::string> getenv_opt(const std::string& name) {
    const char* v = std::getenv(name.c_str());
    return v ? std::optional<std::string>(v) : std::nullopt;
}

// "NAME URL" lines from a file or a command, each URL's ${VAR} expanded.
std::vector<core::FleetTarget> targets_from_lines(const std::string& text, const std::string& source) {
    std::vector<core::FleetTarget> out;
    for (auto& line : core::parse_target_lines(text, source)) {
        const std::string origin = source + ":" + std::to_string(line.line);
        out.push_back({std::move(line.name), config::interpolate(line.url, getenv_opt, origin), origin, ""});
    }
    return out;
}

std::string read_targets_file(const fs::path& file, const std::string& origin) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        throw ConfigError(origin + ": cannot read " + file.string() + ": " + std::strerror(errno));
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string run_targets_command(const config::FleetConfig& fleet, const fs::path& cwd) {
    util::ProcessResult result;
    try {
        result = util::run_process({{"/bin/sh", "-c", fleet.targets_command}, {}, cwd, -1, true});
    } catch (const std::system_error& e) {
        throw ConfigError(fleet.origin + ": cannot run the command: " + e.code().message());
    }
    if (!result.ok()) {
        throw ConfigError(fleet.origin + ": the command " + result.describe() + "; no target was run" +
                          util::stderr_tail(result.err));
    }
    return result.out;
}

// Every schema of the database matching the LIKE pattern is a tenant.
std::vector<core::FleetTarget> schema_targets(Context& ctx) {
    const auto& cfg = ctx.config();
    const auto& fleet = cfg.fleet;
    const std::string url = fleet.url.empty() ? cfg.database_url : fleet.url;
    if (url.empty()) {
        throw ConfigError(fleet.origin + ": schemas need the database that holds them: set [fleet] url or "
                          "[database] url");
    }
    if (core::parse_table_name(cfg.table).schema) {
        throw ConfigError(fleet.origin + ": with schemas, each tenant's tracking table is in its own schema; "
                          "[migrations] table must not name a schema ('" + cfg.table + "')");
    }
    Context lister;
    lister.options = ctx.options;
    config::Config listing = cfg;
    listing.database_url = url;
    if (!fleet.url.empty()) {
        listing.database_url_unset.reset();
    }
    listing.database_url_origin = fleet.origin;
    lister.use(listing, core::Catalog{});
    const auto options = lister.connect_options(Access::read_only);
    if (db::backend_of(options.url).dialect() != db::postgres_dialect) {
        throw ConfigError(fleet.origin + ": schema-per-tenant fleets need PostgreSQL; " + options.url.redacted() +
                          " is not");
    }
    auto driver = lister.connect(Access::read_only);
    const auto rows = driver->query_rows(
        "SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname LIKE " +
        core::sql_literal(fleet.schemas, db::postgres_dialect) + " ORDER BY nspname");
    std::vector<core::FleetTarget> out;
    for (const auto& row : rows ? *rows : core::TextRows{}) {
        const std::string schema = row.empty() || !row[0] ? "" : *row[0];
        try {
            core::parse_table_name(schema + "." + cfg.table);
        } catch (const ConfigError&) {
            throw ConfigError(fleet.origin + ": schema '" + util::printable(schema) + "' matches '" + fleet.schemas +
                              "' but is not a plain identifier ([A-Za-z_][A-Za-z0-9_]*); exclude it with a narrower "
                              "pattern");
        }
        out.push_back({schema, url, "schema " + schema, schema});
    }
    if (out.empty()) {
        throw ConfigError(fleet.origin + ": no schema of " + options.url.redacted() + " matches '" +
                          util::printable(fleet.schemas) + "'");
    }
    return out;
}

// Each URL must parse, and its backend's library is loaded here, once, before the threads start.
void check_urls(const std::vector<core::FleetTarget>& targets, const fs::path& base_dir) {
    for (const auto& t : targets) {
        try {
            db::backend_of(db::parse_database_url(t.url, base_dir)).load();
        } catch (const Error& e) {
            throw ConfigError(t.origin + ": target '" + t.name + "': " + e.what());
        }
    }
}

// The target's own config: its URL, its backup folder, its schema; no shared schema file.
config::Config target_config(const config::Config& base, const core::FleetTarget& t) {
    config::Config c = base;
    c.database_url = t.url;
    c.database_url_unset.reset();
    c.database_url_origin = t.origin;
    c.database_base_dir = base.base_dir;
    c.backup.dir = base.backup.dir / t.name;
    c.schema_file.clear();
    if (!t.schema.empty()) {
        c.tenant_schema = t.schema;
        c.table = t.schema + "." + base.table;
    }
    return c;
}

// status, check and validate judge the snapshot as the single commands do.
void judge(const core::Status& status, FleetCommand command, TargetResult& r) {
    r.from = r.to = status.current ? status.as_written(*status.current) : "";
    r.pending = status.pending_count();
    const auto drift = core::find_drift(status);
    const bool unfinished = std::any_of(status.entries.begin(), status.entries.end(),
                                        [](const core::StatusEntry& e) { return core::is_unfinished(e.state); });
    r.outcome = unfinished ? Outcome::failed : !drift.empty() ? Outcome::drift
                : r.pending > 0 ? Outcome::behind : Outcome::at_head;
    for (const auto& d : drift) {
        r.error += (r.error.empty() ? "" : "\n") + d;
    }
    const bool bad = r.outcome == Outcome::failed || r.outcome == Outcome::drift;
    if (command == FleetCommand::validate && bad) {
        r.exit_code = static_cast<int>(ExitCode::refused);
    } else if (command == FleetCommand::check && (bad || r.pending > 0)) {
        r.exit_code = static_cast<int>(ExitCode::refused);
    }
}

// A failure as a result: the lock, the connection and refusals by their kind; a backup or
// a hook that failed, and a bad config, are errors; the rest is the database failing.
Outcome outcome_of(const Error& e) {
    if (dynamic_cast<const LockError*>(&e)) {
        return Outcome::locked;
    }
    if (dynamic_cast<const ConnectionError*>(&e)) {
        return Outcome::unreachable;
    }
    if (dynamic_cast<const BackupError*>(&e) || dynamic_cast<const HookError*>(&e) ||
        e.exit_code() == ExitCode::usage) {
        return Outcome::error;
    }
    return e.exit_code() == ExitCode::refused ? Outcome::refused : Outcome::failed;
}

struct Shared {
    const config::Config& config;
    const core::Catalog& catalog;
    GlobalOptions options;
    const FleetOptions& fleet;
    ReplayCache replays;  // fleet drift
};

// fleet drift: the target's schema against the replay of what it applied, shared with the targets
// at the same applied state. A tenant schema's snapshot is that schema's objects with their names
// unqualified, and its replay runs in a schema of the same name on the scratch database.
void drift_of(Context& ctx, ReplayCache& replays, TargetResult& r) {
    const auto ignore = drift_ignore_patterns(ctx);
    auto live = ctx.connect(Access::read_only);
    const auto rows = ctx.applied_rows(*live);
    ctx.checksum_applied(rows);
    const core::Status status = ctx.status_of(rows);
    r.from = r.to = status.current ? status.as_written(*status.current) : "";
    r.pending = status.pending_count();
    const DriftOutcome outcome = measure_drift(ctx, *live, rows, DriftRequest{"", KeepScratch::no, ignore, &replays});
    if (outcome.report.clean()) {
        r.outcome = r.pending > 0 ? Outcome::behind : Outcome::at_head;
        return;
    }
    r.outcome = Outcome::drift;
    r.exit_code = static_cast<int>(ExitCode::refused);
    for (const auto& d : outcome.report.objects) {
        r.error += (r.error.empty() ? "" : "\n") + std::string(core::to_string(d.change)) + " " +
                   std::string(core::to_string(d.object.kind)) + " " + d.object.name;
    }
}

// A worker's session, kept from one tenant schema to the next by the read-only commands:
// tenants share a database, and reading one's tracking table needs no session of its own.
struct Session {
    std::unique_ptr<db::Driver> driver;
};

std::unique_ptr<Snapshot> snapshot(Context& ctx, const core::FleetTarget& target, Session& session) {
    if (target.schema.empty()) {
        return read_snapshot(ctx);
    }
    try {
        if (session.driver) {
            // Its search_path stays the first tenant's: the tracking table is read by its qualified name.
            session.driver->switch_tracking_table(ctx.connect_options(Access::read_only).table);
        } else {
            session.driver = ctx.connect(Access::read_only);
        }
        return read_snapshot(ctx, *session.driver);
    } catch (const Error&) {
        session.driver.reset();  // the next tenant starts on a fresh session
        throw;
    }
}

TargetResult run_target(Shared& shared, const core::FleetTarget& target, Session& session) {
    TargetResult r;
    r.name = target.name;
    r.url = util::redact_url(target.url);
    set_log_target(target.name);
    const auto start = std::chrono::steady_clock::now();
    Context ctx;
    ctx.options = shared.options;
    ctx.target = target.name;
    MigrateResult migrated;
    try {
        ctx.use(target_config(shared.config, target), shared.catalog);
        switch (shared.fleet.command) {
        case FleetCommand::up:
        case FleetCommand::down: {
            const bool up = shared.fleet.command == FleetCommand::up;
            run_migrate(ctx, up ? MigrateCommand::up : MigrateCommand::down, shared.fleet.migrate, migrated);
            r.outcome = migrated.steps == 0 ? Outcome::unchanged : up ? Outcome::migrated : Outcome::reverted;
            break;
        }
        case FleetCommand::status:
        case FleetCommand::check:
        case FleetCommand::validate:
            judge(snapshot(ctx, target, session)->status, shared.fleet.command, r);
            break;
        case FleetCommand::drift:
            drift_of(ctx, shared.replays, r);
            break;
        }
    } catch (const Error& e) {
        r.error = e.what();
        r.exit_code = static_cast<int>(e.exit_code());
        r.outcome = outcome_of(e);
    } catch (const std::exception& e) {
        r.error = std::string("unexpected failure: ") + e.what();
        r.exit_code = static_cast<int>(ExitCode::failed);
        r.outcome = Outcome::error;
    }
    if (shared.fleet.command == FleetCommand::up || shared.fleet.command == FleetCommand::down) {
        r.from = migrated.from;
        r.to = migrated.to;
        r.steps = migrated.steps;
    }
    r.duration_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
    set_log_target("");
    return r;
}

}  // namespace

const char* to_string(Outcome outcome) {
    for (const auto& [o, text] : k_outcomes) {
        if (o == outcome) {
            return text;
        }
    }
    return "";
}

std::optional<Outcome> parse_outcome(std::string_view text) {
    for (const auto& [o, name] : k_outcomes) {
        if (text == name) {
            return o;
        }
    }
    return std::nullopt;
}

const char* to_string(FleetCommand command) {
    for (const auto& [c, text] : k_commands) {
        if (c == command) {
            return text;
        }
    }
    return "";
}

std::optional<FleetCommand> parse_fleet_command(std::string_view name) {
    for (const auto& [c, text] : k_commands) {
        if (name == text) {
            return c;
        }
    }
    return std::nullopt;
}

std::vector<core::FleetTarget> load_targets(Context& ctx) {
    const auto& cfg = ctx.config();
    const auto& fleet = cfg.fleet;
    if (!fleet.configured()) {
        throw ConfigError("no fleet is configured: add [fleet] targets, targets_file, targets_command or schemas to " +
                          (cfg.file.empty() ? ctx.options.config_path : cfg.file.filename().string()) +
                          " (docs/fleet.md)");
    }
    std::vector<core::FleetTarget> targets;
    if (!fleet.targets.empty()) {
        targets = fleet.targets;
    } else if (!fleet.targets_file.empty()) {
        targets = targets_from_lines(read_targets_file(fleet.targets_file, fleet.origin),
                                     ctx.project_label(fleet.targets_file));
    } else if (!fleet.targets_command.empty()) {
        targets = targets_from_lines(run_targets_command(fleet, cfg.base_dir), "[fleet] targets_command output");
    } else {
        targets = schema_targets(ctx);
    }
    core::check_targets(targets, fleet.origin);
    check_urls(targets, cfg.base_dir);
    return targets;
}

int targets_at_once(Context& ctx, const std::vector<core::FleetTarget>& targets, const FleetOptions& options,
                    int parallel) {
    const bool migrates = options.command == FleetCommand::up || options.command == FleetCommand::down;
    const bool backs_up = migrates && ctx.config().backup.enabled && !options.migrate.no_backup;
    const bool on_a_server = std::any_of(targets.begin(), targets.end(), [&](const core::FleetTarget& t) {
        return db::backend_of(db::parse_database_url(t.url, ctx.config().base_dir)).capabilities().reach ==
               db::Reach::server;
    });
    const int at_once = backs_up && on_a_server ? std::max(1, parallel / 2) : parallel;
    return std::min<int>(at_once, static_cast<int>(std::max<std::size_t>(1, targets.size())));
}

bool stops_the_run(Outcome outcome) {
    switch (outcome) {
    case Outcome::failed:
    case Outcome::drift:
    case Outcome::refused:
    case Outcome::unreachable:
    case Outcome::error: return true;
    case Outcome::migrated:
    case Outcome::reverted:
    case Outcome::unchanged:
    case Outcome::at_head:
    case Outcome::behind:
    case Outcome::locked:
    case Outcome::not_started: return false;
    }
    return false;
}

std::vector<TargetResult> run_fleet(Context& ctx, const std::vector<core::FleetTarget>& targets,
                                    const FleetOptions& options, int at_once,
                                    const std::function<void(const TargetResult&, const FleetProgress&)>& on_finish,
                                    std::size_t* replays) {
    // The folder is read and checksummed once; each target gets its copy of the catalog.
    core::Catalog catalog = ctx.catalog();
    std::vector<std::string> names;
    for (const auto& m : catalog.migrations) {
        names.push_back(m.up_file);
    }
    auto sums = folder_checksums(ctx.config().migrations_dir, names, ctx.config().format);
    for (std::size_t i = 0; i < sums.size(); ++i) {
        catalog.migrations[i].checksum = std::move(sums[i]);
    }
    Shared shared{ctx.config(), catalog, ctx.options, options, {}};
    shared.options.json = false;
    shared.options.progress = ProgressMode::never;
    if (!options.lock_timeout_given) {
        shared.options.lock_timeout_s = 0;
    }
    const bool migrates = options.command == FleetCommand::up || options.command == FleetCommand::down;

    std::vector<TargetResult> results(targets.size());
    if (targets.empty()) {
        return results;
    }
    std::atomic<std::size_t> next{0};
    std::atomic<bool> stop{false};
    std::mutex mutex;  // guards progress and on_finish
    FleetProgress progress;
    progress.remaining = targets.size();
    {
        std::vector<std::jthread> workers;
        for (int w = 0; w < at_once; ++w) {
            workers.emplace_back([&] {
                Session session;
                for (;;) {
                    if (stop) {
                        return;
                    }
                    const std::size_t i = next++;
                    if (i >= targets.size()) {
                        return;
                    }
                    {
                        std::lock_guard lock(mutex);
                        ++progress.running;
                        --progress.remaining;
                    }
                    results[i] = run_target(shared, targets[i], session);
                    std::lock_guard lock(mutex);
                    --progress.running;
                    ++progress.done;
                    if (results[i].exit_code != 0) {
                        ++progress.failed;
                    }
                    if (migrates && !options.keep_going && stops_the_run(results[i].outcome)) {
                        stop = true;
                    }
                    on_finish(results[i], progress);
                }
            });
        }
    }
    if (replays) {
        *replays = shared.replays.replays();
    }
    for (std::size_t i = 0; i < targets.size(); ++i) {
        if (results[i].name.empty()) {
            results[i].name = targets[i].name;
            results[i].url = util::redact_url(targets[i].url);
        }
    }
    return results;
}

int fleet_exit_code(const std::vector<TargetResult>& results) {
    int code = 0;
    for (const auto& r : results) {
        code = core::worse_exit_code(code, r.exit_code);
    }
    return code;
}

}  // namespace sqlmig::engine
