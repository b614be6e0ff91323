// init: a starting config.toml and migrations/ folder; never overwrites.

#include <filesystem>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/files.hpp"
#include "config/config.hpp"

namespace sqlmig::cli {

namespace fs = std::filesystem;

namespace {

void run_init(Context& ctx) {
    const fs::path config_file = ctx.options.config_path;
    const fs::path base = config_file.parent_path().empty() ? fs::path(".") : config_file.parent_path();
    const fs::path migrations = ctx.options.dir ? fs::path(*ctx.options.dir) : base / "migrations";
    std::error_code ec;
    if (fs::exists(config_file, ec)) {
        std::cout << "exists:  " << config_file.string() << " (left as it is)\n";
    } else {
        fs::create_directories(base, ec);
        create_new_file(config_file, config::config_template());  // O_EXCL: never overwrites
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
