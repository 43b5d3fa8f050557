// node/persist/dump_payload.h
//
// DUMP / RESTORE / MIGRATE payloads (rdb.md §9): "<type><value><u16 LE RDB
// version><u64 LE CRC64 of everything before>", and the FUNCTION DUMP /
// FUNCTION RESTORE payload (0xF5 <library source> per library + same footer).
// Error texts are Redis 7.0's exact RESP error strings. Called by the command
// layer (DUMP, RESTORE, MIGRATE, FUNCTION DUMP/RESTORE); pure, any thread.

#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "node/base/result.h"
#include "node/persist/rdb_value.h"

namespace node::persist {

inline constexpr const char* kErrDumpPayload = "ERR DUMP payload version or checksum are wrong";
inline constexpr const char* kErrBadDataFormat = "ERR Bad data format";

// The DUMP payload of v, byte-identical to Redis 7.0 for values it would
// encode the same way (see EncodeValue).
std::string CreateDumpPayload(const RdbValue& v, const EncodeOptions& opt = {});

// verifyDumpPayload: length >= 10, version <= 10, matching CRC64 (skipped when
// skip_checksum, like Redis's skip-checksum-validation debug switch).
Status VerifyDumpPayload(std::string_view payload, bool skip_checksum = false);

// Verify, then decode the value: footer problems give kErrDumpPayload; an
// invalid type, malformed value, empty aggregate or a module value (no module
// system here) give kErrBadDataFormat.
Result<RdbValue> DecodeDumpPayload(std::string_view payload, bool skip_checksum = false);

// FUNCTION DUMP: one 0xF5 record per library source.
std::string CreateFunctionDumpPayload(const std::vector<std::string>& library_sources);
// FUNCTION RESTORE: verifies the footer (kErrDumpPayload), then returns the
// library sources; any other opcode or malformed body is an error.
Result<std::vector<std::string>> DecodeFunctionDumpPayload(std::string_view payload);

}  // namespace node::persist
