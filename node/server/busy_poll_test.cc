// node/server/busy_poll_test.cc -- the poll-before-sleep governor.

#include "node/server/busy_poll.h"

#include <doctest/doctest.h>

namespace node::server {
namespace {

constexpr int64_t kMax = 50'000;  // 50 us, the default cap

TEST_CASE("busy poll: an idle loop never polls") {
  BusyPollGovernor g;
  int64_t now = 1'000'000'000;
  for (int i = 0; i < 100; i++) {
    CHECK(g.Window(kMax, now) == 0);
    g.OnBlocked(1'000'000, kMax);  // every sleep lasted 1 ms: nothing to catch
    now += 1'000'000;
  }
  CHECK(g.window() == 0);
}

TEST_CASE("busy poll: short sleeps grow the window to the cap, long ones shrink it to 0") {
  BusyPollGovernor g;
  g.AddWork(1'000'000);  // enough work that the time cap does not bind
  g.OnBlocked(5'000, kMax);
  CHECK(g.window() == BusyPollGovernor::kGrowStart);
  g.OnBlocked(5'000, kMax);
  CHECK(g.window() == 2 * BusyPollGovernor::kGrowStart);
  for (int i = 0; i < 10; i++) g.OnBlocked(5'000, kMax);
  CHECK(g.window() == kMax);
  CHECK(g.Window(kMax, 1) == kMax);
  CHECK(g.Window(20'000, 1) == 20'000);  // a lower cap set at runtime applies at once
  g.OnBlocked(10'000'000, kMax);
  CHECK(g.window() == kMax / 2);
  g.OnBlocked(10'000'000, kMax);
  CHECK(g.window() == BusyPollGovernor::kGrowStart + 2'500);
  g.OnBlocked(10'000'000, kMax);
  CHECK(g.window() == 0);  // below kGrowStart: off
}

TEST_CASE("busy poll: polling never takes more time than the work it serves") {
  BusyPollGovernor g;
  for (int i = 0; i < 10; i++) g.OnBlocked(1'000, kMax);
  g.AddWork(100'000);
  CHECK(g.Window(kMax, 1) == kMax);
  g.AddPolled(100'001);
  CHECK(g.Window(kMax, 2) == 0);  // polled more than worked
  g.AddWork(10);
  CHECK(g.Window(kMax, 3) == kMax);
}

TEST_CASE("busy poll: the time accounts halve every epoch") {
  BusyPollGovernor g;
  g.AddWork(1'000);
  g.AddPolled(800);
  g.Window(kMax, BusyPollGovernor::kEpochNs);  // first epoch ends
  CHECK(g.work_ns() == 500);
  CHECK(g.polled_ns() == 400);
  g.Window(kMax, BusyPollGovernor::kEpochNs + 10);  // same epoch: unchanged
  CHECK(g.work_ns() == 500);
}

TEST_CASE("busy poll: a cap of 0 turns it off and resets the window") {
  BusyPollGovernor g;
  g.AddWork(1'000'000);
  for (int i = 0; i < 10; i++) g.OnBlocked(1'000, kMax);
  REQUIRE(g.window() == kMax);
  CHECK(g.Window(0, 1) == 0);
  g.OnBlocked(1'000, 0);
  CHECK(g.window() == 0);
}

}  // namespace
}  // namespace node::server
