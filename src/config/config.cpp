#include "config/config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cstdlib>

#include "core/format.hpp"
#include "core/lint.hpp"
#include "core/tracking_sql.hpp"
#include "db/settings.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace sqlmig::config {

namespace fs = std::filesystem;

namespace {

// Where a node or key sits, for messages: "config.toml:3:7: [database] url".
std::string where(const fs::path& file, const toml::source_region& src, const std::string& key) {
    return file.filename().string() + ":" + std::to_string(src.begin.line) + ":" + std::to_string(src.begin.column) +
           ": " + key;
}

std::string where(const fs::path& file, const toml::node& node, const std::string& key) {
    return where(file, node.source(), key);
}

// Whether a database's section takes the server session keys ([postgres], [mariadb]).
bool takes_session_keys(std::string_view section) {
    const db::DatabaseSettings* s = db::settings_of_section(section);
    return s && s->session_keys == db::SessionKeys::taken;
}

// The keys a section takes; none for a section that does not exist.
const std::vector<std::string>& keys_of(const std::string& section) {
    static const std::vector<std::string> none;
    for (const auto& s : config_keys()) {
        if (s.section == section) {
            return s.keys;
        }
    }
    return none;
}

// ": unknown key; did you mean 'dir'?" or ": unknown key; [migrations] takes dir, table, ...".
std::string unknown_key(const std::string& section, const std::string& key) {
    const auto& keys = keys_of(section);
    if (const std::string near = util::nearest(key, keys); !near.empty()) {
        return ": unknown key; did you mean '" + near + "'?";
    }
    std::string list;
    for (const auto& k : keys) {
        list += (list.empty() ? "" : ", ") + k;
    }
    return ": unknown key; [" + section + "] takes " + list;
}

class Reader {
public:
    Reader(Config& cfg, const EnvLookup& env) : m_cfg(cfg), m_env(env) {}

