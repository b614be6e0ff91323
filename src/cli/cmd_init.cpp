// init: a starting config.toml and migrations/ folder, and a .gitignore for what sqlmig
// writes beside them; never overwrites. In a project another tool set up, the config
// names that tool's folder and format.

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include "cli/commands.hpp"
#include "engine/files.hpp"
#include "config/config.hpp"
#include "db/backend.hpp"
#include "util/text.hpp"

namespace sqlmig::cli {

using namespace engine;

namespace fs = std::filesystem;

namespace {

// Where the tools keep their folders by default: sqlmig, golang-migrate and sql-migrate
// (migrations), dbmate (db/migrations), Flyway (db/migration, and Maven's and Gradle's
// src/main/resources/db/migration).
const char* const k_usual_folders[] = {"migrations", "db/migrations", "db/migration",
                                       "src/main/resources/db/migration"};

// The folder init uses: --dir, else the first usual one that exists, else migrations/.
fs::path migrations_folder(const Context& ctx, const fs::path& base) {
    if (ctx.options.dir) {
        return fs::path(*ctx.options.dir);
    }
    std::error_code ec;
    for (const char* folder : k_usual_folders) {
        if (fs::is_directory(base / folder, ec)) {
            return base / folder;
        }
    }
    return base / "migrations";
}

// Replaces the template's line starting with `prefix` by `line`.
void set_template_line(std::string& text, std::string_view prefix, const std::string& line) {
    const auto at = text.find("\n" + std::string(prefix));
    if (at == std::string::npos) {
        return;
    }
    const auto end = text.find('\n', at + 1);
    text.replace(at + 1, end - at - 1, line);
}

// The starting config, naming the folder and, when it is another tool's, its format.
std::string starting_config(const fs::path& base, const fs::path& migrations) {
    std::string text = config::config_template();
    const fs::path relative = migrations.lexically_relative(base);
    if (!relative.empty() && relative != "migrations" && *relative.begin() != "..") {
        set_template_line(text, "dir = ", "dir = \"" + relative.generic_string() + "\"");
    }
    if (const auto looks = detect_folder_format(migrations)) {
        const std::string name = core::format_name(looks->format);
        std::cout << "found:   " << migrations.string() << "/ looks like a "
                  << (looks->format == core::Format::sqlmig ? "golang-migrate" : name) << " folder (" << looks->evidence
                  << ")\n";
        if (looks->format != core::Format::sqlmig) {
            set_template_line(
                text, "# format = ",
                "format = \"" + name + "\"   # found by sqlmig init: " + util::printable(looks->evidence));
        }
    }
    return text;
}

// What sqlmig writes that does not belong in git, as .gitignore lines relative to base:
// the backup folder (full copies of the data), the SQLite database with its journal
// and lock file. Paths outside base are left out.
std::vector<std::string> ignored_paths(Context& ctx, const fs::path& base) {
    std::vector<std::string> lines;
    const auto add = [&](const fs::path& path, const std::string& suffix) {
        const fs::path relative =
            fs::absolute(path).lexically_normal().lexically_relative(fs::absolute(base).lexically_normal());
        if (!relative.empty() && *relative.begin() != ".." && relative != ".") {
            lines.push_back("/" + relative.generic_string() + suffix);
        }
    };
    try {
        const config::Config& cfg = ctx.config();
        add(cfg.backup.dir, "/");
        const core::DatabaseUrl url = db::parse_database_url(cfg.database_url, cfg.database_base_dir);
        if (!url.file.empty() && url.file != ":memory:") {
            for (const char* suffix : {"", "-journal", "-wal", "-shm", "-sqlmig-lock"}) {
                add(url.file, suffix);
            }
        }
    } catch (const Error& e) {
        spdlog::warn("the config cannot be read ({}); .gitignore gets backups/ only", util::first_line(e.what()));
        lines = {"/backups/"};
    }
    return lines;
}

// Adds to the .gitignore the lines it does not have yet ("backups/" and "/backups/" are one).
void extend_gitignore(const fs::path& file, const std::vector<std::string>& wanted) {
    std::string text;
    std::error_code ec;
    const bool existed = fs::exists(file, ec);
    if (existed) {
        std::ifstream in(file, std::ios::binary);
        text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    const auto key = [](std::string_view line) {
        line = util::trim(line);
        return std::string(line.substr(!line.empty() && line.front() == '/' ? 1 : 0));
    };
    std::vector<std::string> have;
    for (const auto& line : util::split(text, '\n')) {
        have.push_back(key(line));
    }
    std::string added;
    for (const auto& line : wanted) {
        if (std::find(have.begin(), have.end(), key(line)) == have.end()) {
            added += line + "\n";
            have.push_back(key(line));
        }
    }
    if (added.empty()) {
        std::cout << "exists:  " << file.string() << " (has what sqlmig writes)\n";
        return;
    }
    if (!text.empty() && text.back() != '\n') {
        text += '\n';
    }
    text += (text.empty() ? "" : "\n") +
            std::string("# sqlmig: backups (full copies of the data), the SQLite database, its lock\n") + added;
    write_file_atomically(file, text, {0644, true});
    std::string names = std::string(util::trim(added));
    std::replace(names.begin(), names.end(), '\n', ' ');
    std::cout << (existed ? "updated: " : "created: ") << file.string() << " (" << names << ")\n";
}

void run_init(Context& ctx) {
    const fs::path config_file = ctx.options.config_path;
    const fs::path base = config_file.parent_path().empty() ? fs::path(".") : config_file.parent_path();
    const fs::path migrations = migrations_folder(ctx, base);
    std::error_code ec;
    if (fs::exists(config_file, ec)) {
        std::cout << "exists:  " << config_file.string() << " (left as it is)\n";
    } else {
        fs::create_directories(base, ec);
        create_new_file(config_file, starting_config(base, migrations));  // O_EXCL: never overwrites
        std::cout << "created: " << config_file.string() << '\n';
    }
    if (fs::is_directory(migrations, ec)) {
        std::cout << "exists:  " << migrations.string() << "/\n";
    } else if (fs::create_directories(migrations, ec); ec) {
        throw MigrationFileError("cannot create " + migrations.string() + ": " + ec.message());
    } else {
        std::cout << "created: " << migrations.string() << "/\n";
    }
    extend_gitignore(base / ".gitignore", ignored_paths(ctx, base));
}

}  // namespace

void setup_init(CLI::App& app, Context& ctx) {
    app.add_subcommand("init", "Create config.toml, migrations/ and .gitignore entries where missing")
        ->callback([&ctx] {
            run_init(ctx);
        });
}

}  // namespace sqlmig::cli
