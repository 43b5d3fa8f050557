// entrypoint/supervisor/supervisor.cc
//
// The signal thread: sigwaitinfo() on the supervised set (sigtimedwait() once
// the shutdown clock runs), reaping and the shutdown/force/quit callbacks.
// See supervisor.h for the semantics.

#include "entrypoint/supervisor/supervisor.h"

#include <dirent.h>
#include <errno.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "entrypoint/supervisor/exit_codes.h"
#include "node/base/log.h"

namespace entrypoint::supervisor {

namespace {

const char* SignalName(int sig) {
  switch (sig) {
    case SIGTERM:
      return "SIGTERM";
    case SIGINT:
      return "SIGINT";
    case SIGQUIT:
      return "SIGQUIT";
    case SIGHUP:
      return "SIGHUP";
    case SIGCHLD:
      return "SIGCHLD";
    case 0:
      return "a shutdown request";
  }
  return "signal";
}

// While a reclaimed child may block the reaping order, look again this often.
constexpr std::chrono::milliseconds kSweepInterval{200};

// This process's children: every thread's /proc/self/task/<tid>/children
// (a child belongs to the thread that forked it; orphans to any thread).
std::vector<pid_t> ListChildren(bool* ok) {
  std::vector<pid_t> out;
  *ok = false;
  DIR* tasks = opendir("/proc/self/task");
  if (tasks == nullptr) return out;
  while (dirent* e = readdir(tasks)) {
    if (e->d_name[0] == '.') continue;
    std::string path = std::string("/proc/self/task/") + e->d_name + "/children";
    FILE* f = fopen(path.c_str(), "re");
    if (f == nullptr) continue;
    *ok = true;
    long pid;
    while (fscanf(f, "%ld", &pid) == 1) out.push_back(static_cast<pid_t>(pid));
    fclose(f);
  }
  closedir(tasks);
  return out;
}

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

}  // namespace

Supervisor::Supervisor(SupervisorOptions opts) : opts_(std::move(opts)) {}

Supervisor::~Supervisor() { Stop(); }

sigset_t Supervisor::SupervisedSet() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGTERM, SIGINT, SIGQUIT, SIGCHLD, SIGHUP}) sigaddset(&set, sig);
  return set;
}

node::base::Status Supervisor::Start() {
  if (started_) return node::base::Status::Ok();
  is_pid1_ = getpid() == 1;
  sigset_t set = SupervisedSet();
  int rc = pthread_sigmask(SIG_BLOCK, &set, &old_mask_);
  if (rc != 0) {
    return node::base::Status::Error(std::string("can't block signals: ") + strerror(rc));
  }
  // SIGCHLD set to SIG_IGN (inherited across exec) would make the kernel
  // auto-reap children and hide the exit status of the engine's own forks.
  struct sigaction sa {};
  sa.sa_handler = SIG_DFL;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGCHLD, &sa, &old_chld_);
  if (!is_pid1_ && opts_.subreaper) {
    is_subreaper_ = prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0;
    if (!is_subreaper_) LOG_WARN("Can't become a child subreaper: {}", strerror(errno));
  }
  start_thread_ = std::this_thread::get_id();
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
  thread_handle_ = thread_.native_handle();
  started_ = true;
  LOG_INFO("Supervisor started (pid {}{})", getpid(),
           is_pid1_ ? ", PID 1" : (is_subreaper_ ? ", child subreaper" : ""));
  // Children that exited before we started would otherwise wait for the next
  // SIGCHLD (theirs was already delivered, maybe to the default disposition).
  pthread_kill(thread_handle_, SIGCHLD);
  return node::base::Status::Ok();
}

void Supervisor::Stop() {
  if (!started_) return;
  stop_ = true;
  pthread_kill(thread_handle_, SIGCHLD);  // wakes sigwaitinfo(); it checks stop_
  thread_.join();
  started_ = false;
  if (std::this_thread::get_id() == start_thread_) {
    sigaction(SIGCHLD, &old_chld_, nullptr);
    pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
  }
}

void Supervisor::RequestShutdown() {
  request_shutdown_ = true;
  if (started_) pthread_kill(thread_handle_, SIGCHLD);
}

void Supervisor::OwnChild(pid_t pid, std::function<void(int)> on_exit) {
  std::lock_guard<std::recursive_mutex> lk(reap_mu_);
  owned_[pid] = std::move(on_exit);
}

bool Supervisor::DisownChild(pid_t pid) {
  std::lock_guard<std::recursive_mutex> lk(reap_mu_);
  if (owned_.erase(pid) == 0) return false;
  reclaimed_.insert(pid);
  sweep_ = true;
  return true;
}

std::unique_lock<std::recursive_mutex> Supervisor::HoldReaping() {
  return std::unique_lock<std::recursive_mutex>(reap_mu_);
}

pid_t Supervisor::ForkOwned(std::function<void(int)> on_exit) {
  auto hold = HoldReaping();
  pid_t pid = fork();
  if (pid == 0) {
    // The child's copy of reap_mu_ is locked forever; the child never uses
    // the supervisor.
    hold.release();
    ResetSignalsInChild();
    return 0;
  }
  if (pid > 0) owned_[pid] = std::move(on_exit);
  return pid;
}

void Supervisor::ResetSignalsInChild() {
  sigset_t set = SupervisedSet();
  struct sigaction sa {};
  sa.sa_handler = SIG_DFL;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGTERM, SIGINT, SIGQUIT, SIGCHLD, SIGHUP}) sigaction(sig, &sa, nullptr);
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

uint64_t Supervisor::reaped_count() const {
  std::lock_guard<std::mutex> lk(count_mu_);
  return reaped_;
}

