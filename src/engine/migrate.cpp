// up, down and redo: lock, read the state, validate, plan, check every file, run.
// The command line prints what the run returns (src/cli/cmd_migrate.cpp).

#include <spdlog/spdlog.h>

#include <ostream>

#include "engine/backups.hpp"
#include "engine/drift.hpp"
#include "engine/files.hpp"
#include "engine/hooks.hpp"
#include "engine/impact.hpp"
#include "engine/lint.hpp"
#include "engine/migrate.hpp"
#include "engine/preflight.hpp"
#include "engine/runner.hpp"
#include "db/backend.hpp"
#include "core/plan.hpp"
#include "util/text.hpp"

namespace sqlmig::engine {

namespace {

using Command = MigrateCommand;

std::vector<core::Step> plan_for(Command command, const core::Status& status, const MigrateOptions& o) {
    switch (command) {
    case Command::up: return core::plan_up(status, o.target, o.allow_out_of_order);
    case Command::down: return core::plan_down(status, o.target);
    case Command::redo: return core::plan_redo(status);
    }
    return {};
}

void refuse_on_drift(const core::Status& status, Command command) {
    const auto drift = core::find_drift(
        status, command == Command::down ? core::StoredDowns::revertible : core::StoredDowns::drift,
        command == Command::up ? core::Resuming::ups : command == Command::down ? core::Resuming::downs : core::Resuming::both);
    if (drift.empty()) {
        return;
    }
    std::string msg = "the database does not match the migrations folder; nothing was run:";
    for (const auto& d : drift) {
        msg += "\n  " + d;
    }
    throw RefusedError(msg);
}

const char* lock_failure_name(LockFailure f) {
    switch (f) {
    case LockFailure::timeout: return "timeout";
    case LockFailure::deadlock: return "deadlock";
    case LockFailure::harm: return "harm";
    case LockFailure::none: break;
    }
    return "none";
}

util::Json lock_waits_json(const std::vector<LockAttempt>& waits) {
    util::Json arr = util::Json::array();
    for (const auto& w : waits) {
        util::Json blockers = util::Json::array();
        for (const auto& b : w.seen.blockers) {
            blockers.push(blocker_json(b));
        }
        arr.push(util::Json::object()
                     .set("attempt", static_cast<std::int64_t>(w.attempt))
                     .set("lock_timeout_ms", w.lock_timeout_ms)
                     .set("waited_ms", w.waited_ms)
                     .set("reason", lock_failure_name(w.reason))
                     .set("queued_max", static_cast<std::int64_t>(w.seen.queued_max))
                     .set("harm_backend_s", w.seen.harm_backend_s)
                     .set("blockers", std::move(blockers)));
    }
    return arr;
}

util::Json step_json(const StepOutcome& o) {
    const auto& m = *o.step->step.migration;
    return util::Json::object()
        .set("direction", o.step->step.direction == core::Direction::up ? "up" : "down")
        .set("version", m.version.text())
        .set("name", m.name)
        .set("file", o.step->script.label)
        .set("duration_ms", o.duration_ms)
        .set("attempts", static_cast<std::int64_t>(o.attempts))
        .set("lock_wait_ms", o.lock_wait_ms)
        .set("lock_waits", lock_waits_json(o.lock_waits));
}

// In a database migrated from another folder, down may run the stored downs of what that
// folder applied only with --yes (up and redo are refused before planning).
void refuse_foreign_downs(const std::string& foreign, const std::vector<core::Step>& steps, const MigrateOptions& o) {
    const auto stored = std::count_if(steps.begin(), steps.end(), [](const core::Step& s) {
        return s.migration->stored;
    });
    if (stored > 0 && !o.yes) {
        throw RefusedError(foreign + ".\nThis down would run the stored downs of " + std::to_string(stored) +
                           " migration(s) this folder never had; nothing was run. If that is what you want, run it "
                           "again with --yes");
    }
    spdlog::warn("{}", foreign);
}

util::Json steps_json(const std::vector<StepOutcome>& done) {
    util::Json arr = util::Json::array();
    for (const auto& o : done) {
        arr.push(step_json(o));
    }
    return arr;
}

void print_plan(const std::vector<PreparedStep>& steps, std::ostream& out) {
    for (const auto& s : steps) {
        out << (s.step.direction == core::Direction::up ? "up    " : "down  ") << s.script.label << '\n';
    }
}

const char* command_name(Command command) {
    switch (command) {
    case Command::up: return "up";
    case Command::down: return "down";
    case Command::redo: return "redo";
    }
    return "";
}

util::Json plan_json(const std::vector<PreparedStep>& prepared) {
    util::Json arr = util::Json::array();
    for (const auto& s : prepared) {
        arr.push(util::Json::object()
                     .set("direction", s.step.direction == core::Direction::up ? "up" : "down")
                     .set("version", s.step.migration->version.text())
                     .set("file", s.script.label));
    }
    return arr;
}

// The backup before the first migration runs, unless switched off. A failure stops
// the run before anything executes.
std::optional<backup::Taken> backup_before_migrate(Context& ctx, const db::Driver& driver, bool no_backup,
                                                   const std::string& version) {
    const auto& cfg = ctx.config().backup;
    if (no_backup) {
        spdlog::info("no backup before this run (--no-backup)");
        return std::nullopt;
    }
    if (!cfg.enabled) {
        spdlog::debug("no backup: [backup] enabled = false");
        return std::nullopt;
    }
    if (ctx.connect_options(Access::read_write).url.file == ":memory:") {
        spdlog::debug("no backup: an in-memory database");
        return std::nullopt;
    }
    try {
        const auto engine = backup_engine(ctx, driver);
        // A fresh database, or one whose tables are all empty, has nothing a backup could bring
        // back that the migrations cannot make again: no file for each run of a dev loop.
        if (!engine->holds_data()) {
            spdlog::info("no backup: the database holds no data yet (no row outside {})",
                         ctx.connect_options(Access::read_write).table.display());
            return std::nullopt;
        }
        return take_configured_backup(ctx, *engine, driver, backup::k_kind_before_migrate, cfg.keep, version);
    } catch (const BackupError& e) {
        throw BackupError("backup before migrating failed: " + std::string(e.what()) +
                          "\nnothing was run; fix the cause, or run with --no-backup to skip the backup deliberately");
    }
}

// [dump] schema_file, written whole or not at all.
void write_schema_file(Context& ctx, const db::Driver& driver) {
    const auto& file = ctx.config().schema_file;
    if (file.empty()) {
        return;
    }
    const std::string schema = backup_engine(ctx, driver)->schema();
    write_file_atomically(file, "-- generated by sqlmig after each up/down; do not edit\n" + schema);
    spdlog::info("schema written to {}", ctx.project_label(file));
}

// Everything a run that executes migrations does around them: hooks, backup,
// the migrations, the schema dump. Order: before_migrate, backup, migrations,
// schema file, after_migrate.
class Execution {
public:
    Execution(Context& ctx, db::Driver& driver, Command command, const core::Status& status,
              const std::vector<core::Step>& steps)
        : m_ctx(ctx), m_driver(driver) {
        const auto to = core::version_after(status, steps);
        m_hook_env = {command_name(command), status.current ? status.as_written(*status.current) : "",
                      to ? status.as_written(*to) : "", "", ctx.config().database_url, "", ctx.target};
    }

