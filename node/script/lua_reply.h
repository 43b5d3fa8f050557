// node/script/lua_reply.h
//
// Redis's conversion rules between command replies and Lua values, both
// ways (reference: Redis 7.0 scripting, checked against redis-server):
//  - RESP -> Lua (what redis.call returns): integer -> number, bulk ->
//    string, status -> {ok=s}, error -> {err=s}, array -> table, null ->
//    false (RESP2) / nil (RESP3); RESP3 only: map -> {map={...}}, set ->
//    {set={k=true}}, double -> {double=n}, boolean -> true/false, big number
//    -> {big_number=s}, verbatim -> {verbatim_string={format=, string=}}.
//  - Lua -> reply (what a script returns): number -> integer (truncated),
//    string -> bulk, true -> 1 (or #t with redis.setresp(3)), false/nil ->
//    null, {err=}/{ok=}/{double=}/{big_number=}/{map=}/{set=}/
//    {verbatim_string=} -> those replies, other tables -> arrays that stop at
//    the first nil.
// Engine thread (inside Lua).

#pragma once

#include <string_view>

#include "node/resp/reply.h"

struct lua_State;

namespace node::script {

// Pushes the Lua value of the one RESP reply at the start of `bytes` (as
// produced by ReplyBuilder). Returns the bytes used, 0 when malformed (then
// nothing is pushed).
size_t PushReply(lua_State* L, std::string_view bytes);

// Writes the value on top of the Lua stack as a reply (it stays on the
// stack). `lua_resp` is the protocol the script selected (redis.setresp).
void WriteLuaValue(lua_State* L, resp::ReplyBuilder& out, int lua_resp);

}  // namespace node::script
