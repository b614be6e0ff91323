#include "engine/backups.hpp"

#include <spdlog/spdlog.h>

#include "db/backend.hpp"
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

}  // namespace sqlmig::engine
