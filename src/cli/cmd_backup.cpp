// backup, backups and restore: a copy of the database now, the copies there
// are, and putting one back.

#include <memory>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <iostream>

#include "engine/backups.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/plan.hpp"
#include "db/backend.hpp"
#include "util/text.hpp"

namespace sqlmig::cli {

using namespace engine;

namespace fs = std::filesystem;

namespace {

// "version 003 (3 migrations applied)" from the tracking rows.
std::string state_summary(const std::vector<core::AppliedRow>& rows) {
    if (rows.empty()) {
        return "no migration applied";
    }
    return "at version " + rows.back().version.text() + ", " + std::to_string(rows.size()) + " migration(s) applied";
}

// The version the database is at as `status` shows it ("003"), "" for none; the stored
// text ("3") when the folder cannot be read: a backup does not need the folder.
std::string version_of(Context& ctx, const std::vector<core::AppliedRow>& rows) {
    if (rows.empty()) {
        return "";
    }
    try {
        const core::Status status = core::build_status(ctx.catalog().migrations, rows);
        return status.current ? status.display(*status.current) : "";
    } catch (const Error&) {
        return rows.back().version.text();
    }
}

void run_backup(Context& ctx, const std::string& out) {
    auto driver = ctx.connect(engine::Access::read_only);
    auto engine = backup_engine(ctx, *driver);
    engine->check();  // before the lock, which would create files beside a missing SQLite database
    db::LockGuard guard(*driver);
    driver->acquire_lock(ctx.lock_timeout());
    const auto taken = out.empty() ? take_configured_backup(ctx, *engine, *driver, backup::k_kind_manual, 0,
                                                            version_of(ctx, driver->read_applied()))
                                   : backup::take_backup_to(*engine, fs::absolute(out));
    if (ctx.options.json) {
        print_json(taken_json(ctx, taken));
    } else {
        std::cout << ctx.project_label(taken.file) << " (" << util::human_size(taken.size_bytes) << ")\n";
    }
}

void run_backups(Context& ctx) {
    auto driver = ctx.connect(engine::Access::read_only);
    const fs::path dir = ctx.config().backup.dir;
    const auto listed = backup::list_backups(dir, driver->database_name());
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

// The relations with the same identity before and after a restore: the backup did not
// hold them, so they stayed. Says which, and how to start from the backup alone.
void warn_relations_kept(Context& ctx, const db::Driver::TextRows& before, const db::Driver::TextRows& after) {
    std::vector<std::string> kept;
    for (const auto& row : after) {
        if (std::find(before.begin(), before.end(), row) != before.end() && row.size() == 2 && row[1]) {
            kept.push_back(util::printable(*row[1]));
        }
    }
    if (kept.empty()) {
        return;
    }
    std::string names;
    for (std::size_t i = 0; i < kept.size() && i < 10; ++i) {
        names += (i == 0 ? "" : ", ") + kept[i];
    }
    if (kept.size() > 10) {
        names += " and " + std::to_string(kept.size() - 10) + " more";
    }
    spdlog::warn(
        "{} relation(s) not in the backup stay in {}: {}. To have the backup's contents alone, restore "
        "into a new empty database (createdb NEW; sqlmig --database <NEW's URL> restore FILE --yes), or "
        "drop these by hand (docs/backups.md, Recovery after a bad migration)",
        kept.size(), ctx.database_label(), names);
}

struct RestoreOptions {
    std::string file;
    bool yes = false;
    bool no_backup = false;
};

void run_restore(Context& ctx, const RestoreOptions& o) {
    const fs::path file = fs::absolute(o.file);
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) {
        throw UsageError("cannot restore " + util::printable(o.file) + ": no such file (see 'sqlmig backups')");
    }
    auto driver = ctx.connect(engine::Access::read_write);
    db::LockGuard guard(*driver);
    driver->acquire_lock(ctx.lock_timeout());
    const auto before = driver->read_applied();
    const std::string what = ctx.database_label() + " (" + state_summary(before) + ")";
    if (!o.yes) {
        throw RefusedError("restore would replace the contents of " + what + " with " + util::printable(o.file) + " (" +
                           util::human_size(fs::file_size(file)) +
                           "); nothing was changed. Run again with --yes to restore");
    }
    auto engine = backup_engine(ctx, *driver);
    std::optional<backup::Taken> safety;
    if (o.no_backup || !ctx.config().backup.enabled) {
        spdlog::info("no backup before the restore ({})", o.no_backup ? "--no-backup" : "[backup] enabled = false");
    } else {
        try {
            safety = take_configured_backup(ctx, *engine, *driver, backup::k_kind_before_restore,
                                            ctx.config().backup.keep, version_of(ctx, before));
        } catch (const BackupError& e) {
            throw BackupError(std::string(e.what()) + "\nnothing was restored; --no-backup restores without a backup "
                                                      "of the current contents");
        }
    }
    spdlog::info("restoring {} into {}", util::printable(o.file), what);
    const std::string relations_sql = engine->relations_query();
    const auto relations_before = relations_sql.empty() ? std::nullopt : driver->query_rows(relations_sql);
    engine->restore(file);
    if (relations_before) {
        warn_relations_kept(ctx, *relations_before, driver->query_rows(relations_sql).value_or(db::Driver::TextRows{}));
    }
    const auto after = driver->read_applied();
    if (ctx.options.json) {
        print_json(util::Json::object()
                       .set("ok", true)
                       .set("restored", util::printable(o.file))
                       .set("backup", taken_json(ctx, safety))
                       .set("current", after.empty() ? util::Json() : util::Json(after.back().version.text()))
                       .set("applied", static_cast<std::int64_t>(after.size())));
    } else {
        std::cout << "restored " << util::printable(o.file) << "; the database is " << state_summary(after) << '\n';
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
