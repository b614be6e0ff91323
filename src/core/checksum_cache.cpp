#include "core/checksum_cache.hpp"

#include <algorithm>
#include <charconv>
#include <vector>

#include "core/checksum.hpp"

namespace sqlmig::core {

namespace {

constexpr std::string_view k_format = "sqlmig checksum cache 1\n";
constexpr std::string_view k_folder_key = "folder ";
constexpr std::size_t k_checksum_size = k_checksum_tag.size() + 64;

bool is_checksum(std::string_view s) {
    return s.size() == k_checksum_size && s.starts_with(k_checksum_tag) &&
           std::all_of(s.begin() + static_cast<long>(k_checksum_tag.size()), s.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// Reads one number and the space after it from the front of line.
template <typename Int>
bool take_number(std::string_view& line, Int& out) {
    const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), out);
    if (ec != std::errc() || end == line.data() + line.size() || *end != ' ') {
        return false;
    }
    line.remove_prefix(static_cast<std::size_t>(end - line.data()) + 1);
    return true;
}

std::string header_of(std::string_view folder) {
    return std::string(k_format) + std::string(k_folder_key) + std::string(folder) + '\n';
}

}  // namespace

bool is_settled(const FileStamp& stamp, std::int64_t now_ns) {
    return stamp.mtime_ns <= now_ns - k_settle_ns && stamp.ctime_ns <= now_ns - k_settle_ns;
}

ChecksumCache ChecksumCache::parse(std::string_view text, std::string_view folder) {
    ChecksumCache cache;
    const std::string header = header_of(folder);
    if (!text.starts_with(header)) {
        return {};
    }
    text.remove_prefix(header.size());
    cache.m_entries.reserve(text.size() / 120);  // a line is about 150 bytes
    while (!text.empty()) {
        const std::size_t eol = text.find('\n');
        if (eol == std::string_view::npos) {
            return {};  // cut short: trust none of it
        }
        std::string_view line = text.substr(0, eol);
        text.remove_prefix(eol + 1);
        // <ctime_ns> <mtime_ns> <size> <inode> <device> <checksum> <file name>
        CacheEntry e;
        FileStamp& s = e.stamp;
        if (!take_number(line, s.ctime_ns) || !take_number(line, s.mtime_ns) || !take_number(line, s.size) ||
            !take_number(line, s.inode) || !take_number(line, s.device) || line.size() < k_checksum_size + 2 ||
            !is_checksum(line.substr(0, k_checksum_size)) || line[k_checksum_size] != ' ') {
            return {};
        }
        e.checksum = line.substr(0, k_checksum_size);
        e.file_name = line.substr(k_checksum_size + 1);
        if (!cache.m_entries.empty() && cache.m_entries.back().file_name >= e.file_name) {
            return {};  // not written by us: serialize_checksum_cache sorts and has no duplicates
        }
        cache.m_entries.push_back(e);
    }
    return cache;
}

const CacheEntry* ChecksumCache::entry(std::string_view file_name) const {
    const auto it = std::lower_bound(m_entries.begin(), m_entries.end(), file_name,
                                     [](const CacheEntry& e, std::string_view n) { return e.file_name < n; });
    return it != m_entries.end() && it->file_name == file_name ? &*it : nullptr;
}

std::optional<std::string_view> ChecksumCache::find(std::string_view file_name, const FileStamp& stamp) const {
    const CacheEntry* e = entry(file_name);
    return e && e->stamp == stamp ? std::optional<std::string_view>(e->checksum) : std::nullopt;
}

std::string serialize_checksum_cache(std::string_view folder, std::vector<CacheEntry> entries, std::int64_t now_ns) {
    std::erase_if(entries, [&](const CacheEntry& e) {
        return !is_settled(e.stamp, now_ns) || e.file_name.empty() || e.file_name.find('\n') != std::string::npos ||
               !is_checksum(e.checksum);
    });
    // Sorted by name, one line a name: find() is a binary search, and the same cache gives the same bytes.
    std::sort(entries.begin(), entries.end(),
              [](const CacheEntry& a, const CacheEntry& b) { return a.file_name < b.file_name; });
    entries.erase(std::unique(entries.begin(), entries.end(),
                              [](const CacheEntry& a, const CacheEntry& b) { return a.file_name == b.file_name; }),
                  entries.end());
    std::string out = header_of(folder);
    out.reserve(out.size() + entries.size() * 160);
    for (const CacheEntry& e : entries) {
        const FileStamp& s = e.stamp;
        for (const std::int64_t n : {s.ctime_ns, s.mtime_ns, s.size}) {
            out += std::to_string(n);
            out += ' ';
        }
        for (const std::uint64_t n : {s.inode, s.device}) {
            out += std::to_string(n);
            out += ' ';
        }
        out += e.checksum;
        out += ' ';
        out += e.file_name;
        out += '\n';
    }
    return out;
}

}  // namespace sqlmig::core
