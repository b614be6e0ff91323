#include "cli/output.hpp"

#include <algorithm>
#include <cstdio>
#include <iostream>

namespace sqlmig::cli {

namespace {
std::size_t display_width(const std::string& s) {
    return static_cast<std::size_t>(
        std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}
}  // namespace

void print_table(const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> widths;
    for (const auto& row : rows) {
        widths.resize(std::max(widths.size(), row.size()));
        for (std::size_t i = 0; i < row.size(); ++i) {
            widths[i] = std::max(widths[i], display_width(row[i]));
        }
    }
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i) {
            line += row[i];
            if (i + 1 < row.size()) {
                line.append(widths[i] - display_width(row[i]) + 2, ' ');
            }
        }
        while (!line.empty() && line.back() == ' ') {
            line.pop_back();
        }
        std::cout << line << '\n';
    }
}

void print_json(const util::Json& doc) {
    std::cout << doc.dump(2) << std::endl;
}

std::string display_version(const core::StatusEntry& entry) {
    return entry.migration ? entry.migration->version.text() : entry.version.canonical();
}

util::Json current_json(const core::Status& status) {
    return status.current ? util::Json(status.display(*status.current)) : util::Json(nullptr);
}

std::string current_text(const core::Status& status) {
    return status.current ? status.display(*status.current) : "none";
}

}  // namespace sqlmig::cli
