#pragma once
// verify (docs/lint.md, "sqlmig verify"): proves on a scratch database, never the configured one,
// that each down undoes its up: the schema after the up and the down is the schema before the up,
// and the up applied again gives the schema the first up gave.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/context.hpp"
#include "engine/scratch.hpp"

namespace sqlmig::engine {

// --keep-going: check every migration, not only up to the first irreversible one.
enum class KeepGoing { no, yes };

struct VerifyRequest {
    std::string target;       // "" or "head": every migration; else the last version to check
    std::string from;         // the migrations before this version are applied, not checked ("": none)
    std::string scratch_url;  // an empty database to use instead of creating one ("": create one)
    KeepScratch keep = KeepScratch::no;
    KeepGoing keep_going = KeepGoing::no;
};

enum class Reversible { yes, no, unchecked };

struct Verdict {
    const core::Migration* migration = nullptr;
    Reversible reversible = Reversible::unchecked;
    std::vector<std::string> diff;  // "- line" left by the down, "+ line" lost by it
    std::string what;               // which comparison failed
};

struct VerifyOutcome {
    std::vector<Verdict> verdicts;       // in the order checked
    std::optional<std::string> failure;  // a migration that failed on the scratch database, and why
    std::string scratch;                 // the scratch database, as messages name it
    bool scratch_kept = false;

    std::size_t count(Reversible r) const;
};

// "001_users": how verify names a migration.
std::string migration_title(const core::Migration& m);

// Called with each verdict as soon as it is known (the command line prints it then).
using VerdictSink = std::function<void(const Verdict&)>;

// Checks the migrations of ctx's folder up to request.target on a scratch database. A migration
// that fails there ends the check and is the outcome's `failure`, not an exception. Throws
// UsageError for a target or --from that is not a version, DbError when the scratch database
// cannot be created.
VerifyOutcome verify_migrations(Context& ctx, const VerifyRequest& request, const VerdictSink& on_verdict);

}  // namespace sqlmig::engine