    void apply_root(const toml::table& root, const std::string& prefix) {
        std::vector<std::string> sections;
        for (const auto& s : config_keys()) {
            sections.push_back(s.section);
        }
        for (auto&& [key, node] : root) {
            const std::string k(key.str());
            if (prefix.empty() && k == "env") {
                continue;  // overlays are applied separately
            }
            if (std::find(sections.begin(), sections.end(), k) == sections.end()) {
                const std::string near = util::nearest(k, sections);
                std::string list;
                for (const auto& s : sections) {
                    list += (list.empty() ? "[" : ", [") + s + "]";
                }
                throw ConfigError(where(m_cfg.file, key.source(), prefix + k) + ": unknown section; " +
                                  (near.empty() ? "" : "did you mean [" + prefix + near + "]? ") + "expected one of " +
                                  list + (prefix.empty() ? ", [env.NAME]" : ""));
            }
            const toml::table* t = node.as_table();
            if (!t) {
                throw ConfigError(where(m_cfg.file, node, prefix + k) + ": must be a table");
            }
            apply_section(prefix + k, k, *t);
        }
    }

private:
    void apply_section(const std::string& label, const std::string& section, const toml::table& t) {
        for (auto&& [key, node] : t) {
            const std::string k(key.str());
            const std::string name = "[" + label + "] " + k;
            if (section == "database" && k == "url") {
                set_database_url(node, name);
            } else if (section == "database" && k == "connect_timeout") {
                m_cfg.connect_timeout_s = static_cast<int>(duration_value(node, name, true).count() / 1000);
            } else if (section == "migrations" && k == "dir") {
                m_cfg.migrations_dir = m_cfg.base_dir / string_value(node, name);
            } else if (section == "migrations" && k == "table") {
                m_cfg.table = string_value(node, name);
                try {
                    core::parse_table_name(m_cfg.table);
                } catch (const ConfigError& e) {
                    throw ConfigError(where(m_cfg.file, node, name) + ": " + e.what());
                }
            } else if (section == "migrations" && k == "ignore") {
                m_cfg.ignore = string_array(node, name);
            } else if (section == "tracking" && k == "store_sql_max") {
                const auto* value = node.as_integer();
                if (!value || value->get() < 0 || value->get() > (std::int64_t{1} << 30)) {
                    throw ConfigError(where(m_cfg.file, node, name) +
                                      ": must be a number of bytes from 0 (store nothing) to 1073741824");
                }
                m_cfg.store_sql_max = static_cast<std::size_t>(value->get());
            } else if (section == "migrations" && k == "format") {
                const std::string format = string_value(node, name);
                const auto parsed = core::parse_format(format);
                if (!parsed) {
                    throw ConfigError(where(m_cfg.file, node, name) + ": unknown format '" + util::printable(format) +
                                      "'; expected one of " + core::k_format_names);
                }
                m_cfg.format = *parsed;
            } else if (section == "sqlite" && k == "extensions") {
                m_cfg.sqlite_extensions.clear();
                for (const auto& e : string_array(node, name)) {
                    m_cfg.sqlite_extensions.push_back(m_cfg.base_dir / e);
                }
            } else if (section == "sqlite" && k == "busy_timeout") {
                m_cfg.busy_timeout = duration_value(node, name, false);
            } else if (section == "sqlite" && (k == "lock_retries" || k == "lock_wait_budget")) {
                apply_lock_retry_key(m_cfg.sqlite_lock_retries, k, node, name);
            } else if (section == "sqlite" && k == "foreign_keys") {
                m_cfg.sqlite_foreign_keys = bool_value(node, name);
            } else if (takes_session_keys(section) && apply_session_key(section, k, node, name)) {
                // [postgres], [mariadb]: lock_timeout, statement_timeout, lock_retries, lock_timeout_ladder,
                // lock_wait_budget, lock_harm_budget
            } else if (section == "postgres" && k.starts_with("preflight") && apply_preflight_key(k, node, name)) {
                // [postgres] preflight, preflight_transaction_age, preflight_replica_lag
            } else if (section == "postgres" && k == "lock") {
                m_cfg.pg_lock = run_lock_value(node, name);
            } else if (section == "postgres" && k == "lease_duration") {
                m_cfg.pg_lease_duration = lease_duration_value(node, name);
            } else if (section == "backup") {
                apply_backup_key(k, node, name);
            } else if (section == "fleet") {
                apply_fleet_key(k, node, name);
            } else if (section == "hooks" && (k == "before_migrate" || k == "after_migrate" || k == "on_failure")) {
                auto& list = k == "before_migrate" ? m_cfg.hooks.before_migrate
                             : k == "after_migrate" ? m_cfg.hooks.after_migrate : m_cfg.hooks.on_failure;
                list = command_list(node, name);
            } else if (section == "lint" && k == "disable") {
                m_cfg.lint.disable = string_array(node, name);
                const auto* arr = node.as_array();
                for (std::size_t i = 0; i < m_cfg.lint.disable.size(); ++i) {
                    if (!core::find_lint_rule(m_cfg.lint.disable[i])) {
                        throw ConfigError(where(m_cfg.file, *arr->get(i), name) + ": no lint rule is named '" +
                                          util::printable(m_cfg.lint.disable[i]) + "' (docs/lint.md lists them)");
                    }
                }
            } else if (section == "drift" && (k == "ignore" || k == "before_up")) {
                apply_drift_key(k, node, name);
            } else if (section == "lint" && k == "strict") {
                m_cfg.lint.strict = bool_value(node, name);
            } else if (section == "impact") {
                apply_impact_key(k, node, name);
            } else if (section == "dump" && k == "schema_file") {
                const std::string file = string_value(node, name);
                m_cfg.schema_file = file.empty() ? fs::path() : m_cfg.base_dir / file;
            } else {
                throw ConfigError(where(m_cfg.file, key.source(), name) + unknown_key(section, k));
            }
        }
    }

    void apply_impact_key(const std::string& k, const toml::node& node, const std::string& name) {
        if (k == "max_access_exclusive") {
            m_cfg.impact.max_access_exclusive = duration_value(node, name, false);
        } else if (k == "max_write_block") {
            m_cfg.impact.max_write_block = duration_value(node, name, false);
        } else if (k == "rewrite") {
            const std::string value = string_value(node, name);
            if (value != "allow" && value != "refuse") {
                throw ConfigError(where(m_cfg.file, node, name) + ": must be \"allow\" or \"refuse\", not '" +
                                  util::printable(value) + "'");
            }
            m_cfg.impact.rewrite = value == "refuse" ? core::RewritePolicy::refuse : core::RewritePolicy::allow;
        } else if (k == "before_up") {
            // Configs written for the release where it was a bool: true refused, false did nothing.
            if (const auto* b = node.as_boolean()) {
                m_cfg.impact_before_up = b->get() ? UpGate::refuse : UpGate::off;
            } else {
                m_cfg.impact_before_up = up_gate_value(node, name);
            }
        } else {
            throw ConfigError(where(m_cfg.file, node, name) + unknown_key("impact", k));
        }
    }

