#include "engine/backups.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "backup/naming.hpp"
#include "core/plan.hpp"
#include "db/backend.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace sqlmig::engine {

std::unique_ptr<db::BackupEngine> backup_engine(Context& ctx, const db::Driver& driver) {
    return backup_engine(ctx, driver, ctx.connect_options(Access::read_write));
}

std::unique_ptr<db::BackupEngine> backup_engine(Context& ctx, const db::Driver& driver,
                                                const db::ConnectOptions& options) {
    const auto& cfg = ctx.config().backup;
    db::BackupTools tools;
    const db::Backend& backend = db::backend_of(options.url);
    tools.programs = cfg.programs;
    tools.format = cfg.format == "plain" ? db::BackupFormat::plain : db::BackupFormat::custom;
    tools.lock_wait_timeout = ctx.config().session_limits(backend.config_section()).lock_timeout;
    return backend.backup_engine(options, driver.server_version(), tools);
}

backup::Taken take_configured_backup(Context& ctx, db::BackupEngine& engine, const db::Driver& driver,
                                     std::string_view kind, int keep, const std::string& version) {
    const auto taken =
        backup::take_backup(engine, ctx.config().backup.dir, kind, utc_now("%Y%m%d-%H%M%S"), driver.database_name(),
                            keep, version.empty() ? backup::k_no_version : std::string_view(version));
    spdlog::info("backup: {} ({})", ctx.project_label(taken.file), util::human_size(taken.size_bytes));
    return taken;
}

util::Json taken_json(Context& ctx, const std::optional<backup::Taken>& taken) {
    if (!taken) {
        return util::Json();
    }
    return util::Json::object()
        .set("file", ctx.project_label(taken->file))
        .set("size_bytes", static_cast<std::int64_t>(taken->size_bytes));
}

namespace {

namespace fs = std::filesystem;

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

}  // namespace

std::string state_summary(Context& ctx, const std::vector<core::AppliedRow>& rows) {
    if (rows.empty()) {
        return "no migration applied";
    }
    return "at version " + version_of(ctx, rows) + ", " + std::to_string(rows.size()) + " migration(s) applied";
}

namespace {

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

// The backup of the contents a restore replaces, unless it was asked not to be taken.
std::optional<backup::Taken> backup_before_restore(Context& ctx, db::BackupEngine& engine, const db::Driver& driver,
                                                   const std::vector<core::AppliedRow>& before,
                                                   BackupFirst backup_first) {
    if (backup_first == BackupFirst::no || !ctx.config().backup.enabled) {
        spdlog::info("no backup before the restore ({})",
                     backup_first == BackupFirst::no ? "--no-backup" : "[backup] enabled = false");
        return std::nullopt;
    }
    try {
        return take_configured_backup(ctx, engine, driver, backup::k_kind_before_restore, ctx.config().backup.keep,
                                      version_of(ctx, before));
    } catch (const BackupError& e) {
        throw BackupError(std::string(e.what()) + "\nnothing was restored; --no-backup restores without a backup "
                                                  "of the current contents");
    }
}

}  // namespace

backup::Taken back_up_now(Context& ctx, const std::string& out) {
    auto driver = ctx.connect(Access::read_only);
    auto engine = backup_engine(ctx, *driver);
    engine->check();  // before the lock, which would create files beside a missing SQLite database
    db::LockGuard guard(*driver);
    driver->acquire_lock(ctx.lock_timeout());
    if (!out.empty()) {
        return backup::take_backup_to(*engine, fs::absolute(out));
    }
    return take_configured_backup(ctx, *engine, *driver, backup::k_kind_manual, 0,
                                  version_of(ctx, driver->read_applied()));
}

std::vector<backup::Listed> list_database_backups(Context& ctx) {
    auto driver = ctx.connect(Access::read_only);
    return backup::list_backups(ctx.config().backup.dir, driver->database_name());
}

RestoreOutcome restore(Context& ctx, const RestoreRequest& request) {
    const fs::path file = fs::absolute(request.file);
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) {
        throw UsageError("cannot restore " + util::printable(request.file) + ": no such file (see 'sqlmig backups')");
    }
    if (const auto backup = backup::backup_of_version_file(file.filename().string())) {
        throw UsageError("cannot restore " + util::printable(request.file) + ": it is the note of the version a backup "
                         "was taken at, not a backup; restore the backup beside it, " + util::printable(*backup) +
                         " (see 'sqlmig backups'); nothing was changed");
    }
    auto driver = ctx.connect(Access::read_write);
    db::LockGuard guard(*driver);
    driver->acquire_lock(ctx.lock_timeout());
    const auto before = driver->read_applied();
    const std::string what = ctx.database_label() + " (" + state_summary(ctx, before) + ")";
    if (request.confirmed == Confirmed::no) {
        throw RefusedError("restore would replace the contents of " + what + " with " + util::printable(request.file) +
                           " (" + util::human_size(fs::file_size(file)) +
                           "); nothing was changed. Run again with --yes to restore");
    }
    auto engine = backup_engine(ctx, *driver);
    RestoreOutcome out;
    out.safety = backup_before_restore(ctx, *engine, *driver, before, request.backup_first);
    spdlog::info("restoring {} into {}", util::printable(request.file), what);
    const std::string relations_sql = engine->relations_query();
    const auto relations_before = relations_sql.empty() ? std::nullopt : driver->query_rows(relations_sql);
    engine->restore(file);
    if (relations_before) {
        warn_relations_kept(ctx, *relations_before, driver->query_rows(relations_sql).value_or(db::Driver::TextRows{}));
    }
    out.after = driver->read_applied();
    return out;
}

}  // namespace sqlmig::engine
