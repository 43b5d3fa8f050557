// node/resp/parser.h
//
// Incremental RESP request parser (multibulk and inline), with Redis 7.0's
// leniencies, limits and exact protocol-error texts (reference/resp.md §1).
// No I/O: the connection hands it the unconsumed bytes of its read buffer,
// starting at the first byte of the current frame. Progress inside a frame is
// remembered as offsets, so a frame that arrives in many reads is scanned once
// and the buffer may move between calls. Used on the engine thread only.

#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace node::resp {

class RequestParser {
 public:
  enum class Result {
    kNeedMore,  // frame incomplete; call again with more bytes (same frame start)
    kCommand,   // args() holds a complete command; *consumed bytes used
    kEmpty,     // frame to ignore (*0, *-1, blank inline line); *consumed bytes used
    kError,     // protocol error: reply error(), then close the connection
  };

  struct Limits {
    uint64_t max_bulk_len = 512ull * 1024 * 1024;  // proto-max-bulk-len
    bool unauthenticated = false;  // stricter limits before AUTH (resp.md §1.1 steps 3, 5)
  };

  Result Parse(const char* data, size_t len, size_t* consumed);

  // Valid after kCommand until the next Parse call or until the bytes passed
  // to Parse move.
  const std::vector<std::string_view>& args() const { return args_; }
  // The error reply text without the leading '-' (e.g. "ERR Protocol error: ...").
  const std::string& error() const { return error_; }
  // While waiting for a large bulk: total bytes the current frame needs so far
  // (lets the connection reserve once instead of growing repeatedly).
  size_t bytes_wanted() const { return wanted_; }
  bool in_frame() const { return pos_ != 0; }

  void set_limits(const Limits& l) { limits_ = l; }
  // Forgets a frame in progress: the bytes it was parsing are gone (a
  // replica's link to its master closed mid-command). The next Parse starts
  // a new frame.
  void Reset();

  static constexpr size_t kInlineMaxSize = 64 * 1024;  // PROTO_INLINE_MAX_SIZE

 private:
  Result ParseMultibulk(const char* data, size_t len, size_t* consumed);
  Result ParseInline(const char* data, size_t len, size_t* consumed);
  Result Fail(const char* what);

  Limits limits_;
  // Multibulk progress (offsets from the frame start).
  size_t pos_ = 0;                                // next byte to look at
  int64_t argc_ = -1;                             // -1: header not read yet
  int64_t bulk_len_ = -1;                         // -1: bulk header of the next arg not read yet
  std::vector<std::pair<size_t, size_t>> spans_;  // (offset, len) of finished args
  std::vector<std::string_view> args_;
  std::vector<std::string> inline_args_;  // owned storage for unquoted inline args
  std::string error_;
  size_t wanted_ = 0;
};

// Redis's sdssplitargs: shell-like splitting with "..." escapes and '...'.
// Returns false on unbalanced quotes.
bool SplitArgs(std::string_view line, std::vector<std::string>* out);

}  // namespace node::resp
