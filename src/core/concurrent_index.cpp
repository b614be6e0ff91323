#include "core/concurrent_index.hpp"

#include <cctype>
#include <vector>

#include "core/tracking_sql.hpp"

namespace sqlmig::core {

namespace {

struct Token {
    std::string text;  // a quoted identifier's name without its quotes; anything else as written
    bool quoted = false;
};

bool is_word_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '$' ||
           static_cast<unsigned char>(c) >= 0x80;
}

// Words, quoted identifiers and single punctuation characters, comments and white space skipped,
// up to `limit` tokens (the names come first; the rest of a statement may be long).
std::vector<Token> tokens(std::string_view s, std::size_t limit) {
    std::vector<Token> out;
    std::size_t i = 0;
    while (i < s.size() && out.size() < limit) {
        const char c = s[i];
        if (std::isspace(static_cast<unsigned char>(c)) != 0) {
            ++i;
        } else if (s.substr(i, 2) == "--") {
            const auto end = s.find('\n', i);
            i = end == std::string_view::npos ? s.size() : end + 1;
        } else if (s.substr(i, 2) == "/*") {
            const auto end = s.find("*/", i + 2);
            i = end == std::string_view::npos ? s.size() : end + 2;
        } else if (c == '"') {
            Token t{"", true};
            for (++i; i < s.size(); ++i) {
                if (s[i] == '"' && i + 1 < s.size() && s[i + 1] == '"') {
                    t.text += '"';
                    ++i;
                } else if (s[i] == '"') {
                    break;
                } else {
                    t.text += s[i];
                }
            }
            ++i;
            out.push_back(std::move(t));
        } else if (is_word_char(c)) {
            const std::size_t start = i;
            while (i < s.size() && is_word_char(s[i])) {
                ++i;
            }
            out.push_back(Token{std::string(s.substr(start, i - start)), false});
        } else {
            out.push_back(Token{std::string(1, c), false});
            ++i;
        }
    }
    return out;
}

bool is_keyword(const std::vector<Token>& t, std::size_t i, std::string_view word) {
    if (i >= t.size() || t[i].quoted || t[i].text.size() != word.size()) {
        return false;
    }
    for (std::size_t k = 0; k < word.size(); ++k) {
        if (std::toupper(static_cast<unsigned char>(t[i].text[k])) != word[k]) {
            return false;
        }
    }
    return true;
}

bool is_identifier(const std::vector<Token>& t, std::size_t i) {
    return i < t.size() && (t[i].quoted || is_word_char(t[i].text[0]));
}

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
    const auto t = tokens(statement, 16);
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
        if (!is_identifier(t, i)) {
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
    if (!is_identifier(t, i)) {
        return std::nullopt;
    }
    index.table = as_written(t[i++]);
    while (i + 1 < t.size() && t[i].text == "." && !t[i].quoted && is_identifier(t, i + 1)) {
        index.table += "." + as_written(t[i + 1]);
        i += 2;
    }
    return index;
}

std::string table_indexes_sql(const ConcurrentIndex& index) {
    return "SELECT i.indexrelid::text, n.nspname, c.relname, CASE WHEN i.indisvalid THEN 't' ELSE 'f' END "
           "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
           "WHERE i.indrelid = to_regclass(" +
           sql_literal(index.table, Dialect::postgres) + ") ORDER BY 1";
}

std::string index_invalid_sql(const std::string& oid) {
    return "SELECT 't' FROM pg_index WHERE indexrelid = " + sql_literal(oid, Dialect::postgres) +
           "::oid AND NOT indisvalid";
}

std::string drop_index_concurrently_sql(const std::string& schema, const std::string& name) {
    return "DROP INDEX CONCURRENTLY IF EXISTS " + quoted(schema) + "." + quoted(name);
}

}  // namespace sqlmig::core
