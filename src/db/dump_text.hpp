#pragma once
// What every backend's dump_text.cpp shares: reading a dump tool's output, pure
// (text in, text out), so that the unit tests link it without a database.

#include <charconv>
#include <optional>
#include <string>
#include <string_view>

namespace sqlmig::db::dump_text {

// The whole of s as a number; nullopt for anything else.
inline std::optional<int> parse_int(std::string_view s) {
    int value = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || end != s.data() + s.size()) {
        return std::nullopt;
    }
    return value;
}

// Keeps the dump's lines for which `keep` returns a line (possibly rewritten).
template <typename Keep>
std::string filter_lines(std::string_view dump, Keep keep) {
    std::string out;
    out.reserve(dump.size());
    while (!dump.empty()) {
        const auto end = dump.find('\n');
        const std::string_view line = dump.substr(0, end);
        dump = end == std::string_view::npos ? std::string_view() : dump.substr(end + 1);
        if (const auto kept = keep(line)) {
            out.append(*kept);
            out.push_back('\n');
        }
    }
    return out;
}

}  // namespace sqlmig::db::dump_text
