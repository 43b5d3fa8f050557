// entrypoint/supervisor/supervisor_test.cc
//
// Each case runs in a forked child process: the supervisor blocks signals,
// becomes a child subreaper and receives kill(getpid(), ...), none of which
// may leak into the shared unit-test process. The child reports "" (pass) or
// a failure text through a pipe, and its exit code is checked too.

#include "entrypoint/supervisor/supervisor.h"

#include <doctest/doctest.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <fstream>
#include <functional>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>

#include "entrypoint/supervisor/exit_codes.h"
#include "node/base/log.h"

namespace entrypoint::supervisor {
namespace {

using namespace std::chrono_literals;

struct ChildOutcome {
  std::string report;  // what the body returned ("" = pass)
  int exit_code = -1;  // -1 when killed or timed out
};

// Runs body() in a forked child; body returns "" on success or what failed.
ChildOutcome RunInChild(const std::function<std::string()>& body, int timeout_ms = 10000) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  fflush(nullptr);  // the child must not print the parent's buffered output again
  std::cout.flush();
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    // The logger exists before the supervisor's thread starts, as in main()
    // (InitLogging first). Otherwise both threads' first log line races to
    // construct spdlog's registry, a function-local static inside the
    // uninstrumented libspdlog, whose initialisation TSan cannot see: the
    // TSan leg reported it when this suite ran alone.
    spdlog::default_logger_raw();
    std::string r = body();
    if (write(fds[1], r.data(), r.size()) < 0) _exit(100);
    _exit(0);
  }
  close(fds[1]);
  ChildOutcome out;
  for (;;) {
    pollfd p{fds[0], POLLIN, 0};
    int n = poll(&p, 1, timeout_ms);
    if (n <= 0) {
      kill(pid, SIGKILL);
      out.report = "child timed out: " + out.report;
      break;
    }
    char buf[512];
    ssize_t got = read(fds[0], buf, sizeof(buf));
    if (got <= 0) break;
    out.report.append(buf, static_cast<size_t>(got));
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status)) out.exit_code = WEXITSTATUS(status);
  return out;
}

// The parent pid in /proc/<pid>/stat, -1 if the process is gone.
pid_t ParentOf(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(f, line)) return -1;
  auto close_paren = line.rfind(')');
  if (close_paren == std::string::npos) return -1;
  std::istringstream rest(line.substr(close_paren + 2));
  char state;
  pid_t ppid;
  rest >> state >> ppid;
  return ppid;
}

// A small one-shot latch for callbacks that run on the signal thread.
struct Latch {
  std::mutex mu;
  std::condition_variable cv;
  int count = 0;
  int value = 0;
  void Hit(int v) {
    std::lock_guard<std::mutex> lk(mu);
    count++;
    value = v;
    cv.notify_all();
  }
  bool WaitFor(int n, std::chrono::milliseconds t = 5000ms) {
    std::unique_lock<std::mutex> lk(mu);
    return cv.wait_for(lk, t, [&] { return count >= n; });
  }
};

}  // namespace

