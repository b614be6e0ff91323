// drift: options into a struct, engine::measure_drift on the configured database, the report printed.

#include <memory>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "cli/usage.hpp"
#include "engine/drift.hpp"

namespace sqlmig::cli {

using namespace engine;

namespace {

struct DriftOptions {
    std::string scratch_url;
    bool keep = false;
};

void run_drift(Context& ctx, const DriftOptions& o) {
    // A bad pattern is reported before the database is touched.
    DriftRequest request{o.scratch_url, o.keep ? KeepScratch::yes : KeepScratch::no, drift_ignore_patterns(ctx),
                         nullptr};
    const DriftOutcome outcome = drift_of_database(ctx, request);
    if (ctx.options.json) {
        util::Json doc = drift_json(outcome);
        doc.set("database", ctx.database_label());
        print_json(doc);
    } else {
        print_drift(outcome, std::cout);
    }
    if (!outcome.report.clean()) {
        throw SilentFailure(ExitCode::refused);
    }
}

}  // namespace

void setup_drift(CLI::App& app, Context& ctx) {
    const auto o = std::make_shared<DriftOptions>();
    auto* drift = app.add_subcommand(
        "drift", "Compare the database's schema with a replay of its applied migrations (docs/drift.md)");
    non_empty(drift->add_option("--scratch-url", o->scratch_url,
                             "An empty database to replay on instead of creating one")
                  ->type_name("URL"));
    drift->add_flag("--keep", o->keep, "Keep the scratch database at the end (its name is printed)");
    drift->callback([&ctx, o] {
        run_drift(ctx, *o);
    });
}

}  // namespace sqlmig::cli
