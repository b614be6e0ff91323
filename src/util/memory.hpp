#pragma once
// Memory tuning that only the process's edge may do.

#include <cstddef>

namespace sqlmig::util {

// Readies the heap for about `bytes` of small allocations to come: grows it in one
// step and has the kernel back it at once (madvise MADV_POPULATE_WRITE, Linux 5.14),
// instead of taking a page fault on each 4 KiB page as it is first touched. A fault
// costs about 12 µs in the virtual machines CI runs on, so `status` of 10,000
// migrations spent 40 ms in faults (docs/performance.md). Best effort: on older
// kernels, or for less than 1 MiB, it does nothing. Call it from one thread, early.
void prefault_heap(std::size_t bytes);

}  // namespace sqlmig::util
