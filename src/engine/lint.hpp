#pragma once
// Linting as the commands use it: `sqlmig lint`, and `up`/`down`/`redo`, which run
// the error-level rules on the files they are about to run (docs/lint.md).

#include <filesystem>
#include <string>
#include <vector>

#include "engine/context.hpp"
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

}  // namespace sqlmig::engine
