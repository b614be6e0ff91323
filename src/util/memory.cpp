#include "util/memory.hpp"

#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>

namespace sqlmig::util {

namespace {

#ifndef MADV_POPULATE_WRITE
constexpr int MADV_POPULATE_WRITE = 23;  // Linux 5.14; older headers lack the name
#endif

constexpr std::size_t k_min_bytes = std::size_t{1} << 20;
constexpr std::size_t k_max_bytes = std::size_t{32} << 20;  // glibc's largest M_MMAP_THRESHOLD

}  // namespace

void prefault_heap(std::size_t bytes) {
    if (bytes < k_min_bytes) {
        return;
    }
    bytes = std::min(bytes, k_max_bytes);
    // The block must come from the main heap (not its own mmap), and stay there once freed
    // (not trimmed), so that the allocations to come are carved from the pages made ready.
    // Fixing both thresholds also stops glibc from moving them as it sees large blocks.
    mallopt(M_MMAP_THRESHOLD, static_cast<int>(k_max_bytes));
    mallopt(M_TRIM_THRESHOLD, static_cast<int>(2 * k_max_bytes));
    void* block = std::malloc(bytes);
    if (!block) {
        return;
    }
    const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
    const auto begin = (reinterpret_cast<std::uintptr_t>(block) + page - 1) & ~(page - 1);
    const auto end = (reinterpret_cast<std::uintptr_t>(block) + bytes) & ~(page - 1);
    if (end > begin) {
        ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_WRITE);  // EINVAL before 5.14: fine
    }
    std::free(block);
}

}  // namespace sqlmig::util
