#pragma once
// adopt --from TOOL: takes over another tool's history in the same database, in one transaction
// under sqlmig's lock, leaving the other tool's table as it is.

#include <string>
#include <vector>

#include "engine/context.hpp"

namespace sqlmig::engine {

enum class DryRun { no, yes };
enum class AllowMissing { no, yes };

struct AdoptRequest {
    std::string from;   // the tool's name, as --from gives it
    std::string table;  // its history table when renamed; empty: the tool's own
    DryRun dry_run = DryRun::no;
    AllowMissing allow_missing = AllowMissing::no;
};

struct AdoptOutcome {
    std::string tool;            // its name
    std::string source_table;    // as shown
    std::string tracking_table;  // sqlmig's, as shown
    std::string drop_source;     // the statement that drops the tool's table, once every environment runs sqlmig
    struct Recorded {
        std::string version;     // as written
        std::string file;        // as shown
        std::string applied_at;  // the tool's time, when it kept one
    };
    std::vector<Recorded> recorded;  // recorded as applied, or would be with --dry-run
    bool already_adopted = false;    // the tracking table already said what the tool says: nothing done
};

// Reads the tool's history, refuses what disagrees (RefusedError, UsageError; nothing changed)
// and records the rest as applied, unless DryRun::yes.
AdoptOutcome adopt(Context& ctx, const AdoptRequest& request);

}  // namespace sqlmig::engine
