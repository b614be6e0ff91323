#pragma once
// What sqlmig's pure core knows of each database's SQL: the lexical rules that
// decide where a statement ends. Statement classes (core/statement_kind.cpp) and
// the tracking table's SQL (core/tracking_sql.cpp) switch over the dialect too,
// always without a default, so a new dialect is named by the compiler wherever
// it must decide. A database is registered in src/db (db/backend.hpp).

#include <optional>
#include <string_view>

namespace sqlmig::core {

enum class Dialect { postgres, sqlite };

// How statements with bodies that hold ';' are told apart from their end.
enum class BodyRule {
    psql_begin_end,       // psql: CREATE FUNCTION/PROCEDURE ... BEGIN ATOMIC ... END
    sqlite_trigger,       // sqlite3_complete(): CREATE TRIGGER ... BEGIN ...; END
};

struct LexicalRules {
    bool nested_block_comments;  // /* a /* b */ c */ is one comment
    bool dollar_quotes;          // $$...$$ and $tag$...$tag$
    bool escape_strings;         // E'...' with backslash escapes
    bool unicode_strings;        // U&'...' and U&"..."
    bool bracket_identifiers;    // [name]
    bool backtick_identifiers;   // `name`
    BodyRule bodies;
};

const LexicalRules& lexical_rules(Dialect dialect);

// "postgres", "sqlite": as --dialect and messages name them.
std::string_view dialect_name(Dialect dialect);
std::optional<Dialect> dialect_from_name(std::string_view name);

}  // namespace sqlmig::core
