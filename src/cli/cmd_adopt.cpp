// adopt --from TOOL: takes over another tool's history in the same database, in one
// transaction under sqlmig's lock, leaving the other tool's table as it is.

#include <memory>
#include <spdlog/spdlog.h>

#include <iostream>

#include "cli/commands.hpp"
#include "engine/bookkeeping.hpp"
#include "cli/output.hpp"
#include "cli/usage.hpp"
#include "core/adopt.hpp"
#include "core/plan.hpp"
#include "core/tracking_sql.hpp"
#include "db/driver.hpp"
#include "util/text.hpp"

namespace sqlmig::cli {

using namespace engine;

namespace {

struct AdoptOptions {
    std::string from;
    std::string table;
    bool dry_run = false;
    bool allow_missing = false;
};

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

void run_adopt(Context& ctx, const AdoptOptions& o) {
    const auto tool = core::parse_source_tool(o.from);
    if (!tool) {
        throw UsageError("unknown tool '" + util::printable(o.from) + "' for --from; expected one of " +
                         core::k_source_tool_names);
    }
    core::TableName source_table;
    try {
        source_table = core::parse_table_name(o.table.empty() ? core::default_history_table(*tool) : o.table);
    } catch (const Error& e) {
        throw UsageError(std::string("--table: ") + e.what());
    }
    const auto& migrations = ctx.catalog().migrations;
    auto driver = ctx.connect(o.dry_run ? engine::Access::read_only : engine::Access::read_write);
    if (!o.dry_run) {
        driver->acquire_lock(ctx.lock_timeout());
    }
    db::LockGuard lock(*driver);
    const core::TableName table = core::parse_table_name(ctx.config().table);
    const auto source_rows = driver->query_rows(core::source_query(*tool, source_table, driver->dialect()));
    if (!source_rows) {
        throw UsageError("there is no table " + source_table.display() + " in " + ctx.database_label() +
                         "; is this the database " + core::source_tool_name(*tool) +
                         " migrated? Name its table with --table if it was renamed; nothing was changed");
    }
    const core::SourceHistory source = core::read_source(*tool, *source_rows);
    if (!source.refusal.empty()) {
        throw RefusedError(source.refusal + "; nothing was changed");
    }
    const auto existing = ctx.applied_rows(*driver);
    const core::AdoptPlan plan = core::plan_adopt(source, migrations, existing);
    if (!plan.missing.empty() && !o.allow_missing) {
        throw RefusedError(std::string(core::source_tool_name(*tool)) + " has applied migrations that have no file in " +
                           ctx.config().migrations_dir.string() + ":" + joined(plan.missing) +
                           "\nrestore them, or run with --allow-missing to adopt the rest without them; nothing was changed");
    }
    if (!plan.disagreements.empty()) {
        throw RefusedError("the tracking table " + table.display() + " already has rows that disagree with " +
                           source_table.display() + ":" + joined(plan.disagreements) + "\nnothing was changed");
    }
    for (const auto& m : plan.missing) {
        spdlog::warn("not adopted (no file): {}", m);
    }
    if (plan.already_adopted) {
        spdlog::info("{} already records what {} says is applied; nothing to do", table.display(),
                     source_table.display());
        return;
    }
    if (source.through) {
        spdlog::info("{} keeps only its newest version, {}: every migration at or below it is taken as applied",
                     core::source_tool_name(*tool), source.through->text());
    }
    util::Json recorded = util::Json::array();
    std::vector<core::AppliedRow> rows;
    for (const auto& r : plan.record) {
        rows.push_back(adopted_row(*r.migration, ctx.up_checksum(*r.migration), r.applied_at, *tool));
        ctx.add_stored_sql(*r.migration, rows.back());
        recorded.push(r.migration->version.text());
    }
    if (o.dry_run) {
        for (const auto& r : plan.record) {
            std::cout << "would record " << ctx.file_label(r.migration->up_file) << " as applied"
                      << (r.applied_at.empty() ? "" : " at " + r.applied_at) << '\n';
        }
        std::cout << plan.record.size() << " migration(s) would be recorded (--dry-run: nothing was changed)\n";
        return;
    }
    ctx.prepare_tracking(*driver);
    record_rows(*driver, table, rows);
    if (ctx.options.json) {
        print_json(util::Json::object()
                       .set("from", core::source_tool_name(*tool))
                       .set("source_table", source_table.display())
                       .set("recorded", recorded));
        return;
    }
    spdlog::info("recorded {} migration(s) from {} as applied; {} was left as it was. Once every environment runs "
                 "sqlmig, drop it with: DROP TABLE {};",
                 plan.record.size(), source_table.display(), source_table.display(),
                 source_table.quoted(driver->dialect()));
}

}  // namespace

void setup_adopt(CLI::App& app, Context& ctx) {
    const auto o = std::make_shared<AdoptOptions>();
    auto* adopt = app.add_subcommand("adopt", "Take over another tool's history of this database (docs/formats.md)");
    std::vector<std::string> tools;
    for (const core::SourceTool t : core::k_source_tools) {
        tools.push_back(core::source_tool_name(t));
    }
    one_of(adopt->add_option("--from", o->from, "The tool whose history table to take over")->required(), tools);
    adopt->add_option("--table", o->table, "Its history table, when renamed (default: the tool's own)")->type_name("NAME");
    adopt->add_flag("--dry-run", o->dry_run, "Print what would be recorded; change nothing");
    adopt->add_flag("--allow-missing", o->allow_missing, "Adopt the rest when applied migrations have no file");
    adopt->callback([&ctx, o] {
        run_adopt(ctx, *o);
    });
}

}  // namespace sqlmig::cli
