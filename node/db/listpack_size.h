// node/db/listpack_size.h
//
// How many bytes one listpack entry takes (encoding byte(s) + data +
// back-length), as Redis 7.0's listpack lays it out. Used where shoal must
// know a listpack's size without building it: stream node sizes
// (stream-node-max-bytes, MEMORY USAGE) in node/db, and the RDB writer's
// listpack builder in node/persist. Pure functions, any thread.

#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace node::db {

// Bytes of the back-length that follows an entry whose encoding+data is `l`.
size_t ListpackBacklenSize(size_t l);
// An integer entry (7-bit, 13-bit, 16/24/32/64-bit encodings).
size_t ListpackIntEntrySize(int64_t v);
// A string entry; a canonical int64 ("12", not "012" or "+1") is stored as
// an integer, like lpAppend does.
size_t ListpackEntrySize(std::string_view s);

}  // namespace node::db
