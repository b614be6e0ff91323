#pragma once
// `sqlmig fleet`: one command over many databases or tenant schemas ([fleet] in the
// config, docs/fleet.md). Each target runs the single-database command with its own
// connection, lock, backup folder and hooks, on a bounded number of threads.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/context.hpp"
#include "engine/migrate.hpp"
#include "core/fleet.hpp"

namespace sqlmig::engine {

enum class FleetCommand { up, down, status, check, validate, drift };
const char* to_string(FleetCommand command);
std::optional<FleetCommand> parse_fleet_command(std::string_view name);

// What happened to one target. The text of each (to_string) is part of the --json format.
enum class Outcome {
    migrated,     // up applied migrations
    reverted,     // down reverted migrations
    unchanged,    // up or down had nothing to do
    at_head,      // status/check/validate: every migration applied
    behind,       // pending migrations
    failed,       // a migration failed, or a row is recorded failed/running
    drift,        // applied files edited or missing; fleet drift: the schema differs from the replay
    refused,      // the command refused (a newer tracking table, an unsafe run)
    locked,       // another run holds the target's lock
    unreachable,  // the connection failed
    error,        // anything else (a backup, a hook, a bad URL)
    not_started,  // the run stopped after a failure before reaching it
};
const char* to_string(Outcome outcome);
std::optional<Outcome> parse_outcome(std::string_view text);

struct TargetResult {
    std::string name;
    std::string url;   // redacted
    Outcome outcome = Outcome::not_started;
    int exit_code = 0;
    std::string from;  // version before ("" none)
    std::string to;    // version after ("" none)
    std::size_t steps = 0;
    std::size_t pending = 0;
    std::int64_t duration_ms = 0;
    std::string error;  // what the single-database command would have printed
};

struct FleetOptions {
    FleetCommand command = FleetCommand::status;
    MigrateOptions migrate;      // up and down
    core::Selection selection;   // --only, --exclude, --shard
    std::optional<int> parallel; // --parallel; default [fleet] parallel
    bool keep_going = false;
    bool lock_timeout_given = false;  // otherwise a locked target is reported at once
};

// The running tally, for the live line.
struct FleetProgress {
    std::size_t done = 0;
    std::size_t failed = 0;
    std::size_t running = 0;
    std::size_t remaining = 0;
};

// The configured targets ([fleet] targets, targets_file, targets_command or schemas), each
// URL expanded and checked, names unique: every problem is an error before anything runs.
std::vector<core::FleetTarget> load_targets(Context& ctx);

// How many targets run at once for `parallel` connections: half as many when each may also
// hold a backup tool's connection (pg_dump, mariadb-dump) while it backs up.
int targets_at_once(Context& ctx, const std::vector<core::FleetTarget>& targets, const FleetOptions& options,
                    int parallel);

// Runs the command on every target, `at_once` at a time. `replays` counts fleet drift's replays
// (targets at the same applied state share one); may be null. on_finish is called for each
// finished target, one call at a time. Results are in the targets' order; after a failure of
// up or down (without keep_going) the targets not started are `not_started`.
std::vector<TargetResult> run_fleet(Context& ctx, const std::vector<core::FleetTarget>& targets,
                                    const FleetOptions& options, int at_once,
                                    const std::function<void(const TargetResult&, const FleetProgress&)>& on_finish,
                                    std::size_t* replays = nullptr);

// Whether a target's outcome stops an up or down run that is not --keep-going.
bool stops_the_run(Outcome outcome);

// The worst exit code of the results (core::worse_exit_code).
int fleet_exit_code(const std::vector<TargetResult>& results);

}  // namespace sqlmig::engine
