#include "engine/checksums.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <thread>

#include "engine/files.hpp"
#include "core/checksum_cache.hpp"
#include "util/error.hpp"
#include "util/mapped_file.hpp"
#include "util/unique_fd.hpp"

namespace sqlmig::engine {

namespace fs = std::filesystem;

namespace {

// Cache files beyond this many (one per migrations folder) are pruned, oldest first,
// so that test suites making thousands of folders do not fill the home directory.
constexpr std::size_t k_max_cache_files = 32;
constexpr std::string_view k_cache_prefix = "checksums-";

std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// FNV-1a: names the cache file of a folder. Not SHA-256, so that a status served from
// the cache never initialises OpenSSL (2 ms); a collision is caught by the folder
// named in the cache's header.
std::uint64_t name_hash(std::string_view s) {
    std::uint64_t h = 14695981039346656037ULL;
    for (const char c : s) {
        h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    }
    return h;
}

void prune_cache_folder(const fs::path& dir) {
    std::error_code ec;
    std::vector<std::pair<fs::file_time_type, fs::path>> files;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        if (it->path().filename().string().starts_with(k_cache_prefix)) {
            files.emplace_back(it->last_write_time(ec), it->path());
        }
    }
    if (files.size() <= k_max_cache_files) {
        return;
    }
    std::sort(files.begin(), files.end());
    for (std::size_t i = 0; i + k_max_cache_files < files.size(); ++i) {
        fs::remove(files[i].second, ec);
    }
}

// A cache is only an optimisation: a failure to write it is logged at debug level and ignored.
void save_cache(const fs::path& file, const std::string& text) {
    const fs::path dir = file.parent_path();
    std::error_code ec;
    if (fs::create_directories(dir, ec)) {
        fs::permissions(dir, fs::perms::owner_all, ec);  // only a folder we made: SQLMIG_CACHE_DIR may be shared
    }
    const bool is_new = !fs::exists(file, ec);
    try {
        write_file_atomically(file, text, {.mode = 0600, .durable = false});
    } catch (const Error& e) {
        spdlog::debug("checksum cache not written: {}", e.what());
        return;
    }
    if (is_new) {
        prune_cache_folder(dir);
    }
}

// Hashes names[i] into out[i] for every i of this worker's share; with a cache, a file
// whose stamp is unchanged is only stat'ed, and the stamp of each file read is kept in stamps[i].
struct HashJob {
    int dir_fd;
    const fs::path& folder;
    const std::vector<std::string>& names;
    core::Format format;
    const core::ChecksumCache* cache;
    std::vector<std::string>& out;
    std::vector<std::optional<core::FileStamp>>& stamps;
    std::vector<std::string_view>& cached;  // the cache's checksum, for files not read

    void run(std::size_t first, std::size_t step) const {
        for (std::size_t i = first; i < names.size(); i += step) {
            hash_one(i);
        }
    }

