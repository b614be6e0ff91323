#include "cli/lint.hpp"

#include <spdlog/spdlog.h>

#include "cli/files.hpp"
#include "util/error.hpp"

namespace sqlmig::cli {

namespace fs = std::filesystem;

std::string read_whole_file(const fs::path& file) {
    std::string text;
    read_chunks(file, [&](std::string_view chunk) { text.append(chunk); });
    return text;
}

core::LintMigration lint_migration(Context& ctx, const core::Migration& m) {
    core::LintMigration out;
    out.up = {ctx.file_label(m.up_file), read_whole_file(ctx.file_path(m.up_file))};
    out.up_name = m.name;
    if (m.down_file) {
        out.down = core::LintFile{ctx.file_label(*m.down_file), read_whole_file(ctx.file_path(*m.down_file))};
        std::string why;
        const auto parsed = core::parse_file_name(*m.down_file, &why);
        out.down_name = parsed ? parsed->name : m.name;
    }
    return out;
}

void lint_before_run(Context& ctx, const std::vector<FileToRun>& files, core::Dialect dialect, int server_version) {
    core::LintOptions options;
    options.dialect = dialect;
    options.server_version = server_version;
    const auto& disabled = ctx.config().lint.disable;
    options.disabled.insert(disabled.begin(), disabled.end());
    // What is about the folder's history, not the files that run, is lint's alone.
    options.disabled.insert({"missing-down", "down-does-not-revert", "names-differ"});
    core::Linter linter(options);
    for (const auto& f : files) {
        std::error_code ec;
        if (fs::file_size(f.path, ec) < k_lint_before_run_max_bytes && !ec) {
            linter.add(core::LintMigration{{f.label, read_whole_file(f.path)}, std::nullopt, "", ""});
        }
    }
    std::string errors;
    for (const auto& f : linter.findings()) {
        if (f.severity == core::Severity::error) {
            errors += "\n  " + core::format_finding(f);
        } else {
            // The log line says "warning" already.
            spdlog::warn("{}:{}:{}: {} [{}]", f.file, f.position.line, f.position.column, f.message, f.rule);
        }
    }
    if (!errors.empty()) {
        throw RefusedError("the migrations to run have problems that would make them fail or misbehave; nothing was "
                           "run:" + errors + "\nfix them, or switch a rule off with [lint] disable (docs/lint.md)");
    }
}

}  // namespace sqlmig::cli
