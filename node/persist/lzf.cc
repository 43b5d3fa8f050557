// node/persist/lzf.cc -- see lzf.h.
//
// Format: a control byte c < 32 introduces a literal run of c+1 bytes; otherwise
// the top 3 bits are a length (7 means "add the next byte") and the low 5 bits
// plus the next byte a distance: copy len+2 bytes starting dist+1 back.

#include "node/persist/lzf.h"

#include <cstdint>
#include <cstring>
#include <memory>

namespace node::persist {
namespace {

constexpr int kHashLog = 16;
constexpr uint32_t kHashSize = 1u << kHashLog;
constexpr size_t kMaxLiteral = 32;
constexpr size_t kMaxOffset = 1 << 13;
constexpr size_t kMaxRef = (1 << 8) + (1 << 3);

inline uint32_t First(const uint8_t* p) { return (uint32_t{p[0]} << 8) | p[1]; }
inline uint32_t Next(uint32_t v, const uint8_t* p) { return (v << 8) | p[2]; }
inline uint32_t Slot(uint32_t h) { return ((h >> (3 * 8 - kHashLog)) - h * 5) & (kHashSize - 1); }

}  // namespace

std::optional<std::string> LzfCompress(std::string_view input, size_t max_out) {
  if (input.empty()) return std::nullopt;
  const auto* in = reinterpret_cast<const uint8_t*>(input.data());
  const size_t in_len = input.size();
  // Table of (position + 1); 0 means empty, which can never match because a
  // match at position 0 is refused (as liblzf does: ref must be > start).
  auto table = std::make_unique<uint32_t[]>(kHashSize);
  std::memset(table.get(), 0, kHashSize * sizeof(uint32_t));

  std::string out(max_out, '\0');
  auto* o = reinterpret_cast<uint8_t*>(out.data());
  size_t op = 0;
  size_t ip = 0;
  size_t lit = 0;
  // op indexes the next byte to write; the current literal run's header is at
  // op - lit - 1 (one byte reserved up front).
  op++;
  uint32_t hval = in_len >= 2 ? First(in) : 0;
  while (in_len >= 3 && ip < in_len - 2) {
    hval = Next(hval, in + ip);
    uint32_t& slot = table[Slot(hval)];
    size_t ref_plus1 = slot;
    slot = static_cast<uint32_t>(ip + 1);
    bool match = false;
    size_t ref = 0;
    if (ref_plus1 > 1) {  // ref > start of input
      ref = ref_plus1 - 1;
      size_t off = ip - ref - 1;
      match = ref < ip && off < kMaxOffset && in[ref + 2] == in[ip + 2] && in[ref] == in[ip] &&
              in[ref + 1] == in[ip + 1];
    }
    if (match) {
      size_t off = ip - ref - 1;
      size_t len = 2;
      size_t maxlen = in_len - ip - len;
      if (maxlen > kMaxRef) maxlen = kMaxRef;
      if (op + 3 + 1 >= max_out && op - (lit == 0 ? 1 : 0) + 3 + 1 >= max_out) return std::nullopt;
      o[op - lit - 1] = static_cast<uint8_t>(lit - 1);  // close the literal run
      if (lit == 0) op--;                               // drop an empty run
      // Same probing as liblzf: 16 unbounded steps when maxlen > 16, then a
      // bounded scan. (This can exceed maxlen by up to 2 when the input ends
      // exactly there; the bytes are in range and equal, so it stays valid.)
      bool done = false;
      if (maxlen > 16) {
        for (int k = 0; k < 16 && !done; ++k) {
          len++;
          done = in[ref + len] != in[ip + len];
        }
      }
      if (!done) {
        do {
          len++;
        } while (len < maxlen && in[ref + len] == in[ip + len]);
      }
      len -= 2;
      ip++;
      if (len < 7) {
        o[op++] = static_cast<uint8_t>((off >> 8) + (len << 5));
      } else {
        o[op++] = static_cast<uint8_t>((off >> 8) + (7 << 5));
        o[op++] = static_cast<uint8_t>(len - 7);
      }
      o[op++] = static_cast<uint8_t>(off);
      lit = 0;
      op++;  // reserve the next run header
      ip += len + 1;
      if (ip >= in_len - 2) break;
      // Re-hash the two positions just before ip ("very fast" mode).
      ip -= 2;
      hval = First(in + ip);
      hval = Next(hval, in + ip);
      table[Slot(hval)] = static_cast<uint32_t>(ip + 1);
      ip++;
      hval = Next(hval, in + ip);
      table[Slot(hval)] = static_cast<uint32_t>(ip + 1);
      ip++;
    } else {
      if (op >= max_out) return std::nullopt;
      lit++;
      o[op++] = in[ip++];
      if (lit == kMaxLiteral) {
        o[op - lit - 1] = static_cast<uint8_t>(lit - 1);
        lit = 0;
        op++;
      }
    }
  }
  if (op + 3 > max_out) return std::nullopt;
  while (ip < in_len) {
    lit++;
    o[op++] = in[ip++];
    if (lit == kMaxLiteral) {
      o[op - lit - 1] = static_cast<uint8_t>(lit - 1);
      lit = 0;
      op++;
    }
  }
  o[op - lit - 1] = static_cast<uint8_t>(lit - 1);
  if (lit == 0) op--;
  out.resize(op);
  return out;
}

std::optional<std::string> LzfDecompress(std::string_view input, size_t out_len) {
  const auto* in = reinterpret_cast<const uint8_t*>(input.data());
  const size_t in_len = input.size();
  std::string out(out_len, '\0');
  auto* o = reinterpret_cast<uint8_t*>(out.data());
  size_t ip = 0;
  size_t op = 0;
  while (ip < in_len) {
    size_t ctrl = in[ip++];
    if (ctrl < 32) {
      size_t run = ctrl + 1;
      if (run > in_len - ip || run > out_len - op) return std::nullopt;
      std::memcpy(o + op, in + ip, run);
      op += run;
      ip += run;
      continue;
    }
    size_t len = ctrl >> 5;
    if (len == 7) {
      if (ip >= in_len) return std::nullopt;
      len += in[ip++];
    }
    if (ip >= in_len) return std::nullopt;
    size_t dist = ((ctrl & 0x1F) << 8) + in[ip++] + 1;
    len += 2;
    if (dist > op || len > out_len - op) return std::nullopt;
    size_t from = op - dist;
    for (size_t i = 0; i < len; ++i) o[op + i] = o[from + i];  // may overlap forward
    op += len;
  }
  if (op != out_len) return std::nullopt;
  return out;
}

}  // namespace node::persist
