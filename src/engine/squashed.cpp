#include "engine/squashed.hpp"

#include <spdlog/spdlog.h>

#include "core/squash.hpp"
#include "engine/files.hpp"

namespace sqlmig::engine {

namespace fs = std::filesystem;

namespace {

// A folder nested this deep is a loop of links, not a squash a level.
constexpr int k_max_levels = 64;

// One level's migrations, their file names relative to the migrations folder; nothing when the
// level cannot be read as a folder.
std::vector<core::Migration> read_level(Context& ctx, const fs::path& relative) {
    const auto& cfg = ctx.config();
    const fs::path dir = cfg.migrations_dir / relative;
    core::Catalog level;
    try {
        level = core::discover(list_folder(dir).files, cfg.ignore, cfg.format);
        mark_baselines(dir, level);
    } catch (const Error& e) {
        spdlog::warn("{}: not read ({})", ctx.file_label(relative.string()), e.what());
        return {};
    }
    for (const auto& problem : level.errors) {
        spdlog::warn("{}: {}", ctx.file_label(relative.string()), problem.text());
    }
    for (auto& m : level.migrations) {
        m.up_file = (relative / m.up_file).string();
        if (m.down_file) {
            m.down_file = (relative / *m.down_file).string();
        }
    }
    return std::move(level.migrations);
}

}  // namespace

SquashedFiles::SquashedFiles(Context& ctx) : m_ctx(ctx) {
    fs::path relative = core::k_squashed_folder;
    std::error_code ec;
    for (int depth = 0; depth < k_max_levels && fs::is_directory(ctx.config().migrations_dir / relative, ec);
         ++depth) {
        for (auto& m : read_level(ctx, relative)) {
            m_files.push_back(std::move(m));
        }
        relative /= core::k_squashed_folder;
    }
}

std::vector<const core::Migration*> SquashedFiles::of(const core::Version& version) const {
    std::vector<const core::Migration*> found;
    for (const auto& m : m_files) {
        if (m.version == version && !m.version.is_repeatable()) {
            found.push_back(&m);
        }
    }
    return found;
}

const core::Migration* SquashedFiles::applied_as(const core::Version& version, const std::string& checksum) {
    for (const core::Migration* m : of(version)) {
        auto [it, added] = m_checksums.try_emplace(m);
        if (added) {
            try {
                it->second = m_ctx.up_checksum(*m);
            } catch (const MigrationFileError& e) {
                spdlog::warn("{}", e.what());  // a file that cannot be read matches nothing
            }
        }
        if (it->second == checksum) {
            return m;
        }
    }
    return nullptr;
}

}  // namespace sqlmig::engine
