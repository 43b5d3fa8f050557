// node/script/scripting.h
//
// The scripting engine: one Lua 5.1 VM set up as Redis 7.0 sets up its own
// (libraries, read-only globals, the `redis` table), the EVAL script cache,
// the FUNCTION libraries, and the state of the script that is running
// (busy-reply-threshold, SCRIPT/FUNCTION KILL). Commands a script issues go
// through Engine::call_command on a dedicated client after the checks Redis
// makes for scripts (noscript, read-only scripts, OOM, cluster slots); their
// writes are propagated as themselves, wrapped in MULTI/EXEC when more than
// one. Created by the server, used by the EVAL/SCRIPT/FCALL/FUNCTION
// handlers. Engine thread only.

#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "node/commands/client.h"
#include "node/commands/command.h"
#include "node/commands/engine.h"

struct lua_State;
struct lua_Debug;

namespace node::script {

// Shebang / register_function flags (Redis's SCRIPT_FLAG_*).
enum ScriptFlag : uint32_t {
  kFlagNoWrites = 1u << 0,
  kFlagAllowOom = 1u << 1,
  kFlagAllowStale = 1u << 2,
  kFlagNoCluster = 1u << 3,
  kFlagAllowCrossSlot = 1u << 4,
  kFlagEvalCompat = 1u << 5,  // EVAL script without a shebang
};

// Parses "no-writes,allow-oom,..." (one list) or fails with Redis's error.
bool ParseFlagList(std::string_view list, uint32_t* flags, std::string* bad);
// The flag names in Redis's order (FUNCTION LIST).
std::vector<std::string> FlagNames(uint32_t flags);

struct FunctionInfo {
  std::string name;
  std::string library;
  std::optional<std::string> description;
  uint32_t flags = 0;
  int ref = 0;  // Lua registry reference of the callback
};

struct Library {
  std::string name;
  std::string code;
  std::vector<std::string> functions;  // names, in registration order
};

class Scripting {
 public:
  explicit Scripting(commands::Engine& engine);
  ~Scripting();
  Scripting(const Scripting&) = delete;
  Scripting& operator=(const Scripting&) = delete;

  // --- EVAL script cache ---------------------------------------------------
  // Compiles and caches `body`; returns "" and sets *sha, or the error reply.
  std::string LoadScript(std::string_view body, std::string* sha);
  bool HasScript(std::string_view sha) const { return scripts_.count(std::string(sha)) != 0; }
  void FlushScripts();
  size_t num_scripts() const { return scripts_.size(); }
  size_t scripts_memory() const;
  size_t lua_memory() const;

  // Runs a cached script (EVAL/EVALSHA/_RO) for ctx's client; replies.
  void Eval(commands::CommandContext& ctx, const std::string& sha, size_t numkeys, bool ro_cmd);

  // --- FUNCTION libraries -----------------------------------------------------
  // FUNCTION LOAD: returns "" and sets *name, or the error reply text.
  std::string LoadLibrary(std::string_view code, bool replace, std::string* name);
  bool DeleteLibrary(std::string_view name);
  void FlushLibraries();
  const std::map<std::string, Library>& libraries() const { return libraries_; }
  const std::map<std::string, FunctionInfo>& functions() const { return functions_; }
  // Replaces or merges libraries from their codes (FUNCTION RESTORE, RDB
  // load). policy: 0 APPEND, 1 REPLACE, 2 FLUSH. Returns "" or the error.
  std::string RestoreLibraries(const std::vector<std::string>& codes, int policy);
  std::vector<std::string> LibraryCodes() const;
  size_t functions_memory() const;

  // INFO memory's scripting fields in Redis 7.0's order (used_memory_lua ...
  // used_memory_scripts_human), for the INFO command to splice in after
  // total_system_memory_human. One VM serves EVAL and FUNCTION here, so
  // used_memory_vm_functions is reported as 0 and vm_eval carries it all.
  std::vector<std::pair<std::string, std::string>> InfoMemoryFields() const;

