#include "core/schema_diff.hpp"

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
