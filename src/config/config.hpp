#pragma once
// config.toml -> Config. Values may use ${VAR} and ${VAR:-default}; [env.NAME]
// tables override the top-level values. Every problem is a ConfigError that
// names the file, line, column and key.

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/drift.hpp"
#include "core/fleet.hpp"
#include "core/format.hpp"
#include "core/impact.hpp"
#include "util/error.hpp"

namespace sqlmig::config {

// Looks up an environment variable; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// [backup]: a copy taken before anything changes (docs/backups.md).
struct BackupConfig {
    bool enabled = true;
    std::string format = "custom";       // PostgreSQL: "custom" (pg_restore) or "plain" (psql)
    int keep = 20;                        // newest before-migrate backups kept per database; 0 keeps all
    std::filesystem::path dir;            // default: backups/ beside the config file
    // The programs set in the file, by key (pg_dump, mariadb_dump...: each database's
    // db::BackupProgram); a path is resolved against the config file's folder.
    std::map<std::string, std::string, std::less<>> programs;

    // The program of a key: as set, or the database's default (a bare name, looked up in PATH).
    std::string program(std::string_view key) const;
};

// [hooks]: shell commands run around a run that executes migrations. Kept as
// written: /bin/sh expands their $VARIABLES, so secrets never reach our logs.
struct HooksConfig {
    std::vector<std::string> before_migrate;
    std::vector<std::string> after_migrate;
    std::vector<std::string> on_failure;
};

// [lint]: rules switched off, and whether warnings fail `sqlmig lint` too.
struct LintConfig {
    std::vector<std::string> disable;
    bool strict = false;
};

// Whether `up` checks something first ([drift] before_up, [impact] before_up): not at all, with a
// warning and going on, or refusing to run (exit 3) before anything runs.
enum class UpGate { off, warn, refuse };
using DriftGate = UpGate;

// [drift] (docs/drift.md): objects `sqlmig drift` does not report, and whether `up` checks for
// drift first (off by default: a replay of every applied migration on each up is costly).
struct DriftConfig {
    std::vector<core::DriftPattern> ignore;
    DriftGate before_up = DriftGate::off;
};

// [fleet]: the databases or tenant schemas `sqlmig fleet` runs over (docs/fleet.md).
// One source of targets: a list, a file, a command, or the schemas matching a pattern.
struct FleetConfig {
    std::vector<core::FleetTarget> targets;  // [fleet] targets, URLs expanded
    std::filesystem::path targets_file;      // "NAME URL" lines
    std::string targets_command;             // run by /bin/sh once; prints "NAME URL" lines
    std::string schemas;                     // a LIKE pattern over the schemas of `url` (PostgreSQL)
    std::string url;                         // the database holding the schemas; default [database] url
    std::string origin;                      // where the source was set: "config.toml:7:1: [fleet] targets"
    int parallel = 4;                        // targets at a time (the connections they may hold)
    bool configured() const {
        return !targets.empty() || !targets_file.empty() || !targets_command.empty() || !schemas.empty();
    }
};

// How a migration waits for the locks its statements need (docs/production.md): each attempt
// waits at most one rung of the ladder, and the migration is retried after a jittered backoff
// until the budget is spent. [postgres] and [mariadb] lock_retries, lock_timeout_ladder,
// lock_wait_budget, lock_harm_budget (on MariaDB only rungs of 1 s or more wait, so only they
// are watched); [sqlite] lock_retries and lock_wait_budget.
struct LockRetryConfig {
    bool enabled = true;
    std::vector<std::chrono::milliseconds> ladder{std::chrono::milliseconds(100), std::chrono::milliseconds(200),
                                                  std::chrono::milliseconds(400)};
    std::chrono::milliseconds budget = std::chrono::minutes(5);  // per migration: waits and backoffs
    // Backend-milliseconds (sessions queued behind sqlmig's wait x time) after which sqlmig
    // cancels its own wait; 0: never (the rung alone bounds the wait).
    std::chrono::milliseconds harm_budget{300};
};

// The pre-flight before a run on PostgreSQL (docs/production.md): transactions older than
// transaction_age holding locks on the tables the migrations lock, and replicas replaying more
// than replica_lag behind. [postgres] preflight, preflight_transaction_age, preflight_replica_lag.
enum class PreflightMode { off, warn, wait, refuse };
struct PreflightConfig {
    PreflightMode mode = PreflightMode::warn;
    std::chrono::milliseconds transaction_age = std::chrono::minutes(1);
    std::chrono::milliseconds replica_lag = std::chrono::seconds(10);  // 0: replicas are not checked
};

// The run-wide migration lock on PostgreSQL ([postgres] lock): a session advisory lock, or a
// lease row renewed while the run lasts, which works through a transaction pooler
// (docs/production.md, "Through a pooler").
enum class PgRunLock { advisory, lease };

struct Config {
    std::filesystem::path file;      // the config file read, empty when none
    std::filesystem::path base_dir;  // relative paths in the file are relative to this

