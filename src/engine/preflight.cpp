#include "engine/preflight.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <thread>

#include "engine/lint.hpp"
#include "engine/runner.hpp"
#include "core/tracking_sql.hpp"
#include "util/error.hpp"
#include "util/text.hpp"
#include "db/postgres/dialect.hpp"

namespace sqlmig::engine {

namespace {

using Clock = std::chrono::steady_clock;
using config::PreflightMode;

// How often "wait" looks again, and how often it says it still waits.
constexpr auto k_look_every = std::chrono::milliseconds(500);
constexpr auto k_say_every = std::chrono::seconds(10);

const char* mode_name(PreflightMode mode) {
    switch (mode) {
    case PreflightMode::off: return "off";
    case PreflightMode::warn: return "warn";
    case PreflightMode::wait: return "wait";
    case PreflightMode::refuse: return "refuse";
    }
    return "";
}

const char* outcome_name(PreflightResult::Outcome outcome) {
    switch (outcome) {
    case PreflightResult::Outcome::not_checked: return "not_checked";
    case PreflightResult::Outcome::clear: return "clear";
    case PreflightResult::Outcome::warned: return "warned";
    case PreflightResult::Outcome::waited: return "waited";
    case PreflightResult::Outcome::refused: return "refused";
    }
    return "";
}

std::string milliseconds_sql(std::chrono::milliseconds d) {
    std::string sql = "(";  // built by appending: GCC 12 warns (-Wrestrict, falsely) on "(" + std::string
    sql += std::to_string(d.count());
    sql += " * interval '1 millisecond')";
    return sql;
}

// The tables the steps' statements lock, as lint finds them. Files too large for the lint
// before a run are left out, as they are there.
std::set<std::string> tables_of(const std::vector<PreparedStep>& steps) {
    std::set<std::string> tables;
    for (const auto& step : steps) {
        const Script& s = step.script;
        std::error_code ec;
        if (!s.stored && !s.kept && (std::filesystem::file_size(s.path, ec) >= k_lint_before_run_max_bytes || ec)) {
            spdlog::debug("pre-flight: {} is too large to look for its tables", s.label);
            continue;
        }
        tables.merge(core::tables_locked(read_script(s).text, db::postgres_dialect));
    }
    return tables;
}

// Sessions (not this one) whose transaction began more than `age` ago and that hold or wait
// for a lock on one of `tables` (matched by name in any schema of this database), oldest first.
std::vector<OldTransaction> old_transactions(db::Driver& driver, const std::set<std::string>& tables,
                                             std::chrono::milliseconds age) {
    std::string names;
    for (const auto& t : tables) {
        names += (names.empty() ? "" : ", ") + core::sql_literal(t, db::postgres_dialect);
    }
    const std::string sql =
        "SELECT a.pid::text, a.usename::text, a.application_name, a.state,"
        " round(extract(epoch FROM now() - a.xact_start)::numeric, 1)::text,"
        " CASE WHEN a.wait_event_type IS NULL THEN '' ELSE a.wait_event_type || ':' || a.wait_event END,"
        " left(a.query, 400), string_agg(DISTINCT c.relname::text, ',')"
        " FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_stat_activity a ON a.pid = l.pid"
        " WHERE l.locktype = 'relation'"
        " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        " AND a.pid <> pg_backend_pid() AND a.xact_start < now() - " + milliseconds_sql(age) +
        " AND c.relname IN (" + names + ")"
        " GROUP BY a.pid, a.usename, a.application_name, a.state, a.xact_start, a.wait_event_type, a.wait_event,"
        " a.query"
        " ORDER BY a.xact_start";
    std::vector<OldTransaction> found;
    for (const auto& row : driver.query_rows(sql).value_or(core::TextRows{})) {
        OldTransaction t;
        t.session.pid = std::atol(row[0].value_or("0").c_str());
        t.session.user = row[1].value_or("");
        t.session.application = row[2].value_or("");
        t.session.state = row[3].value_or("");
        if (row[4]) {
            t.session.transaction_age_s = std::atof(row[4]->c_str());
        }
        t.session.wait_event = row[5].value_or("");
        t.session.query = util::masked_query(row[6].value_or(""), 60);
        t.tables = util::split(row[7].value_or(""), ',');
        found.push_back(std::move(t));
    }
    return found;
}

// Replicas of this primary whose replay lags more than `lag` (none on a standby, or when no
// replica is connected; replay_lag is empty while a replica has nothing to replay).
std::vector<LaggingReplica> lagging_replicas(db::Driver& driver, std::chrono::milliseconds lag) {
    const std::string sql = "SELECT application_name, coalesce(host(client_addr), ''), coalesce(state, ''),"
                            " extract(epoch FROM replay_lag)::text FROM pg_stat_replication"
                            " WHERE replay_lag > " + milliseconds_sql(lag) + " ORDER BY replay_lag DESC";
    std::vector<LaggingReplica> found;
    for (const auto& row : driver.query_rows(sql).value_or(core::TextRows{})) {
        found.push_back({row[0].value_or(""), row[1].value_or(""), row[2].value_or(""),
                         std::atof(row[3].value_or("0").c_str())});
    }
    return found;
}

void look(const config::PreflightConfig& config, db::Driver& driver, PreflightResult& result) {
    result.old_transactions = result.tables.empty() ? std::vector<OldTransaction>{}
                                                    : old_transactions(driver, result.tables, config.transaction_age);
    result.lagging_replicas =
        config.replica_lag.count() > 0 ? lagging_replicas(driver, config.replica_lag) : std::vector<LaggingReplica>{};
}

bool found_any(const PreflightResult& r) {
    return !r.old_transactions.empty() || !r.lagging_replicas.empty();
}

// "1 transaction(s) older than 60.0 s hold locks on tables these migrations lock: pid 4123
// (...) on accounts; replica 'r1' (10.0.0.2, streaming) replays 42.0 s behind (over 10.0 s)".
std::string findings(const PreflightResult& r) {
    std::string out;
    if (!r.old_transactions.empty()) {
        out = std::to_string(r.old_transactions.size()) + " transaction(s) older than " +
              util::human_duration(r.config.transaction_age.count()) +
              " hold locks on tables these migrations lock: ";
        for (std::size_t i = 0; i < r.old_transactions.size(); ++i) {
            const auto& t = r.old_transactions[i];
            std::string on;
            for (const auto& table : t.tables) {
                on += (on.empty() ? "" : ", ") + util::printable(table);
            }
            out += (i ? ", " : "") + describe_blocker(t.session) + " on " + on;
        }
    }
    for (const auto& replica : r.lagging_replicas) {
        char lag[32];
        std::snprintf(lag, sizeof lag, "%.1f s", replica.replay_lag_s);
        out += (out.empty() ? "" : "; ") + std::string("replica '") + util::printable(replica.name) + "' (" +
               (replica.address.empty() ? "" : util::printable(replica.address) + ", ") + replica.state +
               ") replays " + lag + " behind, over [postgres] preflight_replica_lag (" +
               util::human_duration(r.config.replica_lag.count()) + ")";
    }
    return out;
}

// What a person can do about it, after a refusal.
std::string next_step(const PreflightResult& r) {
    std::string out = "try again later";
    if (!r.old_transactions.empty()) {
        const std::string pid = std::to_string(r.old_transactions.front().session.pid);
        out += ", or end the transaction first (SELECT pg_terminate_backend(" + pid + ") ends pid " + pid +
               "'s session)";
    }
    return out + "; [postgres] preflight = \"warn\" runs the migrations anyway, with bounded lock waits";
}

[[noreturn]] void refuse(const PreflightResult& r, const std::string& why) {
    throw LockWaitError("pre-flight: " + why + " " + findings(r) + "; nothing was run\n" + next_step(r));
}

// "wait": looks again until nothing is found or the budget is spent.
void wait_for_clear(db::Driver& driver, std::chrono::milliseconds budget, PreflightResult& result) {
    const auto start = Clock::now();
    auto said = start;
    spdlog::warn("pre-flight: {}; waiting for them, up to {} ([postgres] lock_wait_budget)", findings(result),
                 util::human_duration(budget.count()));
    while (found_any(result)) {
        const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
        result.waited_ms = waited.count();
        if (waited + k_look_every > budget) {
            result.outcome = PreflightResult::Outcome::refused;
            refuse(result,
                   "waited " + util::human_duration(waited.count()) + " ([postgres] lock_wait_budget), and still");
        }
        std::this_thread::sleep_for(k_look_every);
        look(result.config, driver, result);
        if (found_any(result) && Clock::now() - said >= k_say_every) {
            said = Clock::now();
            spdlog::warn("pre-flight: still waiting after {}: {}", util::human_duration(result.waited_ms),
                         findings(result));
        }
    }
    result.waited_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
    result.outcome = PreflightResult::Outcome::waited;
    spdlog::info("pre-flight: clear after waiting {}", util::human_duration(result.waited_ms));
}

}  // namespace

void run_preflight(const config::PreflightConfig& config, std::chrono::milliseconds wait_budget,
                   const std::vector<PreparedStep>& steps, db::Driver& driver, PreflightResult& result) {
    result.config = config;
    if (config.mode == PreflightMode::off || driver.dialect() != db::postgres_dialect) {
        return;
    }
    result.tables = tables_of(steps);
    look(config, driver, result);
    if (!found_any(result)) {
        result.outcome = PreflightResult::Outcome::clear;
        return;
    }
    switch (config.mode) {
    case PreflightMode::refuse:
        result.outcome = PreflightResult::Outcome::refused;
        refuse(result, "[postgres] preflight = \"refuse\", and");
    case PreflightMode::wait: wait_for_clear(driver, wait_budget, result); return;
    case PreflightMode::warn:
    case PreflightMode::off:
        result.outcome = PreflightResult::Outcome::warned;
        spdlog::warn("pre-flight: {}; going on: the migrations wait for their locks in short, retried waits "
                     "([postgres] preflight = \"wait\" waits for them to end first)",
                     findings(result));
        return;
    }
}

util::Json preflight_json(const PreflightResult& r) {
    util::Json tables = util::Json::array();
    for (const auto& t : r.tables) {
        tables.push(t);
    }
    util::Json transactions = util::Json::array();
    for (const auto& t : r.old_transactions) {
        util::Json on = util::Json::array();
        for (const auto& table : t.tables) {
            on.push(table);
        }
        util::Json transaction = blocker_json(t.session);
        transaction.set("tables", std::move(on));
        transactions.push(std::move(transaction));
    }
    util::Json replicas = util::Json::array();
    for (const auto& replica : r.lagging_replicas) {
        replicas.push(util::Json::object()
                          .set("application_name", replica.name)
                          .set("client_addr", replica.address)
                          .set("state", replica.state)
                          .set("replay_lag_s", replica.replay_lag_s));
    }
    return util::Json::object()
        .set("mode", mode_name(r.config.mode))
        .set("outcome", outcome_name(r.outcome))
        .set("transaction_age_ms", static_cast<std::int64_t>(r.config.transaction_age.count()))
        .set("replica_lag_ms", static_cast<std::int64_t>(r.config.replica_lag.count()))
        .set("tables", tables)
        .set("old_transactions", transactions)
        .set("lagging_replicas", replicas)
        .set("waited_ms", r.waited_ms);
}

}  // namespace sqlmig::engine