    void apply_backup_key(const std::string& k, const toml::node& node, const std::string& name) {
        auto& b = m_cfg.backup;
        if (k == "enabled") {
            b.enabled = bool_value(node, name);
        } else if (k == "format") {
            b.format = string_value(node, name);
            if (b.format != "custom" && b.format != "plain") {
                throw ConfigError(where(m_cfg.file, node, name) + ": must be \"custom\" or \"plain\", not '" +
                                  util::printable(b.format) + "'");
            }
        } else if (k == "keep") {
            const auto* v = node.as_integer();
            if (!v || v->get() < 0 || v->get() > 100000) {
                throw ConfigError(where(m_cfg.file, node, name) + ": must be a whole number from 0 (keep all) to 100000");
            }
            b.keep = static_cast<int>(v->get());
        } else if (k == "dir") {
            b.dir = m_cfg.base_dir / non_empty_string(node, name);
        } else if (db::backup_program(k)) {
            std::string program = non_empty_string(node, name);
            // A path is relative to the config file; a bare name is looked up in PATH.
            if (program.find('/') != std::string::npos) {
                program = (m_cfg.base_dir / program).lexically_normal().string();
            }
            b.programs[k] = program;
        } else {
            throw ConfigError(where(m_cfg.file, node, name) + unknown_key("backup", k));
        }
    }

    // A session key of a server database's section (db::k_session_keys); false for another key.
    bool apply_session_key(const std::string& section, const std::string& k, const toml::node& node,
                           const std::string& name) {
        auto& session = m_cfg.server_sessions[section];
        if (k == "lock_timeout") {
            session.limits.lock_timeout = duration_value(node, name, false);
        } else if (k == "statement_timeout") {
            session.limits.statement_timeout = duration_value(node, name, false);
        } else {
            return k.starts_with("lock_") && apply_lock_retry_key(session.retries, k, node, name);
        }
        return true;
    }

    // The keys of LockRetryConfig; false for another key.
    bool apply_lock_retry_key(LockRetryConfig& r, const std::string& k, const toml::node& node, const std::string& name) {
        if (k == "lock_retries") {
            r.enabled = bool_value(node, name);
        } else if (k == "lock_timeout_ladder") {
            const auto* arr = node.as_array();
            if (!arr || arr->empty()) {
                throw ConfigError(where(m_cfg.file, node, name) +
                                  ": must be a non-empty array of durations, such as [\"100ms\", \"200ms\", \"400ms\"]");
            }
            r.ladder.clear();
            for (const auto& item : *arr) {
                r.ladder.push_back(positive_duration(item, name));
            }
        } else if (k == "lock_wait_budget") {
            r.budget = positive_duration(node, name);
        } else if (k == "lock_harm_budget") {
            r.harm_budget = duration_value(node, name, false);
        } else {
            return false;
        }
        return true;
    }

    // The keys of PreflightConfig; false for another key.
    void apply_drift_key(const std::string& k, const toml::node& node, const std::string& name) {
        if (k == "ignore") {  // else before_up
            const auto patterns = string_array(node, name);
            const auto* arr = node.as_array();
            m_cfg.drift.ignore.clear();
            for (std::size_t i = 0; i < patterns.size(); ++i) {
                m_cfg.drift.ignore.push_back(
                    core::parse_drift_pattern(patterns[i], where(m_cfg.file, *arr->get(i), name)));
            }
        } else {
            m_cfg.drift.before_up = up_gate_value(node, name);
        }
    }

    // "off", "warn" or "refuse": a before_up key.
    UpGate up_gate_value(const toml::node& node, const std::string& name) {
        static constexpr const char* choices = ": must be \"off\", \"warn\" or \"refuse\"";
        if (!node.is_string()) {
            throw ConfigError(where(m_cfg.file, node, name) + choices);
        }
        const std::string gate = string_value(node, name);
        if (gate == "off") {
            return UpGate::off;
        }
        if (gate == "warn") {
            return UpGate::warn;
        }
        if (gate == "refuse") {
            return UpGate::refuse;
        }
        throw ConfigError(where(m_cfg.file, node, name) + choices + ", not '" + util::printable(gate) + "'");
    }

