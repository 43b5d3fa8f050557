// node/pubsub/registry_test.cc
//
// Unit tests of the subscription registry: both indexes stay in step,
// fan-out counts like Redis, introspection sees only live names.

#include "node/pubsub/registry.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace node::pubsub {

namespace {
struct Got {
  SubscriberId id;
  Kind kind;
  std::string pattern;
};
std::vector<Got> Collect(const Registry& r, Kind kind, std::string_view channel, size_t* n) {
  std::vector<Got> out;
  *n = r.Publish(kind, channel, [&](SubscriberId id, Kind k, std::string_view p) {
    out.push_back({id, k, std::string(p)});
  });
  return out;
}
}  // namespace

TEST_SUITE("pubsub/registry") {
  TEST_CASE("subscribing twice to a channel keeps one subscription") {
    Registry r;
    CHECK(r.Subscribe(Kind::kChannel, 1, "a"));
    CHECK_FALSE(r.Subscribe(Kind::kChannel, 1, "a"));
    CHECK(r.CountOf(Kind::kChannel, 1) == 1);
    CHECK(r.NumSubscribers(Kind::kChannel, "a") == 1);
  }

  TEST_CASE("the confirmation count covers channels and patterns but not shard channels") {
    Registry r;
    r.Subscribe(Kind::kChannel, 1, "a");
    r.Subscribe(Kind::kPattern, 1, "a*");
    r.Subscribe(Kind::kShard, 1, "s");
    CHECK(r.ChannelAndPatternCount(1) == 2);
    CHECK(r.CountOf(Kind::kShard, 1) == 1);
    CHECK(r.IsSubscribed(1));
  }

  TEST_CASE("a publish reaches channel subscribers then matching patterns, counting each") {
    Registry r;
    r.Subscribe(Kind::kChannel, 1, "news");
    r.Subscribe(Kind::kPattern, 1, "n*");
    r.Subscribe(Kind::kPattern, 2, "*s");
    r.Subscribe(Kind::kPattern, 3, "x*");
    size_t n = 0;
    auto got = Collect(r, Kind::kChannel, "news", &n);
    CHECK(n == 3);
    REQUIRE(got.size() == 3);
    CHECK(got[0].id == 1);
    CHECK(got[0].kind == Kind::kChannel);
    CHECK(got[1].kind == Kind::kPattern);
  }

  TEST_CASE("a shard publish ignores patterns and plain channels") {
    Registry r;
    r.Subscribe(Kind::kChannel, 1, "s");
    r.Subscribe(Kind::kPattern, 1, "*");
    r.Subscribe(Kind::kShard, 2, "s");
    size_t n = 0;
    auto got = Collect(r, Kind::kShard, "s", &n);
    CHECK(n == 1);
    CHECK(got.at(0).id == 2);
  }

  TEST_CASE("unsubscribing the last subscriber removes the name") {
    Registry r;
    r.Subscribe(Kind::kChannel, 1, "a");
    r.Subscribe(Kind::kChannel, 2, "a");
    CHECK(r.NumNames(Kind::kChannel) == 1);
    CHECK(r.Unsubscribe(Kind::kChannel, 1, "a"));
    CHECK_FALSE(r.Unsubscribe(Kind::kChannel, 1, "a"));
    CHECK(r.NumSubscribers(Kind::kChannel, "a") == 1);
    CHECK(r.Unsubscribe(Kind::kChannel, 2, "a"));
    CHECK(r.NumNames(Kind::kChannel) == 0);
    CHECK(r.Names(Kind::kChannel, "").empty());
    CHECK_FALSE(r.IsSubscribed(2));
  }

  TEST_CASE("names of a subscriber come back oldest first") {
    Registry r;
    for (auto n : {"c", "a", "b"}) r.Subscribe(Kind::kPattern, 7, n);
    CHECK(r.NamesOf(Kind::kPattern, 7) == std::vector<std::string>{"c", "a", "b"});
    r.Unsubscribe(Kind::kPattern, 7, "a");
    CHECK(r.NamesOf(Kind::kPattern, 7) == std::vector<std::string>{"c", "b"});
  }

  TEST_CASE("RemoveAll leaves no trace of the subscriber") {
    Registry r;
    r.Subscribe(Kind::kChannel, 1, "a");
    r.Subscribe(Kind::kPattern, 1, "p*");
    r.Subscribe(Kind::kShard, 1, "s");
    r.Subscribe(Kind::kChannel, 2, "a");
    r.RemoveAll(1);
    CHECK_FALSE(r.IsSubscribed(1));
    CHECK(r.NumNames(Kind::kPattern) == 0);
    CHECK(r.NumNames(Kind::kShard) == 0);
    CHECK(r.NumSubscribers(Kind::kChannel, "a") == 1);
  }

  TEST_CASE("channel listing filters by glob and binary names survive") {
    Registry r;
    std::string bin("a\0b", 3);
    r.Subscribe(Kind::kChannel, 1, bin);
    r.Subscribe(Kind::kChannel, 1, "bb");
    CHECK(r.Names(Kind::kChannel, "a*").size() == 1);
    CHECK(r.Names(Kind::kChannel, "").size() == 2);
    CHECK(r.NumSubscribers(Kind::kChannel, bin) == 1);
    CHECK(r.ShardNamesWhere([](std::string_view) { return true; }).empty());
  }
}

}  // namespace node::pubsub
