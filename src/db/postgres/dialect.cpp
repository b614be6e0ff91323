// PostgreSQL's dialect: everything the pure core reads of PostgreSQL's SQL (core/dialect.hpp).
#include "db/postgres/dialect.hpp"

#include "core/dialect.hpp"
#include "core/drift.hpp"
#include "core/in_flight.hpp"
#include "core/statement_kind.hpp"
#include "core/tracking_sql.hpp"

namespace sqlmig::db {

using namespace core;  // the definition is written in the core's words

namespace {

StatementKind classify_postgres(const std::vector<std::string>& w, int server_version) {
    const std::string& first = w[0];
    const std::string second = w.size() > 1 ? w[1] : "";
    const auto refused_in_transaction = [&] {
        if (first == "VACUUM") {
            return true;
        }
        if (first == "CREATE" || first == "DROP") {
            if ((second == "INDEX" || second == "UNIQUE") && has_word_within(w, "CONCURRENTLY", 4)) {
                return true;
            }
            if (second == "DATABASE" || second == "TABLESPACE") {
                return true;
            }
        }
        if (first == "REINDEX" && has_word_within(w, "CONCURRENTLY", 5)) {
            return true;
        }
        if (first == "ALTER" && second == "SYSTEM") {
            return true;
        }
        // ALTER TYPE ... ADD VALUE runs in a transaction block since PostgreSQL 12.
        if (first == "ALTER" && second == "TYPE" && server_version > 0 && server_version < 120000) {
            return has_word_within(w, "ADD", 8) && has_word_within(w, "VALUE", 8);
        }
        return false;
    };
    return refused_in_transaction() ? StatementKind::non_transactional : StatementKind::ordinary;
}

bool is_session_setting_postgres(const std::vector<std::string>& w) {
    return w[0] == "SET" || w[0] == "RESET";
}

// The table after " ON " (or " ON ONLY ") in PostgreSQL's CREATE INDEX text.
std::string indexed_table(std::string_view definition) {
    const auto on = definition.find(" ON ");
    if (on == std::string_view::npos) {
        return "";
    }
    auto [word, rest] = snapshot_word(definition.substr(on + 4));
    if (word == "ONLY") {
        word = snapshot_word(rest).first;
    }
    return std::string(word);
}

SchemaObject postgres_object(std::string_view tag, std::string_view rest) {
    const auto [name, after] = snapshot_word(rest);
    SchemaObject o;
    o.name = std::string(name);
    if (tag == "relation") {
        const char relkind = after.empty() ? 'r' : after.front();
        o.kind = relkind == 'v' || relkind == 'm' ? ObjectKind::view
                 : relkind == 'S'                 ? ObjectKind::sequence
                                                  : ObjectKind::table;
    } else if (tag == "column" || tag == "constraint" || tag == "trigger" || tag == "policy") {
        o.kind = *parse_object_kind(tag);
        o.table = snapshot_owner(name);
    } else if (tag == "index") {
        o.kind = ObjectKind::index;
        o.table = indexed_table(after);
    } else if (tag == "comment") {
        o.kind = ObjectKind::comment;
        o.table = o.name;
    } else {
        o.kind = parse_object_kind(tag).value_or(ObjectKind::table);
    }
    return o;
}

std::optional<std::string> postgres_probe(const CatalogObject& o) {
    const Dialect d = postgres_dialect;
    const auto lit = [d](std::string_view s) { return sql_literal(s, d); };
    const auto qualified = [&](const std::string& name) { return TableName{o.schema, name}.quoted(d); };
    switch (o.kind) {
    case CatalogKind::relation: return "SELECT 1 WHERE to_regclass(" + lit(qualified(o.name)) + ") IS NOT NULL";
    case CatalogKind::column:
        return "SELECT 1 FROM pg_catalog.pg_attribute WHERE attrelid = to_regclass(" + lit(qualified(o.table)) +
               ") AND attname = " + lit(o.name) + " AND attnum > 0 AND NOT attisdropped";
    case CatalogKind::index:
        return "SELECT n.nspname, CASE WHEN i.indisvalid THEN 't' ELSE 'f' END FROM pg_catalog.pg_index i "
               "JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid JOIN pg_catalog.pg_namespace n ON n.oid = "
               "c.relnamespace WHERE i.indexrelid = to_regclass(" + lit(qualified(o.name)) + ")";
    case CatalogKind::function:
        return "SELECT 1 FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace "
               "WHERE p.proname = " + lit(o.name) + " AND " +
               (o.schema ? "n.nspname = " + lit(*o.schema) : std::string("n.nspname = ANY (current_schemas(false))"));
    case CatalogKind::type: return "SELECT 1 WHERE to_regtype(" + lit(qualified(o.name)) + ") IS NOT NULL";
    case CatalogKind::schema: return "SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = " + lit(o.name);
    }
    return std::nullopt;
}

}  // namespace

const DialectDefinition k_postgres_dialect = {
    .name = "postgres",
    .aliases = {},
    .lexical =
        {
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
        },
    .statements =
        {
            .classify = classify_postgres,
            .without_words = StatementKind::ordinary,
            .is_session_setting = is_session_setting_postgres,
            .begin_not_atomic = false,
            .do_evaluates_expressions = false,
        },
    .tracking = {Backslashes::escape_string, '"', "TEXT", "TEXT", "", "SCHEMA", "INSERT INTO", true, "TEXT"},
    .catalog =
        {
            .unquoted_names = UnquotedNames::folded_to_lower,
            .index_names = IndexNames::per_schema,
            .database_is_schema = false,
            .rename_table_statement = false,
            .pragmas = false,
            .object_exists_sql = postgres_probe,
        },
    .snapshot_object = postgres_object,
    .row_queries_sql =
        "SELECT n.nspname || '.' || c.relname, CASE c.relkind WHEN 'S' THEN "
        "'SELECT last_value::text || '' '' || is_called::text FROM ' ELSE 'SELECT t::text FROM ' END || "
        "quote_ident(n.nspname) || '.' || quote_ident(c.relname) || ' t' FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'S') "
        "AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' "
        "ORDER BY 1",
    .postgres_lock_rules = true,
};

}  // namespace sqlmig::db
