// verify: proves on a scratch database, never the configured one, that each down
// undoes its up: schema before up == schema after up and down, and the up applied
// again gives the same schema as the first time (docs/lint.md, "sqlmig verify").

#include <memory>
#include <spdlog/spdlog.h>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "cli/usage.hpp"
#include "engine/runner.hpp"
#include "engine/scratch.hpp"
#include "core/plan.hpp"
#include "core/schema_diff.hpp"
#include "db/backend.hpp"
#include "util/text.hpp"

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

enum class Reversible { yes, no, unchecked };

struct Verdict {
    const core::Migration* migration;
    Reversible reversible = Reversible::unchecked;
    std::vector<std::string> diff;  // "- line" left by the down, "+ line" lost by it
    std::string what;               // which comparison failed
};

void apply(Context& ctx, db::Driver& driver, core::Direction direction, const core::Migration& m) {
    Runner runner(ctx, driver);
    const auto prepared = runner.prepare({core::Step{direction, &m}}, RunTransaction::per_migration);
    std::vector<StepOutcome> done;
    runner.run(prepared, RunTransaction::per_migration, done);
}

std::string title(const core::Migration& m) {
    return m.version.text() + "_" + util::printable(m.name);
}

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
    case Reversible::yes: std::cout << "reversible      " << title(*v.migration) << '\n'; return;
    case Reversible::unchecked: std::cout << "unchecked       " << title(*v.migration) << " (no down file)\n"; return;
    case Reversible::no:
        std::cout << "NOT reversible  " << title(*v.migration) << ": " << v.what
                  << " (- what the down left, + what it lost):\n";
        for (const auto& line : v.diff) {
            std::cout << "    " << line << '\n';
        }
        return;
    }
}

// The migrations to check, in order, up to the target version.
std::vector<const core::Migration*> in_range(const core::Catalog& catalog, const std::string& target) {
    std::optional<core::Version> upto;
    if (!target.empty() && target != "head") {
        upto = core::Version::parse(target);
        if (!upto || !core::find_migration(catalog.migrations, *upto)) {
            throw UsageError("invalid verify target '" + util::printable(target) + "'; expected head or a version "
                             "of the folder");
        }
    }
    std::vector<const core::Migration*> out;
    for (const auto& m : catalog.migrations) {
        if (!upto || !(*upto < m.version)) {
            out.push_back(&m);
        }
    }
    return out;
}

// A schema as verify keeps it from one migration to the next: its snapshot, and the snapshot's
// fingerprint (core::lines_fingerprint), which the database computes without sending the lines.
struct Schema {
    std::vector<std::string> lines;
    std::string fingerprint;
};

Schema read_schema(db::Driver& driver) {
    Schema s;
    s.lines = driver.schema_snapshot();
    s.fingerprint = core::lines_fingerprint(s.lines);
    return s;
}

// What differs between `expected` and the scratch database now: nothing when the fingerprints
// match (no lines read); else the diff of the lines, which decides (a fingerprint computed in
// another encoding differs without the lines differing).
std::vector<std::string> differences(db::Driver& driver, const Schema& expected) {
    if (driver.schema_fingerprint() == expected.fingerprint) {
        return {};
    }
    return core::schema_diff(expected.lines, driver.schema_snapshot());
}

// One migration checked from the schema before it: its up; its down, which must give `before`
// again; its up again, which must give what the first up gave. One snapshot (after the up) and
// two fingerprints when it is reversible; a snapshot more to show a difference. Returns the
// schema it leaves, which the next migration starts from.
Schema check(Context& ctx, db::Driver& driver, const Schema& before, const VerifyOptions& o, Verdict& v,
             std::optional<std::string>& failure) {
    const core::Migration& m = *v.migration;
    apply(ctx, driver, core::Direction::up, m);
    Schema after_up = read_schema(driver);
    if (!m.down_file) {
        return after_up;
    }
    apply(ctx, driver, core::Direction::down, m);
    v.diff = differences(driver, before);
    v.what = "its down does not restore the schema before it";
    if (v.diff.empty()) {
        apply(ctx, driver, core::Direction::up, m);
        v.diff = differences(driver, after_up);
        v.what = "applied again after its down, it gives another schema";
    } else if (o.keep_going) {
        // Later migrations need this one applied: its up again, over what the down left.
        try {
            apply(ctx, driver, core::Direction::up, m);
        } catch (const Error& e) {
            failure = "cannot go on after " + title(m) + "'s down: applying it again failed:\n" + e.what();
        }
    }
    v.reversible = v.diff.empty() ? Reversible::yes : Reversible::no;
    if (v.reversible == Reversible::no && o.keep_going && !failure) {
        return read_schema(driver);  // what the up made over the down's leftovers
    }
    return after_up;  // reversible: the same schema (equal fingerprints); else verify stops here
}

