#include "core/lint.hpp"

#include <algorithm>
#include <cctype>
#include <map>

#include "core/statement_kind.hpp"
#include "core/text_check.hpp"
#include "util/text.hpp"

namespace sqlmig::core {

namespace {

// 'text', shortened. (Not "'" + ...: GCC 12 warns falsely, -Wrestrict, on that form.)
std::string quoted_excerpt(std::string_view text, std::size_t max) {
    std::string out(1, '\'');
    out += util::shorten(text, max);
    out += '\'';
    return out;
}

constexpr LintRule k_rules[] = {
    // errors: the migration fails, or does something else than it says
    {"unterminated", Severity::error, AtRun::refuse, "a string, identifier or comment is never closed"},
    {"not-utf8-text", Severity::error, AtRun::refuse,
     "the file is not UTF-8 text (NUL bytes, UTF-16, invalid bytes)"},
    {"bad-file-name", Severity::error, AtRun::refuse, "a .sql file whose name is not a migration's"},
    {"duplicate-version", Severity::error, AtRun::refuse, "two files have one version"},
    {"down-without-up", Severity::error, AtRun::refuse, "a down file whose version has no up"},
    {"concurrently-in-transaction", Severity::error, AtRun::refuse,
     "a statement PostgreSQL refuses in a transaction block, in a file that runs in one"},
    {"unbalanced-transaction", Severity::error, AtRun::refuse,
     "BEGIN/COMMIT that do not pair in a file with its own transaction"},
    {"psql-meta-command", Severity::error, AtRun::refuse, "a psql command (\\i, \\connect, \\set...) the server rejects"},
    {"copy-from-stdin", Severity::error, AtRun::refuse, "COPY ... FROM STDIN: sqlmig sends no data"},
    {"wal-in-transaction", Severity::error, AtRun::refuse,
     "SQLite PRAGMA journal_mode = WAL inside a transaction, which SQLite refuses"},
    // A typo in a suppression is lint's business; it changes nothing the migration does.
    {"unknown-lint-rule", Severity::error, AtRun::warn, "a suppression names a rule that does not exist"},
    // warnings: what SQLite ignores
    {"pragma-in-transaction", Severity::warning, AtRun::warn,
     "SQLite PRAGMA foreign_keys or journal_mode inside a transaction, where SQLite ignores it"},
    // warnings: locks and breaks, PostgreSQL, on tables that exist before the run
    {"index-not-concurrently", Severity::warning, AtRun::warn, "CREATE INDEX without CONCURRENTLY blocks writes"},
    {"constraint-not-valid", Severity::warning, AtRun::warn,
     "a FOREIGN KEY or CHECK added without NOT VALID scans the table under lock"},
    {"alter-column-type", Severity::warning, AtRun::warn,
     "ALTER COLUMN ... TYPE rewrites the table under an exclusive lock"},
    {"add-column-not-null", Severity::warning, AtRun::warn,
     "ADD COLUMN ... NOT NULL without a default fails on a table with rows"},
    {"add-column-volatile-default", Severity::warning, AtRun::warn,
     "ADD COLUMN with a volatile default rewrites the table"},
    {"set-not-null", Severity::warning, AtRun::warn, "SET NOT NULL scans the table under an exclusive lock"},
    {"add-key-without-index", Severity::warning, AtRun::warn,
     "ADD PRIMARY KEY/UNIQUE builds an index under an exclusive lock"},
    {"rename-or-drop", Severity::warning, AtRun::warn,
     "renaming or dropping a table or column breaks the code running now"},
    {"missing-lock-timeout", Severity::warning, AtRun::warn,
     "ALTER TABLE on an existing table with no lock_timeout set"},
    {"several-exclusive-locks", Severity::warning, AtRun::warn,
     "several ALTER TABLEs on existing tables hold their locks for the whole transaction"},
    {"outside-own-transaction", Severity::warning, AtRun::warn,
     "statements before BEGIN or after COMMIT commit on their own"},
    // warnings: any database
    {"empty-migration", Severity::warning, AtRun::warn,
     "an up with no statement: applying it records the migration and changes nothing"},
    {"missing-down", Severity::warning, AtRun::warn, "a migration without a down cannot be reverted"},
    {"down-does-not-revert", Severity::warning, AtRun::warn, "the down never mentions an object its up creates"},
    {"names-differ", Severity::warning, AtRun::warn, "the up and down files have different names"},
};

constexpr std::string_view k_ignore_marker = "sqlmig:lint-ignore";

bool is_word(const SqlToken& t, std::string_view w) {
    return t.kind == SqlToken::Kind::word && t.text == w;
}

std::size_t chars_in(std::string_view s) {
    return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

// The name after `i` (skipping IF [NOT] EXISTS and ONLY), lower-cased unless quoted; "" when none.
std::string object_name_at(const std::vector<SqlToken>& t, std::size_t i) {
    while (i < t.size() && (is_word(t[i], "IF") || is_word(t[i], "NOT") || is_word(t[i], "EXISTS") ||
                            is_word(t[i], "ONLY") || is_word(t[i], "CONCURRENTLY"))) {
        ++i;
    }
    std::string name;
    while (i < t.size() && (t[i].kind == SqlToken::Kind::word || t[i].kind == SqlToken::Kind::quoted_identifier)) {
        name = t[i].kind == SqlToken::Kind::word ? util::to_lower(t[i].text) : t[i].text;  // schema.name -> name
        if (i + 1 < t.size() && t[i + 1].kind == SqlToken::Kind::symbol && t[i + 1].text == ".") {
            i += 2;
            continue;
        }
        break;
    }
    return name;
}

std::size_t find_word(const std::vector<SqlToken>& t, std::string_view w, std::size_t from = 0) {
    for (std::size_t i = from; i < t.size(); ++i) {
        if (is_word(t[i], w)) {
            return i;
        }
    }
    return t.size();
}

bool has_word(const std::vector<SqlToken>& t, std::string_view w) {
    return find_word(t, w) < t.size();
}

// Rule ids after the marker in a comment line: "-- sqlmig:lint-ignore a, b".
std::optional<std::vector<std::string>> ignored_rules(std::string_view line) {
    const std::size_t at = line.find(k_ignore_marker);
    const std::size_t dashes = line.find("--");
    if (at == std::string_view::npos || dashes == std::string_view::npos || dashes > at) {
        return std::nullopt;
    }
    std::vector<std::string> ids;
    for (auto& part : util::split(line.substr(at + k_ignore_marker.size()), ',')) {
        const std::string id(util::trim(part));
        if (!id.empty()) {
            ids.push_back(id);
        }
    }
    return ids;
}

std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> lines;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t end = std::min(text.find('\n', start), text.size());
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

const std::set<std::string> k_volatile = {"NOW", "RANDOM", "CLOCK_TIMESTAMP", "GEN_RANDOM_UUID", "UUID_GENERATE_V4",
                                          "NEXTVAL", "TIMEOFDAY", "STATEMENT_TIMESTAMP", "TRANSACTION_TIMESTAMP"};

}  // namespace

std::span<const LintRule> lint_rules() {
    return k_rules;
}

const LintRule* find_lint_rule(std::string_view id) {
    for (const auto& r : k_rules) {
        if (r.id == id) {
            return &r;
        }
    }
    return nullptr;
}

bool refuses_run(const Finding& f) {
    const LintRule* rule = find_lint_rule(f.rule);
    return f.severity == Severity::error && (!rule || rule->at_run == AtRun::refuse);
}

std::string format_finding(const Finding& f) {
    return f.file + ":" + std::to_string(f.position.line) + ":" + std::to_string(f.position.column) + ": " +
           (f.severity == Severity::error ? "error" : "warning") + ": " + f.message + " [" + f.rule + "]";
}

std::vector<SqlToken> tokenize_statement(std::string_view s, Dialect dialect) {
    const LexicalRules& rules = lexical_rules(dialect);
    std::vector<SqlToken> out;
    std::size_t i = 0;
    std::size_t chars = 0;  // characters before s[i]
    const auto advance_to = [&](std::size_t j) {
        chars += chars_in(s.substr(i, j - i));
        i = j;
    };
    while (i < s.size()) {
        const char c = s[i];
        const char n = i + 1 < s.size() ? s[i + 1] : '\0';
        if (std::isspace(static_cast<unsigned char>(c))) {
            advance_to(i + 1);
        } else if (c == '-' && n == '-') {
            advance_to(std::min(s.find('\n', i), s.size()));
        } else if (c == '/' && n == '*') {
            const std::size_t end = s.find("*/", i + 2);
            advance_to(end == std::string_view::npos ? s.size() : end + 2);
        } else if (c == '\'' || (c == '"') || (c == '`' && rules.backtick_identifiers)) {
            std::size_t j = i + 1;
            while (j < s.size() && !(s[j] == c && (j + 1 >= s.size() || s[j + 1] != c))) {
                j += s[j] == c ? 2 : 1;
            }
            const std::string inner(s.substr(i + 1, std::min(j, s.size()) - i - 1));
            out.push_back({c == '\'' ? SqlToken::Kind::string : SqlToken::Kind::quoted_identifier, inner, chars});
            advance_to(std::min(j + 1, s.size()));
        } else if (c == '$' && rules.dollar_quotes) {
            std::size_t j = i + 1;
            while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_')) {
                ++j;
            }
            if (j < s.size() && s[j] == '$') {
                const std::string tag(s.substr(i, j - i + 1));
                const std::size_t end = s.find(tag, j + 1);
                out.push_back({SqlToken::Kind::string, "", chars});
                advance_to(end == std::string_view::npos ? s.size() : end + tag.size());
            } else {
                out.push_back({SqlToken::Kind::symbol, "$", chars});
                advance_to(j);
            }
        } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_' || static_cast<unsigned char>(c) >= 0x80) {
            std::size_t j = i;
            while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_' || s[j] == '$' ||
                                    static_cast<unsigned char>(s[j]) >= 0x80)) {
                ++j;
            }
            out.push_back({SqlToken::Kind::word, util::to_upper(s.substr(i, j - i)), chars});
            advance_to(j);
        } else if (std::isdigit(static_cast<unsigned char>(c))) {
            std::size_t j = i;
            while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '.')) {
                ++j;
            }
            out.push_back({SqlToken::Kind::number, std::string(s.substr(i, j - i)), chars});
            advance_to(j);
        } else {
            out.push_back({SqlToken::Kind::symbol, std::string(1, c), chars});
            advance_to(i + 1);
        }
    }
    return out;
}

