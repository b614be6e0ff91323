#include "core/statement_kind.hpp"

#include <algorithm>

#include "util/error.hpp"
#include "util/text.hpp"

namespace sqlmig::core {

StatementKind classify(const Statement& statement, Dialect dialect, int server_version) {
    const auto& w = statement.words;
    const StatementRules& rules = dialect->statements;
    if (w.empty()) {
        return rules.without_words;
    }
    const std::string& first = w[0];
    if ((first == "BEGIN" && !(rules.begin_not_atomic && w.size() > 1 && w[1] == "NOT")) ||
        (first == "START" && w.size() > 1 && w[1] == "TRANSACTION")) {
        return StatementKind::transaction_begin;
    }
    if (first == "COMMIT" || first == "END") {
        // COMMIT PREPARED finishes another session's two-phase transaction.
        return w.size() > 1 && w[1] == "PREPARED" ? StatementKind::ordinary : StatementKind::transaction_end;
    }
    if (first == "ROLLBACK" || first == "ABORT") {
        const bool to_savepoint = has_word_within(w, "TO", 3);
        const bool prepared = w.size() > 1 && w[1] == "PREPARED";
        return to_savepoint || prepared ? StatementKind::ordinary : StatementKind::transaction_abort;
    }
    return rules.classify(w, server_version);
}

bool has_word_within(const std::vector<std::string>& words, std::string_view word, std::size_t within) {
    const auto end = words.begin() + static_cast<std::ptrdiff_t>(std::min(within, words.size()));
    return std::find(words.begin(), end, word) != end;
}

bool is_session_setting(const Statement& statement, Dialect dialect) {
    return !statement.words.empty() && dialect->statements.is_session_setting(statement.words);
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
    if (!listed && !(dialect->statements.do_evaluates_expressions && w[0] == "DO")) {
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
