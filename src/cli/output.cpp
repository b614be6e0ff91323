#include "cli/output.hpp"

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "util/text.hpp"

namespace sqlmig::cli {

namespace {

bool g_table_colour = false;

const char* ansi_of(Tone tone) {
    switch (tone) {
    case Tone::plain: return "";
    case Tone::good: return "\x1b[32m";
    case Tone::waiting: return "\x1b[33m";
    case Tone::bad: return "\x1b[1;31m";
    }
    return "";
}

}  // namespace

void set_table_colour(bool on) {
    g_table_colour = on;
}

Tone state_tone(std::string_view text) {
    if (text.find('(') != std::string_view::npos) {
        return Tone::bad;  // "2026-... (failed)" in history, "pending (out of order)" in status
    }
    if (text.starts_with("applied") || text == "migrated" || text == "reverted" || text == "unchanged" ||
        text == "at head") {
        return Tone::good;
    }
    if (text.starts_with("pending") || text == "behind") {
        return Tone::waiting;
    }
    for (const std::string_view bad : {"failed", "running", "reverting", "modified", "missing", "drift", "refused",
                                   "locked", "unreachable", "error", "not started"}) {
        if (text.starts_with(bad)) {
            return Tone::bad;
        }
    }
    return Tone::plain;
}

void print_table(std::span<const std::string_view> cells, std::size_t columns, std::size_t tone_column) {
    const auto display_width = [](std::string_view s) { return util::char_count(s); };
    std::vector<std::size_t> widths(columns, 0);
    for (std::size_t i = 0; i < cells.size(); ++i) {
        widths[i % columns] = std::max(widths[i % columns], display_width(cells[i]));
    }
    // Written in blocks of about 64 KiB: a table of 10,000 rows is 160 writes, not 10,000.
    constexpr std::size_t k_block = 64 * 1024;
    std::string out;
    out.reserve(k_block + 1024);
    for (std::size_t row = 0; row * columns < cells.size(); ++row) {
        for (std::size_t col = 0; col < columns && row * columns + col < cells.size(); ++col) {
            const std::string_view cell = cells[row * columns + col];
            const char* tone = g_table_colour && col == tone_column && row > 0 ? ansi_of(state_tone(cell)) : "";
            out += tone;
            out += cell;
            if (*tone) {
                out += "\x1b[0m";
            }
            out.append(widths[col] - display_width(cell) + 2, ' ');
        }
        while (!out.empty() && out.back() == ' ') {
            out.pop_back();
        }
        out += '\n';
        if (out.size() >= k_block) {
            std::cout.write(out.data(), static_cast<std::streamsize>(out.size()));
            out.clear();
        }
    }
    std::cout.write(out.data(), static_cast<std::streamsize>(out.size()));
}

void print_table(const std::vector<std::vector<std::string>>& rows, std::size_t tone_column) {
    std::size_t columns = 0;
    for (const auto& row : rows) {
        columns = std::max(columns, row.size());
    }
    std::vector<std::string_view> cells;
    cells.reserve(rows.size() * columns);
    for (const auto& row : rows) {
        cells.insert(cells.end(), row.begin(), row.end());
        cells.resize(cells.size() + columns - row.size());  // short rows end in empty cells
    }
    print_table(cells, columns, tone_column);
}

namespace {
bool g_json_printed = false;
}  // namespace

void print_json(const util::Json& doc) {
    std::cout << doc.dump(2) << std::endl;
    g_json_printed = true;
}

bool json_printed() {
    return g_json_printed;
}

}  // namespace sqlmig::cli
