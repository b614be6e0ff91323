#include "core/version.hpp"

#include <algorithm>

namespace sqlmig::core {

std::optional<Version> Version::parse(std::string_view text) {
    if (text.empty() || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
    }
    Version v;
    v.m_text = std::string(text);
    const auto first_nonzero = text.find_first_not_of('0');
    v.m_canonical = first_nonzero == std::string_view::npos ? "0" : std::string(text.substr(first_nonzero));
    return v;
}

Version Version::next(std::size_t width) const {
    std::string digits = m_canonical;
    int i = static_cast<int>(digits.size()) - 1;
    while (i >= 0 && digits[static_cast<std::size_t>(i)] == '9') {
        digits[static_cast<std::size_t>(i)] = '0';
        --i;
    }
    if (i < 0) {
        digits.insert(digits.begin(), '1');
    } else {
        ++digits[static_cast<std::size_t>(i)];
    }
    if (digits.size() < width) {
        digits.insert(0, width - digits.size(), '0');
    }
    return *parse(digits);
}

}  // namespace sqlmig::core
