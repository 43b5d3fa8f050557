// node/script/scripting.cc -- see scripting.h. The VM setup, the `redis`
// table, running a script or function, and the commands scripts issue.
// Library loading (FUNCTION LOAD/RESTORE) is in functions_lib.cc.
//
// Lua errors unwind with longjmp: every C function Lua calls keeps its C++
// objects inside an inner scope that ends before lua_error runs.

#include "node/script/scripting.h"

#include <cmath>
#include <cstdio>
#include <cstring>

extern "C" {
#include <lua5.1/lauxlib.h>
#include <lua5.1/lua.h>
#include <lua5.1/lualib.h>
int luaopen_cjson(lua_State* L);
int luaopen_bit(lua_State* L);
}

#include "node/base/clock.h"
#include "node/base/crc16.h"
#include "node/base/log.h"
#include "node/cluster/cluster_state.h"
#include "node/commands/acl_handlers.h"
#include "node/commands/command_table.h"
#include "node/commands/errors.h"
#include "node/config/config.h"
#include "node/script/cmsgpack.h"
#include "node/script/lua_reply.h"
#include "node/script/lua_struct.h"
#include "node/script/sha1hex.h"

namespace node::script {

namespace {

// Redis's compatibility version (what INFO server reports).
constexpr const char* kRedisVersion = "7.0.15";
constexpr int kRedisVersionNum = (7 << 16) | (0 << 8) | 15;

Scripting* Self(lua_State* L) {
  return static_cast<Scripting*>(lua_touserdata(L, lua_upvalueindex(1)));
}

// Pushes {err = msg} (msg already carries its error code).
void PushErrorTable(lua_State* L, std::string_view msg) {
  lua_newtable(L);
  lua_pushlstring(L, msg.data(), msg.size());
  lua_setfield(L, -2, "err");
}

// Redis's luaPushError format rules: "-CODE msg" keeps CODE, "-msg" and
// "msg" get ERR; trailing CR/LF trimmed.
std::string NormalizeError(std::string_view e) {
  std::string code = "ERR", msg;
  if (!e.empty() && e[0] == '-') {
    size_t sp = e.find(' ');
    if (sp == std::string_view::npos) {
      msg = std::string(e.substr(1));
    } else {
      code = std::string(e.substr(1, sp - 1));
      msg = std::string(e.substr(sp + 1));
    }
  } else {
    msg = std::string(e);
  }
  while (!msg.empty() && (msg.back() == '\r' || msg.back() == '\n')) msg.pop_back();
  return code + " " + msg;
}

int GlobalIndex(lua_State* L) {
  Scripting* self = Self(L);
  lua_rawgeti(L, LUA_REGISTRYINDEX,
              self->loading_library() ? self->load_globals_ref() : self->globals_ref());
  lua_pushvalue(L, 2);
  lua_rawget(L, -2);
  if (!lua_isnil(L, -1)) return 1;
  const char* k = lua_tostring(L, 2);
  return luaL_error(L, "Script attempted to access nonexistent global variable '%s'", k ? k : "?");
}

int ReadonlyError(lua_State* L) { return luaL_error(L, "Attempt to modify a readonly table"); }

// Index of a read-only library proxy: the real table is upvalue 1; a missing
// field is nil (Redis's library tables), except for the load-time `redis`
// table which errors like a missing global (upvalue 2 true).
int LibIndex(lua_State* L) {
  lua_pushvalue(L, 2);
  lua_rawget(L, lua_upvalueindex(1));
  if (!lua_isnil(L, -1) || !lua_toboolean(L, lua_upvalueindex(2))) return 1;
  const char* k = lua_tostring(L, 2);
  return luaL_error(L, "Script attempted to access nonexistent global variable '%s'", k ? k : "?");
}

// Replaces the table on top with an empty read-only proxy of it.
void MakeReadonlyProxy(lua_State* L, bool strict) {
  int real = lua_gettop(L);
  lua_newtable(L);  // proxy
  lua_newtable(L);  // metatable
  lua_pushvalue(L, real);
  lua_pushboolean(L, strict);
  lua_pushcclosure(L, LibIndex, 2);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, ReadonlyError);
  lua_setfield(L, -2, "__newindex");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  lua_replace(L, real);
}

// --- math.random as Redis 7.0: one rand48 sequence for the process's life,
// starting from rand48's default state (not reseeded per script; only
// math.randomseed changes it) -----------------------------------------------

int MathRandom(lua_State* L) {
  Scripting* self = Self(L);
  constexpr double kMax = 2147483647.0;
  double r = static_cast<double>(self->NextRand() % 2147483647u) / kMax;
  switch (lua_gettop(L)) {
    case 0:
      lua_pushnumber(L, r);
      break;
    case 1: {
      int u = luaL_checkint(L, 1);
      luaL_argcheck(L, 1 <= u, 1, "interval is empty");
      lua_pushnumber(L, std::floor(r * u) + 1);
      break;
    }
    case 2: {
      int l = luaL_checkint(L, 1);
      int u = luaL_checkint(L, 2);
      luaL_argcheck(L, l <= u, 2, "interval is empty");
      lua_pushnumber(L, std::floor(r * (u - l + 1)) + l);
      break;
    }
    default:
      return luaL_error(L, "wrong number of arguments");
  }
  return 1;
}

int MathRandomSeed(lua_State* L) {
  Self(L)->SeedRand(static_cast<uint32_t>(luaL_checkint(L, 1)));
  return 0;
}

int LuaSha1Hex(lua_State* L) {
  if (lua_gettop(L) != 1) {
    PushErrorTable(L, "ERR wrong number of arguments");
    return lua_error(L);
  }
  size_t len = 0;
  const char* s = lua_tolstring(L, 1, &len);
  if (!s) s = "";
  char hex[41];
  {
    std::string h = Sha1Hex(std::string_view(s, len));
    std::memcpy(hex, h.data(), 40);
  }
  lua_pushlstring(L, hex, 40);
  return 1;
}

int ReturnSingleFieldTable(lua_State* L, const char* field) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    PushErrorTable(L, "ERR wrong number or type of arguments");
    return 1;  // returned, not raised (Redis's behaviour)
  }
  lua_newtable(L);
  lua_pushvalue(L, 1);
  lua_setfield(L, -2, field);
  return 1;
}

