// node/script/lua_reply.cc -- see lua_reply.h.

#include "node/script/lua_reply.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" {
#include <lua5.1/lauxlib.h>
#include <lua5.1/lua.h>
}

namespace node::script {

namespace {

constexpr int kMaxDepth = 500;
// Tables converted for one reply at most: a table that contains itself
// several times would otherwise take exponential time (redis-server hangs
// on it); past the budget tables become error elements.
constexpr size_t kMaxTables = 1'000'000;

// Reads a "\r\n"-terminated line starting at `pos`; returns its end or npos.
size_t LineEnd(std::string_view b, size_t pos) {
  size_t e = b.find("\r\n", pos);
  return e;
}

bool ParseLen(std::string_view s, int64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  std::string tmp(s);
  char* end = nullptr;
  long long v = std::strtoll(tmp.c_str(), &end, 10);
  if (*end != '\0') return false;
  *out = v;
  return true;
}

void PushTableField(lua_State* L, const char* field) {
  // value on top; wraps it as {field=value}
  lua_newtable(L);
  lua_insert(L, -2);
  lua_setfield(L, -2, field);
}

size_t Push(lua_State* L, std::string_view b, size_t pos, int depth);

// Pushes `n` elements into a new table as an array; returns the end or 0.
size_t PushAggregate(lua_State* L, std::string_view b, size_t pos, int64_t n, char kind,
                     int depth) {
  lua_newtable(L);
  int top = lua_gettop(L);
  if (kind == '%' || kind == '|') {
    for (int64_t i = 0; i < n; i++) {
      size_t p = Push(L, b, pos, depth + 1);
      if (!p) return lua_settop(L, top - 1), 0;
      size_t q = Push(L, b, p, depth + 1);
      if (!q) return lua_settop(L, top - 1), 0;
      pos = q;
      if (lua_isnil(L, -2)) {
        lua_pop(L, 2);
      } else {
        lua_settable(L, top);
      }
    }
    if (kind == '|') return lua_pop(L, 1), pos;  // attributes are dropped
    PushTableField(L, "map");
    return pos;
  }
  for (int64_t i = 0; i < n; i++) {
    size_t p = Push(L, b, pos, depth + 1);
    if (!p) return lua_settop(L, top - 1), 0;
    pos = p;
    if (kind == '~') {
      if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
      } else {
        lua_pushboolean(L, 1);
        lua_settable(L, top);
      }
    } else {
      lua_rawseti(L, top, static_cast<int>(i + 1));
    }
  }
  if (kind == '~') PushTableField(L, "set");
  return pos;
}

size_t Push(lua_State* L, std::string_view b, size_t pos, int depth) {
  if (depth > kMaxDepth || pos >= b.size() || !lua_checkstack(L, 8)) return 0;
  char type = b[pos];
  size_t e = LineEnd(b, pos + 1);
  if (e == std::string_view::npos) return 0;
  std::string_view line = b.substr(pos + 1, e - pos - 1);
  size_t next = e + 2;
  int64_t n = 0;
  switch (type) {
    case '+':
      lua_pushlstring(L, line.data(), line.size());
      PushTableField(L, "ok");
      return next;
    case '-':
      lua_pushlstring(L, line.data(), line.size());
      PushTableField(L, "err");
      return next;
    case ':':
      if (!ParseLen(line, &n)) return 0;
      lua_pushnumber(L, static_cast<double>(n));
      return next;
    case '_':
      lua_pushnil(L);
      return next;
    case '#':
      lua_pushboolean(L, line == "t");
      return next;
    case ',': {
      std::string tmp(line);
      double d = 0;
      if (tmp == "inf") {
        d = HUGE_VAL;
      } else if (tmp == "-inf") {
        d = -HUGE_VAL;
      } else {
        d = std::strtod(tmp.c_str(), nullptr);
      }
      lua_pushnumber(L, d);
      PushTableField(L, "double");
      return next;
    }
    case '(':
      lua_pushlstring(L, line.data(), line.size());
      PushTableField(L, "big_number");
      return next;
    case '$':
    case '!':
    case '=': {
      if (!ParseLen(line, &n)) return 0;
      if (n < 0) {
        lua_pushboolean(L, 0);
        return next;
      }
      if (next + static_cast<size_t>(n) + 2 > b.size()) return 0;
      std::string_view s = b.substr(next, static_cast<size_t>(n));
      next += static_cast<size_t>(n) + 2;
      if (type == '$') {
        lua_pushlstring(L, s.data(), s.size());
      } else if (type == '!') {
        lua_pushlstring(L, s.data(), s.size());
        PushTableField(L, "err");
      } else {
        lua_newtable(L);
        std::string_view fmt = s.substr(0, s.size() >= 3 ? 3 : s.size());
        std::string_view str = s.size() >= 4 ? s.substr(4) : std::string_view();
        lua_pushlstring(L, fmt.data(), fmt.size());
        lua_setfield(L, -2, "format");
        lua_pushlstring(L, str.data(), str.size());
        lua_setfield(L, -2, "string");
        PushTableField(L, "verbatim_string");
      }
      return next;
    }
    case '*':
    case '>':
    case '~':
    case '%':
    case '|':
      if (!ParseLen(line, &n)) return 0;
      if (n < 0) {
        lua_pushboolean(L, 0);
        return next;
      }
      if (n > static_cast<int64_t>(b.size())) return 0;
      if (type == '|') {
        // An attribute precedes the real reply: drop it, push what follows.
        size_t p = PushAggregate(L, b, next, n, '|', depth);
        if (!p) return 0;
        return Push(L, b, p, depth + 1);
      }
      return PushAggregate(L, b, next, n, type, depth);
    default:
      return 0;
  }
}

// Field `name` of the table on top, if it has type `t` (then left pushed).
bool GetField(lua_State* L, const char* name, int t) {
  lua_pushstring(L, name);
  lua_rawget(L, -2);
  if (lua_type(L, -1) == t) return true;
  lua_pop(L, 1);
  return false;
}

std::string NoNewlines(const char* s, size_t len) {
  std::string out(s, len);
  for (char& c : out) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return out;
}

void Write(lua_State* L, resp::ReplyBuilder& out, int lua_resp, int depth, size_t* tables);

void WriteTable(lua_State* L, resp::ReplyBuilder& out, int lua_resp, int depth, size_t* tables) {
  size_t len = 0;
  if (GetField(L, "err", LUA_TSTRING)) {
    const char* s = lua_tolstring(L, -1, &len);
    out.Error(NoNewlines(s, len));
    lua_pop(L, 1);
    return;
  }
  if (GetField(L, "ok", LUA_TSTRING)) {
    const char* s = lua_tolstring(L, -1, &len);
    out.Simple(NoNewlines(s, len));
    lua_pop(L, 1);
    return;
  }
  if (GetField(L, "double", LUA_TNUMBER)) {
    out.Double(lua_tonumber(L, -1));
    lua_pop(L, 1);
    return;
  }
  if (GetField(L, "big_number", LUA_TSTRING)) {
    const char* s = lua_tolstring(L, -1, &len);
    std::string v = NoNewlines(s, len);
    if (out.resp3()) {
      out.Raw("(" + v + "\r\n");
    } else {
      out.Bulk(v);
    }
    lua_pop(L, 1);
    return;
  }
  if (GetField(L, "map", LUA_TTABLE)) {
    size_t pairs = 0;
    lua_pushnil(L);
    while (lua_next(L, -2)) {
      lua_pop(L, 1);
      pairs++;
    }
    out.MapHeader(pairs);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
      lua_pushvalue(L, -2);  // key copy on top
      Write(L, out, lua_resp, depth + 1, tables);
      lua_pop(L, 1);
      Write(L, out, lua_resp, depth + 1, tables);  // value
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return;
  }
  if (GetField(L, "set", LUA_TTABLE)) {
    size_t n = 0;
    lua_pushnil(L);
    while (lua_next(L, -2)) {
      lua_pop(L, 1);
      n++;
    }
    out.SetHeader(n);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
      lua_pop(L, 1);
      lua_pushvalue(L, -1);
      Write(L, out, lua_resp, depth + 1, tables);
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return;
  }
  if (GetField(L, "verbatim_string", LUA_TTABLE)) {
    if (GetField(L, "format", LUA_TSTRING)) {
      size_t flen = 0;
      const char* f = lua_tolstring(L, -1, &flen);
      std::string fmt(f, flen);
      lua_pop(L, 1);
      if (GetField(L, "string", LUA_TSTRING)) {
        const char* s = lua_tolstring(L, -1, &len);
        out.Verbatim(std::string_view(s, len), fmt);
        lua_pop(L, 2);
        return;
      }
    }
    lua_pop(L, 1);
  }
  // An array: elements 1..n up to the first nil. The length is counted
  // first (a deferred header would move the whole tail once per nesting
  // level: quadratic for deep replies).
  int n = 0;
  for (;;) {
    lua_rawgeti(L, -1, n + 1);
    bool end = lua_isnil(L, -1);
    lua_pop(L, 1);
    if (end || n == INT32_MAX) break;
    n++;
  }
  out.ArrayHeader(static_cast<size_t>(n));
  for (int i = 1; i <= n; i++) {
    if (*tables > kMaxTables) {  // budget spent: keep the protocol valid
      out.Error("ERR reached lua stack limit");
      continue;
    }
    lua_rawgeti(L, -1, i);
    Write(L, out, lua_resp, depth + 1, tables);
    lua_pop(L, 1);
  }
}

void Write(lua_State* L, resp::ReplyBuilder& out, int lua_resp, int depth, size_t* tables) {
  if (depth > kMaxDepth || !lua_checkstack(L, 8) ||
      (lua_type(L, -1) == LUA_TTABLE && ++*tables > kMaxTables)) {
    out.Error("ERR reached lua stack limit");
    return;
  }
  switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
      size_t len = 0;
      const char* s = lua_tolstring(L, -1, &len);
      out.Bulk(std::string_view(s, len));
      return;
    }
    case LUA_TBOOLEAN:
      if (lua_resp == 2) {
        if (lua_toboolean(L, -1)) {
          out.Integer(1);
        } else {
          out.Null();
        }
      } else {
        out.Bool(lua_toboolean(L, -1) != 0);
      }
      return;
    case LUA_TNUMBER: {
      // C's (long long) cast, without the undefined cases.
      double d = lua_tonumber(L, -1);
      bool in_range = d >= -9223372036854775808.0 && d < 9223372036854775808.0;
      out.Integer(in_range ? static_cast<int64_t>(d) : INT64_MIN);
      return;
    }
    case LUA_TTABLE:
      WriteTable(L, out, lua_resp, depth, tables);
      return;
    default:
      out.Null();
      return;
  }
}

}  // namespace

size_t PushReply(lua_State* L, std::string_view bytes) { return Push(L, bytes, 0, 0); }

void WriteLuaValue(lua_State* L, resp::ReplyBuilder& out, int lua_resp) {
  size_t tables = 0;
  Write(L, out, lua_resp, 0, &tables);
}

}  // namespace node::script
