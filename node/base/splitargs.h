// node/base/splitargs.h
//
// Redis's line tokenizer and its inverse, shared by every reader of
// "redis.conf-style" text: inline commands (node/resp), redis.conf and
// CONFIG REWRITE (node/config), and the AOF manifest (node/persist).
// Written from the documented behaviour of sdssplitargs / sdscatrepr; no
// Redis code. Pure functions, any thread; untrusted input never crashes.

#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace node::base {

// Splits one line like sdssplitargs: leading whitespace (and NUL, which
// ends a C string for Redis) is skipped, an argument ends at a space, \n,
// \r, \t or NUL; "double quotes" understand
// \n \r \t \b \a \xHH and a backslash before any other byte; 'single
// quotes' only \'. A quote may open in the middle of an argument (a"b c"d
// is one argument). A closing quote must be followed by whitespace or the
// end of the line. Returns nullopt on unbalanced quotes; a blank line
// gives {}.
std::optional<std::vector<std::string>> SplitArgs(std::string_view line);

// Quotes like sdscatrepr: "..." with \\ \" \n \r \t \a \b escaped and other
// non-printable bytes as \xHH.
std::string QuoteArg(std::string_view s);

// Quotes only when needed (empty, whitespace, quotes, backslash,
// non-printable bytes), so plain words stay plain.
// SplitArgs(QuoteArgIfNeeded(s)) == {s} for every s.
std::string QuoteArgIfNeeded(std::string_view s);

}  // namespace node::base
