#include "core/schema_diff.hpp"

namespace sqlmig::core {

std::vector<std::string> schema_diff(const std::vector<std::string>& before, const std::vector<std::string>& after) {
    std::vector<std::string> out;
    std::size_t i = 0, j = 0;
    while (i < before.size() || j < after.size()) {
        if (j < after.size() && (i == before.size() || after[j] < before[i])) {
            out.push_back("- " + after[j++]);
        } else if (i < before.size() && (j == after.size() || before[i] < after[j])) {
            out.push_back("+ " + before[i++]);
        } else {
            ++i;
            ++j;
        }
    }
    return out;
}

}  // namespace sqlmig::core