    void before(bool no_backup, Runner& runner) {
        if (auto failed = run_hooks("before_migrate", hooks().before_migrate, m_hook_env, m_ctx.config().base_dir)) {
            throw HookError(*failed + "; nothing was run");
        }
        try {
            backup = backup_before_migrate(m_ctx, m_driver, no_backup, m_hook_env.from_version);
        } catch (const Error& e) {
            on_failure(e.what());
            throw;
        }
        if (backup) {
            m_hook_env.backup_file = backup->file.string();
            runner.set_backup(m_ctx.project_label(backup->file));
        }
    }

    void on_failure(const std::string& error) {
        m_hook_env.error = error;
        if (auto failed = run_hooks("on_failure", hooks().on_failure, m_hook_env, m_ctx.config().base_dir)) {
            spdlog::warn("{}", *failed);
        }
    }

    // Returns what failed after the migrations ran, if anything did.
    std::optional<std::string> after() {
        std::optional<std::string> failed;
        try {
            write_schema_file(m_ctx, m_driver);
        } catch (const Error& e) {
            failed = std::string("the schema file was not written: ") + e.what();
        }
        if (auto hook_failed = run_hooks("after_migrate", hooks().after_migrate, m_hook_env, m_ctx.config().base_dir)) {
            failed = failed ? *failed + "\n" + *hook_failed : *hook_failed;
        }
        return failed;
    }

