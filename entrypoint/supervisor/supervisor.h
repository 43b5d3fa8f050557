// entrypoint/supervisor/supervisor.h
//
// PID 1 duties for the shoal process: signals, reaping, the shutdown clock.
// main() constructs one Supervisor and calls Start() FIRST, before any other
// thread exists: Start() blocks SIGTERM, SIGINT, SIGQUIT, SIGCHLD and SIGHUP
// in the calling thread, so every thread created afterwards (engine, health,
// discovery, asio, httplib pools) inherits the blocked mask, and a dedicated
// signal thread takes them synchronously with sigwaitinfo(). No async signal
// handlers, so callbacks may lock, log and allocate.
//
// Semantics (Redis-like; exit codes in exit_codes.h):
//  - first SIGTERM/SIGINT (or RequestShutdown()): on_shutdown(sig), once. The
//    shutdown clock starts; when `shutdown_timeout` passes before the process
//    exits, on_shutdown_timeout() runs (default: _exit(kExitShutdownTimeout)).
//  - second SIGTERM/SIGINT: on_force_exit(sig) (default: _exit(kExitOk)).
//    Like Redis's second SIGINT: stop now, skip the handover/final save; the
//    files are still whole because every file write is atomic (temp+rename)
//    or append-only.
//  - SIGQUIT: on_quit() (default: _exit(kExitOk) at once, no save, no
//    handover) — Redis's SHUTDOWN NOSAVE as a signal. Exit code 0 because it
//    is a requested stop, not a failure.
//  - SIGHUP: on_hangup() (default: logged and ignored, as Redis ignores it).
//  - SIGCHLD: every exited child is reaped (waitpid(-1, WNOHANG) in a loop),
//    so orphans re-parented to PID 1 — or to us as a child subreaper when not
//    PID 1 — never stay zombies. Children registered with OwnChild() (the
//    engine's BGSAVE/rewrite forks) are reaped too, and their wait status is
//    handed to the owner's callback.
//
// All callbacks run on the signal thread and must not block for long: post
// work to the engine (Server::Post / RequestShutdown are thread-safe).
//
// Thread-safety: every public method is safe from any thread.

#pragma once

#include <pthread.h>
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "node/base/result.h"

namespace entrypoint::supervisor {

struct SupervisorOptions {
  // First SIGTERM/SIGINT or RequestShutdown() (sig 0); called once.
  std::function<void(int sig)> on_shutdown;
  // Second SIGTERM/SIGINT. Default: _exit(kExitOk).
  std::function<void(int sig)> on_force_exit;
  // SIGQUIT. Default: _exit(kExitOk).
  std::function<void()> on_quit;
  // SIGHUP. Default: log and ignore.
  std::function<void()> on_hangup;
  // How long the graceful shutdown may take from on_shutdown; 0 = no limit.
  std::chrono::milliseconds shutdown_timeout{0};
  // Default: log and _exit(kExitShutdownTimeout).
  std::function<void()> on_shutdown_timeout;
  // When not PID 1, become a child subreaper (prctl(PR_SET_CHILD_SUBREAPER))
  // so orphaned grandchildren are re-parented to us and reaped here.
  bool subreaper = true;
};

class Supervisor {
 public:
  explicit Supervisor(SupervisorOptions opts);
  ~Supervisor();  // Stop()
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Blocks the signals in the calling thread and starts the signal thread.
  // Fails (with a reason) only when the thread or the signal mask can't be
  // set up. Reaps children that exited before Start() at once.
  node::base::Status Start();
  // Stops the signal thread; restores the calling thread's signal mask when
  // called from the thread that called Start() (tests). Idempotent.
  void Stop();

  // Thread-safe: behaves as if SIGTERM had arrived (on_shutdown once and the
  // shutdown clock), e.g. for the SHUTDOWN command path.
  void RequestShutdown();
  bool shutdown_requested() const { return shutdown_started_.load(); }

  // --- Children the engine owns ---------------------------------------------
  // The owner gets the raw wait status (WIFEXITED/WEXITSTATUS...) on the
  // signal thread. A child may exit before OwnChild() runs; to close that race
  // fork while holding HoldReaping() (or use ForkOwned()):
  //   auto hold = sup.HoldReaping();
  //   pid_t pid = fork();            // child: Supervisor::ResetSignalsInChild()
  //   if (pid > 0) sup.OwnChild(pid, cb);
  void OwnChild(pid_t pid, std::function<void(int wait_status)> on_exit);
  // Takes an owned child back so the owner can waitpid(pid) it itself (e.g.
  // Persistence::WaitForChild at shutdown). True if it was owned and not yet
  // reaped; from then on the supervisor never reaps that pid, and until the
  // owner has, it reaps the other children one by one (by pid, from
  // /proc/self/task/*/children, rechecked every 200 ms). False when it was
  // already reaped (its callback is on its way).
  bool DisownChild(pid_t pid);
  // While held, the supervisor does not reap. Hold only around fork().
  std::unique_lock<std::recursive_mutex> HoldReaping();
  // fork() + OwnChild() without the race. Returns 0 in the child (signals
  // already reset by ResetSignalsInChild()), the pid in the parent, -1 on
  // error (errno set).
  pid_t ForkOwned(std::function<void(int wait_status)> on_exit);
  // In a freshly forked child: default dispositions and an empty signal mask
  // for the supervised signals, so the child can be stopped normally.
  static void ResetSignalsInChild();

  // --- Introspection (tests, logs) ------------------------------------------
  bool is_pid1() const { return is_pid1_; }
  bool is_subreaper() const { return is_subreaper_; }
  uint64_t reaped_count() const;
  // Waits until at least n children have been reaped in total.
  bool WaitForReaped(uint64_t n, std::chrono::milliseconds timeout);

 private:
  void Loop();
  void ReapAll();
  void OnShutdownSignal(int sig);
  static sigset_t SupervisedSet();

  SupervisorOptions opts_;
  bool is_pid1_ = false;
  bool is_subreaper_ = false;
  bool started_ = false;
  std::thread thread_;
  pthread_t thread_handle_{};
  std::thread::id start_thread_;
  sigset_t old_mask_{};
  struct sigaction old_chld_ {};
  std::atomic<bool> stop_{false};
  std::atomic<bool> request_shutdown_{false};
  std::atomic<bool> shutdown_started_{false};
  int shutdown_signals_ = 0;                                                // signal thread only
  std::optional<std::chrono::steady_clock::time_point> shutdown_deadline_;  // signal thread

  std::recursive_mutex reap_mu_;  // guards waitpid(-1), owned_ and reclaimed_
  std::map<pid_t, std::function<void(int)>> owned_;
  std::set<pid_t> reclaimed_;       // disowned, not yet reaped by their owner
  std::atomic<bool> sweep_{false};  // reclaimed_ is not empty: poll

  mutable std::mutex count_mu_;
  std::condition_variable count_cv_;
  uint64_t reaped_ = 0;
};

}  // namespace entrypoint::supervisor
