#include "core/statement_kind.hpp"

#include <algorithm>

#include "util/error.hpp"
#include "util/text.hpp"

namespace sqlmig::core {

namespace {

bool has_word(const std::vector<std::string>& words, std::string_view word, std::size_t within) {
    const auto end = words.begin() + static_cast<std::ptrdiff_t>(std::min(within, words.size()));
    return std::find(words.begin(), end, word) != end;
}

bool is_non_transactional_postgres(const std::vector<std::string>& w, int server_version) {
    const std::string& first = w[0];
    const std::string second = w.size() > 1 ? w[1] : "";
    if (first == "VACUUM") {
        return true;
    }
    if (first == "CREATE" || first == "DROP") {
        if ((second == "INDEX" || second == "UNIQUE") && has_word(w, "CONCURRENTLY", 4)) {
            return true;
        }
        if (second == "DATABASE" || second == "TABLESPACE") {
            return true;
        }
    }
    if (first == "REINDEX" && has_word(w, "CONCURRENTLY", 5)) {
        return true;
    }
    if (first == "ALTER" && second == "SYSTEM") {
        return true;
    }
    // ALTER TYPE ... ADD VALUE runs in a transaction block since PostgreSQL 12.
    if (first == "ALTER" && second == "TYPE" && server_version > 0 && server_version < 120000) {
        return has_word(w, "ADD", 8) && has_word(w, "VALUE", 8);
    }
    return false;
}

// MySQL and MariaDB commit implicitly before and after every statement but these
// (data changes, queries and session settings), so only a file of them can be one
// transaction. Anything unknown is taken to commit: the safe side.
bool is_implicit_commit_mysql(const std::vector<std::string>& w) {
    static constexpr std::string_view k_in_transaction[] = {"INSERT", "UPDATE", "DELETE", "REPLACE", "SELECT",
                                                           "WITH",   "VALUES", "TABLE",  "SET",     "DO"};
    const std::string& first = w[0];
    if (first == "SET" && w.size() > 1 && (w[1] == "AUTOCOMMIT" || w[1] == "PASSWORD" || w[1] == "ROLE")) {
        return true;
    }
    return std::find(std::begin(k_in_transaction), std::end(k_in_transaction), first) == std::end(k_in_transaction);
}

}  // namespace

StatementKind classify(const Statement& statement, Dialect dialect, int server_version) {
    const auto& w = statement.words;
    if (w.empty()) {
        // Only a MySQL /*! executable comment */ has no word outside comments.
        return dialect == Dialect::mysql ? StatementKind::implicit_commit : StatementKind::ordinary;
    }
    const std::string& first = w[0];
    if ((first == "BEGIN" && !(dialect == Dialect::mysql && w.size() > 1 && w[1] == "NOT")) ||
        (first == "START" && w.size() > 1 && w[1] == "TRANSACTION")) {
        return StatementKind::transaction_begin;
    }
    if (first == "COMMIT" || first == "END") {
        // COMMIT PREPARED finishes another session's two-phase transaction.
        return w.size() > 1 && w[1] == "PREPARED" ? StatementKind::ordinary : StatementKind::transaction_end;
    }
    if (first == "ROLLBACK" || first == "ABORT") {
        const bool to_savepoint = has_word(w, "TO", 3);
        const bool prepared = w.size() > 1 && w[1] == "PREPARED";
        return to_savepoint || prepared ? StatementKind::ordinary : StatementKind::transaction_abort;
    }
    switch (dialect) {
    case Dialect::postgres:
        return is_non_transactional_postgres(w, server_version) ? StatementKind::non_transactional
                                                                : StatementKind::ordinary;
    case Dialect::sqlite: return first == "VACUUM" ? StatementKind::non_transactional : StatementKind::ordinary;
    case Dialect::mysql: return is_implicit_commit_mysql(w) ? StatementKind::implicit_commit : StatementKind::ordinary;
    }
    return StatementKind::ordinary;
}

namespace {

// SQLite's PRAGMAs that set the connection, not the database file.
bool is_connection_pragma(std::string_view name) {
    static constexpr std::string_view k_connection_pragmas[] = {
        "FOREIGN_KEYS",   "DEFER_FOREIGN_KEYS", "LEGACY_ALTER_TABLE", "RECURSIVE_TRIGGERS",
        "IGNORE_CHECK_CONSTRAINTS", "BUSY_TIMEOUT", "CASE_SENSITIVE_LIKE", "CACHE_SIZE",
        "TEMP_STORE",     "REVERSE_UNORDERED_SELECTS", "AUTOMATIC_INDEX", "TRUSTED_SCHEMA"};
    return std::find(std::begin(k_connection_pragmas), std::end(k_connection_pragmas), name) !=
           std::end(k_connection_pragmas);
}

}  // namespace

bool is_session_setting(const Statement& statement, Dialect dialect) {
    const auto& w = statement.words;
    if (w.empty()) {
        return false;
    }
    switch (dialect) {
    case Dialect::postgres: return w[0] == "SET" || w[0] == "RESET";
    case Dialect::mysql:
        // SET GLOBAL and SET PERSIST outlive the session; SET PASSWORD changes an account.
        return w[0] == "SET" && !has_word(w, "GLOBAL", 3) && !has_word(w, "PERSIST", 3) &&
               !has_word(w, "PASSWORD", 2);
    case Dialect::sqlite:
        if (w[0] != "PRAGMA" || w.size() < 2) {
            return false;
        }
        // PRAGMA main.foreign_keys: the schema comes first.
        return is_connection_pragma(w[1]) || (w.size() > 2 && (w[1] == "MAIN" || w[1] == "TEMP") &&
                                              is_connection_pragma(w[2]));
    }
    return false;
}

bool runs_with_its_journal(const Statement& statement, Dialect dialect, int server_version) {
    static constexpr std::string_view k_first_words[] = {"INSERT",   "UPDATE", "DELETE", "MERGE",  "WITH",
                                                         "SELECT",   "CREATE", "ALTER",  "DROP",   "COMMENT",
                                                         "TRUNCATE", "GRANT",  "REVOKE", "REPLACE"};
    const auto& w = statement.words;
    if (w.empty() || classify(statement, dialect, server_version) != StatementKind::ordinary) {
        return false;
    }
    // MySQL's DO only evaluates expressions; PostgreSQL's DO block may COMMIT, which a transaction forbids.
    const bool listed = std::find(std::begin(k_first_words), std::end(k_first_words), w[0]) != std::end(k_first_words);
    if (!listed && !(dialect == Dialect::mysql && w[0] == "DO")) {
        return false;
    }
    // A subscription makes its replication slot outside any transaction.
    return !(w.size() > 1 && w[1] == "SUBSCRIPTION");
}

bool has_no_transaction_directive(std::string_view file_start) {
    if (file_start.substr(0, 3) == "\xEF\xBB\xBF") {
        file_start.remove_prefix(3);
    }
    const std::string_view first_line = file_start.substr(0, file_start.find('\n'));
    return util::trim(first_line) == k_no_transaction_directive;
}

void FileAnalysis::add(const Statement& statement) {
    ++m_count;
    const StatementKind kind = classify(statement, m_dialect, m_server_version);
    switch (kind) {
    case StatementKind::transaction_begin: ++m_begins; break;
    case StatementKind::transaction_end: ++m_ends; break;
    case StatementKind::transaction_abort: ++m_aborts; break;
    case StatementKind::ordinary:
    case StatementKind::non_transactional:
    case StatementKind::implicit_commit:
        if (!is_session_setting(statement, m_dialect)) {
            m_work_before_begin = m_work_before_begin || m_begins == 0;
            m_work_after_end = m_work_after_end || (m_ends > 0 && m_ends >= m_begins);
        }
        break;
    }
    if (kind == StatementKind::implicit_commit) {
        if (!m_first_implicit) {
            m_first_implicit = statement;
        }
    } else if (kind == StatementKind::non_transactional) {
        ++m_non_tx_count;
        if (!m_first_non_tx) {
            m_first_non_tx = statement;
        }
    } else if (kind != StatementKind::ordinary && !m_first_tx) {
        m_first_tx = statement;
        m_first_tx_kind = kind;
    }
}

OwnRecording FileAnalysis::own_recording() const {
    const bool one_transaction = m_begins == 1 && m_ends == 1 && m_aborts == 0 &&
                                 m_first_tx_kind == StatementKind::transaction_begin;
    if (!one_transaction || m_work_after_end) {
        return OwnRecording::after_the_file;
    }
    return m_work_before_begin ? OwnRecording::with_its_commit_after_work : OwnRecording::with_its_commit;
}

TransactionMode FileAnalysis::decide(const std::string& file_label, bool directive, OuterTransaction outer,
                                     std::string_view no_transaction_marker) const {
    if (directive || m_first_implicit) {
        return TransactionMode::none;
    }
    if (m_non_tx_count > 0 && m_non_tx_count == m_count) {
        return TransactionMode::none;
    }
    if (m_first_tx && outer == OuterTransaction::expected && m_first_tx_kind == StatementKind::transaction_end) {
        return TransactionMode::stepping_out;  // COMMIT first: the file leaves its runner's transaction
    }
    if (m_non_tx_count > 0) {
        const Statement& s = *m_first_non_tx;
        throw RefusedError(
            file_label + ":" + std::to_string(s.start.line) + ":" + std::to_string(s.start.column) + ": '" +
            util::shorten(s.text, 60) + "' cannot run inside a transaction, and the file has other statements; " +
            "put it in a migration of its own, or add '" + std::string(no_transaction_marker) +
            "' to run every statement outside a transaction");
    }
    return m_first_tx ? TransactionMode::own : TransactionMode::wrapped;
}

}  // namespace sqlmig::core
