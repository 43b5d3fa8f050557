// Unit tests for the RESP request parser (reference/resp.md §1 and §7).

#include "node/resp/parser.h"

#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

using node::resp::RequestParser;

namespace {

struct Outcome {
  std::vector<std::vector<std::string>> commands;
  std::string error;
};

// Feeds `input` in pieces of `chunk` bytes, as a connection would.
Outcome Feed(const std::string& input, size_t chunk = 1 << 30) {
  RequestParser p;
  Outcome o;
  std::string buf;
  size_t fed = 0;
  while (true) {
    if (fed < input.size()) {
      size_t n = std::min(chunk, input.size() - fed);
      buf.append(input, fed, n);
      fed += n;
    }
    bool progress = true;
    while (progress && !buf.empty()) {
      size_t used = 0;
      auto r = p.Parse(buf.data(), buf.size(), &used);
      progress = false;
      if (r == RequestParser::Result::kCommand) {
        std::vector<std::string> cmd;
        for (auto a : p.args()) cmd.emplace_back(a);
        o.commands.push_back(cmd);
      }
      if (r == RequestParser::Result::kError) {
        o.error = p.error();
        return o;
      }
      if (r != RequestParser::Result::kNeedMore) {
        buf.erase(0, used);
        progress = true;
      }
    }
    if (fed >= input.size()) break;
  }
  return o;
}

}  // namespace

TEST_SUITE("resp/parser") {
  TEST_CASE("a multibulk command is parsed whole or byte by byte") {
    std::string in = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n*1\r\n$4\r\nPING\r\n";
    for (size_t chunk : {size_t{1}, size_t{2}, size_t{7}, size_t{1000}}) {
      auto o = Feed(in, chunk);
      REQUIRE(o.error.empty());
      REQUIRE(o.commands.size() == 2);
      CHECK(o.commands[0] == std::vector<std::string>{"SET", "k", "hello"});
      CHECK(o.commands[1] == std::vector<std::string>{"PING"});
    }
  }

  TEST_CASE("Reset forgets a frame in progress (its bytes are gone)") {
    RequestParser p;
    std::string cut = "*3\r\n$3\r\nSET\r\n$1\r\nb\r\n";
    size_t used = 0;
    CHECK(p.Parse(cut.data(), cut.size(), &used) == RequestParser::Result::kNeedMore);
    CHECK(p.in_frame());
    p.Reset();
    CHECK_FALSE(p.in_frame());
    std::string next = "*2\r\n$4\r\nINCR\r\n$7\r\ncounter\r\n";
    REQUIRE(p.Parse(next.data(), next.size(), &used) == RequestParser::Result::kCommand);
    CHECK(used == next.size());
    REQUIRE(p.args().size() == 2);
    CHECK(p.args()[0] == "INCR");
    CHECK(p.args()[1] == "counter");
  }

  TEST_CASE("the two bytes after a bulk are skipped without checking") {
    auto o = Feed("*1\r\n$4\r\nPINGxx");
    REQUIRE(o.commands.size() == 1);
    CHECK(o.commands[0][0] == "PING");
  }

  TEST_CASE("empty multibulk frames are ignored") {
    auto o = Feed("*0\r\n*-1\r\nPING\r\n");
    REQUIRE(o.commands.size() == 1);
    CHECK(o.commands[0][0] == "PING");
  }

  TEST_CASE("protocol errors carry Redis's exact text") {
    CHECK(Feed("*abc\r\n").error == "ERR Protocol error: invalid multibulk length");
    CHECK(Feed("*1\r\n:1\r\n").error == "ERR Protocol error: expected '$', got ':'");
    CHECK(Feed("*1\r\n$-5\r\n").error == "ERR Protocol error: invalid bulk length");
    CHECK(Feed("*1\r\n$536870913\r\n").error == "ERR Protocol error: invalid bulk length");
    CHECK(Feed("*2147483648\r\n").error == "ERR Protocol error: invalid multibulk length");
    CHECK(Feed("*1\r\n$1099511627776\r\n").error == "ERR Protocol error: invalid bulk length");
    CHECK(Feed("PING \"abc\r\n").error == "ERR Protocol error: unbalanced quotes in request");
    CHECK(Feed(std::string(70000, 'x')).error == "ERR Protocol error: too big inline request");
    CHECK(Feed("*" + std::string(70000, '1')).error ==
          "ERR Protocol error: too big mbulk count string");
  }

  TEST_CASE("lengths follow string2ll: no leading zero, sign or trailing junk") {
    CHECK(Feed("*1\r\n$03\r\n").error == "ERR Protocol error: invalid bulk length");
    CHECK(Feed("*1\r\n$+3\r\n").error == "ERR Protocol error: invalid bulk length");
    CHECK(Feed("*1\r\n$3x\r\n").error == "ERR Protocol error: invalid bulk length");
    CHECK(Feed("*1\r\n$\r\n").error == "ERR Protocol error: invalid bulk length");
    CHECK(Feed("*01\r\n").error == "ERR Protocol error: invalid multibulk length");
    CHECK(Feed("*1\r\n$123456789012345678901\r\n").error ==
          "ERR Protocol error: invalid bulk length");
    CHECK(Feed("*1\r\n$10\r\n0123456789\r\n").error.empty());
    CHECK(Feed("*1\r\n$0\r\n\r\n").error.empty());
  }

  TEST_CASE("inline commands split like sdssplitargs") {
    auto o = Feed("ping  hello\r\nSET 'a b' \"c\\x41\"\nPING\n\r\n\r\n");
    REQUIRE(o.commands.size() == 3);
    CHECK(o.commands[0] == std::vector<std::string>{"ping", "hello"});
    CHECK(o.commands[1] == std::vector<std::string>{"SET", "a b", "cA"});
    CHECK(o.commands[2] == std::vector<std::string>{"PING"});
    CHECK(Feed("SET \"foo\"bar\r\n").error == "ERR Protocol error: unbalanced quotes in request");
  }

  TEST_CASE("an incomplete frame waits for more bytes") {
    auto o = Feed("*2\r\n$3\r\nGET\r\n");
    CHECK(o.commands.empty());
    CHECK(o.error.empty());
  }

  TEST_CASE("random garbage never crashes the parser") {
    std::mt19937 rng(42);
    for (int i = 0; i < 20000; i++) {
      std::string s;
      int n = static_cast<int>(rng() % 64);
      const char alphabet[] = "*$\r\n0123456789-+: abc\"'\\x";
      for (int j = 0; j < n; j++) s += alphabet[rng() % (sizeof(alphabet) - 1)];
      Feed(s, 1 + rng() % 5);
    }
  }
}
