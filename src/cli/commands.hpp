#pragma once
// One setup_ function per command file; each adds its subcommand(s) to the app.
// Callbacks throw sqlmig::Error; main() turns it into a message and an exit code.

#include <CLI/CLI.hpp>

#include "engine/context.hpp"

namespace sqlmig::cli {

void setup_init(CLI::App& app, engine::Context& ctx);
void setup_new(CLI::App& app, engine::Context& ctx);
void setup_migrate(CLI::App& app, engine::Context& ctx);   // up, down, redo
void setup_inspect(CLI::App& app, engine::Context& ctx);   // status, current, history, validate, check
void setup_stamp(CLI::App& app, engine::Context& ctx);     // stamp, repair
void setup_adopt(CLI::App& app, engine::Context& ctx);
void setup_backup(CLI::App& app, engine::Context& ctx);    // backup, backups, restore
void setup_lint(CLI::App& app, engine::Context& ctx);
void setup_verify(CLI::App& app, engine::Context& ctx);
void setup_drift(CLI::App& app, engine::Context& ctx);
void setup_squash(CLI::App& app, engine::Context& ctx);
void setup_impact(CLI::App& app, engine::Context& ctx);
void setup_completion(CLI::App& app, engine::Context& ctx);  // completion bash|zsh|fish, and its helper

void setup_fleet(CLI::App& app, engine::Context& ctx);      // fleet up|down|status|check|validate|report

}  // namespace sqlmig::cli
