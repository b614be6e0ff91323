// MariaDB's and MySQL's dialect: everything the pure core reads of their SQL (core/dialect.hpp).
#include "db/mariadb/dialect.hpp"

#include <algorithm>

#include "core/dialect.hpp"
#include "core/drift.hpp"
#include "core/in_flight.hpp"
#include "core/statement_kind.hpp"
#include "core/tracking_sql.hpp"

namespace sqlmig::db {

using namespace core;  // the definition is written in the core's words

namespace {

// MySQL and MariaDB commit implicitly before and after every statement but these
// (data changes, queries and session settings), so only a file of them can be one
// transaction. Anything unknown is taken to commit: the safe side.
StatementKind classify_mysql(const std::vector<std::string>& w, int /*server_version*/) {
    static constexpr std::string_view k_in_transaction[] = {"INSERT", "UPDATE", "DELETE", "REPLACE", "SELECT",
                                                           "WITH",   "VALUES", "TABLE",  "SET",     "DO"};
    const std::string& first = w[0];
    if (first == "SET" && w.size() > 1 && (w[1] == "AUTOCOMMIT" || w[1] == "PASSWORD" || w[1] == "ROLE")) {
        return StatementKind::implicit_commit;
    }
    const bool in_transaction =
        std::find(std::begin(k_in_transaction), std::end(k_in_transaction), first) != std::end(k_in_transaction);
    return in_transaction ? StatementKind::ordinary : StatementKind::implicit_commit;
}

// SET GLOBAL and SET PERSIST outlive the session; SET PASSWORD changes an account.
bool is_session_setting_mysql(const std::vector<std::string>& w) {
    return w[0] == "SET" && !has_word_within(w, "GLOBAL", 3) && !has_word_within(w, "PERSIST", 3) &&
           !has_word_within(w, "PASSWORD", 2);
}

// "table users BASE TABLE InnoDB ...", "column users.email ...", "routine FUNCTION f <md5>",
// "foreign key orders.fk (...) ...", "check users.c ...".
SchemaObject mysql_object(std::string_view tag, std::string_view rest) {
    if (tag == "foreign") {
        rest = snapshot_word(rest).second;  // "key"
        tag = "constraint";
    } else if (tag == "routine") {
        rest = snapshot_word(rest).second;  // FUNCTION, PROCEDURE
        tag = "function";
    } else if (tag == "check") {
        tag = "constraint";
    }
    const auto [name, after] = snapshot_word(rest);
    SchemaObject o;
    o.name = std::string(name);
    if (tag == "table") {
        o.kind = after.find("VIEW") == std::string_view::npos ? ObjectKind::table : ObjectKind::view;
        return o;
    }
    o.kind = parse_object_kind(tag).value_or(ObjectKind::table);
    if (o.kind == ObjectKind::column || o.kind == ObjectKind::constraint || o.kind == ObjectKind::trigger ||
        o.kind == ObjectKind::index) {
        o.table = snapshot_owner(name);
    }
    return o;
}

std::optional<std::string> mysql_probe(const CatalogObject& o) {
    const Dialect d = mariadb_dialect;
    const auto lit = [d](std::string_view s) { return sql_literal(s, d); };
    const std::string schema = o.schema ? lit(*o.schema) : std::string("DATABASE()");
    switch (o.kind) {
    case CatalogKind::relation:
        return "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = " + schema + " AND TABLE_NAME = " +
               lit(o.name);
    case CatalogKind::column:
        return "SELECT 1 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = " + schema + " AND TABLE_NAME = " +
               lit(o.table) + " AND COLUMN_NAME = " + lit(o.name);
    case CatalogKind::index:
        return "SELECT DISTINCT '', 't' FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = " + schema +
               " AND TABLE_NAME = " + lit(o.table) + " AND INDEX_NAME = " + lit(o.name);
    case CatalogKind::function:
        return "SELECT 1 FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = " + schema +
               " AND ROUTINE_NAME = " + lit(o.name);
    case CatalogKind::schema: return "SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = " + lit(o.name);
    case CatalogKind::type: return std::nullopt;
    }
    return std::nullopt;
}

constexpr std::string_view k_aliases[] = {"mariadb"};

}  // namespace

// MariaDB and MySQL with the default sql_mode: NO_BACKSLASH_ESCAPES and ANSI_QUOTES
// change the lexer and are not followed (docs/mariadb.md).
const DialectDefinition k_mariadb_dialect = {
    .name = "mysql",
    .aliases = k_aliases,
    .lexical =
        {
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
        },
    .statements =
        {
            .classify = classify_mysql,
            .without_words = StatementKind::implicit_commit,  // only a /*! executable comment */ has none
            .is_session_setting = is_session_setting_mysql,
            .begin_not_atomic = true,
            .do_evaluates_expressions = true,
        },
    // A TEXT column cannot be a key; 191 utf8mb4 characters fit InnoDB's oldest
    // 767-byte key limit. The binary collation compares versions as bytes.
    .tracking = {Backslashes::hex, '`', "VARCHAR(191)", "VARCHAR(1024)",
                 " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin", "DATABASE", "REPLACE INTO", false,
                 "LONGTEXT"},
    .catalog =
        {
            .unquoted_names = UnquotedNames::as_written,
            .index_names = IndexNames::per_table,
            .database_is_schema = true,
            .rename_table_statement = true,
            .pragmas = false,
            .object_exists_sql = mysql_probe,
        },
    .snapshot_object = mysql_object,
    .row_queries_sql = "SELECT table_name, CONCAT('SELECT * FROM `', REPLACE(table_name, '`', '``'), '`') "
                       "FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' "
                       "ORDER BY 1",
    .postgres_lock_rules = false,
};

}  // namespace sqlmig::db
