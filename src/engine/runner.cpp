#include "engine/runner.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "engine/index_leftover.hpp"
#include "engine/lint.hpp"
#include "engine/progress.hpp"
#include "core/concurrent_index.hpp"
#include "core/statement_kind.hpp"
#include "core/tracking_sql.hpp"
#include "db/backend.hpp"
#include "util/text.hpp"
#include "db/postgres/dialect.hpp"

namespace sqlmig::engine {

namespace {

using Clock = std::chrono::steady_clock;

std::uintmax_t size_of(const std::filesystem::path& file) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(file, ec);
    return ec ? 0 : size;
}

std::int64_t ms_since(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

const char* mode_name(core::TransactionMode mode) {
    switch (mode) {
    case core::TransactionMode::wrapped: return "transaction";
    case core::TransactionMode::own: return "file's own transaction";
    case core::TransactionMode::none: return "no transaction";
    case core::TransactionMode::stepping_out: return "transaction, which the file commits and begins again";
    }
    return "";
}

// "004_add_email"; sql-migrate's and Flyway's repeatable migrations are named by their identity alone.
std::string step_title(const PreparedStep& s) {
    const core::Migration& m = *s.step.migration;
    if (m.format == core::Format::sql_migrate || m.version.is_repeatable()) {
        return util::printable(m.version.text());
    }
    return m.version.text() + "_" + util::printable(m.name);
}

// Where in the file the error is: the server's position when it gave one, else the statement's start.
core::Position error_position(const db::StatementError& e) {
    return e.position > 0 ? core::locate_in_statement(e.statement, static_cast<std::size_t>(e.position - 1))
                          : e.statement.start;
}

// -v logs each statement. Checked first: shortening a statement costs more than
// running a small INSERT on SQLite, and most runs do not log it.
void log_statement(const PreparedStep& step, const core::Statement& s) {
    if (spdlog::should_log(spdlog::level::debug)) {
        spdlog::debug("{}:{}:{}: {}", step.script.label, s.start.line, s.start.column, util::shorten(s.text, 200));
    }
}

// Whether a file that is not one transaction records each committed statement (its journal), so
// that a run killed midway resumes where it stopped. A file that commits the transaction sqlmig
// opened for it (stepping out) is not resumed: what it committed is not one statement's.
bool journals_progress(core::TransactionMode mode) {
    return mode == core::TransactionMode::none || mode == core::TransactionMode::own;
}

// A statement retried alone did not get its lock within the budget, or may not be retried.
struct StatementGaveUp {
    db::StatementError error;
    std::string left_behind;  // what the statement left in the database ("" when nothing)
};

// The pause after a failed attempt: 100 ms doubling to at most 1.5 s, each drawn at random
// between half and all of it, so that runs retrying together spread out. Every attempt
// against a long blocker queues the application behind it for a moment; the cap bounds how
// many there are, and how long after the blocker's end the migration gets through.
std::chrono::milliseconds backoff(int attempt) {
    static thread_local std::mt19937 rng{std::random_device{}()};
    const std::int64_t base = std::min<std::int64_t>(1500, std::int64_t{100} << std::min(attempt - 1, 10));
    std::uniform_int_distribution<std::int64_t> pick(base / 2, base);
    return std::chrono::milliseconds(pick(rng));
}

// "; blocked by pid 1 (...), pid 2 (...)", or "" when no sample saw a blocker.
std::string blocked_by(const std::vector<db::LockBlocker>& blockers) {
    std::string out;
    for (std::size_t i = 0; i < blockers.size() && i < 5; ++i) {
        out += (i == 0 ? "; blocked by " : ", ") + describe_blocker(blockers[i]);
    }
    if (blockers.size() > 5) {
        out += " and " + std::to_string(blockers.size() - 5) + " more";
    }
    return out;
}

// What an attempt ran into, for its warning.
std::string attempt_failure(const LockAttempt& a, const std::string& section) {
    char harm[32];
    std::snprintf(harm, sizeof harm, "%.2f", a.seen.harm_backend_s);
    switch (a.reason) {
    case LockFailure::timeout:
        return "lock not granted in " + util::human_duration(a.lock_timeout_ms) + " (attempt " + std::to_string(a.attempt) + ")";
    case LockFailure::deadlock:
        return "chosen as a deadlock victim (attempt " + std::to_string(a.attempt) + ")";
    case LockFailure::harm:
        return "stopped waiting for a lock after " + util::human_duration(a.waited_ms) + " (attempt " + std::to_string(a.attempt) +
               "): " + std::to_string(a.seen.queued_max) + " session(s) queued behind it, " + harm +
               " backend-seconds, over " + section + " lock_harm_budget";
    case LockFailure::none: break;
    }
    return "failed (attempt " + std::to_string(a.attempt) + ")";
}

}  // namespace

util::Json blocker_json(const db::LockBlocker& b) {
    return util::Json::object()
        .set("pid", static_cast<std::int64_t>(b.pid))
        .set("user", b.user)
        .set("application_name", b.application)
        .set("state", b.state)
        .set("transaction_age_s", b.transaction_age_s ? util::Json(*b.transaction_age_s) : util::Json())
        .set("wait_event", b.wait_event)
        .set("query", b.query);
}

std::string describe_blocker(const db::LockBlocker& b) {
    std::string out = b.id_label + " " + std::to_string(b.pid) + " (";
    std::string sep;
    if (!b.application.empty()) {
        out += "app '" + util::printable(b.application) + "'";
        sep = ", ";
    }
    if (!b.user.empty()) {
        out += sep + "user '" + util::printable(b.user) + "'";
    }
    if (b.state.empty()) {
        out += ", details hidden: sqlmig's role needs pg_read_all_stats to see them)";
        return out;
    }
    out += ", " + b.state;
    if (b.transaction_age_s) {
        char age[32];
        std::snprintf(age, sizeof age, "%.1f", *b.transaction_age_s);
        out += std::string(b.state == "active" ? ", in a transaction of " : " for ") + age + " s";
    }
    if (!b.query.empty()) {
        out += ": " + util::printable(b.query);
    }
    return out + ")";
}

std::string describe_statement_error(const std::string& label, const db::StatementError& e) {
    const core::Position pos = error_position(e);
    std::string out = label + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column) + ": " +
                      std::string(util::trim(e.what()));
    if (!e.detail.empty()) {
        out += "\n  DETAIL:   " + e.detail;
    }
    if (!e.hint.empty()) {
        out += "\n  HINT:     " + e.hint;
    }
    if (!e.context.empty()) {
        out += "\n  CONTEXT:  " + util::shorten(e.context, 200);
    }
    if (!e.sqlstate.empty()) {
        out += "\n  " + e.code_label + ":" + std::string(e.code_label.size() < 9 ? 9 - e.code_label.size() : 1, ' ') +
               e.sqlstate;
    }
    out += "\n  statement at " + std::to_string(e.statement.start.line) + ":" +
           std::to_string(e.statement.start.column) + ": " + util::shorten(e.statement.text, 160);
    return out;
}

