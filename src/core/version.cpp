#include "core/version.hpp"

#include <algorithm>

namespace sqlmig::core {

namespace {

bool all_digits(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string without_leading_zeros(std::string_view digits) {
    const auto first_nonzero = digits.find_first_not_of('0');
    return first_nonzero == std::string_view::npos ? "0" : std::string(digits.substr(first_nonzero));
}

}  // namespace

std::optional<Version> Version::parse(std::string_view text) {
    if (!all_digits(text)) {
        return std::nullopt;
    }
    Version v;
    v.m_text = std::string(text);
    v.m_first = without_leading_zeros(text);
    v.m_canonical = v.m_first;
    return v;
}

std::optional<Version> Version::parse_dotted(std::string_view text) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
        const std::size_t sep = text.find_first_of("._", start);
        const std::string_view part = text.substr(start, sep == std::string_view::npos ? sep : sep - start);
        if (!all_digits(part)) {
            return std::nullopt;
        }
        parts.push_back(without_leading_zeros(part));
        if (sep == std::string_view::npos) {
            break;
        }
        start = sep + 1;
    }
    while (parts.size() > 1 && parts.back() == "0") {
        parts.pop_back();
    }
    Version v;
    v.m_text = std::string(text);
    v.m_first = parts.front();
    v.m_rest.assign(parts.begin() + 1, parts.end());
    v.m_canonical = v.m_first;
    for (const auto& p : v.m_rest) {
        v.m_canonical += "." + p;
    }
    return v;
}

Version Version::of_file_name(std::string_view file_name) {
    Version v;
    const std::size_t digits = std::min(file_name.find_first_not_of("0123456789"), file_name.size());
    v.m_kind = digits == 0 ? Kind::unnumbered : Kind::numbered;
    v.m_first = digits == 0 ? "" : without_leading_zeros(file_name.substr(0, digits));
    v.m_text = std::string(file_name);
    v.m_canonical = v.m_text;
    v.m_name = v.m_text;
    return v;
}

Version Version::repeatable(std::string_view description) {
    Version v;
    v.m_kind = Kind::repeatable;
    v.m_name = std::string(description);
    v.m_text = "R__" + v.m_name;
    v.m_canonical = v.m_text;
    return v;
}

std::optional<Version> Version::parse_stored(std::string_view text) {
    if (all_digits(text)) {
        return parse(text);
    }
    if (text.size() > 3 && text.substr(0, 3) == "R__") {
        return repeatable(text.substr(3));
    }
    if (text.size() > 4 && text.substr(text.size() - 4) == ".sql") {
        return of_file_name(text);
    }
    auto dotted = parse_dotted(text);
    if (dotted && text.find('_') == std::string_view::npos) {
        return dotted;
    }
    return std::nullopt;
}

std::string Version::display() const {
    if (m_kind != Kind::numbered || !m_name.empty()) {
        return m_text;  // sql-migrate's file names and Flyway's repeatables, as written
    }
    std::string shown = m_text;
    std::replace(shown.begin(), shown.end(), '_', '.');
    return shown;
}

std::strong_ordering Version::compare_rest(const Version& other) const {
    static const std::string zero = "0";
    const std::size_t n = std::max(m_rest.size(), other.m_rest.size());
    for (std::size_t i = 0; i < n; ++i) {
        const std::string& a = i < m_rest.size() ? m_rest[i] : zero;
        const std::string& b = i < other.m_rest.size() ? other.m_rest[i] : zero;
        if (const auto c = compare_numbers(a, b); c != 0) {
            return c;
        }
    }
    return std::strong_ordering::equal;
}

bool Version::is_timestamp() const {
    if (m_kind != Kind::numbered || !m_rest.empty() || m_first.size() != 14) {
        return false;
    }
    const auto field = [&](std::size_t at, std::size_t n) { return std::stoi(m_first.substr(at, n)); };
    const int year = field(0, 4);
    const int month = field(4, 2);
    const int day = field(6, 2);
    return year >= 1970 && year <= 2999 && month >= 1 && month <= 12 && day >= 1 && day <= 31 && field(8, 2) <= 23 &&
           field(10, 2) <= 59 && field(12, 2) <= 60;
}

NewVersion next_new_version(const Version* last, std::string_view now, bool timestamp) {
    if (last == nullptr) {
        return {*Version::parse(timestamp ? now : "001"), ""};
    }
    if (timestamp || last->is_timestamp()) {
        const Version stamp = *Version::parse(now);
        if (*last < stamp) {
            return {stamp, ""};
        }
        const Version next = last->next(14);
        return {next, "the clock (" + std::string(now) + " UTC) is not past the newest version " + last->text() +
                          "; using " + next.text() + " (check the clock if this is unexpected)"};
    }
    return {last->next(last->text().find_first_of("._") == std::string::npos ? last->text().size() : 1), ""};
}

Version Version::next(std::size_t width) const {
    std::string digits = m_first.empty() ? "0" : m_first;
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
