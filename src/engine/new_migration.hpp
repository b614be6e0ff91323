#pragma once
// new NAME: the next migration's files, in the folder's format.

#include <string>
#include <vector>

#include "engine/context.hpp"

namespace sqlmig::engine {

// How the next version is numbered: the folder's last + 1, or the UTC time (YYYYMMDDHHMMSS).
enum class VersionStyle { next_number, timestamp };

// Writes the next migration's files (never over an existing file) and returns them as shown.
// A name that cannot be part of a file name is a UsageError, and nothing is written.
std::vector<std::string> create_migration(Context& ctx, const std::string& raw_name, VersionStyle style);

}  // namespace sqlmig::engine
