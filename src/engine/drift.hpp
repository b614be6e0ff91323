#pragma once
// Drift (docs/drift.md): what the applied migrations make, replayed on a scratch database,
// against the live database's schema. Used by `sqlmig drift` and by `up`'s [drift] before_up gate.

#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <ostream>
#include <string>
#include <vector>

#include "engine/context.hpp"
#include "engine/scratch.hpp"
#include "core/drift.hpp"
#include "util/json.hpp"

namespace sqlmig::engine {

// Replays shared between databases at the same applied state (`fleet drift`): one replay per
// key (the database kind, its server's version, each applied version with its checksum), its
// snapshot (or its failure) handed to every database with that key. Thread-safe.
class ReplayCache {
public:
    // The snapshot for `key`: made by `replay` on the first call, awaited by the calls that meet it
    // running. A replay that failed throws its error to every caller.
    std::vector<std::string> get(const std::string& key, const std::function<std::vector<std::string>()>& replay);
    // How many replays ran.
    std::size_t replays() const;

private:
    mutable std::mutex m_mutex;
    std::map<std::string, std::shared_future<std::vector<std::string>>> m_snapshots;
};

struct DriftRequest {
    std::string scratch_url;  // an empty database to replay on instead of creating one ("": create one)
    KeepScratch keep = KeepScratch::no;
    std::vector<core::DriftPattern> ignore;  // drift_ignore_patterns()
    ReplayCache* shared = nullptr;           // fleet drift: replays shared between targets
};

struct DriftOutcome {
    core::DriftReport report;
    std::size_t replayed = 0;                // applied migrations replayed
    std::vector<std::string> from_stored;    // versions replayed from the SQL the tracking table kept
    std::string scratch;                     // the scratch database, as messages name it
};

// [drift] ignore and the project's .sqlmig-drift-ignore (beside the config file), in that order.
// Throws ConfigError naming the file and line of a bad pattern.
std::vector<core::DriftPattern> drift_ignore_patterns(Context& ctx);

// Replays what `live` says it applied (`rows`, read with ctx.applied_rows and checksummed with
// ctx.checksum_applied) on a scratch database and compares its schema with the live one, which is
// only read. Each applied version runs its file when the file's checksum is the recorded one, else
// the SQL the tracking table stored. Throws MigrationFileError naming a version that has neither,
// MigrationError (exit 1, file:line:col) when the replay fails, DbError when the scratch database
// cannot be created.
DriftOutcome measure_drift(Context& ctx, db::Driver& live, const std::vector<core::AppliedRow>& rows,
                           const DriftRequest& request);

// `sqlmig drift`: measure_drift on the configured database, read-only.
DriftOutcome drift_of_database(Context& ctx, const DriftRequest& request);

// up's gate ([drift] before_up): with the run lock held and migrations to run, measures drift on
// `live` and, when there is some, warns or throws RefusedError (exit 3) listing the objects.
// A no-op for "off".
void check_drift_before_up(Context& ctx, db::Driver& live, const std::vector<core::AppliedRow>& rows);

// The report for people: one block per object, '-' expected from the migrations, '+' found live.
void print_drift(const DriftOutcome& outcome, std::ostream& out);
// The same as docs/json/drift.schema.json's document, less "database".
util::Json drift_json(const DriftOutcome& outcome);

}  // namespace sqlmig::engine
