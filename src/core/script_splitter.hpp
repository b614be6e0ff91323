#pragma once
// The statements one direction of a migration runs: a whole file, or one section of
// a file that holds both (core/sections.hpp), split by SqlSplitter, with a goose or
// sql-migrate StatementBegin ... StatementEnd block sent as one statement. Lines of
// other sections are read as blank lines, so positions stay those of the file.
// Streaming, like SqlSplitter; only a line and the statement being read are held.

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/checksum.hpp"
#include "core/sections.hpp"
#include "core/sql_splitter.hpp"

namespace sqlmig::core {

class ScriptSplitter {
public:
    ScriptSplitter(Dialect dialect, Format format, Section section);

    void feed(std::string_view bytes);
    void finish();
    // The next complete statement, or nullopt when more input is needed (or, after finish(), at the end).
    std::optional<Statement> next();

    // After finish(): "sha256:<hex>" of the whole file, or of the section's lines and
    // markers (so editing the down does not change the up's checksum). Call once.
    std::string checksum() { return m_sum.finish(); }
    // After finish(): a string, identifier or comment left open at the end of the file or of a block.
    const std::optional<Unterminated>& unterminated() const { return m_unterminated; }
    // After finish(): a marker the format's tool would refuse, or a missing one.
    const std::optional<SectionProblem>& section_problem() const { return m_sections.problem(); }
    const SectionReader& sections() const { return m_sections; }

private:
    void feed_lines(std::string_view bytes);
    void on_line(std::string_view line);
    void close_splitter();
    void emit_block();

    Dialect m_dialect;
    bool m_whole;
    SectionReader m_sections;
    Checksummer m_sum;
    std::unique_ptr<SqlSplitter> m_splitter;  // null inside a StatementBegin block
    std::deque<Statement> m_ready;            // statements found before a block, and the block
    std::optional<Unterminated> m_unterminated;
    std::string m_partial;                    // a line not yet ended
    std::uint32_t m_line = 0;
    std::string m_block;                      // the StatementBegin block being read
    Position m_block_start;
    bool m_block_started = false;              // a line with text was read into m_block
};

}  // namespace sqlmig::core
