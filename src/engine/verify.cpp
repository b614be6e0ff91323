// verify: each migration's up, down and up again on a scratch database, the schema compared
// after each (docs/lint.md, "sqlmig verify").

#include "engine/verify.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "engine/runner.hpp"
#include "core/plan.hpp"
#include "core/schema_diff.hpp"
#include "db/backend.hpp"
#include "util/text.hpp"

namespace sqlmig::engine {

namespace {

void apply(Context& ctx, db::Driver& driver, core::Direction direction, const core::Migration& m) {
    Runner runner(ctx, driver);
    const auto prepared = runner.prepare({core::Step{direction, &m}}, RunTransaction::per_migration);
    std::vector<StepOutcome> done;
    runner.run(prepared, RunTransaction::per_migration, done);
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

std::optional<core::Version> from_version(const std::string& from) {
    if (from.empty()) {
        return std::nullopt;
    }
    auto version = core::Version::parse(from);
    if (!version) {
        throw UsageError("invalid --from '" + util::printable(from) + "'; expected a version");
    }
    return version;
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
Schema check(Context& ctx, db::Driver& driver, const Schema& before, KeepGoing keep_going, Verdict& v,
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
    } else if (keep_going == KeepGoing::yes) {
        // Later migrations need this one applied: its up again, over what the down left.
        try {
            apply(ctx, driver, core::Direction::up, m);
        } catch (const Error& e) {
            failure = "cannot go on after " + migration_title(m) + "'s down: applying it again failed:\n" + e.what();
        }
    }
    v.reversible = v.diff.empty() ? Reversible::yes : Reversible::no;
    if (v.reversible == Reversible::no && keep_going == KeepGoing::yes && !failure) {
        return read_schema(driver);  // what the up made over the down's leftovers
    }
    return after_up;  // reversible: the same schema (equal fingerprints); else verify stops here
}

// Checks `migrations` in order on the scratch database `driver`, into `outcome`; a migration that
// fails there throws.
void check_in_order(Context& ctx, db::Driver& driver, const std::vector<const core::Migration*>& migrations,
                    const VerifyRequest& request, const VerdictSink& on_verdict, VerifyOutcome& outcome) {
    const auto from = from_version(request.from);
    std::optional<Schema> current;  // the scratch database's schema, when known
    for (const auto* m : migrations) {
        if (from && m->version < *from) {
            apply(ctx, driver, core::Direction::up, *m);  // applied, not checked
            current.reset();
            continue;
        }
        if (!current) {
            current = read_schema(driver);
        }
        Verdict v;
        v.migration = m;
        current = check(ctx, driver, *current, request.keep_going, v, outcome.failure);
        on_verdict(v);
        outcome.verdicts.push_back(std::move(v));
        if ((outcome.verdicts.back().reversible == Reversible::no && request.keep_going == KeepGoing::no) ||
            outcome.failure) {
            return;
        }
    }
}

}  // namespace

std::string migration_title(const core::Migration& m) {
    return m.version.text() + "_" + util::printable(m.name);
}

std::size_t VerifyOutcome::count(Reversible r) const {
    return static_cast<std::size_t>(
        std::count_if(verdicts.begin(), verdicts.end(), [r](const Verdict& v) { return v.reversible == r; }));
}

VerifyOutcome verify_migrations(Context& ctx, const VerifyRequest& request, const VerdictSink& on_verdict) {
    const auto migrations = in_range(ctx.catalog(), request.target);
    from_version(request.from);  // a bad --from is refused before the scratch database is made
    Scratch scratch(ctx, ScratchRequest{"verify", request.scratch_url, request.keep});
    spdlog::info("verify on the scratch database {}", scratch.label());
    VerifyOutcome outcome;
    outcome.scratch = scratch.label();
    outcome.scratch_kept = scratch.kept();
    auto driver = db::make_driver(scratch.options());
    ctx.prepare_tracking(*driver);
    try {
        check_in_order(ctx, *driver, migrations, request, on_verdict, outcome);
    } catch (const Error& e) {
        outcome.failure = e.what();
    }
    return outcome;
}

}  // namespace sqlmig::engine
