// node/db/list_value_test.cc
//
// Unit tests of ListValue (node/db/list_value.h).

#include "node/db/list_value.h"

#include <doctest/doctest.h>

namespace node::db {

namespace {
std::vector<std::string> All(const ListValue& l) { return l.Items(); }
}  // namespace

TEST_SUITE("db/list_value") {
  TEST_CASE("pushes and pops at both ends keep order") {
    ListValue l;
    l.PushBack("b");
    l.PushFront("a");
    l.PushBack("c");
    CHECK(All(l) == std::vector<std::string>{"a", "b", "c"});
    CHECK(l.PopFront() == "a");
    CHECK(l.PopBack() == "c");
    CHECK(l.size() == 1);
    CHECK(l.at(0) == "b");
    CHECK(std::string(l.EncodingName()) == "quicklist");
  }

  TEST_CASE("set and insert address elements by index") {
    auto l = ListValue::FromItems({"a", "b", "c"});
    l->Set(1, "B");
    l->Insert(0, "first");
    l->Insert(4, "last");
    CHECK(All(*l) == std::vector<std::string>{"first", "a", "B", "c", "last"});
  }

  TEST_CASE("remove honours count direction and limit") {
    auto l = ListValue::FromItems({"x", "a", "x", "b", "x"});
    CHECK(l->Remove("x", 1) == 1);
    CHECK(All(*l) == std::vector<std::string>{"a", "x", "b", "x"});
    CHECK(l->Remove("x", -1) == 1);
    CHECK(All(*l) == std::vector<std::string>{"a", "x", "b"});
    auto m = ListValue::FromItems({"x", "x", "y", "x"});
    CHECK(m->Remove("x", 0) == 3);
    CHECK(All(*m) == std::vector<std::string>{"y"});
    auto n = ListValue::FromItems({"x", "x"});
    CHECK(n->Remove("x", INT64_MIN) == 2);
    CHECK(n->empty());
  }

  TEST_CASE("keep trims to a window and memory usage follows") {
    auto l = ListValue::FromItems({"a", "b", "c", "d"});
    size_t before = l->MemoryUsage();
    l->Keep(1, 2);
    CHECK(All(*l) == std::vector<std::string>{"b", "c"});
    CHECK(l->MemoryUsage() < before);
    l->Keep(5, 1);
    CHECK(l->empty());
  }

  TEST_CASE("clone is a deep copy") {
    auto l = ListValue::FromItems({"a"});
    auto c = l->Clone();
    l->PushBack("b");
    CHECK(static_cast<ListValue*>(c.get())->size() == 1);
  }
}

}  // namespace node::db
