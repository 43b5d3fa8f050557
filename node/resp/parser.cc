// node/resp/parser.cc -- see parser.h. Mirrors the decisions of Redis 7.0's
// processMultibulkBuffer / processInlineBuffer (reference/resp.md §1).

#include "node/resp/parser.h"

#include <cctype>
#include <cstring>

#include "node/base/splitargs.h"
#include "node/base/strings.h"

namespace node::resp {

namespace {

// string2ll on [p, p+n); returns false when not a valid int64.
// Lengths in requests are nearly always a few plain digits: those are
// parsed inline (no leading zero, at most 18 digits, so no overflow); anything
// else (sign, "0", long or odd input) takes the general path.
bool ParseLen(const char* p, size_t n, int64_t* out) {
  if (n - 1 < 18 && p[0] >= '1' && p[0] <= '9') {
    int64_t v = 0;
    size_t i = 0;
    for (; i < n; ++i) {
      unsigned d = static_cast<unsigned char>(p[i]) - '0';
      if (d > 9) break;
      v = v * 10 + d;
    }
    if (i == n) {
      *out = v;
      return true;
    }
    return false;
  }
  auto v = base::ParseInt64(std::string_view(p, n));
  if (!v) return false;
  *out = *v;
  return true;
}

}  // namespace

void RequestParser::Reset() {
  pos_ = 0;
  argc_ = -1;
  bulk_len_ = -1;
  spans_.clear();
  wanted_ = 0;
}

RequestParser::Result RequestParser::Fail(const char* what) {
  error_ = "ERR Protocol error: ";
  error_ += what;
  Reset();
  return Result::kError;
}

RequestParser::Result RequestParser::Parse(const char* data, size_t len, size_t* consumed) {
  *consumed = 0;
  if (len == 0) return Result::kNeedMore;
  if (data[0] == '*') return ParseMultibulk(data, len, consumed);
  return ParseInline(data, len, consumed);
}

RequestParser::Result RequestParser::ParseMultibulk(const char* data, size_t len,
                                                    size_t* consumed) {
  if (argc_ < 0) {
    const char* cr = static_cast<const char*>(memchr(data, '\r', len));
    if (!cr) {
      if (len > kInlineMaxSize) return Fail("too big mbulk count string");
      return Result::kNeedMore;
    }
    size_t crpos = static_cast<size_t>(cr - data);
    if (crpos + 1 >= len) return Result::kNeedMore;  // need the byte after \r
    int64_t n;
    if (!ParseLen(data + 1, crpos - 1, &n) || n > INT32_MAX) {
      return Fail("invalid multibulk length");
    }
    if (limits_.unauthenticated && n > 10) return Fail("unauthenticated multibulk length");
    pos_ = crpos + 2;
    if (n <= 0) {
      *consumed = pos_;
      Reset();
      return Result::kEmpty;
    }
    argc_ = n;
    spans_.clear();
    // Do not trust argc for the reservation: a hostile count must not allocate.
    spans_.reserve(static_cast<size_t>(n < 1024 ? n : 1024));
  }
  while (static_cast<int64_t>(spans_.size()) < argc_) {
    if (bulk_len_ < 0) {
      if (pos_ >= len) return Result::kNeedMore;
      const char* start = data + pos_;
      const char* cr = static_cast<const char*>(memchr(start, '\r', len - pos_));
      if (!cr) {
        if (len - pos_ > kInlineMaxSize) return Fail("too big bulk count string");
        return Result::kNeedMore;
      }
      size_t crpos = static_cast<size_t>(cr - data);
      if (crpos + 1 >= len) return Result::kNeedMore;
      if (start[0] != '$') {
        std::string msg = "expected '$', got '";
        msg += start[0];
        msg += "'";
        return Fail(msg.c_str());
      }
      int64_t n;
      if (!ParseLen(start + 1, crpos - pos_ - 1, &n) || n < 0 ||
          static_cast<uint64_t>(n) > limits_.max_bulk_len) {
        return Fail("invalid bulk length");
      }
      if (limits_.unauthenticated && n > 16384) return Fail("unauthenticated bulk length");
      bulk_len_ = n;
      pos_ = crpos + 2;
    }
    size_t need = pos_ + static_cast<size_t>(bulk_len_) + 2;
    if (len < need) {
      wanted_ = need;
      return Result::kNeedMore;
    }
    spans_.emplace_back(pos_, static_cast<size_t>(bulk_len_));
    pos_ = need;  // the two bytes after the bulk are skipped unchecked, as Redis does
    bulk_len_ = -1;
  }
  args_.clear();
  for (auto& [off, n] : spans_) args_.emplace_back(data + off, n);
  *consumed = pos_;
  Reset();
  return Result::kCommand;
}

RequestParser::Result RequestParser::ParseInline(const char* data, size_t len, size_t* consumed) {
  // Redis looks for the newline with strchr: a NUL byte before it hides it,
  // and the request then waits (until the inline size limit) like Redis's.
  const char* nl = static_cast<const char*>(memchr(data, '\n', len));
  if (nl && memchr(data, '\0', static_cast<size_t>(nl - data))) nl = nullptr;
  if (!nl) {
    if (len > kInlineMaxSize) return Fail("too big inline request");
    return Result::kNeedMore;
  }
  size_t linelen = static_cast<size_t>(nl - data);
  *consumed = linelen + 1;
  if (linelen && data[linelen - 1] == '\r') linelen--;
  inline_args_.clear();
  if (!SplitArgs(std::string_view(data, linelen), &inline_args_)) {
    *consumed = 0;
    return Fail("unbalanced quotes in request");
  }
  if (inline_args_.empty()) return Result::kEmpty;
  args_.clear();
  for (auto& a : inline_args_) args_.emplace_back(a);
  return Result::kCommand;
}

bool SplitArgs(std::string_view line, std::vector<std::string>* out) {
  auto args = base::SplitArgs(line);
  if (!args) return false;
  for (auto& a : *args) out->push_back(std::move(a));
  return true;
}

}  // namespace node::resp
