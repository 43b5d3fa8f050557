// node/db/bitops_util.cc
//
// See bitops_util.h. Overflow checks mirror Redis 7.0's bitops.c semantics
// (including its treatment of out-of-range SET values), computed with
// unsigned arithmetic so that no signed overflow happens.

#include "node/db/bitops_util.h"

#include <bit>
#include <cstring>
#include <limits>

namespace node::db {

uint64_t Popcount(const uint8_t* p, size_t n) {
  uint64_t count = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    memcpy(&w, p + i, 8);
    count += static_cast<uint64_t>(std::popcount(w));
  }
  for (; i < n; i++) count += static_cast<uint64_t>(std::popcount(static_cast<unsigned>(p[i])));
  return count;
}

int64_t Bitpos(const uint8_t* p, size_t n, int bit) {
  const uint8_t skip = bit ? 0 : 0xff;
  size_t i = 0;
  // Whole words that cannot hold the bit.
  const uint64_t skip_word = bit ? 0 : ~uint64_t{0};
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    memcpy(&w, p + i, 8);
    if (w != skip_word) break;
  }
  for (; i < n; i++) {
    if (p[i] != skip) {
      for (int b = 7; b >= 0; b--) {
        if (((p[i] >> b) & 1) == bit)
          return static_cast<int64_t>(i * 8 + static_cast<size_t>(7 - b));
      }
    }
  }
  return bit ? -1 : static_cast<int64_t>(n * 8);
}

uint64_t GetUnsignedBits(const uint8_t* p, size_t len, uint64_t offset, int bits) {
  uint64_t v = 0;
  for (int j = 0; j < bits; j++, offset++) {
    uint64_t byte = offset >> 3;
    unsigned b = 7 - static_cast<unsigned>(offset & 7);
    uint64_t bitval = byte < len ? (p[byte] >> b) & 1 : 0;
    v = (v << 1) | bitval;
  }
  return v;
}

int64_t GetSignedBits(const uint8_t* p, size_t len, uint64_t offset, int bits) {
  uint64_t u = GetUnsignedBits(p, len, offset, bits);
  if (bits < 64 && (u & (uint64_t{1} << (bits - 1)))) u |= ~uint64_t{0} << bits;
  return static_cast<int64_t>(u);
}

void SetBits(uint8_t* p, uint64_t offset, int bits, uint64_t value) {
  for (int j = 0; j < bits; j++, offset++) {
    unsigned bitval = (value >> (bits - 1 - j)) & 1;
    uint64_t byte = offset >> 3;
    unsigned b = 7 - static_cast<unsigned>(offset & 7);
    p[byte] = static_cast<uint8_t>((p[byte] & ~(1u << b)) | (bitval << b));
  }
}

int CheckUnsignedOverflow(uint64_t value, int64_t incr, int bits, Overflow ow, uint64_t* limit) {
  uint64_t max = bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
  int64_t maxincr = static_cast<int64_t>(max - value);
  int64_t minincr = static_cast<int64_t>(0 - value);
  auto wrap = [&]() {
    uint64_t res = value + static_cast<uint64_t>(incr);
    if (bits < 64) res &= ~(~uint64_t{0} << bits);
    *limit = res;
  };
  if (value > max || (incr > 0 && incr > maxincr)) {
    if (limit) {
      if (ow == Overflow::kWrap) {
        wrap();
      } else if (ow == Overflow::kSat) {
        *limit = max;
      }
    }
    return 1;
  }
  if (incr < 0 && incr < minincr) {
    if (limit) {
      if (ow == Overflow::kWrap) {
        wrap();
        return 1;  // Redis reports a wrapped underflow as 1 too
      }
      if (ow == Overflow::kSat) *limit = 0;
    }
    return -1;
  }
  return 0;
}

int CheckSignedOverflow(int64_t value, int64_t incr, int bits, Overflow ow, int64_t* limit) {
  int64_t max = bits == 64 ? std::numeric_limits<int64_t>::max()
                           : static_cast<int64_t>((uint64_t{1} << (bits - 1)) - 1);
  int64_t min = -max - 1;
  // Only used once `value` is known to be in range, as in Redis.
  int64_t maxincr = static_cast<int64_t>(static_cast<uint64_t>(max) - static_cast<uint64_t>(value));
  int64_t minincr = static_cast<int64_t>(static_cast<uint64_t>(min) - static_cast<uint64_t>(value));
  auto wrap = [&]() {
    uint64_t c = static_cast<uint64_t>(value) + static_cast<uint64_t>(incr);
    if (bits < 64) {
      uint64_t msb = uint64_t{1} << (bits - 1);
      uint64_t mask = ~uint64_t{0} << bits;
      c = (c & msb) ? (c | mask) : (c & ~mask);
    }
    *limit = static_cast<int64_t>(c);
  };
  if (value > max || (bits != 64 && incr > maxincr) || (value >= 0 && incr > 0 && incr > maxincr)) {
    if (limit) {
      if (ow == Overflow::kWrap) {
        wrap();
      } else if (ow == Overflow::kSat) {
        *limit = max;
      }
    }
    return 1;
  }
  if (value < min || (bits != 64 && incr < minincr) || (value < 0 && incr < 0 && incr < minincr)) {
    if (limit) {
      if (ow == Overflow::kWrap) {
        wrap();
        return 1;
      }
      if (ow == Overflow::kSat) *limit = min;
    }
    return -1;
  }
  return 0;
}

StringEditor::StringEditor(Keyspace& ks, std::string_view key, Entry* e)
    : ks_(ks), key_(key), e_(e), target_(&copy_) {
  if (e_ && e_->storage == Storage::kPtr) {
    target_ = &static_cast<StringValue*>(e_->ptr())->str();
  } else if (e_) {
    char buf[24];
    copy_.assign(StringOf(e_, buf));
  }
}

Entry* StringEditor::Commit() {
  if (!e_) {
    e_ = ks_.SetString(key_, copy_, -1, false, StrEnc::kRaw);
  } else if (target_ == &copy_) {
    e_ = ks_.ReplaceString(e_, copy_, StrEnc::kRaw);
  } else {
    e_->flags |= Entry::kRawEncoding;
  }
  return e_;
}

}  // namespace node::db
