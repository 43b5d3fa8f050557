// node/base/memory.h
//
// Process-wide heap accounting for INFO used_memory and maxmemory. The global
// operator new/delete are replaced (memory.cc) to add and subtract
// malloc_usable_size of every block, as Redis's zmalloc does. Any thread.

#pragma once

#include <cstddef>
#include <cstdint>

namespace node::base {

// Bytes currently allocated through operator new / Alloc.
size_t UsedMemory();
// Resident set size from /proc/self/statm.
size_t ResidentMemory();
// Peak of UsedMemory() observed by UpdatePeakMemory().
size_t PeakMemory();
void UpdatePeakMemory();

// Returns the heap's free pages to the OS (glibc malloc_trim). glibc keeps
// memory freed in the middle of the heap: after a FLUSHALL or a large DEL,
// RSS stays where the peak was (1M keys: 92 MB resident with 0.7 MB in use),
// where Redis's jemalloc gives pages back within seconds. Returns the time
// it took in microseconds.
int64_t TrimHeap();

// When to TrimHeap, from the engine cron (pure logic, unit-tested): when RSS
// exceeds what is in use by at least kMinGap and by half of what is in use,
// at most once per interval. The interval starts at kBaseIntervalMs and
// doubles (to kMaxIntervalMs) after a trim that gave back less than a quarter
// of the gap (the rest is fragmentation of live data, which trimming cannot
// return), so a heap that cannot shrink is not walked every few seconds.
class HeapTrimPolicy {
 public:
  static constexpr size_t kMinGap = 32u << 20;
  static constexpr int64_t kBaseIntervalMs = 10'000;
  static constexpr int64_t kMaxIntervalMs = 320'000;

  bool ShouldTrim(int64_t now_ms, size_t rss, size_t used) const {
    if (rss <= used) return false;
    size_t gap = rss - used;
    if (gap < kMinGap || gap < used / 2) return false;
    return last_ms_ < 0 || now_ms - last_ms_ >= interval_ms_;
  }
  void Trimmed(int64_t now_ms, size_t rss_before, size_t rss_after, size_t used) {
    last_ms_ = now_ms;
    size_t gap = rss_before > used ? rss_before - used : 0;
    size_t released = rss_before > rss_after ? rss_before - rss_after : 0;
    if (released * 4 < gap) {
      interval_ms_ = interval_ms_ * 2 > kMaxIntervalMs ? kMaxIntervalMs : interval_ms_ * 2;
    } else {
      interval_ms_ = kBaseIntervalMs;
    }
  }
  int64_t interval_ms() const { return interval_ms_; }

 private:
  int64_t last_ms_ = -1;
  int64_t interval_ms_ = kBaseIntervalMs;
};

}  // namespace node::base
