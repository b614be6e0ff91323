// lint: what will hurt in the migrations, found offline (docs/lint.md). Reads the
// folder (or the files given) and never connects.

#include <algorithm>
#include <iostream>

#include "cli/commands.hpp"
#include "engine/files.hpp"
#include "engine/lint.hpp"
#include "cli/output.hpp"
#include "cli/usage.hpp"
#include "core/discovery.hpp"
#include "db/backend.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace sqlmig::cli {

using namespace engine;

namespace fs = std::filesystem;

namespace {

struct LintCommandOptions {
    std::vector<std::string> files;
    std::string dialect;
    bool strict = false;
};

// The rule id of one of discovery's messages about the folder.
std::string folder_rule(const std::string& problem) {
    if (problem.find("files have version") != std::string::npos) {
        return "duplicate-version";
    }
    if (problem.find("down migration without an up") != std::string::npos) {
        return "down-without-up";
    }
    return "bad-file-name";
}

core::Dialect lint_dialect(Context& ctx, const std::string& flag) {
    if (!flag.empty()) {
        if (auto d = core::dialect_from_name(flag)) {
            return *d;
        }
        std::string names;
        for (const auto* b : db::backends()) {
            names += (names.empty() ? "" : ", ") + std::string(b->name());
        }
        throw UsageError("--dialect " + util::printable(flag) + " is not a dialect; use one of " + names);
    }
    const auto& cfg = ctx.config();
    if (util::trim(cfg.database_url).empty()) {
        throw UsageError("lint needs the dialect: set [database] url (it is not connected to), or --dialect");
    }
    try {
        return db::backend_for(cfg.database_url).dialect();  // from the scheme alone
    } catch (const ConfigError& e) {
        throw ConfigError(cfg.database_url_origin + ": " + e.what());
    }
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

util::Json findings_json(const std::vector<core::Finding>& findings) {
    util::Json list = util::Json::array();
    for (const auto& f : findings) {
        list.push(util::Json::object()
                      .set("file", f.file)
                      .set("line", static_cast<std::int64_t>(f.position.line))
                      .set("column", static_cast<std::int64_t>(f.position.column))
                      .set("severity", f.severity == core::Severity::error ? "error" : "warning")
                      .set("rule", f.rule)
                      .set("message", f.message));
    }
    return list;
}

void run_lint(Context& ctx, const LintCommandOptions& o) {
    const auto& cfg = ctx.config();
    core::LintOptions options;
    options.dialect = lint_dialect(ctx, o.dialect);
    options.disabled.insert(cfg.lint.disable.begin(), cfg.lint.disable.end());
    options.bounded_lock_waits = cfg.pg_lock_retries.enabled;
    core::Linter linter(options);
    FolderListing listing = list_folder(cfg.migrations_dir);
    core::Catalog catalog = core::discover(listing.files, cfg.ignore, cfg.format);
    mark_baselines(cfg.migrations_dir, catalog);
    for (auto& problem : non_file_migrations(listing, cfg.ignore, cfg.format)) {
        catalog.errors.push_back(std::move(problem));
    }
    for (const auto& problem : catalog.errors) {
        linter.add_folder_problem(ctx.file_label(problem.substr(0, problem.find(": "))), folder_rule(problem),
                                  problem.substr(problem.find(": ") + 2));
    }
    std::vector<fs::path> outside;
    const auto migrations = selected(catalog, o.files, cfg.migrations_dir, outside);
    for (const auto* m : migrations) {
        linter.add(lint_migration(ctx, *m));
    }
    for (const auto& file : outside) {
        linter.add(core::LintMigration{{util::printable(file.string()), read_whole_file(file)}, std::nullopt, "", "", false});
    }
    auto findings = linter.findings();
    std::stable_sort(findings.begin(), findings.end(), [](const core::Finding& a, const core::Finding& b) {
        return std::tie(a.file, a.position.line, a.position.column) < std::tie(b.file, b.position.line, b.position.column);
    });
    const auto errors = static_cast<std::size_t>(std::count_if(
        findings.begin(), findings.end(), [](const core::Finding& f) { return f.severity == core::Severity::error; }));
    const std::size_t warnings = findings.size() - errors;
    const bool strict = o.strict || cfg.lint.strict;
    const bool failed = errors > 0 || (strict && warnings > 0);
    const std::size_t files = migrations.size() + outside.size();
    if (ctx.options.json) {
        print_json(util::Json::object()
                       .set("ok", !failed)
                       .set("dialect", std::string(core::dialect_name(options.dialect)))
                       .set("migrations", files)
                       .set("errors", errors)
                       .set("warnings", warnings)
                       .set("findings", findings_json(findings)));
    } else {
        for (const auto& f : findings) {
            std::cout << core::format_finding(f) << '\n';
        }
        std::cout << errors << " error(s), " << warnings << " warning(s) in " << files << " migration(s)"
                  << (strict && warnings > 0 && errors == 0 ? " (--strict: warnings fail)" : "") << '\n';
    }
    if (failed) {
        throw SilentFailure(ExitCode::refused);
    }
}

}  // namespace

void setup_lint(CLI::App& app, Context& ctx) {
    static LintCommandOptions o;
    auto* lint = app.add_subcommand("lint", "Find what will hurt in the migrations, without connecting (docs/lint.md)");
    lint->add_option("files", o.files, "Only these migration files (default: the whole folder)");
    std::vector<std::string> dialects;  // each backend's dialect and name: sqlite, postgres, mysql, mariadb
    for (const db::Backend* b : db::backends()) {
        for (const std::string_view name : {core::dialect_name(b->dialect()), b->name()}) {
            if (std::find(dialects.begin(), dialects.end(), name) == dialects.end()) {
                dialects.emplace_back(name);
            }
        }
    }
    one_of(lint->add_option("--dialect", o.dialect, "The SQL dialect (default: from the config's URL scheme)"),
           dialects);
    lint->add_flag("--strict", o.strict, "Warnings fail too (exit 3)");
    lint->callback([&ctx] {
        configure_logging(ctx.options);
        run_lint(ctx, o);
    });
}

}  // namespace sqlmig::cli
