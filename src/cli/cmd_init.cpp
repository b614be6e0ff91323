// init: a starting config.toml and migrations/ folder; never overwrites.

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "cli/commands.hpp"
#include "config/config.hpp"

namespace sqlmig::cli {

namespace fs = std::filesystem;

namespace {

void run_init(Context& ctx) {
    const fs::path config_file = ctx.options.config_path;
    const fs::path base = config_file.parent_path().empty() ? fs::path(".") : config_file.parent_path();
    const fs::path migrations = ctx.options.dir.empty() ? base / "migrations" : fs::path(ctx.options.dir);
    std::error_code ec;
    if (fs::exists(config_file, ec)) {
        std::cout << "exists:  " << config_file.string() << " (left as it is)\n";
    } else {
        fs::create_directories(base, ec);
        // O_EXCL: never overwrite, even if the file appeared since the check.
        const int fd = ::open(config_file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0) {
            throw ConfigError("cannot create " + config_file.string() + ": " + std::strerror(errno));
        }
        const std::string text = config::config_template();
        const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
        ::close(fd);
        if (!ok) {
            throw ConfigError("cannot write " + config_file.string());
        }
        std::cout << "created: " << config_file.string() << '\n';
    }
    if (fs::is_directory(migrations, ec)) {
        std::cout << "exists:  " << migrations.string() << "/\n";
    } else if (fs::create_directories(migrations, ec); ec) {
        throw MigrationFileError("cannot create " + migrations.string() + ": " + ec.message());
    } else {
        std::cout << "created: " << migrations.string() << "/\n";
    }
}

}  // namespace

void setup_init(CLI::App& app, Context& ctx) {
    app.add_subcommand("init", "Create config.toml and migrations/ where missing")->callback([&ctx] {
        configure_logging(ctx.options);
        run_init(ctx);
    });
}

}  // namespace sqlmig::cli