    bool apply_preflight_key(const std::string& k, const toml::node& node, const std::string& name) {
        auto& p = m_cfg.pg_preflight;
        if (k == "preflight") {
            const std::string mode = string_value(node, name);
            if (mode == "off") {
                p.mode = PreflightMode::off;
            } else if (mode == "warn") {
                p.mode = PreflightMode::warn;
            } else if (mode == "wait") {
                p.mode = PreflightMode::wait;
            } else if (mode == "refuse") {
                p.mode = PreflightMode::refuse;
            } else {
                throw ConfigError(where(m_cfg.file, node, name) + ": must be \"off\", \"warn\", \"wait\" or \"refuse\", not '" +
                                  util::printable(mode) + "'");
            }
        } else if (k == "preflight_transaction_age") {
            p.transaction_age = positive_duration(node, name);
        } else if (k == "preflight_replica_lag") {
            p.replica_lag = duration_value(node, name, false);
        } else {
            return false;
        }
        return true;
    }

    PgRunLock run_lock_value(const toml::node& node, const std::string& name) {
        const std::string value = string_value(node, name);
        if (value == "advisory") {
            return PgRunLock::advisory;
        }
        if (value == "lease") {
            return PgRunLock::lease;
        }
        throw ConfigError(where(m_cfg.file, node, name) + ": must be \"advisory\" or \"lease\", not '" +
                          util::printable(value) + "'");
    }

    // At least a second: it is renewed every sixth of it, and a renewal is a round trip that a
    // busy server must be able to answer in time.
    std::chrono::milliseconds lease_duration_value(const toml::node& node, const std::string& name) {
        const auto d = duration_value(node, name, false);
        if (d < std::chrono::seconds(1) || d > std::chrono::hours(24)) {
            throw ConfigError(where(m_cfg.file, node, name) + ": must be from 1s to 24h");
        }
        return d;
    }

    std::chrono::milliseconds positive_duration(const toml::node& node, const std::string& name) {
        const auto d = duration_value(node, name, false);
        if (d.count() <= 0) {
            throw ConfigError(where(m_cfg.file, node, name) + ": must be longer than 0");
        }
        return d;
    }

    void apply_fleet_key(const std::string& k, const toml::node& node, const std::string& name) {
        auto& f = m_cfg.fleet;
        const auto set_source = [&] {
            const std::string section = name.substr(0, name.find(']') + 1);
            if (f.origin.find(section + " ") != std::string::npos && !f.origin.ends_with(name)) {
                throw ConfigError(where(m_cfg.file, node, name) + ": [fleet] takes one of targets, targets_file, "
                                  "targets_command and schemas; " + f.origin + " is set too");
            }
            f = FleetConfig{{}, {}, {}, {}, f.url, where(m_cfg.file, node, name), f.parallel};
        };
        if (k == "targets") {
            set_source();
            const auto* arr = node.as_array();
            if (!arr) {
                throw ConfigError(where(m_cfg.file, node, name) + ": must be an array of { name = \"...\", url = \"...\" }");
            }
            for (const auto& item : *arr) {
                f.targets.push_back(fleet_target(item, name));
            }
            core::check_targets(f.targets, f.origin);
        } else if (k == "targets_file") {
            set_source();
            f.targets_file = m_cfg.base_dir / non_empty_string(node, name);
        } else if (k == "targets_command") {
            set_source();
            f.targets_command = non_empty_string(node, name);
        } else if (k == "schemas") {
            set_source();
            f.schemas = non_empty_string(node, name);
        } else if (k == "url") {
            f.url = non_empty_string(node, name);
        } else if (k == "parallel") {
            const auto* v = node.as_integer();
            if (!v || v->get() < 1 || v->get() > 256) {
                throw ConfigError(where(m_cfg.file, node, name) + ": must be a whole number from 1 to 256");
            }
            f.parallel = static_cast<int>(v->get());
        } else {
            throw ConfigError(where(m_cfg.file, node, name) + unknown_key("fleet", k));
        }
    }

