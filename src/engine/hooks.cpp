#include "engine/hooks.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <system_error>

#include "util/process.hpp"
#include "util/text.hpp"

namespace sqlmig::engine {

std::optional<std::string> run_hooks(const char* stage, const std::vector<std::string>& commands,
                                     const HookEnvironment& env, const std::filesystem::path& cwd) {
    const std::vector<std::pair<std::string, std::string>> vars = {
        {"SQLMIG_HOOK", stage},
        {"SQLMIG_DIRECTION", env.direction},
        {"SQLMIG_FROM_VERSION", env.from_version},
        {"SQLMIG_TO_VERSION", env.to_version},
        {"SQLMIG_BACKUP_FILE", env.backup_file},
        {"SQLMIG_DATABASE_URL", env.database_url},
        {"SQLMIG_ERROR", env.error},
        {"SQLMIG_TARGET", env.target},
    };
    for (const auto& command : commands) {
        // Logged as written: variables are expanded by the shell, so no secret reaches the log.
        const std::string label = std::string(stage) + " hook '" + util::printable(util::shorten(command, 200)) + "'";
        spdlog::info("running {}", label);
        util::ProcessResult result;
        try {
            result = util::run_process({{"/bin/sh", "-c", command}, vars, cwd, STDERR_FILENO, false});
        } catch (const std::system_error& e) {
            return "cannot run " + label + ": " + e.code().message();
        }
        if (!result.ok()) {
            return label + " " + result.describe();
        }
    }
    return std::nullopt;
}

}  // namespace sqlmig::engine
