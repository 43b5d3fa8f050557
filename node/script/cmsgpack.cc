// node/script/cmsgpack.cc -- see cmsgpack.h. Own implementation from the
// MessagePack specification; byte forms chosen to match what Redis's
// embedded library emits (checked against redis-server 7.0).
//
// Lua errors unwind with longjmp, so functions that raise keep no C++ object
// with a destructor alive at that point (the encoder's buffer is pushed and
// destroyed before returning; decoding uses a plain cursor).

#include "node/script/cmsgpack.h"

#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>

extern "C" {
#include <lua5.1/lauxlib.h>
#include <lua5.1/lua.h>
}

namespace node::script {

namespace {

constexpr int kMaxNesting = 16;

void PutBe(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; i--) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

void EncodeInt(std::string& out, int64_t v) {
  if (v >= 0) {
    uint64_t u = static_cast<uint64_t>(v);
    if (u <= 127) {
      out += static_cast<char>(u);
    } else if (u <= 0xff) {
      out += '\xcc';
      PutBe(out, u, 1);
    } else if (u <= 0xffff) {
      out += '\xcd';
      PutBe(out, u, 2);
    } else if (u <= 0xffffffffull) {
      out += '\xce';
      PutBe(out, u, 4);
    } else {
      out += '\xcf';
      PutBe(out, u, 8);
    }
  } else {
    uint64_t u = static_cast<uint64_t>(v);
    if (v >= -32) {
      out += static_cast<char>(u & 0xff);
    } else if (v >= -128) {
      out += '\xd0';
      PutBe(out, u, 1);
    } else if (v >= -32768) {
      out += '\xd1';
      PutBe(out, u, 2);
    } else if (v >= -2147483648LL) {
      out += '\xd2';
      PutBe(out, u, 4);
    } else {
      out += '\xd3';
      PutBe(out, u, 8);
    }
  }
}

void EncodeNumber(std::string& out, double n) {
  if (!std::isinf(n) && !std::isnan(n) && n >= -9223372036854775808.0 &&
      n < 9223372036854775808.0 && static_cast<double>(static_cast<int64_t>(n)) == n) {
    return EncodeInt(out, static_cast<int64_t>(n));
  }
  float f = static_cast<float>(n);
  if (static_cast<double>(f) == n) {
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    out += '\xca';
    PutBe(out, bits, 4);
  } else {
    uint64_t bits;
    std::memcpy(&bits, &n, 8);
    out += '\xcb';
    PutBe(out, bits, 8);
  }
}

void EncodeString(std::string& out, const char* s, size_t len) {
  if (len < 32) {
    out += static_cast<char>(0xa0 | len);
  } else if (len <= 0xff) {
    out += '\xd9';
    PutBe(out, len, 1);
  } else if (len <= 0xffff) {
    out += '\xda';
    PutBe(out, len, 2);
  } else {
    out += '\xdb';
    PutBe(out, len, 4);
  }
  out.append(s, len);
}

void EncodeHeader(std::string& out, size_t n, unsigned char fix, unsigned char b16,
                  unsigned char b32) {
  if (n < 16) {
    out += static_cast<char>(fix | n);
  } else if (n <= 0xffff) {
    out += static_cast<char>(b16);
    PutBe(out, n, 2);
  } else {
    out += static_cast<char>(b32);
    PutBe(out, n, 4);
  }
}

// True when the table at `idx` has exactly the keys 1..n (n may be 0).
bool IsArray(lua_State* L, int idx, size_t* n) {
  size_t count = 0;
  double max = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TNUMBER) {
      lua_pop(L, 1);
      return false;
    }
    double k = lua_tonumber(L, -1);
    if (k <= 0 || std::floor(k) != k) {
      lua_pop(L, 1);
      return false;
    }
    if (k > max) max = k;
    count++;
  }
  *n = count;
  return max == static_cast<double>(count);
}

void EncodeValue(lua_State* L, std::string& out, int level);

void EncodeTable(lua_State* L, std::string& out, int level) {
  int idx = lua_gettop(L);
  size_t n = 0;
  if (IsArray(L, idx, &n)) {
    EncodeHeader(out, n, 0x90, 0xdc, 0xdd);
    for (size_t i = 1; i <= n; i++) {
      lua_rawgeti(L, idx, static_cast<int>(i));
      EncodeValue(L, out, level + 1);
    }
    return;
  }
  size_t pairs = 0;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    pairs++;
  }
  EncodeHeader(out, pairs, 0x80, 0xde, 0xdf);
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pushvalue(L, -2);
    EncodeValue(L, out, level + 1);  // key (pops the copy)
    EncodeValue(L, out, level + 1);  // value (pops it)
  }
}