    core::FleetTarget fleet_target(const toml::node& item, const std::string& name) {
        const auto* t = item.as_table();
        const std::string at = where(m_cfg.file, item, name);
        if (!t) {
            throw ConfigError(at + ": each target must be { name = \"...\", url = \"...\" }");
        }
        core::FleetTarget target;
        target.origin = at.substr(0, at.rfind(": "));
        for (auto&& [key, value] : *t) {
            if (key.str() == "name") {
                target.name = string_value(value, name + " name");
            } else if (key.str() == "url") {
                target.url = string_value(value, name + " url");
            } else {
                throw ConfigError(where(m_cfg.file, key.source(), name) + ": unknown key '" +
                                  util::printable(std::string(key.str())) + "'; a target has name and url");
            }
        }
        if (target.name.empty() || target.url.empty()) {
            throw ConfigError(at + ": each target needs both name and url");
        }
        return target;
    }

    // A hook: one command or a list of them, kept uninterpolated for the shell.
    std::vector<std::string> command_list(const toml::node& node, const std::string& name) {
        std::vector<std::string> out;
        auto add = [&](const toml::node& item) {
            const auto* s = item.as_string();
            if (!s || util::trim(s->get()).empty()) {
                throw ConfigError(where(m_cfg.file, item, name) + ": must be a non-empty command string");
            }
            out.push_back(s->get());
        };
        if (const auto* arr = node.as_array()) {
            for (const auto& item : *arr) {
                add(item);
            }
        } else {
            add(node);
        }
        return out;
    }

    bool bool_value(const toml::node& node, const std::string& name) {
        const auto* v = node.as_boolean();
        if (!v) {
            throw ConfigError(where(m_cfg.file, node, name) + ": must be true or false");
        }
        return v->get();
    }

    std::string non_empty_string(const toml::node& node, const std::string& name) {
        std::string value = string_value(node, name);
        if (util::trim(value).empty() || value.find('\0') != std::string::npos) {
            throw ConfigError(where(m_cfg.file, node, name) + ": must not be empty");
        }
        return value;
    }

    // Expanded now when it can be; an unset variable is an error only once the URL is used.
    void set_database_url(const toml::node& node, const std::string& name) {
        const auto* s = node.as_string();
        if (!s) {
            throw ConfigError(where(m_cfg.file, node, name) + ": must be a string");
        }
        m_cfg.database_url_origin = where(m_cfg.file, node, name);
        m_cfg.database_base_dir = m_cfg.base_dir;
        try {
            m_cfg.database_url = interpolate(s->get(), m_env, m_cfg.database_url_origin);
            m_cfg.database_url_unset.reset();
        } catch (const UnsetVariableError& e) {
            m_cfg.database_url = s->get();
            m_cfg.database_url_unset = e.what();
        }
    }

    std::string string_value(const toml::node& node, const std::string& name) {
        const auto* s = node.as_string();
        if (!s) {
            throw ConfigError(where(m_cfg.file, node, name) + ": must be a string");
        }
        return interpolate(s->get(), m_env, where(m_cfg.file, node, name));
    }

    std::vector<std::string> string_array(const toml::node& node, const std::string& name) {
        const auto* arr = node.as_array();
        if (!arr) {
            throw ConfigError(where(m_cfg.file, node, name) + ": must be an array of strings");
        }
        std::vector<std::string> out;
        for (const auto& item : *arr) {
            out.push_back(string_value(item, name));
        }
        return out;
    }

    // An integer (seconds when whole_seconds, else milliseconds) or a string such as "5s".
    std::chrono::milliseconds duration_value(const toml::node& node, const std::string& name, bool whole_seconds) {
        if (const auto* i = node.as_integer()) {
            if (i->get() < 0 || i->get() > 86'400'000) {
                throw ConfigError(where(m_cfg.file, node, name) + ": must be between 0 and 86400000");
            }
            return whole_seconds ? std::chrono::seconds(i->get()) : std::chrono::milliseconds(i->get());
        }
        if (node.is_string()) {
            const std::string text = string_value(node, name);
            if (auto d = parse_duration(text)) {
                return *d;
            }
            throw ConfigError(where(m_cfg.file, node, name) + ": invalid duration '" + util::printable(text) +
                              "'; write e.g. \"500ms\", \"5s\", \"2min\" or \"1h\"");
        }
        throw ConfigError(where(m_cfg.file, node, name) + ": must be a duration such as \"5s\"" +
                          (whole_seconds ? " or a number of seconds" : " or a number of milliseconds"));
    }