// What the rules need to know of the file being linted.
struct Linter::FileScope {
    const LintFile* file = nullptr;
    std::vector<std::string_view> lines;
    std::set<std::string> file_ignored;       // from the file's first comment block
    std::map<std::string, std::string>* created = nullptr;  // object -> its table ("" if none), for the down
    bool is_down = false;
    bool directive = false;                    // -- sqlmig:no-transaction
    TransactionMode mode = TransactionMode::wrapped;
    bool inside_own = false;
    bool stepping_out = false;  // starts inside its runner's transaction and may end inside one
    bool lock_timeout_set = false;
    int exclusive_alters = 0;
    std::set<std::string> pragmas_outside;  // set before the file's BEGIN, where they take effect
    std::vector<Statement> statements;
};

void Linter::add_folder_problem(const std::string& file, const std::string& rule, const std::string& message) {
    if (m_options.disabled.count(rule)) {
        return;
    }
    const LintRule* r = find_lint_rule(rule);
    m_findings.push_back({file, {1, 1}, r ? r->severity : Severity::error, rule, message});
}

void Linter::report(FileScope& scope, const Statement& s, std::size_t char_offset, std::string_view rule,
                    std::string message) {
    const std::string id(rule);
    if (m_options.disabled.count(id) || scope.file_ignored.count(id)) {
        return;
    }
    // "-- sqlmig:lint-ignore id" on the line before the statement.
    if (s.start.line >= 2 && s.start.line - 2 < scope.lines.size()) {
        if (const auto ids = ignored_rules(scope.lines[s.start.line - 2]);
            ids && std::find(ids->begin(), ids->end(), id) != ids->end()) {
            return;
        }
    }
    const LintRule* r = find_lint_rule(id);
    m_findings.push_back({scope.file->label, locate_in_statement(s, char_offset), r->severity, id, std::move(message)});
}

