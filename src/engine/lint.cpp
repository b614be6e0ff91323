#include "engine/lint.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <tuple>

#include "engine/files.hpp"
#include "engine/impact.hpp"
#include "engine/runner.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

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
    const auto& disabled = ctx.config().lint.disable;
    core::LintOptions options{.dialect = dialect, .disabled = {disabled.begin(), disabled.end()}};
    options.server_version = server_version;
    options.lock_timeout_configured = ctx.config().session_limits("postgres").lock_timeout.has_value();
    options.bounded_lock_waits = ctx.config().lock_retries("postgres").enabled;
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

namespace {

// The rule id of a problem of the folder.
const char* rule_id(core::FolderRule rule) {
    switch (rule) {
    case core::FolderRule::bad_file_name: return "bad-file-name";
    case core::FolderRule::duplicate_version: return "duplicate-version";
    case core::FolderRule::down_without_up: return "down-without-up";
    }
    return "bad-file-name";
}

// The folder's migrations, or only those whose files were named.
std::vector<const core::Migration*> selected(const core::Catalog& catalog, const std::vector<std::string>& files,
                                             const fs::path& folder, std::vector<fs::path>& outside) {
    std::vector<const core::Migration*> out;
    if (files.empty()) {
        for (const auto& m : catalog.migrations) {
            out.push_back(&m);
        }
        return out;
    }
    for (const auto& f : files) {
        const fs::path path = fs::absolute(f).lexically_normal();
        const core::Migration* found = nullptr;
        for (const auto& m : catalog.migrations) {
            if (path == (folder / m.up_file).lexically_normal() ||
                (m.down_file && path == (folder / *m.down_file).lexically_normal())) {
                found = &m;
            }
        }
        if (found && std::find(out.begin(), out.end(), found) == out.end()) {
            out.push_back(found);
        } else if (!found) {
            outside.push_back(f);
        }
    }
    return out;
}

// The selected migrations measured on a scratch database built up to the one before the first of
// them (--no-live-stats --from): the folder's earlier migrations are applied, not measured.
std::vector<core::StatementImpact> measure_selected(Context& ctx, const core::Catalog& catalog,
                                                   const std::vector<const core::Migration*>& migrations,
                                                   const std::string& scratch_url) {
    if (migrations.empty()) {
        return {};
    }
    const auto first = std::min_element(migrations.begin(), migrations.end(),
                                        [](const auto* a, const auto* b) { return a->version < b->version; });
    ImpactRequest request;
    request.live = LiveStats::skip;
    request.scratch_url = scratch_url;
    for (const auto& m : catalog.migrations) {
        if (m.version < (*first)->version) {
            request.from = m.version.text();
        }
    }
    return measure_impact(ctx, request).statements;
}

}  // namespace

LintReport lint_folder(Context& ctx, const LintRequest& request) {
    const auto& cfg = ctx.config();
    core::LintOptions options{.dialect = request.dialect,
                              .disabled = {cfg.lint.disable.begin(), cfg.lint.disable.end()}};
    options.bounded_lock_waits = cfg.lock_retries("postgres").enabled;
    core::Linter linter(options);
    FolderListing listing = list_folder(cfg.migrations_dir);
    core::Catalog catalog = core::discover(listing.files, cfg.ignore, cfg.format);
    mark_baselines(cfg.migrations_dir, catalog);
    for (auto& problem : non_file_migrations(listing, cfg.ignore, cfg.format)) {
        catalog.errors.push_back(std::move(problem));
    }
    for (const auto& problem : catalog.errors) {
        linter.add_folder_problem(ctx.file_label(problem.file), rule_id(problem.rule), problem.message);
    }
    std::vector<fs::path> outside;
    const auto migrations = selected(catalog, request.files, cfg.migrations_dir, outside);
    for (const auto* m : migrations) {
        linter.add(lint_migration(ctx, *m));
    }
    for (const auto& file : outside) {
        linter.add(core::LintMigration{{util::printable(file.string()), read_whole_file(file)}, std::nullopt, "", "",
                                       false});
    }
    auto sorted = linter.findings();
    std::stable_sort(sorted.begin(), sorted.end(), [](const core::Finding& a, const core::Finding& b) {
        return std::tie(a.file, a.position.line, a.position.column) <
               std::tie(b.file, b.position.line, b.position.column);
    });
    const auto measured = request.measure == MeasureGuesses::yes
                              ? measure_selected(ctx, catalog, migrations, request.scratch_url)
                              : std::vector<core::StatementImpact>{};
    return {core::with_measurements(sorted, measured), migrations.size() + outside.size()};
}

}  // namespace sqlmig::engine
