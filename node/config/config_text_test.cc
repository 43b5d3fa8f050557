// Tests for node/config/config_text.h: quoting and memory units.

#include "node/config/config_text.h"

#include <doctest/doctest.h>

using node::config::FormatMemoryUnits;
using node::config::ParseMemory;
using node::config::ParseYesNo;
using node::config::QuoteArg;
using node::config::QuoteArgIfNeeded;
using node::config::SplitArgs;
using Args = std::vector<std::string>;

TEST_SUITE("config/text") {
  TEST_CASE("memory units follow memtoll: k is 1000, kb is 1024, case does not matter") {
    CHECK(*ParseMemory("0") == 0);
    CHECK(*ParseMemory("100") == 100);
    CHECK(*ParseMemory("1b") == 1);
    CHECK(*ParseMemory("1k") == 1000);
    CHECK(*ParseMemory("1kb") == 1024);
    CHECK(*ParseMemory("1K") == 1000);
    CHECK(*ParseMemory("1KB") == 1024);
    CHECK(*ParseMemory("10M") == 10000000);
    CHECK(*ParseMemory("100mb") == 100 * 1024 * 1024);
    CHECK(*ParseMemory("1g") == 1000000000);
    CHECK(*ParseMemory("1gb") == 1073741824);
    CHECK(*ParseMemory("1GB") == 1073741824);
    CHECK(*ParseMemory("-1") == -1);
  }

  TEST_CASE("bad memory values are refused, never crash") {
    for (const char* bad : {"", "abc", "1.5gb", "1 gb", "gb", "1tb", "1kbb", "+1", "01",
                            "99999999999gb", "9223372036854775808"}) {
      CAPTURE(bad);
      CHECK_FALSE(ParseMemory(bad).has_value());
    }
  }

  TEST_CASE("memory values are rewritten with the largest exact unit") {
    CHECK(FormatMemoryUnits(0) == "0");
    CHECK(FormatMemoryUnits(1000) == "1000");
    CHECK(FormatMemoryUnits(1024) == "1kb");
    CHECK(FormatMemoryUnits(1048576) == "1mb");
    CHECK(FormatMemoryUnits(64LL << 20) == "64mb");
    CHECK(FormatMemoryUnits(1LL << 30) == "1gb");
    CHECK(FormatMemoryUnits(1536) == "1536");
  }

  TEST_CASE("yes and no are the only booleans") {
    CHECK(*ParseYesNo("yes"));
    CHECK(*ParseYesNo("YES"));
    CHECK_FALSE(*ParseYesNo("no"));
    CHECK_FALSE(ParseYesNo("true").has_value());
    CHECK_FALSE(ParseYesNo("1").has_value());
    CHECK_FALSE(ParseYesNo("").has_value());
  }

  TEST_CASE("a line splits on blanks and understands both quote styles") {
    CHECK(*SplitArgs("") == Args{});
    CHECK(*SplitArgs("   \t ") == Args{});
    CHECK(*SplitArgs("save 900 1") == Args{"save", "900", "1"});
    CHECK(*SplitArgs("  port   7000  ") == Args{"port", "7000"});
    CHECK(*SplitArgs("requirepass \"a b\"") == Args{"requirepass", "a b"});
    CHECK(*SplitArgs("save \"\"") == Args{"save", ""});
    CHECK(*SplitArgs("x \"\\x41\\n\\t\\\"\\\\\"") == Args{"x", "A\n\t\"\\"});
    CHECK(*SplitArgs("x 'it\\'s \\n'") == Args{"x", "it's \\n"});
    CHECK(*SplitArgs("a\"b\"") == Args{"ab"});
  }

  TEST_CASE("unbalanced or glued quotes are an error") {
    CHECK_FALSE(SplitArgs("x \"abc").has_value());
    CHECK_FALSE(SplitArgs("x 'abc").has_value());
    CHECK_FALSE(SplitArgs("x \"abc\"def").has_value());
    CHECK_FALSE(SplitArgs("x 'abc'def").has_value());
    CHECK_FALSE(SplitArgs("x \"abc\\").has_value());
  }

  TEST_CASE("quoting round-trips through splitting") {
    CHECK(QuoteArg("sec ret\"x") == "\"sec ret\\\"x\"");
    CHECK(QuoteArg(std::string("a\x01", 2)) == "\"a\\x01\"");
    CHECK(QuoteArgIfNeeded("plain") == "plain");
    CHECK(QuoteArgIfNeeded("") == "\"\"");
    for (const std::string& s : std::vector<std::string>{"", "a b", "q\"uote", "back\\slash",
                                                         "it's", std::string("\0\xff", 2)}) {
      CAPTURE(s);
      CHECK(*SplitArgs(QuoteArgIfNeeded(s)) == Args{s});
      CHECK(*SplitArgs(QuoteArg(s)) == Args{s});
    }
  }
}