// PRAGMA foreign_keys and journal_mode do nothing inside a transaction. Harmless (the
// file's own tool ran it so), hence a warning; nothing at all when the file already set
// the same pragma before its BEGIN, where it did take effect. Switching to WAL is the
// exception: SQLite refuses it inside a transaction, so the migration would fail.
void Linter::lint_pragma(FileScope& scope, const Statement& s, const std::vector<SqlToken>& t) {
    const SqlToken& name = t[1];
    const std::string& pragma = name.text;
    if (pragma != "FOREIGN_KEYS" && pragma != "JOURNAL_MODE") {
        return;
    }
    const bool in_transaction = scope.mode == TransactionMode::wrapped || scope.inside_own;
    if (!in_transaction) {
        scope.pragmas_outside.insert(pragma);
        return;
    }
    const std::string where = scope.mode == TransactionMode::wrapped
                                  ? "the transaction sqlmig runs this file in"
                                  : "the file's own transaction";
    if (pragma == "JOURNAL_MODE" && find_word(t, "WAL") < t.size()) {
        report(scope, s, name.char_offset, "wal-in-transaction",
               "SQLite cannot change into WAL mode inside " + where + ", so this statement fails; put it before "
               "the file's BEGIN (with COMMIT at the end), or in a '-- sqlmig:no-transaction' file");
        return;
    }
    if (scope.pragmas_outside.count(pragma)) {
        return;
    }
    const std::string fix = scope.mode == TransactionMode::wrapped
                                ? "run the file without one (its format's no-transaction marker: "
                                  "'-- sqlmig:no-transaction', dbmate's 'transaction:false', goose's "
                                  "'+goose NO TRANSACTION') and put the pragma before a BEGIN of its own"
                                : "put it before the file's BEGIN";
    report(scope, s, name.char_offset, "pragma-in-transaction",
           "PRAGMA " + util::to_lower(pragma) + " has no effect inside " + where + "; to take effect, " + fix);
}