Runner::Runner(Context& ctx, db::Driver& driver) : m_ctx(ctx), m_driver(driver) {
    m_section = std::string(db::backend_of(ctx.connect_options(Access::read_only).url).config_section());
    m_retries = ctx.config().lock_retries(m_section);
    m_retries.enabled = m_retries.enabled && driver.bounds_lock_waits();
    m_statement_retries = m_retries.enabled && driver.bounds_statement_lock_waits();
    m_session_lock_timeout = ctx.config().session_limits(m_section).lock_timeout;
    m_section = "[" + m_section + "]";
}

// The ladder's rung for an attempt (the last rung repeats), never above [postgres] lock_timeout.
std::chrono::milliseconds Runner::rung(int attempt) const {
    const auto& ladder = m_retries.ladder;
    auto timeout = ladder[std::min<std::size_t>(static_cast<std::size_t>(attempt - 1), ladder.size() - 1)];
    if (m_session_lock_timeout && m_session_lock_timeout->count() > 0) {
        timeout = std::min(timeout, *m_session_lock_timeout);
    }
    return timeout;
}

// On PostgreSQL the schema the tracking table was found in: the tracking change of an own-transaction
// file is sent inside that transaction, after the file's own SET search_path or SET ROLE.
core::TableName Runner::tracking_table() {
    core::TableName table = core::parse_table_name(m_ctx.config().table);
    if (table.schema || m_driver.dialect() != db::postgres_dialect) {
        return table;
    }
    const auto rows = m_driver.query_rows(
        "SELECT n.nspname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.oid = to_regclass(" + core::sql_literal(table.quoted(db::postgres_dialect), db::postgres_dialect) +
        ")");
    if (rows && !rows->empty() && !rows->front().empty() && rows->front().front()) {
        table.schema = *rows->front().front();
    }
    return table;
}

namespace {

// Where a resumed run starts: after the statements its journal records, when the file is the one
// that journal counted.
std::int64_t resume_point(const PreparedStep& p, const core::AppliedRow& row) {
    const std::string done = std::to_string(*row.statements_done) + " statement(s)";
    if (row.journal_checksum != p.check.checksum) {
        throw RefusedError(p.script.label + " was interrupted after " + done + ", and the file changed since (" +
                           row.journal_checksum + " then, " + p.check.checksum + " now), so sqlmig cannot resume it; "
                           "restore the file as it was, or check the database by hand and run 'sqlmig repair'");
    }
    if (!journals_progress(p.check.mode)) {
        throw RefusedError(p.script.label + " was interrupted after " + done + ", but it now runs in one "
                           "transaction (the server changed?), so sqlmig cannot resume it; check the database by "
                           "hand and run 'sqlmig repair'");
    }
    return *row.statements_done;
}

}  // namespace

std::vector<PreparedStep> Runner::prepare(const std::vector<core::Step>& steps, RunTransaction transaction) {
    m_table = tracking_table();
    m_keep_budget = k_kept_bytes_max;
    std::vector<PreparedStep> prepared;
    for (const auto& step : steps) {
        prepared.push_back(prepare_one(step, m_ctx.script(*step.migration, step.direction), transaction));
    }
    return prepared;
}

std::vector<PreparedStep> Runner::prepare(const std::vector<std::pair<core::Step, Script>>& steps) {
    m_table = tracking_table();
    m_keep_budget = k_kept_bytes_max;
    std::vector<PreparedStep> prepared;
    for (const auto& [step, script] : steps) {
        prepared.push_back(prepare_one(step, script, RunTransaction::per_migration));
    }
    return prepared;
}

PreparedStep Runner::prepare_one(const core::Step& step, Script script, RunTransaction transaction) {
    PreparedStep p{step, std::move(script), {}, {}, std::nullopt, false};
    if (step.migration->stored) {
        p.script.stored = stored_down_sql(*step.migration);
        spdlog::warn("{}_{} has no files here; reverting it with the down SQL stored when it was applied",
                     step.migration->version.text(), util::printable(step.migration->name));
    }
    // One read of the file: the lint gate, the stored SQL and the run use what this pass kept, as
    // long as the run's kept files stay within k_kept_bytes_max (a larger run streams the rest again).
    const std::uintmax_t keep_max = std::min(
        std::max<std::uintmax_t>(m_ctx.config().store_sql_max, k_lint_before_run_max_bytes), m_keep_budget);
    p.check = check_file(p.script, m_driver.dialect(), m_driver.server_version(), keep_max);
    p.script.kept = p.check.text;
    if (p.check.text) {
        m_keep_budget -= p.check.text->size();
    }
    if (p.check.section_missing && step.direction == core::Direction::down) {
        spdlog::warn("{} has no down section; reverting it only removes its record, as {} does", p.script.label,
                     core::format_name(step.migration->format));
    }
    p.up_checksum = step.direction == core::Direction::up
        ? p.check.checksum
        : m_ctx.up_checksum(*step.migration);
    if (step.resumes) {
        p.resume_at = resume_point(p, *step.resumes);
        p.resume_checked = step.resumes->failure == core::k_checked_by_repair;
    }
    if (transaction == RunTransaction::whole_run && p.check.mode != core::TransactionMode::wrapped) {
        const char* how = p.check.mode == core::TransactionMode::own            ? "in the file's own transaction"
                          : p.check.mode == core::TransactionMode::stepping_out ? "partly outside a transaction"
                                                                                : "without a transaction";
        throw RefusedError(p.script.label + " runs " + how +
                           ", so it cannot be part of --single-transaction; run without it");
    }
    return p;
}

