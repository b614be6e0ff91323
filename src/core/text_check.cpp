#include "core/text_check.hpp"

namespace sqlmig::core {

namespace {

// Bytes that follow a lead byte, or -1 for a byte that cannot start a sequence.
int continuation_count(unsigned char lead) {
    if (lead < 0x80) {
        return 0;
    }
    if (lead >= 0xC2 && lead <= 0xDF) {
        return 1;
    }
    if (lead >= 0xE0 && lead <= 0xEF) {
        return 2;
    }
    if (lead >= 0xF0 && lead <= 0xF4) {
        return 3;
    }
    return -1;
}

// The second byte's range depends on the lead (no overlong forms, no surrogates, <= U+10FFFF).
bool second_byte_ok(unsigned char lead, unsigned char b) {
    switch (lead) {
    case 0xE0: return b >= 0xA0 && b <= 0xBF;
    case 0xED: return b >= 0x80 && b <= 0x9F;
    case 0xF0: return b >= 0x90 && b <= 0xBF;
    case 0xF4: return b >= 0x80 && b <= 0x8F;
    default: return (b & 0xC0) == 0x80;
    }
}

}  // namespace

void TextCheck::fail(std::string what, std::uint64_t offset) {
    if (!m_problem) {
        m_problem = TextProblem{std::move(what), m_continuations > 0 ? m_sequence_line : m_line, offset};
    }
}

void TextCheck::feed(std::string_view bytes) {
    if (m_problem) {
        return;
    }
    if (m_offset == 0 && bytes.size() >= 2) {
        const auto b0 = static_cast<unsigned char>(bytes[0]), b1 = static_cast<unsigned char>(bytes[1]);
        if ((b0 == 0xFF && b1 == 0xFE) || (b0 == 0xFE && b1 == 0xFF)) {
            fail("UTF-16 text (a UTF-16 byte-order mark); save the file as UTF-8", 0);
            return;
        }
    }
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    const std::size_t n = bytes.size();
    std::size_t i = 0;
    while (i < n) {
        if (m_continuations == 0) {
            // An ASCII run: most of every file.
            const std::size_t start = i;
            while (i < n && p[i] >= 0x01 && p[i] < 0x80) {
                if (p[i] == '\n') {
                    ++m_line;
                }
                ++i;
            }
            m_offset += i - start;
            if (i == n) {
                break;
            }
            const unsigned char b = p[i];
            if (b == 0) {
                fail("a NUL byte (is it UTF-16 or a binary file? save it as UTF-8 text)", m_offset);
                return;
            }
            const int count = continuation_count(b);
            if (count < 0) {
                fail("a byte that is not UTF-8 (0x" + std::string(1, "0123456789ABCDEF"[b >> 4]) +
                         std::string(1, "0123456789ABCDEF"[b & 15]) + "); save the file as UTF-8",
                     m_offset);
                return;
            }
            m_continuations = count;
            m_lead = b;
            m_second = true;
            m_sequence_start = m_offset;
            m_sequence_line = m_line;
            ++m_offset;
            ++i;
            continue;
        }
        const unsigned char b = p[i];
        const bool ok = m_second ? second_byte_ok(m_lead, b) : (b & 0xC0) == 0x80;
        if (!ok) {
            fail("an invalid UTF-8 sequence; save the file as UTF-8", m_sequence_start);
            return;
        }
        m_second = false;
        --m_continuations;
        ++m_offset;
        ++i;
    }
}

void TextCheck::finish() {
    if (!m_problem && m_continuations > 0) {
        fail("a UTF-8 sequence cut off by the end of the file", m_sequence_start);
    }
}

}  // namespace sqlmig::core
