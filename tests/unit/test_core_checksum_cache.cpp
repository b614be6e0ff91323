#include <gtest/gtest.h>

#include "core/checksum.hpp"
#include "core/checksum_cache.hpp"

using sqlmig::core::CacheEntry;
using sqlmig::core::checksum_of;
using sqlmig::core::ChecksumCache;
using sqlmig::core::FileStamp;
using sqlmig::core::is_settled;
using sqlmig::core::k_settle_ns;
using sqlmig::core::serialize_checksum_cache;

namespace {

constexpr std::int64_t k_now = 1'800'000'000'000'000'000;  // ns
constexpr std::int64_t k_old = k_now - 10 * k_settle_ns;
const std::string k_folder = "/srv/app/migrations";
const std::string k_sum_a = checksum_of("a");
const std::string k_sum_b = checksum_of("b");

FileStamp stamp(std::uint64_t inode, std::int64_t time = k_old) { return {64769, inode, 120, time, time}; }

std::string two_entries() {
    return serialize_checksum_cache(k_folder, {{"002_b.up.sql", stamp(2), k_sum_b}, {"001_a.up.sql", stamp(1), k_sum_a}},
                                    k_now);
}

}  // namespace

TEST(ChecksumCache, FindsWhatWasSerialized) {
    const std::string text = two_entries();
    const ChecksumCache cache = ChecksumCache::parse(text, k_folder);
    ASSERT_EQ(cache.size(), 2u);
    EXPECT_EQ(cache.find("001_a.up.sql", stamp(1)), k_sum_a);
    EXPECT_EQ(cache.find("002_b.up.sql", stamp(2)), k_sum_b);
    EXPECT_EQ(cache.find("003_c.up.sql", stamp(3)), std::nullopt);
    // Sorted by name whatever the order given, so the same cache is the same bytes.
    EXPECT_LT(text.find("001_a.up.sql"), text.find("002_b.up.sql"));
    EXPECT_EQ(two_entries(), text);
}

TEST(ChecksumCache, AnyChangeOfTheStampMisses) {
    const std::string text = two_entries();
    const ChecksumCache cache = ChecksumCache::parse(text, k_folder);
    FileStamp s = stamp(1);
    ASSERT_TRUE(cache.find("001_a.up.sql", s));
    for (auto change : {+[](FileStamp& f) { ++f.device; }, +[](FileStamp& f) { ++f.inode; },
                        +[](FileStamp& f) { ++f.size; }, +[](FileStamp& f) { ++f.mtime_ns; },
                        +[](FileStamp& f) { ++f.ctime_ns; }}) {
        FileStamp changed = s;
        change(changed);
        EXPECT_EQ(cache.find("001_a.up.sql", changed), std::nullopt);
    }
}

TEST(ChecksumCache, KeepsOnlySettledFilesAndStorableNames) {
    EXPECT_TRUE(is_settled(stamp(1, k_now - k_settle_ns), k_now));
    EXPECT_FALSE(is_settled(stamp(1, k_now - k_settle_ns + 1), k_now));
    FileStamp fresh_ctime = stamp(1);
    fresh_ctime.ctime_ns = k_now - 1;  // content written a moment ago, mtime set back by touch/tar
    EXPECT_FALSE(is_settled(fresh_ctime, k_now));

    const std::string text = serialize_checksum_cache(k_folder,
                                                      {{"001_a.up.sql", stamp(1), k_sum_a},
                                                       {"002_new.up.sql", stamp(2, k_now - 1), k_sum_b},
                                                       {"003_x\nfake.up.sql", stamp(3), k_sum_b},
                                                       {"004_bad.up.sql", stamp(4), "sha256:nothex"}},
                                                      k_now);
    const ChecksumCache cache = ChecksumCache::parse(text, k_folder);
    EXPECT_EQ(cache.size(), 1u);
    EXPECT_EQ(cache.find("001_a.up.sql", stamp(1)), k_sum_a);
}

TEST(ChecksumCache, DamagedOrForeignTextIsAnEmptyCache) {
    const std::string good = two_entries();
    ASSERT_EQ(ChecksumCache::parse(good, k_folder).size(), 2u);
    const auto size_of = [](const std::string& text, const std::string& folder = k_folder) {
        return ChecksumCache::parse(text, folder).size();
    };
    EXPECT_EQ(size_of(good, "/srv/other/migrations"), 0u);
    EXPECT_EQ(size_of(good, "/srv/app"), 0u);
    EXPECT_EQ(size_of(""), 0u);
    EXPECT_EQ(size_of("garbage"), 0u);
    EXPECT_EQ(size_of(good.substr(0, good.size() - 5)), 0u);  // cut short in the last line
    std::string other_version = good;
    other_version.replace(other_version.find(" 1\n"), 3, " 2\n");
    EXPECT_EQ(size_of(other_version), 0u);
    const std::size_t first = good.find('\n', good.find('\n') + 1) + 1;  // the first entry's line
    const std::size_t second = good.find('\n', first) + 1;
    std::string bad_number = good;
    bad_number[first] = 'x';
    EXPECT_EQ(size_of(bad_number), 0u);
    std::string bad_checksum = good;
    bad_checksum.replace(bad_checksum.find("sha256:") + 7, 1, "Z");
    EXPECT_EQ(size_of(bad_checksum), 0u);
    // Lines out of order or repeated were not written by sqlmig: trust none.
    const std::string header = good.substr(0, first), line_a = good.substr(first, second - first),
                      line_b = good.substr(second);
    EXPECT_EQ(size_of(header + line_b + line_a), 0u);
    EXPECT_EQ(size_of(header + line_a + line_a), 0u);
    EXPECT_EQ(size_of(header + line_a), 1u);
}
