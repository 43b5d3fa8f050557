// node/base/strings.h
//
// Number parsing and formatting with Redis's exact rules (util.c), ASCII case
// helpers and Redis's glob matcher. Pure functions, any thread.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace node::base {

// string2ll rules: optional '-', digits, no '+', no spaces, no leading zeros
// (except "0"), must fit int64.
std::optional<int64_t> ParseInt64(std::string_view s);
std::optional<uint64_t> ParseUint64(std::string_view s);

// Redis's getDoubleFromObject / getLongDoubleFromObject: strtod semantics,
// no leading space, whole string consumed, NaN rejected. "inf"/"-inf" ok.
std::optional<double> ParseDouble(std::string_view s);
std::optional<long double> ParseLongDouble(std::string_view s);

// Appends the decimal form of v.
void AppendInt64(std::string& out, int64_t v);
std::string Int64ToString(int64_t v);

// "%.17g" as Redis 7.0 prints doubles (inf / -inf / nan spelled so).
std::string FormatDouble(double v);
// Redis's "human" long double (INCRBYFLOAT): %.17Lf with trailing zeros and
// a trailing dot removed.
std::string FormatLongDoubleHuman(long double v);

// ASCII-only helpers.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::string ToLower(std::string_view s);
std::string ToUpper(std::string_view s);

// Redis's stringmatchlen: glob with * ? [a-z] [^x] and \ escapes.
bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase = false);

}  // namespace node::base
