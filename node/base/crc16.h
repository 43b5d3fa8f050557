// node/base/crc16.h
//
// CRC16-CCITT (XMODEM) as Redis Cluster uses it, and the key -> hash slot
// mapping with {hash tags} (cluster-commands.md §1). Pure, any thread.

#pragma once

#include <cstdint>
#include <string_view>

namespace node::base {

constexpr int kClusterSlots = 16384;

uint16_t Crc16(const char* buf, size_t len);

// HASH_SLOT(key): crc16 of the hash tag (the part between the first '{' and
// the next '}', when non-empty) or of the whole key, mod 16384.
int KeyHashSlot(std::string_view key);

}  // namespace node::base
