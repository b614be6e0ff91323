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

// How a table cell is coloured on a terminal; the text itself always says the same
// (applied, pending, failed...), so nothing depends on the colour.
enum class Tone { plain, good, waiting, bad };

// Whether tables are coloured (configure_logging decides: --color, NO_COLOR, a terminal).
void set_table_colour(bool on);

// The tone of a status or history cell from its text: "applied" good, "pending" waiting,
// failed, running, modified, missing and anything in parentheses bad, the rest plain.
Tone state_tone(std::string_view text);

// Prints rows as left-aligned columns; the first row is the header. Cells of
// tone_column (not the header's) are coloured by state_tone() when colour is on.
inline constexpr std::size_t k_no_tone_column = static_cast<std::size_t>(-1);
void print_table(const std::vector<std::vector<std::string>>& rows, std::size_t tone_column = k_no_tone_column);
// The same for `columns` cells a row, row after row: no string per cell for 10,000 rows.
void print_table(std::span<const std::string_view> cells, std::size_t columns,
                 std::size_t tone_column = k_no_tone_column);

// Prints a JSON document followed by a newline.
void print_json(const util::Json& doc);
// Whether print_json has printed a document in this process.
bool json_printed();

}  // namespace sqlmig::cli