int LuaStatusReply(lua_State* L) { return ReturnSingleFieldTable(L, "ok"); }

int LuaErrorReply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    PushErrorTable(L, "ERR wrong number or type of arguments");
    return 1;  // returned, not raised (Redis's behaviour)
  }
  size_t len = 0;
  const char* s = lua_tolstring(L, 1, &len);
  char buf[512];
  size_t n = 0;
  {
    std::string in(s, len);
    if (in.empty() || in[0] != '-') in.insert(0, "-");
    std::string e = NormalizeError(in);
    if (e.size() < sizeof(buf)) {
      std::memcpy(buf, e.data(), e.size());
      n = e.size();
    } else {
      lua_newtable(L);
      lua_pushlstring(L, e.data(), e.size());
      lua_setfield(L, -2, "err");
      return 1;
    }
  }
  PushErrorTable(L, std::string_view(buf, n));
  return 1;
}

int LuaNoop(lua_State* L) {
  (void)L;
  return 0;
}

int LuaReplicateCommands(lua_State* L) {
  lua_pushboolean(L, 1);
  return 1;
}

// pcall as Redis 7.0 replaces it: an error table carrying an `err` string
// (what redis.call raises) is handed to the caller as that string.
int LuaPcallWrapper(lua_State* L) {
  int argc = lua_gettop(L);
  if (argc == 0) {  // Redis's wrapper fails the call instead of raising
    lua_pushboolean(L, 0);
    lua_pushstring(L, "attempt to call a nil value");
    return 2;
  }
  lua_pushboolean(L, 1);
  lua_insert(L, 1);
  if (lua_pcall(L, argc - 1, LUA_MULTRET, 0) != 0) {
    lua_remove(L, 1);
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "err");
      if (lua_isstring(L, -1)) {
        lua_replace(L, -2);
      } else {
        lua_pop(L, 1);
      }
    }
    lua_pushboolean(L, 0);
    lua_insert(L, 1);
  }
  return lua_gettop(L);
}

constexpr const char* kErrHandler = R"(
local dbg = debug
__redis__err__handler = function(err)
  local i = dbg.getinfo(2,'nSl')
  if i and i.what == 'C' then
    i = dbg.getinfo(3,'nSl')
  end
  if type(err) ~= 'table' then
    err = {err='ERR ' .. tostring(err)}
  end
  if i then
    err['source'] = i.source
    err['line'] = i.currentline
  end
  return err
end
)";

}  // namespace

// --- the running script ---------------------------------------------------------

struct Scripting::RunState {
  commands::Client* caller = nullptr;
  std::string name;  // sha (EVAL) or function name
  bool is_function = false;
  uint32_t flags = 0;
  bool read_only = false;  // EVAL_RO / no-writes
  int lua_resp = 2;
  int repl_flags = 3;  // REPL_ALL
  int slot = -1;
  int64_t start_ms = 0;
  int64_t threshold_ms = 5000;
  bool busy = false;
  bool kill = false;
  uint64_t dirty_at_start = 0;
  bool pre_oom = false;              // over maxmemory when the script started
  std::vector<std::string> command;  // FCALL's words, for FUNCTION STATS
};

bool ParseFlagList(std::string_view list, uint32_t* flags, std::string* bad) {
  size_t i = 0;
  while (i <= list.size()) {
    size_t comma = list.find(',', i);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view f = list.substr(i, comma - i);
    if (f == "no-writes") {
      *flags |= kFlagNoWrites;
    } else if (f == "allow-oom") {
      *flags |= kFlagAllowOom;
    } else if (f == "allow-stale") {
      *flags |= kFlagAllowStale;
    } else if (f == "no-cluster") {
      *flags |= kFlagNoCluster;
    } else if (f == "allow-cross-slot-keys") {
      *flags |= kFlagAllowCrossSlot;
    } else if (!list.empty()) {  // "flags=" is no flag; an empty item is an error
      *bad = std::string(f);
      return false;
    }
    i = comma + 1;
  }
  return true;
}

std::vector<std::string> FlagNames(uint32_t flags) {
  std::vector<std::string> out;
  if (flags & kFlagNoWrites) out.push_back("no-writes");
  if (flags & kFlagAllowOom) out.push_back("allow-oom");
  if (flags & kFlagAllowStale) out.push_back("allow-stale");
  if (flags & kFlagNoCluster) out.push_back("no-cluster");
  if (flags & kFlagAllowCrossSlot) out.push_back("allow-cross-slot-keys");
  return out;
}

Scripting::Scripting(commands::Engine& engine) : engine_(engine) {
  lua_client_.authenticated = true;
  lua_client_.in_exec = true;  // blocking commands do not block
  lua_client_.id = UINT64_MAX;
  script_propagate_ = [this](int db, std::span<const std::string_view> args) {
    if (run_ && run_->repl_flags == 0) return;  // redis.set_repl(redis.REPL_NONE)
    if (outer_propagate_) outer_propagate_(db, args);
  };
  InitVm();
}

Scripting::~Scripting() {
  if (L_) lua_close(L_);
}

