#pragma once
// Streaming SQL statement splitter. Feed a file in chunks of any size and take
// complete statements out as they are found, so a file of hundreds of megabytes
// is never held in memory whole (only the statement being read is buffered).
//
// Every dialect: '...' with '', "..." with "", -- comments, /* */ comments,
// parentheses (a ';' inside them does not split). The rest comes from the
// dialect's LexicalRules (core/dialect.hpp): for PostgreSQL E'...', U&'...',
// dollar quoting, nested comments and psql's BEGIN ATOMIC ... END bodies; for
// SQLite [identifiers], `identifiers` and sqlite3_complete()'s CREATE TRIGGER bodies;
// for MySQL/MariaDB backslash escapes in '...' and "...", `identifiers`, # and "-- "
// comments, /*! executable comments */ kept in the statement, routine bodies
// (BEGIN ... END, IF ... END IF) and the mysql client's DELIMITER command.
// Each statement records the line and column (in characters) where it starts.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/dialect.hpp"

namespace sqlmig::core {

// A 1-based position in a file; columns count characters, not bytes.
struct Position {
    std::uint32_t line = 1;
    std::uint32_t column = 1;
};

struct Statement {
    // From the first character that is not white space or a comment, up to but
    // excluding the terminating ';'.
    std::string text;
    Position start;
    // The first few words outside quotes and comments, upper-cased, for
    // recognising BEGIN/COMMIT or CREATE INDEX CONCURRENTLY.
    std::vector<std::string> words;
};

// Where a string, quoted identifier or comment that never ends begins.
struct Unterminated {
    std::string what;  // e.g. "dollar-quoted string $body$"
    Position start;
};

class SqlSplitter {
public:
    // start: where the first byte fed lies in its file (after a block read elsewhere).
    explicit SqlSplitter(Dialect dialect, Position start = {});

    // Appends more of the file.
    void feed(std::string_view bytes);
    // Marks the end of the file; the last statement needs no ';'.
    void finish();
    // The next complete statement, or nullopt when more input is needed (or,
    // after finish(), when the file is exhausted).
    std::optional<Statement> next();
    // After the file is exhausted: a construct left open at the end, if any.
    const std::optional<Unterminated>& unterminated() const { return m_unterminated; }

private:
    enum class State { normal, line_comment, block_comment, single_quote, escape_quote, double_quote, dollar_quote,
                       bracket, backtick };
    enum class Step { more, need_input, statement_end };

    Step scan_one();
    Step scan_normal();
    Step scan_word();
    Step scan_dollar();
    Step scan_until(char close, bool doubled_escapes, bool backslash_escapes);
    Step scan_line_comment();
    Step scan_block_comment();
    void on_word(std::string_view word);
    void track_sqlite_trigger(std::string_view word);
    void track_psql_begin_end(std::string_view word);
    void track_mysql_compound(std::string_view word, char after);
    Step scan_delimiter_command(std::size_t word_end);
    bool starts_comment(char c, char n, Step& step);
    bool at_delimiter(Step& step);
    void mark_significant(std::size_t begin, std::size_t end);
    void enter(State state, std::size_t construct_start, std::string what);
    Position position_of(std::size_t index);
    Statement take_statement(std::size_t end);
    std::optional<Statement> take_last_statement();
    void reset_statement();
    void compact();
    bool semicolon_ends_statement();

    const LexicalRules& m_rules;
    std::string m_buf;
    std::size_t m_pos = 0;  // next byte to scan
    bool m_finished = false;
    State m_state = State::normal;

    // The statement being read.
    std::size_t m_stmt_start = std::string::npos;
    std::size_t m_last_sig_end = 0;
    Position m_stmt_pos;
    std::vector<std::string> m_words;
    int m_paren_depth = 0;
    // psql's heuristic for CREATE FUNCTION ... BEGIN ATOMIC ... END.
    int m_begin_depth = 0;
    int m_identifier_count = 0;
    char m_identifiers[4] = {0, 0, 0, 0};
    // sqlite3_complete()'s state for CREATE TRIGGER bodies.
    int m_trigger_state = 1;
    // MySQL routine bodies: whether the statement defines one (0 undecided, 1 yes,
    // 2 no), whether the next word starts a statement of the body, and whether the
    // previous word was END (END IF, END LOOP...).
    int m_word_count = 0;
    int m_mysql_routine = 0;
    bool m_mysql_at_start = false;
    bool m_mysql_after_end = false;
    // The mysql client's DELIMITER: what ends a statement instead of ';' ("" for ';').
    std::string m_delimiter;

    // Open construct.
    int m_comment_depth = 0;
    bool m_comment_significant = false;  // a MySQL executable comment: part of the statement
    std::string m_dollar_tag;
    Position m_construct_pos;
    std::string m_construct_what;
    std::optional<Unterminated> m_unterminated;

    // Lazily advanced line/column bookkeeping: m_mark_pos is at m_mark_index.
    std::size_t m_mark_index = 0;
    Position m_mark_pos;
};

// A statement as a script for the dialect's command-line client (`up --sql`): the
// text and ';', or for MySQL a statement holding ';' (a routine body) between
// DELIMITER lines, as the mysql client needs it.
std::string script_statement(std::string_view text, Dialect dialect);

// Where the character at char_offset (0-based, in characters) of a statement lies in its file.
Position locate_in_statement(const Statement& statement, std::size_t char_offset);

}  // namespace sqlmig::core
