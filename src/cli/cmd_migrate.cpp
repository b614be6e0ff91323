// up, down and redo: options into a struct, engine::run_migrate, its --json document printed.

#include <memory>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "cli/usage.hpp"
#include "engine/migrate.hpp"

namespace sqlmig::cli {

using namespace engine;

namespace {

using engine::MigrateCommand;
using engine::MigrateOptions;

void migrate(engine::Context& ctx, MigrateCommand command, MigrateOptions& o) {
    o.print_to = &std::cout;
    engine::MigrateResult result;
    try {
        engine::run_migrate(ctx, command, o, result);
    } catch (const Error&) {
        if (result.document) {
            print_json(*result.document);
        }
        throw;
    }
    if (result.document) {
        print_json(*result.document);
    }
}

void add_common_flags(CLI::App* cmd, MigrateOptions& o) {
    cmd->add_flag("--sql", o.sql, "Print the SQL that would run, execute nothing");
    cmd->add_flag("--dry-run", o.dry_run, "Print the plan without SQL, execute nothing");
    cmd->add_flag("--single-transaction", o.single_transaction, "Run everything in one transaction (all or nothing)");
    cmd->add_flag("--no-backup", o.no_backup, "Do not take the backup before migrating");
}

}  // namespace

void setup_migrate(CLI::App& app, engine::Context& ctx) {
    // Owned by the callbacks that read them (the app keeps the callbacks): no statics.
    const auto up_opts = std::make_shared<MigrateOptions>();
    const auto down_opts = std::make_shared<MigrateOptions>();
    const auto redo_opts = std::make_shared<MigrateOptions>();

    auto* up = app.add_subcommand("up", "Apply pending migrations up to TARGET (head, a version, or +N)");
    non_empty(up->add_option("target", up_opts->target, "head (default), a version, or +N"));
    add_common_flags(up, *up_opts);
    up->add_flag("--allow-out-of-order", up_opts->allow_out_of_order,
                 "Apply pending migrations older than the newest applied one");
    up->callback([&ctx, up_opts] { migrate(ctx, MigrateCommand::up, *up_opts); });

    auto* down = app.add_subcommand("down", "Revert migrations: the newest (default), -N, down to a version, or base");
    non_empty(down->add_option("target", down_opts->target, "-N, a version to keep, or base"));
    add_common_flags(down, *down_opts);
    down->add_flag("--yes", down_opts->yes,
                   "Run the stored downs of migrations this folder never had (a database from another folder)");
    down->callback([&ctx, down_opts] { migrate(ctx, MigrateCommand::down, *down_opts); });

    auto* redo = app.add_subcommand("redo", "Revert the newest migration and apply it again");
    add_common_flags(redo, *redo_opts);
    redo->callback([&ctx, redo_opts] { migrate(ctx, MigrateCommand::redo, *redo_opts); });
}

}  // namespace sqlmig::cli
