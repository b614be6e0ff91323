#include "core/sections.hpp"

#include <vector>

#include "util/text.hpp"

namespace sqlmig::core {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r' || c == '\n';
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) {
        s.remove_prefix(1);
    }
    while (!s.empty() && is_space(s.back())) {
        s.remove_suffix(1);
    }
    return s;
}

std::vector<std::string_view> fields(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && is_space(s[i])) {
            ++i;
        }
        const std::size_t start = i;
        while (i < s.size() && !is_space(s[i])) {
            ++i;
        }
        if (i > start) {
            out.push_back(s.substr(start, i - start));
        }
    }
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
            return false;
        }
    }
    return true;
}

std::string replace_all(std::string s, std::string_view what) {
    for (std::size_t at = s.find(what); at != std::string::npos; at = s.find(what, at)) {
        s.erase(at, what.size());
    }
    return s;
}

// dbmate's markers, (?m)^--\s*migrate:up(\s*$|\s+\S+) and (?m)^--\s*migrate:down(\s*$|\s+\S+)$.
bool dbmate_marker(std::string_view line, std::string_view word) {
    if (!starts_with(line, "--")) {
        return false;
    }
    std::size_t i = 2;
    while (i < line.size() && is_space(line[i])) {
        ++i;
    }
    const std::string marker = "migrate:" + std::string(word);
    if (!starts_with(line.substr(i), marker)) {
        return false;
    }
    const std::string_view rest = line.substr(i + marker.size());
    if (trim(rest).empty()) {
        return true;
    }
    if (!is_space(rest.front())) {
        return false;
    }
    if (word == "up") {
        return true;
    }
    const std::string_view option = trim(rest);
    return rest.back() != ' ' && rest.back() != '\t' && fields(option).size() == 1;
}

// dbmate's options on its marker line: "key:value" words; transaction:false turns the transaction off.
bool dbmate_no_transaction(std::string_view line) {
    for (const auto word : fields(line)) {
        const auto colon = word.find(':');
        if (colon != std::string_view::npos && word.find(':', colon + 1) == std::string_view::npos &&
            word.substr(0, colon) == "transaction" && word.substr(colon + 1) == "false") {
            return true;
        }
    }
    return false;
}

}  // namespace

SectionReader::SectionReader(Format format, Section wanted) : m_format(format), m_wanted(wanted) {}

const char* SectionReader::no_transaction_marker() const {
    switch (m_format) {
    case Format::goose: return "-- +goose NO TRANSACTION";
    case Format::sql_migrate: return "-- +migrate Up notransaction";
    case Format::dbmate: return "-- migrate:up transaction:false";
    case Format::sqlmig:
    case Format::flyway: break;
    }
    return "-- sqlmig:no-transaction";
}

void SectionReader::fail(std::string message) {
    if (!m_problem) {
        m_problem = SectionProblem{m_line, std::move(message)};
    }
}

LineRole SectionReader::in_part(Part part) {
    m_counts = (part == Part::up && m_wanted == Section::up) || (part == Part::down && m_wanted == Section::down);
    return m_counts ? LineRole::sql : LineRole::other;
}

LineRole SectionReader::enter(Part part, bool no_transaction) {
    const bool was_wanted = in_part(m_part) == LineRole::sql;
    m_part = part;
    (part == Part::up ? m_seen_up : m_seen_down) = true;
    in_part(part);
    if (m_counts) {
        m_found = true;
        m_no_transaction = m_no_transaction || no_transaction;
    }
    // sql-migrate lets Up and Down switch inside a StatementBegin block: the block goes on
    // in the new section, so it begins (or ends) here for the section being read.
    if (m_in_block && m_counts && !was_wanted) {
        return LineRole::block_begin;
    }
    if (m_in_block && !m_counts && was_wanted) {
        return LineRole::block_end;
    }
    return LineRole::other;
}