uint32_t Scripting::NextRand() {
  rand_state_ = (rand_state_ * 0x5DEECE66Dull + 0xB) & ((1ull << 48) - 1);
  return static_cast<uint32_t>(rand_state_ >> 17) & 0x7fffffffu;
}

void Scripting::SeedRand(uint32_t seed) {
  rand_state_ = (static_cast<uint64_t>(seed) << 16) | 0x330E;
}

size_t Scripting::lua_memory() const {
  return L_ ? static_cast<size_t>(lua_gc(L_, LUA_GCCOUNT, 0)) * 1024 +
                  static_cast<size_t>(lua_gc(L_, LUA_GCCOUNTB, 0))
            : 0;
}

size_t Scripting::scripts_memory() const {
  return scripts_body_bytes_ + scripts_.size() * (sizeof(Script) + 64);
}

namespace {
// Redis's bytesToHuman.
std::string HumanBytes(double n) {
  char buf[64];
  if (n < 1024) {
    snprintf(buf, sizeof(buf), "%lluB", static_cast<unsigned long long>(n));
  } else if (n < 1024.0 * 1024) {
    snprintf(buf, sizeof(buf), "%.2fK", n / 1024);
  } else if (n < 1024.0 * 1024 * 1024) {
    snprintf(buf, sizeof(buf), "%.2fM", n / (1024.0 * 1024));
  } else {
    snprintf(buf, sizeof(buf), "%.2fG", n / (1024.0 * 1024 * 1024));
  }
  return buf;
}
}  // namespace

std::vector<std::pair<std::string, std::string>> Scripting::InfoMemoryFields() const {
  size_t vm = lua_memory();
  size_t eval_bytes = scripts_memory();
  size_t fn_bytes = functions_memory();
  auto s = [](size_t v) { return std::to_string(v); };
  return {
      {"used_memory_lua", s(vm)},
      {"used_memory_vm_eval", s(vm)},
      {"used_memory_lua_human", HumanBytes(static_cast<double>(vm))},
      {"used_memory_scripts_eval", s(eval_bytes)},
      {"number_of_cached_scripts", s(scripts_.size())},
      {"number_of_functions", s(functions_.size())},
      {"number_of_libraries", s(libraries_.size())},
      {"used_memory_vm_functions", "0"},
      {"used_memory_vm_total", s(vm)},
      {"used_memory_vm_total_human", HumanBytes(static_cast<double>(vm))},
      {"used_memory_functions", s(fn_bytes)},
      {"used_memory_scripts", s(eval_bytes + fn_bytes)},
      {"used_memory_scripts_human", HumanBytes(static_cast<double>(eval_bytes + fn_bytes))},
  };
}

void Scripting::FeedMonitors(commands::Engine& engine, commands::Client& from,
                             std::span<const std::string_view> args, bool from_lua) {
  if (engine.monitors.empty() || !engine.feed_monitors) return;
  int64_t us = base::UnixUs();
  char head[64];
  snprintf(head, sizeof(head), "+%lld.%06lld [%d ", static_cast<long long>(us / 1000000),
           static_cast<long long>(us % 1000000), from.db);
  std::string line = head;
  line += from_lua ? "lua" : from.addr;
  line += ']';
  for (std::string_view a : args) {
    line += " \"";
    for (unsigned char c : a) {
      switch (c) {
        case '\\':
        case '"':
          line += '\\';
          line += static_cast<char>(c);
          break;
        case '\n':
          line += "\\n";
          break;
        case '\r':
          line += "\\r";
          break;
        case '\t':
          line += "\\t";
          break;
        default:
          if (c < 32 || c >= 127) {
            char hex[8];
            snprintf(hex, sizeof(hex), "\\x%02x", c);
            line += hex;
          } else {
            line += static_cast<char>(c);
          }
      }
    }
    line += '"';
  }
  line += "\r\n";
  engine.feed_monitors(from, line);
}

