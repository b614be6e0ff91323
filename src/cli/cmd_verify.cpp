// verify: options into a struct, engine::verify_migrations on a scratch database, each verdict
// printed as it comes, then the summary (or the --json document).

#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "cli/usage.hpp"
#include "engine/runner.hpp"
#include "engine/verify.hpp"

namespace sqlmig::cli {

using namespace engine;

namespace {

struct VerifyOptions {
    std::string target;
    std::string from;
    std::string scratch_url;
    bool keep = false;
    bool keep_going = false;
};

util::Json verdicts_json(const std::vector<Verdict>& verdicts) {
    util::Json list = util::Json::array();
    for (const auto& v : verdicts) {
        util::Json diff = util::Json::array();
        for (const auto& line : v.diff) {
            diff.push(line);
        }
        list.push(util::Json::object()
                      .set("version", v.migration->version.text())
                      .set("name", v.migration->name)
                      .set("reversible", v.reversible == Reversible::unchecked ? util::Json("unchecked")
                                                                               : util::Json(v.reversible == Reversible::yes))
                      .set("diff", diff));
    }
    return list;
}

void print_verdict(const Verdict& v) {
    switch (v.reversible) {
    case Reversible::yes: std::cout << "reversible      " << migration_title(*v.migration) << '\n'; return;
    case Reversible::unchecked:
        std::cout << "unchecked       " << migration_title(*v.migration) << " (no down file)\n";
        return;
    case Reversible::no:
        std::cout << "NOT reversible  " << migration_title(*v.migration) << ": " << v.what
                  << " (- what the down left, + what it lost):\n";
        for (const auto& line : v.diff) {
            std::cout << "    " << line << '\n';
        }
        return;
    }
}

void print_outcome(const Context& ctx, const VerifyOutcome& outcome) {
    const std::size_t irreversible = outcome.count(Reversible::no);
    if (ctx.options.json) {
        util::Json doc = util::Json::object()
                             .set("ok", irreversible == 0 && !outcome.failure)
                             .set("scratch", outcome.scratch)
                             .set("migrations", verdicts_json(outcome.verdicts));
        if (outcome.failure) {
            doc.set("error", *outcome.failure);
        }
        print_json(doc);
        return;
    }
    std::cout << outcome.count(Reversible::yes) << " reversible, " << irreversible << " not, "
              << outcome.count(Reversible::unchecked) << " unchecked"
              << (outcome.scratch_kept ? "; the scratch database is kept: " + outcome.scratch : "") << '\n';
}

void run_verify(Context& ctx, const VerifyOptions& o) {
    const VerifyRequest request{o.target, o.from, o.scratch_url, o.keep ? KeepScratch::yes : KeepScratch::no,
                                o.keep_going ? KeepGoing::yes : KeepGoing::no};
    const VerifyOutcome outcome = verify_migrations(ctx, request, [&ctx](const Verdict& v) {
        if (!ctx.options.json) {
            print_verdict(v);
        }
    });
    print_outcome(ctx, outcome);
    if (outcome.failure) {
        throw MigrationError("verify stopped: a migration failed on the scratch database " + outcome.scratch + ":\n" +
                             *outcome.failure);
    }
    if (outcome.count(Reversible::no) > 0) {
        throw SilentFailure(ExitCode::refused);
    }
}

}  // namespace

void setup_verify(CLI::App& app, Context& ctx) {
    const auto o = std::make_shared<VerifyOptions>();
    auto* verify = app.add_subcommand(
        "verify", "Check on a scratch database that every down undoes its up (never touches the configured one)");
    non_empty(verify->add_option("target", o->target, "head (default) or the last version to check"));
    verify->add_option("--from", o->from, "Apply the migrations before VERSION without checking them")
        ->type_name("VERSION");
    non_empty(verify->add_option("--scratch-url", o->scratch_url, "An empty database to use instead of creating one")
                  ->type_name("URL"));
    verify->add_flag("--keep", o->keep, "Keep the scratch database at the end (its name is printed)");
    verify->add_flag("--keep-going", o->keep_going, "Check every migration, not only up to the first irreversible one");
    verify->callback([&ctx, o] { run_verify(ctx, *o); });
}

}  // namespace sqlmig::cli
