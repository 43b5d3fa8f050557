// node/commands/helpers.h
//
// Small helpers shared by command families: argument parsing with Redis's
// error replies, and typed key lookups that reply WRONGTYPE. Engine thread.

#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "node/base/strings.h"
#include "node/commands/command.h"
#include "node/commands/engine.h"
#include "node/commands/errors.h"
#include "node/db/keyspace.h"

namespace node::commands {

inline db::Keyspace& Db(CommandContext& ctx) { return ctx.engine().GetDb(ctx.client().db); }

// Parses an integer argument; replies kErrNotInteger (or `err`) on failure.
inline std::optional<int64_t> IntArg(CommandContext& ctx, size_t i,
                                     const char* err = kErrNotInteger) {
  auto v = base::ParseInt64(ctx.arg(i));
  if (!v) ctx.reply().Error(err);
  return v;
}

inline bool Is(std::string_view a, std::string_view b) { return base::EqualsIgnoreCase(a, b); }

// Looks up a key for reading; replies WRONGTYPE and returns nullptr with
// *wrongtype set when it holds another type.
inline db::Entry* LookupTyped(CommandContext& ctx, std::string_view key, db::ObjType type,
                              bool* wrongtype, bool write = false) {
  db::Entry* e = write ? Db(ctx).LookupWrite(key) : Db(ctx).LookupRead(key);
  *wrongtype = false;
  if (e && e->type != type) {
    *wrongtype = true;
    ctx.reply().Error(kErrWrongType);
    return nullptr;
  }
  return e;
}

// The string value of an entry (integers are rendered into buf[24]).
inline std::string_view StrVal(const db::Entry* e, char* buf) { return db::StringOf(e, buf); }

// Converts a relative or absolute expire argument to absolute unix ms.
// unit_ms: 1000 for seconds, 1 for ms; absolute: EXAT/PXAT forms. Replies
// "invalid expire time in '<cmd>' command" when out of range (<= 0 or
// overflowing), as Redis 7.0 does.
std::optional<int64_t> ExpireArg(CommandContext& ctx, std::string_view value, int64_t unit_ms,
                                 bool absolute, bool allow_zero_or_negative = false);

}  // namespace node::commands