// One statement as the rules read it.
struct Linter::Checked {
    const Statement& s;
    const std::vector<SqlToken>& t;
    StatementKind kind;
    const std::string& first;  // its first word, upper-cased
};

// BEGIN/COMMIT/ROLLBACK in a file with its own transaction; nothing else applies to them.
Linter::Next Linter::transaction_control(FileScope& scope, const Checked& c) {
    if (c.kind == StatementKind::transaction_begin) {
        if (scope.inside_own) {
            report(scope, c.s, 0, "unbalanced-transaction", "BEGIN inside the file's open transaction");
        }
        scope.inside_own = true;
        return Next::stop;
    }
    if (c.kind == StatementKind::transaction_end || c.kind == StatementKind::transaction_abort) {
        if (!scope.inside_own && scope.mode == TransactionMode::own) {
            report(scope, c.s, 0, "unbalanced-transaction", c.first + " with no transaction open");
        }
        scope.inside_own = false;
        return Next::stop;
    }
    return Next::more;
}

Linter::Next Linter::outside_own_transaction(FileScope& scope, const Checked& c) {
    if (scope.mode == TransactionMode::own && !scope.inside_own && c.kind != StatementKind::non_transactional &&
        !is_session_setting(c.s, m_options.dialect)) {
        report(scope, c.s, 0, "outside-own-transaction",
               "this statement is outside the file's BEGIN ... COMMIT and commits on its own");
    }
    return Next::more;
}

Linter::Next Linter::psql_meta_command(FileScope& scope, const Checked& c) {
    if (c.t[0].kind != SqlToken::Kind::symbol || c.t[0].text != "\\") {
        return Next::more;
    }
    report(scope, c.s, 0, "psql-meta-command",
           quoted_excerpt(c.s.text, 30) + " is a psql command, not SQL: the server rejects it");
    return Next::stop;
}

Linter::Next Linter::concurrently_in_transaction(FileScope& scope, const Checked& c) {
    if (c.kind == StatementKind::non_transactional && scope.mode == TransactionMode::wrapped) {
        report(scope, c.s, 0, "concurrently-in-transaction",
               quoted_excerpt(c.s.text, 50) + " cannot run inside a transaction, and this file runs in one; "
               "put it in a migration of its own or start the file with '-- sqlmig:no-transaction'");
    }
    return Next::more;
}

Linter::Next Linter::copy_from_stdin(FileScope& scope, const Checked& c) {
    if (c.first == "COPY" && has_word(c.t, "FROM") && has_word(c.t, "STDIN")) {
        report(scope, c.s, c.t[find_word(c.t, "STDIN")].char_offset, "copy-from-stdin",
               "COPY ... FROM STDIN reads data that sqlmig does not send; use INSERT, or COPY FROM a server file");
    }
    return Next::more;
}

