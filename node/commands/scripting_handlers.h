// node/commands/scripting_handlers.h
//
// Handlers of scripting (EVAL family, SCRIPT, FUNCTION, FCALL), declared for
// the command table (rows in table_scripting.inc; scripting.cc and
// functions.cc; the Lua engine itself is node/script). Engine thread only.

#pragma once

#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "node/commands/command.h"

namespace node::commands {

void Eval(CommandContext&);
void EvalSha(CommandContext&);
void EvalRo(CommandContext&);
void EvalShaRo(CommandContext&);
// Key positions of EVAL-like commands: numkeys at 2, keys from 3.
std::vector<int> EvalKeys(std::span<const std::string_view> args);

void ScriptExists(CommandContext&);
void ScriptFlush(CommandContext&);
void ScriptHelp(CommandContext&);
void ScriptKill(CommandContext&);
void ScriptLoad(CommandContext&);
void ScriptDebug(CommandContext&);

void Fcall(CommandContext&);
void FcallRo(CommandContext&);
void FunctionLoad(CommandContext&);
void FunctionDelete(CommandContext&);
void FunctionDump(CommandContext&);
void FunctionFlush(CommandContext&);
void FunctionHelp(CommandContext&);
void FunctionKill(CommandContext&);
void FunctionList(CommandContext&);
void FunctionRestore(CommandContext&);
void FunctionStats(CommandContext&);

inline constexpr size_t kScriptSubCommandCount = 6;
extern CommandSpec kScriptSubCommands[kScriptSubCommandCount];
inline constexpr size_t kFunctionSubCommandCount = 9;
extern CommandSpec kFunctionSubCommands[kFunctionSubCommandCount];

}  // namespace node::commands
