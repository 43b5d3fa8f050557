// node/base/memory_test.cc -- when the heap is trimmed (HeapTrimPolicy).

#include "node/base/memory.h"

#include <doctest/doctest.h>

namespace node::base {
namespace {

constexpr size_t kMb = 1u << 20;

TEST_CASE("heap trim: only when RSS is well above what is in use") {
  HeapTrimPolicy p;
  CHECK_FALSE(p.ShouldTrim(0, 10 * kMb, 20 * kMb));    // RSS below use
  CHECK_FALSE(p.ShouldTrim(0, 40 * kMb, 10 * kMb));    // gap 30 MB < 32 MB
  CHECK_FALSE(p.ShouldTrim(0, 290 * kMb, 200 * kMb));  // gap 90 MB < half of 200 MB
  CHECK(p.ShouldTrim(0, 92 * kMb, 1 * kMb));           // after a FLUSHALL
  CHECK(p.ShouldTrim(0, 400 * kMb, 200 * kMb));
}

TEST_CASE("heap trim: at most once per interval, which backs off when trimming gives little") {
  HeapTrimPolicy p;
  p.Trimmed(1000, 100 * kMb, 20 * kMb, 1 * kMb);  // gave back 80 of 99 MB
  CHECK(p.interval_ms() == HeapTrimPolicy::kBaseIntervalMs);
  CHECK_FALSE(p.ShouldTrim(1000 + HeapTrimPolicy::kBaseIntervalMs - 1, 100 * kMb, kMb));
  CHECK(p.ShouldTrim(1000 + HeapTrimPolicy::kBaseIntervalMs, 100 * kMb, kMb));
  // Fragmentation of live data: a trim returns almost nothing.
  int64_t now = 100'000;
  for (int i = 0; i < 10; i++) p.Trimmed(now, 100 * kMb, 99 * kMb, kMb);
  CHECK(p.interval_ms() == HeapTrimPolicy::kMaxIntervalMs);
  CHECK_FALSE(p.ShouldTrim(now + 60'000, 100 * kMb, kMb));
  // A trim that works again resets the interval.
  p.Trimmed(now, 100 * kMb, 10 * kMb, kMb);
  CHECK(p.interval_ms() == HeapTrimPolicy::kBaseIntervalMs);
}

}  // namespace
}  // namespace node::base
