#include "core/in_flight.hpp"

#include <algorithm>

#include "core/sql_names.hpp"
#include "core/tracking_sql.hpp"

namespace sqlmig::core {

namespace {

using Tokens = std::vector<NameToken>;

// A DDL statement's names come early, and an ALTER TABLE's actions are short: enough to read them.
constexpr std::size_t k_token_limit = 4096;

// The name as the database stores it: PostgreSQL folds unquoted names to lower case; SQLite
// compares names without case and MySQL keeps them as written.
std::string stored(const NameToken& t, Dialect dialect) {
    std::string out = t.text;
    if (!t.quoted && dialect->catalog.unquoted_names == UnquotedNames::folded_to_lower) {
        std::transform(out.begin(), out.end(), out.begin(),
                       [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
    }
    return out;
}

struct Name {
    std::optional<std::string> schema;
    std::string name;
};

// name or schema.name at i; i moves past it.
std::optional<Name> read_name(const Tokens& t, std::size_t& i, Dialect dialect) {
    if (!is_name(t, i)) {
        return std::nullopt;
    }
    Name n{std::nullopt, stored(t[i++], dialect)};
    if (i + 1 < t.size() && t[i].text == "." && !t[i].quoted && is_name(t, i + 1)) {
        n.schema = std::move(n.name);
        n.name = stored(t[i + 1], dialect);
        i += 2;
    }
    return n;
}

bool keywords_at(const Tokens& t, std::size_t i, std::initializer_list<std::string_view> words) {
    for (const auto w : words) {
        if (!is_keyword(t, i++, w)) {
            return false;
        }
    }
    return true;
}

void skip_if_exists(const Tokens& t, std::size_t& i) {
    if (keywords_at(t, i, {"IF", "NOT", "EXISTS"})) {
        i += 3;
    } else if (keywords_at(t, i, {"IF", "EXISTS"})) {
        i += 2;
    }
}

CatalogObject object(CatalogKind kind, Name n, std::string table = "") {
    return CatalogObject{kind, std::move(n.schema), std::move(n.name), std::move(table)};
}

// Statements that change nothing lasting, or set something to a value: running them again is safe.
bool runs_again_by_nature(const Tokens& t, Dialect dialect) {
    static constexpr std::string_view k_first_words[] = {"SET",     "RESET",   "VACUUM",  "ANALYZE", "ANALYSE",
                                                         "REINDEX", "CLUSTER", "REFRESH", "COMMENT", "GRANT",
                                                         "REVOKE",  "DISCARD", "CHECKPOINT", "OPTIMIZE", "LOAD"};
    if (dialect->catalog.pragmas && is_keyword(t, 0, "PRAGMA")) {
        return true;  // reads or sets a value
    }
    return std::any_of(std::begin(k_first_words), std::end(k_first_words),
                       [&](std::string_view w) { return is_keyword(t, 0, w); });
}

// The actions of an ALTER TABLE, split at its top-level commas, from i.
std::vector<std::pair<std::size_t, std::size_t>> actions(const Tokens& t, std::size_t i) {
    std::vector<std::pair<std::size_t, std::size_t>> out;
    int depth = 0;
    std::size_t start = i;
    for (; i < t.size(); ++i) {
        if (t[i].quoted) {
            continue;
        }
        if (t[i].text == "(") {
            ++depth;
        } else if (t[i].text == ")") {
            --depth;
        } else if (t[i].text == "," && depth == 0) {
            out.emplace_back(start, i);
            start = i + 1;
        }
    }
    out.emplace_back(start, t.size());
    return out;
}

// Whether every action of an ALTER TABLE is guarded by IF [NOT] EXISTS.
bool every_action_guarded(const Tokens& t, std::size_t first_action) {
    const auto list = actions(t, first_action);
    return std::all_of(list.begin(), list.end(), [&](const auto& a) {
        for (std::size_t i = a.first; i + 1 < a.second; ++i) {
            if (keywords_at(t, i, {"IF", "EXISTS"}) || keywords_at(t, i, {"IF", "NOT", "EXISTS"})) {
                return true;
            }
        }
        return false;
    });
}

bool is_constraint_word(const Tokens& t, std::size_t i) {
    static constexpr std::string_view k_words[] = {"CONSTRAINT", "PRIMARY", "UNIQUE", "FOREIGN", "CHECK",
                                                   "EXCLUDE",    "INDEX",   "KEY",    "FULLTEXT", "SPATIAL",
                                                   "DEFAULT",    "PARTITION", "PERIOD", "SYSTEM"};
    return std::any_of(std::begin(k_words), std::end(k_words), [&](std::string_view w) { return is_keyword(t, i, w); });
}

// One ALTER TABLE action whose effect the catalog shows (ADD/DROP COLUMN, RENAME), or MySQL's ALGORITHM or
// LOCK option, which has none of its own. False for any other.
bool read_action(const Tokens& t, std::size_t i, std::size_t end, const Name& table, Dialect dialect, InFlight& out) {
    const std::string table_name = table.name;
    const auto column = [&](std::size_t at) -> std::optional<Name> {
        if (at >= end) {
            return std::nullopt;
        }
        return read_name(t, at, dialect);
    };
    if (is_keyword(t, i, "ALGORITHM") || is_keyword(t, i, "LOCK")) {
        return true;  // MySQL's ALGORITHM=COPY, LOCK=NONE: how the others run, no effect of their own
    }
    if (is_keyword(t, i, "ADD") || is_keyword(t, i, "DROP")) {
        const bool add = is_keyword(t, i, "ADD");
        std::size_t at = i + 1;
        if (is_keyword(t, at, "COLUMN")) {
            ++at;
        } else if (is_constraint_word(t, at) || (at < end && t[at].text == "(")) {
            return false;
        }
        if (is_keyword(t, at, "IF")) {
            return false;  // guarded, beside actions that are not
        }
        auto c = column(at);
        if (!c || c->schema) {
            return false;
        }
        CatalogObject o{CatalogKind::column, table.schema, c->name, table_name};
        (add ? out.appears : out.disappears).push_back(std::move(o));
        return true;
    }
    if (!is_keyword(t, i, "RENAME")) {
        return false;
    }
    std::size_t at = i + 1;
    if (is_keyword(t, at, "TO") || is_keyword(t, at, "AS")) {
        auto to = column(at + 1);
        if (!to) {
            return false;
        }
        out.disappears.push_back(object(CatalogKind::relation, table));
        out.appears.push_back(object(CatalogKind::relation, Name{to->schema ? to->schema : table.schema, to->name}));
        return true;
    }
    if (is_keyword(t, at, "COLUMN")) {
        ++at;
    } else if (is_constraint_word(t, at)) {
        return false;
    }
    auto from = column(at);
    if (!from || !is_keyword(t, ++at, "TO")) {
        return false;
    }
    auto to = column(at + 1);
    if (!to) {
        return false;
    }
    out.disappears.push_back(CatalogObject{CatalogKind::column, table.schema, from->name, table_name});
    out.appears.push_back(CatalogObject{CatalogKind::column, table.schema, to->name, table_name});
    return true;
}

InFlight alter_table(const Tokens& t, Dialect dialect) {
    std::size_t i = 2;
    if (is_keyword(t, i, "ONLY")) {
        ++i;
    }
    if (is_keyword(t, i, "IF")) {
        return {};  // ALTER TABLE IF EXISTS: whether the table was there is not known
    }
    const auto table = read_name(t, i, dialect);
    if (!table) {
        return {};
    }
    if (every_action_guarded(t, i)) {
        return {InFlightCheck::run_again, {}, {}, false};
    }
    InFlight out{InFlightCheck::catalog, {}, {}, false};
    for (const auto& [start, end] : actions(t, i)) {
        if (start >= end || !read_action(t, start, end, *table, dialect, out)) {
            return {};
        }
    }
    if (out.appears.empty() && out.disappears.empty()) {
        return {};  // only options (ALTER TABLE t ALGORITHM=COPY): nothing the catalog shows
    }
    return out;
}

InFlight create_index(const Tokens& t, Dialect dialect) {
    std::size_t i = 1;
    if (is_keyword(t, i, "UNIQUE")) {
        ++i;
    }
    ++i;  // INDEX
    InFlight out{InFlightCheck::index, {}, {}, false};
    if (is_keyword(t, i, "CONCURRENTLY")) {
        out.concurrently = true;
        ++i;
    }
    skip_if_exists(t, i);  // IF NOT EXISTS would keep an INVALID index: not idempotent here
    if (is_keyword(t, i, "ON")) {
        return {};  // the server names it
    }
    auto index = read_name(t, i, dialect);
    if (!index || !is_keyword(t, i++, "ON")) {
        return {};
    }
    if (is_keyword(t, i, "ONLY")) {
        ++i;
    }
    auto table = read_name(t, i, dialect);
    if (!table) {
        return {};
    }
    if (!index->schema) {
        index->schema = table->schema;  // PostgreSQL makes the index in its table's schema
    }
    out.appears.push_back(object(CatalogKind::index, std::move(*index), dialect->catalog.index_names == IndexNames::per_table ? table->name : ""));
    return out;
}

std::optional<CatalogKind> created_kind(const Tokens& t, std::size_t& i, Dialect dialect) {
    static constexpr std::string_view k_modifiers[] = {"TEMP", "TEMPORARY", "UNLOGGED", "GLOBAL", "LOCAL",
                                                       "MATERIALIZED", "RECURSIVE"};
    while (std::any_of(std::begin(k_modifiers), std::end(k_modifiers),
                       [&](std::string_view w) { return is_keyword(t, i, w); })) {
        ++i;
    }
    const std::pair<std::string_view, CatalogKind> k_kinds[] = {
        {"TABLE", CatalogKind::relation},     {"VIEW", CatalogKind::relation},    {"SEQUENCE", CatalogKind::relation},
        {"FUNCTION", CatalogKind::function},  {"PROCEDURE", CatalogKind::function}, {"TYPE", CatalogKind::type},
        {"SCHEMA", CatalogKind::schema},      {"DATABASE", CatalogKind::schema}};
    for (const auto& [word, kind] : k_kinds) {
        if (word == "DATABASE" && !dialect->catalog.database_is_schema) {
            continue;  // a database of PostgreSQL is not a schema
        }
        if (is_keyword(t, i, word)) {
            ++i;
            return kind;
        }
    }
    return std::nullopt;
}

// CREATE or DROP of a table, view, sequence, function, type or schema; DROP may list several.
InFlight create_or_drop(const Tokens& t, Dialect dialect) {
    const bool create = is_keyword(t, 0, "CREATE");
    std::size_t i = 1;
    const auto kind = created_kind(t, i, dialect);
    if (!kind || (*kind == CatalogKind::schema && is_keyword(t, i, "AUTHORIZATION"))) {
        return {};
    }
    InFlight out{InFlightCheck::catalog, {}, {}, false};
    do {
        auto name = read_name(t, i, dialect);
        if (!name) {
            return {};
        }
        (create ? out.appears : out.disappears).push_back(object(*kind, std::move(*name)));
        if (create || *kind == CatalogKind::function) {
            break;  // a function's argument list follows; one name is enough
        }
    } while (i < t.size() && t[i].text == "," && ++i);
    if (dialect->catalog.database_is_schema && *kind == CatalogKind::schema) {
        for (auto& o : out.appears) {  // MySQL's schema is a database, named by `name` alone
            o.schema.reset();
        }
    }
    return out;
}

// DROP INDEX [CONCURRENTLY] name (PostgreSQL, SQLite) or DROP INDEX name ON table (MySQL).
InFlight drop_index(const Tokens& t, Dialect dialect) {
    std::size_t i = 2;
    if (is_keyword(t, i, "CONCURRENTLY")) {
        ++i;
    }
    auto index = read_name(t, i, dialect);
    if (!index) {
        return {};
    }
    std::string table;
    if (dialect->catalog.index_names == IndexNames::per_table) {
        if (!is_keyword(t, i++, "ON")) {
            return {};
        }
        auto on = read_name(t, i, dialect);
        if (!on) {
            return {};
        }
        table = on->name;
        index->schema = on->schema;
    }
    return {InFlightCheck::catalog, {}, {object(CatalogKind::index, std::move(*index), table)}, false};
}

// MySQL's RENAME TABLE a TO b [, c TO d].
InFlight rename_table(const Tokens& t, Dialect dialect) {
    InFlight out{InFlightCheck::catalog, {}, {}, false};
    std::size_t i = 2;
    do {
        auto from = read_name(t, i, dialect);
        if (!from || !is_keyword(t, i++, "TO")) {
            return {};
        }
        auto to = read_name(t, i, dialect);
        if (!to) {
            return {};
        }
        out.disappears.push_back(object(CatalogKind::relation, std::move(*from)));
        out.appears.push_back(object(CatalogKind::relation, std::move(*to)));
    } while (i < t.size() && t[i].text == "," && ++i);
    return out;
}

bool guarded_by_its_words(const Tokens& t) {
    if (keywords_at(t, 0, {"CREATE", "OR", "REPLACE"})) {
        return true;
    }
    for (std::size_t i = 1; i + 1 < t.size() && i < 8; ++i) {
        if (keywords_at(t, i, {"IF", "EXISTS"}) || keywords_at(t, i, {"IF", "NOT", "EXISTS"})) {
            return true;
        }
    }
    return false;
}

}  // namespace

std::string CatalogObject::describe() const {
    static constexpr const char* k_names[] = {"relation", "column", "index", "function", "type", "schema"};
    std::string out = std::string(k_names[static_cast<int>(kind)]) + " ";
    if (schema) {
        out += *schema + ".";
    }
    return out + (table.empty() ? "" : table + ".") + name;
}

InFlight in_flight(std::string_view statement, Dialect dialect) {
    const Tokens t = name_tokens(statement, k_token_limit);
    if (t.empty()) {
        return {};
    }
    if (runs_again_by_nature(t, dialect)) {
        return {InFlightCheck::run_again, {}, {}, false};
    }
    const bool create = is_keyword(t, 0, "CREATE");
    if (create && (is_keyword(t, 1, "INDEX") || (is_keyword(t, 1, "UNIQUE") && is_keyword(t, 2, "INDEX")))) {
        return create_index(t, dialect);
    }
    if (keywords_at(t, 0, {"ALTER", "TABLE"})) {
        return alter_table(t, dialect);
    }
    if (guarded_by_its_words(t)) {
        return {InFlightCheck::run_again, {}, {}, false};
    }
    if (keywords_at(t, 0, {"DROP", "INDEX"})) {
        return drop_index(t, dialect);
    }
    if (create || is_keyword(t, 0, "DROP")) {
        return create_or_drop(t, dialect);
    }
    if (dialect->catalog.rename_table_statement && keywords_at(t, 0, {"RENAME", "TABLE"})) {
        return rename_table(t, dialect);
    }
    return {};
}

std::optional<std::string> object_exists_sql(const CatalogObject& object, Dialect dialect) {
    return dialect->catalog.object_exists_sql(object);
}

std::string drop_invalid_index_sql(const std::string& schema, const std::string& name, bool concurrently,
                                   Dialect dialect) {
    return std::string("DROP INDEX ") + (concurrently ? "CONCURRENTLY " : "") + "IF EXISTS " +
           TableName{schema, name}.quoted(dialect);
}

}  // namespace sqlmig::core
