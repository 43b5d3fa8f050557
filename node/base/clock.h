// node/base/clock.h
//
// Wall-clock and monotonic time in the units Redis uses. Expiry deadlines are
// absolute unix milliseconds (as in Redis and in RDB files); timeouts and
// latencies use the monotonic clock.

#pragma once

#include <chrono>
#include <cstdint>

namespace node::base {

inline int64_t UnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline int64_t UnixUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A clock read once per event-loop batch (see UpdateCachedClock), for uses
// where millisecond staleness within a batch is fine (LRU stamps, client
// idle times). Engine thread.
inline int64_t& CachedUnixMsRef() {
  static int64_t v = 0;
  return v;
}
inline int64_t& CachedMonoMsRef() {
  static int64_t v = 0;
  return v;
}
inline int64_t CachedUnixMs() { return CachedUnixMsRef() ? CachedUnixMsRef() : UnixMs(); }

inline int64_t MonoMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

inline int64_t MonoUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

inline int64_t CachedMonoMs() { return CachedMonoMsRef() ? CachedMonoMsRef() : MonoMs(); }
inline void UpdateCachedClock() {
  CachedUnixMsRef() = UnixMs();
  CachedMonoMsRef() = MonoMs();
}

}  // namespace node::base