void Scripting::InitVm() {
  if (L_) lua_close(L_);
  L_ = luaL_newstate();
  lua_State* L = L_;
  const std::pair<const char*, lua_CFunction> kLibs[] = {
      {"", luaopen_base},
      {LUA_TABLIBNAME, luaopen_table},
      {LUA_STRLIBNAME, luaopen_string},
      {LUA_MATHLIBNAME, luaopen_math},
      {LUA_DBLIBNAME, luaopen_debug},
  };
  for (auto& [name, fn] : kLibs) {
    lua_pushcfunction(L, fn);
    lua_pushstring(L, name);
    lua_call(L, 1, 0);
  }
  lua_pushcfunction(L, luaopen_cjson);
  lua_call(L, 0, 1);
  lua_setglobal(L, "cjson");
  lua_pushcfunction(L, luaopen_bit);
  lua_call(L, 0, 1);
  lua_setglobal(L, "bit");
  OpenCmsgpack(L);
  lua_setglobal(L, "cmsgpack");
  OpenStruct(L);
  lua_setglobal(L, "struct");

  // math.random / math.randomseed with Redis's deterministic PRNG.
  lua_getglobal(L, "math");
  lua_pushlightuserdata(L, this);
  lua_pushcclosure(L, MathRandom, 1);
  lua_setfield(L, -2, "random");
  lua_pushlightuserdata(L, this);
  lua_pushcclosure(L, MathRandomSeed, 1);
  lua_setfield(L, -2, "randomseed");
  lua_pop(L, 1);

  lua_pushlightuserdata(L, this);  // for the instruction-count hook
  lua_setfield(L, LUA_REGISTRYINDEX, "__shoal_scripting");

  // The error handler (needs debug, which scripts do not get).
  luaL_loadbuffer(L, kErrHandler, std::strlen(kErrHandler), "@err_handler_def");
  lua_pcall(L, 0, 0, 0);

  lua_pushcfunction(L, LuaPcallWrapper);
  lua_setglobal(L, "pcall");

  // Globals scripts must not see.
  for (const char* name : {"loadfile", "dofile", "print", "setfenv", "getfenv", "newproxy",
                           "module", "require", "package", "io", "os", "debug"}) {
    lua_pushnil(L);
    lua_setglobal(L, name);
  }

  // The redis table.
  auto set_fn = [&](const char* name, lua_CFunction f, bool with_self) {
    if (with_self) {
      lua_pushlightuserdata(L, this);
      lua_pushcclosure(L, f, 1);
    } else {
      lua_pushcfunction(L, f);
    }
    lua_setfield(L, -2, name);
  };
  auto set_int = [&](const char* name, int v) {
    lua_pushnumber(L, v);
    lua_setfield(L, -2, name);
  };
  lua_newtable(L);
  set_fn("call", LuaCall, true);
  set_fn("pcall", LuaPcall, true);
  set_fn("log", LuaLog, true);
  set_fn("setresp", LuaSetResp, true);
  set_fn("set_repl", LuaSetRepl, true);
  set_fn("replicate_commands", LuaReplicateCommands, false);
  set_fn("breakpoint", LuaNoop, false);
  set_fn("debug", LuaNoop, false);
  set_fn("sha1hex", LuaSha1Hex, false);
  set_fn("acl_check_cmd", LuaAclCheckCmd, true);
  set_fn("error_reply", LuaErrorReply, false);
  set_fn("status_reply", LuaStatusReply, false);
  set_int("LOG_DEBUG", 0);
  set_int("LOG_VERBOSE", 1);
  set_int("LOG_NOTICE", 2);
  set_int("LOG_WARNING", 3);
  set_int("REPL_NONE", 0);
  set_int("REPL_AOF", 1);
  set_int("REPL_SLAVE", 2);
  set_int("REPL_REPLICA", 2);
  set_int("REPL_ALL", 3);
  lua_pushstring(L, kRedisVersion);
  lua_setfield(L, -2, "REDIS_VERSION");
  set_int("REDIS_VERSION_NUM", kRedisVersionNum);
  lua_setglobal(L, "redis");

  // The load-time globals of FUNCTION LOAD: a restricted redis table.
  lua_newtable(L);
  lua_newtable(L);
  set_fn("register_function", LuaRegisterFunction, true);
  set_fn("log", LuaLog, true);
  set_fn("setresp", LuaSetResp, true);
  set_int("LOG_DEBUG", 0);
  set_int("LOG_VERBOSE", 1);
  set_int("LOG_NOTICE", 2);
  set_int("LOG_WARNING", 3);
  lua_pushstring(L, kRedisVersion);
  lua_setfield(L, -2, "REDIS_VERSION");
  set_int("REDIS_VERSION_NUM", kRedisVersionNum);
  MakeReadonlyProxy(L, true);
  lua_setfield(L, -2, "redis");
  for (const char* lib : {"string", "math", "table", "cjson", "bit", "cmsgpack", "struct"}) {
    lua_getglobal(L, lib);
    MakeReadonlyProxy(L, false);
    lua_setfield(L, -2, lib);
  }
  for (const char* fn : {"tonumber", "tostring", "type", "pairs", "ipairs", "next", "select",
                         "unpack", "rawget", "rawset", "rawequal", "setmetatable", "getmetatable",
                         "assert", "pcall", "xpcall", "_VERSION"}) {
    lua_getglobal(L, fn);
    lua_setfield(L, -2, fn);
  }
  load_globals_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);

  // Read-only library tables, then a read-only proxy in place of _G.
  for (const char* lib :
       {"string", "math", "table", "cjson", "bit", "cmsgpack", "struct", "redis", "coroutine"}) {
    lua_getglobal(L, lib);
    MakeReadonlyProxy(L, false);
    lua_setglobal(L, lib);
  }
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  int real = lua_gettop(L);
  lua_newtable(L);  // proxy
  lua_newtable(L);  // metatable
  lua_pushlightuserdata(L, this);
  lua_pushcclosure(L, GlobalIndex, 1);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, ReadonlyError);
  lua_setfield(L, -2, "__newindex");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  lua_pushvalue(L, -1);
  lua_setfield(L, real, "_G");
  lua_replace(L, LUA_GLOBALSINDEX);
  globals_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);  // pops `real`
  lua_settop(L, 0);
}

// --- script cache ---------------------------------------------------------------

std::string Scripting::LoadScript(std::string_view body, std::string* sha) {
  *sha = Sha1Hex(body);
  if (scripts_.count(*sha)) return "";
  uint32_t flags = kFlagEvalCompat;
  if (body.substr(0, 2) == "#!") {
    size_t eol = body.find('\n');
    std::string_view line = body.substr(0, eol == std::string_view::npos ? body.size() : eol);
    size_t sp = line.find(' ');
    std::string_view engine =
        line.substr(2, sp == std::string_view::npos ? line.size() - 2 : sp - 2);
    if (engine != "lua") return "ERR Unexpected engine in script shebang: " + std::string(line);
    flags = 0;
    std::string_view rest = sp == std::string_view::npos ? "" : line.substr(sp + 1);
    while (!rest.empty()) {
      size_t next = rest.find(' ');
      std::string_view part = rest.substr(0, next);
      rest = next == std::string_view::npos ? "" : rest.substr(next + 1);
      if (part.empty()) continue;
      if (part.substr(0, 6) == "flags=") {
        std::string bad;
        if (!ParseFlagList(part.substr(6), &flags, &bad)) {
          return "ERR Unexpected flag in script shebang: " + bad;
        }
      } else {
        return "ERR Unknown lua shebang option: " + std::string(part);
      }
    }
    // The shebang line is blanked (its newline kept) so line numbers match.
  }
  std::string chunk(body);
  if (chunk.substr(0, 2) == "#!") chunk.erase(0, std::min(chunk.find('\n'), chunk.size()));
  if (luaL_loadbuffer(L_, chunk.data(), chunk.size(), "@user_script")) {
    std::string err = "ERR Error compiling script (new function): ";
    const char* m = lua_tostring(L_, -1);
    err += m ? m : "?";
    lua_pop(L_, 1);
    return err;
  }
  Script s;
  s.body = std::string(body);
  s.ref = luaL_ref(L_, LUA_REGISTRYINDEX);
  s.flags = flags;
  scripts_body_bytes_ += s.body.size();
  scripts_.emplace(*sha, std::move(s));
  return "";
}

