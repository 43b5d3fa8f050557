// node/script/lua_struct.h
//
// The `struct` Lua library scripts get in Redis (struct.pack, struct.unpack,
// struct.size), written from its documented format language: '<' '>' '='
// endianness, '!n' maximum alignment, 'b/B h/H l/L T i/In I/In' integers
// (lower case signed), 'f' 'd' floats, 'x' a zero byte, 'cn' n characters
// ('c0': the string's length when packing, the previous number when
// unpacking), 's' a zero-terminated string, spaces ignored. unpack returns
// the values then the next position. Error texts as Redis's library.
// Engine thread (inside Lua).

#pragma once

struct lua_State;

namespace node::script {

// Pushes the library table (like luaopen_*).
int OpenStruct(lua_State* L);

}  // namespace node::script
