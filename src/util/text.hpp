#pragma once
// Small text helpers that know nothing about migrations.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sqlmig::util {

// ASCII lower/upper-casing; other bytes are kept.
std::string to_lower(std::string_view s);
std::string to_upper(std::string_view s);

// Removes ASCII white space at both ends.
std::string_view trim(std::string_view s);

bool starts_with_icase(std::string_view s, std::string_view prefix);
bool ends_with_icase(std::string_view s, std::string_view suffix);

// Makes untrusted text safe to print on one terminal line: control bytes
// become \xNN escapes. UTF-8 is kept.
std::string printable(std::string_view s);

// Shortens s to at most max_chars characters (UTF-8 aware), adding "..." when cut,
// and folds runs of white space into one space.
std::string shorten(std::string_view s, std::size_t max_chars);

// The first characters of a query, on one line, with its string literals written '?' (they
// may hold personal data); an unterminated literal (the query was cut) is masked to the end.
std::string masked_query(std::string_view query, std::size_t max_chars);

// Replaces the password in a database URL or libpq key=value string with ***.
// Works on URLs that do not parse too: anything between "://user:" and the last "@"
// of the authority, and any password=... pair, is hidden.
std::string redact_url(std::string_view url);

// A message about `url` (a database's or a library's error text) with the URL redacted wherever it
// appears whole, and every password it holds (as written or percent-decoded) replaced by ***.
std::string redact_url_in(std::string_view message, std::string_view url);

// The number of UTF-8 characters (bytes that are not continuation bytes).
std::size_t char_count(std::string_view s);

// The first line of a message, for one-line summaries of multi-line errors.
std::string first_line(std::string_view message);

// The end of a tool's stderr for an error message: ":\n" and its last 2,000 bytes, or "".
std::string stderr_tail(std::string_view err);

// A size for people: "512 B", "19.6 MB" (1 KB = 1024 B, one decimal from KB on).
// JSON output keeps the number of bytes.
std::string human_size(std::uintmax_t bytes);

// A duration for people: "850 ms" under a second, "18.1 s" under ten minutes, "12 min 5 s"
// beyond. JSON output keeps the number of milliseconds.
std::string human_duration(std::int64_t milliseconds);

// Splits s on sep, keeping empty parts.
std::vector<std::string> split(std::string_view s, char sep);

// The number of single-character edits (insert, delete, replace, swap two
// neighbours) that turn a into b, ignoring ASCII case: "stauts" -> "status" is 1.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate a user most likely meant by word, for "did you mean": the nearest by
// edit_distance when it is close for the word's length (no edit up to 2 characters, so
// "-x" is not "-h"; 1 up to 4, 2 up to 8, 3 beyond), or one that starts the word or that
// the word starts (at least 3 characters: "directory" -> "dir"). Ties go to the earlier
// candidate. "" when none is close; never the word itself ("STATUS" gives "status").
std::string nearest(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace sqlmig::util