void Scripting::FlushScripts() {
  for (auto& [sha, s] : scripts_) luaL_unref(L_, LUA_REGISTRYINDEX, s.ref);
  scripts_.clear();
  scripts_body_bytes_ = 0;
  lua_gc(L_, LUA_GCCOLLECT, 0);
}

void Scripting::Eval(commands::CommandContext& ctx, const std::string& sha, size_t numkeys,
                     bool ro_cmd) {
  auto it = scripts_.find(sha);
  if (it == scripts_.end())
    return ctx.reply().Error("NOSCRIPT No matching script. Please use EVAL.");
  Run(ctx, it->second.ref, sha, it->second.flags, numkeys, ro_cmd, false);
}

void Scripting::Fcall(commands::CommandContext& ctx, const FunctionInfo& fn, size_t numkeys,
                      bool ro_cmd) {
  Run(ctx, fn.ref, fn.name, fn.flags, numkeys, ro_cmd, true);
}

// Redis's scriptPrepareForRun checks for scripts that declared flags.
std::string Scripting::PrepareChecks(commands::CommandContext& ctx, uint32_t flags, bool ro_cmd,
                                     bool is_function) {
  (void)is_function;
  commands::Client& c = ctx.client();
  if (flags & kFlagEvalCompat) return "";
  if ((flags & kFlagNoCluster) && engine_.cluster_enabled) {
    return "ERR Can not run script on cluster, 'no-cluster' flag is set.";
  }
  if (!(flags & kFlagNoWrites)) {
    if (ro_cmd) return "ERR Can not execute a script with write flag using *_ro command.";
    if (engine_.role_replica && !c.is_master_link && engine_.config &&
        engine_.config->s.replica_read_only) {
      return commands::kErrReadOnly;
    }
    if (engine_.write_refusal && !c.is_master_link) {
      std::string e = engine_.write_refusal();
      if (!e.empty()) return e;
    }
    if (!(flags & kFlagAllowOom) && engine_.hot.maxmemory && !c.is_master_link &&
        !engine_.EvictIfNeeded()) {
      return std::string("-") + commands::kErrOom;
    }
  }
  return "";
}

void Scripting::Run(commands::CommandContext& ctx, int fn_ref, const std::string& name,
                    uint32_t flags, size_t numkeys, bool ro_cmd, bool is_function) {
  if (run_) return ctx.reply().Error("ERR a script is already running");
  {
    std::string err = PrepareChecks(ctx, flags, ro_cmd, is_function);
    if (!err.empty()) {
      if (err[0] == '-') err.erase(0, 1);
      return ctx.reply().Error(err);
    }
  }
  lua_State* L = L_;
  // One RunState is reused from run to run (no allocation per call).
  auto rs = spare_run_ ? std::move(spare_run_) : std::make_unique<RunState>();
  {
    // Fresh scalars; the strings keep their buffers.
    std::string keep_name = std::move(rs->name);
    std::vector<std::string> keep_command = std::move(rs->command);
    *rs = RunState();
    rs->name = std::move(keep_name);
    rs->command = std::move(keep_command);
  }
  rs->command.clear();
  rs->caller = &ctx.client();
  rs->name.assign(name);
  rs->is_function = is_function;
  rs->flags = flags;
  rs->read_only = ro_cmd || (flags & kFlagNoWrites);
  rs->start_ms = base::MonoMs();
  rs->threshold_ms = engine_.config ? engine_.config->s.busy_reply_threshold : 5000;
  rs->dirty_at_start = engine_.stats.dirty;
  rs->pre_oom = engine_.hot.maxmemory && !engine_.EvictIfNeeded();
  if (is_function) rs->command.assign(ctx.args().begin(), ctx.args().end());
  // The script's slot: the one of its declared keys (routing already checked
  // they share it).
  if (numkeys > 0 && engine_.cluster_enabled) rs->slot = base::KeyHashSlot(ctx.arg(3));
  run_ = std::move(rs);
  RunState& run = *run_;
  lua_client_.db = ctx.client().db;
  lua_client_.proto = 2;
  lua_client_.is_master_link = ctx.client().is_master_link;
  // The script's commands run as the caller's ACL user (Redis's
  // scriptPrepareForRun); our master's stream has none (runs anything).
  lua_client_.acl_user = ctx.client().acl_user;
  lua_client_.user = ctx.client().user;

  // The script's commands propagate through script_propagate_, which drops
  // them under redis.set_repl(redis.REPL_NONE) and hands the rest on to the
  // engine's own propagate (the dispatcher wraps more than one in
  // MULTI/EXEC). Swapped in and out without copying either function.
  outer_propagate_.swap(engine_.propagate);
  engine_.propagate.swap(script_propagate_);

  lua_settop(L, 0);
  lua_getglobal(L, "__redis__err__handler");
  lua_rawgeti(L, LUA_REGISTRYINDEX, fn_ref);
  auto push_array = [&](size_t from, size_t n) {
    lua_createtable(L, static_cast<int>(n), 0);
    for (size_t i = 0; i < n; i++) {
      std::string_view a = ctx.arg(from + i);
      lua_pushlstring(L, a.data(), a.size());
      lua_rawseti(L, -2, static_cast<int>(i + 1));
    }
  };
  size_t nargs = ctx.argc() - 3 - numkeys;
  int call_args = 0;
  if (is_function) {
    push_array(3, numkeys);
    push_array(3 + numkeys, nargs);
    call_args = 2;
  } else {
    lua_rawgeti(L, LUA_REGISTRYINDEX, globals_ref_);
    push_array(3, numkeys);
    lua_setfield(L, -2, "KEYS");
    push_array(3 + numkeys, nargs);
    lua_setfield(L, -2, "ARGV");
    lua_pop(L, 1);
  }
  lua_sethook(L, &Scripting::Hook, LUA_MASKCOUNT, 100000);
  int rc = lua_pcall(L, call_args, 1, 1);
  lua_sethook(L, nullptr, 0, 0);

  engine_.propagate.swap(script_propagate_);
  outer_propagate_.swap(engine_.propagate);
  if (rc == 0) {
    WriteLuaValue(L, ctx.reply(), run.lua_resp);
  } else {
    ReplyError(ctx, name);
  }
  lua_settop(L, 0);
  if (run.busy) {
    LOG_WARN("Slow script detected: {} finished after {} ms", name, base::MonoMs() - run.start_ms);
  }
  engine_.script_busy = 0;
  spare_run_ = std::move(run_);
  // Redis's LUA_GC_CYCLE_PERIOD: 50 collection steps every 50 runs, as a
  // step per run costs more for the same work.
  if (++gc_runs_ == kGcCyclePeriod) {
    lua_gc(L, LUA_GCSTEP, kGcCyclePeriod);
    gc_runs_ = 0;
  }
}

