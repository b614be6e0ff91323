#pragma once
// A migration version: decimal digits compared as numbers of any length, so
// "9" < "10", "003" == "3" and 14-digit timestamps never overflow.

#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace sqlmig::core {

class Version {
public:
    Version() = default;
    // Parses decimal digits; nullopt when text is empty or has a non-digit.
    static std::optional<Version> parse(std::string_view text);

    // As written in the file name ("003").
    const std::string& text() const { return m_text; }
    // Without leading zeros ("3"); this is what the tracking table stores.
    const std::string& canonical() const { return m_canonical; }

    // Compares numeric values: a longer canonical form is a larger number. Inline:
    // sorting and merging 10,000 versions calls it some 200,000 times.
    std::strong_ordering operator<=>(const Version& other) const {
        if (m_canonical.size() != other.m_canonical.size()) {
            return m_canonical.size() <=> other.m_canonical.size();
        }
        const int c = m_canonical.compare(other.m_canonical);
        return c < 0 ? std::strong_ordering::less : c > 0 ? std::strong_ordering::greater : std::strong_ordering::equal;
    }
    bool operator==(const Version& other) const { return m_canonical == other.m_canonical; }

    // The next version, zero-padded to at least width digits ("009" -> "010").
    Version next(std::size_t width) const;

private:
    std::string m_text;
    std::string m_canonical;
};

}  // namespace sqlmig::core