    // Raw, may hold a password. While database_url_unset is set, it holds the ${VAR} text as
    // written: its scheme is readable (lint's dialect), but it cannot be used to connect.
    std::string database_url;
    // Why the URL cannot be used yet (a variable it names is unset); raised only when the
    // URL is needed, so `new`, `lint`, `init` and `completion` never need the database's secrets.
    std::optional<std::string> database_url_unset;
    std::string database_url_origin;       // where it came from, for messages
    std::filesystem::path database_base_dir;  // relative SQLite paths in the URL resolve here
    std::optional<int> connect_timeout_s;

    std::filesystem::path migrations_dir;
    std::string table = "sqlmig_migrations";
    // Schema-per-tenant fleets (PostgreSQL): the tenant's schema, where the table lives and
    // the migrations run (search_path). Set by `sqlmig fleet`, never read from the file.
    std::optional<std::string> tenant_schema;
    std::vector<std::string> ignore;
    core::Format format = core::Format::sqlmig;  // [migrations] format
    std::size_t store_sql_max = 1 << 20;         // [tracking] store_sql_max: bytes of SQL kept per script

    std::vector<std::filesystem::path> sqlite_extensions;
    std::chrono::milliseconds busy_timeout{5000};
    bool sqlite_foreign_keys = false;  // SQLite's own default: foreign keys are not enforced

    PgRunLock pg_lock = PgRunLock::advisory;
    std::chrono::milliseconds pg_lease_duration = std::chrono::seconds(30);  // renewed every sixth of it
    LockRetryConfig sqlite_lock_retries;   // lock_retries and lock_wait_budget; each attempt waits busy_timeout
    PreflightConfig pg_preflight;

    // The lock_timeout and statement_timeout of a server database's section.
    struct SessionLimits {
        std::optional<std::chrono::milliseconds> lock_timeout;
        std::optional<std::chrono::milliseconds> statement_timeout;
    };
    // The session keys (db::k_session_keys) of each section that takes them, as set in the file
    // ([postgres], [mariadb]: db::SessionKeys::taken); a section not set has the defaults.
    struct ServerSession {
        SessionLimits limits;
        LockRetryConfig retries;
    };
    std::map<std::string, ServerSession, std::less<>> server_sessions;

    // The lock retry policy of a backend's section: as set, or the defaults for a section that
    // takes the session keys; SQLite's waits busy_timeout; off for sections without one.
    LockRetryConfig lock_retries(std::string_view section) const;

    // The lock_timeout and statement_timeout of a server backend's section; none for other sections.
    SessionLimits session_limits(std::string_view section) const;

    BackupConfig backup;
    std::vector<std::string> env_names;  // the [env.NAME] tables, in file order
    HooksConfig hooks;
    std::filesystem::path schema_file;  // [dump] schema_file; empty: no schema dump
    LintConfig lint;
    DriftConfig drift;
    FleetConfig fleet;
    // [impact] (docs/impact.md): the budgets a pending migration must stay within, and whether
    // `up` measures its migrations against them first.
    core::ImpactBudget impact;
    UpGate impact_before_up = UpGate::off;
};

// Defaults, for running without a config file (base_dir is the working directory).
Config default_config(const std::filesystem::path& base_dir);

// Parses the text of a config file. env_name selects an [env.NAME] overlay ("" for none).
// DATABASE_URL from env overrides [database] url. Throws ConfigError.
Config parse_config(std::string_view text, const std::filesystem::path& file, const std::string& env_name,
                    const EnvLookup& env);

// One section of the config file and the keys it takes.
struct SectionKeys {
    std::string section;            // "migrations"
    std::vector<std::string> keys;  // "dir", "table", ...
};

// Every section and its keys, in the order messages list them: an unknown section
// or key is reported with the nearest known one ("did you mean").
const std::vector<SectionKeys>& config_keys();

// An unset variable without a default: the ConfigError that interpolate throws for it.
class UnsetVariableError : public ConfigError {
public:
    using ConfigError::ConfigError;
};

// Expands ${VAR} and ${VAR:-default}; "$$" is a literal '$'. Throws UnsetVariableError for
// an unset variable without default, ConfigError for a bad reference (both prefixed with where).
std::string interpolate(std::string_view value, const EnvLookup& env, const std::string& where);

// "5s", "250ms", "2min", "1h" -> milliseconds. nullopt when invalid.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// The file that `sqlmig init` writes.
std::string config_template();

}  // namespace sqlmig::config
