#pragma once
// up, down and redo as a call, for the commands and for each target of a fleet.

#include <cstddef>
#include <optional>
#include <ostream>
#include <string>

#include "engine/context.hpp"
#include "util/json.hpp"

namespace sqlmig::engine {

enum class MigrateCommand { up, down, redo };

struct MigrateOptions {
    std::string target;
    bool sql = false;
    bool dry_run = false;
    bool single_transaction = false;
    bool allow_out_of_order = false;
    bool no_backup = false;
    bool yes = false;  // down: revert what another folder applied (stored downs)
    // Where --sql and --dry-run print (the command line: stdout); a fleet runs neither.
    std::ostream* print_to = nullptr;
};

// Where a run started and how far it got; filled as it goes, so also when it throws.
struct MigrateResult {
    std::string from;  // the version before the run, "" for none
    std::string to;    // the version reached, "" for none
    std::size_t steps = 0;  // migrations applied or reverted
    // With --json, the run's document (docs/json/migrate.schema.json) once the run got as far as
    // its plan: the caller prints it, also when the run throws.
    std::optional<util::Json> document;
};

// Lock, read the state, refuse on drift, plan, check every file, back up, run (migrate.cpp).
// Throws sqlmig::Error.
void run_migrate(Context& ctx, MigrateCommand command, const MigrateOptions& options, MigrateResult& result);

}  // namespace sqlmig::engine