std::string Runner::stored_down_sql(const core::Migration& m) {
    const auto rows = m_driver.query_rows(core::select_stored_sql(m_table, m.version, m_driver.dialect()));
    if (!rows || rows->empty() || rows->front().size() < 2 || !rows->front()[1]) {
        throw RefusedError("cannot revert version " + m.version.canonical() + ": its files are missing and no down "
                           "SQL is stored for it; restore them from version control");
    }
    return *rows->front()[1];
}

core::AppliedRow Runner::tracking_row(const PreparedStep& step, std::int64_t duration_ms) const {
    const core::Migration& m = *step.step.migration;
    core::AppliedRow row;
    row.version = m.version;
    row.name = m.name;
    row.checksum = step.up_checksum;
    row.state = core::k_state_applied;
    row.applied_at = utc_now_iso8601();
    row.duration_ms = duration_ms;
    row.applied_by = current_user_at_host();
    row.backup = m_backup;
    row.up_sql = m_step_sql.up_sql;
    row.down_sql = m_step_sql.down_sql;
    row.down_checksum = m_step_sql.down_checksum;
    return row;
}

// Read once, before the step runs: its row is written twice when it is marked running first, and
// the check that the file did not change while it ran then covers the stored up too.
void Runner::load_stored_sql(const PreparedStep& step) {
    m_step_sql = {};
    if (step.step.direction == core::Direction::up) {
        m_ctx.add_stored_sql(*step.step.migration, m_step_sql, &step.script);
    }
}

// The statement that records a finished step: the applied row of an up, the removal of a down's.
std::string Runner::tracking_sql(const PreparedStep& step, std::int64_t duration_ms) const {
    if (step.step.direction == core::Direction::down) {
        return core::delete_row_sql(m_table, step.step.migration->version, m_driver.dialect());
    }
    return core::upsert_row_sql(m_table, tracking_row(step, duration_ms), m_driver.dialect());
}

void Runner::fail(const PreparedStep& step, const db::StatementError& e, const std::string& aftermath) {
    throw MigrationError(describe_statement_error(step.script.label, e) + "\n" + aftermath);
}

// The same when steps ran before it. In a redo the step before an up is the down of the
// same migration: that down committed, so the migration is now not applied at all.
std::string Runner::rolled_back_after(const PreparedStep& step, const std::vector<StepOutcome>& done) const {
    const bool redo = step.step.direction == core::Direction::up && !done.empty() &&
                      done.back().step->step.direction == core::Direction::down &&
                      done.back().step->step.migration->version == step.step.migration->version;
    if (!redo) {
        return rolled_back(step, done.empty() ? EarlierSteps::none : EarlierSteps::done);
    }
    return "its down had committed, then applying it again failed and was rolled back: " + step_title(step) +
           " is now not applied, and the database is at the version before it. Fix " + step.script.label +
           " and run 'sqlmig up' to apply it again";
}

// What a failure that rolled back left: this migration is as it was.
std::string Runner::rolled_back(const PreparedStep& step, EarlierSteps earlier) const {
    if (step.step.direction == core::Direction::down) {
        return step_title(step) + " was not reverted (rolled back) and stays applied" +
               (earlier == EarlierSteps::done ? "; the migrations reverted before it stay reverted" : "");
    }
    return "nothing of " + step_title(step) + " was applied (rolled back)" +
           (earlier == EarlierSteps::done ? "; the migrations before it stay applied" : "");
}

// What ran must be what was checked, and whose checksum is recorded: a hook or an
// editor may change the file between the check and the run (the backup can take minutes).
// A kept file ran from the bytes that were checked: its stamp tells whether the file changed since.
std::optional<std::string> Runner::changed_while_running(const PreparedStep& step, const std::string& ran) const {
    if (ran != step.check.checksum) {
        return step.script.label + " changed while sqlmig ran it (checked " + step.check.checksum + ", ran " + ran +
               "); do not edit migrations during a run";
    }
    if (!step.script.kept || !step.check.stamp || file_stamp(step.script.path) == step.check.stamp) {
        return std::nullopt;
    }
    Script now = step.script;
    now.kept.reset();
    std::string is_now = "unreadable";
    try {
        is_now = script_checksum(now);
    } catch (const Error&) {
        // gone or unreadable: changed all the same
    }
    return step.script.label + " changed while sqlmig ran it (checked and ran " + step.check.checksum + ", now " +
           is_now + "); do not edit migrations during a run";
}

// The file runs inside sqlmig's transaction (begun here unless the caller holds one
// for --single-transaction), with its tracking row.
std::int64_t Runner::run_wrapped(const PreparedStep& step, RunTransaction transaction,
                                 std::optional<Millis> attempt_timeout) {
    const auto start = Clock::now();
    if (transaction == RunTransaction::per_migration) {
        m_driver.begin();
    }
    if (attempt_timeout) {
        m_driver.begin_attempt(*attempt_timeout);
    }
    const auto progress = file_progress(m_ctx.progress_display, step.script.label, size_of(step.script.path));
    const std::string ran = for_each_statement(
        step.script, m_driver.dialect(),
        [&](core::Statement&& s) {
            log_statement(step, s);
            m_driver.execute(std::move(s));
            progress->statement_sent();
        },
        [&](std::size_t bytes) { progress->read(bytes); });
    m_driver.flush();
    if (attempt_timeout) {
        (void)m_driver.end_attempt();  // before the tracking row and COMMIT: no cancel may reach them
    }
    if (const auto changed = changed_while_running(step, ran)) {
        m_driver.rollback();
        throw MigrationError(*changed + "\n" +
                             (transaction == RunTransaction::whole_run ? "the whole run was rolled back (--single-transaction)"
                                                : rolled_back(step, EarlierSteps::none)));
    }
    const std::int64_t duration = ms_since(start);
    m_driver.execute_internal(tracking_sql(step, duration));
    if (transaction == RunTransaction::per_migration) {
        m_driver.commit();
    }
    return duration;
}

