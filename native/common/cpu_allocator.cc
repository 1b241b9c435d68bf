#include "common/cpu_allocator.h"

#include <c10/core/CPUAllocator.h>
#include <c10/util/Exception.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <vector>

namespace zscl {
namespace {

// Every allocation starts with this header; the data follows it, 64-byte aligned (as
// c10::alloc_cpu aligns), so the deleter needs nothing but the data pointer.
constexpr size_t kHeader = 64;
// Below this, blocks come from malloc: small ones reuse well within any arena.
constexpr size_t kLargeBlock = 128 * 1024;
// Mapped bytes may exceed the peak of live bytes by this much before cached blocks are evicted.
constexpr int64_t kSlack = 64 << 20;
// A request may take a cached block up to twice its size (best fit). With exact sizes only,
// a step whose sizes vary over its phases kept evicting and mapping at the slack limit: about
// a hundred munmap/mmap pairs and 60,000 page faults per mid-config ZSCL step (6,500 now).
constexpr size_t kFitNumerator = 2, kFitDenominator = 1;
constexpr uint64_t kSmall = 0x5a53434c736d616cULL;
constexpr uint64_t kLarge = 0x5a53434c6c617267ULL;

struct Block {
  uint64_t kind;
  size_t size;  // bytes mapped (large) or allocated (small), header included
  // While cached: the list of all cached blocks, least recently freed first, and the stack of
  // cached blocks of the same size.
  Block* lruPrev;
  Block* lruNext;
  Block* sizePrev;
  Block* sizeNext;
};
static_assert(sizeof(Block) <= kHeader, "the block header must fit before the data");

void* dataOf(Block* block) {
  return reinterpret_cast<char*>(block) + kHeader;
}

// Rounds up to 1/8 of the size's power of two (at least a page): at most 12.5% more address
// space, and the untouched tail of a block is never resident.
size_t roundedSize(size_t bytes) {
  size_t top = size_t(1) << (63 - __builtin_clzll(bytes));
  size_t granule = std::max<size_t>(4096, top / 8);
  return (bytes + granule - 1) / granule * granule;
}

class BlockCache {
 public:
  Block* take(size_t size, std::vector<Block*>& evicted) {
    std::lock_guard<std::mutex> lock(mutex_);
    // The smallest cached block that fits and is not much larger.
    auto it = bySize_.lower_bound(size);
    if (it != bySize_.end() && it->first * kFitDenominator <= size * kFitNumerator) {
      Block* block = it->second;
      unlink(block);
      live_ += static_cast<int64_t>(block->size);
      peak_ = std::max(peak_, live_);
      return block;
    }
    live_ += static_cast<int64_t>(size);
    peak_ = std::max(peak_, live_);
    // A new mapping: first give back cached blocks the peak does not need.
    while (lruHead_ != nullptr && mapped_ + static_cast<int64_t>(size) > peak_ + kSlack) {
      Block* victim = lruHead_;
      unlink(victim);
      mapped_ -= static_cast<int64_t>(victim->size);
      evicted.push_back(victim);
    }
    mapped_ += static_cast<int64_t>(size);
    return nullptr;
  }

  // The mapping of a block counted by take() failed.
  void untake(size_t size) {
    std::lock_guard<std::mutex> lock(mutex_);
    live_ -= static_cast<int64_t>(size);
    mapped_ -= static_cast<int64_t>(size);
  }

  void give(Block* block) {
    std::lock_guard<std::mutex> lock(mutex_);
    live_ -= static_cast<int64_t>(block->size);
    cached_ += static_cast<int64_t>(block->size);
    Block*& top = bySize_[block->size];
    block->sizePrev = nullptr;
    block->sizeNext = top;
    if (top != nullptr) top->sizePrev = block;
    top = block;
    block->lruPrev = lruTail_;
    block->lruNext = nullptr;
    (lruTail_ != nullptr ? lruTail_->lruNext : lruHead_) = block;
    lruTail_ = block;
  }

  std::vector<Block*> takeAllCached() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<Block*> out;
    while (lruHead_ != nullptr) {
      Block* block = lruHead_;
      unlink(block);
      mapped_ -= static_cast<int64_t>(block->size);
      out.push_back(block);
    }
    return out;
  }

  CpuCacheStats stats() {
    std::lock_guard<std::mutex> lock(mutex_);
    return {mapped_, cached_, peak_};
  }

