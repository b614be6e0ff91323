#pragma once
// Executes a plan's steps against a driver: one transaction per migration
// together with its tracking row (or the whole run with --single-transaction),
// files that manage their own transaction, and no-transaction files. Every file
// is read and checked before the first statement runs, once: what the check read is
// kept for the lint gate, the stored SQL and the run (see k_kept_bytes_max).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "engine/context.hpp"
#include "engine/files.hpp"
#include "engine/progress.hpp"
#include "config/config.hpp"
#include "core/in_flight.hpp"
#include "core/plan.hpp"
#include "core/statement_kind.hpp"
#include "db/driver.hpp"
#include "util/json.hpp"

namespace sqlmig::engine {

// The bytes of files one run keeps in memory after checking them, at most (see check_file):
// the files beyond are streamed again when they run.
inline constexpr std::uintmax_t k_kept_bytes_max = std::uintmax_t{256} << 20;

// A step with its file read and checked.
struct PreparedStep {
    core::Step step;
    Script script;                // the up or down file (or section)
    FileCheck check;              // transaction mode and checksum of that file
    std::string up_checksum;      // recorded for an up step
    // An interrupted run of this file committed its first `resume_at` statements (its journal).
    std::optional<std::int64_t> resume_at;
    // `repair` recorded that a person checked the statement at resume_at: it runs even where the
    // database cannot tell whether it committed.
    bool resume_checked = false;
};

// One attempt of a migration that did not get its locks (docs/production.md).
struct LockAttempt {
    int attempt = 0;
    std::int64_t lock_timeout_ms = 0;  // the attempt's rung of the ladder
    std::int64_t waited_ms = 0;        // from the attempt's start to its failure
    LockFailure reason = LockFailure::timeout;
    db::LockWaitReport seen;
};

struct StepOutcome {
    const PreparedStep* step = nullptr;
    std::int64_t duration_ms = 0;
    int attempts = 1;
    std::int64_t lock_wait_ms = 0;        // failed attempts and backoffs before the attempt that ran
    std::vector<LockAttempt> lock_waits;  // the failed attempts
};

// A migration failed; the message says where, what the database said, and the state left behind.
class MigrationError : public Error {
public:
    explicit MigrationError(const std::string& message) : Error(ExitCode::failed, message) {}
};

// A migration did not get its locks within its budget: rolled back and not recorded (exit 5).
// Carries its attempts for --json.
class LockWaitGaveUp : public LockWaitError {
public:
    LockWaitGaveUp(const std::string& message, StepOutcome gave_up)
        : LockWaitError(message), outcome(std::move(gave_up)) {}
    StepOutcome outcome;
};

// Whether each migration runs in its own transaction, or the whole run in one (--single-transaction).
enum class RunTransaction { per_migration, whole_run };

// Whether migrations of this run finished before the one that failed (its message says they stay).
enum class EarlierSteps { none, done };

class Runner {
public:
    Runner(Context& ctx, db::Driver& driver);

    // Reads and checks every step's file. Throws MigrationFileError or RefusedError
    // before anything runs.
    std::vector<PreparedStep> prepare(const std::vector<core::Step>& steps, RunTransaction transaction);
    // The same for up steps whose script the caller chose (drift replays the SQL the tracking
    // table stored where the file is gone or edited), without --single-transaction.
    std::vector<PreparedStep> prepare(const std::vector<std::pair<core::Step, Script>>& steps);

    // Runs the steps in order and appends each finished one to done. A failure throws
    // MigrationError after rolling back (or marking the migration failed when it cannot).
    // A migration whose statements time out waiting for a lock (or are chosen as a deadlock
    // victim) is rolled back and retried until its lock wait budget is spent, then throws
    // LockWaitGaveUp (docs/production.md); with --single-transaction the whole run is.
    void run(const std::vector<PreparedStep>& steps, RunTransaction transaction, std::vector<StepOutcome>& done);

    // The backup taken before this run, recorded in each applied migration's tracking row.
    void set_backup(std::string label) { m_backup = std::move(label); }