// Encodes the value on top of the stack and pops it.
void EncodeValue(lua_State* L, std::string& out, int level) {
  switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
      size_t len = 0;
      const char* s = lua_tolstring(L, -1, &len);
      EncodeString(out, s, len);
      break;
    }
    case LUA_TBOOLEAN:
      out += lua_toboolean(L, -1) ? '\xc3' : '\xc2';
      break;
    case LUA_TNUMBER:
      EncodeNumber(out, lua_tonumber(L, -1));
      break;
    case LUA_TTABLE:
      if (level >= kMaxNesting) {
        out += '\xc0';
      } else {
        EncodeTable(L, out, level);
      }
      break;
    default:
      out += '\xc0';
      break;
  }
  lua_pop(L, 1);
}

int Pack(lua_State* L) {
  int n = lua_gettop(L);
  if (n == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
  {
    std::string out;
    for (int i = 1; i <= n; i++) {
      lua_pushvalue(L, i);
      EncodeValue(L, out, 0);
    }
    lua_pushlstring(L, out.data(), out.size());
  }
  return 1;
}

// --- decoding ---------------------------------------------------------------

enum class DecodeError { kNone, kEof, kBadFormat };

struct Cursor {
  const unsigned char* p;
  size_t left;
  DecodeError err = DecodeError::kNone;
};

bool Need(Cursor& c, size_t n) {
  if (c.left < n) {
    c.err = DecodeError::kEof;
    return false;
  }
  return true;
}

uint64_t GetBe(Cursor& c, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; i++) v = (v << 8) | c.p[i];
  c.p += bytes;
  c.left -= static_cast<size_t>(bytes);
  return v;
}

void DecodeValue(lua_State* L, Cursor& c);

void DecodeString(lua_State* L, Cursor& c, size_t len) {
  if (!Need(c, len)) return;
  lua_pushlstring(L, reinterpret_cast<const char*>(c.p), len);
  c.p += len;
  c.left -= len;
}

void DecodeArray(lua_State* L, Cursor& c, size_t n) {
  lua_newtable(L);
  for (size_t i = 1; i <= n && c.err == DecodeError::kNone; i++) {
    DecodeValue(L, c);
    if (c.err != DecodeError::kNone) return;
    lua_rawseti(L, -2, static_cast<int>(i));
  }
}

void DecodeMap(lua_State* L, Cursor& c, size_t n) {
  lua_newtable(L);
  for (size_t i = 0; i < n && c.err == DecodeError::kNone; i++) {
    DecodeValue(L, c);
    if (c.err != DecodeError::kNone) return;
    DecodeValue(L, c);
    if (c.err != DecodeError::kNone) return;
    if (lua_isnil(L, -2)) {  // a nil key cannot be stored
      lua_pop(L, 2);
      continue;
    }
    lua_settable(L, -3);
  }
}

// Pushes exactly one value, or sets c.err (then what was pushed is garbage
// the caller discards by raising).
void DecodeValue(lua_State* L, Cursor& c) {
  if (!lua_checkstack(L, 4)) {
    c.err = DecodeError::kBadFormat;
    return;
  }
  if (!Need(c, 1)) return;
  unsigned char t = *c.p;
  c.p++;
  c.left--;
  if (t <= 0x7f) return lua_pushnumber(L, t);
  if (t >= 0xe0) return lua_pushnumber(L, static_cast<int8_t>(t));
  if ((t & 0xe0) == 0xa0) return DecodeString(L, c, t & 0x1f);
  if ((t & 0xf0) == 0x90) return DecodeArray(L, c, t & 0x0f);
  if ((t & 0xf0) == 0x80) return DecodeMap(L, c, t & 0x0f);
  auto sized = [&](int bytes, uint64_t* v) {
    if (!Need(c, static_cast<size_t>(bytes))) return false;
    *v = GetBe(c, bytes);
    return true;
  };
  uint64_t v = 0;
  switch (t) {
    case 0xc0:
      return lua_pushnil(L);
    case 0xc2:
      return lua_pushboolean(L, 0);
    case 0xc3:
      return lua_pushboolean(L, 1);
    case 0xca:
      if (sized(4, &v)) {
        uint32_t b = static_cast<uint32_t>(v);
        float f;
        std::memcpy(&f, &b, 4);
        lua_pushnumber(L, static_cast<double>(f));
      }
      return;
    case 0xcb:
      if (sized(8, &v)) {
        double d;
        std::memcpy(&d, &v, 8);
        lua_pushnumber(L, d);
      }
      return;
    case 0xcc:
      if (sized(1, &v)) lua_pushnumber(L, static_cast<double>(v));
      return;
    case 0xcd:
      if (sized(2, &v)) lua_pushnumber(L, static_cast<double>(v));
      return;
    case 0xce:
      if (sized(4, &v)) lua_pushnumber(L, static_cast<double>(v));
      return;
    case 0xcf:
      if (sized(8, &v)) lua_pushnumber(L, static_cast<double>(v));
      return;
    case 0xd0:
      if (sized(1, &v)) lua_pushnumber(L, static_cast<int8_t>(v));
      return;
    case 0xd1:
      if (sized(2, &v)) lua_pushnumber(L, static_cast<int16_t>(v));
      return;
    case 0xd2:
      if (sized(4, &v)) lua_pushnumber(L, static_cast<int32_t>(v));
      return;
    case 0xd3:
      if (sized(8, &v)) lua_pushnumber(L, static_cast<double>(static_cast<int64_t>(v)));
      return;
    case 0xc4:
    case 0xd9:
      if (sized(1, &v)) DecodeString(L, c, v);
      return;
    case 0xc5:
    case 0xda:
      if (sized(2, &v)) DecodeString(L, c, v);
      return;
    case 0xc6:
    case 0xdb:
      if (sized(4, &v)) DecodeString(L, c, v);
      return;
    case 0xdc:
      if (sized(2, &v)) DecodeArray(L, c, v);
      return;
    case 0xdd:
      if (sized(4, &v)) DecodeArray(L, c, v);
      return;
    case 0xde:
      if (sized(2, &v)) DecodeMap(L, c, v);
      return;
    case 0xdf:
      if (sized(4, &v)) DecodeMap(L, c, v);
      return;
    default:
      c.err = DecodeError::kBadFormat;
      return;
  }
}

