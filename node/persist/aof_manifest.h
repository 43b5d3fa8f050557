// node/persist/aof_manifest.h
//
// Redis 7's multi-part AOF manifest (appendonly.aof.manifest): one line per
// file, "file <name> seq <n> type <b|h|i>", base first, then history, then the
// incremental files in sequence order. Names that need it are written quoted
// (like sdscatrepr) and quoted names are accepted on read. Used by the AOF
// writer/loader; pure, any thread.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "node/base/result.h"

namespace node::persist {

struct AofFileInfo {
  std::string name;
  int64_t seq = 0;
  char type = 'i';  // 'b' base, 'h' history, 'i' incremental
  bool operator==(const AofFileInfo&) const = default;
};

struct AofManifest {
  std::optional<AofFileInfo> base;
  std::vector<AofFileInfo> history;
  std::vector<AofFileInfo> incrs;  // ascending seq
};

// Errors: malformed lines, unknown types, two bases, non-increasing incr seqs.
base::Result<AofManifest> ParseAofManifest(std::string_view text);
std::string FormatAofManifest(const AofManifest& m);

}  // namespace node::persist
