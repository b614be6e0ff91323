#include <gtest/gtest.h>

#include "core/version.hpp"

using sqlmig::core::next_new_version;
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

TEST(NewVersion, TimestampFoldersGetTheClockOthersTheNextNumber) {
    const auto v = [](const char* text) { return *Version::parse(text); };
    EXPECT_TRUE(v("20240103120000").is_timestamp());
    EXPECT_FALSE(v("20241303120000").is_timestamp());  // month 13
    EXPECT_FALSE(v("2024010312000").is_timestamp());   // 13 digits
    EXPECT_FALSE(v("00000000000001").is_timestamp());
    EXPECT_FALSE(v("003").is_timestamp());

    const Version stamp = v("20240103120000");
    auto next = next_new_version(&stamp, "20261207021500", false);
    EXPECT_EQ(next.version.text(), "20261207021500");
    EXPECT_EQ(next.note, "");
    // The clock behind the newest version: last + 1, said.
    next = next_new_version(&stamp, "20240103115959", false);
    EXPECT_EQ(next.version.text(), "20240103120001");
    EXPECT_NE(next.note.find("not past the newest version 20240103120000"), std::string::npos) << next.note;
    next = next_new_version(&stamp, "20240103120000", true);
    EXPECT_EQ(next.version.text(), "20240103120001");

    const Version seq = v("009");
    EXPECT_EQ(next_new_version(&seq, "20261207021500", false).version.text(), "010");
    EXPECT_EQ(next_new_version(&seq, "20261207021500", true).version.text(), "20261207021500");
    EXPECT_EQ(next_new_version(nullptr, "20261207021500", false).version.text(), "001");
    EXPECT_EQ(next_new_version(nullptr, "20261207021500", true).version.text(), "20261207021500");
}