void Runner::record_now(const std::string& sql) {
    m_driver.execute_internal(sql);
    m_driver.flush();
}

// Before the first statement of a file that is not one transaction: a run that
// dies midway leaves "running", which status shows and up refuses until repair.
void Runner::mark_running(const PreparedStep& step) {
    const core::Migration& m = *step.step.migration;
    db::TransactionGuard transaction(m_driver);  // the mark and its journal: never one without the other
    if (step.step.direction == core::Direction::down) {
        m_driver.execute_internal(
            core::set_state_sql(m_table, m.version, core::k_state_reverting, "", m_driver.dialect()));
    } else {
        core::AppliedRow row = tracking_row(step, 0);
        row.state = core::k_state_running;
        m_driver.execute_internal(core::upsert_row_sql(m_table, row, m_driver.dialect()));
    }
    // A journal from an earlier run of this version is replaced (or cleared where none is kept).
    m_driver.execute_internal(journals_progress(step.check.mode)
                                  ? journal_sql(step, 0)
                                  : core::set_journal_sql(m_table, m.version, std::nullopt, "", m_driver.dialect()));
    transaction.commit();
}

std::string Runner::journal_sql(const PreparedStep& step, std::int64_t done) const {
    return core::set_journal_sql(m_table, step.step.migration->version, done, step.check.checksum,
                                 m_driver.dialect());
}

// Nothing of the file was committed: the migration is as it was before the run.
void Runner::unmark_running(const PreparedStep& step) {
    const core::Migration& m = *step.step.migration;
    record_now(step.step.direction == core::Direction::down
                   ? core::set_state_sql(m_table, m.version, core::k_state_applied, "", m_driver.dialect())
                   : core::delete_row_sql(m_table, m.version, m_driver.dialect()));
}

// A failure in a file that runs statement by statement: rolls back what is open,
// then records the migration failed when some of it was committed, or as it was
// when nothing was, and throws the message that says which.
void Runner::fail_unwrapped(const PreparedStep& step, const std::optional<core::Position>& committed_through,
                            RunningMark mark, const std::string& error, const std::string& failure_record) {
    m_driver.rollback();
    if (!committed_through) {
        if (mark == RunningMark::present) {
            unmark_running(step);
        }
        throw MigrationError(error + "\n" + rolled_back(step, EarlierSteps::none));
    }
    const core::Migration& m = *step.step.migration;
    record_now(core::set_state_sql(m_table, m.version, core::k_state_failed, failure_record, m_driver.dialect()));
    throw MigrationError(error + "\n" + step_title(step) + " ran partway: the statements up to line " +
                         std::to_string(committed_through->line) +
                         " were committed and cannot be rolled back; it is marked failed. Fix the database by hand, "
                         "then run 'sqlmig repair'");
}

// The statement at the journal's position may have committed before the interrupted run died:
// run it again when that is safe or the database shows it did not, skip it when the database
// shows it did, and otherwise stop with the migration failed at that one statement.
Runner::InFlightOutcome Runner::resolve_in_flight(const PreparedStep& step, const core::Statement& s,
                                                  core::StatementKind kind) {
    spdlog::info("resuming {} at its statement {} (line {}), after the {} that committed before its run ended",
                 step_title(step), *step.resume_at + 1, s.start.line, *step.resume_at);
    if (kind == core::StatementKind::transaction_begin || core::is_session_setting(s, m_driver.dialect())) {
        return InFlightOutcome::run_it;  // a transaction's journal entry commits with it: it did not
    }
    const core::InFlight in_flight = core::in_flight(s.text, m_driver.dialect());
    switch (in_flight.check) {
    case core::InFlightCheck::run_again: return InFlightOutcome::run_it;
    case core::InFlightCheck::index: return resolve_index(step, in_flight);
    case core::InFlightCheck::catalog: return resolve_by_catalog(step, in_flight);
    case core::InFlightCheck::unknown: break;
    }
    if (core::runs_with_its_journal(s, m_driver.dialect(), m_driver.server_version())) {
        return InFlightOutcome::run_it;  // its journal entry would have committed with it: it did not
    }
    if (step.resume_checked) {
        return InFlightOutcome::run_it;  // a person checked it did not take effect (repair)
    }
    const std::string at = step.script.label + ":" + std::to_string(s.start.line) + ":" + std::to_string(s.start.column);
    record_now(core::set_state_sql(m_table, step.step.migration->version, core::k_state_failed,
                                   at + ": interrupted while this statement ran; whether it committed is unknown",
                                   m_driver.dialect()));
    throw MigrationError(
        step_title(step) + " was interrupted while running the statement at " + at + " (" +
        util::shorten(s.text, 120) + "), whose effect sqlmig cannot read back from the database.\n"
        "The " + std::to_string(*step.resume_at) + " statement(s) before it committed; it is marked failed at that "
        "statement. Check whether that statement took effect and undo it if it did, then run 'sqlmig repair': the "
        "next 'sqlmig " + (step.step.direction == core::Direction::up ? "up" : "down") + "' runs it and the rest");
}

std::optional<core::TextRows> Runner::probe(const core::CatalogObject& object) {
    const auto sql = core::object_exists_sql(object, m_driver.dialect());
    if (!sql) {
        return std::nullopt;
    }
    auto rows = m_driver.query_rows(*sql);
    return rows ? std::move(*rows) : core::TextRows{};
}

