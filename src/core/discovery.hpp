#pragma once
// Turns the file names of a migrations folder into an ordered catalog.
// Pure: the caller lists the folder and passes the names in.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/format.hpp"
#include "core/migration.hpp"

namespace sqlmig::core {

enum class Direction { up, down };

// Parses one file name of sqlmig's own format (core::parse_name with Format::sqlmig).
std::optional<ParsedName> parse_file_name(std::string_view file_name, std::string* why);

// What makes a folder unusable, and the lint rule that reports it.
enum class FolderRule { bad_file_name, duplicate_version, down_without_up };

// One problem of a folder: about one of its files, or about the folder (a message that names files).
struct FolderProblem {
    std::string file;  // as printed, inside the folder; empty: the folder itself
    std::string message;
    FolderRule rule = FolderRule::bad_file_name;
    std::string text() const { return file.empty() ? message : file + ": " + message; }
    bool operator==(const FolderProblem&) const = default;
};

// The folder's migrations in version order, and every problem found.
struct Catalog {
    std::vector<Migration> migrations;
    std::vector<FolderProblem> errors;  // any error makes the folder unusable
    std::vector<std::string> warnings;  // e.g. up and down names differ
};

// Builds the catalog from the folder's file names, read as the format names them.
// Names matching an ignore pattern (fnmatch glob or exact name) are skipped.
Catalog discover(std::vector<std::string> file_names, const std::vector<std::string>& ignore_patterns,
                 Format format = Format::sqlmig);

// Whether a folder entry of this name is read as a migration: not ignored, and
// a migration candidate for parse_name (well named or not).
bool is_migration_candidate(std::string_view file_name, const std::vector<std::string>& ignore_patterns,
                            Format format = Format::sqlmig);

// Finds a migration by version; nullptr when absent.
const Migration* find_migration(const std::vector<Migration>& migrations, const Version& version);

}  // namespace sqlmig::core
