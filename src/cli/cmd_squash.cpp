// squash --to VERSION: options into a struct, engine::squash, the result printed (docs/squash.md).

#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "engine/squash.hpp"

namespace sqlmig::cli {

using namespace engine;

namespace {

struct SquashOptions {
    std::string to;
    bool keep = false;
    bool dry_run = false;
};

void run_squash(Context& ctx, const SquashOptions& o) {
    const SquashOutcome outcome = squash(ctx, SquashRequest{o.to, o.keep ? KeepScratch::yes : KeepScratch::no,
                                                            o.dry_run ? SquashWrite::no : SquashWrite::yes});
    if (ctx.options.json) {
        print_json(squash_json(outcome));
        return;
    }
    print_squash(outcome, std::cout);
}

}  // namespace

void setup_squash(CLI::App& app, Context& ctx) {
    const auto o = std::make_shared<SquashOptions>();
    auto* squash = app.add_subcommand(
        "squash", "Replace the migrations up to a version with one proven baseline file (docs/squash.md)");
    squash->add_option("--to", o->to, "The last version the baseline replaces")->type_name("VERSION")->required();
    squash->add_flag("--dry-run", o->dry_run, "Replay and prove the baseline, but write nothing");
    squash->add_flag("--keep", o->keep, "Keep the two scratch databases at the end (their names are logged)");
    squash->callback([&ctx, o] { run_squash(ctx, *o); });
}

}  // namespace sqlmig::cli