// CREATE INDEX: a valid index of its name means it committed; an INVALID one (a CONCURRENTLY build
// cut short) is dropped, and the statement runs again.
Runner::InFlightOutcome Runner::resolve_index(const PreparedStep& step, const core::InFlight& in_flight) {
    const core::CatalogObject& index = in_flight.appears.front();
    const auto rows = probe(index);
    if (!rows || rows->empty() || rows->front().size() < 2) {
        spdlog::info("{}: {} does not exist: the statement did not commit; running it", step_title(step),
                     index.describe());
        return InFlightOutcome::run_it;
    }
    if (rows->front()[1].value_or("") == "t") {
        spdlog::info("{}: {} exists and is valid: the statement committed", step_title(step), index.describe());
        return InFlightOutcome::it_committed;
    }
    const std::string schema = rows->front()[0].value_or("public");
    spdlog::warn("{}: {} was left INVALID by the interrupted build; dropping it and building it again",
                 step_title(step), index.describe());
    m_driver.execute_internal(core::drop_invalid_index_sql(schema, index.name, in_flight.concurrently, m_driver.dialect()));
    m_driver.flush();
    return InFlightOutcome::run_it;
}

// DDL whose effect the catalog shows: all of it there means it committed, none of it means it did
// not; anything else (or a database that cannot tell) is left to a person.
Runner::InFlightOutcome Runner::resolve_by_catalog(const PreparedStep& step, const core::InFlight& in_flight) {
    bool after = true;   // the catalog looks as it does once the statement ran
    bool before = true;  // ... as it did before
    std::string seen;
    const auto look = [&](const core::CatalogObject& o, bool made_by_it) {
        const auto rows = probe(o);
        if (!rows) {
            after = before = false;
            return;
        }
        const bool present = !rows->empty();
        after = after && present == made_by_it;
        before = before && present != made_by_it;
        seen += (seen.empty() ? "" : ", ") + o.describe() + (present ? " exists" : " does not exist");
    };
    for (const auto& o : in_flight.appears) {
        look(o, true);
    }
    for (const auto& o : in_flight.disappears) {
        look(o, false);
    }
    if (after != before) {
        spdlog::info("{}: {}: the statement {}", step_title(step), seen, after ? "committed" : "did not commit; running it");
        return after ? InFlightOutcome::it_committed : InFlightOutcome::run_it;
    }
    if (step.resume_checked) {
        return InFlightOutcome::run_it;  // a person checked it (repair)
    }
    const std::string at = step.script.label;
    record_now(core::set_state_sql(m_table, step.step.migration->version, core::k_state_failed,
                                   at + ": interrupted; the catalog shows part of its statement's effect (" + seen + ")",
                                   m_driver.dialect()));
    throw MigrationError(step_title(step) + " was interrupted at its statement " + std::to_string(*step.resume_at + 1) +
                         ", and the catalog shows neither all nor none of its effect (" + seen +
                         "); it is marked failed at that statement. Make the database match the file up to that "
                         "statement by hand, then run 'sqlmig repair'");
}

// One statement that commits on its own (autocommit) and did nothing when it failed for a
// lock: run with the ladder's bounded wait and retried alone until the migration's budget is
// spent, then StatementGaveUp.
void Runner::execute_alone(const PreparedStep& step, core::Statement statement, StepOutcome& outcome,
                           std::optional<Clock::time_point>& first, const std::optional<std::string>& journal) {
    std::optional<IndexLeftover> leftover;  // CREATE INDEX CONCURRENTLY: the INVALID index a failed attempt left
    if (m_driver.dialect() == db::postgres_dialect) {
        if (auto index = core::concurrent_index(statement.text)) {
            leftover.emplace(m_driver, std::move(*index));
        }
    }
    for (int attempt = 1;; ++attempt) {
        const auto timeout = rung(attempt);
        const auto start = Clock::now();
        // Bounded before the transaction, as a statement alone is: a file's own SET lock_timeout is kept.
        m_driver.begin_attempt(timeout);
        try {
            if (journal) {
                m_driver.begin();
            }
            if (leftover) {
                leftover->drop_before_attempt(step_title(step));
            }
            m_driver.execute(statement);  // a copy: it may run again
            m_driver.flush();
            (void)m_driver.end_attempt();  // before the journal entry and COMMIT: no cancel may reach them
            if (journal) {
                m_driver.execute_internal(*journal);
                m_driver.commit();
            }
            if (attempt > 1) {
                outcome.attempts = std::max(outcome.attempts, attempt);
            }
            return;
        } catch (const DbError& failure) {
            if (journal) {
                m_driver.rollback();
            }
            const db::LockWaitReport seen = m_driver.end_attempt();
            const auto* statement_error = dynamic_cast<const db::StatementError*>(&failure);
            if (failure.lock_failure == LockFailure::none) {
                throw;
            }
            // The DROP of what an earlier attempt left waited too long: this statement's attempt.
            const db::StatementError e = statement_error ? *statement_error : db::StatementError(failure, statement);
            if (!first) {
                first = start;
            }
            const LockAttempt failed{attempt, timeout.count(), ms_since(start), e.lock_failure, seen};
            if (leftover) {
                if (auto refused = leftover->after_failure()) {
                    outcome.lock_waits.push_back(failed);
                    outcome.attempts = attempt;
                    outcome.lock_wait_ms = ms_since(*first);
                    throw StatementGaveUp{e, *refused};
                }
            }
            if (!after_lock_failure(step, failed, *first, outcome)) {
                throw StatementGaveUp{e, leftover ? leftover->left_behind() : ""};
            }
        } catch (...) {
            if (journal) {
                m_driver.rollback();
            }
            (void)m_driver.end_attempt();
            throw;
        }
    }
}

// A statement that the interrupted run committed, met again by the run that resumes it: skipped,
// but for its session settings, which this new session needs again (outside the file's transactions).
Runner::Skipped Runner::skip_committed(core::Statement&& s, core::StatementKind kind, bool& inside_own) {
    if (kind == core::StatementKind::transaction_begin || kind == core::StatementKind::transaction_end ||
        kind == core::StatementKind::transaction_abort) {
        inside_own = kind == core::StatementKind::transaction_begin;
        return Skipped::transaction_control;
    }
    if (!core::is_session_setting(s, m_driver.dialect())) {
        return Skipped::work;
    }
    if (!inside_own) {
        m_driver.execute(std::move(s));
        m_driver.flush();
    }
    return Skipped::session_setting;
}

