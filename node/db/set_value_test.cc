// node/db/set_value_test.cc
//
// Unit tests of SetValue: membership, swap-remove, Redis 7.0 encoding rules,
// iteration order and scan.

#include "node/db/set_value.h"

#include <doctest/doctest.h>

#include <set>

namespace node::db {

TEST_SUITE("db/set_value") {
  TEST_CASE("a set of integers is an intset and iterates in ascending order") {
    SetValue s("5");
    CHECK(s.Add("5", 512));
    CHECK(s.Add("-3", 512));
    CHECK(s.Add("100", 512));
    CHECK_FALSE(s.Add("5", 512));
    CHECK(s.size() == 3);
    CHECK(std::string(s.EncodingName()) == "intset");
    auto m = s.Members();
    REQUIRE(m.size() == 3);
    CHECK(m[0] == "-3");
    CHECK(m[1] == "5");
    CHECK(m[2] == "100");
  }

  TEST_CASE("a non-canonical integer or too many members convert to hashtable for good") {
    SetValue s("1");
    s.Add("1", 512);
    s.Add("01", 512);
    CHECK(std::string(s.EncodingName()) == "hashtable");
    s.Remove("01");
    CHECK(std::string(s.EncodingName()) == "hashtable");
    SetValue t("1");
    t.Add("1", 2);
    t.Add("2", 2);
    CHECK(t.is_intset());
    t.Add("3", 2);
    CHECK_FALSE(t.is_intset());
    CHECK_FALSE(SetValue("-0").is_intset());
    CHECK_FALSE(SetValue("a").is_intset());
  }

  TEST_CASE("remove keeps the dense vector and the map consistent") {
    SetValue s("a");
    for (int i = 0; i < 100; i++) s.Add("m" + std::to_string(i), 512);
    for (int i = 0; i < 100; i += 3) CHECK(s.Remove("m" + std::to_string(i)));
    CHECK_FALSE(s.Remove("m0"));
    CHECK(s.size() == 66);
    std::set<std::string> seen;
    for (size_t i = 0; i < s.size(); i++) seen.insert(s.At(i));
    CHECK(seen.size() == 66);
    for (int i = 0; i < 100; i++) CHECK(s.Contains("m" + std::to_string(i)) == (i % 3 != 0));
  }

  TEST_CASE("scan visits every member once and ends with cursor 0") {
    SetValue s("x");
    for (int i = 0; i < 25; i++) s.Add("x" + std::to_string(i), 512);
    std::set<std::string> seen;
    uint64_t cur = 0;
    int rounds = 0;
    do {
      std::vector<std::string_view> out;
      cur = s.Scan(cur, 10, &out);
      for (auto m : out) seen.insert(std::string(m));
      rounds++;
    } while (cur != 0 && rounds < 10);
    CHECK(seen.size() == 25);
    CHECK(rounds == 3);
  }

  TEST_CASE("FromMembers and Clone pick the encoding a fresh build gets") {
    auto s = SetValue::FromMembers({"3", "1", "2", "1"}, 512);
    CHECK(s->size() == 3);
    CHECK(s->is_intset());
    auto c = s->Clone();
    CHECK(std::string(c->EncodingName()) == "intset");
    CHECK_FALSE(SetValue::FromMembers({"1", "b"}, 512)->is_intset());
    CHECK_FALSE(SetValue::FromMembers({"1", "2"}, 1)->is_intset());
  }
}

}  // namespace node::db
