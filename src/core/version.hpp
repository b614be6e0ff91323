#pragma once
// A migration version, ordered as the tool that named the file orders it:
// - decimal digits (sqlmig, golang-migrate, dbmate, goose), compared as numbers of
//   any length, so "9" < "10", "003" == "3" and 14-digit timestamps never overflow;
// - Flyway's dotted versions ("1.2.10", written V1_2_10 or V1.2.10), compared part
//   by part as numbers, missing parts counting as 0 ("1" == "1.0");
// - sql-migrate's identities, the whole file name, ordered by its leading number and
//   then by name, names without a number after all numbered ones;
// - Flyway's repeatable migrations ("R__<description>"), after every versioned one,
//   in description order.

#include <compare>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sqlmig::core {

class Version {
public:
    Version() = default;
    // Parses decimal digits; nullopt when text is empty or has a non-digit.
    static std::optional<Version> parse(std::string_view text);
    // Flyway: digits separated by '.' or '_' ("1", "1.2", "2_1"); nullopt otherwise.
    static std::optional<Version> parse_dotted(std::string_view text);
    // sql-migrate: the file name is the identity; its leading digits order it.
    static Version of_file_name(std::string_view file_name);
    // Flyway's R__<description>.sql: no number, ordered after every versioned migration.
    static Version repeatable(std::string_view description);
    // A version as the tracking table stores it (canonical() of any of the above);
    // nullopt for text none of them writes.
    static std::optional<Version> parse_stored(std::string_view text);

    // As written in the file name ("003", "1_2").
    const std::string& text() const { return m_text; }
    // As people read it, the way its tool shows it: the file's text, Flyway's parts joined
    // by dots ("1_10" -> "1.10", as Flyway prints it).
    std::string display() const;
    // What the tracking table stores: digits without leading zeros ("3"), dotted
    // parts without leading zeros or trailing zero parts ("1.2"), or the file name.
    const std::string& canonical() const { return m_canonical; }
    // Whether both are numbered with the same number (sql-migrate's "3_a.sql" and "3").
    bool same_number(const Version& other) const {
        return m_kind == Kind::numbered && other.m_kind == Kind::numbered && m_first == other.m_first &&
               m_rest == other.m_rest;
    }
    // Whether this names a repeatable migration (Flyway R__).
    bool is_repeatable() const { return m_kind == Kind::repeatable; }
    // Whether the number is a UTC timestamp as dbmate, goose, sql-migrate and Flyway users
    // write them: 14 digits YYYYMMDDHHMMSS making a valid date and time (years 1970-2999).
    bool is_timestamp() const;

    // Compares as documented above. Inline: sorting and merging 10,000 versions
    // calls it some 200,000 times, and plain numbers take the first branch.
    std::strong_ordering operator<=>(const Version& other) const {
        if (m_kind != other.m_kind) {
            return m_kind <=> other.m_kind;
        }
        if (const auto c = compare_numbers(m_first, other.m_first); c != 0) {
            return c;
        }
        if (!m_rest.empty() || !other.m_rest.empty()) {
            if (const auto c = compare_rest(other); c != 0) {
                return c;
            }
        }
        return compare_text(m_name, other.m_name);
    }
    bool operator==(const Version& other) const { return (*this <=> other) == 0; }

    // The next version, zero-padded to at least width digits ("009" -> "010").
    // For dotted versions the first part is counted up ("1.2" -> "2").
    Version next(std::size_t width) const;

private:
    // Numbered versions sort before names without a number, and those before repeatables.
    enum class Kind { numbered, unnumbered, repeatable };

    static std::strong_ordering compare_numbers(const std::string& a, const std::string& b) {
        if (a.size() != b.size()) {
            return a.size() <=> b.size();
        }
        return compare_text(a, b);
    }
    static std::strong_ordering compare_text(const std::string& a, const std::string& b) {
        const int c = a.compare(b);
        return c < 0 ? std::strong_ordering::less : c > 0 ? std::strong_ordering::greater : std::strong_ordering::equal;
    }
    std::strong_ordering compare_rest(const Version& other) const;

    Kind m_kind = Kind::numbered;
    std::string m_text;
    std::string m_canonical;
    std::string m_first;              // the first number, without leading zeros
    std::vector<std::string> m_rest;  // Flyway's further parts, trailing zero parts dropped
    std::string m_name;               // sql-migrate's file name, Flyway's repeatable description
};

// The version `new` gives the next migration of a folder whose newest versioned
// migration is `last` (nullptr: none yet). `now` is the UTC time as YYYYMMDDHHMMSS.
// When `last` is a timestamp, or `timestamp` asks for one, the version is `now`, so that
// two branches adding a migration do not both take last + 1; when the clock is not past
// `last` (skew, or two in one second) it is last + 1 and `note` says why.
// Otherwise it is last + 1, as wide as last ("009" -> "010"), or "001" for the first.
struct NewVersion {
    Version version;
    std::string note;
};
NewVersion next_new_version(const Version* last, std::string_view now, bool timestamp);

}  // namespace sqlmig::core
