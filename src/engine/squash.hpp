#pragma once
// Squash (docs/squash.md): one baseline file replaces the migrations up to a version. The
// migrations are replayed on a scratch database, the database's own dump tool writes the
// baseline, and the baseline is proven on a second scratch database (same schema snapshot, same
// rows) before anything in the folder changes; then the replaced files move to squashed/.

#include <chrono>
#include <ostream>
#include <string>
#include <vector>

#include "engine/context.hpp"
#include "engine/scratch.hpp"
#include "util/json.hpp"

namespace sqlmig::engine {

// --dry-run: replay and prove, but leave the folder as it is.
enum class SquashWrite { yes, no };

struct SquashRequest {
    std::string to;  // --to: a version, or in a sql-migrate folder a file name
    KeepScratch keep = KeepScratch::no;
    SquashWrite write = SquashWrite::yes;
};

struct SquashOutcome {
    bool written = false;
    std::string baseline;              // the baseline's file name
    std::string baseline_label;        // ... as messages name it (ctx.file_label)
    std::string squashed_label;        // the squashed/ folder, as messages name it
    std::string first;                 // the first and last versions it replaces
    std::string last;
    std::size_t migrations = 0;        // migrations replayed
    std::vector<std::string> moved;    // files moved to squashed/ (or that would be)
    std::size_t schema_lines = 0;      // the proof's size
    std::size_t rows = 0;
    std::chrono::milliseconds replay_took{};    // an empty database from the migrations
    std::chrono::milliseconds baseline_took{};  // ... and from the baseline
};

// Replays, dumps, proves and (unless SquashWrite::no) writes the folder. Throws UsageError for a
// version the folder does not have or a squashed/ that cannot take the files, RefusedError for a
// folder already squashed to it, MigrationError naming file:line:col when the replay or the
// baseline fails, BackupError when the dump tool fails, Error (exit 1) when the proof finds a
// difference; the folder is left as it was in each case.
SquashOutcome squash(Context& ctx, const SquashRequest& request);

// The result for people: what was written, what moved, and the two durations.
void print_squash(const SquashOutcome& outcome, std::ostream& out);
// docs/json/squash.schema.json's document.
util::Json squash_json(const SquashOutcome& outcome);

}  // namespace sqlmig::engine
