// The config loader with ${VAR} interpolation and [env.NAME] overlays.
// Properties: every bad input is a ConfigError (never another exception, a crash
// or a hang); a value that parses interpolates the same way twice.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "config/config.hpp"
#include "util/error.hpp"

namespace {

std::optional<std::string> env(const std::string& name) {
    if (name == "HOME") {
        return "/home/app";
    }
    if (name == "EMPTY") {
        return "";
    }
    if (name == "DOLLAR") {
        return "${HOME}";  // never expanded again
    }
    return std::nullopt;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    for (const char* env_name : {"", "prod"}) {
        try {
            const auto cfg = sqlmig::config::parse_config(text, "/srv/app/config.toml", env_name, env);
            if (cfg.base_dir != "/srv/app") {
                std::abort();
            }
        } catch (const sqlmig::ConfigError&) {
            // expected for most inputs
        }
    }
    try {
        const std::string once = sqlmig::config::interpolate(text, env, "fuzz");
        if (once != sqlmig::config::interpolate(text, env, "fuzz")) {
            std::abort();
        }
    } catch (const sqlmig::ConfigError&) {
    }
    (void)sqlmig::config::parse_duration(text);
    return 0;
}
