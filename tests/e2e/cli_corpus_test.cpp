// Real migration folders from public projects (../shared/corpus), used as they are.
#include <gtest/gtest.h>

#include <cstdlib>

#include "e2e/cli_test_support.hpp"

using sqlmig::test::corpus_dir;
using sqlmig::test::Project;

namespace {

// The corpus sits beside the repository in CI; elsewhere it may be absent.
std::filesystem::path require_corpus() {
    const auto dir = corpus_dir();
    if (dir.empty() && std::getenv("CI")) {
        ADD_FAILURE() << "the corpus folder " << SQLMIG_CORPUS_DIR << " is missing in CI";
    }
    return dir;
}

std::size_t count_lines_with(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (std::size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) {
        ++n;
    }
    return n;
}

}  // namespace

TEST(Corpus, FoldersAreReadAsTheyAreWithNumericOrder) {
    const auto corpus = require_corpus();
    if (corpus.empty()) {
        GTEST_SKIP() << "no corpus at " << SQLMIG_CORPUS_DIR;
    }
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
