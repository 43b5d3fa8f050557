// node/script/sha1hex.h
//
// SHA1 of a byte string as 40 lowercase hex characters: the script cache key
// (EVAL/EVALSHA/SCRIPT LOAD) and redis.sha1hex(). Pure function, any thread.

#pragma once

#include <string>
#include <string_view>

namespace node::script {

std::string Sha1Hex(std::string_view data);

}  // namespace node::script
