// node/commands/errors.h
//
// Every error text a command replies with, in one place (Dragonfly's habit).
// Texts are Redis 7.0's exactly (reference/resp.md §2, §6), without the
// leading '-'.

#pragma once

namespace node::commands {

inline constexpr const char* kErrSyntax = "ERR syntax error";
inline constexpr const char* kErrNotInteger = "ERR value is not an integer or out of range";
inline constexpr const char* kErrNotFloat = "ERR value is not a valid float";
inline constexpr const char* kErrWrongType =
    "WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr const char* kErrNoSuchKey = "ERR no such key";
inline constexpr const char* kErrOverflow = "ERR increment or decrement would overflow";
inline constexpr const char* kErrIncrNanInf = "ERR increment would produce NaN or Infinity";
inline constexpr const char* kErrDbIndex = "ERR DB index is out of range";
inline constexpr const char* kErrSelectCluster = "ERR SELECT is not allowed in cluster mode";
inline constexpr const char* kErrNoAuth = "NOAUTH Authentication required.";
inline constexpr const char* kErrWrongPass =
    "WRONGPASS invalid username-password pair or user is disabled.";
inline constexpr const char* kErrAuthNoPassword =
    "ERR AUTH <password> called without any password configured for the default user. Are you "
    "sure your configuration is correct?";
inline constexpr const char* kErrOom = "OOM command not allowed when used memory > 'maxmemory'.";
inline constexpr const char* kErrReadOnly = "READONLY You can't write against a read only replica.";
inline constexpr const char* kErrBusyKey = "BUSYKEY Target key name already exists.";
inline constexpr const char* kErrStringTooLong =
    "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
inline constexpr const char* kErrOffsetRange = "ERR offset is out of range";
inline constexpr const char* kErrNotAllowedInMulti = "ERR Command not allowed inside a transaction";
inline constexpr const char* kErrExecAbort =
    "EXECABORT Transaction discarded because of previous errors.";
inline constexpr const char* kErrNoProto = "NOPROTO unsupported protocol version";
inline constexpr const char* kErrProtoVersion =
    "ERR Protocol version is not an integer or out of range";
inline constexpr const char* kErrTimeout = "ERR timeout is not an integer or out of range";
inline constexpr const char* kErrTimeoutNeg = "ERR timeout is negative";

}  // namespace node::commands
