// entrypoint/supervisor/lifetime_gate.h
//
// LifetimeGate: how threads main() does not own (the supervisor's signal
// thread delivering a shutdown request or a BGSAVE child's exit, the
// shutdown-handoff thread) reach the Server that main() owns. main() opens the
// gate once the Server has started and closes it as soon as Server::Run()
// returns, before it destroys the Server; a call through the gate runs under
// the gate's mutex, so it either finishes before Close() returns or does not
// run at all. Without it, a child that exits or a signal that arrives while
// main() tears the Server down would post onto a destroyed io_context.
//
// Thread-safe. Calls through the gate must be short and must not take a lock
// the closing thread holds (Server::Post and RequestShutdown only queue work).

#pragma once

#include <mutex>
#include <utility>

namespace entrypoint::supervisor {

template <typename T>
class LifetimeGate {
 public:
  enum class State { kNotOpen, kOpen, kClosed };

  LifetimeGate() = default;
  LifetimeGate(const LifetimeGate&) = delete;
  LifetimeGate& operator=(const LifetimeGate&) = delete;

  // Makes `target` reachable (once; a closed gate stays closed).
  void Open(T* target) {
    std::lock_guard<std::mutex> lk(mu_);
    if (state_ == State::kNotOpen) {
      target_ = target;
      state_ = State::kOpen;
    }
  }

  // After Close() returns no call through the gate is running or will run.
  void Close() {
    std::lock_guard<std::mutex> lk(mu_);
    target_ = nullptr;
    state_ = State::kClosed;
  }

  // Runs fn(*target) while the gate is open. Returns the state it found:
  // kOpen means fn ran.
  template <typename F>
  State With(F&& fn) {
    std::lock_guard<std::mutex> lk(mu_);
    if (state_ == State::kOpen) std::forward<F>(fn)(*target_);
    return state_;
  }

 private:
  std::mutex mu_;
  T* target_ = nullptr;
  State state_ = State::kNotOpen;
};

}  // namespace entrypoint::supervisor
