#pragma once
// Checksums of many migration files at once, for validation: on a few threads, and
// through the stat-keyed cache of core/checksum_cache.hpp for large folders.

#include <filesystem>
#include <string>
#include <vector>

#include "core/format.hpp"

namespace sqlmig::engine {

// Folders with fewer files to hash than this are hashed without the cache:
// a few hundred small files take about a millisecond, not worth a file in ~/.cache.
inline constexpr std::size_t k_cache_min_files = 200;

// "sha256:<hex>" of each named file of folder, in the order of names. The cache lives in
// $SQLMIG_CACHE_DIR, else $XDG_CACHE_HOME/sqlmig, else $HOME/.cache/sqlmig (docs/migrations.md).
// Throws MigrationFileError naming a file that cannot be read.
// In a format with sections, the checksum is the up section's (engine/files.hpp script_checksum).
std::vector<std::string> folder_checksums(const std::filesystem::path& folder, const std::vector<std::string>& names,
                                          core::Format format = core::Format::sqlmig);

}  // namespace sqlmig::engine
