#include "core/schema_diff.hpp"

#include "core/checksum.hpp"

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

}  // namespace sqlmig::core
