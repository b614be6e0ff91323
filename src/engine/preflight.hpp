#pragma once
// The pre-flight before `up`, `down` and `redo` run their migrations on PostgreSQL
// (docs/production.md): after sqlmig's own run lock and before the first migration
// takes a lock, it looks for transactions older than [postgres] preflight_transaction_age
// that hold (or wait for) locks on the tables the pending migrations lock, and for
// replicas replaying more than [postgres] preflight_replica_lag behind. Then, by
// [postgres] preflight: off (no look), warn (log them and go on), wait (until they are
// gone, up to [postgres] lock_wait_budget), refuse (stop with exit 5).

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "db/driver.hpp"
#include "util/json.hpp"

namespace sqlmig::engine {

struct PreparedStep;

// A transaction older than the threshold with locks on tables a migration locks.
struct OldTransaction {
    db::LockBlocker session;
    std::vector<std::string> tables;  // the migrations' tables it holds or waits for locks on
};

// A replica whose replay lags more than the threshold (pg_stat_replication on the primary).
struct LaggingReplica {
    std::string name;     // its application_name
    std::string address;  // client_addr, "" when hidden or local
    std::string state;
    double replay_lag_s = 0;
};

// What the pre-flight looked at and found.
struct PreflightResult {
    config::PreflightConfig config;
    enum class Outcome { not_checked, clear, warned, waited, refused } outcome = Outcome::not_checked;
    std::set<std::string> tables;  // the tables the pending migrations lock
    std::vector<OldTransaction> old_transactions;  // the last look's
    std::vector<LaggingReplica> lagging_replicas;  // the last look's
    std::int64_t waited_ms = 0;
};

// Runs the pre-flight for `steps` on a PostgreSQL connection that holds sqlmig's run lock
// and no transaction; a no-op (not_checked) on other databases or when it is off. With
// "refuse", or "wait" past `wait_budget`, throws LockWaitError (exit 5) naming the sessions;
// the result is in `result` either way, for --json. Throws DbError when a query fails.
void run_preflight(const config::PreflightConfig& config, std::chrono::milliseconds wait_budget,
                   const std::vector<PreparedStep>& steps, db::Driver& driver, PreflightResult& result);

// The result as the migrate document's "preflight" object (docs/json/migrate.schema.json).
util::Json preflight_json(const PreflightResult& result);

}  // namespace sqlmig::engine
