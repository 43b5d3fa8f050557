// node/script/cmsgpack.h
//
// The `cmsgpack` Lua library scripts get, with the API Redis embeds
// (cmsgpack.pack(...), unpack(s), unpack_one(s [, offset]),
// unpack_limit(s, limit [, offset])), written from the MessagePack spec.
// Encoding rules as Redis's library: integral numbers use the smallest
// integer form, other numbers float32 when exact else float64, strings the
// str family, tables an array when their keys are exactly 1..n else a map,
// nesting deeper than 16 tables encodes nil. Engine thread (inside Lua).

#pragma once

#include <string>
#include <string_view>

struct lua_State;

namespace node::script {

// Registers the library as the table on top of the stack (like luaopen_*).
int OpenCmsgpack(lua_State* L);

}  // namespace node::script
