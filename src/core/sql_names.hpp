#pragma once
// The leading words and names of a statement, for the few places that read an object's name
// from DDL (CREATE INDEX CONCURRENTLY's retries, an interrupted statement's catalog check).
// Case is kept: how a name is stored depends on the database.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sqlmig::core {

struct NameToken {
    std::string text;     // a quoted identifier's name without its quotes; anything else as written
    bool quoted = false;  // "name" (PostgreSQL, SQLite) or `name` (MySQL, SQLite)
};

// Words, quoted identifiers and single punctuation characters, comments and white space
// skipped, up to `limit` tokens (the names come first; the rest of a statement may be long).
std::vector<NameToken> name_tokens(std::string_view statement, std::size_t limit);

// Whether token i is this keyword (given in upper case), unquoted.
bool is_keyword(const std::vector<NameToken>& t, std::size_t i, std::string_view word);
// Whether token i can be a name: quoted, or a word.
bool is_name(const std::vector<NameToken>& t, std::size_t i);

}  // namespace sqlmig::core
