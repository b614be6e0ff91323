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
    .bodies = BodyRule::psql_begin_end,
};

constexpr LexicalRules k_sqlite = {
    .nested_block_comments = false,
    .dollar_quotes = false,
    .escape_strings = false,
    .unicode_strings = false,
    .bracket_identifiers = true,
    .backtick_identifiers = true,
    .bodies = BodyRule::sqlite_trigger,
};

constexpr Dialect k_dialects[] = {Dialect::postgres, Dialect::sqlite};

}  // namespace

const LexicalRules& lexical_rules(Dialect dialect) {
    switch (dialect) {
    case Dialect::postgres: return k_postgres;
    case Dialect::sqlite: return k_sqlite;
    }
    return k_sqlite;  // unreachable: every dialect is a case above
}

std::string_view dialect_name(Dialect dialect) {
    switch (dialect) {
    case Dialect::postgres: return "postgres";
    case Dialect::sqlite: return "sqlite";
    }
    return "";
}

std::optional<Dialect> dialect_from_name(std::string_view name) {
    for (const Dialect d : k_dialects) {
        if (dialect_name(d) == name) {
            return d;
        }
    }
    return std::nullopt;
}

}  // namespace sqlmig::core
