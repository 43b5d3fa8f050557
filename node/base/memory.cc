// node/base/memory.cc -- see memory.h.

#include "node/base/memory.h"

#include <malloc.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>

// Under ThreadSanitizer the runtime owns operator new/delete (clang's static
// runtime defines them: replacing them too is a duplicate definition), so
// the counted operators below are left out and UsedMemory asks the
// sanitizer's allocator instead.
#if defined(__SANITIZE_THREAD__)
#define SHOAL_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SHOAL_TSAN 1
#endif
#endif
#ifdef SHOAL_TSAN
#include <sanitizer/allocator_interface.h>
#endif

namespace node::base {
namespace {
std::atomic<size_t> g_used{0};
std::atomic<size_t> g_peak{0};

inline void* CountedAlloc(size_t n) {
  void* p = malloc(n ? n : 1);
  if (!p) throw std::bad_alloc();
  g_used.fetch_add(malloc_usable_size(p), std::memory_order_relaxed);
  return p;
}

inline void CountedFree(void* p) {
  if (!p) return;
  g_used.fetch_sub(malloc_usable_size(p), std::memory_order_relaxed);
  free(p);
}
}  // namespace

#ifdef SHOAL_TSAN
size_t UsedMemory() { return __sanitizer_get_current_allocated_bytes(); }
#else
size_t UsedMemory() { return g_used.load(std::memory_order_relaxed); }
#endif

void UpdatePeakMemory() {
  size_t u = UsedMemory();
  size_t p = g_peak.load(std::memory_order_relaxed);
  while (u > p && !g_peak.compare_exchange_weak(p, u)) {
  }
}

size_t PeakMemory() {
  UpdatePeakMemory();
  return g_peak.load(std::memory_order_relaxed);
}

size_t ResidentMemory() {
  FILE* f = fopen("/proc/self/statm", "r");
  if (!f) return 0;
  long pages = 0, rss = 0;
  int n = fscanf(f, "%ld %ld", &pages, &rss);
  fclose(f);
  if (n != 2) return 0;
  return static_cast<size_t>(rss) * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

int64_t TrimHeap() {
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  malloc_trim(0);
  clock_gettime(CLOCK_MONOTONIC, &b);
  return (b.tv_sec - a.tv_sec) * 1000000 + (b.tv_nsec - a.tv_nsec) / 1000;
}

// Referenced from UsedMemory's translation unit so the static library keeps
// the replaced operators below.
void* AllocCounted(size_t n) { return CountedAlloc(n); }
void FreeCounted(void* p) { CountedFree(p); }

}  // namespace node::base

#ifndef SHOAL_TSAN
void* operator new(size_t n) { return node::base::AllocCounted(n); }
void* operator new[](size_t n) { return node::base::AllocCounted(n); }
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  try {
    return node::base::AllocCounted(n);
  } catch (...) {
    return nullptr;
  }
}
void operator delete(void* p) noexcept { node::base::FreeCounted(p); }
void operator delete[](void* p) noexcept { node::base::FreeCounted(p); }
void operator delete(void* p, size_t) noexcept { node::base::FreeCounted(p); }
void operator delete[](void* p, size_t) noexcept { node::base::FreeCounted(p); }
#endif  // SHOAL_TSAN