    Config& m_cfg;
    const EnvLookup& m_env;
};

}  // namespace

namespace {

// Each database's section (db::database_settings()): the session keys it takes, then its own.
std::vector<SectionKeys> database_sections() {
    std::vector<SectionKeys> out;
    for (const db::DatabaseSettings* s : db::database_settings()) {
        SectionKeys section{std::string(s->section), {}};
        if (s->session_keys == db::SessionKeys::taken) {
            section.keys.assign(std::begin(db::k_session_keys), std::end(db::k_session_keys));
        }
        section.keys.insert(section.keys.end(), s->own_keys.begin(), s->own_keys.end());
        out.push_back(std::move(section));
    }
    return out;
}

// [backup]: its own keys, then each database's programs.
SectionKeys backup_section() {
    SectionKeys backup{"backup", {"enabled", "format", "keep", "dir"}};
    for (const db::DatabaseSettings* s : db::database_settings()) {
        for (const db::BackupProgram& p : s->backup_programs) {
            backup.keys.emplace_back(p.key);
        }
    }
    return backup;
}

std::vector<SectionKeys> all_config_keys() {
    std::vector<SectionKeys> keys = {
        {"database", {"url", "connect_timeout"}},
        {"migrations", {"dir", "table", "ignore", "format"}},
        {"tracking", {"store_sql_max"}},
    };
    for (auto& section : database_sections()) {
        keys.push_back(std::move(section));
    }
    keys.push_back(backup_section());
    const std::vector<SectionKeys> rest = {
        {"hooks", {"before_migrate", "after_migrate", "on_failure"}},
        {"dump", {"schema_file"}},
        {"lint", {"disable", "strict"}},
        {"drift", {"ignore", "before_up"}},
        {"impact", {"max_access_exclusive", "max_write_block", "rewrite", "before_up"}},
        {"fleet", {"targets", "targets_file", "targets_command", "schemas", "url", "parallel"}},
    };
    keys.insert(keys.end(), rest.begin(), rest.end());
    return keys;
}

}  // namespace

const std::vector<SectionKeys>& config_keys() {
    static const std::vector<SectionKeys> keys = all_config_keys();
    return keys;
}

std::string BackupConfig::program(std::string_view key) const {
    return db::backup_program_or_default(programs, key);
}

LockRetryConfig Config::lock_retries(std::string_view section) const {
    if (section == "sqlite") {
        LockRetryConfig sqlite = sqlite_lock_retries;
        sqlite.ladder = {busy_timeout};
        return sqlite;
    }
    if (!takes_session_keys(section)) {
        LockRetryConfig off;
        off.enabled = false;
        return off;
    }
    const auto set = server_sessions.find(section);
    return set != server_sessions.end() ? set->second.retries : LockRetryConfig{};
}

Config::SessionLimits Config::session_limits(std::string_view section) const {
    const auto set = server_sessions.find(section);
    return set != server_sessions.end() ? set->second.limits : SessionLimits{};
}

Config default_config(const fs::path& base_dir) {
    Config cfg;
    cfg.base_dir = base_dir;
    cfg.database_base_dir = base_dir;
    cfg.migrations_dir = base_dir / "migrations";
    cfg.backup.dir = base_dir / "backups";
    return cfg;
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
    text = util::trim(text);
    std::size_t i = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        ++i;
    }
    if (i == 0 || i > 9) {
        return std::nullopt;
    }
    const long long n = std::stoll(std::string(text.substr(0, i)));
    const std::string unit = util::to_lower(util::trim(text.substr(i)));
    if (unit == "ms") {
        return std::chrono::milliseconds(n);
    }
    if (unit == "s" || unit == "sec") {
        return std::chrono::seconds(n);
    }
    if (unit == "min" || unit == "m") {
        return std::chrono::minutes(n);
    }
    if (unit == "h") {
        return std::chrono::hours(n);
    }
    return std::nullopt;
}

