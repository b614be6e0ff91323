#pragma once
// The plan is a value: the files on disk plus the tracking table's rows give
// each version's state. `status` prints it, `up`/`down` run steps derived from
// it and `stamp` records them. Nothing here touches a database or a file.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/discovery.hpp"
#include "core/migration.hpp"
#include "util/json.hpp"

namespace sqlmig::core {

// squashed: applied by a file that a baseline has since replaced (core/squash.hpp).
enum class EntryState { applied, pending, modified, missing, failed, running, squashed };

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
    const Migration* baseline = nullptr;   // the baseline whose range holds this version (itself included)
};

struct Status {
    std::vector<StatusEntry> entries;  // in version order
    std::optional<Version> current;    // the newest applied version
    // The zero-padded width of the folder's plain numbered versions ("001": 3); 0 when unpadded.
    std::size_t padded_width = 0;
    // Where the files a baseline replaced are, as people reach it ("migrations/squashed"): set at the
    // edge, which knows the folder; empty, the messages name it as the folder's squashed/ subfolder.
    std::string squashed_folder;
    std::size_t pending_count() const;
    // How people see a version, one rule for the whole folder: as its file writes it
    // (Version::display), and a version with no file (only a tracking row) padded like
    // the folder's ("3" beside "001" and "002" shows as "003").
    std::string display(const Version& version) const;
    std::string display(const StatusEntry& entry) const;
    // For tools (JSON, hooks' environment), as documented: the file's text ("003", "1_10"),
    // or the tracking table's for a version with no file ("3").
    std::string as_written(const Version& version) const;
    static const std::string& as_written(const StatusEntry& entry);

private:
    const StatusEntry* find(const Version& version) const;
};

// The current version: for tools as written (Status::as_written) or null; for people as
// shown (Status::display) or "none".
util::Json current_json(const Status& status);
std::string current_text(const Status& status);

// Merges files and rows. Migrations whose checksum is unknown count as unchanged.
Status build_status(const std::vector<Migration>& migrations, const std::vector<AppliedRow>& rows);

// Whether a recorded name and a file's name are the same migration's: equal but for case
// and the separators tools put between words ('_', '-', ' '); an empty recorded name
// (a tool that keeps none) matches any.
bool same_name(std::string_view recorded, std::string_view file);

// How the database's history compares with the folder, to tell a database migrated from
// another folder or project from a branch that is merely behind or ahead.
struct HistoryMatch {
    std::size_t applied = 0;                  // versions the database records as applied
    std::size_t files = 0;                    // migrations the folder has files for
    std::vector<const StatusEntry*> unknown;  // applied, with no file in the folder
    // Applied, and the folder's file has another name and other contents: not a renamed
    // file (its checksum would match) but another migration under the same number.
    std::vector<const StatusEntry*> renamed;
    // This database was most likely migrated from another folder: the folder has files and
    // shares no applied version with it, or most applied versions (of two or more) are
    // unknown to it, or most of those it has are other migrations under the same numbers.
    // An empty folder, or one applied version the folder lacks, is a branch as much.
    bool from_another_folder() const;
    // "3 of its 3 applied versions are not in the folder (7 create_widgets, ...)", and the
    // names that differ, for the message that says so.
    std::string describe(const Status& status) const;
};
HistoryMatch match_history(const Status& status);

// Whether an applied migration whose files are gone but whose down SQL is stored is drift
// (up, status) or a migration `down` may revert with that SQL.
enum class StoredDowns { drift, revertible };

// Which interrupted migrations a command finishes from their statement journal (docs/migrations.md,
// "After a crash"): up resumes an interrupted up, down an interrupted down.
enum class Resuming { none, ups, downs, both };

// The direction of an interrupted migration whose row has a statement journal, so that a plain
// `up` (Direction::up) or `down` resumes it; nullopt for any other entry (a version a baseline
// replaced included: its file is in squashed/).
std::optional<Direction> resumable(const StatusEntry& entry);

// A failed up whose journal counts the up file as it is now: `repair` records that a person checked
// the statement it stopped at, and `up` runs the migration on from there.
bool resumable_after_repair(const StatusEntry& entry);

// Everything that makes up/down unsafe: edited or missing applied files, failed migrations,
// interrupted ones that this command does not resume.
std::vector<std::string> find_drift(const Status& status, StoredDowns stored = StoredDowns::drift,
                                    Resuming resuming = Resuming::none);

// A step of a run.
struct Step {
    Direction direction;
    const Migration* migration;
    // The row of the interrupted run this step finishes, with its statement journal.
    const AppliedRow* resumes = nullptr;
};

// up [TARGET]: "head", a version, or "+N". Throws UsageError for a bad target,
// RefusedError for pending versions below the newest applied one unless allowed.
std::vector<Step> plan_up(const Status& status, const std::string& target, bool allow_out_of_order);

// down [TARGET]: "" (the newest), "-N", a version (everything above it), "base".
// Throws UsageError for a bad target, RefusedError when a step has no down file.
std::vector<Step> plan_down(const Status& status, const std::string& target);

// redo: the newest migration's down, then its up. An interrupted redo is finished: a down resumed
// from its journal is followed by the up, and an interrupted up is resumed alone.
std::vector<Step> plan_redo(const Status& status);

// The current version once the steps have run (nullopt: none applied), for hooks and messages.
std::optional<Version> version_after(const Status& status, const std::vector<Step>& steps);

// stamp TARGET: "head", a version, "base".
struct StampPlan {
    std::vector<const Migration*> record;  // to mark applied, in version order
    std::vector<const AppliedRow*> remove; // rows above the target, newest first
};
StampPlan plan_stamp(const Status& status, const std::string& target);

}  // namespace sqlmig::core
