// node/db/bitops_util.h
//
// Bit-level helpers for the bitmap commands (node/commands/bitops.cc) with
// Redis's bit order: bit 0 is the most significant bit of byte 0. Bitfields
// are read and written most significant bit first at any bit offset;
// overflow checks follow Redis's WRAP/SAT/FAIL semantics.
//
// Also StringEditor, the way the bitmap and HyperLogLog commands change the
// bytes of a string key: in place when the key holds a heap string, through
// a copy written back otherwise. Engine thread only.

#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "node/db/keyspace.h"

namespace node::db {

// Number of set bits in p[0..n).
uint64_t Popcount(const uint8_t* p, size_t n);

// Position of the first bit equal to `bit` in p[0..n). For bit 1 with none
// set: -1. For bit 0 with none clear: n * 8 (the string is taken as zero
// padded on the right).
int64_t Bitpos(const uint8_t* p, size_t n, int bit);

// Bitfields; the caller guarantees the bytes exist (GetBits pads with zeros
// past `len`).
uint64_t GetUnsignedBits(const uint8_t* p, size_t len, uint64_t offset, int bits);
int64_t GetSignedBits(const uint8_t* p, size_t len, uint64_t offset, int bits);
void SetBits(uint8_t* p, uint64_t offset, int bits, uint64_t value);

enum class Overflow { kWrap, kSat, kFail };

// Whether value + incr fits an unsigned (bits <= 63) / signed (bits <= 64)
// integer: 0 fits, 1 overflow, -1 underflow. On overflow or underflow
// *limit receives the wrapped (kWrap) or saturated (kSat) result.
int CheckUnsignedOverflow(uint64_t value, int64_t incr, int bits, Overflow ow, uint64_t* limit);
int CheckSignedOverflow(int64_t value, int64_t incr, int bits, Overflow ow, int64_t* limit);

// Edits the bytes of a string key. `e` is the key's entry (type string), or
// nullptr to create `key` on Commit(). str() is the value; Commit() stores
// it (new keys and edited copies are reported as "raw" encoded, like
// Redis's unshared strings) and returns the entry. `key` must outlive it.
class StringEditor {
 public:
  StringEditor(Keyspace& ks, std::string_view key, Entry* e);
  std::string& str() { return *target_; }
  Entry* Commit();

 private:
  Keyspace& ks_;
  std::string_view key_;
  Entry* e_;
  std::string copy_;
  std::string* target_;
};

}  // namespace node::db