std::string interpolate(std::string_view value, const EnvLookup& env, const std::string& where_) {
    std::string out;
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] != '$') {
            out += value[i];
            continue;
        }
        if (i + 1 < value.size() && value[i + 1] == '$') {
            out += '$';
            ++i;
            continue;
        }
        if (i + 1 >= value.size() || value[i + 1] != '{') {
            out += '$';
            continue;
        }
        const std::size_t close = value.find('}', i + 2);
        if (close == std::string_view::npos) {
            throw ConfigError(where_ + ": unterminated '${' (write $$ for a literal '$')");
        }
        const std::string_view ref = value.substr(i + 2, close - i - 2);
        const std::size_t dflt = ref.find(":-");
        const std::string name(ref.substr(0, dflt));
        const bool valid = !name.empty() && name.find_first_not_of(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") == std::string::npos;
        if (!valid) {
            throw ConfigError(where_ + ": invalid variable reference '${" + util::printable(ref) + "}'");
        }
        const auto found = env(name);
        if (found && !found->empty()) {
            out += *found;
        } else if (dflt != std::string_view::npos) {
            out += ref.substr(dflt + 2);
        } else {
            throw UnsetVariableError(where_ + ": environment variable " + name +
                              " is not set; set it, or give a default with ${" + name + ":-value}");
        }
        i = close;
    }
    return out;
}

Config parse_config(std::string_view text, const fs::path& file, const std::string& env_name, const EnvLookup& env) {
    Config cfg = default_config(file.parent_path().empty() ? fs::path(".") : file.parent_path());
    cfg.file = file;
    toml::table root;
    try {
        root = toml::parse(text, file.string());
    } catch (const toml::parse_error& e) {
        const auto& src = e.source();
        throw ConfigError(file.filename().string() + ":" + std::to_string(src.begin.line) + ":" +
                          std::to_string(src.begin.column) + ": invalid TOML: " + std::string(e.description()));
    }
    Reader reader(cfg, env);
    reader.apply_root(root, "");
    if (const toml::table* envs = root["env"].as_table()) {
        for (auto&& [name, node] : *envs) {
            if (node.is_table()) {
                cfg.env_names.emplace_back(name.str());
            }
        }
    }
    if (!env_name.empty()) {
        const toml::node* envs = root.get("env");
        const toml::table* overlay = envs && envs->is_table() ? envs->as_table()->get_as<toml::table>(env_name) : nullptr;
        if (!overlay) {
            throw ConfigError(file.filename().string() + ": no [env." + util::printable(env_name) +
                              "] table for the selected environment (--env or SQLMIG_ENV)");
        }
        reader.apply_root(*overlay, "env." + env_name + ".");
    }
    if (auto url = env("DATABASE_URL")) {
        cfg.database_url = *url;
        cfg.database_url_unset.reset();
        cfg.database_url_origin = "DATABASE_URL";
        cfg.database_base_dir = fs::current_path();
    }
    return cfg;
}

std::string config_template() {
    return R"(# sqlmig configuration. Paths are relative to this file's folder.
# Values may use ${VAR} or ${VAR:-default} from the environment;
# DATABASE_URL overrides [database] url, and --database overrides both.

[database]
# SQLite: sqlite:///relative/path.db or sqlite:////absolute/path.db
# PostgreSQL: postgres://user@host:5432/dbname (password from PGPASSWORD or ~/.pgpass)
url = "sqlite:///data/app.db"

[migrations]
dir = "migrations"
table = "sqlmig_migrations"
# ignore = ["*.seed.sql"]
# format = "sqlmig"         # or dbmate, goose, sql-migrate, flyway: read that tool's folder as it is

[sqlite]
busy_timeout = "5s"
# foreign_keys = true       # enforce FOREIGN KEY constraints while migrating (SQLite's default: off)
# extensions = ["lib/ext.so"]

[backup]
# A backup is taken before up/down/redo changes anything (pg_dump, or SQLite's
# backup API); `sqlmig restore FILE --yes` puts one back. --no-backup skips it.
enabled = true
dir = "backups"
keep = 20
# format = "plain"          # PostgreSQL: "custom" (default) or "plain" SQL
# pg_dump = "/usr/lib/postgresql/16/bin/pg_dump"

# [hooks]
# before_migrate = ["./scripts/notify start"]
# after_migrate = ["./scripts/notify done $SQLMIG_TO_VERSION"]
# on_failure = ["./scripts/notify failed"]

# [dump]
# schema_file = "db/schema.sql"   # written after each up/down, for code review

# [env.production.database]
# url = "postgres://app@db.internal/app"
)";
}

}  // namespace sqlmig::config
