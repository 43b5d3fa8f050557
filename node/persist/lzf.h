// node/persist/lzf.h
//
// LZF compression in liblzf's stream format (rdb.md §3.2), as Redis uses it for
// RDB strings. The compressor follows the same greedy scheme and parameters as
// the liblzf build inside Redis (16-bit hash table, "very fast" mode), so that
// compressed strings in our RDB/DUMP output match Redis's byte for byte.
// The decompressor is bounds-safe on hostile input. Pure, any thread.

#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace node::persist {

// Compresses `in` into at most `max_out` bytes. Returns nullopt when the output
// would not fit (like lzf_compress returning 0) or the input is empty.
std::optional<std::string> LzfCompress(std::string_view in, size_t max_out);

// Decompresses `in`, which must expand to exactly `out_len` bytes. Returns
// nullopt on any malformed input (truncated, overrun, back reference before
// the start, or a size other than out_len).
std::optional<std::string> LzfDecompress(std::string_view in, size_t out_len);

}  // namespace node::persist