LineRole SectionReader::next_line(std::string_view line) {
    ++m_line;
    m_counts = false;
    if (m_problem) {
        return LineRole::other;
    }
    switch (m_format) {
    case Format::goose: return goose_line(line);
    case Format::sql_migrate: return sql_migrate_line(line);
    case Format::dbmate: return dbmate_line(line);
    case Format::sqlmig:
    case Format::flyway: break;
    }
    m_counts = true;
    return LineRole::sql;
}

// goose v3.26 internal/sqlparser/parser.go: a line whose trimmed text starts with "--"
// and holds "+goose" is an annotation, matched without case after removing every "--"
// and the first "+goose"; anything it does not know is an error.
LineRole SectionReader::goose_line(std::string_view line) {
    const std::string_view trimmed = trim(line);
    if (starts_with(trimmed, "--") && line.find("+goose") != std::string_view::npos) {
        if (line.front() == ' ' || line.front() == '\t') {
            fail("the annotation '" + util::printable(trimmed) + "' starts with white space; goose refuses it");
            return LineRole::other;
        }
        std::string cmd = replace_all(std::string(line), "--");
        cmd.erase(cmd.find("+goose"), 6);
        if (cmd.find("+goose") != std::string::npos) {
            fail("the line holds '+goose' twice; goose refuses it");
            return LineRole::other;
        }
        const std::string_view word = trim(cmd);
        if (iequals(word, "up")) {
            if (m_part != Part::before) {
                fail("a second '-- +goose Up'");
                return LineRole::other;
            }
            return enter(Part::up, false);
        }
        if (iequals(word, "down")) {
            if (m_part != Part::up || m_in_block) {
                fail(m_in_block ? "'-- +goose Down' inside a StatementBegin block"
                                : "'-- +goose Down' must come after '-- +goose Up', once");
                return LineRole::other;
            }
            return enter(Part::down, false);
        }
        if (iequals(word, "statementbegin")) {
            if (m_part == Part::before || m_in_block) {
                fail(m_in_block ? "'-- +goose StatementBegin' inside another StatementBegin block"
                                : "'-- +goose StatementBegin' before '-- +goose Up'");
                return LineRole::other;
            }
            m_in_block = true;
            m_block_line = m_line;
            return in_part(m_part) == LineRole::sql ? LineRole::block_begin : LineRole::other;
        }
        if (iequals(word, "statementend")) {
            if (!m_in_block) {
                fail("'-- +goose StatementEnd' without a StatementBegin before it");
                return LineRole::other;
            }
            m_in_block = false;
            return in_part(m_part) == LineRole::sql ? LineRole::block_end : LineRole::other;
        }
        if (iequals(word, "no transaction")) {
            m_file_no_transaction = true;
            m_counts = true;  // it applies to both directions
            return LineRole::other;
        }
        if (iequals(word, "envsub off")) {
            m_counts = true;
            return LineRole::other;
        }
        if (iequals(word, "envsub on")) {
            fail("'-- +goose ENVSUB ON' is not supported: sqlmig does not substitute environment variables, so "
                 "the SQL would not be what goose runs");
            return LineRole::other;
        }
        fail(word.empty() ? "an empty '-- +goose' annotation"
                          : "unknown annotation '-- +goose " + util::printable(word) +
                                "' (goose knows Up, Down, StatementBegin, StatementEnd, NO TRANSACTION)");
        return LineRole::other;
    }
    if (m_part == Part::before) {
        if (!trimmed.empty() && !starts_with(trimmed, "--")) {
            fail("SQL before '-- +goose Up'; goose refuses it");
        }
        return LineRole::other;
    }
    return in_part(m_part);
}

