#include <gtest/gtest.h>

#include "core/text_check.hpp"

using sqlmig::core::TextCheck;

namespace {

// The problem found when text is fed in chunks of `chunk` bytes (0: whole).
std::optional<sqlmig::core::TextProblem> check(const std::string& text, std::size_t chunk = 0) {
    TextCheck c;
    const std::size_t step = chunk ? chunk : text.size() + 1;
    for (std::size_t i = 0; i < text.size(); i += step) {
        c.feed(std::string_view(text).substr(i, step));
    }
    c.finish();
    return c.problem();
}

}  // namespace

TEST(TextCheck, AcceptsUtf8WithBomAndEveryValidSequenceSplitAnywhere) {
    const std::string text = "\xEF\xBB\xBF" "SELECT 'é ü ñ €  𝄞 \xF4\x8F\xBF\xBF';\r\n-- ümlaut\n";
    for (std::size_t chunk = 0; chunk < 8; ++chunk) {
        EXPECT_FALSE(check(text, chunk)) << chunk;
    }
}

TEST(TextCheck, NamesTheLineAndOffsetOfANul) {
    const auto p = check(std::string("SELECT 1;\nINSERT INTO t VALUES (1)\0, (2);\n", 42), 3);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->line, 2u);
    EXPECT_EQ(p->offset, 34u);
    EXPECT_NE(p->what.find("NUL"), std::string::npos);
}

TEST(TextCheck, RefusesUtf16AndBytesThatAreNotUtf8) {
    EXPECT_NE(check("\xFF\xFE" "S\0E\0")->what.find("UTF-16"), std::string::npos);
    EXPECT_NE(check("\xFE\xFF\0S")->what.find("UTF-16"), std::string::npos);
    struct Bad {
        std::string bytes;
        std::uint64_t offset;
    };
    for (const auto& bad : std::vector<Bad>{
             {"ab\xFF", 2},               // never UTF-8
             {"a\xC0\x80", 1},            // overlong NUL
             {"a\xE0\x80\x80", 1},        // overlong
             {"a\xED\xA0\x80", 1},        // a surrogate
             {"a\xF4\x90\x80\x80", 1},    // above U+10FFFF
             {"a\xC3(", 1},               // lead without continuation
             {"a\x80", 1},                // lone continuation
             {"a\xE2\x82", 1},            // cut off by the end
         }) {
        for (std::size_t chunk = 0; chunk < 3; ++chunk) {
            const auto p = check(bad.bytes, chunk);
            ASSERT_TRUE(p) << bad.bytes;
            EXPECT_EQ(p->offset, bad.offset) << bad.bytes;
        }
    }
}
