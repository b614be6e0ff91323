#include "engine/lint.hpp"

#include <spdlog/spdlog.h>

#include "engine/files.hpp"
#include "engine/runner.hpp"
#include "util/error.hpp"

namespace sqlmig::engine {

namespace fs = std::filesystem;

std::string read_whole_file(const fs::path& file) {
    std::string text;
    read_chunks(file, [&](std::string_view chunk) { text.append(chunk); });
    return text;
}

core::LintFile read_script(const Script& script) {
    if (script.stored) {
        return {script.label, *script.stored, false, false};
    }
    core::SectionText section =
        core::section_text(script.kept ? *script.kept : read_whole_file(script.path), script.format, script.section);
    const bool no_transaction =
        section.no_transaction || (script.format == core::Format::flyway && flyway_says_no_transaction(script));
    return {script.label, std::move(section.text), no_transaction, script.format != core::Format::sqlmig};
}

core::LintMigration lint_migration(Context& ctx, const core::Migration& m) {
    core::LintMigration out;
    const Script up = ctx.script(m, core::Direction::up);
    out.up = read_script(up);
    out.up_name = m.name;
    out.baseline = m.squashes_from.has_value();
    if (m.down_file) {
        const Script down = ctx.script(m, core::Direction::down);
        out.down = read_script(down);
        std::string why;
        const auto parsed = core::parse_name(m.format, *m.down_file, &why);
        out.down_name = parsed ? parsed->name : m.name;
    }
    return out;
}

namespace {

core::LintOptions run_lint_options(Context& ctx, core::Dialect dialect, int server_version) {
    core::LintOptions options{.dialect = dialect};
    options.server_version = server_version;
    options.lock_timeout_configured = ctx.config().session_limits("postgres").lock_timeout.has_value();
    options.bounded_lock_waits = ctx.config().lock_retries("postgres").enabled;
    const auto& disabled = ctx.config().lint.disable;
    options.disabled.insert(disabled.begin(), disabled.end());
    return options;
}

bool small_enough(const Script& s) {
    std::error_code ec;
    return s.stored || s.kept || (fs::file_size(s.path, ec) < k_lint_before_run_max_bytes && !ec);
}

}  // namespace

std::vector<core::Finding> lint_up_script(Context& ctx, const Script& script, core::Dialect dialect,
                                          int server_version) {
    core::Linter linter(run_lint_options(ctx, dialect, server_version));
    if (small_enough(script)) {
        linter.add_file(read_script(script), core::Linter::Role::up);
    }
    return linter.findings();
}

void lint_before_run(Context& ctx, const std::vector<PreparedStep>& steps, core::Dialect dialect,
                     int server_version) {
    core::Linter linter(run_lint_options(ctx, dialect, server_version));
    for (const auto& step : steps) {
        const Script& s = step.script;
        if (small_enough(s)) {
            linter.add_file(read_script(s), step.step.direction == core::Direction::down ? core::Linter::Role::down
                                                                                        : core::Linter::Role::up);
        }
    }
    std::string refusals;
    for (const auto& f : linter.findings()) {
        if (core::refuses_run(f)) {
            refusals += "\n  " + core::format_finding(f);
        } else {
            // The log line says "warning" already.
            spdlog::warn("{}:{}:{}: {} [{}]", f.file, f.position.line, f.position.column, f.message, f.rule);
        }
    }
    if (!refusals.empty()) {
        throw RefusedError("the migrations to run have problems that would make them fail or misbehave; nothing was "
                           "run:" + refusals + "\nfix them, or switch a rule off with [lint] disable (docs/lint.md)");
    }
}

}  // namespace sqlmig::engine
