#pragma once
// stamp and repair: change the tracking table only, running no migration SQL. Each runs under the
// lock in one transaction, and returns what it changed; the command line prints it.

#include <optional>
#include <string>
#include <vector>

#include "core/plan.hpp"
#include "engine/context.hpp"

namespace sqlmig::engine {

struct StampOutcome {
    std::vector<std::string> recorded;  // versions recorded as applied (not run), as written
    std::vector<std::string> removed;   // versions whose record was removed
    std::optional<std::string> current;  // the version the database is at afterwards, as written
    std::string current_shown;           // the same as status shows it ("none" for none)
};

// Records the migrations up to `target` (head, a version or base) as applied, or removes the
// records above it, as core::plan_stamp decides.
StampOutcome stamp(Context& ctx, const std::string& target);

// Whether repair may accept the new checksums of applied files that were edited.
enum class AcceptEdits { no, yes };

struct RepairOutcome {
    std::vector<std::string> cleared;     // failed or interrupted marks removed: up runs them again
    std::vector<std::string> reapplied;   // interrupted downs, recorded applied again
    std::vector<std::string> resumed;     // failed at a statement: the next run starts from it
    std::vector<std::string> left;        // interrupted, and resumed by the next up or down as they are
    std::vector<std::string> accepted;    // edited files whose new checksums were accepted
    bool nothing_to_repair = false;
};

// Clears failed and interrupted marks; with AcceptEdits::yes accepts the checksums of edited
// applied files (without it, edited files are refused: RefusedError, nothing changed).
RepairOutcome repair(Context& ctx, AcceptEdits accept);

}  // namespace sqlmig::engine