TEST_SUITE("entrypoint/supervisor") {
  TEST_CASE("Exited children and orphaned grandchildren are all reaped" * doctest::timeout(20)) {
    auto out = RunInChild([]() -> std::string {
      Supervisor sup({});
      if (!sup.Start().ok()) return "start failed";
      if (!sup.is_subreaper() && !sup.is_pid1()) return "not a subreaper";
      // 20 children that exit at once.
      for (int i = 0; i < 20; i++) {
        pid_t p = fork();
        if (p == 0) _exit(i);
        if (p < 0) return "fork failed";
      }
      if (!sup.WaitForReaped(20, 5000ms)) return "children not reaped";
      // A child that leaves a grandchild behind: the grandchild blocks on a
      // pipe until we close it, and is re-parented to us meanwhile.
      int hold[2], report[2];
      if (pipe(hold) != 0 || pipe(report) != 0) return "pipe failed";
      pid_t mid = fork();
      if (mid == 0) {
        pid_t g = fork();
        if (g == 0) {
          close(hold[1]);
          char c;
          while (read(hold[0], &c, 1) > 0) {
          }
          _exit(0);
        }
        if (write(report[1], &g, sizeof(g)) != sizeof(g)) _exit(1);
        _exit(0);
      }
      close(hold[0]);
      close(report[1]);
      pid_t grandchild = -1;
      if (read(report[0], &grandchild, sizeof(grandchild)) != sizeof(grandchild)) {
        return "no grandchild pid";
      }
      if (!sup.WaitForReaped(21, 5000ms)) return "middle child not reaped";
      if (ParentOf(grandchild) != getpid()) {
        return "grandchild's parent is " + std::to_string(ParentOf(grandchild));
      }
      close(hold[1]);  // the orphan exits now
      if (!sup.WaitForReaped(22, 5000ms)) return "orphan not reaped";
      if (kill(grandchild, 0) == 0 || errno != ESRCH) return "orphan is still a zombie";
      if (waitpid(-1, nullptr, WNOHANG) != -1 || errno != ECHILD) return "children left";
      return "";
    });
    CHECK(out.report == "");
    CHECK(out.exit_code == 0);
  }

  TEST_CASE("An owned child's exit status is delivered to its owner, not lost" *
            doctest::timeout(20)) {
    auto out = RunInChild([]() -> std::string {
      Supervisor sup({});
      if (!sup.Start().ok()) return "start failed";
      Latch owned, held;
      pid_t pid = sup.ForkOwned([&](int status) { owned.Hit(status); });
      if (pid == 0) _exit(7);
      if (pid < 0) return "fork failed";
      // The HoldReaping() + OwnChild() form, with a child that exits before
      // it is registered.
      pid_t pid2;
      {
        auto hold = sup.HoldReaping();
        pid2 = fork();
        if (pid2 == 0) _exit(9);
        // Wait until it is a zombie, without reaping it.
        siginfo_t info{};
        waitid(P_PID, static_cast<id_t>(pid2), &info, WEXITED | WNOWAIT);
        sup.OwnChild(pid2, [&](int status) { held.Hit(status); });
      }
      if (!owned.WaitFor(1)) return "owner of the forked child not called";
      if (!WIFEXITED(owned.value) || WEXITSTATUS(owned.value) != 7) return "wrong status 1";
      if (!held.WaitFor(1)) return "owner of the held child not called";
      if (!WIFEXITED(held.value) || WEXITSTATUS(held.value) != 9) return "wrong status 2";
      if (sup.DisownChild(pid)) return "delivered child still registered";
      return "";
    });
    CHECK(out.report == "");
    CHECK(out.exit_code == 0);
  }

  TEST_CASE("A disowned child is left for its owner's waitpid, others are still reaped" *
            doctest::timeout(20)) {
    auto out = RunInChild([]() -> std::string {
      Supervisor sup({});
      if (!sup.Start().ok()) return "start failed";
      int hold[2];
      if (pipe(hold) != 0) return "pipe failed";
      bool called = false;
      pid_t pid = sup.ForkOwned([&](int) { called = true; });
      if (pid == 0) {
        close(hold[1]);
        char c;
        while (read(hold[0], &c, 1) > 0) {
        }
        _exit(5);
      }
      close(hold[0]);
      if (!sup.DisownChild(pid)) return "DisownChild said it was not owned";
      if (sup.DisownChild(pid)) return "DisownChild twice said yes";
      close(hold[1]);  // the disowned child exits: a zombie the supervisor must leave alone
      // Let the supervisor see its SIGCHLD and skip it, then add another child.
      siginfo_t si{};
      waitid(P_PID, static_cast<id_t>(pid), &si, WEXITED | WNOWAIT);
      pid_t other = fork();
      if (other == 0) _exit(0);
      if (!sup.WaitForReaped(1, 5000ms)) return "the other child was not reaped";
      int status = 0;
      if (waitpid(pid, &status, 0) != pid) return "owner's waitpid failed: the supervisor took it";
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 5) return "wrong status";
      if (called) return "callback of a disowned child ran";
      // After the owner reaped it, plain reaping resumes.
      pid_t third = fork();
      if (third == 0) _exit(0);
      if (!sup.WaitForReaped(2, 5000ms)) return "reaping did not resume";
      return "";
    });
    CHECK(out.report == "");
    CHECK(out.exit_code == 0);
  }

  TEST_CASE("The first SIGTERM asks for shutdown once, the second forces the exit" *
            doctest::timeout(20)) {
    auto out = RunInChild([]() -> std::string {
      Latch shutdown, force;
      SupervisorOptions o;
      o.on_shutdown = [&](int sig) { shutdown.Hit(sig); };
      o.on_force_exit = [&](int sig) { force.Hit(sig); };
      Supervisor sup(o);
      if (!sup.Start().ok()) return "start failed";
      kill(getpid(), SIGTERM);
      if (!shutdown.WaitFor(1)) return "on_shutdown not called";
      if (shutdown.value != SIGTERM) return "wrong signal";
      if (!sup.shutdown_requested()) return "shutdown_requested() false";
      kill(getpid(), SIGINT);
      if (!force.WaitFor(1)) return "on_force_exit not called";
      if (force.value != SIGINT || shutdown.count != 1) return "wrong calls";
      return "";
    });
    CHECK(out.report == "");
    CHECK(out.exit_code == 0);
  }

  TEST_CASE("RequestShutdown() acts like the first signal and is idempotent" *
            doctest::timeout(20)) {
    auto out = RunInChild([]() -> std::string {
      Latch shutdown, force;
      SupervisorOptions o;
      o.on_shutdown = [&](int sig) { shutdown.Hit(sig); };
      o.on_force_exit = [&](int sig) { force.Hit(sig); };
      Supervisor sup(o);
      if (!sup.Start().ok()) return "start failed";
      sup.RequestShutdown();
      if (!shutdown.WaitFor(1)) return "on_shutdown not called";
      sup.RequestShutdown();
      kill(getpid(), SIGTERM);
      if (!force.WaitFor(1)) return "a signal after the request did not force";
      if (shutdown.count != 1 || shutdown.value != 0) return "on_shutdown called twice";
      return "";
    });
    CHECK(out.report == "");
    CHECK(out.exit_code == 0);
  }

  TEST_CASE("By default a second signal exits 0 at once" * doctest::timeout(20)) {
    auto out = RunInChild([]() -> std::string {
      Latch shutdown;
      SupervisorOptions o;
      o.on_shutdown = [&](int sig) { shutdown.Hit(sig); };
      Supervisor sup(o);
      if (!sup.Start().ok()) return "start failed";
      kill(getpid(), SIGINT);
      if (!shutdown.WaitFor(1)) return "on_shutdown not called";
      kill(getpid(), SIGINT);
      for (;;) pause();
    });
    CHECK(out.report == "");
    CHECK(out.exit_code == kExitOk);
  }

  TEST_CASE("SIGQUIT exits 0 at once without the graceful path" * doctest::timeout(20)) {
    auto out = RunInChild([]() -> std::string {
      SupervisorOptions o;
      o.on_shutdown = [](int) { _exit(42); };  // must not run
      Supervisor sup(o);
      if (!sup.Start().ok()) return "start failed";
      kill(getpid(), SIGQUIT);
      for (;;) pause();
    });
    CHECK(out.report == "");
    CHECK(out.exit_code == kExitOk);
  }

  TEST_CASE("A shutdown that overruns its timeout exits with code 4" * doctest::timeout(20)) {
    auto out = RunInChild([]() -> std::string {
      SupervisorOptions o;
      o.on_shutdown = [](int) {};  // never finishes
      o.shutdown_timeout = 50ms;
      Supervisor sup(o);
      if (!sup.Start().ok()) return "start failed";
      kill(getpid(), SIGTERM);
      for (;;) pause();
    });
    CHECK(out.report == "");
    CHECK(out.exit_code == kExitShutdownTimeout);
  }

  TEST_CASE("SIGHUP goes to on_hangup and does not stop the process" * doctest::timeout(20)) {
    auto out = RunInChild([]() -> std::string {
      Latch hup, shutdown;
      SupervisorOptions o;
      o.on_hangup = [&] { hup.Hit(1); };
      o.on_shutdown = [&](int sig) { shutdown.Hit(sig); };
      Supervisor sup(o);
      if (!sup.Start().ok()) return "start failed";
      kill(getpid(), SIGHUP);
      if (!hup.WaitFor(1)) return "on_hangup not called";
      if (shutdown.count != 0) return "SIGHUP started a shutdown";
      return "";
    });
    CHECK(out.report == "");
    CHECK(out.exit_code == 0);
  }

  TEST_CASE("Stop() restores the starting thread's signal mask" * doctest::timeout(20)) {
    auto out = RunInChild([]() -> std::string {
      sigset_t before, during, after;
      pthread_sigmask(SIG_SETMASK, nullptr, &before);
      {
        Supervisor sup({});
        if (!sup.Start().ok()) return "start failed";
        pthread_sigmask(SIG_SETMASK, nullptr, &during);
        if (!sigismember(&during, SIGTERM) || !sigismember(&during, SIGCHLD)) {
          return "signals not blocked";
        }
      }
      pthread_sigmask(SIG_SETMASK, nullptr, &after);
      if (sigismember(&after, SIGTERM) != sigismember(&before, SIGTERM)) return "not restored";
      return "";
    });
    CHECK(out.report == "");
    CHECK(out.exit_code == 0);
  }
}

}  // namespace entrypoint::supervisor
