#include "core/sql_splitter.hpp"

#include <cstring>

#include "util/text.hpp"

namespace sqlmig::core {

namespace {

constexpr std::size_t k_max_words = 8;
constexpr std::size_t k_compact_threshold = 1 << 16;
constexpr std::size_t k_large_statement = 1 << 20;  // moved out of the buffer, not copied

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool is_ident_start(char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u == '_' || u >= 0x80;
}

bool is_ident_char(char c) {
    return is_ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}

bool is_continuation_byte(char c) {
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// Advances pos over bytes: newlines found with memchr, columns counted on the last line only.
void advance(Position& pos, const char* begin, const char* end) {
    const char* line_start = begin;
    while (const void* nl = std::memchr(line_start, '\n', static_cast<std::size_t>(end - line_start))) {
        ++pos.line;
        pos.column = 1;
        line_start = static_cast<const char*>(nl) + 1;
    }
    for (const char* p = line_start; p < end; ++p) {
        if (!is_continuation_byte(*p)) {
            ++pos.column;
        }
    }
}

}  // namespace

SqlSplitter::SqlSplitter(Dialect dialect, Position start) : m_rules(lexical_rules(dialect)), m_mark_pos(start) {}

void SqlSplitter::feed(std::string_view bytes) {
    compact();
    m_buf.append(bytes);
}

void SqlSplitter::finish() {
    m_finished = true;
}

Position SqlSplitter::position_of(std::size_t index) {
    advance(m_mark_pos, m_buf.data() + m_mark_index, m_buf.data() + index);
    m_mark_index = index;
    return m_mark_pos;
}

// Drops bytes that no statement needs any more, so the buffer stays small.
void SqlSplitter::compact() {
    const std::size_t keep_from = m_stmt_start == std::string::npos ? m_pos : m_stmt_start;
    if (keep_from < k_compact_threshold && keep_from * 2 < m_buf.size()) {
        return;
    }
    if (keep_from > m_mark_index) {
        position_of(keep_from);
    }
    m_buf.erase(0, keep_from);
    m_pos -= keep_from;
    m_mark_index -= keep_from;
    if (m_stmt_start != std::string::npos) {
        m_stmt_start -= keep_from;
        m_last_sig_end -= keep_from;
    }
}

void SqlSplitter::mark_significant(std::size_t begin, std::size_t end) {
    if (m_stmt_start == std::string::npos) {
        m_stmt_start = begin;
        m_stmt_pos = position_of(begin);
    }
    m_last_sig_end = end;
}

void SqlSplitter::enter(State state, std::size_t construct_start, std::string what) {
    m_state = state;
    m_construct_pos = position_of(construct_start);
    m_construct_what = std::move(what);
}

void SqlSplitter::reset_statement() {
    m_stmt_start = std::string::npos;
    m_last_sig_end = 0;
    m_words.clear();
    m_paren_depth = 0;
    m_begin_depth = 0;
    m_identifier_count = 0;
    std::memset(m_identifiers, 0, sizeof m_identifiers);
    m_trigger_state = 1;
    m_word_count = 0;
    m_mysql_routine = 0;
    m_mysql_at_start = false;
    m_mysql_after_end = false;
}

namespace {

// word equals an upper-case ASCII keyword, ignoring case, without allocating.
bool equals_keyword(std::string_view word, std::string_view keyword) {
    if (word.size() != keyword.size()) {
        return false;
    }
    for (std::size_t i = 0; i < word.size(); ++i) {
        // Clearing bit 5 upper-cases a-z; no other byte becomes A-Z that way.
        if ((word[i] & ~0x20) != keyword[i]) {
            return false;
        }
    }
    return true;
}

}  // namespace

Statement SqlSplitter::take_statement(std::size_t end) {
    Statement s;
    if (end - m_stmt_start >= k_large_statement) {
        // A large statement takes the buffer itself: only what follows it is copied,
        // so a 50 MB statement is held once, not twice.
        if (m_mark_index < m_pos) {
            position_of(m_pos);
        }
        std::string rest = m_buf.substr(m_pos);
        s.text = std::move(m_buf);
        s.text.resize(end);
        s.text.erase(0, m_stmt_start);
        m_buf = std::move(rest);
        m_mark_index -= m_pos;
        m_pos = 0;
    } else {
        s.text.assign(m_buf, m_stmt_start, end - m_stmt_start);
    }
    s.start = m_stmt_pos;
    s.words = std::move(m_words);
    reset_statement();
    return s;
}

std::optional<Statement> SqlSplitter::next() {
    for (;;) {
        const Step step = scan_one();
        if (step == Step::more) {
            continue;
        }
        if (step == Step::statement_end) {
            if (m_stmt_start == std::string::npos) {
                reset_statement();  // an empty statement: only ';', white space or comments
                continue;
            }
            return take_statement(m_last_sig_end);
        }
        if (!m_finished) {
            return std::nullopt;
        }
        return take_last_statement();
    }
}

// At the end of the file: what is left is the last statement, even without ';'.
std::optional<Statement> SqlSplitter::take_last_statement() {
    m_pos = m_buf.size();
    if (m_state != State::normal && m_state != State::line_comment) {
        m_unterminated = Unterminated{m_construct_what, m_construct_pos};
        if (m_stmt_start != std::string::npos) {
            m_last_sig_end = m_buf.size();
        }
    }
    m_state = State::normal;
    if (m_stmt_start == std::string::npos) {
        return std::nullopt;
    }
    return take_statement(m_last_sig_end);
}

SqlSplitter::Step SqlSplitter::scan_one() {
    if (m_pos >= m_buf.size()) {
        return Step::need_input;
    }
    switch (m_state) {
    case State::normal: return scan_normal();
    case State::line_comment: return scan_line_comment();
    case State::block_comment: return scan_block_comment();
    case State::single_quote: return scan_until('\'', true, m_rules.backslash_strings);
    case State::escape_quote: return scan_until('\'', true, true);
    case State::double_quote: return scan_until('"', true, m_rules.backslash_strings);
    case State::backtick: return scan_until('`', true, false);
    case State::bracket: return scan_until(']', false, false);
    case State::dollar_quote: {
        const std::string delimiter = "$" + m_dollar_tag + "$";
        const std::size_t close = m_buf.find(delimiter, m_pos);
        if (close == std::string::npos) {
            // Keep the last bytes: the delimiter may be split across chunks.
            const std::size_t safe = m_buf.size() >= delimiter.size() ? m_buf.size() - delimiter.size() + 1 : 0;
            m_pos = m_finished ? m_buf.size() : std::max(m_pos, safe);
            return Step::need_input;
        }
        m_pos = close + delimiter.size();
        m_last_sig_end = m_pos;
        m_state = State::normal;
        return Step::more;
    }
    }
    return Step::more;
}

SqlSplitter::Step SqlSplitter::scan_line_comment() {
    const void* nl = std::memchr(m_buf.data() + m_pos, '\n', m_buf.size() - m_pos);
    if (!nl) {
        m_pos = m_buf.size();
        return Step::need_input;
    }
    m_pos = static_cast<std::size_t>(static_cast<const char*>(nl) - m_buf.data()) + 1;
    m_state = State::normal;
    return Step::more;
}

SqlSplitter::Step SqlSplitter::scan_block_comment() {
    const bool nests = m_rules.nested_block_comments;
    while (m_pos < m_buf.size()) {
        const char c = m_buf[m_pos];
        if (c != '*' && c != '/') {
            ++m_pos;
            continue;
        }
        if (m_pos + 1 >= m_buf.size()) {
            if (!m_finished) {
                return Step::need_input;
            }
            ++m_pos;
            continue;
        }
        const char n = m_buf[m_pos + 1];
        if (c == '*' && n == '/') {
            m_pos += 2;
            if (--m_comment_depth == 0) {
                m_state = State::normal;
                if (m_comment_significant) {
                    m_last_sig_end = m_pos;
                }
                return Step::more;
            }
        } else if (c == '/' && n == '*' && nests) {
            m_pos += 2;
            ++m_comment_depth;
        } else {
            ++m_pos;
        }
    }
    return Step::need_input;
}

// Scans a quoted string or identifier up to its closing character.
SqlSplitter::Step SqlSplitter::scan_until(char close, bool doubled_escapes, bool backslash_escapes) {
    while (m_pos < m_buf.size()) {
        if (!backslash_escapes) {
            // Strings are most of a data migration's bytes: jump to the next candidate.
            const char* from = m_buf.data() + m_pos;
            const void* hit = std::memchr(from, close, m_buf.size() - m_pos);
            if (!hit) {
                m_pos = m_buf.size();
                break;
            }
            m_pos += static_cast<std::size_t>(static_cast<const char*>(hit) - from);
        }
        const char c = m_buf[m_pos];
        if (backslash_escapes && c == '\\') {
            if (m_pos + 1 >= m_buf.size() && !m_finished) {
                return Step::need_input;
            }
            m_pos += 2;
            continue;
        }
        if (c != close) {
            ++m_pos;
            continue;
        }
        if (doubled_escapes) {
            if (m_pos + 1 >= m_buf.size() && !m_finished) {
                return Step::need_input;  // is it '' or the end?
            }
            if (m_pos + 1 < m_buf.size() && m_buf[m_pos + 1] == close) {
                m_pos += 2;
                continue;
            }
        }
        ++m_pos;
        m_last_sig_end = m_pos;
        m_state = State::normal;
        return Step::more;
    }
    m_pos = std::min(m_pos, m_buf.size());
    return Step::need_input;
}

// The mysql client's DELIMITER in force: the statement ends here when it follows.
bool SqlSplitter::at_delimiter(Step& step) {
    if (m_delimiter.empty()) {
        return false;
    }
    const std::size_t have = m_buf.size() - m_pos;
    const std::size_t n = std::min(have, m_delimiter.size());
    if (m_buf.compare(m_pos, n, m_delimiter, 0, n) != 0) {
        return false;
    }
    if (n < m_delimiter.size()) {
        if (m_finished) {
            return false;
        }
        step = Step::need_input;  // maybe the delimiter, split across chunks
        return true;
    }
    m_pos += m_delimiter.size();
    step = Step::statement_end;
    return true;
}

// Enters a comment when c, n (and what follows) start one in this dialect.
bool SqlSplitter::starts_comment(char c, char n, Step& step) {
    if (c == '#' && m_rules.hash_comments) {
        enter(State::line_comment, m_pos, "comment");
        ++m_pos;
        step = Step::more;
        return true;
    }
    if (c == '-' && n == '-') {
        if (m_rules.dash_comment_needs_space) {
            // MySQL: "--" starts a comment only before white space or a control character.
            if (m_pos + 2 >= m_buf.size() && !m_finished) {
                step = Step::need_input;
                return true;
            }
            if (m_pos + 2 < m_buf.size() && static_cast<unsigned char>(m_buf[m_pos + 2]) > ' ') {
                return false;
            }
        }
        enter(State::line_comment, m_pos, "comment");
        m_pos += 2;
        step = Step::more;
        return true;
    }
    if (c == '/' && n == '*') {
        bool significant = false;
        if (m_rules.executable_comments) {
            // /*!50003 ... */ and MariaDB's /*M!100100 ... */ run on the server; /*+ hints */
            // belong to the statement they follow.
            if (m_pos + 3 >= m_buf.size() && !m_finished) {
                step = Step::need_input;
                return true;
            }
            const char third = m_pos + 2 < m_buf.size() ? m_buf[m_pos + 2] : '\0';
            const char fourth = m_pos + 3 < m_buf.size() ? m_buf[m_pos + 3] : '\0';
            significant = third == '!' || (third == 'M' && fourth == '!') ||
                          (third == '+' && m_stmt_start != std::string::npos);
        }
        if (significant) {
            mark_significant(m_pos, m_pos + 3);
        }
        enter(State::block_comment, m_pos, significant ? "/*! comment" : "/* comment");
        m_comment_depth = 1;
        m_comment_significant = significant;
        m_pos += 2;
        step = Step::more;
        return true;
    }
    return false;
}

SqlSplitter::Step SqlSplitter::scan_normal() {
    const char c = m_buf[m_pos];
    const bool have_next = m_pos + 1 < m_buf.size();
    const char n = have_next ? m_buf[m_pos + 1] : '\0';
    if (is_space(c)) {
        ++m_pos;
        return Step::more;
    }
    Step step = Step::more;
    if (at_delimiter(step)) {
        return step;
    }
    if ((c == '-' || c == '/') && !have_next && !m_finished) {
        return Step::need_input;  // maybe the start of a comment
    }
    if (starts_comment(c, n, step)) {
        return step;
    }
    if (c == ';' && semicolon_ends_statement()) {
        ++m_pos;
        return Step::statement_end;
    }
    if (is_ident_start(c)) {
        return scan_word();
    }
    if (m_rules.dollar_quotes && c == '$') {
        return scan_dollar();
    }
    mark_significant(m_pos, m_pos + 1);
    // Any token other than a keyword counts as "other" for sqlite3_complete()'s machine.
    static constexpr int other_transition[8] = {2, 2, 2, 3, 2, 5, 5, 5};
    if (c != ';') {
        m_trigger_state = other_transition[m_trigger_state];
    }
    // In a MySQL routine body, a statement follows ';' and a label's ':'.
    m_mysql_at_start = c == ';' || c == ':';
    m_mysql_after_end = false;
    if (c == ';') {
        // Inside parentheses or a BEGIN ... END body: part of the statement.
        if (m_rules.bodies == BodyRule::sqlite_trigger) {
            m_trigger_state = 6;
        }
        ++m_pos;
        return Step::more;
    }
    if (c == '(') {
        ++m_paren_depth;
    } else if (c == ')' && m_paren_depth > 0) {
        --m_paren_depth;
    } else if (c == '\'') {
        enter(State::single_quote, m_pos, "quoted string");
    } else if (c == '"') {
        enter(State::double_quote, m_pos, m_rules.backslash_strings ? "quoted string" : "quoted identifier");
    } else if (m_rules.bracket_identifiers && c == '[') {
        enter(State::bracket, m_pos, "[identifier]");
    } else if (m_rules.backtick_identifiers && c == '`') {
        enter(State::backtick, m_pos, "`identifier`");
    }
    ++m_pos;
    return Step::more;
}

bool SqlSplitter::semicolon_ends_statement() {
    if (m_paren_depth > 0 || !m_delimiter.empty()) {
        return false;
    }
    switch (m_rules.bodies) {
    case BodyRule::psql_begin_end: return m_begin_depth == 0;
    case BodyRule::mysql_compound: return m_begin_depth == 0;
    // sqlite3_complete(): inside CREATE TRIGGER only "...; END;" ends the statement.
    case BodyRule::sqlite_trigger: return m_trigger_state != 5 && m_trigger_state != 6;
    }
    return true;
}

SqlSplitter::Step SqlSplitter::scan_word() {
    std::size_t end = m_pos + 1;
    while (end < m_buf.size() && is_ident_char(m_buf[end])) {
        // A DELIMITER may follow a word directly: END$$ is END, then $$.
        if (!m_delimiter.empty() && m_buf.compare(end, m_delimiter.size(), m_delimiter) == 0) {
            break;
        }
        ++end;
    }
    if (end == m_buf.size() && !m_finished) {
        return Step::need_input;  // the word may go on in the next chunk
    }
    const std::string_view word(m_buf.data() + m_pos, end - m_pos);
    const char after = end < m_buf.size() ? m_buf[end] : '\0';
    if (m_rules.delimiter_command && m_stmt_start == std::string::npos && (after == ' ' || after == '\t') &&
        equals_keyword(word, "DELIMITER")) {
        return scan_delimiter_command(end);
    }
    mark_significant(m_pos, end);
    // String prefixes: E'...' (backslash escapes), U&'...' and U&"...".
    if (m_rules.escape_strings && word.size() == 1 && (word[0] == 'E' || word[0] == 'e') && after == '\'') {
        enter(State::escape_quote, m_pos, "quoted string");
        m_pos = end + 1;
        return Step::more;
    }
    if (m_rules.unicode_strings && word.size() == 1 && (word[0] == 'U' || word[0] == 'u') && after == '&') {
        if (end + 1 >= m_buf.size() && !m_finished) {
            return Step::need_input;
        }
        const char quote = end + 1 < m_buf.size() ? m_buf[end + 1] : '\0';
        if (quote == '\'' || quote == '"') {
            enter(quote == '\'' ? State::single_quote : State::double_quote, m_pos,
                  quote == '\'' ? "quoted string" : "quoted identifier");
            m_pos = end + 2;
            return Step::more;
        }
    }
    on_word(word);
    if (m_rules.bodies == BodyRule::mysql_compound) {
        track_mysql_compound(word, after);
    }
    m_pos = end;
    return Step::more;
}

// The mysql client's "DELIMITER //" line (at the start of a statement): from here
// statements end at "//" instead of ';', until "DELIMITER ;". The line is the
// client's, not SQL, so it is no statement of its own.
SqlSplitter::Step SqlSplitter::scan_delimiter_command(std::size_t word_end) {
    const void* nl = std::memchr(m_buf.data() + word_end, '\n', m_buf.size() - word_end);
    if (!nl && !m_finished) {
        return Step::need_input;  // the whole line is needed
    }
    const std::size_t line_end = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - m_buf.data())
                                    : m_buf.size();
    std::size_t from = word_end;
    while (from < line_end && is_space(m_buf[from])) {
        ++from;
    }
    std::size_t to = from;
    while (to < line_end && !is_space(m_buf[to])) {
        ++to;
    }
    if (to == from) {
        // No delimiter given: the mysql client refuses it; the server will too.
        mark_significant(m_pos, word_end);
        on_word(std::string_view(m_buf.data() + m_pos, word_end - m_pos));
        m_pos = word_end;
        return Step::more;
    }
    const std::string_view delimiter(m_buf.data() + from, to - from);
    m_delimiter = delimiter == ";" ? std::string() : std::string(delimiter);
    m_pos = nl ? line_end + 1 : line_end;
    return Step::more;
}

// Tracks the few things a word can change: the statement's leading words,
// psql's BEGIN ... END depth, and sqlite3_complete()'s trigger state.
void SqlSplitter::on_word(std::string_view word) {
    if (m_words.size() < k_max_words) {
        m_words.push_back(util::to_upper(word));
    }
    switch (m_rules.bodies) {
    case BodyRule::sqlite_trigger: track_sqlite_trigger(word); return;
    case BodyRule::psql_begin_end: track_psql_begin_end(word); return;
    case BodyRule::mysql_compound: return;  // needs the next character: scan_word calls it
    }
}

// MySQL and MariaDB routines (CREATE PROCEDURE, FUNCTION, TRIGGER, EVENT, and
// MariaDB's BEGIN NOT ATOMIC) hold statements ending in ';'. Files for the mysql
// client put DELIMITER around them; files for drivers that send them whole do
// not, so the body's blocks are counted: BEGIN, CASE, and IF, LOOP, WHILE,
// REPEAT, FOR where a statement of the body starts, each closed by an END (the
// word after END names what it closed). IF( and REPEAT( are functions.
void SqlSplitter::track_mysql_compound(std::string_view word, char after) {
    const auto is = [word](std::string_view keyword) { return equals_keyword(word, keyword); };
    const int index = m_word_count++;
    if (m_mysql_routine == 0) {
        if (index == 0) {
            m_mysql_routine = is("CREATE") || is("ALTER") || is("BEGIN") ? 0 : 2;
        } else if (m_words[0] == "BEGIN") {
            m_mysql_routine = is("NOT") ? 1 : 2;  // BEGIN NOT ATOMIC ... END, not BEGIN WORK
            m_begin_depth = m_mysql_routine == 1 ? 1 : 0;
        } else if (is("PROCEDURE") || is("FUNCTION") || is("TRIGGER") || is("EVENT") || is("PACKAGE")) {
            m_mysql_routine = 1;
        } else if (is("TABLE") || is("VIEW") || is("INDEX") || is("DATABASE") || is("SCHEMA") || is("USER") ||
                   is("ROLE") || is("SEQUENCE") || is("SERVER") || is("TABLESPACE") || index >= 8) {
            m_mysql_routine = 2;
        }
        return;
    }
    if (m_mysql_routine != 1 || m_paren_depth != 0) {
        return;
    }
    const bool at_start = m_mysql_at_start;
    const bool after_end = m_mysql_after_end;
    m_mysql_at_start = is("THEN") || is("ELSE") || is("DO") || is("BEGIN") || is("LOOP") || is("REPEAT") ||
                       is("ROW") || is("ATOMIC");
    m_mysql_after_end = false;
    const bool block = is("IF") || is("LOOP") || is("WHILE") || is("REPEAT") || is("FOR");
    if (after_end && (block || is("CASE"))) {
        return;  // END IF, END CASE...: the END closed it
    }
    if (is("BEGIN") || is("CASE") || (at_start && block && after != '(')) {
        ++m_begin_depth;
    } else if (is("END") && m_begin_depth > 0) {
        --m_begin_depth;
        m_mysql_after_end = true;
    }
}

// sqlite3_complete()'s state machine, fed one word: only "...; END;" ends a CREATE TRIGGER.
void SqlSplitter::track_sqlite_trigger(std::string_view word) {
    // Compared in place: this runs for every word of every statement.
    const auto is = [word](std::string_view keyword) { return equals_keyword(word, keyword); };
    // Token classes of sqlite3_complete(): EXPLAIN=3, CREATE=4, TEMP=5, TRIGGER=6, END=7, other=2.
    static constexpr int trans[8][8] = {
        {1, 0, 2, 3, 4, 2, 2, 2}, {1, 1, 2, 3, 4, 2, 2, 2}, {1, 2, 2, 2, 2, 2, 2, 2},
        {1, 3, 3, 2, 4, 2, 2, 2}, {1, 4, 2, 2, 2, 4, 5, 2}, {6, 5, 5, 5, 5, 5, 5, 5},
        {6, 6, 5, 5, 5, 5, 5, 7}, {1, 7, 5, 5, 5, 5, 5, 5},
    };
    int token = 2;
    if (is("EXPLAIN")) {
        token = 3;
    } else if (is("CREATE")) {
        token = 4;
    } else if (is("TEMP") || is("TEMPORARY")) {
        token = 5;
    } else if (is("TRIGGER")) {
        token = 6;
    } else if (is("END")) {
        token = 7;
    }
    m_trigger_state = trans[m_trigger_state][token];
}

// psql (psqlscan.l): inside CREATE [OR REPLACE] FUNCTION|PROCEDURE, BEGIN ... END
// (and CASE ... END within it) hides semicolons.
void SqlSplitter::track_psql_begin_end(std::string_view word) {
    const auto is = [word](std::string_view keyword) { return equals_keyword(word, keyword); };
    if (m_identifier_count < 4 &&
        (is("CREATE") || is("FUNCTION") || is("PROCEDURE") || is("OR") || is("REPLACE"))) {
        m_identifiers[m_identifier_count] = static_cast<char>(word[0] | 0x20);
    }
    ++m_identifier_count;
    const char* id = m_identifiers;
    const bool in_routine = id[0] == 'c' && (id[1] == 'f' || id[1] == 'p' ||
                                             (id[1] == 'o' && id[2] == 'r' && (id[3] == 'f' || id[3] == 'p')));
    if (!in_routine || m_paren_depth != 0) {
        return;
    }
    if (is("BEGIN")) {
        ++m_begin_depth;
    } else if (is("CASE") && m_begin_depth >= 1) {
        ++m_begin_depth;
    } else if (is("END") && m_begin_depth > 0) {
        --m_begin_depth;
    }
}

// $tag$ or $$ starts a dollar-quoted string; $1 is a parameter; anything else is an operator character.
SqlSplitter::Step SqlSplitter::scan_dollar() {
    std::size_t end = m_pos + 1;
    if (end < m_buf.size() && is_ident_start(m_buf[end])) {
        while (end < m_buf.size() && is_ident_char(m_buf[end]) && m_buf[end] != '$') {
            ++end;
        }
    }
    if (end >= m_buf.size() && !m_finished) {
        return Step::need_input;
    }
    mark_significant(m_pos, m_pos + 1);
    if (end < m_buf.size() && m_buf[end] == '$') {
        m_dollar_tag.assign(m_buf, m_pos + 1, end - m_pos - 1);
        enter(State::dollar_quote, m_pos, "dollar-quoted string $" + m_dollar_tag + "$");
        m_pos = end + 1;
        return Step::more;
    }
    ++m_pos;
    return Step::more;
}

std::string script_statement(std::string_view text, Dialect dialect) {
    if (!lexical_rules(dialect).delimiter_command || text.find(';') == std::string_view::npos) {
        return std::string(text) + ";\n";
    }
    std::string delimiter = "$$";
    while (text.find(delimiter) != std::string_view::npos) {
        delimiter += '$';
    }
    return "DELIMITER " + delimiter + "\n" + std::string(text) + delimiter + "\nDELIMITER ;\n";
}

Position locate_in_statement(const Statement& statement, std::size_t char_offset) {
    Position pos = statement.start;
    std::size_t chars = 0;
    for (const char c : statement.text) {
        if (is_continuation_byte(c)) {
            continue;
        }
        if (chars++ == char_offset) {
            break;
        }
        if (c == '\n') {
            ++pos.line;
            pos.column = 1;
        } else {
            ++pos.column;
        }
    }
    return pos;
}

}  // namespace sqlmig::core
