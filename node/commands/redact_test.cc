// node/commands/redact_test.cc
//
// Unit tests of argument redaction (CommandSpec::redact through RedactArgs):
// the rows that carry a rule hide exactly their secrets, and no other row
// hides anything, so SLOWLOG/MONITOR show what Redis 7.0 shows.

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "node/commands/acl_handlers.h"
#include "node/commands/command_table.h"

namespace node::commands {

namespace {

// RedactArgs on `args` for the row named by args[0] (and args[1] for a
// container); the words joined by spaces, or "" when nothing was hidden.
std::string Redacted(const std::vector<std::string_view>& args) {
  const CommandSpec* spec = LookupCommand(args[0]);
  REQUIRE(spec != nullptr);
  if (spec->subcommands) spec = LookupSubcommand(*spec, args[1]);
  REQUIRE(spec != nullptr);
  std::vector<std::string_view> out;
  if (!RedactArgs(*spec, args, &out)) return "";
  std::string s;
  for (auto w : out) s += (s.empty() ? "" : " ") + std::string(w);
  return s;
}

}  // namespace

TEST_SUITE("commands/redact") {
  TEST_CASE("AUTH, HELLO AUTH and ACL SETUSER hide their passwords") {
    CHECK(Redacted({"AUTH", "pw"}) == "AUTH (redacted)");
    CHECK(Redacted({"auth", "user", "pw"}) == "auth (redacted) (redacted)");
    CHECK(Redacted({"HELLO", "3", "AUTH", "u", "p", "SETNAME", "n"}) ==
          "HELLO 3 AUTH (redacted) (redacted) SETNAME n");
    CHECK(Redacted({"HELLO", "3"}).empty());
    CHECK(Redacted({"HELLO", "3", "AUTH", "u"}).empty());  // incomplete: a syntax error anyway
    CHECK(Redacted({"ACL", "SETUSER", "u", "on", ">pw"}) ==
          "ACL SETUSER (redacted) (redacted) (redacted)");
  }

  TEST_CASE("MIGRATE hides AUTH and AUTH2 but not the keys") {
    CHECK(Redacted({"MIGRATE", "h", "1", "", "0", "5000", "AUTH", "pw", "KEYS", "auth", "k"}) ==
          "MIGRATE h 1  0 5000 AUTH (redacted) KEYS auth k");
    CHECK(Redacted({"MIGRATE", "h", "1", "k", "0", "5000", "COPY", "AUTH2", "u", "p"}) ==
          "MIGRATE h 1 k 0 5000 COPY AUTH2 (redacted) (redacted)");
    CHECK(Redacted({"MIGRATE", "h", "1", "k", "0", "5000"}).empty());
  }

  TEST_CASE("CONFIG SET hides the values of secret parameters only") {
    CHECK(Redacted({"CONFIG", "SET", "requirepass", "pw", "maxclients", "10"}) ==
          "CONFIG SET requirepass (redacted) maxclients 10");
    CHECK(Redacted({"CONFIG", "SET", "MASTERAUTH", "pw"}) == "CONFIG SET MASTERAUTH (redacted)");
    CHECK(Redacted({"CONFIG", "SET", "maxclients", "10"}).empty());
    CHECK(Redacted({"CONFIG", "GET", "requirepass"}).empty());
  }

  TEST_CASE("no other row hides anything") {
    int with_rule = 0;
    auto visit = [&](const CommandSpec& c) {
      if (!c.redact) return;
      with_rule++;
      std::string name = FullName(c);
      CHECK_MESSAGE((name == "auth" || name == "hello" || name == "migrate" ||
                     name == "acl|setuser" || name == "config|set"),
                    name);
    };
    for (const auto& c : CommandTable()) {
      visit(c);
      for (size_t i = 0; i < c.n_subcommands; i++) visit(c.subcommands[i]);
    }
    CHECK(with_rule == 5);
    CHECK(Redacted({"SET", "requirepass", "pw"}).empty());
  }
}

}  // namespace node::commands
