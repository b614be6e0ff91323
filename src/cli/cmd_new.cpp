// new NAME: the next pair of migration files.

#include <algorithm>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/files.hpp"
#include "core/discovery.hpp"
#include "util/text.hpp"

namespace sqlmig::cli {

namespace {

// Spaces become '_'; anything that cannot be part of a file name is refused.
std::string checked_name(const std::string& raw) {
    std::string name(util::trim(raw));
    for (char& c : name) {
        if (c == ' ') {
            c = '_';
        }
    }
    const bool control = std::any_of(name.begin(), name.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    });
    if (name.empty() || control || name.find_first_of("/\\") != std::string::npos || name.size() > 200) {
        throw UsageError("invalid migration name '" + util::printable(raw) +
                         "': use a short description without '/' or control characters, e.g. add_email");
    }
    return name;
}

void run_new(Context& ctx, const std::string& raw_name, bool timestamp) {
    const std::string name = checked_name(raw_name);
    const auto& migrations = ctx.catalog().migrations;
    core::Version version;
    if (timestamp) {
        version = *core::Version::parse(utc_now("%Y%m%d%H%M%S"));
        if (!migrations.empty() && !(migrations.back().version < version)) {
            throw UsageError("the timestamp " + version.text() + " is not above the newest version " +
                             migrations.back().version.text() + "; wait a second, or use sequential numbers");
        }
    } else if (migrations.empty()) {
        version = *core::Version::parse("001");
    } else {
        const auto& last = migrations.back().version;
        version = last.next(last.text().size());
    }
    const std::string stem = version.text() + "_" + name;
    std::string why;
    if (!core::parse_file_name(stem + ".up.sql", &why)) {
        throw UsageError("invalid migration name '" + util::printable(raw_name) + "': " + why);
    }
    const auto up = ctx.file_path(stem + ".up.sql");
    const auto down = ctx.file_path(stem + ".down.sql");
    create_new_file(up, "-- " + stem + ": the change\n");
    create_new_file(down, "-- " + stem + ": how to revert it\n");
    std::cout << ctx.file_label(stem + ".up.sql") << '\n' << ctx.file_label(stem + ".down.sql") << '\n';
}

}  // namespace

void setup_new(CLI::App& app, Context& ctx) {
    static std::string name;
    static bool timestamp = false;
    auto* cmd = app.add_subcommand("new", "Create the next pair of migration files");
    cmd->add_option("name", name, "What the migration does, e.g. add_email")->required();
    cmd->add_flag("--timestamp", timestamp, "Use a UTC YYYYMMDDHHMMSS version");
    cmd->callback([&ctx] {
        configure_logging(ctx.options);
        run_new(ctx, name, timestamp);
    });
}

}  // namespace sqlmig::cli
