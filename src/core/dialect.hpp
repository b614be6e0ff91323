#pragma once
// What sqlmig's pure core knows of each database's SQL: the lexical rules that
// decide where a statement ends. Statement classes (core/statement_kind.cpp) and
// the tracking table's SQL (core/tracking_sql.cpp) switch over the dialect too,
// always without a default, so a new dialect is named by the compiler wherever
// it must decide. A database is registered in src/db (db/backend.hpp).

#include <optional>
#include <string_view>

namespace sqlmig::core {

enum class Dialect { postgres, sqlite, mysql };

// How statements with bodies that hold ';' are told apart from their end.
enum class BodyRule {
    psql_begin_end,       // psql: CREATE FUNCTION/PROCEDURE ... BEGIN ATOMIC ... END
    sqlite_trigger,       // sqlite3_complete(): CREATE TRIGGER ... BEGIN ...; END
    mysql_compound,       // CREATE PROCEDURE/FUNCTION/TRIGGER/EVENT ... BEGIN ...; END, IF ... END IF...
};

struct LexicalRules {
    bool nested_block_comments;  // /* a /* b */ c */ is one comment
    bool dollar_quotes;          // $$...$$ and $tag$...$tag$
    bool escape_strings;         // E'...' with backslash escapes
    bool unicode_strings;        // U&'...' and U&"..."
    bool bracket_identifiers;    // [name]
    bool backtick_identifiers;   // `name`
    bool backslash_strings;      // '...' and "..." both strings, with backslash escapes (MySQL)
    bool hash_comments;          // # to the end of the line
    bool dash_comment_needs_space;  // "--" is a comment only when white space or a control character follows
    bool executable_comments;    // /*! ... */, /*M! ... */ and /*+ ... */ are part of the statement
    bool delimiter_command;      // the mysql client's DELIMITER line changes what ends a statement
    BodyRule bodies;
};

const LexicalRules& lexical_rules(Dialect dialect);

// "postgres", "sqlite", "mysql": as --dialect and messages name them ("mariadb" is
// accepted as another name of "mysql").
std::string_view dialect_name(Dialect dialect);
std::optional<Dialect> dialect_from_name(std::string_view name);

}  // namespace sqlmig::core
