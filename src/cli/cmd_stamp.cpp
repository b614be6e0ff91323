// stamp and repair: parse, call the engine (src/engine/stamp.cpp), print.

#include <memory>
#include <spdlog/spdlog.h>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "engine/stamp.hpp"

namespace sqlmig::cli {

using namespace engine;

namespace {

util::Json json_array(const std::vector<std::string>& items) {
    util::Json out = util::Json::array();
    for (const auto& i : items) {
        out.push(i);
    }
    return out;
}

void run_stamp(Context& ctx, const std::string& target) {
    const StampOutcome out = stamp(ctx, target);
    if (ctx.options.json) {
        print_json(util::Json::object()
                       .set("recorded", json_array(out.recorded))
                       .set("removed", json_array(out.removed))
                       .set("current", out.current ? util::Json(*out.current) : util::Json()));
    } else {
        spdlog::info("stamped: the database is now at version {}", out.current_shown);
    }
}

void run_repair(Context& ctx, AcceptEdits accept) {
    const RepairOutcome out = repair(ctx, accept);
    if (ctx.options.json) {
        print_json(util::Json::object()
                       .set("cleared_failed", json_array(out.cleared))
                       .set("recorded_applied_again", json_array(out.reapplied))
                       .set("resumes_at_its_statement", json_array(out.resumed))
                       .set("left_to_resume", json_array(out.left))
                       .set("accepted_checksums", json_array(out.accepted)));
    } else if (out.nothing_to_repair) {
        spdlog::info("nothing to repair");
    }
}

}  // namespace

void setup_stamp(CLI::App& app, Context& ctx) {
    const auto stamp_target = std::make_shared<std::string>();
    const auto repair_yes = std::make_shared<bool>(false);
    auto* stamp = app.add_subcommand("stamp", "Record migrations up to TARGET as applied without running them");
    stamp->add_option("target", *stamp_target, "head, a version, or base")->required();
    stamp->callback([&ctx, stamp_target] {
        run_stamp(ctx, *stamp_target);
    });
    auto* repair = app.add_subcommand("repair", "Clear failed marks; with --yes accept edited files' checksums");
    repair->add_flag("--yes", *repair_yes, "Accept the new checksums of edited applied files");
    repair->callback([&ctx, repair_yes] {
        run_repair(ctx, *repair_yes ? AcceptEdits::yes : AcceptEdits::no);
    });
}

}  // namespace sqlmig::cli
