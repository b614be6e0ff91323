#include "cli/app.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "cli/output.hpp"
#include "cli/usage.hpp"
#include "db/backend.hpp"
#include "engine/log_target.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace sqlmig::cli {

using namespace engine;

namespace {

// NO_COLOR (https://no-color.org): set and not empty turns colour off unless --color=always.
bool no_color_requested() {
    const char* v = std::getenv("NO_COLOR");
    return v && *v;
}

bool wants_colour(const std::string& mode, int fd) {
    if (mode == "always") {
        return true;
    }
    if (mode == "never" || no_color_requested()) {
        return false;
    }
    const char* term = std::getenv("TERM");
    return ::isatty(fd) && !(term && std::string_view(term) == "dumb");
}

// %* in the pattern: "[target] " on a fleet's worker threads, nothing elsewhere.
class TargetFlag final : public spdlog::custom_flag_formatter {
public:
    void format(const spdlog::details::log_msg&, const std::tm&, spdlog::memory_buf_t& dest) override {
        const std::string& target = engine::log_target();
        if (!target.empty()) {
            dest.push_back('[');
            dest.append(target.data(), target.data() + target.size());
            dest.append(std::string_view("] "));
        }
    }
    std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<TargetFlag>(); }
};

// Logging from the global options: run once, when the command line is parsed and before the
// command's callback (a second call would find the "sqlmig" logger taken, so it is dropped first).
void configure_logging(const GlobalOptions& options) {
    set_table_colour(!options.json && wants_colour(options.color, STDOUT_FILENO));
    const bool colour_logs = wants_colour(options.color, STDERR_FILENO);
    spdlog::drop("sqlmig");
    auto logger = spdlog::stderr_color_mt("sqlmig", colour_logs ? spdlog::color_mode::always : spdlog::color_mode::never);
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<TargetFlag>('*').set_pattern("sqlmig: %^%l%$: %*%v");
    logger->set_formatter(std::move(formatter));
    logger->set_level(options.quiet ? spdlog::level::warn
                                    : options.verbose ? spdlog::level::debug : spdlog::level::info);
    spdlog::set_default_logger(logger);
}

void add_global_options(CLI::App& app, GlobalOptions& o) {
    app.add_option_function<std::string>(
           "--config", [&o](const std::string& v) { o.config_path = v; o.config_given = true; },
           "Config file (default ./config.toml); paths in it are relative to its folder")
        ->type_name("FILE");
    app.add_option("--database", o.database, "Database URL; overrides the config and DATABASE_URL")->type_name("URL");
    app.add_option("--dir", o.dir, "Migrations folder; overrides the config")->type_name("DIR");
    app.add_option("--env", o.env, "Use the [env.NAME] overrides of the config (or SQLMIG_ENV)")->type_name("NAME");
    app.add_option("--lock-timeout", o.lock_timeout_s, "Seconds to wait for the migration lock (default 60)")
        ->type_name("SECONDS")
        ->check(CLI::Validator(
            [](const std::string& text) {
                // CLI::Range lets NaN through (every comparison with it is false).
                char* end = nullptr;
                const double v = std::strtod(text.c_str(), &end);
                const bool ok = end != text.c_str() && *end == '\0' && std::isfinite(v) && v >= 0 && v <= 86400;
                return ok ? std::string() : "must be a number of seconds from 0 to 86400, not '" +
                                                util::printable(text) + "'";
            },
            "SECONDS", "lock timeout"));
    // A flag with an optional =value: "--wait up" never takes "up" as its duration.
    app.add_flag("--wait{60s}", o.wait_text, "Retry connecting until the database accepts, up to =DURATION (default 60s)")
        ->option_text("[=DURATION]")
        ->each([&o](const std::string& v) {
            const auto d = config::parse_duration(v);
            if (!d || d->count() > 86400000) {
                throw CLI::ValidationError("--wait must be a duration up to 24h such as --wait=30s or --wait=2min, "
                                           "not '" + util::printable(v) + "'");
            }
            o.wait = *d;
        });
    one_of(app.add_option("--color", o.color, "Colour the tables and log levels: auto (on a terminal, unless "
                                              "NO_COLOR), always or never"),
           {"auto", "always", "never"});
    one_of(app.add_option("--progress", o.progress,
                          "A live line for migrations running over a second: auto (on a terminal), always or never"),
           std::vector<std::pair<std::string, ProgressMode>>{
               {"auto", ProgressMode::automatic}, {"always", ProgressMode::always}, {"never", ProgressMode::never}});
    app.add_flag("--json", o.json, "Print a JSON document on stdout");
    app.add_flag("-q,--quiet", o.quiet, "Log only warnings and errors");
    app.add_flag("-v,--verbose", o.verbose, "Log each statement as it runs");
}

// The error on stderr; with --json, also a document on stdout when the command
// failed before printing its own (a tool reading stdout always gets one).
int report(const GlobalOptions& options, const std::string& message, ExitCode code) {
    std::cerr << "sqlmig: error: " << message << std::endl;
    if (options.json && !json_printed()) {
        print_json(util::Json::object().set("ok", false).set("error", message).set("exit_code", static_cast<int>(code)));
    }
    return static_cast<int>(code);
}

// sqlmig's version and build, then each backend's client library (loading the modules).
std::string version_text() {
    std::string text = std::string("sqlmig ") + SQLMIG_VERSION + " (" + SQLMIG_BUILD_TYPE + " build)";
    for (const db::Backend* backend : db::backends()) {
        text += "\n" + std::string(backend->name()) + ": " + backend->client_library();
    }
    return text;
}

}  // namespace

int run(int argc, char** argv) {
    Context ctx;
    CLI::App app{"sqlmig: apply plain SQL migrations to PostgreSQL, SQLite, MariaDB and MySQL, and remember what "
                 "was applied"};
    app.name("sqlmig");
    app.set_version_flag("--version", version_text, "Print sqlmig's version, its build and its database libraries");
    app.formatter(std::make_shared<HelpFormatter>());  // before the commands, which copy it
    app.require_subcommand(1, 1);
    app.fallthrough();  // global options may follow the command: sqlmig up --json
    add_global_options(app, ctx.options);
    // The main app's parse-complete callback runs after every option is read (global options given after
    // the command too) and before the command's callback: logging is configured here, once.
    app.parse_complete_callback([&ctx] { configure_logging(ctx.options); });
    ctx.progress_display = live_progress_line(ctx.options);
    setup_init(app, ctx);
    setup_new(app, ctx);
    setup_migrate(app, ctx);
    setup_inspect(app, ctx);
    setup_stamp(app, ctx);
    setup_adopt(app, ctx);
    setup_backup(app, ctx);
    setup_lint(app, ctx);
    setup_verify(app, ctx);
    setup_drift(app, ctx);
    setup_squash(app, ctx);
    setup_impact(app, ctx);
    setup_fleet(app, ctx);
    setup_completion(app, ctx);
    try {
        app.parse(argc, argv);
        return 0;
    } catch (const CLI::Success& e) {  // --help, --version
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        return report(ctx.options, usage_message(app, e), ExitCode::usage);
    } catch (const SilentFailure& e) {
        return static_cast<int>(e.exit_code());  // the command printed why
    } catch (const Error& e) {
        return report(ctx.options, e.what(), e.exit_code());
    } catch (const std::filesystem::filesystem_error& e) {
        return report(ctx.options, e.what(), ExitCode::failed);
    } catch (const std::exception& e) {
        return report(ctx.options, std::string("unexpected failure: ") + e.what(), ExitCode::failed);
    }
}

}  // namespace sqlmig::cli