void Scripting::ReplyError(commands::CommandContext& ctx, const std::string& name) {
  lua_State* L = L_;
  if (!lua_istable(L, -1)) {
    const char* m = lua_tostring(L, -1);
    std::string msg = m ? m : "execution failure";
    return ctx.reply().Error("ERR Error running script " + name + ", " + msg.substr(0, 100));
  }
  lua_getfield(L, -1, "err");
  std::string err = lua_isstring(L, -1) ? lua_tostring(L, -1) : "";
  lua_pop(L, 1);
  lua_getfield(L, -1, "source");
  std::string source = lua_isstring(L, -1) ? lua_tostring(L, -1) : "";
  bool has_source = !lua_isnil(L, -1);
  lua_pop(L, 1);
  lua_getfield(L, -1, "line");
  std::string line = lua_isstring(L, -1) ? lua_tostring(L, -1) : "";
  bool has_line = !lua_isnil(L, -1);
  lua_pop(L, 1);
  if (has_source && has_line) {
    err += " script: " + name + ", on " + source + ":" + line + ".";
  }
  ctx.reply().Error(err);
}

// --- busy script -----------------------------------------------------------------

void Scripting::Hook(lua_State* L, lua_Debug* ar) {
  (void)ar;
  lua_getfield(L, LUA_REGISTRYINDEX, "__shoal_scripting");
  auto* self = static_cast<Scripting*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  if (self && self->loading_) {
    if (base::MonoMs() - self->load_start_ms_ > 500) {
      lua_sethook(L, &Scripting::Hook, LUA_MASKLINE, 0);
      PushErrorTable(L, "ERR FUNCTION LOAD timeout");
      lua_error(L);
    }
    return;
  }
  if (!self || !self->run_) return;
  RunState& run = *self->run_;
  int64_t elapsed = base::MonoMs() - run.start_ms;
  if (!run.busy && elapsed >= run.threshold_ms) {
    run.busy = true;
    self->engine_.script_busy = run.is_function ? 2 : 1;
    LOG_WARN(
        "Slow script detected: still in execution after {} milliseconds. You can try killing "
        "the script using the {} command. Script name is: {}.",
        elapsed, run.is_function ? "FUNCTION KILL" : "SCRIPT KILL", run.name);
  }
  if (run.busy && self->engine_.process_events_while_busy &&
      !self->engine_.process_events_while_busy()) {
    run.kill = true;  // the server is shutting down
  }
  if (run.kill) {
    lua_sethook(L, &Scripting::Hook, LUA_MASKLINE, 0);
    // Redis words it so for functions too.
    PushErrorTable(L, "ERR Script killed by user with SCRIPT KILL...");
    lua_error(L);
  }
}

std::string Scripting::Kill(bool function) {
  if (!run_ || !run_->busy) return "NOTBUSY No scripts in execution right now.";
  if (run_->is_function != function) {  // the other kind is running: its BUSY text
    return run_->is_function
               ? "BUSY Redis is busy running a script. You can only call FUNCTION KILL or "
                 "SHUTDOWN NOSAVE."
               : "BUSY Redis is busy running a script. You can only call SCRIPT KILL or "
                 "SHUTDOWN NOSAVE.";
  }
  if (run_->caller && run_->caller->is_master_link) {
    return "UNKILLABLE The busy script was sent by a master instance in the context of "
           "replication and cannot be killed.";
  }
  if (engine_.stats.dirty != run_->dirty_at_start) {
    return "UNKILLABLE Sorry the script already executed write commands against the dataset. "
           "You can either wait the script termination or kill the server in a hard way using "
           "the SHUTDOWN NOSAVE command.";
  }
  run_->kill = true;
  return "";
}

bool Scripting::RunningFunction(std::string* name, std::vector<std::string>* cmd,
                                int64_t* ms) const {
  if (!run_ || !run_->is_function) return false;
  *name = run_->name;
  *cmd = run_->command;
  *ms = base::MonoMs() - run_->start_ms;
  return true;
}