    void hash_one(std::size_t i) const {
        struct stat st {};
        const core::CacheEntry* known = cache ? cache->entry(names[i]) : nullptr;
        if (known && ::fstatat(dir_fd, names[i].c_str(), &st, 0) == 0 && known->stamp == stamp_of(st)) {
            cached[i] = known->checksum;  // copied into out by the caller: no allocation in worker threads
            stamps[i] = known->stamp;
            return;
        }
        util::UniqueFd fd(::openat(dir_fd, names[i].c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd) {
            throw MigrationFileError("cannot read " + (folder / names[i]).string() + ": " + std::strerror(errno));
        }
        // The stamp of what is read, taken before reading: a write after it moves ctime.
        if (cache && ::fstat(fd.get(), &st) == 0) {
            stamps[i] = stamp_of(st);
        }
        const Script up{folder / names[i], (folder / names[i]).string(), format,
                        core::has_sections(format) ? core::Section::up : core::Section::whole, std::nullopt};
        out[i] = script_checksum(fd.get(), up);
    }
};

// Whether the cache should be written again: a file was read whose checksum can now be
// cached, or the cache holds files this run did not ask for (removed, or no longer applied).
bool cache_is_stale(const core::ChecksumCache& cache, const std::vector<std::optional<core::FileStamp>>& stamps,
                    const std::vector<std::string_view>& cached, std::int64_t now_ns) {
    std::size_t hit_count = 0;
    for (std::size_t i = 0; i < stamps.size(); ++i) {
        if (!cached[i].empty()) {
            ++hit_count;
        } else if (stamps[i] && core::is_settled(*stamps[i], now_ns)) {
            return true;
        }
    }
    return hit_count != cache.size();
}

// $SQLMIG_CACHE_DIR, else $XDG_CACHE_HOME/sqlmig, else $HOME/.cache/sqlmig; none when
// SQLMIG_CACHE_DIR is "off" or another relative path, or no home is known.
std::optional<fs::path> cache_folder() {
    if (const char* over = std::getenv("SQLMIG_CACHE_DIR")) {
        return fs::path(over).is_absolute() ? std::optional<fs::path>(over) : std::nullopt;
    }
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && fs::path(xdg).is_absolute()) {
        return fs::path(xdg) / "sqlmig";
    }
    if (const char* home = std::getenv("HOME"); home && fs::path(home).is_absolute()) {
        return fs::path(home) / ".cache" / "sqlmig";
    }
    return std::nullopt;
}

// The cache file of the folder whose absolute path is folder_key, if there is a cache.
std::optional<fs::path> cache_file_of(const std::string& folder_key) {
    const auto dir = cache_folder();
    if (!dir || folder_key.empty() || folder_key.find('\n') != std::string::npos) {
        return std::nullopt;  // a line break would break the cache's header line
    }
    return *dir / fmt::format("{}{:016x}", k_cache_prefix, name_hash(folder_key));
}

}  // namespace

std::vector<std::string> folder_checksums(const fs::path& folder, const std::vector<std::string>& names,
                                          core::Format format) {
    std::vector<std::string> out(names.size());
    if (names.empty()) {
        return out;
    }
    util::UniqueFd dir_fd(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir_fd) {
        throw MigrationFileError("cannot read the migrations folder " + folder.string() + ": " +
                                 std::strerror(errno));
    }
    std::error_code ec;
    // A format reads other bytes of a file, so each has its own cache.
    const std::string folder_key = fs::absolute(folder, ec).lexically_normal().string() +
                                   (format == core::Format::sqlmig ? "" : std::string("#") + core::format_name(format));
    const std::optional<fs::path> cache_file =
        names.size() >= k_cache_min_files ? cache_file_of(folder_key) : std::nullopt;
    util::MappedFile cache_text;
    std::optional<core::ChecksumCache> cache;
    if (cache_file) {
        cache_text = util::MappedFile(*cache_file);  // none yet, or unreadable: hash everything
        cache = core::ChecksumCache::parse(cache_text.text(), folder_key);
    }
    const std::int64_t started_ns = now_ns();
    std::vector<std::optional<core::FileStamp>> stamps(names.size());
    std::vector<std::string_view> cached(names.size());
    const HashJob job{dir_fd.get(), folder, names, format, cache ? &*cache : nullptr, out, stamps, cached};

    // Hashing thousands of small files is system calls, not CPU: a few threads
    // halve the time of `status` on a large folder.
    const std::size_t threads =
        names.size() < 256 ? 1 : std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 4);
    std::vector<std::exception_ptr> errors(threads);
    {
        std::vector<std::jthread> pool;
        for (std::size_t t = 0; t < threads; ++t) {
            auto work = [&, t] {
                try {
                    job.run(t, threads);
                } catch (...) {
                    errors[t] = std::current_exception();
                }
            };
            if (t + 1 < threads) {
                pool.emplace_back(work);
            } else {
                work();
            }
        }
    }
    for (const auto& e : errors) {
        if (e) {
            std::rethrow_exception(e);
        }
    }

    for (std::size_t i = 0; i < names.size(); ++i) {
        if (!cached[i].empty()) {
            out[i] = cached[i];
        }
    }
    if (cache && cache_is_stale(*cache, stamps, cached, started_ns)) {
        std::vector<core::CacheEntry> entries;
        entries.reserve(names.size());
        for (std::size_t i = 0; i < names.size(); ++i) {
            if (stamps[i]) {
                entries.push_back({names[i], *stamps[i], out[i]});
            }
        }
        save_cache(*cache_file, core::serialize_checksum_cache(folder_key, std::move(entries), started_ns));
    }
    return out;
}

}  // namespace sqlmig::engine