    std::optional<backup::Taken> backup;

private:
    const config::HooksConfig& hooks() { return m_ctx.config().hooks; }

    Context& m_ctx;
    db::Driver& m_driver;
    HookEnvironment m_hook_env;
};

// All or nothing needs DDL inside transactions; where DDL commits implicitly
// (MariaDB, MySQL) the promise cannot be kept, so it is not made.
void refuse_single_transaction_where_ddl_commits(Context& ctx) {
    const db::Backend& backend = db::backend_of(ctx.connect_options(Access::read_only).url);
    if (backend.capabilities().ddl == db::DdlTransactions::implicit_commit) {
        throw RefusedError("--single-transaction cannot be all or nothing on " + std::string(backend.name()) +
                           ": its DDL commits implicitly. Run without it: each migration is recorded running, then "
                           "applied or failed (docs/" + std::string(backend.name()) + ".md)");
    }
}

// The version the database is at once `done` of the planned steps have run.
std::string version_reached(const core::Status& status, const std::vector<StepOutcome>& done) {
    std::vector<core::Step> steps;
    for (const auto& o : done) {
        steps.push_back(o.step->step);
    }
    const auto v = core::version_after(status, steps);
    return v ? status.as_written(*v) : "";
}

// What a run's --json document says of what it did (docs/json/migrate.schema.json).
struct RunRecord {
    std::vector<StepOutcome> done;
    std::optional<backup::Taken> backup;
    const StepOutcome* gave_up = nullptr;  // the migration that did not get its locks in time
    PreflightResult preflight;
};

util::Json run_document(Context& ctx, db::Driver& driver, const RunRecord& run, const std::string* error) {
    const auto rows_after = driver.read_applied();  // the status points into them
    const core::Status after = core::build_status(ctx.catalog().migrations, rows_after);
    util::Json doc = util::Json::object();
    doc.set("ok", error == nullptr)
        .set("steps", steps_json(run.done))
        .set("current", core::current_json(after))
        .set("backup", taken_json(ctx, run.backup));
    if (error) {
        doc.set("error", *error);
    }
    if (run.gave_up) {
        doc.set("gave_up", step_json(*run.gave_up));
    }
    if (run.preflight.outcome != PreflightResult::Outcome::not_checked) {
        doc.set("preflight", preflight_json(run.preflight));
    }
    return doc;
}

// What is refused before the database is touched: a whole-run transaction where DDL commits, a
// broken folder, and ([impact] before_up) a pending migration over its budget.
void refuse_before_connecting(Context& ctx, Command command, const MigrateOptions& o, bool offline) {
    if (offline && o.print_to == nullptr) {
        throw UsageError("--sql and --dry-run print: this caller gave nowhere to print");
    }
    if (o.single_transaction) {
        refuse_single_transaction_where_ddl_commits(ctx);
    }
    ctx.catalog();  // a broken folder is reported before the database is touched
    if (command == Command::up && !offline) {
        check_impact_before_up(ctx, o.target);  // before the lock: it measures on a scratch database
    }
}

// A redo whose down runs no statement (an empty down section, a goose file without one) would only remove
// the record, then run the up again over what it made: it fails there and leaves the migration's schema
// behind with no record of it. Refused before anything runs.
void refuse_redo_with_an_empty_down(const std::vector<PreparedStep>& prepared) {
    for (const auto& p : prepared) {
        if (p.step.direction == core::Direction::down && p.check.statements == 0) {
            throw RefusedError("cannot redo " + p.script.label + ": its down runs no statement, so redo would only "
                               "remove its record and then run its up again over what that up made; write its down, "
                               "or run 'sqlmig down' and 'sqlmig up' yourself if its up can run twice; nothing was "
                               "reverted");
        }
    }
}

// --sql prints the statements, --dry-run the plan; neither runs anything.
void print_offline(Context& ctx, Runner& runner, const std::vector<PreparedStep>& prepared,
                   RunTransaction transaction, const MigrateOptions& o, MigrateResult& result) {
    if (o.sql) {
        runner.print_sql(prepared, transaction, *o.print_to);
    } else if (ctx.options.json) {
        result.document = util::Json::object().set("dry_run", true).set("steps", plan_json(prepared));
    } else {
        print_plan(prepared, *o.print_to);
    }
}

}  // namespace

void run_migrate(Context& ctx, Command command, const MigrateOptions& o, MigrateResult& result) {
    const bool offline = o.sql || o.dry_run;
    refuse_before_connecting(ctx, command, o, offline);
    auto driver = ctx.connect(offline ? Access::read_only : Access::read_write);
    db::LockGuard guard(*driver);
    if (!offline) {
        driver->acquire_lock(ctx.lock_timeout());
        ctx.prepare_tracking(*driver);
    }
    // Read the state only once the lock is held: another run may have just finished.
    const auto rows = ctx.applied_rows(*driver);
    ctx.checksum_applied(rows);
    const core::Status status = ctx.status_of(rows);
    result.from = status.current ? status.as_written(*status.current) : "";  // known to a refusal too
    result.to = result.from;
    const auto foreign = ctx.another_folder(status);
    if (foreign && command != Command::down) {
        throw RefusedError(*foreign + "; nothing was run");
    }
    refuse_on_drift(status, command);
    const auto steps = plan_for(command, status, o);
    if (foreign) {
        refuse_foreign_downs(*foreign, steps, o);
    }
    if (command == Command::up && !offline && !steps.empty()) {
        check_drift_before_up(ctx, *driver, rows);  // [drift] before_up, under the lock
    }
    Runner runner(ctx, *driver);
    const RunTransaction transaction = o.single_transaction ? RunTransaction::whole_run : RunTransaction::per_migration;
    const auto prepared = runner.prepare(steps, transaction);
    if (command == Command::redo) {
        refuse_redo_with_an_empty_down(prepared);
    }
    lint_before_run(ctx, prepared, driver->dialect(), driver->server_version());
    if (offline) {
        if (prepared.empty() && o.dry_run && !ctx.options.json) {
            spdlog::info("nothing to do; the database is at version {}", core::current_text(status));
        }
        print_offline(ctx, runner, prepared, transaction, o, result);
        return;
    }
    RunRecord run;
    std::optional<Execution> execution;
    const auto report = [&](const std::string* error) {
        if (ctx.options.json) {
            run.backup = execution ? execution->backup : std::nullopt;
            result.document = run_document(ctx, *driver, run, error);
        }
    };
    if (prepared.empty()) {
        spdlog::info("nothing to do; the database is at version {}", core::current_text(status));
        report(nullptr);
        return;
    }
    try {
        // Before any lock of the migrations, and before the backup and hooks: a refusal leaves nothing to undo.
        run_preflight(ctx.config().pg_preflight, ctx.config().lock_retries("postgres").budget, prepared, *driver,
                      run.preflight);
        execution.emplace(ctx, *driver, command, status, steps);
        execution->before(o.no_backup, runner);
        try {
            runner.run(prepared, transaction, run.done);
        } catch (const Error& e) {
            execution->on_failure(e.what());
            throw;
        }
    } catch (const Error& e) {
        const std::string message = e.what();
        if (const auto* lock = dynamic_cast<const LockWaitGaveUp*>(&e)) {
            run.gave_up = &lock->outcome;
        }
        result.to = version_reached(status, run.done);
        result.steps = run.done.size();
        try {
            report(&message);
        } catch (const std::exception&) {
            // the connection may be gone; the error below says what happened
        }
        throw;
    }
    result.to = version_reached(status, run.done);
    result.steps = run.done.size();
    if (const auto failed = execution->after()) {
        const std::string message = "the migrations were applied, but " + *failed;
        report(&message);
        throw HookError(message);
    }
    report(nullptr);
}

}  // namespace sqlmig::engine
