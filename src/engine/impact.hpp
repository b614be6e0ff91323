#pragma once
// `sqlmig impact` (docs/impact.md): each pending statement run on a scratch database at the
// live database's version, and what the database itself says it did (locks, rewrites, scans,
// MariaDB's accepted ALGORITHM), scaled by the live database's table sizes.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/context.hpp"
#include "core/impact.hpp"
#include "db/driver.hpp"

namespace sqlmig::engine {

// Whether impact reads the live database at all (--no-live-stats: CI on a pull request).
enum class LiveStats { read, skip };

struct ImpactRequest {
    std::string target;       // "head" (default) or a version: the last migration measured
    std::string from;         // with --no-live-stats: the version the scratch is built at
    std::string scratch_url;  // an empty database to use instead of creating one
    bool keep = false;
    LiveStats live = LiveStats::read;
    std::int64_t calibration_rows = 200000;  // rows of the table the throughput is measured on
};

struct ImpactReport {
    std::string database;  // the live database, password hidden; "" without live stats
    std::string scratch;
    bool scratch_kept = false;  // --keep or --scratch-url: left behind
    std::size_t migrations = 0;
    std::optional<core::Throughput> throughput;  // measured when a statement reads or writes a live table
    std::vector<core::StatementImpact> statements;
};

// Measures every pending migration up to the target. Never writes to the live database: its
// session is read-only. Throws UsageError for a bad target or --from, DbError when the scratch
// database cannot be made or the live sizes cannot be read, MigrationError when a statement
// fails on the scratch database.
ImpactReport measure_impact(Context& ctx, const ImpactRequest& request);

// [impact] before_up: unless "off", measures what `up TARGET` would run and lists the statements
// over an [impact] budget: "warn" logs them and returns, "refuse" throws RefusedError (exit 3);
// nothing has run then. Throws as measure_impact.
void check_impact_before_up(Context& ctx, const std::string& target);

// What one database can tell about a statement run on its scratch database.
class ImpactProbe {
public:
    virtual ~ImpactProbe() = default;
    // Runs the statement on the scratch database (committed: the next one sees it) and fills
    // `out` with what it did. Throws db::StatementError when it fails.
    virtual void measure(const core::Statement& statement, core::StatementImpact& out) = 0;
    // Bytes a second for each kind of work, on a table of `rows` rows made (and dropped) for it.
    virtual core::Throughput calibrate(std::int64_t rows) = 0;
    // The live sizes of these relations (as measure() names them); those not there are left out.
    virtual std::vector<core::LiveSize> live_sizes(db::Driver& live, const std::vector<std::string>& relations) = 0;
};

std::unique_ptr<ImpactProbe> make_postgres_probe(db::Driver& scratch);
std::unique_ptr<ImpactProbe> make_mariadb_probe(db::Driver& scratch);
std::unique_ptr<ImpactProbe> make_sqlite_probe(db::Driver& scratch);

// A calibration's throughput: bytes over milliseconds (at least 1), per second.
double bytes_per_second(double bytes, std::int64_t ms);

// Runs `sql` (one of sqlmig's own statements) and how long it took, in milliseconds.
std::int64_t timed_internal(db::Driver& driver, const std::string& sql);

}  // namespace sqlmig::engine