// Decodes up to `limit` values (limit 0: all) starting at `offset`. With
// `with_offset` the next offset (-1 at the end) is returned first.
int UnpackFull(lua_State* L, int limit, int offset, bool with_offset) {
  size_t len = 0;
  const char* s = luaL_checklstring(L, 1, &len);
  int ilen = len > INT_MAX ? INT_MAX : static_cast<int>(len);
  if (offset < 0 || limit < 0) {
    return luaL_error(L, "Invalid request to unpack with offset of %d and limit of %d.", offset,
                      ilen);
  }
  if (offset > ilen) {
    return luaL_error(L, "Start offset %d greater than input length %d.", offset, ilen);
  }
  lua_settop(L, 1);
  Cursor c{reinterpret_cast<const unsigned char*>(s) + offset, len - static_cast<size_t>(offset)};
  int count = 0;
  while (c.left > 0 && (limit == 0 || count < limit)) {
    DecodeValue(L, c);
    if (c.err == DecodeError::kEof) return luaL_error(L, "Missing bytes in input.");
    if (c.err == DecodeError::kBadFormat) return luaL_error(L, "Bad data format in input.");
    count++;
  }
  if (!with_offset) return count;
  long long next = static_cast<long long>(len - c.left);
  if (next == static_cast<long long>(len)) next = -1;
  lua_pushnumber(L, static_cast<double>(next));
  lua_insert(L, 2);
  return count + 1;
}

int Unpack(lua_State* L) { return UnpackFull(L, 0, 0, false); }

int UnpackOne(lua_State* L) {
  int offset = static_cast<int>(luaL_optinteger(L, 2, 0));
  return UnpackFull(L, 1, offset, true);
}

int UnpackLimit(lua_State* L) {
  int limit = static_cast<int>(luaL_checkinteger(L, 2));
  int offset = static_cast<int>(luaL_optinteger(L, 3, 0));
  return UnpackFull(L, limit, offset, true);
}

}  // namespace

int OpenCmsgpack(lua_State* L) {
  static const luaL_Reg kFuncs[] = {{"pack", Pack},
                                    {"unpack", Unpack},
                                    {"unpack_one", UnpackOne},
                                    {"unpack_limit", UnpackLimit},
                                    {nullptr, nullptr}};
  lua_newtable(L);
  for (const luaL_Reg* f = kFuncs; f->name; f++) {
    lua_pushcfunction(L, f->func);
    lua_setfield(L, -2, f->name);
  }
  lua_pushliteral(L, "lua-cmsgpack");
  lua_setfield(L, -2, "_NAME");
  lua_pushliteral(L, "0.4.0");
  lua_setfield(L, -2, "_VERSION");
  lua_pushliteral(L, "Copyright (C) 2012, Salvatore Sanfilippo");
  lua_setfield(L, -2, "_COPYRIGHT");
  lua_pushliteral(L, "MessagePack C implementation.");
  lua_setfield(L, -2, "_DESCRIPTION");
  return 1;
}

}  // namespace node::script