// A statement in autocommit and its journal entry, in one short transaction: both commit or neither.
void Runner::execute_with_journal(core::Statement statement, const std::string& journal) {
    db::TransactionGuard transaction(m_driver);
    m_driver.execute(std::move(statement));
    m_driver.execute_internal(journal);
    transaction.commit();
}

// The file manages its own transaction, or runs without one: statements one by
// one. Work done outside the file's own BEGIN ... COMMIT commits as it runs, so the
// migration is marked running first and failed when only part of it committed.
std::int64_t Runner::run_unwrapped(const PreparedStep& step, StepOutcome& outcome, EarlierSteps earlier) {
    const auto start = Clock::now();
    std::optional<Clock::time_point> first_lock_failure;
    const bool each_alone = step.check.mode == core::TransactionMode::none;
    const bool stepping_out = step.check.mode == core::TransactionMode::stepping_out;
    // One BEGIN ... COMMIT: the tracking change goes in just before that COMMIT, so a kill leaves the
    // migration wholly applied and recorded, or wholly absent. Work before the BEGIN commits on its own
    // and keeps the running mark.
    const bool records_with_commit = step.check.mode == core::TransactionMode::own &&
                                     step.check.own_recording != core::OwnRecording::after_the_file;
    const RunningMark mark = records_with_commit && step.check.own_recording == core::OwnRecording::with_its_commit
                                 ? RunningMark::absent
                                 : RunningMark::present;
    if (mark == RunningMark::present && !step.resume_at) {
        mark_running(step);
    }
    const bool journaled = mark == RunningMark::present && journals_progress(step.check.mode);
    const std::int64_t resume_at = step.resume_at.value_or(0);
    std::int64_t index = -1;  // of the statement at hand, from the file's first
    bool skipped_inside = false;  // between a BEGIN and its COMMIT among the statements a resumed run skips
    bool recorded = false;  // the tracking change was sent inside the file's transaction
    bool inside_own = false;                        // between the file's BEGIN and its COMMIT/ROLLBACK
    std::optional<core::Position> committed_through;  // the last statement whose work is committed
    std::string ran;
    if (stepping_out) {
        m_driver.begin();  // the transaction the file's tool would have opened, which the file commits
        inside_own = true;
    }
    try {
        const auto progress = file_progress(m_ctx.progress_display, step.script.label, size_of(step.script.path));
        ran = for_each_statement(step.script, m_driver.dialect(), [&](core::Statement&& s) {
            progress->statement_sent();
            log_statement(step, s);
            const auto kind = core::classify(s, m_driver.dialect(), m_driver.server_version());
            const core::Position statement_start = s.start;
            const bool session_setting = core::is_session_setting(s, m_driver.dialect());
            ++index;
            if (index < resume_at) {
                if (skip_committed(std::move(s), kind, skipped_inside) == Skipped::work) {
                    committed_through = statement_start;
                }
                return;
            }
            if (index == resume_at && step.resume_at &&
                resolve_in_flight(step, s, kind) == InFlightOutcome::it_committed) {
                record_now(journal_sql(step, index + 1));
                committed_through = statement_start;
                return;
            }
            if (kind == core::StatementKind::transaction_end && records_with_commit && !recorded) {
                m_driver.execute_internal(tracking_sql(step, ms_since(start)));
                recorded = true;
            } else if (kind == core::StatementKind::transaction_end && journaled && inside_own) {
                m_driver.execute_internal(journal_sql(step, index + 1));  // commits with the file's transaction
            }
            const bool alone = m_statement_retries && !inside_own &&
                               (kind == core::StatementKind::ordinary || kind == core::StatementKind::non_transactional ||
                                kind == core::StatementKind::implicit_commit);
            // In autocommit, a statement and its journal entry commit together where they can.
            std::optional<std::string> journal;
            if (journaled && !inside_own && !session_setting &&
                core::runs_with_its_journal(s, m_driver.dialect(), m_driver.server_version())) {
                journal = journal_sql(step, index + 1);
            }
            if (alone) {
                execute_alone(step, std::move(s), outcome, first_lock_failure, journal);
            } else if (journal) {
                execute_with_journal(std::move(s), *journal);
            } else {
                m_driver.execute(std::move(s));
            }
            switch (kind) {
            case core::StatementKind::transaction_begin: inside_own = true; return;
            case core::StatementKind::transaction_end:
                m_driver.flush();
                inside_own = false;
                committed_through = statement_start;
                return;
            case core::StatementKind::transaction_abort:
                m_driver.flush();
                inside_own = false;
                return;
            case core::StatementKind::implicit_commit:
                // MySQL/MariaDB: it commits whatever the file's own transaction did before it, and itself.
                m_driver.flush();
                inside_own = false;
                committed_through = statement_start;
                if (journaled) {
                    record_now(journal_sql(step, index + 1));
                }
                return;
            case core::StatementKind::ordinary:
            case core::StatementKind::non_transactional:
                if (each_alone || !inside_own) {
                    m_driver.flush();  // in autocommit: its work is committed once it returns
                    if (!session_setting) {
                        committed_through = statement_start;  // a SET or connection PRAGMA commits nothing
                        if (journaled && !journal) {
                            record_now(journal_sql(step, index + 1));
                        }
                    }
                }
                return;
            }
        }, [&](std::size_t bytes) { progress->read(bytes); });
        m_driver.flush();
    } catch (const StatementGaveUp& g) {
        std::string message = gave_up_message(step, g.error, outcome);
        if (!g.left_behind.empty()) {
            // Not "nothing applied": the failed statement left an index.
            message += "\n" + g.left_behind;
            committed_through = g.error.statement.start;
        }
        if (!committed_through) {
            m_driver.rollback();
            if (mark == RunningMark::present) {
                unmark_running(step);
            }
            throw LockWaitGaveUp(message + "\n" + rolled_back(step, earlier) + "\n" +
                                     next_step_after_giving_up(outcome),
                                 outcome);
        }
        // Part of it committed: not "nothing applied", so a failure to repair, as any other (exit 1).
        const core::Position pos = error_position(g.error);
        fail_unwrapped(step, committed_through, mark, message,
                       step.script.label + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column) + ": " +
                           std::string(util::trim(g.error.what())));
    } catch (const db::StatementError& e) {
        const core::Position pos = error_position(e);
        fail_unwrapped(step, committed_through, mark, describe_statement_error(step.script.label, e),
                       step.script.label + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column) + ": " +
                           std::string(util::trim(e.what())));
    }
    if (stepping_out && m_driver.in_transaction()) {
        // The transaction the file began again last ends with its tracking row, as its tool commits it.
        if (const auto changed = changed_while_running(step, ran)) {
            fail_unwrapped(step, committed_through, mark, *changed, *changed);
        }
        const std::int64_t duration = ms_since(start);
        m_driver.execute_internal(tracking_sql(step, duration));
        m_driver.commit();
        return duration;
    }
    if (m_driver.in_transaction()) {
        const std::string why = step.script.label + ": the file opens a transaction and never commits it; end it with COMMIT;";
        fail_unwrapped(step, committed_through, mark, why, why);
    }
    if (const auto changed = changed_while_running(step, ran)) {
        if (recorded && step.step.direction == core::Direction::down) {
            // Its record went with its COMMIT: the version is not applied now, by the changed file.
            throw MigrationError(*changed + "\n" + step_title(step) + " committed from the changed file; the version "
                                 "is recorded as not applied. Check the database against the file as it is now");
        }
        // What committed ran from the changed file: record that, never the checked file as applied.
        fail_unwrapped(step, committed_through, mark, *changed, *changed);
    }
    if (recorded) {
        return ms_since(start);
    }
    const std::int64_t duration = ms_since(start);
    record_now(tracking_sql(step, duration));
    return duration;
}

