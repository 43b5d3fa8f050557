// node/db/stream_value_test.cc
//
// Unit tests of StreamValue: id parsing and arithmetic, ranges, deletion,
// Redis's node boundaries and the trimming they make exact, radix tree node
// counts, read counters and consumer groups.

#include "node/db/stream_value.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace node::db {

namespace {

void Add(StreamValue& s, uint64_t ms, uint64_t seq, std::vector<std::string_view> fv,
         StreamNodeLimits lim = {}) {
  s.Append({ms, seq}, fv, lim);
}

std::vector<std::string> Ids(const StreamValue& s, StreamID a, StreamID b, bool rev = false) {
  std::vector<std::string> out;
  s.Range(a, b, rev, [&](StreamID id, const StreamFields&) {
    out.push_back(id.ToString());
    return true;
  });
  return out;
}

}  // namespace

TEST_SUITE("db/stream_value") {
  TEST_CASE("ids parse like Redis: partial, special, strict and ms-* forms") {
    StreamID id;
    CHECK(ParseStreamID("5", &id, 7, false, nullptr));
    CHECK(id == StreamID{5, 7});
    CHECK(ParseStreamID("5-3", &id, 0, false, nullptr));
    CHECK(id == StreamID{5, 3});
    CHECK(ParseStreamID("-", &id, 0, false, nullptr));
    CHECK(id == kStreamMinID);
    CHECK(ParseStreamID("+", &id, 0, false, nullptr));
    CHECK(id == kStreamMaxID);
    CHECK_FALSE(ParseStreamID("+", &id, 0, true, nullptr));
    CHECK_FALSE(ParseStreamID("-1", &id, 0, false, nullptr));
    CHECK_FALSE(ParseStreamID("abc", &id, 0, false, nullptr));
    CHECK_FALSE(ParseStreamID("1-*", &id, 0, true, nullptr));
    bool seq_given = true;
    CHECK(ParseStreamID("1-*", &id, 0, true, &seq_given));
    CHECK_FALSE(seq_given);
    CHECK(ParseStreamID("18446744073709551615-18446744073709551615", &id, 0, true, nullptr));
    CHECK(id == kStreamMaxID);
    CHECK_FALSE(ParseStreamID("18446744073709551616", &id, 0, true, nullptr));
    CHECK_FALSE(ParseStreamID(std::string(200, '1'), &id, 0, true, nullptr));
  }

  TEST_CASE("incrementing the last id wraps and reports it") {
    StreamID id = kStreamMaxID;
    CHECK_FALSE(id.Incr());
    CHECK(id == kStreamMinID);
    CHECK_FALSE(id.Decr());
    StreamID b{3, UINT64_MAX};
    CHECK(b.Incr());
    CHECK(b == StreamID{4, 0});
  }

  TEST_CASE("ranges run both ways and skip deleted entries") {
    StreamValue s;
    for (uint64_t i = 1; i <= 5; ++i) Add(s, i, 0, {"f", "v"});
    CHECK(s.Delete({3, 0}));
    CHECK_FALSE(s.Delete({3, 0}));
    CHECK(s.length() == 4);
    CHECK(Ids(s, kStreamMinID, kStreamMaxID) ==
          std::vector<std::string>{"1-0", "2-0", "4-0", "5-0"});
    CHECK(Ids(s, {2, 0}, {4, 0}, true) == std::vector<std::string>{"4-0", "2-0"});
    CHECK(s.Exists({4, 0}));
    CHECK_FALSE(s.Exists({3, 0}));
  }

  TEST_CASE("fields differing from the master entry round-trip") {
    StreamValue s;
    Add(s, 1, 0, {"a", "1", "b", "2"});
    Add(s, 2, 0, {"a", "x", "c", "y"});
    Add(s, 3, 0, {"a", "p", "b", "q"});
    std::vector<std::string> got;
    s.Range(kStreamMinID, kStreamMaxID, false, [&](StreamID, const StreamFields& f) {
      for (auto& [k, v] : f) got.push_back(std::string(k) + "=" + std::string(v));
      return true;
    });
    CHECK(got == std::vector<std::string>{"a=1", "b=2", "a=x", "c=y", "a=p", "b=q"});
  }

  TEST_CASE("nodes hold stream-node-max-entries entries, tombstones included") {
    StreamValue s;
    StreamNodeLimits lim{4096, 100};
    for (uint64_t i = 1; i <= 250; ++i) Add(s, i, 0, {"f", "v"}, lim);
    CHECK(s.NodeCount() == 3);
    CHECK(s.NodeCounts()[0].first == 100);
    CHECK(s.Delete({250, 0}));
    CHECK(s.Delete({249, 0}));
    Add(s, 300, 0, {"f", "v"}, lim);
    CHECK(s.NodeCounts().back() == std::pair<uint32_t, uint32_t>{49, 2});
  }

  TEST_CASE("nodes close when the listpack would reach stream-node-max-bytes") {
    StreamValue s;
    StreamNodeLimits lim{4096, 0};
    std::string big(1000, 'x');
    for (uint64_t i = 1; i <= 10; ++i) Add(s, i, 0, {"f", big}, lim);
    // ~1010 listpack bytes per entry: after four the node holds ~4050 bytes
    // and 4050 + 1001 >= 4096 opens the next one (4 + 4 + 2).
    CHECK(s.NodeCount() == 3);
    CHECK(s.NodeCounts()[0].first == 4);
  }

  TEST_CASE("approximate trimming removes whole nodes only, exact trimming marks entries") {
    StreamValue s;
    StreamNodeLimits lim{4096, 10};
    for (uint64_t i = 1; i <= 35; ++i) Add(s, i, 0, {"f", "v"}, lim);
    StreamTrimArgs t;
    t.strategy = TrimStrategy::kMaxLen;
    t.approx = true;
    t.maxlen = 18;
    CHECK(s.Trim(t) == 10);  // 35-10 >= 18 removes node 1; 25-10 < 18 stops
    CHECK(s.length() == 25);
    CHECK(s.first_id() == StreamID{11, 0});
    t.approx = false;
    CHECK(s.Trim(t) == 7);
    CHECK(s.length() == 18);
    CHECK(s.first_id() == StreamID{18, 0});
    CHECK(s.FirstIncludingTombstones() == StreamID{11, 0});
    StreamTrimArgs m;
    m.strategy = TrimStrategy::kMinId;
    m.minid = {31, 0};
    m.approx = true;
    m.limit = 5;
    // The first node (3 live entries left) goes; the next would pass the limit.
    CHECK(s.Trim(m) == 3);
    m.limit = 0;
    CHECK(s.Trim(m) == 10);  // node 21..30 goes, node 31..35 holds 31 and stops ~
    CHECK(s.first_id() == StreamID{31, 0});
  }

  TEST_CASE("a node whose last live entry is deleted goes away") {
    StreamValue s;
    StreamNodeLimits lim{4096, 2};
    Add(s, 1, 0, {"f", "v"}, lim);
    Add(s, 2, 0, {"f", "v"}, lim);
    Add(s, 3, 0, {"f", "v"}, lim);
    CHECK(s.NodeCount() == 2);
    CHECK(s.Delete({3, 0}));
    CHECK(s.NodeCount() == 1);
  }

  TEST_CASE("radix tree node counts follow rax's compressed layout") {
    StreamValue s;
    CHECK(s.RaxNodeCount() == 1);
    StreamNodeLimits lim{4096, 1};
    Add(s, 1, 0, {"f", "v"}, lim);
    CHECK(s.RaxNodeCount() == 2);
    Add(s, 2, 0, {"f", "v"}, lim);
    // compressed prefix -> branch on the 8th byte -> two compressed tails -> two leaves
    CHECK(s.RaxNodeCount() == 6);
  }

  TEST_CASE("read counters and lag follow Redis 7.0") {
    StreamValue s;
    for (uint64_t i = 1; i <= 3; ++i) Add(s, i, 0, {"f", "v"});
    StreamGroup* g = s.CreateGroup("g", {0, 0}, StreamGroup::kInvalidEntriesRead);
    REQUIRE(g);
    CHECK_FALSE(s.CreateGroup("g", {0, 0}, 0));
    CHECK(s.EstimateDistance({0, 0}) == 0);
    CHECK(s.EstimateDistance({1, 0}) == 1);
    CHECK(s.EstimateDistance({3, 0}) == 3);
    CHECK(s.EstimateDistance({2, 0}) == -1);
    int64_t lag;
    CHECK(s.Lag(*g, &lag));
    CHECK(lag == 3);
    s.Delete({2, 0});
    s.set_max_deleted_id({2, 0});
    g->last_id = {1, 0};
    g->entries_read = 1;
    CHECK_FALSE(s.Lag(*g, &lag));
  }

  TEST_CASE("consumers own their pending entries; deleting one drops them from the group") {
    StreamValue s;
    Add(s, 1, 0, {"f", "v"});
    StreamGroup* g = s.CreateGroup("g", {0, 0}, 0);
    StreamConsumer* c = g->CreateConsumer("alice", 10);
    REQUIRE(c);
    CHECK_FALSE(g->CreateConsumer("alice", 10));
    StreamNack n;
    n.consumer = c;
    g->pel.emplace(StreamID{1, 0}, n);
    c->pel.insert({1, 0});
    auto copy = s.Clone();
    auto* cs = static_cast<StreamValue*>(copy.get());
    CHECK(cs->FindGroup("g")->pel.begin()->second.consumer ==
          cs->FindGroup("g")->FindConsumer("alice"));
    CHECK(g->DeleteConsumer("alice") == 1);
    CHECK(g->pel.empty());
  }
}

}  // namespace node::db