 private:
  // Removes a cached block from both lists (caller holds the lock).
  void unlink(Block* block) {
    cached_ -= static_cast<int64_t>(block->size);
    (block->lruPrev != nullptr ? block->lruPrev->lruNext : lruHead_) = block->lruNext;
    (block->lruNext != nullptr ? block->lruNext->lruPrev : lruTail_) = block->lruPrev;
    if (block->sizePrev != nullptr) {
      block->sizePrev->sizeNext = block->sizeNext;
    } else if (block->sizeNext != nullptr) {
      bySize_[block->size] = block->sizeNext;
    } else {
      bySize_.erase(block->size);
    }
    if (block->sizeNext != nullptr) block->sizeNext->sizePrev = block->sizePrev;
  }

  std::mutex mutex_;
  std::map<size_t, Block*> bySize_;  // the top of each size's stack; only sizes with cached blocks
  Block* lruHead_ = nullptr;
  Block* lruTail_ = nullptr;
  int64_t live_ = 0;
  int64_t peak_ = 0;
  int64_t mapped_ = 0;
  int64_t cached_ = 0;
};

BlockCache& cache() {
  static BlockCache* instance = new BlockCache();  // never destroyed: tensors may outlive exit
  return *instance;
}

void unmap(const std::vector<Block*>& blocks) {
  for (Block* block : blocks) munmap(block, block->size);
}

void* mapBytes(size_t size) {
  void* mapping = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return mapping == MAP_FAILED ? nullptr : mapping;
}

void* allocateLarge(size_t bytes) {
  const size_t size = roundedSize(bytes + kHeader);
  std::vector<Block*> evicted;
  Block* block = cache().take(size, evicted);
  unmap(evicted);
  if (block != nullptr) return dataOf(block);
  void* mapping = mapBytes(size);
  if (mapping == nullptr) {
    // Out of memory or address space: give every cached block back, then try once more.
    cache().untake(size);
    unmap(cache().takeAllCached());
    evicted.clear();
    block = cache().take(size, evicted);  // another thread may have freed one meanwhile
    unmap(evicted);
    if (block != nullptr) return dataOf(block);
    mapping = mapBytes(size);
    if (mapping == nullptr) {
      cache().untake(size);
      TORCH_CHECK(false, "not enough memory: tried to allocate ", bytes, " bytes on the CPU");
    }
  }
  block = static_cast<Block*>(mapping);
  block->kind = kLarge;
  block->size = size;
  return dataOf(block);
}

void* allocateSmall(size_t bytes) {
  void* base = nullptr;
  if (posix_memalign(&base, kHeader, bytes + kHeader) != 0 || base == nullptr) {
    TORCH_CHECK(false, "not enough memory: tried to allocate ", bytes, " bytes on the CPU");
  }
  auto* block = static_cast<Block*>(base);
  block->kind = kSmall;
  block->size = bytes + kHeader;
  return dataOf(block);
}

void deleteBlock(void* data) {
  if (data == nullptr) return;
  auto* block = reinterpret_cast<Block*>(static_cast<char*>(data) - kHeader);
  if (block->kind == kLarge) {
    cache().give(block);
  } else {
    TORCH_INTERNAL_ASSERT(block->kind == kSmall, "zscl CPU allocator: foreign pointer freed");
    std::free(block);
  }
}

class CachingCpuAllocator final : public c10::Allocator {
 public:
  // libtorch < 2.3 declares allocate() const, later versions non-const: define both, so the
  // one the base declares is overridden whichever libtorch this compiles against.
  c10::DataPtr allocate(size_t n) const { return make(n); }
  c10::DataPtr allocate(size_t n) { return make(n); }
  c10::DeleterFnPtr raw_deleter() const override { return &deleteBlock; }
  // Pure virtual from libtorch 2.3 on.
  void copy_data(void* dest, const void* src, std::size_t count) const {
    std::memcpy(dest, src, count);
  }

 private:
  static c10::DataPtr make(size_t n) {
    if (n == 0) return {nullptr, nullptr, &deleteBlock, c10::Device(c10::DeviceType::CPU)};
    void* data = n + kHeader >= kLargeBlock ? allocateLarge(n) : allocateSmall(n);
    return {data, data, &deleteBlock, c10::Device(c10::DeviceType::CPU)};
  }
};

}  // namespace

void installCpuAllocator() {
  static std::once_flag once;
  std::call_once(once, [] {
    const char* choice = std::getenv("ZSCL_CPU_ALLOCATOR");
    if (choice != nullptr && std::strcmp(choice, "system") == 0) return;
    static CachingCpuAllocator allocator;
    c10::SetCPUAllocator(&allocator, /*priority=*/1);
  });
}

CpuCacheStats cpuCacheStats() {
  return cache().stats();
}

int64_t releaseCpuCache() {
  auto blocks = cache().takeAllCached();
  int64_t bytes = 0;
  for (Block* block : blocks) bytes += static_cast<int64_t>(block->size);
  unmap(blocks);
  return bytes;
}

}  // namespace zscl
