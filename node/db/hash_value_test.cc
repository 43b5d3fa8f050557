// node/db/hash_value_test.cc
//
// Unit tests of HashValue (node/db/hash_value.h): encodings and conversion.

#include "node/db/hash_value.h"

#include <doctest/doctest.h>

#include <set>

namespace node::db {

TEST_SUITE("db/hash_value") {
  TEST_CASE("a small hash is a listpack in insertion order") {
    HashValue h;
    HashLimits lim;
    CHECK(h.Set("b", "1", lim));
    CHECK(h.Set("a", "2", lim));
    CHECK_FALSE(h.Set("b", "3", lim));
    CHECK(std::string(h.EncodingName()) == "listpack");
    auto p = h.Pairs();
    REQUIRE(p.size() == 2);
    CHECK(p[0] == HashValue::Pair{"b", "3"});
    CHECK(p[1] == HashValue::Pair{"a", "2"});
    CHECK(*h.Get("a") == "2");
    CHECK(h.Get("zz") == nullptr);
  }

  TEST_CASE("a long value or too many fields converts to a hashtable for good") {
    HashLimits lim{2, 5};
    HashValue h;
    h.Set("a", "12345", lim);
    CHECK(h.is_listpack());
    h.Set("b", "123456", lim);
    CHECK(std::string(h.EncodingName()) == "hashtable");
    h.Delete("b");
    CHECK_FALSE(h.is_listpack());
    HashValue g;
    g.Set("a", "1", lim);
    g.Set("b", "1", lim);
    CHECK(g.is_listpack());
    g.Set("c", "1", lim);
    CHECK_FALSE(g.is_listpack());
    CHECK(g.size() == 3);
    auto f = HashValue::FromPairs({{"x", "1"}, {"y", "2"}, {"z", "3"}}, lim);
    CHECK_FALSE(f->is_listpack());
  }

  TEST_CASE("delete, random and scan see every field") {
    HashLimits lim{0, 64};
    HashValue h;
    for (int i = 0; i < 100; i++) h.Set("f" + std::to_string(i), "v", lim);
    CHECK(h.Delete("f5"));
    CHECK_FALSE(h.Delete("f5"));
    std::set<std::string> seen;
    uint64_t cursor = 0;
    do {
      cursor = h.Scan(cursor, 7, [&](std::string_view f, std::string_view) { seen.emplace(f); });
    } while (cursor != 0);
    CHECK(seen.size() == 99);
    std::mt19937_64 rng(1);
    for (int i = 0; i < 50; i++) CHECK(h.Get(h.Random(rng).first) != nullptr);
    auto c = h.Clone();
    h.Delete("f6");
    CHECK(static_cast<HashValue*>(c.get())->size() == 99);
  }
}

}  // namespace node::db
