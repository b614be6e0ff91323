#include "core/sql_names.hpp"

#include <cctype>

namespace sqlmig::core {

namespace {

bool is_word_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '$' ||
           static_cast<unsigned char>(c) >= 0x80;
}

// From the opening quote at i: the name, with doubled quotes as one; i ends after the closing quote.
NameToken quoted_name(std::string_view s, std::size_t& i) {
    const char quote = s[i];
    NameToken t{"", true};
    for (++i; i < s.size(); ++i) {
        if (s[i] == quote && i + 1 < s.size() && s[i + 1] == quote) {
            t.text += quote;
            ++i;
        } else if (s[i] == quote) {
            break;
        } else {
            t.text += s[i];
        }
    }
    ++i;
    return t;
}

}  // namespace

std::vector<NameToken> name_tokens(std::string_view s, std::size_t limit) {
    std::vector<NameToken> out;
    std::size_t i = 0;
    while (i < s.size() && out.size() < limit) {
        const char c = s[i];
        if (std::isspace(static_cast<unsigned char>(c)) != 0) {
            ++i;
        } else if (s.substr(i, 2) == "--") {
            const auto end = s.find('\n', i);
            i = end == std::string_view::npos ? s.size() : end + 1;
        } else if (s.substr(i, 2) == "/*") {
            const auto end = s.find("*/", i + 2);
            i = end == std::string_view::npos ? s.size() : end + 2;
        } else if (c == '"' || c == '`') {
            out.push_back(quoted_name(s, i));
        } else if (is_word_char(c)) {
            const std::size_t start = i;
            while (i < s.size() && is_word_char(s[i])) {
                ++i;
            }
            out.push_back(NameToken{std::string(s.substr(start, i - start)), false});
        } else {
            out.push_back(NameToken{std::string(1, c), false});
            ++i;
        }
    }
    return out;
}

bool is_keyword(const std::vector<NameToken>& t, std::size_t i, std::string_view word) {
    if (i >= t.size() || t[i].quoted || t[i].text.size() != word.size()) {
        return false;
    }
    for (std::size_t k = 0; k < word.size(); ++k) {
        if (std::toupper(static_cast<unsigned char>(t[i].text[k])) != word[k]) {
            return false;
        }
    }
    return true;
}

bool is_name(const std::vector<NameToken>& t, std::size_t i) {
    return i < t.size() && (t[i].quoted || is_word_char(t[i].text[0]));
}

}  // namespace sqlmig::core
