// node/db/zset_value_test.cc
//
// Unit tests of ZSetValue: ordering, ranks, ranges, ZADD flags, encodings,
// and a randomized cross-check against a sorted vector.

#include "node/db/zset_value.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>

namespace node::db {

namespace {
void Add(ZSetValue& z, double s, std::string_view m) {
  int out;
  double ns;
  z.Add(s, m, 0, &out, &ns, 128, 64);
}
}  // namespace

TEST_SUITE("db/zset_value") {
  TEST_CASE("members are ordered by score then bytes, with ranks both ways") {
    ZSetValue z;
    Add(z, 2, "b");
    Add(z, 1, "z");
    Add(z, 2, "a");
    Add(z, 3, "c");
    std::vector<std::string> order;
    z.ForEach([&](std::string_view m, double) { order.emplace_back(m); });
    CHECK(order == std::vector<std::string>{"z", "a", "b", "c"});
    CHECK(z.Rank("z", false) == 0);
    CHECK(z.Rank("b", false) == 2);
    CHECK(z.Rank("b", true) == 1);
    CHECK(z.Rank("nope", false) == -1);
    CHECK(z.ByRank(3)->member == "c");
    CHECK(z.ByRank(4) == nullptr);
  }

  TEST_CASE("ZADD flags: NX XX GT LT INCR and NaN") {
    ZSetValue z;
    int out;
    double ns = 0;
    CHECK(z.Add(1, "a", 0, &out, &ns, 128, 64));
    CHECK(out == ZSetValue::kOutAdded);
    z.Add(5, "a", ZSetValue::kNx, &out, &ns, 128, 64);
    CHECK(out == ZSetValue::kOutNop);
    z.Add(5, "b", ZSetValue::kXx, &out, &ns, 128, 64);
    CHECK(out == ZSetValue::kOutNop);
    z.Add(0, "a", ZSetValue::kGt, &out, &ns, 128, 64);
    CHECK(out == ZSetValue::kOutNop);
    z.Add(3, "a", ZSetValue::kGt, &out, &ns, 128, 64);
    CHECK(out == ZSetValue::kOutUpdated);
    z.Add(2, "a", ZSetValue::kIncr, &out, &ns, 128, 64);
    CHECK(ns == 5);
    z.Add(INFINITY, "a", 0, &out, &ns, 128, 64);
    CHECK_FALSE(z.Add(-INFINITY, "a", ZSetValue::kIncr, &out, &ns, 128, 64));
    CHECK(*z.Score("a") == INFINITY);
  }

  TEST_CASE("score and lex ranges find their first and last nodes") {
    ZSetValue z;
    for (int i = 0; i < 10; i++) Add(z, i, std::string(1, static_cast<char>('a' + i)));
    ScoreRange r{2, 5, true, false};
    CHECK(z.FirstInRange(r)->member == "d");
    CHECK(z.LastInRange(r)->member == "f");
    ScoreRange empty{5, 5, true, false};
    CHECK(z.FirstInRange(empty) == nullptr);
    ZSetValue lex;
    for (char c = 'a'; c <= 'g'; c++) Add(lex, 0, std::string(1, c));
    LexRange lr;
    lr.min = "b";
    lr.minex = true;
    lr.max_pos_inf = true;
    CHECK(lex.FirstInLexRange(lr)->member == "c");
    CHECK(lex.LastInLexRange(lr)->member == "g");
    CHECK(lex.RemoveRangeByLex(lr) == 5);
    CHECK(lex.size() == 2);
  }

  TEST_CASE("encodings: listpack until a limit is crossed, then skiplist for good") {
    ZSetValue z;
    int out;
    double ns;
    z.Add(1, "a", 0, &out, &ns, 2, 64);
    z.Add(1, "b", 0, &out, &ns, 2, 64);
    CHECK(std::string(z.EncodingName()) == "listpack");
    z.Add(1, "c", 0, &out, &ns, 2, 64);
    CHECK(std::string(z.EncodingName()) == "skiplist");
    z.Remove("c");
    CHECK(std::string(z.EncodingName()) == "skiplist");
    auto f = ZSetValue::FromPairs({{"a", 1}, {"b", 2}}, 2, 64);
    CHECK(f->is_listpack());
    CHECK_FALSE(
        ZSetValue::FromPairs({{"a", 1}, {std::string(65, 'x'), 2}}, 128, 64)->is_listpack());
  }

  TEST_CASE("random operations agree with a sorted vector") {
    std::mt19937 rng(42);
    ZSetValue z;
    std::vector<std::pair<double, std::string>> ref;
    for (int step = 0; step < 5000; step++) {
      std::string m = "m" + std::to_string(rng() % 300);
      double s = static_cast<double>(rng() % 50);
      auto it = std::find_if(ref.begin(), ref.end(), [&](auto& p) { return p.second == m; });
      if (rng() % 3 == 0) {
        CHECK(z.Remove(m) == (it != ref.end()));
        if (it != ref.end()) ref.erase(it);
      } else {
        Add(z, s, m);
        if (it != ref.end()) ref.erase(it);
        ref.emplace_back(s, m);
      }
      if (step % 500 == 0) {
        std::sort(ref.begin(), ref.end());
        REQUIRE(z.size() == ref.size());
        size_t i = 0;
        for (const auto* n = z.First(); n; n = ZSetValue::Next(n), i++) {
          CHECK(n->member == ref[i].second);
          CHECK(z.Rank(n->member, false) == static_cast<int64_t>(i));
          CHECK(z.ByRank(i) == n);
        }
      }
    }
    auto c = z.Clone();
    CHECK(static_cast<ZSetValue*>(c.get())->size() == z.size());
    CHECK(z.RemoveRangeByRank(0, z.size() - 1) == ref.size());
    CHECK(z.empty());
    CHECK(z.First() == nullptr);
    CHECK(z.Last() == nullptr);
  }
}

}  // namespace node::db
