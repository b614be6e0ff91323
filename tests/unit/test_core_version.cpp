#include <gtest/gtest.h>

#include "core/version.hpp"

using sqlmig::core::Version;

TEST(Version, ParsesDigitsOnly) {
    EXPECT_TRUE(Version::parse("001"));
    EXPECT_TRUE(Version::parse("20260204153000"));
    EXPECT_FALSE(Version::parse(""));
    EXPECT_FALSE(Version::parse("1a"));
    EXPECT_FALSE(Version::parse("-1"));
    EXPECT_FALSE(Version::parse(" 1"));
}

TEST(Version, ComparesAsNumbers) {
    EXPECT_LT(*Version::parse("9"), *Version::parse("10"));
    EXPECT_EQ(*Version::parse("003"), *Version::parse("3"));
    EXPECT_LT(*Version::parse("1561558376"), *Version::parse("20260204153000"));
    // Longer than any integer type: still ordered.
    EXPECT_LT(*Version::parse("99999999999999999999999"), *Version::parse("100000000000000000000000"));
}

TEST(Version, KeepsTextAndCanonicalForm) {
    const auto v = *Version::parse("0042");
    EXPECT_EQ(v.text(), "0042");
    EXPECT_EQ(v.canonical(), "42");
    EXPECT_EQ(Version::parse("000")->canonical(), "0");
}

TEST(Version, NextKeepsZeroPadding) {
    EXPECT_EQ(Version::parse("009")->next(3).text(), "010");
    EXPECT_EQ(Version::parse("999")->next(3).text(), "1000");
    EXPECT_EQ(Version::parse("41")->next(2).text(), "42");
    EXPECT_EQ(Version::parse("20260204153000")->next(14).text(), "20260204153001");
}