// --- redis.* -----------------------------------------------------------------------

int Scripting::LuaCall(lua_State* L) {
  int r = Self(L)->DoCall(L, true);
  if (r < 0) return lua_error(L);
  return r;
}

int Scripting::LuaPcall(lua_State* L) {
  int r = Self(L)->DoCall(L, false);
  return r < 0 ? 1 : r;
}

// The arguments 1..argc of a redis.* call as command words: strings as
// they are, numbers as "%.17g" (Redis's conversion); false on another type.
// *out's strings are reused (assigned, not rebuilt), so a caller that keeps
// the vector from call to call allocates only when an argument outgrows it.
static bool LuaCommandArgs(lua_State* L, int argc, std::vector<std::string>* out) {
  if (out->size() < static_cast<size_t>(argc)) out->resize(static_cast<size_t>(argc));
  for (int i = 1; i <= argc; i++) {
    std::string& w = (*out)[static_cast<size_t>(i - 1)];
    int t = lua_type(L, i);
    if (t == LUA_TNUMBER) {
      char buf[64];
      int n = snprintf(buf, sizeof(buf), "%.17g", lua_tonumber(L, i));
      w.assign(buf, static_cast<size_t>(n));
    } else if (t == LUA_TSTRING) {
      size_t len = 0;
      const char* s = lua_tolstring(L, i, &len);
      w.assign(s, len);
    } else {
      return false;
    }
  }
  out->resize(static_cast<size_t>(argc));
  return true;
}

// Returns the number of results, or -1 with the error table on top (to raise).
int Scripting::DoCall(lua_State* L, bool raise) {
  if (!run_) {
    PushErrorTable(L, "ERR redis.call/pcall can only be called inside a script invocation");
    return -1;
  }
  int argc = lua_gettop(L);
  if (argc == 0) {
    PushErrorTable(L, "ERR Please specify at least one argument for this redis lib call");
    return raise ? -1 : 1;
  }
  bool ok = true;
  bool is_error = false;
  {
    // call_args_/call_views_/call_reply_ keep their buffers between calls
    // (redis.call cannot nest: no command runs a script from a script).
    ok = LuaCommandArgs(L, argc, &call_args_);
    if (!ok) {
      PushErrorTable(L, "ERR Lua redis lib command arguments must be strings or integers");
      is_error = true;
    } else {
      call_views_.assign(call_args_.begin(), call_args_.end());
      call_reply_.clear();
      std::string err = Execute(call_views_, &call_reply_);
      if (!err.empty()) {
        PushErrorTable(L, err);
        is_error = true;
      } else if (!PushReply(L, call_reply_)) {
        PushErrorTable(L, "ERR reply could not be converted");
        is_error = true;
      } else if (lua_istable(L, -1)) {
        lua_getfield(L, -1, "err");
        is_error = lua_isstring(L, -1);
        lua_pop(L, 1);
      }
    }
  }
  if (is_error && raise) return -1;
  return 1;
}

std::string Scripting::Execute(std::span<const std::string_view> args, std::string* reply) {
  RunState& run = *run_;
  const commands::CommandSpec* spec = commands::LookupInvocation(args);
  auto arity_ok = [&](const commands::CommandSpec& s) {
    int a = s.arity;
    return (a > 0 && static_cast<size_t>(a) == args.size()) ||
           (a < 0 && args.size() >= static_cast<size_t>(-a));
  };
  if (!spec) return "ERR Unknown Redis command called from script";
  // A container with no handler of its own and no subcommand by args[1].
  if (spec->subcommands && args.size() >= 2 && !spec->handler) {
    return "ERR Unknown Redis command called from script";
  }
  if (!arity_ok(*spec) || (spec->parent && !arity_ok(*spec->parent))) {
    return "ERR Wrong number of args calling Redis command from script";
  }
  if (!spec->handler) return "ERR Wrong number of args calling Redis command from script";
  if (spec->flags & commands::kNoScript) return "ERR This Redis command is not allowed from script";
  if (lua_client_.acl_user) {
    int pos = 0;
    acl::Denied d = commands::AclCheck(engine_, lua_client_, *spec, args, &pos);
    if (d != acl::Denied::kOk) {
      commands::AclLogDenied(engine_, lua_client_, d, acl::LogContext::kLua, pos, *spec, args);
      return d == acl::Denied::kCommand
                 ? "ERR The user executing the script can't run this command or subcommand"
             : d == acl::Denied::kKey
                 ? "ERR The user executing the script can't access at least one of the keys "
                   "mentioned in the command arguments"
                 : "ERR The user executing the script can't publish to the channel mentioned in "
                   "the command";
    }
  }
  bool obey = run.caller && run.caller->is_master_link;
  if (spec->flags & commands::kWrite) {
    if (run.read_only) return "ERR Write commands are not allowed from read-only scripts.";
    if (!obey && engine_.role_replica && engine_.config && engine_.config->s.replica_read_only) {
      return commands::kErrReadOnly;
    }
    if (!obey && engine_.write_refusal) {
      std::string e = engine_.write_refusal();
      if (!e.empty()) return e;
    }
  }
  // Redis's scriptVerifyOOM: the memory state from before the script; once
  // the script has written it may go on (it must not stop half way).
  if ((spec->flags & commands::kDenyOom) && run.pre_oom && !obey && !(run.flags & kFlagAllowOom) &&
      engine_.stats.dirty == run.dirty_at_start) {
    return commands::kErrOom;
  }
  std::span<const std::string_view> v = args;
  if (!obey) {
    std::string e = ClusterCheck(*spec, v);
    if (!e.empty()) return e;
  }
  if (!(spec->flags & (commands::kSkipMonitor | commands::kAdmin))) {
    FeedMonitors(engine_, lua_client_, v, true);
  }
  resp::ReplyBuilder rb(reply);
  rb.set_protocol(run.lua_resp);
  lua_client_.proto = run.lua_resp;
  engine_.call_command(lua_client_, *spec, v, rb);
  return "";
}

