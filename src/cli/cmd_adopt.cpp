// adopt --from TOOL: parse, call the engine (src/engine/adopt.cpp), print.

#include <memory>
#include <spdlog/spdlog.h>

#include <iostream>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "cli/usage.hpp"
#include "core/adopt.hpp"
#include "engine/adopt.hpp"

namespace sqlmig::cli {

using namespace engine;

namespace {

struct AdoptOptions {
    std::string from;
    std::string table;
    bool dry_run = false;
    bool allow_missing = false;
};

void run_adopt(Context& ctx, const AdoptOptions& o) {
    const AdoptOutcome out = adopt(ctx, {o.from, o.table, o.dry_run ? DryRun::yes : DryRun::no,
                                         o.allow_missing ? AllowMissing::yes : AllowMissing::no});
    if (out.already_adopted) {
        spdlog::info("{} already records what {} says is applied; nothing to do", out.tracking_table,
                     out.source_table);
        return;
    }
    if (o.dry_run) {
        for (const auto& r : out.recorded) {
            std::cout << "would record " << r.file << " as applied"
                      << (r.applied_at.empty() ? "" : " at " + r.applied_at) << '\n';
        }
        std::cout << out.recorded.size() << " migration(s) would be recorded (--dry-run: nothing was changed)\n";
        return;
    }
    if (ctx.options.json) {
        util::Json recorded = util::Json::array();
        for (const auto& r : out.recorded) {
            recorded.push(r.version);
        }
        print_json(util::Json::object()
                       .set("from", out.tool)
                       .set("source_table", out.source_table)
                       .set("recorded", recorded));
        return;
    }
    spdlog::info("recorded {} migration(s) from {} as applied; {} was left as it was. Once every environment runs "
                 "sqlmig, drop it with: {} (until then, 'sqlmig drift' reports it as an added table: keep it out "
                 "with [drift] ignore = [\"table:{}\"])",
                 out.recorded.size(), out.source_table, out.source_table, out.drop_source, out.source_table);
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
