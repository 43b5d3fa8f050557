// node/script/cmsgpack_test.cc -- unit tests of the cmsgpack Lua library:
// byte forms of pack (as Redis's embedded library emits them), unpack
// round trips, the offset API, and malformed input raising errors.

#include "node/script/cmsgpack.h"

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
  Vm() {
    luaL_openlibs(L);
    node::script::OpenCmsgpack(L);
    lua_setglobal(L, "cmsgpack");
  }
  ~Vm() { lua_close(L); }
  // Runs `code` (which returns one value) and gives it as a string, or
  // "error: <message>".
  std::string Eval(const std::string& code) {
    if (luaL_loadstring(L, code.c_str()) || lua_pcall(L, 0, 1, 0)) {
      std::string m = lua_tostring(L, -1);
      size_t at = m.find("]:1: ");  // drop the chunk position
      std::string e = "error: " + (at == std::string::npos ? m : m.substr(at + 5));
      lua_pop(L, 1);
      return e;
    }
    size_t len = 0;
    const char* s = lua_tolstring(L, -1, &len);
    std::string out = s ? std::string(s, len) : "<nil>";
    lua_pop(L, 1);
    return out;
  }
};

std::string Bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s += static_cast<char>(c);
  return s;
}

}  // namespace

TEST_SUITE("script/cmsgpack") {
  TEST_CASE("pack uses the smallest integer forms") {
    Vm vm;
    CHECK(vm.Eval("return cmsgpack.pack(1, 127, 128)") == Bytes({0x01, 0x7f, 0xcc, 0x80}));
    CHECK(vm.Eval("return cmsgpack.pack(256, 65536)") ==
          Bytes({0xcd, 0x01, 0x00, 0xce, 0x00, 0x01, 0x00, 0x00}));
    CHECK(vm.Eval("return cmsgpack.pack(-1, -32, -33, -129)") ==
          Bytes({0xff, 0xe0, 0xd0, 0xdf, 0xd1, 0xff, 0x7f}));
    CHECK(vm.Eval("return cmsgpack.pack(4294967296)") == Bytes({0xcf, 0, 0, 0, 1, 0, 0, 0, 0}));
  }

  TEST_CASE("pack encodes floats, booleans, nil, strings and tables") {
    Vm vm;
    CHECK(vm.Eval("return cmsgpack.pack(1.5)") == Bytes({0xca, 0x3f, 0xc0, 0x00, 0x00}));
    CHECK(vm.Eval("return cmsgpack.pack(0.1)").substr(0, 1) == Bytes({0xcb}));
    CHECK(vm.Eval("return cmsgpack.pack(true, false, nil)") == Bytes({0xc3, 0xc2, 0xc0}));
    CHECK(vm.Eval("return cmsgpack.pack('ab')") == Bytes({0xa2, 'a', 'b'}));
    CHECK(vm.Eval("return cmsgpack.pack(string.rep('x', 32))").substr(0, 2) == Bytes({0xd9, 32}));
    CHECK(vm.Eval("return cmsgpack.pack({})") == Bytes({0x90}));
    CHECK(vm.Eval("return cmsgpack.pack({1,2,3})") == Bytes({0x93, 1, 2, 3}));
    CHECK(vm.Eval("return cmsgpack.pack({a=1})") == Bytes({0x81, 0xa1, 'a', 0x01}));
  }

  TEST_CASE("unpack round-trips nested values") {
    Vm vm;
    CHECK(vm.Eval("local t = cmsgpack.unpack(cmsgpack.pack({1,{2,'x'},{k='v'}})) "
                  "return t[1] .. t[2][2] .. t[3].k") == "1xv");
    CHECK(vm.Eval("local a, b, c = cmsgpack.unpack(cmsgpack.pack(1, 'two', 3.25)) "
                  "return a .. b .. c") == "1two3.25");
  }

  TEST_CASE("unpack_one and unpack_limit return the next offset first, -1 at the end") {
    Vm vm;
    CHECK(vm.Eval("local o, v = cmsgpack.unpack_one(cmsgpack.pack(7, 8)) return o .. ':' .. v") ==
          "1:7");
    CHECK(vm.Eval("local o, v = cmsgpack.unpack_one(cmsgpack.pack(7, 8), 1) "
                  "return o .. ':' .. v") == "-1:8");
    CHECK(vm.Eval("local o, a, b = cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2) "
                  "return o .. ':' .. a .. b") == "2:12");
    CHECK(vm.Eval("return cmsgpack.unpack_one(cmsgpack.pack(1, 2), 5)") ==
          "error: Start offset 5 greater than input length 2.");
  }

  TEST_CASE("malformed input raises instead of crashing") {
    Vm vm;
    CHECK(vm.Eval("return cmsgpack.unpack(string.char(0x92, 0x01))") ==
          "error: Missing bytes in input.");
    CHECK(vm.Eval("return cmsgpack.unpack(string.char(0xc1))") ==
          "error: Bad data format in input.");
    CHECK(vm.Eval("return cmsgpack.unpack(string.char(0xdb, 0xff, 0xff, 0xff, 0xff))") ==
          "error: Missing bytes in input.");
    CHECK(vm.Eval("return cmsgpack.unpack(string.char(0xdd, 0xff, 0xff, 0xff, 0xff))") ==
          "error: Missing bytes in input.");
    CHECK(vm.Eval("return cmsgpack.pack()").rfind("error:", 0) == 0);
  }

  TEST_CASE("tables nested deeper than 16 levels pack the deep part as nil") {
    Vm vm;
    std::string packed = vm.Eval(
        "local t = {} local c = t for i = 1, 20 do c[1] = {} c = c[1] end "
        "return cmsgpack.pack(t)");
    CHECK(packed.size() == 17);
    CHECK(static_cast<unsigned char>(packed.back()) == 0xc0);
  }
}
