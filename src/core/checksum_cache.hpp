#pragma once
// A cache of migration files' checksums keyed by what stat(2) says of each file,
// as git's index does: `status` on 10,000 applied migrations then costs one stat
// per file instead of open, read and close. Pure: text in, text out; reading and
// writing the cache file is the caller's (src/engine/checksums.cpp).
//
// A cached checksum is used only while the file's device, inode, size, mtime and
// ctime are all unchanged. ctime cannot be set by user programs (touch, tar, cp -p
// set mtime only) and moves on every write, so an edited file is always hashed again.
// Entries are remembered only for files whose times are settled (see is_settled):
// a file written within the same clock tick as our read could change again
// without its ctime moving.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sqlmig::core {

// What stat(2) says of a file, as far as the cache cares.
struct FileStamp {
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
    std::int64_t size = 0;
    std::int64_t mtime_ns = 0;
    std::int64_t ctime_ns = 0;

    bool operator==(const FileStamp&) const = default;
};

// How long a file's times must lie in the past before its checksum may be cached.
inline constexpr std::int64_t k_settle_ns = 2'000'000'000;

// True when both times lie at least k_settle_ns before now_ns (taken before the
// file was read): a later write is then bound to move ctime.
bool is_settled(const FileStamp& stamp, std::int64_t now_ns);

// One file's line in the cache.
struct CacheEntry {
    std::string_view file_name;
    FileStamp stamp;
    std::string_view checksum;
};

// A cache file, read. Lookups are binary searches over views into the file's
// text: no allocation per entry, as loading 10,000 entries must cost less than
// the stat calls it saves. Safe to read from several threads.
class ChecksumCache {
public:
    ChecksumCache() = default;

    // The cache of folder from a cache file's text, which must outlive the cache (it
    // points into it). Text that is not a cache of this folder in this format (damaged,
    // another folder, another version) gives an empty cache: the worst a bad cache
    // file can do is cost a re-hash.
    static ChecksumCache parse(std::string_view text, std::string_view folder);

    // The entry of file_name, if any: then a stat tells whether its checksum still holds.
    const CacheEntry* entry(std::string_view file_name) const;

    // The checksum cached for file_name, if the file's stamp is unchanged.
    std::optional<std::string_view> find(std::string_view file_name, const FileStamp& stamp) const;

    std::size_t size() const { return m_entries.size(); }

private:
    std::vector<CacheEntry> m_entries;  // sorted by file name, pointing into the parsed text
};

// The bytes of a cache file holding the entries whose stamp is settled at now_ns
// (taken before the files were read) and whose name can be stored (no line break).
std::string serialize_checksum_cache(std::string_view folder, std::vector<CacheEntry> entries, std::int64_t now_ns);

}  // namespace sqlmig::core
