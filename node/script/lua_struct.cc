// node/script/lua_struct.cc -- see lua_struct.h. Own implementation.
//
// Every function raises Lua errors (longjmp): no C++ object with a
// destructor is alive across a call that may raise.

#include "node/script/lua_struct.h"

#include <cctype>
#include <climits>
#include <cstdint>
#include <cstring>

extern "C" {
#include <lua5.1/lauxlib.h>
#include <lua5.1/lua.h>
}

namespace node::script {

namespace {

constexpr int kMaxIntSize = 32;
constexpr int kMaxAlign = 8;

struct Format {
  const char* p;       // next format character
  bool little = true;  // x86-64 native order
  int align = 1;
};

// Reads an optional decimal count after an option.
int ReadCount(lua_State* L, Format& f, int dflt) {
  if (!isdigit(static_cast<unsigned char>(*f.p))) return dflt;
  int n = 0;
  while (isdigit(static_cast<unsigned char>(*f.p))) {
    int d = *f.p++ - '0';
    if (n > (INT_MAX - d) / 10) luaL_error(L, "integral size overflow");
    n = n * 10 + d;
  }
  return n;
}

// Size in bytes of option `opt` (0 for options that take no room / need no
// alignment, and for 'c0').
size_t OptionSize(lua_State* L, char opt, Format& f) {
  switch (opt) {
    case 'b':
    case 'B':
    case 'x':
      return 1;
    case 'h':
    case 'H':
      return sizeof(short);
    case 'l':
    case 'L':
      return sizeof(long);
    case 'T':
      return sizeof(size_t);
    case 'f':
      return sizeof(float);
    case 'd':
      return sizeof(double);
    case 'c':
      return static_cast<size_t>(ReadCount(L, f, 1));
    case 'i':
    case 'I': {
      int n = ReadCount(L, f, sizeof(int));
      if (n > kMaxIntSize) {
        luaL_error(L, "integral size %d is larger than limit of %d", n, kMaxIntSize);
      }
      return static_cast<size_t>(n);
    }
    default:
      return 0;
  }
}

// Padding needed before an item of `size` at offset `at`.
size_t Padding(size_t at, const Format& f, char opt, size_t size) {
  if (size == 0 || opt == 'c') return 0;
  size_t a = size > static_cast<size_t>(f.align) ? static_cast<size_t>(f.align) : size;
  return (a - (at & (a - 1))) & (a - 1);
}

// Endianness / alignment / spaces; anything else is an invalid option.
void Control(lua_State* L, char opt, Format& f) {
  switch (opt) {
    case ' ':
      return;
    case '>':
      f.little = false;
      return;
    case '<':
    case '=':
      f.little = true;
      return;
    case '!': {
      int a = ReadCount(L, f, kMaxAlign);
      if (a <= 0 || (a & (a - 1)) != 0) luaL_error(L, "alignment %d is not a power of 2", a);
      f.align = a;
      return;
    }
    default: {
      const char* msg = lua_pushfstring(L, "invalid format option '%c'", opt);
      luaL_argerror(L, 1, msg);
    }
  }
}

bool IsInteger(char opt) { return strchr("bBhHlLTiI", opt) != nullptr && opt != '\0'; }

void PutBytes(luaL_Buffer* b, const unsigned char* bytes, size_t n, bool reverse) {
  for (size_t i = 0; i < n; i++) luaL_addchar(b, static_cast<char>(bytes[reverse ? n - 1 - i : i]));
}

int Pack(lua_State* L) {
  Format f{luaL_checkstring(L, 1)};
  int arg = 2;
  size_t total = 0;
  lua_pushnil(L);  // keeps the buffer's stack use apart from the arguments
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  while (*f.p) {
    char opt = *f.p++;
    size_t size = OptionSize(L, opt, f);
    size_t pad = Padding(total, f, opt, size);
    total += pad;
    for (size_t i = 0; i < pad; i++) luaL_addchar(&b, '\0');
    if (IsInteger(opt)) {
      double n = luaL_checknumber(L, arg++);
      uint64_t v =
          n < 0 ? static_cast<uint64_t>(static_cast<int64_t>(n)) : static_cast<uint64_t>(n);
      unsigned char bytes[kMaxIntSize];
      for (size_t i = 0; i < size; i++) {  // little-endian first
        bytes[i] = static_cast<unsigned char>(i < 8 ? (v >> (8 * i)) & 0xff : 0);
      }
      PutBytes(&b, bytes, size, !f.little);
    } else if (opt == 'x') {
      luaL_addchar(&b, '\0');
    } else if (opt == 'f' || opt == 'd') {
      unsigned char bytes[8];
      if (opt == 'f') {
        float v = static_cast<float>(luaL_checknumber(L, arg++));
        std::memcpy(bytes, &v, 4);
      } else {
        double v = luaL_checknumber(L, arg++);
        std::memcpy(bytes, &v, 8);
      }
      PutBytes(&b, bytes, size, !f.little);
    } else if (opt == 'c' || opt == 's') {
      size_t len = 0;
      const char* s = luaL_checklstring(L, arg++, &len);
      if (size == 0) size = len;
      luaL_argcheck(L, len >= size, arg, "string too short");
      luaL_addlstring(&b, s, size);
      if (opt == 's') {
        luaL_addchar(&b, '\0');
        size++;
      }
    } else {
      Control(L, opt, f);
    }
    total += size;
  }
  luaL_pushresult(&b);
  return 1;
}

double ReadInteger(const unsigned char* p, size_t size, bool little, bool is_signed) {
  uint64_t v = 0;
  for (size_t i = 0; i < size; i++) {
    unsigned char byte = little ? p[size - 1 - i] : p[i];
    v = (v << 8) | byte;
  }
  if (!is_signed) return static_cast<double>(v);
  if (size < 8 && size > 0) {
    uint64_t sign = 1ull << (size * 8 - 1);
    if (v & sign) v |= ~((sign << 1) - 1);
  }
  return static_cast<double>(static_cast<int64_t>(v));
}

int Unpack(lua_State* L) {
  Format f{luaL_checkstring(L, 1)};
  size_t len = 0;
  const char* data = luaL_checklstring(L, 2, &len);
  lua_Integer start = luaL_optinteger(L, 3, 1);
  size_t pos = static_cast<size_t>(start) - 1;
  luaL_argcheck(L, start >= 1 && pos <= len, 3, "offset must be 1 or greater");
  int n = 0;
  while (*f.p) {
    char opt = *f.p++;
    size_t size = OptionSize(L, opt, f);
    pos += Padding(pos, f, opt, size);
    luaL_argcheck(L, size <= len && pos <= len - size, 2, "data string too short");
    luaL_checkstack(L, 2, "too many results");
    const unsigned char* at = reinterpret_cast<const unsigned char*>(data) + pos;
    if (IsInteger(opt)) {
      lua_pushnumber(L, ReadInteger(at, size, f.little, islower(static_cast<unsigned char>(opt))));
      n++;
    } else if (opt == 'x') {
    } else if (opt == 'f' || opt == 'd') {
      unsigned char bytes[8];
      for (size_t i = 0; i < size; i++) bytes[i] = f.little ? at[i] : at[size - 1 - i];
      if (opt == 'f') {
        float v;
        std::memcpy(&v, bytes, 4);
        lua_pushnumber(L, static_cast<double>(v));
      } else {
        double v;
        std::memcpy(&v, bytes, 8);
        lua_pushnumber(L, v);
      }
      n++;
    } else if (opt == 'c') {
      if (size == 0) {
        if (n == 0 || !lua_isnumber(L, -1)) luaL_error(L, "format 'c0' needs a previous size");
        double want = lua_tonumber(L, -1);
        lua_pop(L, 1);
        n--;
        size = want < 0 ? SIZE_MAX : static_cast<size_t>(want);
        luaL_argcheck(L, size <= len && pos <= len - size, 2, "data string too short");
      }
      lua_pushlstring(L, data + pos, size);
      n++;
    } else if (opt == 's') {
      const void* end = memchr(data + pos, '\0', len - pos);
      if (!end) luaL_error(L, "unfinished string in data");
      size = static_cast<size_t>(static_cast<const char*>(end) - (data + pos)) + 1;
      lua_pushlstring(L, data + pos, size - 1);
      n++;
    } else {
      Control(L, opt, f);
    }
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos + 1));
  return n + 1;
}

int Size(lua_State* L) {
  Format f{luaL_checkstring(L, 1)};
  size_t pos = 0;
  while (*f.p) {
    char opt = *f.p++;
    size_t size = OptionSize(L, opt, f);
    pos += Padding(pos, f, opt, size);
    if (opt == 's') {
      luaL_argerror(L, 1, "option 's' has no fixed size");
    } else if (opt == 'c' && size == 0) {
      luaL_argerror(L, 1, "option 'c0' has no fixed size");
    }
    if (!isalnum(static_cast<unsigned char>(opt))) Control(L, opt, f);
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos));
  return 1;
}

}  // namespace

int OpenStruct(lua_State* L) {
  lua_newtable(L);
  lua_pushcfunction(L, Pack);
  lua_setfield(L, -2, "pack");
  lua_pushcfunction(L, Unpack);
  lua_setfield(L, -2, "unpack");
  lua_pushcfunction(L, Size);
  lua_setfield(L, -2, "size");
  return 1;
}

}  // namespace node::script
