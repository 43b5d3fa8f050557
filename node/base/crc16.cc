// node/base/crc16.cc -- see crc16.h. The table is computed once at startup
// from the polynomial 0x1021 rather than spelled out.

#include "node/base/crc16.h"

#include <array>

namespace node::base {
namespace {

constexpr std::array<uint16_t, 256> MakeTable() {
  std::array<uint16_t, 256> t{};
  for (int i = 0; i < 256; i++) {
    uint16_t crc = static_cast<uint16_t>(i << 8);
    for (int b = 0; b < 8; b++) {
      crc = (crc & 0x8000) ? static_cast<uint16_t>((crc << 1) ^ 0x1021)
                           : static_cast<uint16_t>(crc << 1);
    }
    t[static_cast<size_t>(i)] = crc;
  }
  return t;
}

constexpr auto kTable = MakeTable();

}  // namespace

uint16_t Crc16(const char* buf, size_t len) {
  uint16_t crc = 0;
  for (size_t i = 0; i < len; i++) {
    crc = static_cast<uint16_t>((crc << 8) ^
                                kTable[((crc >> 8) ^ static_cast<uint8_t>(buf[i])) & 0xff]);
  }
  return crc;
}

int KeyHashSlot(std::string_view key) {
  size_t s = key.find('{');
  if (s != std::string_view::npos) {
    size_t e = key.find('}', s + 1);
    if (e != std::string_view::npos && e != s + 1) {
      return Crc16(key.data() + s + 1, e - s - 1) & 0x3FFF;
    }
  }
  return Crc16(key.data(), key.size()) & 0x3FFF;
}

}  // namespace node::base
