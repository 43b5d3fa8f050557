// node/script/functions_lib.cc -- FUNCTION libraries of Scripting (see
// scripting.h): parsing the "#!lua name=<lib>" header, running the library
// code with the restricted load-time globals so that it can call
// redis.register_function, and replacing / restoring libraries atomically.
// Error texts as Redis 7.0.15.

#include <cstring>
#include <set>

extern "C" {
#include <lua5.1/lauxlib.h>
#include <lua5.1/lua.h>
}

#include "node/base/clock.h"
#include "node/base/strings.h"
#include "node/script/scripting.h"

namespace node::script {

struct Scripting::Loading {
  std::string library;
  std::vector<FunctionInfo> functions;
};

namespace {

constexpr const char* kErrBadName =
    "ERR Library names can only contain letters, numbers, or underscores(_) and must be at least "
    "one character long";

bool ValidName(std::string_view n) {
  if (n.empty()) return false;
  for (char c : n) {
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

void PushErr(lua_State* L, const char* msg) {
  lua_newtable(L);
  lua_pushstring(L, msg);
  lua_setfield(L, -2, "err");
}

}  // namespace

// redis.register_function(name, callback) or
// redis.register_function{function_name=, callback=, flags=, description=}.
int Scripting::LuaRegisterFunction(lua_State* L) {
  auto* self = static_cast<Scripting*>(lua_touserdata(L, lua_upvalueindex(1)));
  Loading* ld = self->loading_;
  const char* err = nullptr;
  int argc = lua_gettop(L);
  if (!ld) {
    err = "ERR redis.register_function can only be called on FUNCTION LOAD command";
  } else if (argc < 1 || argc > 2) {
    err = "ERR wrong number of arguments to redis.register_function";
  }
  std::string name, description;
  bool has_description = false;
  uint32_t flags = 0;
  int cb_index = 0;
  if (!err && argc == 2) {
    if (lua_type(L, 1) != LUA_TSTRING) {
      err = "ERR first argument to redis.register_function must be a string";
    } else if (lua_type(L, 2) != LUA_TFUNCTION) {
      err = "ERR second argument to redis.register_function must be a function";
    } else {
      name = lua_tostring(L, 1);
      cb_index = 2;
    }
  } else if (!err) {
    if (lua_type(L, 1) != LUA_TTABLE) {
      err =
          "ERR calling redis.register_function with a single argument is only applicable to Lua "
          "table (representing named arguments).";
    } else {
      lua_settop(L, 1);
      lua_pushnil(L);  // slot 2: the callback
      lua_pushnil(L);
      while (!err && lua_next(L, 1)) {
        const char* key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : nullptr;
        if (!key) {
          err = "ERR named argument key given to redis.register_function is not a string";
        } else if (!strcmp(key, "function_name")) {
          if (lua_type(L, -1) != LUA_TSTRING) {
            err = "ERR function_name argument given to redis.register_function must be a string";
          } else {
            name = lua_tostring(L, -1);
          }
        } else if (!strcmp(key, "description")) {
          if (lua_type(L, -1) != LUA_TSTRING) {
            err = "ERR description argument given to redis.register_function must be a string";
          } else {
            description = lua_tostring(L, -1);
            has_description = true;
          }
        } else if (!strcmp(key, "callback")) {
          if (lua_type(L, -1) != LUA_TFUNCTION) {
            err = "ERR callback argument given to redis.register_function must be a function";
          } else {
            lua_pushvalue(L, -1);
            lua_replace(L, 2);  // keep it at index 2
            cb_index = 2;
            // the stack now has the copy at 2; continue iterating
          }
        } else if (!strcmp(key, "flags")) {
          if (lua_type(L, -1) != LUA_TTABLE) {
            err =
                "ERR flags argument to redis.register_function must be a table representing "
                "function flags";
          } else {
            for (int i = 1;; i++) {
              lua_rawgeti(L, -1, i);
              if (lua_isnil(L, -1)) {
                lua_pop(L, 1);
                break;
              }
              uint32_t f = 0;
              std::string bad;
              if (lua_type(L, -1) != LUA_TSTRING || !ParseFlagList(lua_tostring(L, -1), &f, &bad) ||
                  f == 0) {
                err = "ERR unknown flag given";
              }
              flags |= f;
              lua_pop(L, 1);
              if (err) break;
            }
          }
        } else {
          err = "ERR unknown argument given to redis.register_function";
        }
        lua_pop(L, 1);
      }
      if (!err && name.empty() && cb_index == 0) {
        err = "ERR redis.register_function must get a function name argument";
      } else if (!err && cb_index == 0) {
        err = "ERR redis.register_function must get a callback argument";
      }
    }
  }
  if (!err && !ValidName(name)) err = kErrBadName;
  if (!err) {
    for (auto& f : ld->functions) {
      if (f.name == name) err = "ERR Function already exists in the library";
    }
  }
  if (!err) {
    FunctionInfo fi;
    fi.name = std::move(name);
    fi.library = ld->library;
    if (has_description) fi.description = std::move(description);
    fi.flags = flags;
    lua_pushvalue(L, cb_index);
    fi.ref = luaL_ref(L, LUA_REGISTRYINDEX);
    ld->functions.push_back(std::move(fi));
    return 0;
  }
  // Destroy C++ objects before unwinding.
  name.clear();
  name.shrink_to_fit();
  description.clear();
  description.shrink_to_fit();
  PushErr(L, err);
  return lua_error(L);
}

std::string Scripting::LoadLibrary(std::string_view code, bool replace, std::string* out_name) {
  if (code.substr(0, 2) != "#!") return "ERR Missing library metadata";
  size_t eol = code.find('\n');
  std::string_view line = code.substr(0, eol == std::string_view::npos ? code.size() : eol);
  std::vector<std::string> parts;
  {
    std::string_view rest = line.substr(2);
    while (!rest.empty()) {
      size_t sp = rest.find(' ');
      std::string_view p = rest.substr(0, sp);
      if (!p.empty()) parts.emplace_back(p);
      rest = sp == std::string_view::npos ? "" : rest.substr(sp + 1);
    }
  }
  if (parts.empty() || !base::EqualsIgnoreCase(parts[0], "lua")) {
    return "ERR Engine '" + (parts.empty() ? std::string() : parts[0]) + "' not found";
  }
  std::string name;
  bool have_name = false;
  for (size_t i = 1; i < parts.size(); i++) {
    if (parts[i].rfind("name=", 0) == 0) {
      name = parts[i].substr(5);
      have_name = true;
    } else {
      return "ERR Invalid metadata value given: " + parts[i];
    }
  }
  if (!have_name) return "ERR Library name was not given";
  if (!ValidName(name)) return kErrBadName;
  if (libraries_.count(name) && !replace) return "ERR Library '" + name + "' already exists";

  std::string chunk(code);
  chunk.erase(0, std::min(chunk.find('\n'), chunk.size()));  // keep line numbers
  lua_State* L = L_;
  lua_settop(L, 0);
  lua_getglobal(L, "__redis__err__handler");
  if (luaL_loadbuffer(L, chunk.data(), chunk.size(), "@user_function")) {
    std::string err = "ERR Error compiling function: ";
    const char* m = lua_tostring(L, -1);
    err += m ? m : "?";
    lua_settop(L, 0);
    return err;
  }
  Loading ld;
  ld.library = name;
  loading_ = &ld;
  load_start_ms_ = base::MonoMs();
  lua_sethook(L, &Scripting::Hook, LUA_MASKCOUNT, 100000);
  int rc = lua_pcall(L, 0, 0, 1);
  lua_sethook(L, nullptr, 0, 0);
  loading_ = nullptr;
  auto drop_new = [&] {
    for (auto& f : ld.functions) luaL_unref(L, LUA_REGISTRYINDEX, f.ref);
  };
  if (rc != 0) {
    std::string err = "ERR Error registering functions: ";
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "err");
      const char* m = lua_tostring(L, -1);
      err += m ? m : "?";
    } else {
      const char* m = lua_tostring(L, -1);
      err += m ? m : "?";
    }
    lua_settop(L, 0);
    drop_new();
    return err;
  }
  lua_settop(L, 0);
  if (ld.functions.empty()) return "ERR No functions registered";
  for (auto& f : ld.functions) {
    auto it = functions_.find(f.name);
    if (it != functions_.end() && it->second.library != name) {
      drop_new();
      return "ERR Function " + f.name + " already exists";
    }
  }
  DeleteLibrary(name);
  Library lib;
  lib.name = name;
  lib.code = std::string(code);
  for (auto& f : ld.functions) {
    lib.functions.push_back(f.name);
    functions_[f.name] = std::move(f);
  }
  libraries_[name] = std::move(lib);
  *out_name = name;
  return "";
}

bool Scripting::DeleteLibrary(std::string_view name) {
  auto it = libraries_.find(std::string(name));
  if (it == libraries_.end()) return false;
  for (auto& fn : it->second.functions) {
    auto f = functions_.find(fn);
    if (f == functions_.end()) continue;
    luaL_unref(L_, LUA_REGISTRYINDEX, f->second.ref);
    functions_.erase(f);
  }
  libraries_.erase(it);
  return true;
}

void Scripting::FlushLibraries() {
  for (auto& [n, f] : functions_) luaL_unref(L_, LUA_REGISTRYINDEX, f.ref);
  functions_.clear();
  libraries_.clear();
  lua_gc(L_, LUA_GCCOLLECT, 0);
}

std::vector<std::string> Scripting::LibraryCodes() const {
  std::vector<std::string> out;
  for (auto& [n, lib] : libraries_) out.push_back(lib.code);
  return out;
}

size_t Scripting::functions_memory() const {
  size_t n = 0;
  for (auto& [name, lib] : libraries_) n += lib.code.size() + name.size() + 64;
  for (auto& [name, f] : functions_) n += name.size() + 96;
  return n;
}

// All or nothing: on any error the previous libraries are put back.
std::string Scripting::RestoreLibraries(const std::vector<std::string>& codes, int policy) {
  // Set aside the current libraries (their Lua callbacks stay referenced).
  auto old_libs = std::move(libraries_);
  auto old_fns = std::move(functions_);
  libraries_.clear();
  functions_.clear();
  if (policy != 2) {  // APPEND / REPLACE start from the current set
    libraries_ = old_libs;
    for (auto& [n, f] : old_fns) {
      FunctionInfo copy = f;
      lua_rawgeti(L_, LUA_REGISTRYINDEX, f.ref);
      copy.ref = luaL_ref(L_, LUA_REGISTRYINDEX);  // own reference for the new set
      functions_[n] = std::move(copy);
    }
  }
  std::string err;
  std::set<std::string> seen;
  for (const auto& code : codes) {
    std::string name;
    err = LoadLibrary(code, policy == 1, &name);
    if (err.rfind("ERR Library '", 0) == 0) {
      // RESTORE words the collision without quotes (Redis's libraryJoin).
      std::erase(err, '\'');
    }
    if (!err.empty()) break;
    if (!seen.insert(name).second) {
      err = "ERR Library " + name + " already exists";
      break;
    }
  }
  auto drop = [&](std::map<std::string, FunctionInfo>& fns) {
    for (auto& [n, f] : fns) luaL_unref(L_, LUA_REGISTRYINDEX, f.ref);
  };
  if (!err.empty()) {
    drop(functions_);
    libraries_ = std::move(old_libs);
    functions_ = std::move(old_fns);
    return err;
  }
  drop(old_fns);
  return "";
}

}  // namespace node::script
