#include "engine/adopt.hpp"

#include <spdlog/spdlog.h>

#include "core/adopt.hpp"
#include "core/plan.hpp"
#include "core/tracking_sql.hpp"
#include "db/driver.hpp"
#include "engine/bookkeeping.hpp"
#include "engine/files.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace sqlmig::engine {

namespace {

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) {
        out += "\n  " + i;
    }
    return out;
}

core::AppliedRow adopted_row(const core::Migration& m, const std::string& checksum, const std::string& applied_at,
                             core::SourceTool tool) {
    core::AppliedRow row;
    row.version = m.version;
    row.name = m.name;
    row.checksum = checksum;
    row.applied_at = applied_at.empty() ? utc_now_iso8601() : applied_at;
    row.applied_by = std::string("adopted from ") + core::source_tool_name(tool) + " by " + current_user_at_host();
    return row;
}

core::SourceTool source_tool(const std::string& name) {
    const auto tool = core::parse_source_tool(name);
    if (!tool) {
        throw UsageError("unknown tool '" + util::printable(name) + "' for --from; expected one of " +
                         core::k_source_tool_names);
    }
    return *tool;
}

core::TableName source_table_name(core::SourceTool tool, const std::string& table) {
    try {
        return core::parse_table_name(table.empty() ? core::default_history_table(tool) : table);
    } catch (const Error& e) {
        throw UsageError(std::string("--table: ") + e.what());
    }
}

}  // namespace

AdoptOutcome adopt(Context& ctx, const AdoptRequest& request) {
    const core::SourceTool tool = source_tool(request.from);
    const core::TableName source_table = source_table_name(tool, request.table);
    const auto& migrations = ctx.catalog().migrations;
    const bool dry_run = request.dry_run == DryRun::yes;
    auto driver = ctx.connect(dry_run ? Access::read_only : Access::read_write);
    if (!dry_run) {
        driver->acquire_lock(ctx.lock_timeout());
    }
    db::LockGuard lock(*driver);
    const core::TableName table = core::parse_table_name(ctx.config().table);
    const auto source_rows = driver->query_rows(core::source_query(tool, source_table, driver->dialect()));
    if (!source_rows) {
        throw UsageError("there is no table " + source_table.display() + " in " + ctx.database_label() +
                         "; is this the database " + core::source_tool_name(tool) +
                         " migrated? Name its table with --table if it was renamed; nothing was changed");
    }
    const core::SourceHistory source = core::read_source(tool, *source_rows);
    if (!source.refusal.empty()) {
        throw RefusedError(source.refusal + "; nothing was changed");
    }
    const auto existing = ctx.applied_rows(*driver);
    const core::AdoptPlan plan = core::plan_adopt(source, migrations, existing);
    if (!plan.missing.empty() && request.allow_missing == AllowMissing::no) {
        throw RefusedError(std::string(core::source_tool_name(tool)) + " has applied migrations that have no file in " +
                           ctx.config().migrations_dir.string() + ":" + joined(plan.missing) +
                           "\nrestore them, or run with --allow-missing to adopt the rest without them; nothing was "
                           "changed");
    }
    if (!plan.disagreements.empty()) {
        throw RefusedError("the tracking table " + table.display() + " already has rows that disagree with " +
                           source_table.display() + ":" + joined(plan.disagreements) + "\nnothing was changed");
    }
    for (const auto& m : plan.missing) {
        spdlog::warn("not adopted (no file): {}", m);
    }
    AdoptOutcome out;
    out.tool = core::source_tool_name(tool);
    out.source_table = source_table.display();
    out.tracking_table = table.display();
    out.drop_source = "DROP TABLE " + source_table.quoted(driver->dialect()) + ";";
    out.already_adopted = plan.already_adopted;
    if (plan.already_adopted) {
        return out;
    }
    if (source.through) {
        spdlog::info("{} keeps only its newest version, {}: every migration at or below it is taken as applied",
                     core::source_tool_name(tool), source.through->text());
    }
    std::vector<core::AppliedRow> rows;
    for (const auto& r : plan.record) {
        rows.push_back(adopted_row(*r.migration, ctx.up_checksum(*r.migration), r.applied_at, tool));
        ctx.add_stored_sql(*r.migration, rows.back());
        out.recorded.push_back({r.migration->version.text(), ctx.file_label(r.migration->up_file), r.applied_at});
    }
    if (!dry_run) {
        ctx.prepare_tracking(*driver);
        record_rows(*driver, table, rows);
    }
    return out;
}

}  // namespace sqlmig::engine