Linter::Next Linter::sqlite_pragma(FileScope& scope, const Checked& c) {
    if (c.first == "PRAGMA" && m_options.dialect->catalog.pragmas && c.t.size() > 1) {
        lint_pragma(scope, c.s, c.t);
    }
    return Next::more;
}

// What the file creates, for its down and for the locking rules of later files; and an index
// built without CONCURRENTLY on a table that already exists.
Linter::Next Linter::created_object(FileScope& scope, const Checked& c) {
    const auto& t = c.t;
    if (c.first != "CREATE" || t.size() <= 2) {
        return Next::more;
    }
    std::size_t at = 1;
    while (at < t.size() && (is_word(t[at], "OR") || is_word(t[at], "REPLACE") || is_word(t[at], "UNIQUE") ||
                             is_word(t[at], "TEMP") || is_word(t[at], "TEMPORARY") ||
                             is_word(t[at], "MATERIALIZED") || is_word(t[at], "UNLOGGED"))) {
        ++at;
    }
    static const std::set<std::string> kinds = {"TABLE", "INDEX", "TYPE", "FUNCTION", "VIEW", "TRIGGER",
                                                "PROCEDURE", "SEQUENCE", "DOMAIN"};
    if (at >= t.size() || !kinds.count(t[at].text)) {
        return Next::more;
    }
    const std::string name = object_name_at(t, at + 1);
    const std::size_t on = find_word(t, "ON");
    const std::string on_table = on < t.size() ? object_name_at(t, on + 1) : "";
    if (!name.empty() && name != "on" && scope.created) {
        (*scope.created)[name] = on_table;  // an index or trigger goes with its table
    }
    if (t[at].text == "TABLE" && !name.empty()) {
        m_new_tables.insert(name);
    }
    if (t[at].text == "INDEX" && m_options.dialect->postgres_lock_rules && !has_word(t, "CONCURRENTLY") &&
        !on_table.empty() && !m_new_tables.count(on_table)) {
        report(scope, c.s, 0, "index-not-concurrently",
               "CREATE INDEX on " + on_table + " blocks its writes while the index builds; use CREATE "
               "INDEX CONCURRENTLY in a '-- sqlmig:no-transaction' migration");
    }
    return Next::more;
}

namespace {

// ADD [COLUMN] x, as opposed to ADD CONSTRAINT / PRIMARY KEY / UNIQUE / FOREIGN KEY / CHECK.
bool adds_column(const std::vector<SqlToken>& t, std::size_t add) {
    const SqlToken& next = t[add + 1];
    return is_word(next, "COLUMN") ||
           !(is_word(next, "CONSTRAINT") || is_word(next, "PRIMARY") || is_word(next, "UNIQUE") ||
             is_word(next, "FOREIGN") || is_word(next, "CHECK"));
}

}  // namespace

// ALTER TABLE: the columns it adds (for the down), then PostgreSQL's locking rules, which do not
// apply to a table this run creates (it has no readers to block yet).
Linter::Next Linter::alter_table(FileScope& scope, const Checked& c) {
    const auto& t = c.t;
    if (c.first != "ALTER" || t.size() <= 2 || !is_word(t[1], "TABLE")) {
        return Next::more;
    }
    const std::string table = object_name_at(t, 2);
    for (std::size_t i = 2; i + 1 < t.size() && scope.created; ++i) {
        if (is_word(t[i], "ADD") && (t[i + 1].kind != SqlToken::Kind::word || adds_column(t, i))) {
            const std::string column = object_name_at(t, is_word(t[i + 1], "COLUMN") ? i + 2 : i + 1);
            if (!column.empty()) {
                (*scope.created)[column] = table;  // a column goes with its table
            }
        }
    }
    if (m_new_tables.count(table) || !m_options.dialect->postgres_lock_rules) {
        return Next::stop;
    }
    ++scope.exclusive_alters;
    alter_table_locks(scope, c, table);
    for (std::size_t i = 2; i + 1 < t.size(); ++i) {
        if (is_word(t[i], "ADD")) {
            alter_table_add(scope, c, table, i);
        }
    }
    if (!scope.is_down && (has_word(t, "RENAME") || (has_word(t, "DROP") && has_word(t, "COLUMN")))) {
        report(scope, c.s, 0, "rename-or-drop",
               "renaming or dropping a column of " + table + " breaks the code that runs against it now; "
               "deploy code that stops using it first");
    }
    return Next::stop;
}