  // Runs a function (FCALL/FCALL_RO); replies.
  void Fcall(commands::CommandContext& ctx, const FunctionInfo& fn, size_t numkeys, bool ro_cmd);

  // MONITOR line for a command: "[db addr]" for a client, "[db lua]" for
  // the commands a script issues (Redis shows EVAL/FCALL and then those).
  static void FeedMonitors(commands::Engine& engine, commands::Client& from,
                           std::span<const std::string_view> args, bool from_lua);

  // --- Running script -------------------------------------------------------
  bool running() const { return run_ != nullptr; }
  // SCRIPT KILL / FUNCTION KILL: "" when the kill was requested, else the
  // error reply text (NOTBUSY, UNKILLABLE, wrong kind).
  std::string Kill(bool function);
  // For FUNCTION STATS: name, command and duration of the running function.
  bool RunningFunction(std::string* name, std::vector<std::string>* cmd, int64_t* ms) const;

 private:
  struct RunState;
  struct Script {
    std::string body;
    int ref = 0;
    uint32_t flags = 0;
  };

  void InitVm();
  void Run(commands::CommandContext& ctx, int fn_ref, const std::string& name, uint32_t flags,
           size_t numkeys, bool ro_cmd, bool is_function);
  std::string PrepareChecks(commands::CommandContext& ctx, uint32_t flags, bool ro_cmd,
                            bool is_function);
  void ReplyError(commands::CommandContext& ctx, const std::string& name);

  // redis.* C functions (static trampolines find `this` in an upvalue).
  static int LuaCall(lua_State* L);
  static int LuaPcall(lua_State* L);
  static int LuaSetResp(lua_State* L);
  static int LuaAclCheckCmd(lua_State* L);
  int DoAclCheckCmd(lua_State* L);
  static int LuaSetRepl(lua_State* L);
  static int LuaLog(lua_State* L);
  static int LuaRegisterFunction(lua_State* L);
  static void Hook(lua_State* L, ::lua_Debug* ar);
  int DoCall(lua_State* L, bool raise);
  // Checks and runs one command; returns "" with *reply set, or the error.
  std::string Execute(std::span<const std::string_view> args, std::string* reply);
  std::string ClusterCheck(const commands::CommandSpec& spec,
                           std::span<const std::string_view> args);

  commands::Engine& engine_;
  lua_State* L_ = nullptr;
  std::map<std::string, Script> scripts_;
  size_t scripts_body_bytes_ = 0;
  std::map<std::string, Library> libraries_;
  std::map<std::string, FunctionInfo> functions_;
  commands::Client lua_client_;
  std::unique_ptr<RunState> run_;
  std::unique_ptr<RunState> spare_run_;  // the last run's state, reused
  // redis.call's scratch: argument words, their views, the reply bytes.
  std::vector<std::string> call_args_;
  std::vector<std::string_view> call_views_;
  std::string call_reply_;
  // While a script runs, engine_.propagate is script_propagate_ and the
  // engine's own function waits in outer_propagate_ (see Run).
  std::function<void(int, std::span<const std::string_view>)> script_propagate_, outer_propagate_;
  static constexpr int kGcCyclePeriod = 50;
  int gc_runs_ = 0;
  // Library being loaded (register_function collects here).
  struct Loading;
  Loading* loading_ = nullptr;
  int64_t load_start_ms_ = 0;                // FUNCTION LOAD's code runs for at most 500 ms
  uint64_t rand_state_ = 0x1234ABCD330Eull;  // rand48's unseeded state
  int globals_ref_ = 0;                      // registry ref of the real globals table
  int load_globals_ref_ = 0;                 // registry ref of FUNCTION LOAD's globals

 public:
  int globals_ref() const { return globals_ref_; }
  int load_globals_ref() const { return load_globals_ref_; }
  bool loading_library() const { return loading_ != nullptr; }
  // PRNG of math.random (Redis's rand48 sequence).
  uint32_t NextRand();
  void SeedRand(uint32_t seed);
};

}  // namespace node::script
