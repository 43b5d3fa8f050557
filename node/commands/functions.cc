// node/commands/functions.cc
//
// FUNCTION LOAD / DELETE / FLUSH / LIST / DUMP / RESTORE / STATS / KILL /
// HELP: argument checks and replies, Redis 7.0.15 texts. Libraries live in
// node/script (Engine::scripting). LOAD, DELETE, FLUSH and RESTORE are write
// commands and propagate as themselves. DUMP's payload is an RDB function
// record (persist::CreateFunctionDumpPayload); `redis-cli --cluster
// add-node` uses DUMP / LIST / RESTORE. Subcommand rows here, the container
// row in table_scripting.inc. Engine thread.

#include <string>
#include <vector>

#include "node/base/strings.h"
#include "node/commands/engine.h"
#include "node/commands/helpers.h"
#include "node/commands/scripting_handlers.h"
#include "node/persist/dump_payload.h"
#include "node/script/scripting.h"

namespace node::commands {

namespace {

constexpr const char* kErrNoEngine = "ERR scripting engine not available";

// addReplySubcommandSyntaxError: the subcommand as the client typed it.
void SubcommandSyntaxError(CommandContext& ctx) {
  ctx.reply().Error("ERR unknown subcommand or wrong number of arguments for '" +
                    std::string(ctx.arg(1).substr(0, 128)) + "'. Try FUNCTION HELP.");
}

}  // namespace

// clang-format off
CommandSpec kFunctionSubCommands[kFunctionSubCommandCount] = {
  {"delete", 3, kWrite | kNoScript, {}, &FunctionDelete, kAclScripting},
  {"dump", 2, kNoScript, {}, &FunctionDump, kAclScripting},
  {"flush", -2, kWrite | kNoScript, {}, &FunctionFlush, kAclScripting},
  {"help", 2, kLoading | kStale, {}, &FunctionHelp, kAclScripting},
  {"kill", 2, kNoScript | kAllowBusy, {}, &FunctionKill, kAclScripting},
  {"list", -2, kNoScript, {}, &FunctionList, kAclScripting},
  {"load", -3, kWrite | kDenyOom | kNoScript, {}, &FunctionLoad, kAclScripting},
  {"restore", -3, kWrite | kDenyOom | kNoScript, {}, &FunctionRestore, kAclScripting},
  {"stats", 2, kNoScript | kAllowBusy, {}, &FunctionStats, kAclScripting},
};
// clang-format on

// FUNCTION LOAD [REPLACE] code
void FunctionLoad(CommandContext& ctx) {
  auto* s = ctx.engine().scripting;
  if (!s) return ctx.reply().Error(kErrNoEngine);
  bool replace = false;
  for (size_t i = 2; i + 1 < ctx.argc(); i++) {
    if (Is(ctx.arg(i), "replace")) {
      replace = true;
    } else {
      return ctx.reply().Error("ERR Unknown option given: " + std::string(ctx.arg(i)));
    }
  }
  std::string name;
  std::string err = s->LoadLibrary(ctx.arg(ctx.argc() - 1), replace, &name);
  if (!err.empty()) return ctx.reply().Error(err);
  ctx.SetDirty();
  ctx.reply().Bulk(name);
}

// FUNCTION DELETE library-name
void FunctionDelete(CommandContext& ctx) {
  auto* s = ctx.engine().scripting;
  if (!s || !s->DeleteLibrary(ctx.arg(2))) return ctx.reply().Error("ERR Library not found");
  ctx.SetDirty();
  ctx.reply().Ok();
}

// FUNCTION DUMP
void FunctionDump(CommandContext& ctx) {
  auto* s = ctx.engine().scripting;
  ctx.reply().Bulk(
      persist::CreateFunctionDumpPayload(s ? s->LibraryCodes() : std::vector<std::string>{}));
}

// FUNCTION FLUSH [ASYNC|SYNC]
void FunctionFlush(CommandContext& ctx) {
  if (ctx.argc() > 3) return SubcommandSyntaxError(ctx);
  if (ctx.argc() == 3 && !Is(ctx.arg(2), "async") && !Is(ctx.arg(2), "sync")) {
    return ctx.reply().Error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
  }
  if (auto* s = ctx.engine().scripting) s->FlushLibraries();
  ctx.SetDirty();
  ctx.reply().Ok();
}

void FunctionHelp(CommandContext& ctx) {
  static const char* const kLines[] = {
      "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "LOAD [REPLACE] <FUNCTION CODE>",
      "    Create a new library with the given library name and code.",
      "DELETE <LIBRARY NAME>",
      "    Delete the given library.",
      "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
      "    Return general information on all the libraries:",
      "    * Library name",
      "    * The engine used to run the Library",
      "    * Library description",
      "    * Functions list",
      "    * Library code (if WITHCODE is given)",
      "    It also possible to get only function that matches a pattern using LIBRARYNAME "
      "argument.",
      "STATS",
      "    Return information about the current function running:",
      "    * Function name",
      "    * Command used to run the function",
      "    * Duration in MS that the function is running",
      "    If no function is running, return nil",
      "    In addition, returns a list of available engines.",
      "KILL",
      "    Kill the current running function.",
      "FLUSH [ASYNC|SYNC]",
      "    Delete all the libraries.",
      "    When called without the optional mode argument, the behavior is determined by the",
      "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
      "    * ASYNC: Asynchronously flush the libraries.",
      "    * SYNC: Synchronously flush the libraries.",
      "DUMP",
      "    Return a serialized payload representing the current libraries, can be restored using "
      "FUNCTION RESTORE command",
      "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
      "    Restore the libraries represented by the given payload, it is possible to give a "
      "restore policy to",
      "    control how to handle existing libraries (default APPEND):",
      "    * FLUSH: delete all existing libraries.",
      "    * APPEND: appends the restored libraries to the existing libraries. On collision, "
      "abort.",
      "    * REPLACE: appends the restored libraries to the existing libraries, On collision, "
      "replace the old",
      "      libraries with the new libraries (notice that even on this option there is a chance "
      "of failure",
      "      in case of functions name collision with another library).",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply().ArrayHeader(std::size(kLines));
  for (const char* l : kLines) ctx.reply().Simple(l);
}

// FUNCTION KILL
void FunctionKill(CommandContext& ctx) {
  auto* s = ctx.engine().scripting;
  std::string err = s ? s->Kill(true) : "NOTBUSY No scripts in execution right now.";
  if (!err.empty()) return ctx.reply().Error(err);
  ctx.reply().Ok();
}

// FUNCTION LIST [WITHCODE] [LIBRARYNAME pattern]
void FunctionList(CommandContext& ctx) {
  bool with_code = false, have_pattern = false;
  std::string_view pattern;
  for (size_t i = 2; i < ctx.argc(); i++) {
    if (Is(ctx.arg(i), "withcode") && !with_code) {
      with_code = true;
    } else if (Is(ctx.arg(i), "libraryname") && !have_pattern) {
      if (i + 1 >= ctx.argc()) {
        return ctx.reply().Error("ERR library name argument was not given");
      }
      have_pattern = true;
      pattern = ctx.arg(++i);
    } else {
      return ctx.reply().Error("ERR Unknown argument " + std::string(ctx.arg(i)));
    }
  }
  auto* s = ctx.engine().scripting;
  if (!s) return ctx.reply().ArrayHeader(0);
  auto& r = ctx.reply();
  size_t at = r.Deferred();
  size_t n = 0;
  for (auto& [name, lib] : s->libraries()) {
    if (have_pattern && !base::GlobMatch(pattern, name)) continue;
    n++;
    r.MapHeader(with_code ? 4 : 3);
    r.Bulk("library_name");
    r.Bulk(name);
    r.Bulk("engine");
    r.Bulk("LUA");
    r.Bulk("functions");
    r.ArrayHeader(lib.functions.size());
    for (auto& fname : lib.functions) {
      auto it = s->functions().find(fname);
      r.MapHeader(3);
      r.Bulk("name");
      r.Bulk(fname);
      r.Bulk("description");
      if (it != s->functions().end() && it->second.description) {
        r.Bulk(*it->second.description);
      } else {
        r.Null();
      }
      r.Bulk("flags");
      auto flags = script::FlagNames(it != s->functions().end() ? it->second.flags : 0);
      r.SetHeader(flags.size());
      for (auto& f : flags) r.Simple(f);
    }
    if (with_code) {
      r.Bulk("library_code");
      r.Bulk(lib.code);
    }
  }
  r.SetDeferredArray(at, n);
}

// FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE]: the policy is checked
// first, then the payload footer, then the records.
void FunctionRestore(CommandContext& ctx) {
  if (ctx.argc() > 4) return SubcommandSyntaxError(ctx);
  int policy = 0;  // APPEND
  if (ctx.argc() == 4) {
    if (Is(ctx.arg(3), "flush")) {
      policy = 2;
    } else if (Is(ctx.arg(3), "replace")) {
      policy = 1;
    } else if (!Is(ctx.arg(3), "append")) {
      return ctx.reply().Error(
          "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
    }
  }
  auto libs = persist::DecodeFunctionDumpPayload(ctx.arg(2));
  if (!libs) {
    constexpr std::string_view kNotAFunction = "ERR given type is not a function";
    const std::string& err = libs.error();
    if (err.rfind(kNotAFunction, 0) == 0) return ctx.reply().Error(kNotAFunction);
    return ctx.reply().Error(err);
  }
  auto* s = ctx.engine().scripting;
  if (!s) return ctx.reply().Error(kErrNoEngine);
  std::string err = s->RestoreLibraries(*libs, policy);
  if (!err.empty()) return ctx.reply().Error(err);
  ctx.SetDirty();
  ctx.reply().Ok();
}

// FUNCTION STATS
void FunctionStats(CommandContext& ctx) {
  auto* s = ctx.engine().scripting;
  auto& r = ctx.reply();
  r.MapHeader(2);
  r.Bulk("running_script");
  std::string name;
  std::vector<std::string> cmd;
  int64_t ms = 0;
  if (s && s->RunningFunction(&name, &cmd, &ms)) {
    r.MapHeader(3);
    r.Bulk("name");
    r.Bulk(name);
    r.Bulk("command");
    r.ArrayHeader(cmd.size());
    for (auto& a : cmd) r.Bulk(a);
    r.Bulk("duration_ms");
    r.Integer(ms);
  } else {
    r.Null();
  }
  r.Bulk("engines");
  r.MapHeader(1);
  r.Bulk("LUA");
  r.MapHeader(2);
  r.Bulk("libraries_count");
  r.Integer(s ? static_cast<int64_t>(s->libraries().size()) : 0);
  r.Bulk("functions_count");
  r.Integer(s ? static_cast<int64_t>(s->functions().size()) : 0);
}

}  // namespace node::commands
