// node/persist/crc64.h
//
// CRC-64 "Jones" as Redis uses it for RDB files and DUMP payloads (rdb.md §1.3):
// reflected polynomial 0x95AC9329AC4BC9B5, initial value 0, no final xor.
// Slice-by-8 tables built once at static-init time; pure functions, any thread.
// Called by rdb_file (whole-file checksum, incrementally) and dump_payload.

#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace node::persist {

// Continues a CRC: Crc64(Crc64(0, a), b) == Crc64(0, a + b).
uint64_t Crc64(uint64_t crc, const void* data, size_t len);
inline uint64_t Crc64(uint64_t crc, std::string_view data) {
  return Crc64(crc, data.data(), data.size());
}

}  // namespace node::persist
