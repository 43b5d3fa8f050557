// node/acl/user_test.cc
//
// Unit tests of ACL users on a small hand-made catalog: the rule parser and
// its errors, passwords, key patterns with read/write intent, channel
// matching (PSUBSCRIBE literal), selectors, first-arg rules, the
// description Redis prints, the protected-mode decision and the registry
// (SETUSER staging, ACL file load/save, the log).

#include "node/acl/user.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "node/acl/protected_mode.h"
#include "node/acl/registry.h"

namespace node::acl {

namespace {

constexpr uint32_t kRead = 1u << 1, kWrite = 1u << 2, kString = 1u << 7, kFast = 1u << 14,
                   kSlow = 1u << 15, kAdmin = 1u << 13, kConn = 1u << 18;

const Catalog& TestCatalog() {
  static const Catalog cat([] {
    std::vector<CatalogEntry> e;
    e.push_back({"get", kRead | kString | kFast, -1, {}, false});   // 0
    e.push_back({"set", kWrite | kString | kSlow, -1, {}, false});  // 1
    e.push_back({"config", kSlow, -1, {3, 4}, false});              // 2
    e.push_back({"config|get", kAdmin | kSlow, 2, {}, false});      // 3
    e.push_back({"config|set", kAdmin | kSlow, 2, {}, false});      // 4
    e.push_back({"auth", kConn | kFast, -1, {}, true});             // 5
    e.push_back({"select", kConn | kFast, -1, {}, false});          // 6
    e.push_back({"publish", kFast, -1, {}, false});                 // 7
    return e;
  }());
  return cat;
}

RuleEnv Env() {
  RuleEnv env;
  env.catalog = &TestCatalog();
  return env;
}

User Make(std::initializer_list<const char*> rules) {
  User u = NewUser(Env(), "u");
  for (auto r : rules) REQUIRE(ApplyUserRule(Env(), u, r) == RuleError::kOk);
  return u;
}

Denied Check(const User& u, int cmd, std::vector<std::string_view> args,
             std::vector<KeyRef> keys = {}, std::vector<ChannelRef> chans = {},
             int* pos = nullptr) {
  CheckInput in;
  in.cmd = cmd;
  in.no_auth = TestCatalog().at(cmd).no_auth;
  in.subcommand = TestCatalog().at(cmd).parent >= 0;
  in.args = args;
  in.keys = keys;
  in.channels = chans;
  int p = 0;
  Denied d = CheckCommand(u, in, &p);
  if (pos) *pos = p;
  return d;
}

}  // namespace

TEST_SUITE("acl/user") {
  TEST_CASE("a new user is off with no commands, keys or channels") {
    User u = NewUser(Env(), "u");
    CHECK(DescribeUser(Env(), u) == "off resetchannels -@all");
    CHECK(Check(u, 0, {"get", "k"}) == Denied::kCommand);
  }

  TEST_CASE("the default user is on, nopass and allows everything") {
    User d = NewDefaultUser(Env());
    CHECK(DescribeUser(Env(), d) == "on nopass ~* &* +@all");
    CHECK(CheckCredentials(d, "anything"));
  }

  TEST_CASE("passwords are stored as sha256 and checked") {
    User u = Make({"on", ">secret"});
    REQUIRE(u.passwords.size() == 1);
    CHECK(u.passwords[0] == HashPassword("secret"));
    CHECK(HashPassword("").size() == 64);
    CHECK(HashPassword("abc") ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(CheckCredentials(u, "secret"));
    CHECK_FALSE(CheckCredentials(u, "other"));
    CHECK(ApplyUserRule(Env(), u, "<other") == RuleError::kNoSuchPassword);
    CHECK(ApplyUserRule(Env(), u, "#abc") == RuleError::kBadHash);
    CHECK(ApplyUserRule(Env(), u, "<secret") == RuleError::kOk);
    CHECK(u.passwords.empty());
    CHECK_FALSE(CheckCredentials(u, "secret"));
    SUBCASE("an off user never authenticates") {
      User off = Make({"off", "nopass"});
      CHECK_FALSE(CheckCredentials(off, ""));
    }
  }

  TEST_CASE("command rules: categories, single commands and subcommands") {
    User u = Make({"+@read"});
    CHECK(Check(u, 0, {"get", "k"}) == Denied::kOk);
    CHECK(Check(u, 1, {"set", "k", "v"}) == Denied::kCommand);
    u = Make({"+config"});
    CHECK(Check(u, 3, {"config", "get", "x"}) == Denied::kOk);
    u = Make({"+config|get"});
    CHECK(Check(u, 3, {"config", "get", "x"}) == Denied::kOk);
    CHECK(Check(u, 4, {"config", "set", "x", "y"}) == Denied::kCommand);
    CHECK(ApplyUserRule(Env(), u, "+config|get|x") == RuleError::kSubcommandArg);
    CHECK(ApplyUserRule(Env(), u, "+config|nosuch") == RuleError::kUnknownCommand);
    CHECK(ApplyUserRule(Env(), u, "+nosuch") == RuleError::kUnknownCommand);
    CHECK(ApplyUserRule(Env(), u, "-@nosuch") == RuleError::kUnknownCommand);
    CHECK(ApplyUserRule(Env(), u, "+get|") == RuleError::kSyntax);
    CHECK(ApplyUserRule(Env(), u, "whatever") == RuleError::kSyntax);
  }

  TEST_CASE("no_auth commands are always allowed") {
    User u = NewUser(Env(), "u");
    CHECK(Check(u, 5, {"auth", "x"}) == Denied::kOk);
  }

  TEST_CASE("a first-arg rule allows one first argument of a blocked command") {
    User u = Make({"+select|0"});
    CHECK(Check(u, 6, {"select", "0"}) == Denied::kOk);
    CHECK(Check(u, 6, {"select", "1"}) == Denied::kCommand);
    CHECK(DescribeCommandRules(Env(), u.selectors[0]) == "-@all +select|0");
    // +select clears the exception list; -@all too.
    REQUIRE(ApplyUserRule(Env(), u, "-@all") == RuleError::kOk);
    CHECK(u.selectors[0].firstargs.empty());
  }

  TEST_CASE("key patterns carry read / write intent") {
    User u = Make({"+@all", "%R~r*", "%W~w*", "~a*"});
    CHECK(Check(u, 0, {"get", "r1"}, {{1, kPermRead}}) == Denied::kOk);
    CHECK(Check(u, 1, {"set", "r1", "v"}, {{1, kPermWrite}}) == Denied::kKey);
    CHECK(Check(u, 1, {"set", "w1", "v"}, {{1, kPermWrite}}) == Denied::kOk);
    CHECK(Check(u, 0, {"get", "w1"}, {{1, kPermRead}}) == Denied::kKey);
    CHECK(Check(u, 1, {"set", "a1", "v"}, {{1, kPermRead | kPermWrite}}) == Denied::kOk);
    // A key needing no access (EXISTS-like) matches any pattern.
    CHECK(Check(u, 0, {"get", "a1"}, {{1, 0}}) == Denied::kOk);
    CHECK(DescribeKeys(u.selectors[0]) == "%R~r* %W~w* ~a*");
    SUBCASE("the same pattern twice merges its flags") {
      REQUIRE(ApplyUserRule(Env(), u, "%W~r*") == RuleError::kOk);
      CHECK(DescribeKeys(u.selectors[0]) == "~r* %W~w* ~a*");
    }
    SUBCASE("patterns after allkeys are an error, resetkeys clears") {
      REQUIRE(ApplyUserRule(Env(), u, "allkeys") == RuleError::kOk);
      CHECK(ApplyUserRule(Env(), u, "~x") == RuleError::kAfterAllKeys);
      REQUIRE(ApplyUserRule(Env(), u, "resetkeys") == RuleError::kOk);
      CHECK(DescribeKeys(u.selectors[0]) == "");
    }
    CHECK(ApplyUserRule(Env(), u, "%X~k") == RuleError::kSyntax);
  }

  TEST_CASE("channels: globs for channels, literal match for subscribe patterns") {
    User u = Make({"+@all", "&news.*"});
    CHECK(Check(u, 7, {"publish", "news.1", "m"}, {}, {{1, false}}) == Denied::kOk);
    CHECK(Check(u, 7, {"publish", "other", "m"}, {}, {{1, false}}) == Denied::kChannel);
    CHECK(ChannelAllowed(u, "news.*", true));
    CHECK_FALSE(ChannelAllowed(u, "news.1*", true));  // a pattern is not globbed
    CHECK(ApplyUserRule(Env(), u, "&*") == RuleError::kOk);
    CHECK(ApplyUserRule(Env(), u, "&x") == RuleError::kAfterAllChannels);
  }

  TEST_CASE("selectors: any selector may allow; the most relevant denial is reported") {
    User u = Make({"on", "+get", "~k*", "(+set ~x*)"});
    CHECK(Check(u, 1, {"set", "x1", "v"}, {{1, kPermWrite}}) == Denied::kOk);
    int pos = -1;
    CHECK(Check(u, 1, {"set", "k1", "v"}, {{1, kPermWrite}}, {}, &pos) == Denied::kKey);
    CHECK(pos == 1);
    CHECK(DescribeUser(Env(), u) ==
          "on ~k* resetchannels -@all +@read (~x* resetchannels -@all +@write)");
    REQUIRE(ApplyUserRule(Env(), u, "clearselectors") == RuleError::kOk);
    CHECK(u.selectors.size() == 1);
    CHECK(ApplyUserRule(Env(), u, "(+nosuch)") == RuleError::kUnknownCommand);
  }

  TEST_CASE("selector arguments spread over several words are merged") {
    std::vector<std::string_view> in = {"on", "(+get", "~x*)", "+set"};
    std::vector<std::string> out;
    size_t bad = 0;
    REQUIRE(MergeSelectorArgs(in, &out, &bad));
    CHECK(out == std::vector<std::string>{"on", "(+get ~x*)", "+set"});
    std::vector<std::string_view> open = {"(+get", "~x"};
    CHECK_FALSE(MergeSelectorArgs(open, &out, &bad));
    CHECK(bad == 0);
  }

  TEST_CASE("descriptions start from +@all or -@all and fit categories first") {
    // In this catalog SET is the only @write command and GET the only @read
    // one, so the best-fit category is printed instead of the command.
    User u = Make({"+@all", "-set"});
    CHECK(DescribeCommandRules(Env(), u.selectors[0]) == "+@all -@write");
    u = Make({"+@string", "-set"});
    CHECK(DescribeCommandRules(Env(), u.selectors[0]) == "-@all +@read");
    u = Make({"+@all", "-config|get"});
    CHECK(DescribeCommandRules(Env(), u.selectors[0]) == "+@all -config|get");
    u = Make({"+get", "+publish"});
    CHECK(DescribeCommandRules(Env(), u.selectors[0]) == "-@all +@read +publish");
    u = Make({"reset"});
    CHECK(DescribeUser(Env(), u) == "off sanitize-payload resetchannels -@all");
  }

  TEST_CASE("protected mode refuses non-loopback peers of a nopass default user") {
    User d = NewDefaultUser(Env());
    CHECK_FALSE(ProtectedModeDenies(true, d, "127.0.0.1"));
    CHECK_FALSE(ProtectedModeDenies(true, d, "::1"));
    CHECK(ProtectedModeDenies(true, d, "127.0.0.2"));
    CHECK(ProtectedModeDenies(true, d, "10.0.0.5"));
    CHECK_FALSE(ProtectedModeDenies(false, d, "10.0.0.5"));
    REQUIRE(ApplyUserRule(Env(), d, ">pw") == RuleError::kOk);
    CHECK_FALSE(ProtectedModeDenies(true, d, "10.0.0.5"));
  }

  TEST_CASE("a client address is local only when its ip is 127.0.0.1 or ::1") {
    CHECK(IsLocalPeerAddr("127.0.0.1:5000"));
    CHECK(IsLocalPeerAddr("::1:5000"));
    CHECK_FALSE(IsLocalPeerAddr("127.0.0.13:5000"));
    CHECK_FALSE(IsLocalPeerAddr("10.0.0.5:6379"));
    CHECK_FALSE(IsLocalPeerAddr(""));        // internal clients (AOF loader, master link)
    CHECK_FALSE(IsLocalPeerAddr("master"));  // the replica's master client
  }
}

TEST_SUITE("acl/registry") {
  TEST_CASE("SETUSER stages every rule: one bad rule changes nothing") {
    Registry reg(&TestCatalog());
    std::vector<std::string_view> rules = {"on", "+get", "+nosuch"};
    std::string err = reg.SetUser("u", rules, nullptr, nullptr);
    CHECK(err ==
          "Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL");
    CHECK(reg.Find("u") == nullptr);
    std::vector<std::string_view> ok = {"on", "+get"};
    CHECK(reg.SetUser("u", ok, nullptr, nullptr).empty());
    REQUIRE(reg.Find("u"));
    CHECK(reg.Find("u")->enabled());
  }

  TEST_CASE("the ACL file round-trips and a bad file keeps the old users") {
    Registry reg(&TestCatalog());
    std::vector<std::string_view> rules = {"on", ">pw", "~k*", "+get", "(+set ~x*)"};
    REQUIRE(reg.SetUser("alice", rules, nullptr, nullptr).empty());
    std::string text = reg.SaveText();
    CHECK(text.find("user alice on #") != std::string::npos);
    Registry other(&TestCatalog());
    std::vector<UserPtr> dropped;
    CHECK(other.LoadText(text, "f.acl", &dropped).empty());
    CHECK(other.SaveText() == text);
    std::string err = other.LoadText("user bob +nosuch\nhello\n", "f.acl", &dropped);
    CHECK(err.find("f.acl:1: Error in applying operation '+nosuch'") != std::string::npos);
    CHECK(err.find("f.acl:2 should start with user keyword") != std::string::npos);
    CHECK(err.find("no change to the previously active ACL rules") != std::string::npos);
    CHECK(other.Find("alice") != nullptr);
  }

  TEST_CASE("a file without the default user restores its defaults in place") {
    Registry reg(&TestCatalog());
    UserPtr d = reg.default_user();
    reg.SetDefaultPassword("pw");
    std::vector<UserPtr> dropped;
    CHECK(reg.LoadText("user x on nopass +@all\n", "f", &dropped).empty());
    CHECK(reg.default_user() == d);
    CHECK(d->nopass());
  }

  TEST_CASE("the log groups similar entries and is bounded") {
    Registry reg(&TestCatalog());
    reg.set_log_max_len(2);
    LogEntry e;
    e.object = "get";
    e.username = "u";
    e.ctime_ms = 1000;
    reg.AddLog(e);
    reg.AddLog(e);
    REQUIRE(reg.log().size() == 1);
    CHECK(reg.log()[0].count == 2);
    e.object = "set";
    reg.AddLog(e);
    e.object = "del";
    reg.AddLog(e);
    CHECK(reg.log().size() == 2);
    CHECK(reg.log()[0].object == "del");
  }
}

}  // namespace node::acl
