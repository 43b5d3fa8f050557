// Unit tests for the sdssplitargs-style tokenizer and its quoting inverse.

#include "node/base/splitargs.h"

#include <doctest/doctest.h>

#include <random>

using node::base::QuoteArg;
using node::base::QuoteArgIfNeeded;
using node::base::SplitArgs;
using Args = std::vector<std::string>;

TEST_SUITE("base/splitargs") {
  TEST_CASE("arguments, quotes and escapes split as sdssplitargs does") {
    CHECK(*SplitArgs("") == Args{});
    CHECK(*SplitArgs(" \t\v\f ") == Args{});
    CHECK(*SplitArgs("set k v") == Args{"set", "k", "v"});
    CHECK(*SplitArgs("\"a b\" 'c d'") == Args{"a b", "c d"});
    CHECK(*SplitArgs("a\"b c\" x") == Args{"ab c", "x"});  // a quote opens mid-argument
    CHECK(*SplitArgs("\"\\x41\\n\\t\\\"\\\\\\q\"") == Args{"A\n\t\"\\q"});
    CHECK(*SplitArgs("'it\\'s \\n'") == Args{"it's \\n"});
    CHECK(*SplitArgs("\"\"") == Args{""});
    CHECK(*SplitArgs("\"\\xZZ\"") == Args{"xZZ"});  // not a hex escape: backslash dropped
  }

  TEST_CASE("unbalanced quotes and text glued to a closing quote are refused") {
    CHECK_FALSE(SplitArgs("\"abc").has_value());
    CHECK_FALSE(SplitArgs("'abc").has_value());
    CHECK_FALSE(SplitArgs("\"a\"b").has_value());
    CHECK_FALSE(SplitArgs("'a'b").has_value());
    CHECK_FALSE(SplitArgs("\"abc\\").has_value());
  }

  TEST_CASE("quoting round-trips every byte string") {
    CHECK(QuoteArgIfNeeded("plain") == "plain");
    CHECK(QuoteArgIfNeeded("") == "\"\"");
    CHECK(QuoteArg("a\"b\x01") == "\"a\\\"b\\x01\"");
    std::mt19937 rng(7);
    for (int round = 0; round < 2000; round++) {
      std::string s(rng() % 12, '\0');
      for (char& c : s) c = static_cast<char>(rng() % 256);
      auto back = SplitArgs(QuoteArgIfNeeded(s));
      REQUIRE(back.has_value());
      REQUIRE(back->size() == 1);
      CHECK((*back)[0] == s);
    }
  }
}
