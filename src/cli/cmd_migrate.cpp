// up, down and redo: lock, read the state, validate, plan, check every file, run.

#include <spdlog/spdlog.h>

#include <iostream>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "cli/runner.hpp"
#include "core/plan.hpp"
#include "util/text.hpp"

namespace sqlmig::cli {

namespace {

enum class Command { up, down, redo };

struct MigrateOptions {
    std::string target;
    bool sql = false;
    bool dry_run = false;
    bool single_transaction = false;
    bool allow_out_of_order = false;
};

// Releases the run-wide lock on every path out of a command.
class LockGuard {
public:
    explicit LockGuard(db::Driver& driver) : m_driver(driver) {}
    ~LockGuard() { m_driver.release_lock(); }
    LockGuard(const LockGuard&) = delete;
    LockGuard& operator=(const LockGuard&) = delete;

private:
    db::Driver& m_driver;
};

std::vector<core::Step> plan_for(Command command, const core::Status& status, const MigrateOptions& o) {
    switch (command) {
    case Command::up: return core::plan_up(status, o.target, o.allow_out_of_order);
    case Command::down: return core::plan_down(status, o.target);
    case Command::redo: {
        auto steps = core::plan_down(status, "");
        if (!steps.empty()) {
            steps.push_back({core::Direction::up, steps.front().migration});
        }
        return steps;
    }
    }
    return {};
}

void refuse_on_drift(const core::Status& status) {
    const auto drift = core::find_drift(status);
    if (drift.empty()) {
        return;
    }
    std::string msg = "the database does not match the migrations folder; nothing was run:";
    for (const auto& d : drift) {
        msg += "\n  " + d;
    }
    throw RefusedError(msg);
}

util::Json steps_json(const std::vector<StepOutcome>& done) {
    util::Json arr = util::Json::array();
    for (const auto& o : done) {
        const auto& m = *o.step->step.migration;
        arr.push(util::Json::object()
                     .set("direction", o.step->step.direction == core::Direction::up ? "up" : "down")
                     .set("version", m.version.text())
                     .set("name", m.name)
                     .set("file", o.step->label)
                     .set("duration_ms", o.duration_ms));
    }
    return arr;
}

void print_plan(const std::vector<PreparedStep>& steps) {
    for (const auto& s : steps) {
        std::cout << (s.step.direction == core::Direction::up ? "up    " : "down  ") << s.label << '\n';
    }
}

void run_migrate(Context& ctx, Command command, const MigrateOptions& o) {
    const bool offline = o.sql || o.dry_run;
    ctx.catalog();  // a broken folder is reported before the database is touched
    auto driver = ctx.connect(offline);
    LockGuard guard(*driver);
    if (!offline) {
        driver->acquire_lock(ctx.lock_timeout());
        driver->ensure_tracking_table();
    }
    // Read the state only once the lock is held: another run may have just finished.
    const auto rows = driver->read_applied();
    ctx.checksum_applied(rows);
    const core::Status status = core::build_status(ctx.catalog().migrations, rows);
    refuse_on_drift(status);
    const auto steps = plan_for(command, status, o);
    Runner runner(ctx, *driver);
    const auto prepared = runner.prepare(steps, o.single_transaction);
    if (o.sql) {
        runner.print_sql(prepared, o.single_transaction, std::cout);
        return;
    }
    if (o.dry_run) {
        if (ctx.options.json) {
            print_json(util::Json::object().set("dry_run", true).set("steps", [&] {
                util::Json arr = util::Json::array();
                for (const auto& s : prepared) {
                    arr.push(util::Json::object()
                                 .set("direction", s.step.direction == core::Direction::up ? "up" : "down")
                                 .set("version", s.step.migration->version.text())
                                 .set("file", s.label));
                }
                return arr;
            }()));
        } else {
            print_plan(prepared);
        }
        return;
    }
    if (prepared.empty()) {
        spdlog::info("nothing to do; the database is at version {}", current_text(status));
    }
    std::vector<StepOutcome> done;
    auto report = [&](const std::string* error) {
        if (!ctx.options.json) {
            return;
        }
        const core::Status after = core::build_status(ctx.catalog().migrations, driver->read_applied());
        util::Json doc = util::Json::object();
        doc.set("ok", error == nullptr).set("steps", steps_json(done)).set("current", current_json(after));
        if (error) {
            doc.set("error", *error);
        }
        print_json(doc);
    };
    try {
        runner.run(prepared, o.single_transaction, done);
    } catch (const Error& e) {
        const std::string message = e.what();
        try {
            report(&message);
        } catch (const std::exception&) {
            // the connection may be gone; the error below says what happened
        }
        throw;
    }
    report(nullptr);
}

void add_common_flags(CLI::App* cmd, MigrateOptions& o) {
    cmd->add_flag("--sql", o.sql, "Print the SQL that would run, execute nothing");
    cmd->add_flag("--dry-run", o.dry_run, "Print the plan without SQL, execute nothing");
    cmd->add_flag("--single-transaction", o.single_transaction, "Run everything in one transaction (all or nothing)");
}

}  // namespace

void setup_migrate(CLI::App& app, Context& ctx) {
    static MigrateOptions up_opts, down_opts, redo_opts;

    auto* up = app.add_subcommand("up", "Apply pending migrations up to TARGET (head, a version, or +N)");
    up->add_option("target", up_opts.target, "head (default), a version, or +N");
    add_common_flags(up, up_opts);
    up->add_flag("--allow-out-of-order", up_opts.allow_out_of_order,
                 "Apply pending migrations older than the newest applied one");
    up->callback([&ctx] {
        configure_logging(ctx.options);
        run_migrate(ctx, Command::up, up_opts);
    });

    auto* down = app.add_subcommand("down", "Revert migrations: the newest (default), -N, down to a version, or base");
    down->add_option("target", down_opts.target, "-N, a version to keep, or base");
    add_common_flags(down, down_opts);
    down->callback([&ctx] {
        configure_logging(ctx.options);
        run_migrate(ctx, Command::down, down_opts);
    });

    auto* redo = app.add_subcommand("redo", "Revert the newest migration and apply it again");
    add_common_flags(redo, redo_opts);
    redo->callback([&ctx] {
        configure_logging(ctx.options);
        run_migrate(ctx, Command::redo, redo_opts);
    });
}

}  // namespace sqlmig::cli
