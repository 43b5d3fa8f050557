// node/resp/parser_fuzz.cc
//
// libFuzzer target for the RESP request parser (issue 9: every byte a client
// sends is untrusted). Multibulk and inline requests both go through
// RequestParser::Parse. The first byte picks the limits (authenticated or
// not, proto-max-bulk-len), the next four the sizes of the chunks the rest is
// fed in, the way a connection's reads would cut it. The parser keeps its
// progress as offsets and the buffer moves between calls (std::string
// growth), like ClientConn's read buffer.
//
// Invariant checked: feeding the input in chunks gives exactly the commands,
// empty frames, error text and leftover bytes of feeding it at once (for
// inputs under the inline limit, where Redis itself does not depend on read
// sizes). Build: scripts/fuzz.sh.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "node/resp/parser.h"

namespace {

using node::resp::RequestParser;

struct Trace {
  std::vector<std::string> events;  // "C" + length-prefixed args, "E", "X" + error
  size_t leftover = 0;              // bytes never consumed
  bool operator==(const Trace&) const = default;
};

// Feeds `in` in chunks of sizes[i % 4] bytes (one chunk when sizes is null).
Trace Feed(std::string_view in, const RequestParser::Limits& limits, const size_t* sizes) {
  RequestParser p;
  p.set_limits(limits);
  Trace t;
  std::string buf;
  size_t fed = 0;
  size_t next = 0;
  while (true) {
    if (fed < in.size()) {
      size_t n = sizes ? sizes[next++ % 4] : in.size();
      if (n > in.size() - fed) n = in.size() - fed;
      buf.append(in.substr(fed, n));
      fed += n;
    }
    size_t start = 0;
    bool failed = false;
    while (start < buf.size()) {
      size_t used = 0;
      auto r = p.Parse(buf.data() + start, buf.size() - start, &used);
      if (r == RequestParser::Result::kNeedMore) {
        if (used != 0) abort();
        break;
      }
      if (r == RequestParser::Result::kError) {
        t.events.push_back("X" + p.error());
        failed = true;
        break;
      }
      if (used == 0 || used > buf.size() - start) abort();  // no progress / overrun
      if (r == RequestParser::Result::kEmpty) {
        t.events.emplace_back("E");
      } else {
        if (p.args().empty()) abort();
        std::string ev = "C";
        for (std::string_view a : p.args()) {
          ev += std::to_string(a.size());
          ev += ':';
          ev += a;
        }
        t.events.push_back(std::move(ev));
      }
      start += used;
    }
    buf.erase(0, start);
    if (failed) {
      t.leftover = 0;
      return t;
    }
    if (fed == in.size()) break;
  }
  t.leftover = buf.size();
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 5) return 0;
  RequestParser::Limits limits;
  limits.unauthenticated = data[0] & 1;
  if (data[0] & 2) limits.max_bulk_len = data[0] >> 2;  // tiny proto-max-bulk-len
  size_t sizes[4];
  for (int i = 0; i < 4; ++i) sizes[i] = 1 + (size_t{data[1 + i]} * data[1 + i]) / 64;
  std::string_view in(reinterpret_cast<const char*>(data) + 5, size - 5);

  Trace whole = Feed(in, limits, nullptr);
  Trace chunked = Feed(in, limits, sizes);
  if (in.size() <= RequestParser::kInlineMaxSize && !(whole == chunked)) {
    fprintf(stderr, "chunked parse differs: %zu vs %zu events, leftover %zu vs %zu\n",
            whole.events.size(), chunked.events.size(), whole.leftover, chunked.leftover);
    for (size_t i = 0; i < whole.events.size() || i < chunked.events.size(); ++i) {
      fprintf(stderr, "  [%zu] %s | %s\n", i,
              i < whole.events.size() ? whole.events[i].c_str() : "-",
              i < chunked.events.size() ? chunked.events[i].c_str() : "-");
    }
    abort();
  }
  // Byte-at-a-time is the harshest chunking; check it on short inputs.
  if (in.size() <= 512) {
    const size_t ones[4] = {1, 1, 1, 1};
    if (!(Feed(in, limits, ones) == whole)) {
      fprintf(stderr, "byte-at-a-time parse differs\n");
      abort();
    }
  }
  return 0;
}
