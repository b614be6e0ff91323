#include <gtest/gtest.h>

#include "core/checksum.hpp"

using sqlmig::core::checksum_of;
using sqlmig::core::Checksummer;

TEST(Checksum, MatchesSha256Vectors) {
    EXPECT_EQ(checksum_of(""), "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(checksum_of("abc"), "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Checksum, IgnoresCrlfAndBom) {
    const std::string lf = "CREATE TABLE t (id int);\nSELECT 1;\n";
    EXPECT_EQ(checksum_of("CREATE TABLE t (id int);\r\nSELECT 1;\r\n"), checksum_of(lf));
    EXPECT_EQ(checksum_of("\xEF\xBB\xBF" + lf), checksum_of(lf));
    // A lone CR is content, and so is a BOM that is not at the start.
    EXPECT_NE(checksum_of("a\rb"), checksum_of("ab"));
    EXPECT_NE(checksum_of("x\xEF\xBB\xBF"), checksum_of("x"));
}

TEST(Checksum, SameResultForEveryChunking) {
    const std::string text = "\xEF\xBB\xBF-- x\r\nSELECT 1;\r\n\r\nSELECT 'a\rb';\r\n";
    const std::string whole = checksum_of(text);
    for (std::size_t split = 0; split <= text.size(); ++split) {
        Checksummer c;
        c.update(text.substr(0, split));
        c.update(text.substr(split));
        EXPECT_EQ(c.finish(), whole) << "split at " << split;
    }
    Checksummer bytewise;
    for (char ch : text) {
        bytewise.update(std::string(1, ch));
    }
    EXPECT_EQ(bytewise.finish(), whole);
}
