#include "core/concurrent_index.hpp"

#include <vector>

#include "core/sql_names.hpp"
#include "core/tracking_sql.hpp"

namespace sqlmig::core {

namespace {

using Token = NameToken;

// PostgreSQL folds unquoted names to lower case (ASCII letters only).
std::string stored_name(const Token& t) {
    if (t.quoted) {
        return t.text;
    }
    std::string out = t.text;
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

std::string as_written(const Token& t) {
    if (!t.quoted) {
        return t.text;
    }
    std::string out = "\"";
    for (const char c : t.text) {
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    }
    return out + "\"";
}

std::string quoted(const std::string& name) {
    return as_written(Token{name, true});
}

}  // namespace

std::optional<ConcurrentIndex> concurrent_index(std::string_view statement) {
    const auto t = name_tokens(statement, 16);
    std::size_t i = 0;
    if (!is_keyword(t, i++, "CREATE")) {
        return std::nullopt;
    }
    if (is_keyword(t, i, "UNIQUE")) {
        ++i;
    }
    if (!is_keyword(t, i++, "INDEX") || !is_keyword(t, i++, "CONCURRENTLY")) {
        return std::nullopt;
    }
    if (is_keyword(t, i, "IF") && is_keyword(t, i + 1, "NOT") && is_keyword(t, i + 2, "EXISTS")) {
        i += 3;
    }
    ConcurrentIndex index;
    if (!is_keyword(t, i, "ON")) {
        if (!is_name(t, i)) {
            return std::nullopt;
        }
        index.name = stored_name(t[i++]);
    }
    if (!is_keyword(t, i++, "ON")) {
        return std::nullopt;
    }
    if (is_keyword(t, i, "ONLY")) {
        ++i;
    }
    if (!is_name(t, i)) {
        return std::nullopt;
    }
    index.table = as_written(t[i++]);
    while (i + 1 < t.size() && t[i].text == "." && !t[i].quoted && is_name(t, i + 1)) {
        index.table += '.';
        index.table += as_written(t[i + 1]);
        i += 2;
    }
    return index;
}

std::string table_indexes_sql(const ConcurrentIndex& index, Dialect dialect) {
    return "SELECT i.indexrelid::text, n.nspname, c.relname, CASE WHEN i.indisvalid THEN 't' ELSE 'f' END "
           "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
           "WHERE i.indrelid = to_regclass(" +
           sql_literal(index.table, dialect) + ") ORDER BY 1";
}

std::string index_invalid_sql(const std::string& oid, Dialect dialect) {
    return "SELECT 't' FROM pg_index WHERE indexrelid = " + sql_literal(oid, dialect) +
           "::oid AND NOT indisvalid";
}

std::string drop_index_concurrently_sql(const std::string& schema, const std::string& name) {
    return "DROP INDEX CONCURRENTLY IF EXISTS " + quoted(schema) + "." + quoted(name);
}

}  // namespace sqlmig::core
