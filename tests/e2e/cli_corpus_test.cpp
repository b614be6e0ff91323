// Real migration folders from public projects (../shared/corpus), used as they are.
#include <gtest/gtest.h>

#include "e2e/cli_test_support.hpp"

using sqlmig::test::Project;

namespace {

std::size_t count_lines_with(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (std::size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) {
        ++n;
    }
    return n;
}

}  // namespace

TEST(Corpus, FoldersAreReadAsTheyAreWithNumericOrder) {
    SQLMIG_REQUIRE_CORPUS(corpus);
    Project p;
    const auto quickwit = p.run({"--dir", (corpus / "quickwit-postgres").string(), "status"});
    ASSERT_EQ(quickwit.code, 0) << quickwit.err;
    EXPECT_EQ(count_lines_with(quickwit.out, " pending"), 28u) << quickwit.out;
    // Unpadded versions: 9 is listed before 10.
    EXPECT_LT(quickwit.out.find("\n9 "), quickwit.out.find("\n10 "));
    const auto pocket = p.run({"--dir", (corpus / "pocket-id-postgres").string(), "status", "--json"});
    ASSERT_EQ(pocket.code, 0) << pocket.err;
    EXPECT_EQ(count_lines_with(pocket.out, "\"state\": \"pending\""), 64u);
}
