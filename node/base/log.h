// node/base/log.h
//
// The logging wrapper over spdlog. Logs tell the cluster's story: state
// changes at info, nothing per command above debug. Thread-safe (spdlog's
// default logger is synchronised); usable from both planes.

#pragma once

#include <spdlog/spdlog.h>

#include <string_view>

#define LOG_DEBUG(...) ::spdlog::debug(__VA_ARGS__)
#define LOG_INFO(...) ::spdlog::info(__VA_ARGS__)
#define LOG_WARN(...) ::spdlog::warn(__VA_ARGS__)
#define LOG_ERROR(...) ::spdlog::error(__VA_ARGS__)

namespace node::base {

// Sets the level from a Redis loglevel name: debug, verbose, notice, warning,
// nothing. Unknown names leave the level unchanged and return false.
bool SetLogLevel(std::string_view redis_level);

// Sends logs to a file instead of stderr ("" = stderr, Redis's default).
bool SetLogFile(const std::string& path);

// Log line pattern: "<pid>:<role> <date> <level> <msg>", like Redis.
void InitLogging();

}  // namespace node::base

// Invariant checks: abort with a message. Only for "cannot happen" states,
// never for bad input from clients, peers or files.
#define NODE_CHECK(cond)                                                          \
  do {                                                                            \
    if (!(cond)) {                                                                \
      ::spdlog::critical("check failed: {} at {}:{}", #cond, __FILE__, __LINE__); \
      ::abort();                                                                  \
    }                                                                             \
  } while (0)
#ifdef NDEBUG
#define NODE_DCHECK(cond) \
  do {                    \
  } while (0)
#else
#define NODE_DCHECK(cond) NODE_CHECK(cond)
#endif