// The rules about how long ALTER TABLE holds its exclusive lock, and on what it waits.
void Linter::alter_table_locks(FileScope& scope, const Checked& c, const std::string& table) {
    const auto& t = c.t;
    // sqlmig bounds and retries the waits of a migration in its own transaction, and of each
    // statement of a no-transaction file (docs/production.md); not inside a file's own BEGIN.
    const bool bounded = m_options.bounded_lock_waits &&
                         (scope.mode == TransactionMode::wrapped || scope.mode == TransactionMode::none);
    if (!scope.lock_timeout_set && !m_options.lock_timeout_configured && !bounded) {
        report(scope, c.s, 0, "missing-lock-timeout",
               "ALTER TABLE " + table + " waits for its lock behind every query on it, and blocks all "
               "queries behind it meanwhile; SET lock_timeout = '5s' earlier in the file");
    }
    if (scope.exclusive_alters == 2 && scope.mode == TransactionMode::wrapped) {
        report(scope, c.s, 0, "several-exclusive-locks",
               "a second ALTER TABLE on an existing table: both locks are held until the migration commits; "
               "split it into migrations of their own");
    }
    const bool not_valid = has_word(t, "VALID") && find_word(t, "NOT") < find_word(t, "VALID");
    if ((has_word(t, "FOREIGN") || has_word(t, "REFERENCES") || has_word(t, "CHECK")) && has_word(t, "ADD") &&
        !not_valid) {
        report(scope, c.s, 0, "constraint-not-valid",
               "adding a constraint to " + table + " checks every row under a lock; add it NOT VALID, then "
               "VALIDATE CONSTRAINT in a later migration");
    }
    if (const std::size_t type = find_word(t, "TYPE");
        type < t.size() && has_word(t, "ALTER") && find_word(t, "COLUMN") < type) {
        report(scope, c.s, t[type].char_offset, "alter-column-type",
               "changing a column's type rewrites " + table + " under an exclusive lock; add a new column and "
               "backfill it instead");
    }
    if (has_word(t, "SET") && has_word(t, "NOT") && has_word(t, "NULL") &&
        find_word(t, "SET") + 1 == find_word(t, "NOT")) {
        report(scope, c.s, t[find_word(t, "SET")].char_offset, "set-not-null",
               "SET NOT NULL scans " + table + " under an exclusive lock; add a CHECK (col IS NOT NULL) "
               "NOT VALID and validate it first");
    }
}

// One ADD clause of an ALTER TABLE (up to the next comma): a column or a key.
void Linter::alter_table_add(FileScope& scope, const Checked& c, const std::string& table, std::size_t add) {
    const auto& t = c.t;
    std::size_t end = add + 1;
    while (end < t.size() && !(t[end].kind == SqlToken::Kind::symbol && t[end].text == ",")) {
        ++end;
    }
    const auto clause_has = [&](std::string_view w) {
        for (std::size_t k = add; k < end; ++k) {
            if (is_word(t[k], w)) {
                return k;
            }
        }
        return t.size();
    };
    if (!adds_column(t, add)) {
        if ((clause_has("PRIMARY") < t.size() || clause_has("UNIQUE") < t.size()) && clause_has("USING") == t.size()) {
            report(scope, c.s, t[add].char_offset, "add-key-without-index",
                   "this builds a unique index on " + table + " under an exclusive lock; CREATE UNIQUE INDEX "
                   "CONCURRENTLY first, then ADD ... USING INDEX");
        }
        return;
    }
    const std::size_t dflt = clause_has("DEFAULT");
    const bool not_null = clause_has("NOT") < t.size() && clause_has("NULL") < t.size();
    if (not_null && dflt == t.size()) {
        report(scope, c.s, t[add].char_offset, "add-column-not-null",
               "a NOT NULL column without a DEFAULT cannot be added to a table that has rows; give it a DEFAULT");
    }
    if (dflt < t.size() && dflt + 1 < end && k_volatile.count(t[dflt + 1].text)) {
        report(scope, c.s, t[dflt + 1].char_offset, "add-column-volatile-default",
               "a volatile DEFAULT (" + util::to_lower(t[dflt + 1].text) + "()) rewrites every row of " + table +
                   " under an exclusive lock; add the column without it, then backfill");
    }
}

