#pragma once
// [hooks]: shell commands run around a run that executes migrations, from the
// config file's folder, with the run described in SQLMIG_* variables. Their
// output goes to stderr (stdout stays clean for --json).

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace sqlmig::engine {

struct HookEnvironment {
    std::string direction;     // up, down, redo, restore
    std::string from_version;  // "" when none was applied
    std::string to_version;    // "" when none will be applied
    std::string backup_file;   // "" before the backup, or without one
    std::string database_url;  // as configured, password included: hooks may need to connect
    std::string error;         // on_failure: what failed
    std::string target;        // the fleet target's name, "" outside `sqlmig fleet`
};

// Runs the commands in order until one fails. Returns what failed
// ("before_migrate hook 'cmd' exited with status 3"), or nullopt when all succeeded.
std::optional<std::string> run_hooks(const char* stage, const std::vector<std::string>& commands,
                                     const HookEnvironment& env, const std::filesystem::path& cwd);

}  // namespace sqlmig::engine
