#pragma once
// Finds the up and the down of a file that holds both (dbmate, goose, sql-migrate),
// line by line as each tool's own parser finds them, so what the tool reads as a
// marker is one here and a comment it would not read as one (-- Migrate the data...)
// is not. The rules and the tool versions they follow are listed in docs/formats.md.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/format.hpp"

namespace sqlmig::core {

// Which part of a migration file runs.
enum class Section { whole, up, down };

// What one line is to the section being read.
enum class LineRole {
    sql,          // a line of the section (or of its StatementBegin block): run it
    other,        // a marker, a line of the other section, or one the tool ignores
    block_begin,  // StatementBegin in the section: what follows up to block_end is one statement
    block_end,
};

struct SectionProblem {
    std::uint32_t line = 0;  // 0: the file as a whole
    std::string message;
};

class SectionReader {
public:
    SectionReader(Format format, Section wanted);

    // The next line, without its line ending.
    LineRole next_line(std::string_view line);
    // Whether the line just read belongs to the section's checksum: its lines, its
    // markers, and markers that apply to the whole file (goose's NO TRANSACTION).
    bool counts() const { return m_counts; }
    // After the last line: the first problem, if any.
    void finish();
    const std::optional<SectionProblem>& problem() const { return m_problem; }

    // The section's no-transaction marker was given.
    bool no_transaction() const { return m_no_transaction; }
    // Whether the file has the section's marker at all.
    bool found() const { return m_found; }
    // How the format turns transactions off, for messages.
    const char* no_transaction_marker() const;

private:
    enum class Part { before, up, down };
    LineRole goose_line(std::string_view line);
    LineRole sql_migrate_line(std::string_view line);
    LineRole dbmate_line(std::string_view line);
    LineRole in_part(Part part);
    LineRole enter(Part part, bool no_transaction);
    void fail(std::string message);

    Format m_format;
    Section m_wanted;
    Part m_part = Part::before;
    bool m_in_block = false;
    bool m_counts = false;
    bool m_no_transaction = false;
    bool m_file_no_transaction = false;  // goose: NO TRANSACTION anywhere applies to both directions
    bool m_found = false;
    bool m_seen_up = false;
    bool m_seen_down = false;
    std::uint32_t m_line = 0;
    std::uint32_t m_block_line = 0;  // where the open StatementBegin is
    std::optional<SectionProblem> m_problem;
};

// The text of one section of a whole file, every other line left empty so positions
// stay the file's (for the linter, which reads files whole). Marker problems are
// not reported here: reading the file to run it reports them.
struct SectionText {
    std::string text;
    bool no_transaction = false;  // the section's no-transaction marker is set
};
SectionText section_text(std::string_view file_text, Format format, Section section);

}  // namespace sqlmig::core
