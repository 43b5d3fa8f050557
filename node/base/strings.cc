// node/base/strings.cc -- see strings.h.

#include "node/base/strings.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace node::base {

std::optional<uint64_t> ParseUint64(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  if (s.size() == 1 && s[0] == '0') return 0;
  if (s[0] < '1' || s[0] > '9') return std::nullopt;
  uint64_t v = 0;
  if (s.size() <= 19) {  // cannot overflow: no division per digit
    for (char c : s) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    return v;
  }
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

std::optional<int64_t> ParseInt64(std::string_view s) {
  if (s.empty()) return std::nullopt;
  bool neg = false;
  if (s[0] == '-') {
    neg = true;
    s.remove_prefix(1);
    if (s.empty() || s[0] == '0') return std::nullopt;  // "-0" is not canonical
  }
  auto u = ParseUint64(s);
  if (!u) return std::nullopt;
  if (neg) {
    if (*u > static_cast<uint64_t>(INT64_MAX) + 1) return std::nullopt;
    return static_cast<int64_t>(0 - *u);
  }
  if (*u > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  return static_cast<int64_t>(*u);
}

std::optional<long double> ParseLongDouble(std::string_view s) {
  if (s.empty() || s.size() > 5000) return std::nullopt;
  if (isspace(static_cast<unsigned char>(s[0]))) return std::nullopt;
  std::string buf(s);
  char* end = nullptr;
  errno = 0;
  long double v = strtold(buf.c_str(), &end);
  if (end != buf.c_str() + buf.size() || errno == ERANGE || std::isnan(v)) return std::nullopt;
  return v;
}

std::optional<double> ParseDouble(std::string_view s) {
  if (s.empty() || s.size() > 5000) return std::nullopt;
  if (isspace(static_cast<unsigned char>(s[0]))) return std::nullopt;
  char tmp[128];
  std::string big;
  const char* p;
  if (s.size() < sizeof(tmp)) {
    memcpy(tmp, s.data(), s.size());
    tmp[s.size()] = 0;
    p = tmp;
  } else {
    big.assign(s);
    p = big.c_str();
  }
  char* end = nullptr;
  errno = 0;
  double v = strtod(p, &end);
  if (end != p + s.size() || (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL || v == 0)) ||
      std::isnan(v))
    return std::nullopt;
  return v;
}

void AppendInt64(std::string& out, int64_t v) {
  char buf[24];
  char* e = buf + sizeof(buf);
  char* p = e;
  uint64_t u = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  do {
    *--p = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0) *--p = '-';
  out.append(p, static_cast<size_t>(e - p));
}

std::string Int64ToString(int64_t v) {
  std::string s;
  AppendInt64(s, v);
  return s;
}

std::string FormatDouble(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (std::isnan(v)) return "nan";
  char buf[128];
  int n = snprintf(buf, sizeof(buf), "%.17g", v);
  return std::string(buf, static_cast<size_t>(n));
}

std::string FormatLongDoubleHuman(long double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[5600];
  int n = snprintf(buf, sizeof(buf), "%.17Lf", v);
  if (n <= 0) return "0";
  std::string s(buf, static_cast<size_t>(n));
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    if (tolower(static_cast<unsigned char>(a[i])) != tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

std::string ToLower(std::string_view s) {
  std::string r(s);
  for (auto& c : r) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  return r;
}

std::string ToUpper(std::string_view s) {
  std::string r(s);
  for (auto& c : r) c = static_cast<char>(toupper(static_cast<unsigned char>(c)));
  return r;
}

namespace {

bool GlobMatchImpl(const char* p, size_t plen, const char* s, size_t slen, bool nocase, int depth) {
  if (depth > 1000) return false;  // bounded recursion on hostile patterns
  while (plen && slen) {
    switch (p[0]) {
      case '*':
        while (plen > 1 && p[1] == '*') {
          p++;
          plen--;
        }
        if (plen == 1) return true;
        while (slen) {
          if (GlobMatchImpl(p + 1, plen - 1, s, slen, nocase, depth + 1)) return true;
          s++;
          slen--;
        }
        return false;
      case '?':
        s++;
        slen--;
        break;
      case '[': {
        p++;
        plen--;
        bool neg = plen && p[0] == '^';
        if (neg) {
          p++;
          plen--;
        }
        bool match = false;
        while (true) {
          if (plen == 0) break;
          if (p[0] == '\\' && plen >= 2) {
            p++;
            plen--;
            if (p[0] == s[0]) match = true;
          } else if (p[0] == ']') {
            break;
          } else if (plen >= 3 && p[1] == '-') {
            int start = static_cast<unsigned char>(p[0]);
            int end = static_cast<unsigned char>(p[2]);
            int c = static_cast<unsigned char>(s[0]);
            if (start > end) std::swap(start, end);
            if (nocase) {
              start = tolower(start);
              end = tolower(end);
              c = tolower(c);
            }
            p += 2;
            plen -= 2;
            if (c >= start && c <= end) match = true;
          } else {
            if (!nocase) {
              if (p[0] == s[0]) match = true;
            } else if (tolower(static_cast<unsigned char>(p[0])) ==
                       tolower(static_cast<unsigned char>(s[0]))) {
              match = true;
            }
          }
          p++;
          plen--;
        }
        if (neg) match = !match;
        if (!match) return false;
        s++;
        slen--;
        if (plen == 0) {  // unterminated class: treat as end of pattern
          return slen == 0;
        }
        break;
      }
      case '\\':
        if (plen >= 2) {
          p++;
          plen--;
        }
        [[fallthrough]];
      default:
        if (!nocase) {
          if (p[0] != s[0]) return false;
        } else if (tolower(static_cast<unsigned char>(p[0])) !=
                   tolower(static_cast<unsigned char>(s[0]))) {
          return false;
        }
        s++;
        slen--;
        break;
    }
    p++;
    plen--;
    if (slen == 0) {
      while (plen && *p == '*') {
        p++;
        plen--;
      }
      break;
    }
  }
  return plen == 0 && slen == 0;
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase) {
  return GlobMatchImpl(pattern.data(), pattern.size(), str.data(), str.size(), nocase, 0);
}

}  // namespace node::base
