// node/commands/scripting.cc
//
// EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT: argument checks and
// replies; the Lua engine (script cache, running, the redis.* API) is
// node/script/scripting.h, reached through Engine::scripting. Rows in
// table_scripting.inc (SCRIPT's subcommands here). Engine thread.

#include "node/script/scripting.h"

#include "node/base/strings.h"
#include "node/commands/engine.h"
#include "node/commands/helpers.h"
#include "node/commands/scripting_handlers.h"

namespace node::commands {

namespace {

constexpr const char* kErrNoEngine = "ERR scripting engine not available";

// numkeys at argv[2], checked as Redis's evalGenericCommand does; replies
// and returns nullopt on error.
std::optional<size_t> NumKeys(CommandContext& ctx, const char* not_int = kErrNotInteger) {
  auto n = base::ParseInt64(ctx.arg(2));
  if (!n) {
    ctx.reply().Error(not_int);
    return std::nullopt;
  }
  if (*n > static_cast<int64_t>(ctx.argc() - 3)) {
    ctx.reply().Error("ERR Number of keys can't be greater than number of args");
    return std::nullopt;
  }
  if (*n < 0) {
    ctx.reply().Error("ERR Number of keys can't be negative");
    return std::nullopt;
  }
  return static_cast<size_t>(*n);
}

void EvalGeneric(CommandContext& ctx, bool by_sha, bool ro) {
  // EVAL is skip_monitor in the table yet Redis shows it before the
  // commands it runs.
  script::Scripting::FeedMonitors(ctx.engine(), ctx.client(), ctx.args(), false);
  auto* s = ctx.engine().scripting;
  if (!s) return ctx.reply().Error(kErrNoEngine);
  auto numkeys = NumKeys(ctx);
  if (!numkeys) return;
  std::string sha;
  if (by_sha) {
    sha = std::string(ctx.arg(1));
  } else {
    std::string err = s->LoadScript(ctx.arg(1), &sha);
    if (!err.empty()) return ctx.reply().Error(err);
  }
  s->Eval(ctx, sha, *numkeys, ro);
}

}  // namespace

// clang-format off
CommandSpec kScriptSubCommands[kScriptSubCommandCount] = {
  {"debug", 3, kNoScript, {}, &ScriptDebug, kAclScripting},
  {"exists", -3, kNoScript, {}, &ScriptExists, kAclScripting},
  {"flush", -2, kNoScript, {}, &ScriptFlush, kAclScripting},
  {"help", 2, kLoading | kStale, {}, &ScriptHelp, kAclScripting},
  {"kill", 2, kNoScript | kAllowBusy, {}, &ScriptKill, kAclScripting},
  {"load", 3, kNoScript | kStale, {}, &ScriptLoad, kAclScripting},
};
// clang-format on

std::vector<int> EvalKeys(std::span<const std::string_view> args) {
  std::vector<int> out;
  if (args.size() < 3) return out;
  auto n = base::ParseInt64(args[2]);
  if (!n || *n <= 0 || *n > static_cast<int64_t>(args.size()) - 3) return out;
  for (int i = 0; i < *n; i++) out.push_back(3 + i);
  return out;
}

// EVAL script numkeys [key ...] [arg ...]
void Eval(CommandContext& ctx) { EvalGeneric(ctx, false, false); }
void EvalSha(CommandContext& ctx) { EvalGeneric(ctx, true, false); }
void EvalRo(CommandContext& ctx) { EvalGeneric(ctx, false, true); }
void EvalShaRo(CommandContext& ctx) { EvalGeneric(ctx, true, true); }

// SCRIPT EXISTS sha1 [sha1 ...]
void ScriptExists(CommandContext& ctx) {
  auto* s = ctx.engine().scripting;
  ctx.reply().ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); i++) ctx.reply().Integer(s && s->HasScript(ctx.arg(i)));
}

// SCRIPT FLUSH [ASYNC|SYNC]
void ScriptFlush(CommandContext& ctx) {
  if (ctx.argc() > 3 || (ctx.argc() == 3 && !Is(ctx.arg(2), "sync") && !Is(ctx.arg(2), "async"))) {
    return ctx.reply().Error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
  }
  if (auto* s = ctx.engine().scripting) s->FlushScripts();
  ctx.reply().Ok();
}

void ScriptHelp(CommandContext& ctx) {
  static const char* const kLines[] = {
      "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DEBUG (YES|SYNC|NO)",
      "    Set the debug mode for subsequent scripts executed.",
      "EXISTS <sha1> [<sha1> ...]",
      "    Return information about the existence of the scripts in the script cache.",
      "FLUSH [ASYNC|SYNC]",
      "    Flush the Lua scripts cache. Very dangerous on replicas.",
      "    When called without the optional mode argument, the behavior is determined by the",
      "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
      "    * ASYNC: Asynchronously flush the scripts cache.",
      "    * SYNC: Synchronously flush the scripts cache.",
      "KILL",
      "    Kill the currently executing Lua script.",
      "LOAD <script>",
      "    Load a script into the scripts cache without executing it.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply().ArrayHeader(std::size(kLines));
  for (const char* l : kLines) ctx.reply().Simple(l);
}

// SCRIPT KILL
void ScriptKill(CommandContext& ctx) {
  auto* s = ctx.engine().scripting;
  std::string err = s ? s->Kill(false) : "NOTBUSY No scripts in execution right now.";
  if (!err.empty()) return ctx.reply().Error(err);
  ctx.reply().Ok();
}

// SCRIPT LOAD script
void ScriptLoad(CommandContext& ctx) {
  auto* s = ctx.engine().scripting;
  if (!s) return ctx.reply().Error(kErrNoEngine);
  std::string sha;
  std::string err = s->LoadScript(ctx.arg(2), &sha);
  if (!err.empty()) return ctx.reply().Error(err);
  ctx.reply().Bulk(sha);
}

// SCRIPT DEBUG: the Lua debugger (LDB) is not implemented.
void ScriptDebug(CommandContext& ctx) {
  if (!Is(ctx.arg(2), "yes") && !Is(ctx.arg(2), "sync") && !Is(ctx.arg(2), "no")) {
    return ctx.reply().Error("ERR Use SCRIPT DEBUG YES/SYNC/NO");
  }
  if (Is(ctx.arg(2), "no")) return ctx.reply().Ok();
  ctx.reply().Error("ERR SCRIPT DEBUG is not supported by this server");
}

// --- FCALL / FCALL_RO (functions.cc holds FUNCTION) ---------------------------

namespace {
void FcallGeneric(CommandContext& ctx, bool ro) {
  script::Scripting::FeedMonitors(ctx.engine(), ctx.client(), ctx.args(), false);
  auto* s = ctx.engine().scripting;
  if (!s) return ctx.reply().Error(kErrNoEngine);
  auto it = s->functions().find(std::string(ctx.arg(1)));
  if (it == s->functions().end()) return ctx.reply().Error("ERR Function not found");
  auto numkeys = NumKeys(ctx, "ERR Bad number of keys provided");
  if (!numkeys) return;
  script::FunctionInfo fn = it->second;  // the library may be replaced while it runs
  s->Fcall(ctx, fn, *numkeys, ro);
}
}  // namespace

// FCALL function numkeys [key ...] [arg ...]
void Fcall(CommandContext& ctx) { FcallGeneric(ctx, false); }
void FcallRo(CommandContext& ctx) { FcallGeneric(ctx, true); }

}  // namespace node::commands
