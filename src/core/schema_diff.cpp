#include "core/schema_diff.hpp"

#include "core/checksum.hpp"

#include <algorithm>
#include <cctype>

namespace sqlmig::core {

std::vector<std::string> schema_diff(const std::vector<std::string>& plus, const std::vector<std::string>& minus) {
    std::vector<std::string> out;
    std::size_t i = 0, j = 0;
    while (i < plus.size() || j < minus.size()) {
        if (j < minus.size() && (i == plus.size() || minus[j] < plus[i])) {
            out.push_back("- " + minus[j++]);
        } else if (i < plus.size() && (j == minus.size() || plus[i] < minus[j])) {
            out.push_back("+ " + plus[i++]);
        } else {
            ++i;
            ++j;
        }
    }
    return out;
}

}  // namespace sqlmig::core

namespace sqlmig::core {

std::string lines_fingerprint(const std::vector<std::string>& lines) {
    std::string text;
    for (const auto& line : lines) {
        text += std::to_string(line.size());
        text += ':';
        // checksum_of() reads CR LF as LF (a file's checksum ignores line endings): a CR is
        // written as "\r" here, and a backslash doubled, so that no two lists hash the same text.
        for (const char c : line) {
            if (c == '\r') {
                text += "\\r";
            } else if (c == '\\') {
                text += "\\\\";
            } else {
                text += c;
            }
        }
        text += '\n';
    }
    return checksum_of(text);
}

namespace {

bool identifier_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' || static_cast<unsigned char>(c) >= 0x80;
}

std::string without_qualifier(const std::string& line, const std::string& qualifier) {
    std::string out;
    std::size_t from = 0;
    for (std::size_t at = line.find(qualifier); at != std::string::npos; at = line.find(qualifier, at + 1)) {
        if (at > 0 && (identifier_char(line[at - 1]) || line[at - 1] == '.' || line[at - 1] == '"')) {
            continue;  // the end of another name: "xtenant.", "other.tenant."
        }
        out.append(line, from, at - from);
        from = at + qualifier.size();
    }
    out.append(line, from, std::string::npos);
    return out;
}

}  // namespace

std::vector<std::string> unqualified_lines(std::vector<std::string> lines, const std::string& schema) {
    const std::string own_line = "schema " + schema;
    std::erase(lines, own_line);
    for (auto& line : lines) {
        line = without_qualifier(line, schema + ".");
    }
    std::sort(lines.begin(), lines.end());
    return lines;
}

}  // namespace sqlmig::core
