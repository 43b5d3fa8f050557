// node/commands/command_docs.h
//
// The documentation of every command, as COMMAND DOCS serves it: one row per
// full command name ("get", "client|kill") in command_docs.inc. Only COMMAND
// DOCS reads it (never the dispatch path). The argument tree of a row is a
// short text (grammar in command_docs.cc) parsed when a reply is built.

#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "node/commands/command.h"
#include "node/resp/reply.h"

namespace node::commands {

enum DocFlag : uint8_t {
  kDocDeprecated = 1u << 0,
  kDocSyscmd = 1u << 1,
};

struct DocRow {
  const char* name;   // full name, lowercase; rows sorted by it
  const char* group;  // nullptr: shoal's own command (group and since from its table row)
  const char* since;
  const char* summary;
  const char* complexity =
      nullptr;                    // nullptr: no complexity field (as Redis for MONITOR, SYNC ...)
  const char* history = nullptr;  // "version text" lines separated by '\n'; nullptr: none
  const char* args = nullptr;     // argument tree (see command_docs.cc); nullptr: no arguments
  uint8_t doc_flags = 0;          // DocFlag bits
  const char* deprecated_since = nullptr;
  const char* replaced_by = nullptr;
};

// All rows, sorted by name.
std::span<const DocRow> DocRows();
// The row of a full command name; nullptr when there is none.
const DocRow* FindDocRow(std::string_view full_name);

// One argument of the tree, as parsed from a row's `args` text.
enum DocArgFlag : uint8_t {
  kArgOptional = 1u << 0,
  kArgMultiple = 1u << 1,
  kArgMultipleToken = 1u << 2,
};
struct DocArg {
  std::string_view name;
  std::string_view type;  // Redis's type names: key, string, integer, ..., oneof, block
  int key_spec_index = -1;
  bool has_token = false;  // the token may be empty
  std::string_view token;
  std::string_view since;
  std::string_view deprecated_since;
  uint8_t flags = 0;  // DocArgFlag bits
  std::vector<DocArg> args;
};
// Parses an argument tree text; false (and `out` unspecified) when malformed.
bool ParseDocArgs(std::string_view text, std::vector<DocArg>& out);

// The COMMAND DOCS map of one command (RESP2 flat pairs, RESP3 map), with its
// subcommands.
void ReplyCommandDocs(resp::ReplyBuilder& r, const CommandSpec& c);

}  // namespace node::commands
