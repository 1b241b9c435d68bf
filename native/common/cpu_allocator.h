// libtorch's CPU allocator for this process: large blocks come from one process-wide cache.
//
// Why: tensors are allocated on libuv's worker threads, and glibc gives each thread its own
// malloc arena. Memory freed into one arena is reused only by the threads attached to it, so a
// training step whose activations are allocated on one worker and the next step's on another
// keeps both sets resident (measured, mid-size ZSCL step: peak RSS 2.1 GB vs 1.2 GB with one
// arena). mallopt(M_ARENA_MAX) cannot help once Node's own threads have made their arenas.
// Large blocks (>= kLargeBlock) are therefore mapped by us, size-rounded, kept after free in a
// cache shared by all threads and reused; the cache holds at most what the peak of live blocks
// needs (plus a small slack), evicting least recently freed blocks first.
#pragma once

#include <cstddef>
#include <cstdint>

namespace zscl {

struct CpuCacheStats {
  int64_t mappedBytes;    // live + cached large blocks
  int64_t cachedBytes;    // freed large blocks kept for reuse
  int64_t peakLiveBytes;  // most large-block bytes live at once
};

// Makes the cache libtorch's CPU allocator (once per process; later calls do nothing).
// ZSCL_CPU_ALLOCATOR=system keeps libtorch's default.
void installCpuAllocator();

CpuCacheStats cpuCacheStats();

// Unmaps every cached block; returns the bytes released.
int64_t releaseCpuCache();

}  // namespace zscl
