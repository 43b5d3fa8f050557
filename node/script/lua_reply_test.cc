// node/script/lua_reply_test.cc -- unit tests of the reply <-> Lua
// conversion rules (what redis.call returns, what a script's return value
// becomes), RESP2 and RESP3.

#include "node/script/lua_reply.h"

#include <doctest/doctest.h>

#include <string>

extern "C" {
#include <lua5.1/lauxlib.h>
#include <lua5.1/lua.h>
#include <lua5.1/lualib.h>
}

namespace {

struct Vm {
  lua_State* L = luaL_newstate();
  Vm() { luaL_openlibs(L); }
  ~Vm() { lua_close(L); }
  // Evaluates `code` and renders its result as a reply.
  std::string Reply(const std::string& code, int lua_resp = 2, int client_resp = 2) {
    std::string out;
    node::resp::ReplyBuilder rb(&out);
    rb.set_protocol(client_resp);
    REQUIRE(luaL_loadstring(L, code.c_str()) == 0);
    REQUIRE(lua_pcall(L, 0, 1, 0) == 0);
    node::script::WriteLuaValue(L, rb, lua_resp);
    lua_settop(L, 0);
    return out;
  }
  // Converts RESP bytes to Lua, stores it as global `r`, evaluates `expr`.
  std::string FromResp(const std::string& bytes, const std::string& expr) {
    size_t used = node::script::PushReply(L, bytes);
    if (used == 0) return "<malformed>";
    CHECK(used == bytes.size());
    lua_setglobal(L, "r");
    REQUIRE(luaL_loadstring(L, ("return tostring(" + expr + ")").c_str()) == 0);
    REQUIRE(lua_pcall(L, 0, 1, 0) == 0);
    std::string s = lua_tostring(L, -1);
    lua_settop(L, 0);
    return s;
  }
};

}  // namespace

TEST_SUITE("script/lua_reply") {
  TEST_CASE("Lua values become replies by Redis's rules") {
    Vm vm;
    CHECK(vm.Reply("return 3.99") == ":3\r\n");
    CHECK(vm.Reply("return -3.99") == ":-3\r\n");
    CHECK(vm.Reply("return 'x'") == "$1\r\nx\r\n");
    CHECK(vm.Reply("return true") == ":1\r\n");
    CHECK(vm.Reply("return false") == "$-1\r\n");
    CHECK(vm.Reply("return nil") == "$-1\r\n");
    CHECK(vm.Reply("return {1,2,nil,4}") == "*2\r\n:1\r\n:2\r\n");
    CHECK(vm.Reply("return {err='x'}") == "-x\r\n");
    CHECK(vm.Reply("return {err='a\\r\\nb'}") == "-a  b\r\n");
    CHECK(vm.Reply("return {err=1}") == "*0\r\n");
    CHECK(vm.Reply("return {ok='fine'}") == "+fine\r\n");
    CHECK(vm.Reply("return {double=3.5}") == "$3\r\n3.5\r\n");
    CHECK(vm.Reply("return {map={a=1}}") == "*2\r\n$1\r\na\r\n:1\r\n");
    CHECK(vm.Reply("return 1e300") == ":-9223372036854775808\r\n");
  }

  TEST_CASE("RESP3 clients get maps, sets, doubles, big numbers and booleans") {
    Vm vm;
    CHECK(vm.Reply("return {double=3.5}", 2, 3) == ",3.5\r\n");
    CHECK(vm.Reply("return {map={a=1}}", 2, 3) == "%1\r\n$1\r\na\r\n:1\r\n");
    CHECK(vm.Reply("return {set={a=true}}", 2, 3) == "~1\r\n$1\r\na\r\n");
    CHECK(vm.Reply("return {big_number='123'}", 2, 3) == "(123\r\n");
    CHECK(vm.Reply("return {verbatim_string={format='txt',string='hi'}}", 2, 3) ==
          "=6\r\ntxt:hi\r\n");
    CHECK(vm.Reply("return false", 2, 3) == "_\r\n");
    CHECK(vm.Reply("return true", 3, 3) == "#t\r\n");
    CHECK(vm.Reply("return false", 3, 2) == ":0\r\n");
  }

  TEST_CASE("replies become Lua values by Redis's rules") {
    Vm vm;
    CHECK(vm.FromResp(":42\r\n", "r") == "42");
    CHECK(vm.FromResp("$3\r\nabc\r\n", "r") == "abc");
    CHECK(vm.FromResp("$-1\r\n", "r") == "false");
    CHECK(vm.FromResp("*-1\r\n", "r") == "false");
    CHECK(vm.FromResp("+OK\r\n", "r.ok") == "OK");
    CHECK(vm.FromResp("-ERR bad\r\n", "r.err") == "ERR bad");
    CHECK(vm.FromResp("*2\r\n:1\r\n*1\r\n$1\r\nx\r\n", "r[2][1]") == "x");
    CHECK(vm.FromResp("_\r\n", "r") == "nil");
    CHECK(vm.FromResp("#t\r\n", "r") == "true");
    CHECK(vm.FromResp(",1.5\r\n", "r.double") == "1.5");
    CHECK(vm.FromResp("(12345678901234567890\r\n", "r.big_number") == "12345678901234567890");
    CHECK(vm.FromResp("%1\r\n$1\r\na\r\n:1\r\n", "r.map.a") == "1");
    CHECK(vm.FromResp("~1\r\n$1\r\na\r\n", "r.set.a") == "true");
    CHECK(vm.FromResp("=6\r\ntxt:hi\r\n", "r.verbatim_string.string") == "hi");
  }

  TEST_CASE("truncated or unknown reply bytes are refused") {
    Vm vm;
    CHECK(vm.FromResp("$10\r\nabc\r\n", "r") == "<malformed>");
    CHECK(vm.FromResp("*3\r\n:1\r\n", "r") == "<malformed>");
    CHECK(vm.FromResp("?x\r\n", "r") == "<malformed>");
    CHECK(vm.FromResp(":12", "r") == "<malformed>");
  }
}