Linter::Next Linter::drop_table(FileScope& scope, const Checked& c) {
    const auto& t = c.t;
    if (c.first != "DROP" || t.size() <= 2 || !is_word(t[1], "TABLE") || scope.is_down ||
        !m_options.dialect->postgres_lock_rules) {
        return Next::more;
    }
    const std::string table = object_name_at(t, 2);
    if (!m_new_tables.count(table)) {
        report(scope, c.s, 0, "rename-or-drop",
               "dropping " + table + " breaks the code that still reads it; deploy code that stops using it first");
    }
    return Next::more;
}

Linter::Next Linter::lock_timeout_setting(FileScope& scope, const Checked& c) {
    if (c.first == "SET" && has_word(c.t, "LOCK_TIMEOUT")) {
        scope.lock_timeout_set = true;
    }
    return Next::more;
}

void Linter::lint_statement(FileScope& scope, const Statement& s) {
    const std::vector<SqlToken> t = tokenize_statement(s.text, m_options.dialect);
    if (t.empty()) {
        return;
    }
    // In order; a rule that returns stop ends the statement's turn.
    static constexpr StatementRule k_statement_rules[] = {
        &Linter::transaction_control, &Linter::outside_own_transaction, &Linter::psql_meta_command,
        &Linter::concurrently_in_transaction, &Linter::copy_from_stdin, &Linter::sqlite_pragma,
        &Linter::created_object, &Linter::alter_table, &Linter::drop_table, &Linter::lock_timeout_setting,
    };
    const Checked checked{s, t, classify(s, m_options.dialect, m_options.server_version), t[0].text};
    for (const StatementRule rule : k_statement_rules) {
        if ((this->*rule)(scope, checked) == Next::stop) {
            return;
        }
    }
}

void Linter::lint_file(const LintFile& file, Role role, std::map<std::string, std::string>* created) {
    FileScope scope;
    scope.file = &file;
    scope.lines = lines_of(file.text);
    scope.is_down = role == Role::down;
    scope.created = created;
    TextCheck text;
    text.feed(file.text);
    text.finish();
    if (const auto& problem = text.problem()) {
        if (!m_options.disabled.count("not-utf8-text")) {
            m_findings.push_back({file.label, {problem->line, 1}, Severity::error, "not-utf8-text",
                                  "byte offset " + std::to_string(problem->offset) + ": the file holds " +
                                      problem->what});
        }
        return;
    }
    SqlSplitter splitter(m_options.dialect);
    splitter.feed(file.text);
    splitter.finish();
    FileAnalysis analysis(m_options.dialect, m_options.server_version);
    while (auto st = splitter.next()) {
        analysis.add(*st);
        scope.statements.push_back(std::move(*st));
    }
    // Suppressions: right above a statement they cover it; higher up, before the first
    // statement, they cover the whole file.
    const std::uint32_t first_statement_line = scope.statements.empty() ? ~0u : scope.statements.front().start.line;
    for (std::size_t i = 0; i < scope.lines.size(); ++i) {
        const auto ids = ignored_rules(scope.lines[i]);
        if (!ids) {
            continue;
        }
        for (const auto& id : *ids) {
            if (!find_lint_rule(id)) {
                m_findings.push_back({file.label, {static_cast<std::uint32_t>(i + 1), 1}, Severity::error,
                                      "unknown-lint-rule", "no lint rule is named '" + util::printable(id) +
                                                               "' ('sqlmig lint --help' lists them)"});
            } else if (i + 2 < first_statement_line) {
                scope.file_ignored.insert(id);  // above the first statement, not right above it: the whole file
            }
        }
    }
    if (const auto& open = splitter.unterminated()) {
        if (!m_options.disabled.count("unterminated")) {
            m_findings.push_back({file.label, open->start, Severity::error, "unterminated",
                                  open->what + " is never closed; the file ends inside it"});
        }
    }
    scope.directive = has_no_transaction_directive(file.text) || file.no_transaction;
    if (scope.directive) {
        scope.mode = TransactionMode::none;
    } else if (analysis.non_transactional_count() > 0 && analysis.non_transactional_count() == analysis.statement_count()) {
        scope.mode = TransactionMode::none;
    } else {
        scope.mode = analysis.first_transaction_control() ? TransactionMode::own : TransactionMode::wrapped;
        // A file that COMMITs its runner's transaction first starts inside one (TransactionMode::stepping_out).
        scope.stepping_out = file.outer_transaction && analysis.first_transaction_control() &&
                             classify(*analysis.first_transaction_control(), m_options.dialect,
                                      m_options.server_version) == StatementKind::transaction_end;
        scope.inside_own = scope.stepping_out;
    }
    if (role == Role::up && scope.statements.empty() && !m_options.disabled.count("empty-migration") &&
        !scope.file_ignored.count("empty-migration")) {
        m_findings.push_back({file.label, {1, 1}, Severity::warning, "empty-migration",
                              "no statement: applying it records the migration as applied and changes nothing "
                              "(once applied, adding SQL to it needs 'sqlmig repair'); write its SQL first"});
    }
    for (const auto& s : scope.statements) {
        lint_statement(scope, s);
    }
    if (scope.inside_own && !scope.stepping_out && !scope.statements.empty()) {
        report(scope, scope.statements.back(), 0, "unbalanced-transaction",
               "the file opens a transaction and never commits it");
    }
}

