// node/config/config_text.h
//
// Text rules shared by the configuration table and its sources: splitting a
// redis.conf line into arguments (Redis's sdssplitargs quoting rules),
// quoting a value back for CONFIG REWRITE (sdscatrepr style), and Redis's
// memory units ("1k" = 1000, "1kb" = 1024, ... as memtoll reads them).
// Pure functions, any thread. Untrusted input never crashes: every error is
// a returned value.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "node/base/splitargs.h"

namespace node::config {

// The sdssplitargs tokenizer and sdscatrepr quoting live in node/base (the
// inline-command parser and the AOF manifest read the same syntax).
using base::QuoteArg;
using base::QuoteArgIfNeeded;
using base::SplitArgs;

// memtoll: a decimal integer with an optional unit, case-insensitive:
// b, k=1000, kb=1024, m=1000^2, mb=1024^2, g=1000^3, gb=1024^3.
// nullopt for anything else or on overflow. Negative numbers parse (callers
// that need a size reject them).
std::optional<int64_t> ParseMemory(std::string_view s);

// Memory value for CONFIG REWRITE: "1gb", "64mb", "1kb" when the value is an
// exact multiple, else plain bytes ("0", "1000").
std::string FormatMemoryUnits(int64_t bytes);

// yes/no, case-insensitive.
std::optional<bool> ParseYesNo(std::string_view s);

}  // namespace node::config