void Runner::announce(const PreparedStep& step) const {
    const char* verb = step.step.direction == core::Direction::up ? "applying" : "reverting";
    spdlog::info("{} {} ({})", verb, step.script.label, mode_name(step.check.mode));
    if (step.check.implicit_commit) {
        spdlog::info("{}:{}: '{}' commits implicitly on this database, so the file runs statement by statement, "
                     "recorded as running until it ends",
                     step.script.label, step.check.implicit_commit->line, step.check.implicit_commit_text);
    } else if (step.check.auto_no_transaction) {
        spdlog::info("{} holds only statements that cannot run in a transaction; running it without one",
                     step.script.label);
    }
}

// A failed attempt whose statement waited too long for a lock, or lost a deadlock: logged
// with who blocked it, then a pause before the next attempt. False, without a pause, when the
// pause would spend the budget: the caller gives up (gave_up_message).
bool Runner::after_lock_failure(const PreparedStep& step, const LockAttempt& attempt, Clock::time_point first,
                                StepOutcome& outcome) {
    outcome.lock_waits.push_back(attempt);
    outcome.attempts = attempt.attempt;
    const auto pause = backoff(attempt.attempt);
    const auto spent = std::chrono::duration_cast<Millis>(Clock::now() - first);
    outcome.lock_wait_ms = spent.count();
    if (spent + pause >= m_retries.budget) {
        return false;
    }
    spdlog::warn("{}: {}{}; retrying in {}", step_title(step), attempt_failure(attempt, m_section),
                 blocked_by(attempt.seen.blockers), util::human_duration(pause.count()));
    std::this_thread::sleep_for(pause);
    return true;
}

// "X could not get a lock in time: ...; blocked by ..." and the last failure; the caller adds
// what was left behind, then next_step_after_giving_up().
std::string Runner::gave_up_message(const PreparedStep& step, const DbError& e, const StepOutcome& outcome) const {
    const auto* statement_error = dynamic_cast<const db::StatementError*>(&e);
    return step_title(step) + " could not get a lock in time: " + std::to_string(outcome.attempts) +
           " attempt(s) over " + util::human_duration(outcome.lock_wait_ms) + " (" + m_section + " lock_wait_budget)" +
           blocked_by(last_blockers(outcome)) + "\n" +
           (statement_error ? describe_statement_error(step.script.label, *statement_error)
                            : std::string(util::trim(e.what())));
}

std::string Runner::next_step_after_giving_up(const StepOutcome& outcome) const {
    const auto blockers = last_blockers(outcome);
    if (blockers.empty()) {
        return "try again later";
    }
    const std::string pid = std::to_string(blockers.front().pid);
    const bool pg = m_driver.dialect() == db::postgres_dialect;
    return "try again later, or end what blocks it first (" +
           (pg ? "SELECT pg_terminate_backend(" + pid + ")" : "KILL " + pid) + " ends " +
           (pg ? "pid " : "connection ") + pid + "'s session)";
}

std::vector<db::LockBlocker> Runner::last_blockers(const StepOutcome& outcome) {
    for (auto it = outcome.lock_waits.rbegin(); it != outcome.lock_waits.rend(); ++it) {
        if (!it->seen.blockers.empty()) {
            return it->seen.blockers;
        }
    }
    return {};
}

// One migration in its own transaction, attempt after attempt while its locks are not granted.
std::int64_t Runner::run_with_retries(const PreparedStep& step, StepOutcome& outcome,
                                      const std::vector<StepOutcome>& done) {
    if (!m_retries.enabled) {
        return run_wrapped(step, RunTransaction::per_migration, std::nullopt);
    }
    const auto first = Clock::now();
    for (int attempt = 1;; ++attempt) {
        const auto timeout = rung(attempt);
        const auto start = Clock::now();
        try {
            const std::int64_t duration = run_wrapped(step, RunTransaction::per_migration, timeout);
            outcome.attempts = attempt;
            outcome.lock_wait_ms = std::chrono::duration_cast<Millis>(start - first).count();
            return duration;
        } catch (const DbError& e) {  // a statement's, or BEGIN's (SQLite: another writer holds the file)
            m_driver.rollback();
            const db::LockWaitReport seen = m_driver.end_attempt();
            if (e.lock_failure == LockFailure::none) {
                throw;
            }
            if (!after_lock_failure(step, LockAttempt{attempt, timeout.count(), ms_since(start), e.lock_failure, seen},
                                    first, outcome)) {
                throw LockWaitGaveUp(gave_up_message(step, e, outcome) + "\n" + rolled_back_after(step, done) +
                                         "\n" + next_step_after_giving_up(outcome),
                                     outcome);
            }
        } catch (...) {
            m_driver.rollback();
            (void)m_driver.end_attempt();
            throw;
        }
    }
}