    // Writes the SQL that run() would execute, tracking statements included.
    void print_sql(const std::vector<PreparedStep>& steps, RunTransaction transaction, std::ostream& out);

private:
    using Millis = std::chrono::milliseconds;
    PreparedStep prepare_one(const core::Step& step, Script script, RunTransaction transaction);
    std::int64_t run_wrapped(const PreparedStep& step, RunTransaction transaction, std::optional<Millis> attempt_timeout);
    void run_single_transaction(const std::vector<PreparedStep>& steps, std::vector<StepOutcome>& done);
    std::int64_t run_with_retries(const PreparedStep& step, StepOutcome& outcome, const std::vector<StepOutcome>& done);
    bool after_lock_failure(const PreparedStep& step, const LockAttempt& attempt,
                            std::chrono::steady_clock::time_point first, StepOutcome& outcome);
    std::string gave_up_message(const PreparedStep& step, const DbError& e, const StepOutcome& outcome) const;
    std::string next_step_after_giving_up(const StepOutcome& outcome) const;
    static std::vector<db::LockBlocker> last_blockers(const StepOutcome& outcome);
    // With a journal entry, each attempt runs the statement and that entry in one transaction.
    void execute_alone(const PreparedStep& step, core::Statement statement, StepOutcome& outcome,
                       std::optional<std::chrono::steady_clock::time_point>& first,
                       const std::optional<std::string>& journal);
    Millis rung(int attempt) const;
    void announce(const PreparedStep& step) const;
    std::int64_t run_unwrapped(const PreparedStep& step, StepOutcome& outcome, EarlierSteps earlier);
    core::AppliedRow tracking_row(const PreparedStep& step, std::int64_t duration_ms) const;
    core::TableName tracking_table();
    void load_stored_sql(const PreparedStep& step);
    std::string stored_down_sql(const core::Migration& migration);
    std::string tracking_sql(const PreparedStep& step, std::int64_t duration_ms) const;
    void record_now(const std::string& sql);
    void mark_running(const PreparedStep& step);
    std::string journal_sql(const PreparedStep& step, std::int64_t done) const;
    enum class Skipped { work, session_setting, transaction_control };
    Skipped skip_committed(core::Statement&& s, core::StatementKind kind, bool& inside_own);
    void execute_with_journal(core::Statement statement, const std::string& journal);
    // Resuming: what became of the statement that ran when the interrupted run died.
    enum class InFlightOutcome { run_it, it_committed };
    InFlightOutcome resolve_in_flight(const PreparedStep& step, const core::Statement& s, core::StatementKind kind);
    InFlightOutcome resolve_index(const PreparedStep& step, const core::InFlight& in_flight);
    InFlightOutcome resolve_by_catalog(const PreparedStep& step, const core::InFlight& in_flight);
    // The probe's rows: nullopt when this database has no such object to look for.
    std::optional<core::TextRows> probe(const core::CatalogObject& object);
    void unmark_running(const PreparedStep& step);
    // Whether the step's tracking row says running while its statements run.
    enum class RunningMark { absent, present };
    [[noreturn]] void fail_unwrapped(const PreparedStep& step, const std::optional<core::Position>& committed_through,
                                     RunningMark mark, const std::string& error, const std::string& failure_record);
    std::string rolled_back(const PreparedStep& step, EarlierSteps earlier) const;
    std::string rolled_back_after(const PreparedStep& step, const std::vector<StepOutcome>& done) const;
    std::optional<std::string> changed_while_running(const PreparedStep& step, const std::string& ran) const;
    [[noreturn]] void fail(const PreparedStep& step, const db::StatementError& e, const std::string& aftermath);

    Context& m_ctx;
    db::Driver& m_driver;
    core::TableName m_table;
    std::string m_backup;
    core::AppliedRow m_step_sql;  // the stored SQL of the step being run (its up_sql, down_sql, down_checksum)
    config::LockRetryConfig m_retries;  // off where the driver cannot bound its lock waits
    bool m_statement_retries = false;   // a statement that commits on its own is retried alone
    std::optional<Millis> m_session_lock_timeout;  // [postgres] lock_timeout: no rung waits longer
    std::string m_section;                         // "postgres": where the keys are, for messages
    std::uintmax_t m_keep_budget = 0;              // bytes the files still to prepare may keep in memory
};

// "pid 4123 (app 'report', user 'app', idle in transaction for 12.4 s: SELECT ...)".
std::string describe_blocker(const db::LockBlocker& b);
// The same as a JSON object (the census's fields in docs/json/migrate.schema.json).
util::Json blocker_json(const db::LockBlocker& b);

// "file:line:col: message" and the server's detail, hint, SQLSTATE and statement, one per line.
std::string describe_statement_error(const std::string& label, const db::StatementError& e);

}  // namespace sqlmig::engine
