#pragma once
// The plan is a value: the files on disk plus the tracking table's rows give
// each version's state. `status` prints it, `up`/`down` run steps derived from
// it and `stamp` records them. Nothing here touches a database or a file.

#include <optional>
#include <string>
#include <vector>

#include "core/discovery.hpp"
#include "core/migration.hpp"

namespace sqlmig::core {

enum class EntryState { applied, pending, modified, missing, failed, running };

// Failed and running migrations may be half applied: nothing runs until 'repair'.
inline bool is_unfinished(EntryState state) {
    return state == EntryState::failed || state == EntryState::running;
}

// "applied", "pending", ...
const char* to_string(EntryState state);

// One version, known from its file, its tracking row, or both.
struct StatusEntry {
    Version version;
    std::string name;
    EntryState state = EntryState::pending;
    const Migration* migration = nullptr;  // null when the file is missing
    const AppliedRow* row = nullptr;       // null when never applied
    bool out_of_order = false;             // pending, but below the newest applied version
};

struct Status {
    std::vector<StatusEntry> entries;  // in version order
    std::optional<Version> current;    // the newest applied version
    std::size_t pending_count() const;
    // Display text of a version: as the file writes it when there is one.
    std::string display(const Version& version) const;
};

// Merges files and rows. Migrations whose checksum is unknown count as unchanged.
Status build_status(const std::vector<Migration>& migrations, const std::vector<AppliedRow>& rows);

// Whether an applied migration whose files are gone but whose down SQL is stored is drift
// (up, status) or a migration `down` may revert with that SQL.
enum class StoredDowns { drift, revertible };

// Everything that makes up/down unsafe: edited or missing applied files, failed migrations.
std::vector<std::string> find_drift(const Status& status, StoredDowns stored = StoredDowns::drift);

// A step of a run.
struct Step {
    Direction direction;
    const Migration* migration;
};

// up [TARGET]: "head", a version, or "+N". Throws UsageError for a bad target,
// RefusedError for pending versions below the newest applied one unless allowed.
std::vector<Step> plan_up(const Status& status, const std::string& target, bool allow_out_of_order);

// down [TARGET]: "" (the newest), "-N", a version (everything above it), "base".
// Throws UsageError for a bad target, RefusedError when a step has no down file.
std::vector<Step> plan_down(const Status& status, const std::string& target);

// The current version once the steps have run (nullopt: none applied), for hooks and messages.
std::optional<Version> version_after(const Status& status, const std::vector<Step>& steps);

// stamp TARGET: "head", a version, "base".
struct StampPlan {
    std::vector<const Migration*> record;  // to mark applied, in version order
    std::vector<const AppliedRow*> remove; // rows above the target, newest first
};
StampPlan plan_stamp(const Status& status, const std::string& target);

}  // namespace sqlmig::core
