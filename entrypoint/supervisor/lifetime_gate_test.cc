// entrypoint/supervisor/lifetime_gate_test.cc
//
// LifetimeGate: the states, and the property main() relies on -- threads
// calling through the gate while the owner closes it and destroys the target
// never touch the destroyed object (the TSan leg, scripts/test-sanitize.sh
// --tsan, runs this with ThreadSanitizer and would report the use after free
// as a race; under ASan it is a heap-use-after-free).

#include "entrypoint/supervisor/lifetime_gate.h"

#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

namespace entrypoint::supervisor {
namespace {

struct Target {
  int calls = 0;  // only ever touched under the gate's mutex
};

}  // namespace

TEST_SUITE("entrypoint/supervisor/lifetime_gate") {
  TEST_CASE("calls run only while the gate is open") {
    LifetimeGate<Target> gate;
    Target t;
    int ran = 0;
    CHECK(gate.With([&](Target&) { ran++; }) == LifetimeGate<Target>::State::kNotOpen);
    gate.Open(&t);
    CHECK(gate.With([&](Target& x) { x.calls++; }) == LifetimeGate<Target>::State::kOpen);
    gate.Close();
    CHECK(gate.With([&](Target&) { ran++; }) == LifetimeGate<Target>::State::kClosed);
    gate.Open(&t);  // a closed gate stays closed
    CHECK(gate.With([&](Target&) { ran++; }) == LifetimeGate<Target>::State::kClosed);
    CHECK(ran == 0);
    CHECK(t.calls == 1);
  }

  TEST_CASE("threads calling through the gate never see the target after Close") {
    for (int round = 0; round < 20; round++) {
      LifetimeGate<Target> gate;
      auto target = std::make_unique<Target>();
      gate.Open(target.get());
      std::atomic<bool> go{false};
      std::atomic<int> ran{0};
      std::vector<std::thread> threads;
      for (int i = 0; i < 3; i++) {
        threads.emplace_back([&] {
          while (!go.load()) std::this_thread::yield();
          for (int j = 0; j < 200; j++) {
            if (gate.With([&](Target& t) { t.calls++; }) != LifetimeGate<Target>::State::kOpen) {
              break;
            }
            ran++;
          }
        });
      }
      go = true;
      std::this_thread::yield();
      gate.Close();
      const int calls = target->calls;  // no call can run any more
      target.reset();                   // what main() does with the Server
      for (auto& th : threads) th.join();
      CHECK(calls == ran.load());
    }
  }
}

}  // namespace entrypoint::supervisor
