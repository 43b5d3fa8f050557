// node/commands/dispatcher_test.cc
//
// Unit tests of ResolveCommand, the lookup + arity check that AOF replay and
// the master's stream run before Dispatcher::Call (which checks nothing), and
// of LookupInvocation, the lookup alone.

#include "node/commands/dispatcher.h"

#include <doctest/doctest.h>

#include <vector>

#include "node/commands/command_table.h"

namespace node::commands {

namespace {

ResolvedCommand Resolve(std::vector<std::string_view> args) { return ResolveCommand(args); }

}  // namespace

TEST_SUITE("commands/dispatcher") {
  TEST_CASE("ResolveCommand finds a command whose arity fits") {
    auto r = Resolve({"SET", "k", "v"});
    REQUIRE(r.spec != nullptr);
    CHECK(FullName(*r.spec) == "set");
    CHECK_FALSE(r.unknown);
  }

  TEST_CASE("ResolveCommand refuses a command with too few arguments") {
    auto r = Resolve({"SET"});  // the "*1 SET" a broken stream or AOF once held
    CHECK(r.spec == nullptr);
    CHECK_FALSE(r.unknown);
    CHECK(r.error == "ERR wrong number of arguments for 'set' command");
    r = Resolve({"GET", "a", "b"});
    CHECK(r.spec == nullptr);
    CHECK(r.error == "ERR wrong number of arguments for 'get' command");
  }

  TEST_CASE("ResolveCommand picks the subcommand and checks its arity") {
    auto r = Resolve({"config", "get", "maxmemory"});
    REQUIRE(r.spec != nullptr);
    CHECK(FullName(*r.spec) == "config|get");
    r = Resolve({"CONFIG", "SET", "maxmemory"});
    CHECK(r.spec == nullptr);
    CHECK(r.error == "ERR wrong number of arguments for 'config|set' command");
    r = Resolve({"config", "nosuch", "x"});
    CHECK(r.spec == nullptr);
    CHECK_FALSE(r.unknown);
    CHECK(r.error == "ERR unknown subcommand 'nosuch'. Try CONFIG HELP.");
    r = Resolve({"CONFIG"});
    CHECK(r.spec == nullptr);
    CHECK(r.error == "ERR wrong number of arguments for 'config' command");
  }

  TEST_CASE("ResolveCommand tells an unknown command apart") {
    auto r = Resolve({"NOSUCH", "a"});
    CHECK(r.spec == nullptr);
    CHECK(r.unknown);
    CHECK(r.error == "ERR unknown command 'NOSUCH', with args beginning with: 'a' ");
    CHECK(Resolve({}).unknown);
  }

  TEST_CASE("LookupInvocation: the subcommand's row, else the command's, no arity check") {
    std::vector<std::string_view> v = {"config", "GET"};
    REQUIRE(LookupInvocation(v) != nullptr);
    CHECK(FullName(*LookupInvocation(v)) == "config|get");
    v = {"CLIENT", "kill", "id", "1"};
    REQUIRE(LookupInvocation(v) != nullptr);
    CHECK(FullName(*LookupInvocation(v)) == "client|kill");
    v = {"config", "nosuch"};
    CHECK(FullName(*LookupInvocation(v)) == "config");
    v = {"set"};  // too few arguments: still the row
    CHECK(FullName(*LookupInvocation(v)) == "set");
    v = {"get", "config"};  // no subcommands: args[1] is a key
    CHECK(FullName(*LookupInvocation(v)) == "get");
    v = {"nosuch", "get"};
    CHECK(LookupInvocation(v) == nullptr);
    CHECK(LookupInvocation(std::vector<std::string_view>{}) == nullptr);
  }
}

}  // namespace node::commands
