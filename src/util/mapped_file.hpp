#pragma once
// A whole file mapped read-only into memory, unmapped once. For files read whole
// and often (the checksum cache): no copy, and the pages come from the page cache
// in one system call (MAP_POPULATE) instead of a fault each.

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <filesystem>
#include <string_view>
#include <utility>

#include "util/unique_fd.hpp"

namespace sqlmig::util {

class MappedFile {
public:
    MappedFile() = default;
    // Maps file; an empty mapping when it cannot be opened, is empty or not a regular file.
    explicit MappedFile(const std::filesystem::path& file) {
        const UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
        struct stat st {};
        if (!fd || ::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) {
            return;
        }
        void* p = ::mmap(nullptr, static_cast<std::size_t>(st.st_size), PROT_READ, MAP_PRIVATE | MAP_POPULATE,
                         fd.get(), 0);
        if (p != MAP_FAILED) {
            m_data = static_cast<const char*>(p);
            m_size = static_cast<std::size_t>(st.st_size);
        }
    }
    ~MappedFile() {
        if (m_data) {
            ::munmap(const_cast<char*>(m_data), m_size);
        }
    }
    MappedFile(MappedFile&& other) noexcept
        : m_data(std::exchange(other.m_data, nullptr)), m_size(std::exchange(other.m_size, 0)) {}
    MappedFile& operator=(MappedFile&& other) noexcept {
        std::swap(m_data, other.m_data);
        std::swap(m_size, other.m_size);
        return *this;
    }
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    std::string_view text() const { return {m_data, m_size}; }

private:
    const char* m_data = nullptr;
    std::size_t m_size = 0;
};

}  // namespace sqlmig::util
