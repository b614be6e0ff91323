#pragma once
// What kind of statement this is, as far as running it in a transaction goes,
// and how a whole migration file must therefore be run.

#include <optional>
#include <string>
#include <string_view>

#include "core/sql_splitter.hpp"

namespace sqlmig::core {

enum class StatementKind {
    ordinary,
    transaction_begin,   // BEGIN, START TRANSACTION
    transaction_end,     // COMMIT, END
    transaction_abort,   // ROLLBACK, ABORT (not ROLLBACK TO SAVEPOINT)
    non_transactional,   // refused inside a transaction block (CREATE INDEX CONCURRENTLY, VACUUM...)
    implicit_commit,     // commits the open transaction before and after it (MySQL/MariaDB DDL)
};

// server_version_num as PostgreSQL reports it (e.g. 150004); 0 for SQLite or unknown. The
// transaction statements are read alike for every database; the rest by the dialect's
// StatementRules.
StatementKind classify(const Statement& statement, Dialect dialect, int server_version = 0);

// Whether `word` is among the first `within` words (upper case): for each dialect's rules.
bool has_word_within(const std::vector<std::string>& words, std::string_view word, std::size_t within);

// How a migration file runs.
enum class TransactionMode {
    wrapped,         // sqlmig wraps the file and its tracking row in one transaction (the default)
    own,             // the file has its own BEGIN/COMMIT; sqlmig records inside it or after it (OwnRecording)
    none,            // no transaction: statements one by one (directive, or only non-transactional statements)
    stepping_out,    // written for a runner that wraps it, it COMMITs that transaction and BEGINs again
                     // (for CREATE INDEX CONCURRENTLY between): sqlmig opens the transaction the file
                     // expects and commits the one it leaves open
};

// Where an own-transaction file's tracking change is written (docs/migrations.md).
enum class OwnRecording {
    after_the_file,  // several transactions, or work after its COMMIT: marked running, recorded at the end
    with_its_commit,  // one BEGIN ... COMMIT with only session settings around it: recorded inside it,
                      // so a kill leaves the migration wholly applied and recorded, or wholly absent
    with_its_commit_after_work,  // the same, but work before its BEGIN commits on its own: that part
                                 // keeps the running mark
};

// Whether a statement of a file that runs without a transaction may still run inside a short one
// of sqlmig's with its statement journal entry, so that both commit together (docs/migrations.md,
// "After a crash"): data changes and the DDL that PostgreSQL, SQLite and MariaDB run the same in a
// transaction as alone. An allow-list: anything else runs alone, as written.
bool runs_with_its_journal(const Statement& statement, Dialect dialect, int server_version);

// Whether a statement only changes the session (SET, RESET, a connection PRAGMA of SQLite):
// running it again, or not at all after a crash, leaves nothing behind in the database.
bool is_session_setting(const Statement& statement, Dialect dialect);

// Whether the file was written for a runner that wraps it in a transaction (goose,
// dbmate, sql-migrate, Flyway), which decides what a COMMIT before any BEGIN means.
enum class OuterTransaction { none, expected };

// The first line that turns wrapping off: -- sqlmig:no-transaction
inline constexpr std::string_view k_no_transaction_directive = "-- sqlmig:no-transaction";

// Whether the file's first line (after a BOM) is the no-transaction directive.
bool has_no_transaction_directive(std::string_view file_start);

// Collects what matters of a file's statements, one at a time (streaming).
class FileAnalysis {
public:
    FileAnalysis(Dialect dialect, int server_version) : m_dialect(dialect), m_server_version(server_version) {}

    void add(const Statement& statement);

    std::size_t statement_count() const { return m_count; }
    // The first BEGIN/COMMIT/ROLLBACK found at the top level.
    const std::optional<Statement>& first_transaction_control() const { return m_first_tx; }
    // The first statement that cannot run inside a transaction block.
    const std::optional<Statement>& first_non_transactional() const { return m_first_non_tx; }
    std::size_t non_transactional_count() const { return m_non_tx_count; }
    // The first statement that commits implicitly (MySQL/MariaDB DDL): the file cannot be one transaction.
    const std::optional<Statement>& first_implicit_commit() const { return m_first_implicit; }
    // For a file of mode own: whether its tracking change can be made inside its transaction.
    OwnRecording own_recording() const;

    // Decides how the file runs. Throws MigrationFileError when the file mixes
    // non-transactional statements with others and has no directive. A file with
    // a statement that commits implicitly runs statement by statement (none).
    TransactionMode decide(const std::string& file_label, bool directive,
                           OuterTransaction outer = OuterTransaction::none,
                           std::string_view no_transaction_marker = k_no_transaction_directive) const;

private:
    Dialect m_dialect;
    int m_server_version;
    std::size_t m_count = 0;
    std::size_t m_non_tx_count = 0;
    std::optional<Statement> m_first_tx;
    StatementKind m_first_tx_kind = StatementKind::ordinary;
    std::optional<Statement> m_first_non_tx;
    std::optional<Statement> m_first_implicit;
    int m_begins = 0;
    int m_ends = 0;
    int m_aborts = 0;
    bool m_work_before_begin = false;  // a statement that is not a session setting, before any BEGIN
    bool m_work_after_end = false;     // the same after a COMMIT closed every BEGIN so far
};

}  // namespace sqlmig::core
