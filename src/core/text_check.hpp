#pragma once
// Whether a migration file is text that sqlmig can send: UTF-8 (a BOM is fine)
// without NUL bytes. A NUL ends a C string: libpq and SQLite would silently drop
// everything after it, and a UTF-16 file is mostly NULs. Streaming, like the splitter.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sqlmig::core {

struct TextProblem {
    std::string what;          // e.g. "a NUL byte"
    std::uint32_t line = 1;    // 1-based
    std::uint64_t offset = 0;  // byte offset in the file, 0-based
};

class TextCheck {
public:
    // Feeds the next bytes of the file; chunks may split a UTF-8 sequence.
    void feed(std::string_view bytes);
    // Marks the end of the file (a sequence cut off by it is a problem).
    void finish();
    // The first problem found, if any.
    const std::optional<TextProblem>& problem() const { return m_problem; }

private:
    void fail(std::string what, std::uint64_t offset);

    std::optional<TextProblem> m_problem;
    std::uint64_t m_offset = 0;  // of the next byte
    std::uint32_t m_line = 1;
    int m_continuations = 0;     // bytes still expected in the current sequence
    std::uint64_t m_sequence_start = 0;
    std::uint32_t m_sequence_line = 1;
    unsigned char m_lead = 0;    // first byte of the current sequence
    bool m_second = false;       // the next byte is the sequence's second
};

}  // namespace sqlmig::core
