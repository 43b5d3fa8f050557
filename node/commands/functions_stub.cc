// node/commands/functions_stub.cc
//
// A minimal FUNCTION family for a node without a scripting engine: the
// function set is always empty. It exists because `redis-cli --cluster
// add-node` sends FUNCTION DUMP to an existing node and, when that succeeds,
// FUNCTION LIST (expects an empty array) and FUNCTION RESTORE <payload>
// (expects +OK) to the new node (reference/cluster-commands.md §6.4), both
// when shoal is the new node and when it is the existing one.
//
// DUMP returns the payload of an empty set (persist's
// CreateFunctionDumpPayload); RESTORE accepts a payload holding no library
// and refuses one that holds libraries with a clear error. Argument checks
// and texts follow Redis 7.0.15. Rows: kFunctionSubs here, the container row
// in table_migrate.inc. Engine thread.

#include <string>
#include <vector>

#include "node/commands/helpers.h"
#include "node/commands/migrate_handlers.h"
#include "node/persist/dump_payload.h"

namespace node::commands {

namespace {

constexpr const char* kErrRestorePolicy =
    "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.";
constexpr const char* kErrNotAFunction = "ERR given type is not a function";
constexpr const char* kErrNoScripting =
    "ERR FUNCTION RESTORE of libraries is not supported: this node has no scripting engine "
    "(only an empty function set can be restored)";

// addReplySubcommandSyntaxError: the subcommand as the client typed it.
void SubcommandSyntaxError(CommandContext& ctx) {
  ctx.reply().Error("ERR unknown subcommand or wrong number of arguments for '" +
                    std::string(ctx.arg(1).substr(0, 128)) + "'. Try FUNCTION HELP.");
}

}  // namespace

// clang-format off
CommandSpec kFunctionSubs[kFunctionSubCount] = {
  {"dump", 2, kNoScript, {}, &FunctionDump, kAclScripting},
  {"flush", -2, kWrite | kNoScript, {}, &FunctionFlush, kAclScripting},
  {"help", 2, kLoading | kStale, {}, &FunctionHelp, kAclScripting},
  {"list", -2, kNoScript, {}, &FunctionList, kAclScripting},
  {"restore", -3, kWrite | kDenyOom | kNoScript, {}, &FunctionRestore, kAclScripting},
};
// clang-format on

// FUNCTION DUMP: the payload of the (always empty) function set.
void FunctionDump(CommandContext& ctx) { ctx.reply().Bulk(persist::CreateFunctionDumpPayload({})); }

// FUNCTION FLUSH [ASYNC|SYNC]: nothing to flush.
void FunctionFlush(CommandContext& ctx) {
  if (ctx.argc() > 3) return SubcommandSyntaxError(ctx);
  if (ctx.argc() == 3 && !Is(ctx.arg(2), "async") && !Is(ctx.arg(2), "sync")) {
    return ctx.reply().Error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
  }
  ctx.NoPropagate();
  ctx.reply().Ok();
}

// FUNCTION HELP: the subcommands this node implements.
void FunctionHelp(CommandContext& ctx) {
  static const char* const kLines[] = {
      "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DUMP",
      "    Return a serialized payload representing the current functions (always empty here).",
      "FLUSH [ASYNC|SYNC]",
      "    Delete all the libraries (there are none here).",
      "LIST [WITHCODE] [LIBRARYNAME <PATTERN>]",
      "    Return general information on all the libraries (always an empty array here).",
      "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
      "    Restore a payload produced by FUNCTION DUMP; only an empty set is accepted here.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply().ArrayHeader(std::size(kLines));
  for (const char* l : kLines) ctx.reply().Simple(l);
}

// FUNCTION LIST [WITHCODE] [LIBRARYNAME pattern]: always an empty array, after
// Redis's option checks.
void FunctionList(CommandContext& ctx) {
  bool with_code = false, have_pattern = false;
  for (size_t i = 2; i < ctx.argc(); i++) {
    if (Is(ctx.arg(i), "withcode") && !with_code) {
      with_code = true;
    } else if (Is(ctx.arg(i), "libraryname") && !have_pattern) {
      if (i + 1 >= ctx.argc()) {
        return ctx.reply().Error("ERR library name argument was not given");
      }
      have_pattern = true;
      i++;
    } else {
      return ctx.reply().Error("ERR Unknown argument " + std::string(ctx.arg(i)));
    }
  }
  ctx.reply().ArrayHeader(0);
}

// FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE]: the policy is checked
// first, then the payload footer, then the records.
void FunctionRestore(CommandContext& ctx) {
  if (ctx.argc() > 4) return SubcommandSyntaxError(ctx);
  if (ctx.argc() == 4 && !Is(ctx.arg(3), "flush") && !Is(ctx.arg(3), "append") &&
      !Is(ctx.arg(3), "replace")) {
    return ctx.reply().Error(kErrRestorePolicy);
  }
  auto libs = persist::DecodeFunctionDumpPayload(ctx.arg(2));
  if (!libs) {
    const std::string& err = libs.error();
    if (err.rfind(kErrNotAFunction, 0) == 0) return ctx.reply().Error(kErrNotAFunction);
    return ctx.reply().Error(err);
  }
  if (!libs->empty()) return ctx.reply().Error(kErrNoScripting);
  // An empty set changes nothing (FLUSH of an empty set is a no-op too).
  ctx.NoPropagate();
  ctx.reply().Ok();
}

}  // namespace node::commands
