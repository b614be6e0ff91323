#pragma once
// Checksums of many migration files at once, for validation: on a few threads, and
// through the stat-keyed cache of core/checksum_cache.hpp for large folders.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace sqlmig::cli {

// Folders with fewer files to hash than this are hashed without the cache:
// a few hundred small files take about a millisecond, not worth a file in ~/.cache.
inline constexpr std::size_t k_cache_min_files = 200;

// Where the cache of folder lives: $SQLMIG_CACHE_DIR, else $XDG_CACHE_HOME/sqlmig,
// else $HOME/.cache/sqlmig, in a file named after the folder's absolute path.
// nullopt when SQLMIG_CACHE_DIR is "off" or not absolute, or no home is known.
std::optional<std::filesystem::path> checksum_cache_file(const std::filesystem::path& folder);

// "sha256:<hex>" of each named file of folder, in the order of names.
// Throws MigrationFileError naming a file that cannot be read.
std::vector<std::string> folder_checksums(const std::filesystem::path& folder, const std::vector<std::string>& names);

}  // namespace sqlmig::cli
