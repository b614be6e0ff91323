#pragma once
// up, down and redo as a call, for the commands and for each target of a fleet.

#include <cstddef>
#include <string>

#include "cli/context.hpp"

namespace sqlmig::cli {

enum class MigrateCommand { up, down, redo };

struct MigrateOptions {
    std::string target;
    bool sql = false;
    bool dry_run = false;
    bool single_transaction = false;
    bool allow_out_of_order = false;
    bool no_backup = false;
    bool yes = false;  // down: revert what another folder applied (stored downs)
};

// Where a run started and how far it got; filled as it goes, so also when it throws.
struct MigrateResult {
    std::string from;  // the version before the run, "" for none
    std::string to;    // the version reached, "" for none
    std::size_t steps = 0;  // migrations applied or reverted
};

// Lock, read the state, refuse on drift, plan, check every file, back up, run (cmd_migrate.cpp).
// Throws sqlmig::Error.
void run_migrate(Context& ctx, MigrateCommand command, const MigrateOptions& options, MigrateResult& result);

}  // namespace sqlmig::cli
