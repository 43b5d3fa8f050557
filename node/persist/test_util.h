// node/persist/test_util.h
//
// Hex helpers shared by the persist unit tests only (not used by library code).

#pragma once

#include <string>
#include <string_view>

namespace node::persist::testing {

inline std::string FromHex(std::string_view hex) {
  std::string out;
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  int hi = -1;
  for (char c : hex) {
    int v = nib(c);
    if (v < 0) continue;  // allow spaces
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<char>(hi * 16 + v));
      hi = -1;
    }
  }
  return out;
}

inline std::string ToHex(std::string_view bin) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bin) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

}  // namespace node::persist::testing