std::string Scripting::ClusterCheck(const commands::CommandSpec& spec,
                                    std::span<const std::string_view> args) {
  if (!engine_.cluster_enabled || !engine_.cluster) return "";
  std::vector<int> keys = commands::KeyIndexes(spec, args);
  if (keys.empty()) return "";
  int slot = -1;
  for (int i : keys) {
    int s = base::KeyHashSlot(args[static_cast<size_t>(i)]);
    if (slot == -1) {
      slot = s;
    } else if (s != slot) {
      return "ERR Script attempted to access a non local key in a cluster node";
    }
  }
  const cluster::ClusterState& cs = *engine_.cluster;
  const cluster::NodeInfo* owner = cs.SlotOwner(slot);
  bool mine = owner && cs.IsMyself(owner);
  if (!mine && !(cs.ImportingFrom(slot) && run_->caller && run_->caller->asking)) {
    // A replica serves reads of its master's slots for READONLY clients.
    bool replica_read = run_->caller && run_->caller->readonly &&
                        !(spec.flags & commands::kWrite) && owner && cs.myself().master == owner;
    if (!replica_read) return "ERR Script attempted to access a non local key in a cluster node";
  }
  // EVAL scripts without a shebang may cross slots (Redis 7.0 compat mode).
  if (!(run_->flags & (kFlagAllowCrossSlot | kFlagEvalCompat))) {
    if (run_->slot == -1) {
      run_->slot = slot;
    } else if (run_->slot != slot) {
      return "ERR Script attempted to access keys that do not hash to the same slot";
    }
  }
  return "";
}

// redis.acl_check_cmd(command, args...): whether the script's caller may
// run that command with those arguments (Redis 7.0; no arity check there).
int Scripting::LuaAclCheckCmd(lua_State* L) {
  // lua_error longjmps: raised only once DoAclCheckCmd's C++ locals are gone.
  int r = Self(L)->DoAclCheckCmd(L);
  if (r < 0) return lua_error(L);
  return r;
}

// Returns 1 with the boolean pushed, or -1 with the error table on top.
int Scripting::DoAclCheckCmd(lua_State* L) {
  if (!run_) {
    PushErrorTable(L, "ERR redis.acl_check_cmd can only be called inside a script invocation");
    return -1;
  }
  int argc = lua_gettop(L);
  if (argc == 0) {
    PushErrorTable(L, "ERR Please specify at least one argument for this redis lib call");
    return -1;
  }
  std::vector<std::string> args;
  if (!LuaCommandArgs(L, argc, &args)) {
    PushErrorTable(L, "ERR Lua redis lib command arguments must be strings or integers");
    return -1;
  }
  const commands::CommandSpec* spec = commands::LookupCommand(args[0]);
  if (spec && spec->subcommands && args.size() >= 2) {
    spec = commands::LookupSubcommand(*spec, args[1]);
  }
  if (!spec) {
    PushErrorTable(L, "ERR Invalid command passed to redis.acl_check_cmd()");
    return -1;
  }
  bool ok = true;
  if (lua_client_.acl_user) {
    std::vector<std::string_view> av(args.begin(), args.end());
    int pos = 0;
    ok = commands::AclCheck(engine_, lua_client_, *spec, av, &pos) == acl::Denied::kOk;
  }
  lua_pushboolean(L, ok ? 1 : 0);
  return 1;
}

int Scripting::LuaSetResp(lua_State* L) {
  Scripting* self = Self(L);
  if (lua_gettop(L) != 1) {
    PushErrorTable(L, "ERR redis.setresp() requires one argument.");
    return lua_error(L);
  }
  int v = static_cast<int>(lua_tonumber(L, 1));
  if (v != 2 && v != 3) {
    PushErrorTable(L, "ERR RESP version must be 2 or 3.");
    return lua_error(L);
  }
  if (self->run_) self->run_->lua_resp = v;
  return 0;
}

int Scripting::LuaSetRepl(lua_State* L) {
  Scripting* self = Self(L);
  if (lua_gettop(L) != 1) {
    PushErrorTable(L, "ERR redis.set_repl() requires two arguments.");
    return lua_error(L);
  }
  int v = static_cast<int>(lua_tonumber(L, 1));
  if (v < 0 || v > 3) {
    PushErrorTable(L,
                   "ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or "
                   "REPL_NONE.");
    return lua_error(L);
  }
  if (self->run_) self->run_->repl_flags = v;
  return 0;
}

int Scripting::LuaLog(lua_State* L) {
  int argc = lua_gettop(L);
  if (argc < 2) {
    PushErrorTable(L, "ERR redis.log() requires two arguments or more.");
    return lua_error(L);
  }
  if (!lua_isnumber(L, 1)) {
    PushErrorTable(L, "ERR First argument must be a number (log level).");
    return lua_error(L);
  }
  int level = static_cast<int>(lua_tonumber(L, 1));
  if (level < 0 || level > 3) {
    PushErrorTable(L, "ERR Invalid debug level.");
    return lua_error(L);
  }
  {
    std::string msg;
    for (int i = 2; i <= argc; i++) {
      size_t len = 0;
      const char* s = lua_tolstring(L, i, &len);
      if (!s) continue;
      if (i > 2) msg += ' ';
      msg.append(s, len);
    }
    if (level >= 3) {
      LOG_WARN("{}", msg);
    } else if (level == 2) {
      LOG_INFO("{}", msg);
    } else {
      LOG_DEBUG("{}", msg);
    }
  }
  return 0;
}

}  // namespace node::script