// sql-migrate sqlparse/sqlparse.go: commands are lines starting "-- +migrate " (with
// case); other lines starting "-- +" are dropped, as are "-- " comment lines; lines
// before the first Up or Down are ignored.
LineRole SectionReader::sql_migrate_line(std::string_view line) {
    constexpr std::string_view prefix = "-- +migrate ";
    if (starts_with(line, prefix)) {
        const auto words = fields(line.substr(prefix.size()));
        if (words.empty()) {
            fail("an incomplete '-- +migrate' command");
            return LineRole::other;
        }
        const bool no_transaction = [&] {
            for (std::size_t i = 1; i < words.size(); ++i) {
                if (words[i] == "notransaction") {
                    return true;
                }
            }
            return false;
        }();
        if (words[0] == "Up") {
            return enter(Part::up, no_transaction);
        }
        if (words[0] == "Down") {
            return enter(Part::down, no_transaction);
        }
        if (m_part == Part::before) {
            return LineRole::other;
        }
        if (words[0] == "StatementBegin") {
            m_in_block = true;
            m_block_line = m_line;
            return in_part(m_part) == LineRole::sql ? LineRole::block_begin : LineRole::other;
        }
        if (words[0] == "StatementEnd" && m_in_block) {
            m_in_block = false;
            return in_part(m_part) == LineRole::sql ? LineRole::block_end : LineRole::other;
        }
        in_part(m_part);
        return LineRole::other;  // sql-migrate ignores a command it does not know
    }
    if (m_part == Part::before) {
        return LineRole::other;
    }
    if (starts_with(line, "-- ")) {
        in_part(m_part);
        return LineRole::other;  // dropped by sql-migrate, "-- +" lines included
    }
    return in_part(m_part);
}

// dbmate pkg/dbmate/migration.go: the up block runs from the first -- migrate:up line
// to the first -- migrate:down line, the down block from there to the end; only blank
// and comment lines may come before the up block.
LineRole SectionReader::dbmate_line(std::string_view line) {
    if (m_part == Part::before) {
        if (dbmate_marker(line, "up")) {
            return enter(Part::up, dbmate_no_transaction(line));
        }
        if (dbmate_marker(line, "down")) {
            fail("'-- migrate:down' comes before '-- migrate:up'; dbmate requires the up block first");
            return LineRole::other;
        }
        const std::string_view trimmed = trim(line);
        if (!trimmed.empty() && !starts_with(trimmed, "--")) {
            fail("SQL before '-- migrate:up'; dbmate refuses statements before the up block");
        }
        return LineRole::other;
    }
    if (m_part == Part::up && dbmate_marker(line, "down")) {
        return enter(Part::down, dbmate_no_transaction(line));
    }
    return in_part(m_part);
}

void SectionReader::finish() {
    m_counts = false;
    m_no_transaction = m_no_transaction || m_file_no_transaction;
    if (m_problem) {
        return;
    }
    m_line = m_in_block ? m_block_line : 0;
    switch (m_format) {
    case Format::goose:
        if (!m_seen_up) {
            fail("the file has no '-- +goose Up' annotation");
        } else if (m_in_block) {
            fail("the file ends inside a '-- +goose StatementBegin' block (no StatementEnd)");
        }
        break;
    case Format::sql_migrate:
        if (!m_seen_up && !m_seen_down) {
            fail("the file has no '-- +migrate Up' or '-- +migrate Down' line");
        } else if (m_in_block) {
            fail("the file ends inside a '-- +migrate StatementBegin' block (no StatementEnd)");
        }
        break;
    case Format::dbmate:
        if (!m_seen_up) {
            fail("the file has no '-- migrate:up' line");
        } else if (!m_seen_down) {
            fail("the file has no '-- migrate:down' line; dbmate requires one (its block may be empty)");
        }
        break;
    case Format::sqlmig:
    case Format::flyway: m_found = true; break;
    }
}

SectionText section_text(std::string_view file_text, Format format, Section section) {
    if (section == Section::whole || !has_sections(format)) {
        return {std::string(file_text), false};
    }
    SectionReader reader(format, section);
    if (file_text.substr(0, 3) == "\xEF\xBB\xBF") {
        file_text.remove_prefix(3);
    }
    std::string out;
    out.reserve(file_text.size());
    while (!file_text.empty()) {
        const std::size_t end = std::min(file_text.find('\n'), file_text.size());
        std::string_view line = file_text.substr(0, end);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (reader.next_line(line) == LineRole::sql) {
            out.append(line);
        }
        file_text.remove_prefix(std::min(end + 1, file_text.size()));
        out += '\n';
    }
    reader.finish();
    return {std::move(out), reader.no_transaction()};
}

}  // namespace sqlmig::core
