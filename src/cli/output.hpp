#pragma once
// Printing command results: aligned text tables for people, JSON for tools.
// Data goes to stdout; logs and errors go to stderr.

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/plan.hpp"
#include "util/json.hpp"

namespace sqlmig::cli {

// Prints rows as left-aligned columns; the first row is the header.
void print_table(const std::vector<std::vector<std::string>>& rows);
// The same for `columns` cells a row, row after row: no string per cell for 10,000 rows.
void print_table(std::span<const std::string_view> cells, std::size_t columns);

// Prints a JSON document followed by a newline.
void print_json(const util::Json& doc);
// Whether print_json has printed a document in this process.
bool json_printed();

// The current version for display, or null/"none".
util::Json current_json(const core::Status& status);
std::string current_text(const core::Status& status);

// The version of an entry as people know it: the file's spelling when there is a file.
const std::string& display_version(const core::StatusEntry& entry);

}  // namespace sqlmig::cli
