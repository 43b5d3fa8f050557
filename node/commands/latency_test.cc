// node/commands/latency_test.cc
//
// Unit tests of the latency histogram (HDR layout 1 ns .. 1 s, 2 digits:
// bucket bounds, LATENCY HISTOGRAM's cumulative buckets, percentiles) and of
// the latency monitor's one-sample-per-second ring.

#include "node/commands/latency.h"

#include <doctest/doctest.h>

namespace node::commands {

TEST_SUITE("commands/latency") {
  TEST_CASE("HDR bucket bounds are Redis's LATENCY HISTOGRAM keys") {
    using H = LatencyHistogram;
    CHECK(H::HighestEquivalent(1024) == 1031);
    CHECK(H::HighestEquivalent(1024) / 1000 == 1);
    CHECK(H::HighestEquivalent(2048) / 1000 == 2);
    CHECK(H::HighestEquivalent(32768) / 1000 == 33);
    CHECK(H::HighestEquivalent(65536) / 1000 == 66);
    CHECK(H::HighestEquivalent(1 << 20) / 1000 == 1056);
    CHECK(H::LowestEquivalent(1000) == 1000);  // below 256*4: exact to 4 ns
    CHECK(H::ValueAtIndex(H::CountsIndex(5000)) == H::LowestEquivalent(5000));
    CHECK(H::CountsIndex(H::kMax) < H::kCountsLen);
    for (int64_t v : {1LL, 255LL, 256LL, 1000LL, 123456LL, 999999999LL}) {
      CHECK(H::LowestEquivalent(v) <= v);
      CHECK(H::HighestEquivalent(v) >= v);
    }
  }

  TEST_CASE("cumulative buckets only where the count grows, ending at the total") {
    LatencyHistogram h;
    h.Record(3 * 1000);  // 3 us -> the 4 us bucket
    h.Record(3 * 1000);
    h.Record(10 * 1000);  // -> 16 us
    h.Record(0);          // clamped to 1 ns -> 1 us
    auto c = h.Cumulative();
    REQUIRE(c.size() == 3);
    CHECK(c[0] == std::make_pair<int64_t, uint64_t>(1, 1));
    CHECK(c[1] == std::make_pair<int64_t, uint64_t>(4, 3));
    CHECK(c[2] == std::make_pair<int64_t, uint64_t>(16, 4));
    CHECK(h.total() == 4);
  }

  TEST_CASE("values beyond a second are clamped into the last bucket") {
    LatencyHistogram h;
    h.Record(5'000'000'000LL);
    auto c = h.Cumulative();
    REQUIRE(c.size() == 1);
    CHECK(c[0].second == 1);
    CHECK(c[0].first >= 1000000);
  }

  TEST_CASE("percentiles as hdr_value_at_percentile") {
    LatencyHistogram h;
    for (int i = 1; i <= 100; i++) h.Record(i * 1000);
    CHECK(h.ValueAtPercentile(50) == LatencyHistogram::HighestEquivalent(50000));
    CHECK(h.ValueAtPercentile(100) == LatencyHistogram::HighestEquivalent(100000));
    CHECK(h.ValueAtPercentile(0) == LatencyHistogram::LowestEquivalent(1000));
    LatencyHistogram empty;
    CHECK(empty.ValueAtPercentile(99) == 0);
  }

  TEST_CASE("one latency sample per second, the worst kept; ring of 160") {
    LatencyState st;
    st.AddSample("command", 10, 1000);
    st.AddSample("command", 30, 1000);
    st.AddSample("command", 20, 1000);
    auto& ts = st.events["command"];
    CHECK(ts.samples[0].latency == 30);
    CHECK(ts.max == 30);
    for (int i = 1; i <= 200; i++) st.AddSample("command", i, 1000 + i);
    CHECK(ts.max == 200);
    int n = 0;
    for (auto& s : ts.samples) n += s.time != 0;
    CHECK(n == LatencyState::kSamples);
  }
}

}  // namespace node::commands