void Linter::check_down_reverts(const LintMigration& m, const std::map<std::string, std::string>& created) {
    if (!m.down || m_options.disabled.count("down-does-not-revert")) {
        return;
    }
    const std::vector<SqlToken> tokens = tokenize_statement(m.down->text, m_options.dialect);
    std::set<std::string> mentioned;
    for (const auto& t : tokens) {
        if (t.kind == SqlToken::Kind::word) {
            mentioned.insert(util::to_lower(t.text));
        } else if (t.kind == SqlToken::Kind::quoted_identifier) {
            mentioned.insert(t.text);
        }
    }
    for (const auto& [name, table] : created) {
        if (!mentioned.count(name) && (table.empty() || !mentioned.count(table))) {
            m_findings.push_back({m.down->label, {1, 1}, Severity::warning, "down-does-not-revert",
                                  "the down never mentions " + name + ", which " + m.up.label + " creates"});
        }
    }
}

void Linter::add_file(const LintFile& file, Role role) {
    lint_file(file, role, nullptr);
}

void Linter::add(const LintMigration& m) {
    std::map<std::string, std::string> created;
    lint_file(m.up, Role::up, &created);
    if (m.down) {
        lint_file(*m.down, Role::down, nullptr);
        check_down_reverts(m, created);
        if (m.up_name != m.down_name && !m_options.disabled.count("names-differ")) {
            m_findings.push_back({m.down->label, {1, 1}, Severity::warning, "names-differ",
                                  "the down is named '" + util::printable(m.down_name) + "', the up '" +
                                      util::printable(m.up_name) + "'"});
        }
    } else if (!m.baseline && !m_options.disabled.count("missing-down")) {
        m_findings.push_back({m.up.label, {1, 1}, Severity::warning, "missing-down",
                              "no down file: this migration cannot be reverted"});
    }
}

namespace {

// The table one statement locks (see tables_locked), or "".
std::string table_locked_by(const std::vector<SqlToken>& t) {
    if (t.size() < 2 || t[0].kind != SqlToken::Kind::word) {
        return "";
    }
    const std::string& first = t[0].text;
    if ((first == "ALTER" || first == "DROP") && is_word(t[1], "TABLE")) {
        return object_name_at(t, 2);
    }
    if (first == "LOCK" || first == "TRUNCATE") {
        return object_name_at(t, is_word(t[1], "TABLE") ? 2 : 1);
    }
    if (first != "CREATE") {
        return "";
    }
    std::size_t at = 1;
    while (at < t.size() && (is_word(t[at], "OR") || is_word(t[at], "REPLACE") || is_word(t[at], "UNIQUE") ||
                             is_word(t[at], "CONSTRAINT"))) {
        ++at;
    }
    if (at < t.size() && (is_word(t[at], "INDEX") || is_word(t[at], "TRIGGER"))) {
        const std::size_t on = find_word(t, "ON", at);
        return on < t.size() ? object_name_at(t, on + 1) : "";
    }
    return "";
}

}  // namespace

std::set<std::string> tables_locked(std::string_view file_text, Dialect dialect) {
    std::set<std::string> tables;
    SqlSplitter splitter(dialect);
    splitter.feed(file_text);
    splitter.finish();
    while (auto st = splitter.next()) {
        if (std::string table = table_locked_by(tokenize_statement(st->text, dialect)); !table.empty()) {
            tables.insert(std::move(table));
        }
    }
    return tables;
}

}  // namespace sqlmig::core