// --single-transaction: the whole run is one attempt; while nothing has committed, all of it
// is retried.
void Runner::run_single_transaction(const std::vector<PreparedStep>& steps, std::vector<StepOutcome>& done) {
    const std::string aftermath = "the whole run was rolled back (--single-transaction); nothing was applied";
    const auto first = Clock::now();
    std::vector<std::vector<LockAttempt>> waits(steps.size());  // each failed attempt, under the step it stopped at
    for (int attempt = 1;; ++attempt) {
        const auto timeout = rung(attempt);
        const auto start = Clock::now();
        done.clear();
        try {
            m_driver.begin();
            if (m_retries.enabled) {
                m_driver.begin_attempt(timeout);
            }
            for (const auto& step : steps) {
                load_stored_sql(step);
                announce(step);
                StepOutcome outcome;
                outcome.step = &step;
                outcome.duration_ms = run_wrapped(step, RunTransaction::whole_run, std::nullopt);
                done.push_back(std::move(outcome));
            }
            (void)m_driver.end_attempt();
            m_driver.commit();
        } catch (const DbError& e) {
            m_driver.rollback();
            const db::LockWaitReport seen = m_driver.end_attempt();
            const std::size_t at = std::min(done.size(), steps.size() - 1);
            if (!m_retries.enabled || e.lock_failure == LockFailure::none) {
                if (const auto* statement_error = dynamic_cast<const db::StatementError*>(&e)) {
                    fail(steps[at], *statement_error, aftermath);
                }
                throw;
            }
            StepOutcome outcome;
            outcome.step = &steps[at];
            outcome.lock_waits = waits[at];
            if (!after_lock_failure(steps[at], LockAttempt{attempt, timeout.count(), ms_since(start), e.lock_failure, seen},
                                    first, outcome)) {
                throw LockWaitGaveUp(gave_up_message(steps[at], e, outcome) + "\n" + aftermath + "\n" +
                                         next_step_after_giving_up(outcome),
                                     outcome);
            }
            waits[at] = outcome.lock_waits;
            continue;
        } catch (...) {
            m_driver.rollback();
            (void)m_driver.end_attempt();
            throw;
        }
        for (std::size_t i = 0; i < done.size(); ++i) {
            done[i].attempts = attempt;
            done[i].lock_waits = waits[i];
        }
        if (!done.empty()) {
            done.front().lock_wait_ms = std::chrono::duration_cast<Millis>(start - first).count();
        }
        spdlog::info("committed {} migration(s) in one transaction{}", done.size(),
                     attempt > 1 ? " (attempt " + std::to_string(attempt) + ")" : "");
        return;
    }
}

void Runner::run(const std::vector<PreparedStep>& steps, RunTransaction transaction, std::vector<StepOutcome>& done) {
    db::BatchGuard batch(m_driver);
    if (transaction == RunTransaction::whole_run) {
        run_single_transaction(steps, done);
        return;
    }
    for (const auto& step : steps) {
        m_driver.check_lock_held();
        load_stored_sql(step);
        announce(step);
        StepOutcome outcome;
        outcome.step = &step;
        try {
            outcome.duration_ms = step.check.mode == core::TransactionMode::wrapped
                                      ? run_with_retries(step, outcome, done)
                                      : run_unwrapped(step, outcome, done.empty() ? EarlierSteps::none : EarlierSteps::done);
        } catch (const db::StatementError& e) {
            m_driver.rollback();
            fail(step, e, rolled_back_after(step, done));
        } catch (...) {
            m_driver.rollback();
            throw;
        }
        const char* verb = step.step.direction == core::Direction::up ? "applied" : "reverted";
        if (outcome.attempts > 1) {
            spdlog::info("{} {} in {} (attempt {}, after {} waiting for locks)", verb, step_title(step),
                         util::human_duration(outcome.duration_ms), outcome.attempts,
                         util::human_duration(outcome.lock_wait_ms));
        } else {
            spdlog::info("{} {} in {}", verb, step_title(step), util::human_duration(outcome.duration_ms));
        }
        done.push_back(std::move(outcome));
    }
}

void Runner::print_sql(const std::vector<PreparedStep>& steps, RunTransaction transaction, std::ostream& out) {
    out << "-- generated by sqlmig for " << m_ctx.database_label() << "\n";
    if (const std::string schema = core::create_schema_sql(m_table, m_driver.dialect()); !schema.empty()) {
        out << schema << ";\n";
    }
    out << core::create_table_sql(m_table, m_driver.dialect()) << ";\n\n";
    if (transaction == RunTransaction::whole_run) {
        out << "BEGIN;\n\n";
    }
    for (const auto& step : steps) {
        load_stored_sql(step);
        out << "-- " << step.script.label << " (" << mode_name(step.check.mode) << ")\n";
        const bool own_transaction = transaction == RunTransaction::per_migration;
        const bool wrap = (step.check.mode == core::TransactionMode::wrapped && own_transaction) ||
                          step.check.mode == core::TransactionMode::stepping_out;
        if (wrap) {
            out << "BEGIN;\n";
        }
        const core::Dialect dialect = m_driver.dialect();
        (void)for_each_statement(step.script, dialect,
                                 [&](const core::Statement& s) { out << core::script_statement(s.text, dialect); });
        out << tracking_sql(step, 0) << ";\n";
        if (wrap) {
            out << "COMMIT;\n";
        }
        out << "\n";
    }
    if (transaction == RunTransaction::whole_run) {
        out << "COMMIT;\n";
    }
}

}  // namespace sqlmig::engine
