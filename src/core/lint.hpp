#pragma once
// `sqlmig lint`: what will hurt in a migration, found without a database. Pure:
// the caller reads the files and passes their text in; rules see each statement
// (split as sqlmig runs it) and each migration's up and down together.
// docs/lint.md documents every rule with a bad and a good example.

#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/dialect.hpp"
#include "core/sql_splitter.hpp"

namespace sqlmig::core {

enum class Severity { error, warning };

// What `up`, `down` and `redo` do with a finding of the rule in a file they are about
// to run: refuse only where running it would fail or corrupt, never for what the
// database merely ignores (a folder that its own tool runs must run here too).
enum class AtRun { refuse, warn };

struct LintRule {
    std::string_view id;
    Severity severity;
    AtRun at_run;
    std::string_view summary;
};

// Every rule, in the order docs/lint.md lists them.
std::span<const LintRule> lint_rules();
const LintRule* find_lint_rule(std::string_view id);

struct Finding {
    std::string file;  // as messages name it
    Position position;
    Severity severity;
    std::string rule;
    std::string message;
};

// "path:line:col: error: message [rule-id]"
std::string format_finding(const Finding& finding);

// One migration file's text, as the folder holds it.
struct LintFile {
    std::string label;  // how messages name it
    std::string text;
    bool no_transaction = false;     // its format's no-transaction marker is set (goose, dbmate, sql-migrate, Flyway)
    bool outer_transaction = false;  // written for a runner that wraps it in a transaction (core::OuterTransaction)
};

// One migration: its up file and, when it has one, its down file.
struct LintMigration {
    LintFile up;
    std::optional<LintFile> down;
    std::string up_name, down_name;  // the names from the file names, to compare
    // A baseline (core/squash.hpp): it has no down by design, so none is asked for.
    bool baseline = false;
};

struct LintOptions {
    Dialect dialect;
    std::set<std::string> disabled;  // rule ids switched off ([lint] disable)
    int server_version = 0;          // 0: the newest rules
    // [postgres] lock_timeout sets lock_timeout for every migration's session.
    bool lock_timeout_configured = false;
    bool bounded_lock_waits = false;  // sqlmig bounds each lock wait itself ([postgres] lock_retries)
};

// Whether a finding stops `up`/`down`/`redo` before anything runs.
bool refuses_run(const Finding& finding);

struct SqlToken;

// Lints migrations in version order: a table created by an earlier migration of the
// same run counts as new (no locking warnings for it). Findings come sorted by file,
// then position. Suppression comments are honoured, and an unknown rule id in one is
// itself a finding (an error) naming its line.
class Linter {
public:
    explicit Linter(LintOptions options) : m_options(std::move(options)) {}

    void add(const LintMigration& migration);
    // One file about to run on its own (the lint before `up`, `down`, `redo`): only the
    // statement rules, with a down's exemptions for a down.
    enum class Role { up, down };
    void add_file(const LintFile& file, Role role);
    // A finding not tied to a statement (a misnamed file, a duplicate version).
    void add_folder_problem(const std::string& file, const std::string& rule, const std::string& message);

    const std::vector<Finding>& findings() const { return m_findings; }

private:
    struct FileScope;
    void lint_file(const LintFile& file, Role role, std::map<std::string, std::string>* created_objects);
    void lint_statement(FileScope& scope, const Statement& s);
    // The statement rules: each looks at one statement and says whether later rules still apply.
    struct Checked;
    enum class Next { more, stop };
    using StatementRule = Next (Linter::*)(FileScope&, const Checked&);
    Next transaction_control(FileScope& scope, const Checked& c);
    Next outside_own_transaction(FileScope& scope, const Checked& c);
    Next psql_meta_command(FileScope& scope, const Checked& c);
    Next concurrently_in_transaction(FileScope& scope, const Checked& c);
    Next copy_from_stdin(FileScope& scope, const Checked& c);
    Next sqlite_pragma(FileScope& scope, const Checked& c);
    Next created_object(FileScope& scope, const Checked& c);
    Next alter_table(FileScope& scope, const Checked& c);
    void alter_table_locks(FileScope& scope, const Checked& c, const std::string& table);
    void alter_table_add(FileScope& scope, const Checked& c, const std::string& table, std::size_t add);
    Next drop_table(FileScope& scope, const Checked& c);
    Next lock_timeout_setting(FileScope& scope, const Checked& c);
    void lint_pragma(FileScope& scope, const Statement& s, const std::vector<SqlToken>& tokens);
    void check_down_reverts(const LintMigration& m, const std::map<std::string, std::string>& created);
    void report(FileScope& scope, const Statement& s, std::size_t char_offset, std::string_view rule,
                std::string message);

    LintOptions m_options;
    std::set<std::string> m_new_tables;  // created by a migration linted earlier in this run
    std::vector<Finding> m_findings;
};

// The tables a file's statements lock against the sessions that use them, named as lint's
// rules name them (lower-cased unless quoted, without their schema): ALTER TABLE, DROP TABLE,
// TRUNCATE, LOCK TABLE, and the table of CREATE INDEX and CREATE TRIGGER ... ON. The pre-flight
// before `up` (docs/production.md) looks for old transactions holding locks on them.
std::set<std::string> tables_locked(std::string_view file_text, Dialect dialect);

// Lexical tokens of one statement outside strings and comments, for the rules.
struct SqlToken {
    enum class Kind { word, quoted_identifier, string, number, symbol };
    Kind kind;
    std::string text;         // words upper-cased; quoted identifiers without their quotes
    std::size_t char_offset;  // in the statement, in characters
};
std::vector<SqlToken> tokenize_statement(std::string_view statement, Dialect dialect);

}  // namespace sqlmig::core
