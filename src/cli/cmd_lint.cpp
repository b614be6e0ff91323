// lint: what will hurt in the migrations, found offline (docs/lint.md). Reads the
// folder (or the files given) and never connects; with --impact, the guesses of the lock rules
// are replaced by what `sqlmig impact` measures on a scratch database (never the live one).

#include <memory>
#include <algorithm>
#include <iostream>

#include "cli/commands.hpp"
#include "engine/files.hpp"
#include "engine/impact.hpp"
#include "engine/lint.hpp"
#include "cli/output.hpp"
#include "db/dialects.hpp"
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
    bool impact = false;      // measure the lock rules' guesses on a scratch database
    std::string scratch_url;  // with --impact: an empty database to use instead of creating one
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
        if (auto d = db::dialect_from_name(flag)) {
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

std::string_view verdict_name(core::Verdict v) {
    switch (v) {
    case core::Verdict::guessed: return "guessed";
    case core::Verdict::confirmed: return "confirmed";
    case core::Verdict::contradicted: return "contradicted";
    }
    return "guessed";
}

// A contradicted guess is a note: the measurement says the rule's warning does not apply.
std::string severity_name(const core::MeasuredFinding& m) {
    if (m.verdict == core::Verdict::contradicted) {
        return "note";
    }
    return m.finding.severity == core::Severity::error ? "error" : "warning";
}

// Whether lint's --json names each finding's verdict: only with --impact, so that the document
// without it is as it always was.
enum class WithVerdicts { yes, no };

util::Json findings_json(const std::vector<core::MeasuredFinding>& findings, WithVerdicts verdicts) {
    util::Json list = util::Json::array();
    for (const auto& m : findings) {
        const auto& f = m.finding;
        auto item = util::Json::object()
                        .set("file", f.file)
                        .set("line", static_cast<std::int64_t>(f.position.line))
                        .set("column", static_cast<std::int64_t>(f.position.column))
                        .set("severity", severity_name(m))
                        .set("rule", f.rule)
                        .set("message", f.message);
        if (verdicts == WithVerdicts::yes) {
            item.set("measured", std::string(verdict_name(m.verdict)));
        }
        list.push(std::move(item));
    }
    return list;
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

// "path:line:col: severity: message [rule-id]", a contradicted guess as a note.
std::string format_line(const core::MeasuredFinding& m) {
    const auto& f = m.finding;
    return f.file + ":" + std::to_string(f.position.line) + ":" + std::to_string(f.position.column) + ": " +
           severity_name(m) + ": " + f.message + " [" + f.rule + "]";
}

std::string measured_summary(const std::vector<core::MeasuredFinding>& findings, std::size_t notes) {
    const auto confirmed = std::count_if(findings.begin(), findings.end(),
                                         [](const auto& m) { return m.verdict == core::Verdict::confirmed; });
    return "; measured on a scratch database: " + std::to_string(confirmed) + " guess(es) confirmed, " +
           std::to_string(notes) + " contradicted (note)";
}

void run_lint(Context& ctx, const LintCommandOptions& o) {
    const auto& cfg = ctx.config();
    core::LintOptions options{.dialect = lint_dialect(ctx, o.dialect)};
    options.disabled.insert(cfg.lint.disable.begin(), cfg.lint.disable.end());
    options.bounded_lock_waits = cfg.lock_retries("postgres").enabled;
    core::Linter linter(options);
    FolderListing listing = list_folder(cfg.migrations_dir);
    core::Catalog catalog = core::discover(listing.files, cfg.ignore, cfg.format);
    mark_baselines(cfg.migrations_dir, catalog);
    for (auto& problem : non_file_migrations(listing, cfg.ignore, cfg.format)) {
        catalog.errors.push_back(std::move(problem));
    }
    for (const auto& problem : catalog.errors) {
        // "001_a.sql: not a migration's name" names its file; "two up files have version 2: ..." and
        // "001_a.up.sql has a version inside ..." are about the folder, which they are reported on.
        const auto colon = problem.find(": ");
        const bool names_a_file = colon != std::string::npos && problem.find(' ') >= colon;
        linter.add_folder_problem(names_a_file ? ctx.file_label(problem.substr(0, colon))
                                               : ctx.file_label(""),  // the folder
                                  folder_rule(problem), names_a_file ? problem.substr(colon + 2) : problem);
    }
    std::vector<fs::path> outside;
    const auto migrations = selected(catalog, o.files, cfg.migrations_dir, outside);
    for (const auto* m : migrations) {
        linter.add(lint_migration(ctx, *m));
    }
    for (const auto& file : outside) {
        linter.add(core::LintMigration{{util::printable(file.string()), read_whole_file(file)}, std::nullopt, "", "", false});
    }
    auto sorted = linter.findings();
    std::stable_sort(sorted.begin(), sorted.end(), [](const core::Finding& a, const core::Finding& b) {
        return std::tie(a.file, a.position.line, a.position.column) < std::tie(b.file, b.position.line, b.position.column);
    });
    const auto measured = o.impact ? measure_selected(ctx, catalog, migrations, o.scratch_url)
                                   : std::vector<core::StatementImpact>{};
    const auto findings = core::with_measurements(sorted, measured);
    const auto count = [&](const char* severity) {
        return static_cast<std::size_t>(std::count_if(findings.begin(), findings.end(),
                                                      [&](const auto& m) { return severity_name(m) == severity; }));
    };
    const std::size_t errors = count("error");
    const std::size_t warnings = count("warning");
    const std::size_t notes = count("note");
    const bool strict = o.strict || cfg.lint.strict;
    const bool failed = errors > 0 || (strict && warnings > 0);
    const std::size_t files = migrations.size() + outside.size();
    if (ctx.options.json) {
        auto doc = util::Json::object()
                       .set("ok", !failed)
                       .set("dialect", std::string(core::dialect_name(options.dialect)))
                       .set("migrations", files)
                       .set("errors", errors)
                       .set("warnings", warnings);
        if (o.impact) {
            doc.set("notes", notes);
        }
        const WithVerdicts verdicts = o.impact ? WithVerdicts::yes : WithVerdicts::no;
        print_json(doc.set("findings", findings_json(findings, verdicts)));
    } else {
        for (const auto& m : findings) {
            std::cout << format_line(m) << '\n';
        }
        std::cout << errors << " error(s), " << warnings << " warning(s) in " << files << " migration(s)"
                  << (strict && warnings > 0 && errors == 0 ? " (--strict: warnings fail)" : "")
                  << (o.impact ? measured_summary(findings, notes) : "") << '\n';
    }
    if (failed) {
        throw SilentFailure(ExitCode::refused);
    }
}

}  // namespace

void setup_lint(CLI::App& app, Context& ctx) {
    const auto o = std::make_shared<LintCommandOptions>();
    auto* lint = app.add_subcommand("lint", "Find what will hurt in the migrations, without connecting (docs/lint.md)");
    lint->add_option("files", o->files, "Only these migration files (default: the whole folder)");
    std::vector<std::string> dialects;  // each backend's dialect and name: sqlite, postgres, mysql, mariadb
    for (const db::Backend* b : db::backends()) {
        for (const std::string_view name : {core::dialect_name(b->dialect()), b->name()}) {
            if (std::find(dialects.begin(), dialects.end(), name) == dialects.end()) {
                dialects.emplace_back(name);
            }
        }
    }
    one_of(lint->add_option("--dialect", o->dialect, "The SQL dialect (default: from the config's URL scheme)"),
           dialects);
    lint->add_flag("--strict", o->strict, "Warnings fail too (exit 3)");
    auto* impact = lint->add_flag("--impact", o->impact,
                                  "Measure the lock rules' guesses on a scratch database of the configured server, "
                                  "as 'sqlmig impact --no-live-stats' does (docs/lint.md)");
    impact->excludes("--dialect");
    non_empty(lint->add_option("--scratch-url", o->scratch_url,
                             "With --impact: an empty database to use instead of creating one")
                  ->type_name("URL"))
        ->needs(impact);
    lint->callback([&ctx, o] {
        run_lint(ctx, *o);
    });
}

}  // namespace sqlmig::cli
