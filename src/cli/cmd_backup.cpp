// backup, backups and restore: parse, call the engine (src/engine/backups.cpp), print.

#include <memory>
#include <spdlog/spdlog.h>

#include <iostream>

#include "engine/backups.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "util/text.hpp"

namespace sqlmig::cli {

using namespace engine;

namespace fs = std::filesystem;

namespace {

void run_backup(Context& ctx, const std::string& out) {
    const backup::Taken taken = back_up_now(ctx, out);
    if (ctx.options.json) {
        print_json(taken_json(ctx, taken));
    } else {
        std::cout << ctx.project_label(taken.file) << " (" << util::human_size(taken.size_bytes) << ")\n";
    }
}

void run_backups(Context& ctx) {
    const auto listed = list_database_backups(ctx);
    const fs::path dir = ctx.config().backup.dir;
    if (ctx.options.json) {
        util::Json list = util::Json::array();
        for (const auto& b : listed) {
            list.push(util::Json::object()
                          .set("file", ctx.project_label(b.file))
                          .set("kind", b.name.kind)
                          .set("taken_at", b.name.taken_at())
                          .set("version", b.version.empty() ? util::Json() : util::Json(b.version))
                          .set("size_bytes", static_cast<std::int64_t>(b.size_bytes)));
        }
        print_json(util::Json::object()
                       .set("database", ctx.database_label())
                       .set("dir", ctx.project_label(dir))
                       .set("backups", list));
        return;
    }
    if (listed.empty()) {
        std::cout << "no backups of " << ctx.database_label() << " in " << ctx.project_label(dir) << '\n';
        return;
    }
    std::vector<std::vector<std::string>> table = {{"FILE", "SIZE", "TAKEN AT", "VERSION", "KIND"}};
    for (const auto& b : listed) {
        table.push_back({ctx.project_label(b.file), util::human_size(b.size_bytes), b.name.taken_at(),
                         b.version.empty() ? "-" : util::printable(b.version), b.name.kind});
    }
    print_table(table);
}

struct RestoreOptions {
    std::string file;
    bool yes = false;
    bool no_backup = false;
};

void run_restore(Context& ctx, const RestoreOptions& o) {
    const RestoreOutcome out = restore(ctx, {o.file, o.yes ? Confirmed::yes : Confirmed::no,
                                             o.no_backup ? BackupFirst::no : BackupFirst::yes});
    if (ctx.options.json) {
        print_json(util::Json::object()
                       .set("ok", true)
                       .set("restored", util::printable(o.file))
                       .set("backup", taken_json(ctx, out.safety))
                       .set("current", out.after.empty() ? util::Json() : util::Json(out.after.back().version.text()))
                       .set("applied", static_cast<std::int64_t>(out.after.size())));
    } else {
        std::cout << "restored " << util::printable(o.file) << "; the database is " << state_summary(ctx, out.after)
                  << '\n';
    }
}

}  // namespace

void setup_backup(CLI::App& app, Context& ctx) {
    const auto out = std::make_shared<std::string>();
    const auto restore_opts = std::make_shared<RestoreOptions>();

    auto* backup = app.add_subcommand("backup", "Back up the database now ([backup] dir, or --out FILE)");
    backup->add_option("--out", *out, "Write the backup to FILE (never overwritten)")->type_name("FILE");
    backup->callback([&ctx, out] {
        run_backup(ctx, *out);
    });

    app.add_subcommand("backups", "List this database's backups, newest first")->callback([&ctx] {
        run_backups(ctx);
    });

    auto* restore = app.add_subcommand("restore", "Replace the database's contents with a backup (needs --yes)");
    restore->add_option("file", restore_opts->file, "The backup file")->required();
    restore->add_flag("--yes", restore_opts->yes, "Really overwrite the database");
    restore->add_flag("--no-backup", restore_opts->no_backup, "Do not back up the current contents first");
    restore->callback([&ctx, restore_opts] {
        run_restore(ctx, *restore_opts);
    });
}

}  // namespace sqlmig::cli
