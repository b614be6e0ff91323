#pragma once
// Linting as the commands use it: `sqlmig lint`, and `up`/`down`/`redo`, which run
// the error-level rules on the files they are about to run (docs/lint.md).

#include <filesystem>
#include <string>
#include <vector>

#include "cli/context.hpp"
#include "core/lint.hpp"

namespace sqlmig::cli {

// The whole file. Throws MigrationFileError.
std::string read_whole_file(const std::filesystem::path& file);
// What the script runs, for the linter: the file, or its section with the other lines left empty.
core::LintFile read_script(const Script& script);

// A migration's up and down files, read, for the linter.
core::LintMigration lint_migration(Context& ctx, const core::Migration& migration);

// Lints the migrations a run is about to run, before anything executes: error-level
// findings refuse the run (RefusedError, exit 3), warnings are logged once. Files of
// k_lint_before_run_max_bytes or more are left to `sqlmig lint` (a run streams them).
inline constexpr std::uintmax_t k_lint_before_run_max_bytes = 1 << 20;
void lint_before_run(Context& ctx, const std::vector<Script>& scripts, core::Dialect dialect, int server_version);

}  // namespace sqlmig::cli
