// node/commands/command_docs_test.cc
//
// Unit tests of the COMMAND DOCS rows (command_docs.inc): sorted for binary
// search, one per command of the command table, every argument tree parses,
// and the reply's shape in RESP2 and RESP3. The values themselves are
// compared with redis-server by tests/integration/test_command_docs.py.

#include "node/commands/command_docs.h"

#include <doctest/doctest.h>

#include <set>
#include <string>

#include "node/commands/command_table.h"

namespace node::commands {

namespace {

bool ValidType(std::string_view t) {
  for (const char* k : {"key", "string", "integer", "double", "pattern", "unix-time", "pure-token",
                        "oneof", "block"}) {
    if (t == k) return true;
  }
  return false;
}

bool ValidVersion(std::string_view v) {
  int dots = 0;
  for (char ch : v) {
    if (ch == '.') {
      dots++;
    } else if (ch < '0' || ch > '9') {
      return false;
    }
  }
  return !v.empty() && dots == 2 && v.front() != '.' && v.back() != '.';
}

// Checks one argument and its children; returns false on the first problem.
bool CheckArg(const DocArg& a, std::string& why) {
  if (a.name.empty()) return why = "empty name", false;
  if (!ValidType(a.type)) return why = "bad type " + std::string(a.type), false;
  bool nests = a.type == "oneof" || a.type == "block";
  if (nests != !a.args.empty()) return why = std::string(a.name) + ": children vs type", false;
  if (a.type == "pure-token" && !a.has_token) return why = "pure-token without token", false;
  if (!a.since.empty() && !ValidVersion(a.since)) return why = "bad since", false;
  if (!a.deprecated_since.empty() && !ValidVersion(a.deprecated_since)) {
    return why = "bad deprecated_since", false;
  }
  for (auto& c : a.args) {
    if (!CheckArg(c, why)) return false;
  }
  return true;
}

std::string Render(const CommandSpec& c, int proto) {
  std::string out;
  resp::ReplyBuilder r(&out);
  r.set_protocol(proto);
  ReplyCommandDocs(r, c);
  return out;
}

}  // namespace

TEST_SUITE("commands/command_docs") {
  TEST_CASE("rows are sorted by full name, without duplicates, for binary search") {
    auto rows = DocRows();
    REQUIRE(rows.size() > 300);
    for (size_t i = 1; i < rows.size(); i++) {
      CHECK_MESSAGE(std::string_view(rows[i - 1].name) < std::string_view(rows[i].name),
                    rows[i].name);
    }
    for (auto& d : rows) CHECK(FindDocRow(d.name) == &d);
    CHECK(FindDocRow("nosuchcommand") == nullptr);
    CHECK(FindDocRow("") == nullptr);
    CHECK(FindDocRow("client|nosuch") == nullptr);
  }

  TEST_CASE("every command and subcommand of the table has a row with a summary") {
    REQUIRE(LookupCommand("get") != nullptr);  // the table is indexed
    std::set<std::string> names;
    auto check = [&](const std::string& name) {
      names.insert(name);
      const DocRow* d = FindDocRow(name);
      REQUIRE_MESSAGE(d != nullptr, name);
      CHECK_MESSAGE(std::string_view(d->summary).size() > 10, name);
    };
    for (const auto& c : CommandTable()) {
      check(c.name);
      for (size_t i = 0; i < c.n_subcommands; i++) {
        check(std::string(c.name) + "|" + c.subcommands[i].name);
      }
    }
    // ... and no row documents a command shoal does not have.
    for (auto& d : DocRows()) CHECK_MESSAGE(names.count(d.name) == 1, d.name);
  }

  TEST_CASE("every row's facts are well formed and its argument tree parses") {
    for (auto& d : DocRows()) {
      INFO(d.name);
      if (!d.group) {  // shoal's own: only a summary
        CHECK(d.complexity == nullptr);
        CHECK(d.history == nullptr);
        CHECK(d.args == nullptr);
        continue;
      }
      CHECK(ValidVersion(d.since));
      if (d.complexity) CHECK(std::string_view(d.complexity).size() > 2);
      CHECK((d.deprecated_since == nullptr || ValidVersion(d.deprecated_since)));
      CHECK(((d.replaced_by != nullptr) <= ((d.doc_flags & kDocDeprecated) != 0)));
      if (d.history) {
        std::string_view h = d.history;
        while (!h.empty()) {
          size_t nl = h.find('\n');
          std::string_view line = h.substr(0, nl);
          size_t sp = line.find(' ');
          REQUIRE(sp != std::string_view::npos);
          CHECK(ValidVersion(line.substr(0, sp)));
          CHECK(line.size() > sp + 3);
          h = nl == std::string_view::npos ? std::string_view() : h.substr(nl + 1);
        }
      }
      if (d.args) {
        std::vector<DocArg> args;
        REQUIRE(ParseDocArgs(d.args, args));
        CHECK(!args.empty());
        std::string why;
        for (auto& a : args) CHECK_MESSAGE(CheckArg(a, why), why);
      }
    }
  }

  TEST_CASE("the argument text carries names with colons, symbol and empty tokens, nesting") {
    std::vector<DocArg> a;
    REQUIRE(ParseDocArgs(
        "key:key#0 ip:port:string?=ADDR strategy:oneof(equal:pure-token== "
        "approximately:pure-token=~) id:string=$ old:block@2.8.12!7.0.0*+=(x:integer y:double)",
        a));
    REQUIRE(a.size() == 5);
    CHECK(a[0].name == "key");
    CHECK(a[0].key_spec_index == 0);
    CHECK(!a[0].has_token);
    CHECK(a[1].name == "ip:port");
    CHECK(a[1].type == "string");
    CHECK(a[1].flags == kArgOptional);
    CHECK(a[1].token == "ADDR");
    REQUIRE(a[2].args.size() == 2);
    CHECK(a[2].args[0].token == "=");
    CHECK(a[2].args[1].token == "~");
    CHECK(a[3].token == "$");
    CHECK(a[4].since == "2.8.12");
    CHECK(a[4].deprecated_since == "7.0.0");
    CHECK(a[4].flags == (kArgMultiple | kArgMultipleToken));
    CHECK(a[4].has_token);
    CHECK(a[4].token.empty());
    REQUIRE(a[4].args.size() == 2);
    CHECK(a[4].args[1].type == "double");
  }

  TEST_CASE("malformed argument text is refused") {
    for (const char* bad : {"nocolon", ":string", "a:", "a:key#", "a:key@", "a:oneof(", "a:key)",
                            "a:oneof()", "a:key%", "a:key (b:key)"}) {
      std::vector<DocArg> a;
      CHECK_MESSAGE(!ParseDocArgs(bad, a), bad);
    }
  }

  TEST_CASE("a reply is a map in RESP3 and flat pairs in RESP2, fields in Redis's order") {
    const CommandSpec* get = LookupCommand("get");
    REQUIRE(get != nullptr);
    std::string summary = FindDocRow("get")->summary;
    std::string tail =
        "$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nstring\r\n"
        "$10\r\ncomplexity\r\n$5\r\nO(1).\r\n$9\r\narguments\r\n";
    std::string head =
        "$7\r\nsummary\r\n$" + std::to_string(summary.size()) + "\r\n" + summary + "\r\n";
    CHECK(Render(*get, 3) ==
          "%5\r\n" + head + tail +
              "*1\r\n%3\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n"
              "$14\r\nkey_spec_index\r\n:0\r\n");
    CHECK(Render(*get, 2) ==
          "*10\r\n" + head + tail +
              "*1\r\n*6\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n"
              "$14\r\nkey_spec_index\r\n:0\r\n");
    // Flags and doc flags are sets of simple strings; history a set of pairs.
    std::string getset = Render(*LookupCommand("getset"), 3);
    CHECK(getset.find("$9\r\ndoc_flags\r\n~1\r\n+deprecated\r\n") != std::string::npos);
    std::string set = Render(*LookupCommand("set"), 3);
    CHECK(set.find("$7\r\nhistory\r\n~4\r\n*2\r\n$6\r\n2.6.12\r\n") != std::string::npos);
    CHECK(set.find("$5\r\nflags\r\n~1\r\n+optional\r\n") != std::string::npos);
    CHECK(Render(*LookupCommand("set"), 2).find("$5\r\nflags\r\n*1\r\n+optional\r\n") !=
          std::string::npos);
  }
}

}  // namespace node::commands
