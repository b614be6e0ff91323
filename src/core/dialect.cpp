#include "core/dialect.hpp"

namespace sqlmig::core {

namespace {

constexpr LexicalRules k_postgres = {
    .nested_block_comments = true,
    .dollar_quotes = true,
    .escape_strings = true,
    .unicode_strings = true,
    .bracket_identifiers = false,
    .backtick_identifiers = false,
    .backslash_strings = false,
    .hash_comments = false,
    .dash_comment_needs_space = false,
    .executable_comments = false,
    .delimiter_command = false,
    .bodies = BodyRule::psql_begin_end,
};

constexpr LexicalRules k_sqlite = {
    .nested_block_comments = false,
    .dollar_quotes = false,
    .escape_strings = false,
    .unicode_strings = false,
    .bracket_identifiers = true,
    .backtick_identifiers = true,
    .backslash_strings = false,
    .hash_comments = false,
    .dash_comment_needs_space = false,
    .executable_comments = false,
    .delimiter_command = false,
    .bodies = BodyRule::sqlite_trigger,
};

// MariaDB and MySQL with the default sql_mode: NO_BACKSLASH_ESCAPES and ANSI_QUOTES
// change the lexer and are not followed (docs/mariadb.md).
constexpr LexicalRules k_mysql = {
    .nested_block_comments = false,
    .dollar_quotes = false,
    .escape_strings = false,
    .unicode_strings = false,
    .bracket_identifiers = false,
    .backtick_identifiers = true,
    .backslash_strings = true,
    .hash_comments = true,
    .dash_comment_needs_space = true,
    .executable_comments = true,
    .delimiter_command = true,
    .bodies = BodyRule::mysql_compound,
};

constexpr Dialect k_dialects[] = {Dialect::postgres, Dialect::sqlite, Dialect::mysql};

}  // namespace

const LexicalRules& lexical_rules(Dialect dialect) {
    switch (dialect) {
    case Dialect::postgres: return k_postgres;
    case Dialect::sqlite: return k_sqlite;
    case Dialect::mysql: return k_mysql;
    }
    return k_sqlite;  // unreachable: every dialect is a case above
}

std::string_view dialect_name(Dialect dialect) {
    switch (dialect) {
    case Dialect::postgres: return "postgres";
    case Dialect::sqlite: return "sqlite";
    case Dialect::mysql: return "mysql";
    }
    return "";
}

std::optional<Dialect> dialect_from_name(std::string_view name) {
    if (name == "mariadb") {
        return Dialect::mysql;
    }
    for (const Dialect d : k_dialects) {
        if (dialect_name(d) == name) {
            return d;
        }
    }
    return std::nullopt;
}

}  // namespace sqlmig::core
