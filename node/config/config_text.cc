// node/config/config_text.cc
//
// See config_text.h. Written from the documented behaviour of redis.conf
// parsing (quoting, memory units); no Redis code.

#include "node/config/config_text.h"

#include <cctype>
#include <limits>

#include "node/base/strings.h"

namespace node::config {
std::optional<int64_t> ParseMemory(std::string_view s) {
  size_t digits_end = 0;
  while (digits_end < s.size() &&
         (s[digits_end] == '-' || (s[digits_end] >= '0' && s[digits_end] <= '9'))) {
    ++digits_end;
  }
  std::string_view unit = s.substr(digits_end);
  int64_t mul;
  if (unit.empty() || base::EqualsIgnoreCase(unit, "b")) {
    mul = 1;
  } else if (base::EqualsIgnoreCase(unit, "k")) {
    mul = 1000;
  } else if (base::EqualsIgnoreCase(unit, "kb")) {
    mul = 1024;
  } else if (base::EqualsIgnoreCase(unit, "m")) {
    mul = 1000 * 1000;
  } else if (base::EqualsIgnoreCase(unit, "mb")) {
    mul = 1024 * 1024;
  } else if (base::EqualsIgnoreCase(unit, "g")) {
    mul = 1000LL * 1000 * 1000;
  } else if (base::EqualsIgnoreCase(unit, "gb")) {
    mul = 1024LL * 1024 * 1024;
  } else {
    return std::nullopt;
  }
  auto v = base::ParseInt64(s.substr(0, digits_end));
  if (!v) return std::nullopt;
  int64_t out;
  if (__builtin_mul_overflow(*v, mul, &out)) return std::nullopt;
  return out;
}

std::string FormatMemoryUnits(int64_t bytes) {
  constexpr int64_t kGb = 1024LL * 1024 * 1024, kMb = 1024 * 1024, kKb = 1024;
  if (bytes == 0) return "0";
  if (bytes % kGb == 0) return std::to_string(bytes / kGb) + "gb";
  if (bytes % kMb == 0) return std::to_string(bytes / kMb) + "mb";
  if (bytes % kKb == 0) return std::to_string(bytes / kKb) + "kb";
  return std::to_string(bytes);
}

std::optional<bool> ParseYesNo(std::string_view s) {
  if (base::EqualsIgnoreCase(s, "yes")) return true;
  if (base::EqualsIgnoreCase(s, "no")) return false;
  return std::nullopt;
}

}  // namespace node::config
