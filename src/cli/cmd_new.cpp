// new NAME: parse, call the engine (src/engine/new_migration.cpp), print the files it wrote.

#include <iostream>
#include <memory>

#include "cli/commands.hpp"
#include "engine/new_migration.hpp"

namespace sqlmig::cli {

using namespace engine;

namespace {

void run_new(Context& ctx, const std::string& name, bool timestamp) {
    const VersionStyle style = timestamp ? VersionStyle::timestamp : VersionStyle::next_number;
    for (const auto& file : create_migration(ctx, name, style)) {
        std::cout << file << '\n';
    }
}

}  // namespace

void setup_new(CLI::App& app, Context& ctx) {
    const auto name = std::make_shared<std::string>();
    const auto timestamp = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand("new", "Create the next migration's files, in the folder's format");
    cmd->add_option("name", *name, "What the migration does, e.g. add_email")->required();
    cmd->add_flag("--timestamp", *timestamp, "Use a UTC YYYYMMDDHHMMSS version");
    cmd->callback([&ctx, name, timestamp] {
        run_new(ctx, *name, *timestamp);
    });
}

}  // namespace sqlmig::cli
