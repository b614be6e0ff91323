#pragma once
// Linting as the commands use it: `sqlmig lint`, and `up`/`down`/`redo`, which run
// the error-level rules on the files they are about to run (docs/lint.md).

#include <filesystem>
#include <string>
#include <vector>

#include "engine/context.hpp"
#include "core/impact.hpp"
#include "core/lint.hpp"

namespace sqlmig::engine {

// The whole file. Throws MigrationFileError.
std::string read_whole_file(const std::filesystem::path& file);
// What the script runs, for the linter: the file, or its section with the other lines left empty.
core::LintFile read_script(const Script& script);

// Lint's findings on one up script (none for a file of k_lint_before_run_max_bytes or more), with
// the options a run lints with: what `sqlmig impact` sets its measurements beside.
std::vector<core::Finding> lint_up_script(Context& ctx, const Script& script, core::Dialect dialect,
                                          int server_version);

// A migration's up and down files, read, for the linter.
core::LintMigration lint_migration(Context& ctx, const core::Migration& migration);

// Lints the files a run is about to run, before anything executes: findings of the rules
// that refuse a run (core::refuses_run: what would fail) refuse it (RefusedError, exit 3),
// the others are logged once as warnings. Files of
// k_lint_before_run_max_bytes or more are left to `sqlmig lint` (a run streams them).
inline constexpr std::uintmax_t k_lint_before_run_max_bytes = 1 << 20;
struct PreparedStep;
void lint_before_run(Context& ctx, const std::vector<PreparedStep>& steps, core::Dialect dialect,
                     int server_version);

// Whether `sqlmig lint` measures the lock rules' guesses on a scratch database (--impact).
enum class MeasureGuesses { no, yes };

struct LintRequest {
    core::Dialect dialect;
    std::vector<std::string> files;  // only these files (in the folder or not); empty: the whole folder
    MeasureGuesses measure = MeasureGuesses::no;
    std::string scratch_url;  // when measuring: an empty database to use instead of creating one
};

struct LintReport {
    std::vector<core::MeasuredFinding> findings;  // by file, line and column; the folder's problems too
    std::size_t files = 0;                        // migrations (and files outside the folder) linted
};

// `sqlmig lint`: the folder's problems and every selected migration's findings, never connecting to
// the database (a scratch database of the configured server when measuring).
LintReport lint_folder(Context& ctx, const LintRequest& request);

}  // namespace sqlmig::engine
