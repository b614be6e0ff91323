#include "cli/output.hpp"

#include <algorithm>
#include <cstdio>
#include <iostream>

namespace sqlmig::cli {

namespace {
std::size_t display_width(std::string_view s) {
    return static_cast<std::size_t>(
        std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}
}  // namespace

void print_table(std::span<const std::string_view> cells, std::size_t columns) {
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
            out += cell;
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

void print_table(const std::vector<std::vector<std::string>>& rows) {
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
    print_table(cells, columns);
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

const std::string& display_version(const core::StatusEntry& entry) {
    return entry.migration ? entry.migration->version.text() : entry.version.canonical();
}

util::Json current_json(const core::Status& status) {
    return status.current ? util::Json(status.display(*status.current)) : util::Json(nullptr);
}

std::string current_text(const core::Status& status) {
    return status.current ? status.display(*status.current) : "none";
}

}  // namespace sqlmig::cli
