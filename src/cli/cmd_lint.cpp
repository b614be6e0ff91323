// lint: what will hurt in the migrations, found offline (docs/lint.md): parse, call the engine
// (engine::lint_folder), print. With --impact, the guesses of the lock rules are replaced by what
// `sqlmig impact` measures on a scratch database (never the live one).

#include <memory>
#include <algorithm>
#include <iostream>

#include "cli/commands.hpp"
#include "engine/lint.hpp"
#include "cli/output.hpp"
#include "db/dialects.hpp"
#include "cli/usage.hpp"
#include "db/backend.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace sqlmig::cli {

using namespace engine;

namespace {

struct LintCommandOptions {
    std::vector<std::string> files;
    std::string dialect;
    bool strict = false;
    bool impact = false;      // measure the lock rules' guesses on a scratch database
    std::string scratch_url;  // with --impact: an empty database to use instead of creating one
};

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
    const LintRequest request{lint_dialect(ctx, o.dialect), o.files,
                              o.impact ? MeasureGuesses::yes : MeasureGuesses::no, o.scratch_url};
    const LintReport report = lint_folder(ctx, request);
    const auto& findings = report.findings;
    const auto count = [&](const char* severity) {
        return static_cast<std::size_t>(std::count_if(findings.begin(), findings.end(),
                                                      [&](const auto& m) { return severity_name(m) == severity; }));
    };
    const std::size_t errors = count("error");
    const std::size_t warnings = count("warning");
    const std::size_t notes = count("note");
    const bool strict = o.strict || cfg.lint.strict;
    const bool failed = errors > 0 || (strict && warnings > 0);
    const std::size_t files = report.files;
    if (ctx.options.json) {
        auto doc = util::Json::object()
                       .set("ok", !failed)
                       .set("dialect", std::string(core::dialect_name(request.dialect)))
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
