// node/server/busy_poll.h -- when the engine loop polls instead of sleeping.
//
// When a client writes to a socket whose server thread sleeps in epoll_wait,
// the client's own system call pays for waking that thread (on a VM, an
// inter-processor interrupt and a VM exit). Under steady traffic that is
// the larger part of a request's cost at -P 1 and it is paid by the client.
// So after the loop runs dry, the engine polls for up to a short window
// before it blocks, as the kernel's haltpoll cpuidle governor does for a
// guest's idle vCPU:
//   - a block that ended within the maximum window means polling a little
//     longer would have caught the work: the window doubles (from kGrowStart);
//   - a block that lasted longer means the poll was wasted: the window halves
//     (below kGrowStart it is 0, so an idle or lightly loaded node never polls);
//   - polling never costs more time than the work it serves: while the polled
//     time exceeds the time spent running handlers (both decayed by half every
//     kEpochNs), the window is 0.
// So an idle node sleeps as Redis does, and a busy one spends at most as much
// again polling. `shoal-busy-poll-us` is the maximum window (0: never poll).
// Pure logic on nanosecond timestamps: Server::Run feeds it, the unit test
// drives it with made-up clocks.

#pragma once

#include <algorithm>
#include <cstdint>

namespace node::server {

class BusyPollGovernor {
 public:
  static constexpr int64_t kGrowStart = 10'000;     // ns
  static constexpr int64_t kEpochNs = 100'000'000;  // decay period

  // How long to poll now (0: block at once). max_ns is the configured cap.
  int64_t Window(int64_t max_ns, int64_t now) {
    Decay(now);
    if (max_ns <= 0) return 0;
    if (polled_ns_ > work_ns_) return 0;
    return std::min(window_, max_ns);
  }

  // Handlers ran for ns.
  void AddWork(int64_t ns) { work_ns_ += ns; }
  // Polled for ns (found work or not).
  void AddPolled(int64_t ns) { polled_ns_ += ns; }

  // The loop blocked and woke after ns (the first handler's run included).
  void OnBlocked(int64_t ns, int64_t max_ns) {
    if (max_ns <= 0) {
      window_ = 0;
      return;
    }
    if (ns <= max_ns) {
      window_ = std::min(window_ ? window_ * 2 : kGrowStart, max_ns);
    } else {
      window_ /= 2;
      if (window_ < kGrowStart) window_ = 0;
    }
  }

  int64_t window() const { return window_; }
  int64_t polled_ns() const { return polled_ns_; }
  int64_t work_ns() const { return work_ns_; }

 private:
  void Decay(int64_t now) {
    if (now - epoch_start_ < kEpochNs) return;
    epoch_start_ = now;
    polled_ns_ /= 2;
    work_ns_ /= 2;
  }

  int64_t window_ = 0;
  int64_t polled_ns_ = 0;
  int64_t work_ns_ = 0;
  int64_t epoch_start_ = 0;
};

}  // namespace node::server
