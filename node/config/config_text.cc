// node/config/config_text.cc
//
// See config_text.h. Written from the documented behaviour of redis.conf
// parsing (quoting, memory units); no Redis code.

#include "node/config/config_text.h"

#include <cctype>
#include <limits>

#include "node/base/strings.h"

namespace node::config {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\0'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::vector<std::string>> SplitArgs(std::string_view line) {
  std::vector<std::string> out;
  size_t i = 0;
  const size_t n = line.size();
  while (true) {
    while (i < n && IsBlank(line[i])) ++i;
    if (i >= n) return out;
    std::string cur;
    bool in_dq = false, in_sq = false, done = false;
    while (!done) {
      if (in_dq) {
        if (i >= n) return std::nullopt;  // unterminated quotes
        char c = line[i];
        if (c == '\\' && i + 3 < n && line[i + 1] == 'x' && HexValue(line[i + 2]) >= 0 &&
            HexValue(line[i + 3]) >= 0) {
          cur.push_back(static_cast<char>(HexValue(line[i + 2]) * 16 + HexValue(line[i + 3])));
          i += 3;
        } else if (c == '\\' && i + 1 < n) {
          char e = line[++i];
          switch (e) {
            case 'n':
              cur.push_back('\n');
              break;
            case 'r':
              cur.push_back('\r');
              break;
            case 't':
              cur.push_back('\t');
              break;
            case 'b':
              cur.push_back('\b');
              break;
            case 'a':
              cur.push_back('\a');
              break;
            default:
              cur.push_back(e);
              break;
          }
        } else if (c == '"') {
          // The closing quote must be followed by a blank or the end.
          if (i + 1 < n && !IsBlank(line[i + 1])) return std::nullopt;
          done = true;
        } else {
          cur.push_back(c);
        }
      } else if (in_sq) {
        if (i >= n) return std::nullopt;
        char c = line[i];
        if (c == '\\' && i + 1 < n && line[i + 1] == '\'') {
          ++i;
          cur.push_back('\'');
        } else if (c == '\'') {
          if (i + 1 < n && !IsBlank(line[i + 1])) return std::nullopt;
          done = true;
        } else {
          cur.push_back(c);
        }
      } else {
        if (i >= n) {
          done = true;
          break;
        }
        char c = line[i];
        if (IsBlank(c)) {
          done = true;
        } else if (c == '"') {
          in_dq = true;
        } else if (c == '\'') {
          in_sq = true;
        } else {
          cur.push_back(c);
        }
      }
      if (i < n) ++i;
    }
    out.push_back(std::move(cur));
  }
}

std::string QuoteArg(std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      default:
        if (std::isprint(c)) {
          out.push_back(static_cast<char>(c));
        } else {
          out += "\\x";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
        }
    }
  }
  out.push_back('"');
  return out;
}

std::string QuoteArgIfNeeded(std::string_view s) {
  if (s.empty()) return "\"\"";
  for (unsigned char c : s) {
    if (!std::isprint(c) || c == ' ' || c == '"' || c == '\'' || c == '\\') return QuoteArg(s);
  }
  return std::string(s);
}

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
