// SQLite's dialect: everything the pure core reads of SQLite's SQL (core/dialect.hpp).
#include "db/sqlite/dialect.hpp"

#include <algorithm>

#include "core/dialect.hpp"
#include "core/drift.hpp"
#include "core/in_flight.hpp"
#include "core/statement_kind.hpp"
#include "core/tracking_sql.hpp"

namespace sqlmig::db {

using namespace core;  // the definition is written in the core's words

namespace {

StatementKind classify_sqlite(const std::vector<std::string>& w, int /*server_version*/) {
    return w[0] == "VACUUM" ? StatementKind::non_transactional : StatementKind::ordinary;
}

// SQLite's PRAGMAs that set the connection, not the database file.
bool is_connection_pragma(std::string_view name) {
    static constexpr std::string_view k_connection_pragmas[] = {
        "FOREIGN_KEYS",   "DEFER_FOREIGN_KEYS", "LEGACY_ALTER_TABLE", "RECURSIVE_TRIGGERS",
        "IGNORE_CHECK_CONSTRAINTS", "BUSY_TIMEOUT", "CASE_SENSITIVE_LIKE", "CACHE_SIZE",
        "TEMP_STORE",     "REVERSE_UNORDERED_SELECTS", "AUTOMATIC_INDEX", "TRUSTED_SCHEMA"};
    return std::find(std::begin(k_connection_pragmas), std::end(k_connection_pragmas), name) !=
           std::end(k_connection_pragmas);
}

bool is_session_setting_sqlite(const std::vector<std::string>& w) {
    if (w[0] != "PRAGMA" || w.size() < 2) {
        return false;
    }
    // PRAGMA main.foreign_keys: the schema comes first.
    return is_connection_pragma(w[1]) ||
           (w.size() > 2 && (w[1] == "MAIN" || w[1] == "TEMP") && is_connection_pragma(w[2]));
}

// "table users on users: CREATE ...", "index i on users: ...", "column users email TEXT 0  0".
SchemaObject sqlite_object(std::string_view tag, std::string_view rest) {
    const auto [name, after] = snapshot_word(rest);
    SchemaObject o;
    if (tag == "column") {
        o.kind = ObjectKind::column;
        o.table = std::string(name);
        o.name = o.table + "." + std::string(snapshot_word(after).first);
        return o;
    }
    o.kind = parse_object_kind(tag).value_or(ObjectKind::table);
    o.name = std::string(name);
    if (o.kind == ObjectKind::index || o.kind == ObjectKind::trigger) {
        std::string table(snapshot_word(snapshot_word(after).second).first);  // "on T:"
        if (!table.empty() && table.back() == ':') {
            table.pop_back();
        }
        o.table = table;
    }
    return o;
}

std::optional<std::string> sqlite_probe(const CatalogObject& o) {
    const Dialect d = sqlite_dialect;
    const auto lit = [d](std::string_view s) { return sql_literal(s, d); };
    const std::string master = (o.schema ? TableName{std::nullopt, *o.schema}.quoted(d) + "." : std::string()) +
                               "sqlite_master";
    switch (o.kind) {
    case CatalogKind::relation:
        return "SELECT 1 FROM " + master + " WHERE type IN ('table', 'view') AND name = " + lit(o.name) +
               " COLLATE NOCASE";
    case CatalogKind::index:
        return "SELECT '', 't' FROM " + master + " WHERE type = 'index' AND name = " + lit(o.name) +
               " COLLATE NOCASE";
    case CatalogKind::column:
        return "SELECT 1 FROM pragma_table_info(" + lit(o.table) + (o.schema ? ", " + lit(*o.schema) : "") +
               ") WHERE name = " + lit(o.name) + " COLLATE NOCASE";
    case CatalogKind::function:
    case CatalogKind::type:
    case CatalogKind::schema: return std::nullopt;
    }
    return std::nullopt;
}

}  // namespace

const DialectDefinition k_sqlite_dialect = {
    .name = "sqlite",
    .aliases = {},
    .lexical =
        {
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
        },
    .statements =
        {
            .classify = classify_sqlite,
            .without_words = StatementKind::ordinary,
            .is_session_setting = is_session_setting_sqlite,
            .begin_not_atomic = false,
            .do_evaluates_expressions = false,
        },
    // WITHOUT ROWID keeps the rows in the primary key's B-tree, so each migration's
    // row dirties one B-tree instead of a table and its index.
    .tracking = {Backslashes::plain, '"', "TEXT", "TEXT", " WITHOUT ROWID", "SCHEMA", "INSERT INTO", true, "TEXT"},
    .catalog =
        {
            .unquoted_names = UnquotedNames::as_written,  // compared without case by the probes
            .index_names = IndexNames::per_schema,
            .database_is_schema = false,
            .rename_table_statement = false,
            .pragmas = true,
            .object_exists_sql = sqlite_probe,
        },
    .snapshot_object = sqlite_object,
    .row_queries_sql =
        "SELECT name, 'SELECT * FROM \"' || replace(name, '\"', '\"\"') || '\"' FROM sqlite_schema "
        "WHERE type = 'table' AND (name NOT LIKE 'sqlite\\_%' ESCAPE '\\' OR name = 'sqlite_sequence') "
        "ORDER BY 1",
    .postgres_lock_rules = false,
};

}  // namespace sqlmig::db