void run_verify(Context& ctx, const VerifyOptions& o) {
    const auto& catalog = ctx.catalog();
    const auto migrations = in_range(catalog, o.target);
    std::optional<core::Version> from;
    if (!o.from.empty()) {
        from = core::Version::parse(o.from);
        if (!from) {
            throw UsageError("invalid --from '" + util::printable(o.from) + "'; expected a version");
        }
    }
    Scratch scratch(ctx, ScratchRequest{"verify", o.scratch_url, o.keep ? KeepScratch::yes : KeepScratch::no});
    spdlog::info("verify on the scratch database {}", scratch.label());
    auto driver = db::make_driver(scratch.options());
    ctx.prepare_tracking(*driver);
    std::vector<Verdict> verdicts;
    std::optional<std::string> failure;
    try {
        std::optional<Schema> current;  // the scratch database's schema, when known
        for (const auto* m : migrations) {
            if (from && m->version < *from) {
                apply(ctx, *driver, core::Direction::up, *m);  // applied, not checked
                current.reset();
                continue;
            }
            if (!current) {
                current = read_schema(*driver);
            }
            Verdict v;
            v.migration = m;
            current = check(ctx, *driver, *current, o, v, failure);
            if (!ctx.options.json) {
                print_verdict(v);
            }
            verdicts.push_back(std::move(v));
            if ((verdicts.back().reversible == Reversible::no && !o.keep_going) || failure) {
                break;
            }
        }
    } catch (const Error& e) {
        failure = e.what();
    }
    const auto count = [&](Reversible r) {
        return static_cast<std::size_t>(
            std::count_if(verdicts.begin(), verdicts.end(), [r](const Verdict& v) { return v.reversible == r; }));
    };
    const std::size_t irreversible = count(Reversible::no);
    if (ctx.options.json) {
        util::Json doc = util::Json::object()
                             .set("ok", irreversible == 0 && !failure)
                             .set("scratch", scratch.label())
                             .set("migrations", verdicts_json(verdicts));
        if (failure) {
            doc.set("error", *failure);
        }
        print_json(doc);
    } else {
        std::cout << count(Reversible::yes) << " reversible, " << irreversible << " not, " << count(Reversible::unchecked)
                  << " unchecked" << (scratch.kept() ? "; the scratch database is kept: " + scratch.label() : "") << '\n';
    }
    if (failure) {
        throw MigrationError("verify stopped: a migration failed on the scratch database " + scratch.label() + ":\n" +
                             *failure);
    }
    if (irreversible > 0) {
        throw SilentFailure(ExitCode::refused);
    }
}

}  // namespace

void setup_verify(CLI::App& app, Context& ctx) {
    const auto o = std::make_shared<VerifyOptions>();
    auto* verify = app.add_subcommand(
        "verify", "Check on a scratch database that every down undoes its up (never touches the configured one)");
    verify->add_option("target", o->target, "head (default) or the last version to check");
    verify->add_option("--from", o->from, "Apply the migrations before VERSION without checking them")
        ->type_name("VERSION");
    non_empty(verify->add_option("--scratch-url", o->scratch_url,
                             "An empty database to use instead of creating one")
                  ->type_name("URL"));
    verify->add_flag("--keep", o->keep, "Keep the scratch database at the end (its name is printed)");
    verify->add_flag("--keep-going", o->keep_going, "Check every migration, not only up to the first irreversible one");
    verify->callback([&ctx, o] {
        run_verify(ctx, *o);
    });
}

}  // namespace sqlmig::cli