bool Supervisor::WaitForReaped(uint64_t n, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lk(count_mu_);
  return count_cv_.wait_for(lk, timeout, [&] { return reaped_ >= n; });
}

void Supervisor::ReapAll() {
  std::vector<std::pair<std::function<void(int)>, int>> deliveries;
  uint64_t n = 0;
  {
    std::lock_guard<std::recursive_mutex> lk(reap_mu_);
    // Reclaimed pids their owner has reaped meanwhile are no longer ours.
    for (auto it = reclaimed_.begin(); it != reclaimed_.end();) {
      siginfo_t si{};
      bool gone = waitid(P_PID, static_cast<id_t>(*it), &si, WEXITED | WNOHANG | WNOWAIT) < 0 &&
                  errno == ECHILD;
      it = gone ? reclaimed_.erase(it) : std::next(it);
    }
    sweep_ = !reclaimed_.empty();
    auto reaped = [&](pid_t pid, int status) {
      n++;
      auto it = owned_.find(pid);
      if (it != owned_.end()) {
        LOG_DEBUG("Owned child {} exited: {}", pid, DescribeWaitStatus(status));
        if (it->second) deliveries.emplace_back(std::move(it->second), status);
        owned_.erase(it);
      } else {
        LOG_DEBUG("Reaped child {}: {}", pid, DescribeWaitStatus(status));
      }
    };
    if (reclaimed_.empty()) {
      for (;;) {
        int status = 0;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid < 0 && errno == EINTR) continue;
        if (pid <= 0) break;  // 0: children alive but none exited; -1: no children
        reaped(pid, status);
      }
    } else {
      // A reclaimed child is its owner's to reap, so no waitpid(-1): wait for
      // each other child by pid, listed from /proc/self/task/*/children.
      bool listed = false;
      for (pid_t pid : ListChildren(&listed)) {
        if (reclaimed_.count(pid)) continue;
        int status = 0;
        if (waitpid(pid, &status, WNOHANG) == pid) reaped(pid, status);
      }
      // Without /proc: reap until the first exited child is a reclaimed one.
      while (!listed) {
        siginfo_t si{};
        if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0) {
          if (errno == EINTR) continue;
          break;
        }
        if (si.si_pid == 0 || reclaimed_.count(si.si_pid)) break;
        int status = 0;
        if (waitpid(si.si_pid, &status, WNOHANG) != si.si_pid) break;
        reaped(si.si_pid, status);
      }
    }
  }
  for (auto& [cb, status] : deliveries) cb(status);
  if (n > 0) {
    std::lock_guard<std::mutex> lk(count_mu_);
    reaped_ += n;
    count_cv_.notify_all();
  }
}

void Supervisor::OnShutdownSignal(int sig) {
  shutdown_signals_++;
  if (shutdown_signals_ == 1) {
    shutdown_started_ = true;
    LOG_INFO("Received {} scheduling shutdown...", SignalName(sig));
    if (opts_.shutdown_timeout.count() > 0) {
      shutdown_deadline_ = std::chrono::steady_clock::now() + opts_.shutdown_timeout;
    }
    if (opts_.on_shutdown) opts_.on_shutdown(sig);
    return;
  }
  LOG_WARN("Received {} during shutdown: exiting now", SignalName(sig));
  if (opts_.on_force_exit) {
    opts_.on_force_exit(sig);
  } else {
    _exit(kExitOk);
  }
}

void Supervisor::Loop() {
  sigset_t set = SupervisedSet();
  while (!stop_) {
    siginfo_t info{};
    int sig;
    const bool sweep = sweep_.load();
    if (shutdown_deadline_ || sweep) {
      auto left = std::chrono::nanoseconds(std::chrono::hours(24));
      if (shutdown_deadline_) left = *shutdown_deadline_ - std::chrono::steady_clock::now();
      if (sweep) left = std::min<std::chrono::nanoseconds>(left, kSweepInterval);
      auto ns = std::max<int64_t>(0, left.count());
      timespec ts{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
      sig = sigtimedwait(&set, &info, &ts);
      if (sig < 0 && errno == EAGAIN) {
        if (sweep) ReapAll();
        if (!shutdown_deadline_ || std::chrono::steady_clock::now() < *shutdown_deadline_) {
          continue;
        }
        shutdown_deadline_.reset();
        LOG_WARN("Shutdown did not finish within {} ms: exiting",
                 static_cast<long long>(opts_.shutdown_timeout.count()));
        if (opts_.on_shutdown_timeout) {
          opts_.on_shutdown_timeout();
        } else {
          _exit(kExitShutdownTimeout);
        }
        continue;
      }
    } else {
      sig = sigwaitinfo(&set, &info);
    }
    if (sig < 0) continue;  // EINTR
    if (stop_) break;
    switch (sig) {
      case SIGCHLD:
        ReapAll();
        break;
      case SIGTERM:
      case SIGINT:
        OnShutdownSignal(sig);
        break;
      case SIGQUIT:
        LOG_WARN("Received SIGQUIT: exiting now without saving");
        if (opts_.on_quit) {
          opts_.on_quit();
        } else {
          _exit(kExitOk);
        }
        break;
      case SIGHUP:
        if (opts_.on_hangup) {
          opts_.on_hangup();
        } else {
          LOG_INFO("Received SIGHUP: ignored");
        }
        break;
      default:
        break;
    }
    // RequestShutdown() wakes us with a SIGCHLD aimed at this thread.
    if (request_shutdown_.exchange(false) && !shutdown_started_) OnShutdownSignal(0);
  }
  ReapAll();
}

}  // namespace entrypoint::supervisor
