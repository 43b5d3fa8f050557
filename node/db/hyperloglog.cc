// node/db/hyperloglog.cc
//
// Redis's HyperLogLog codec and estimator (see hyperloglog.h for the format).
// The sparse update follows Redis's in-place edit step by step (split of the
// opcode covering the register, then a bounded merge of adjacent VAL opcodes
// starting at the previous opcode) because the resulting bytes must be the
// ones redis-server produces for the same sequence of PFADDs.

#include "node/db/hyperloglog.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace node::db::hll {

namespace {

constexpr uint64_t kSeed = 0xadc83b19ull;
constexpr int kValMaxValue = 32;
constexpr int kValMaxLen = 4;
constexpr int kZeroMaxLen = 64;
constexpr double kAlphaInf = 0.721347520444481703680;  // 0.5 / ln(2)

// Opcode classes of the sparse encoding.
bool IsZero(uint8_t b) { return (b & 0xc0) == 0; }
bool IsXZero(uint8_t b) { return (b & 0xc0) == 0x40; }
bool IsVal(uint8_t b) { return (b & 0x80) != 0; }
int ZeroLen(uint8_t b) { return (b & 0x3f) + 1; }
int ValValue(uint8_t b) { return ((b >> 2) & 0x1f) + 1; }
int ValLen(uint8_t b) { return (b & 0x3) + 1; }
uint8_t ValOp(int value, int len) {
  return static_cast<uint8_t>(0x80 | ((value - 1) << 2) | (len - 1));
}

// A byte of the string, or 0 past its end (Redis reads the sds terminator).
uint8_t ByteAt(std::string_view s, size_t i) {
  return i < s.size() ? static_cast<uint8_t>(s[i]) : 0;
}
int XZeroLen(std::string_view s, size_t pos) {
  return (((ByteAt(s, pos) & 0x3f) << 8) | ByteAt(s, pos + 1)) + 1;
}

// Appends a ZERO or XZERO opcode for `len` zero registers.
size_t PutZeros(uint8_t* out, int len) {
  if (len > kZeroMaxLen) {
    out[0] = static_cast<uint8_t>(((len - 1) >> 8) | 0x40);
    out[1] = static_cast<uint8_t>((len - 1) & 0xff);
    return 2;
  }
  out[0] = static_cast<uint8_t>(len - 1);
  return 1;
}

uint8_t* Regs(std::string& s) { return reinterpret_cast<uint8_t*>(s.data()) + kHeaderSize; }
const uint8_t* Regs(std::string_view s) {
  return reinterpret_cast<const uint8_t*>(s.data()) + kHeaderSize;
}

int DenseSetIfGreater(std::string& s, int index, uint8_t count) {
  uint8_t* regs = Regs(s);
  if (count <= DenseGet(regs, index)) return 0;
  DenseSet(regs, index, count);
  return 1;
}

// Walks sparse opcodes, calling fn(index, runlen, value) for VAL runs;
// zero runs only advance. Returns false when the opcodes do not cover
// exactly kRegisters registers; a run passing the last register stops the
// walk at once (Redis since the CVE-2025-32023 fix, which Debian's 7.0.15
// carries: such a run makes the HLL invalid even after a full cover).
template <typename Fn>
bool WalkSparse(std::string_view s, Fn&& fn) {
  int64_t idx = 0;
  size_t pos = kHeaderSize;
  while (pos < s.size()) {
    uint8_t b = static_cast<uint8_t>(s[pos]);
    int runlen;
    size_t oplen = 1;
    if (IsZero(b)) {
      runlen = ZeroLen(b);
    } else if (IsXZero(b)) {
      runlen = XZeroLen(s, pos);
      oplen = 2;
    } else {
      runlen = ValLen(b);
    }
    if (runlen + idx > kRegisters) return false;
    if (IsVal(b)) fn(static_cast<int>(idx), runlen, ValValue(b));
    idx += runlen;
    pos += oplen;
  }
  return idx == kRegisters;
}

double Sigma(double x) {
  if (x == 1.) return std::numeric_limits<double>::infinity();
  double z_prev;
  double y = 1;
  double z = x;
  do {
    x *= x;
    z_prev = z;
    z += x * y;
    y += y;
  } while (z_prev != z);
  return z;
}

double Tau(double x) {
  if (x == 0. || x == 1.) return 0.;
  double z_prev;
  double y = 1.0;
  double z = 1 - x;
  do {
    x = std::sqrt(x);
    z_prev = z;
    y *= 0.5;
    z -= std::pow(1 - x, 2) * y;
  } while (z_prev != z);
  return z / 3;
}

// Ertl's improved estimator over the register histogram.
uint64_t Estimate(const int* hist) {
  const double m = kRegisters;
  double z = m * Tau((m - hist[kQ + 1]) / m);
  for (int j = kQ; j >= 1; --j) {
    z += hist[j];
    z *= 0.5;
  }
  z += m * Sigma(hist[0] / m);
  return static_cast<uint64_t>(std::llround(kAlphaInf * m * m / z));
}

int SparseSet(std::string& s, int index, uint8_t count, size_t sparse_max_bytes) {
  if (count > kValMaxValue) goto promote;
  {
    // Step 1: find the opcode covering `index`.
    constexpr size_t kNone = std::string::npos;
    size_t pos = kHeaderSize, prev = kNone;
    int64_t first = 0, span = 0;
    bool xzero_op = false;
    while (pos < s.size()) {
      uint8_t b = static_cast<uint8_t>(s[pos]);
      size_t oplen = 1;
      xzero_op = false;
      if (IsZero(b)) {
        span = ZeroLen(b);
      } else if (IsVal(b)) {
        span = ValLen(b);
      } else {
        span = XZeroLen(s, pos);
        oplen = 2;
        xzero_op = true;
      }
      if (index <= first + span - 1) break;
      prev = pos;
      pos += oplen;
      first += span;
    }
    if (span == 0 || pos >= s.size()) return -1;

    uint8_t op = static_cast<uint8_t>(s[pos]);
    bool is_zero = IsZero(op), is_val = IsVal(op);
    int64_t runlen = span;

    // Step 2: the trivial updates in place.
    if (is_val) {
      if (ValValue(op) >= count) return 0;
      if (runlen == 1) {
        s[pos] = static_cast<char>(ValOp(count, 1));
        goto updated_at;
      }
    }
    if (is_zero && runlen == 1) {
      s[pos] = static_cast<char>(ValOp(count, 1));
      goto updated_at;
    }
    {
      // General case: split the opcode into up to three.
      uint8_t seq[5];
      size_t n = 0;
      int64_t last = first + span - 1;
      if (!is_val) {
        if (index != first) n += PutZeros(seq + n, static_cast<int>(index - first));
        seq[n++] = ValOp(count, 1);
        if (index != last) n += PutZeros(seq + n, static_cast<int>(last - index));
      } else {
        int cur = ValValue(op);
        if (index != first) seq[n++] = ValOp(cur, static_cast<int>(index - first));
        seq[n++] = ValOp(count, 1);
        if (index != last) seq[n++] = ValOp(cur, static_cast<int>(last - index));
      }
      size_t oldlen = xzero_op ? 2 : 1;
      if (n > oldlen && s.size() + (n - oldlen) > sparse_max_bytes) goto promote;
      // A final XZERO cut after its first byte reads Redis's terminating
      // zero as its second; Redis then keeps one byte less than it wrote.
      bool truncated = pos + oldlen > s.size();
      if (truncated) s.push_back('\0');
      s.replace(pos, oldlen, reinterpret_cast<const char*>(seq), n);
      if (truncated) s.pop_back();
    }
  updated_at:
    // Step 3: merge adjacent VAL opcodes of equal value, scanning at most
    // five opcodes from the one before the change.
    size_t p = prev != kNone ? prev : kHeaderSize;
    int scanlen = 5;
    while (p < s.size() && scanlen-- > 0) {
      uint8_t b = static_cast<uint8_t>(s[p]);
      if (IsXZero(b)) {
        p += 2;
        continue;
      }
      if (IsZero(b)) {
        p++;
        continue;
      }
      if (p + 1 < s.size() && IsVal(static_cast<uint8_t>(s[p + 1]))) {
        uint8_t b2 = static_cast<uint8_t>(s[p + 1]);
        int v1 = ValValue(b), v2 = ValValue(b2);
        if (v1 == v2) {
          int len = ValLen(b) + ValLen(b2);
          if (len <= kValMaxLen) {
            s[p + 1] = static_cast<char>(ValOp(v1, len));
            s.erase(p, 1);
            continue;
          }
        }
      }
      p++;
    }
    InvalidateCache(s);
    return 1;
  }

promote:
  if (!SparseToDense(s)) return -1;
  return DenseSetIfGreater(s, index, count);
}

}  // namespace

uint64_t MurmurHash64A(const void* key, size_t len, uint64_t seed) {
  const uint64_t m = 0xc6a4a7935bd1e995ull;
  const int r = 47;
  // Redis passes the length as an int: keep its low 32 bits, sign-extended.
  uint64_t h = seed ^ (static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(len))) * m);
  const uint8_t* data = static_cast<const uint8_t*>(key);
  size_t words = len / 8;
  for (size_t i = 0; i < words; i++, data += 8) {
    uint64_t k = 0;
    for (int b = 7; b >= 0; b--) k = (k << 8) | data[b];
    k *= m;
    k ^= k >> r;
    k *= m;
    h ^= k;
    h *= m;
  }
  size_t rest = len & 7;
  if (rest) {
    for (size_t b = rest; b-- > 0;) h ^= static_cast<uint64_t>(data[b]) << (8 * b);
    h *= m;
  }
  h ^= h >> r;
  h *= m;
  h ^= h >> r;
  return h;
}

int PatternLen(std::string_view element, int* reg) {
  uint64_t hash = MurmurHash64A(element.data(), element.size(), kSeed);
  *reg = static_cast<int>(hash & (kRegisters - 1));
  hash >>= kP;
  hash |= uint64_t{1} << kQ;  // the run ends by bit Q at the latest
  int count = 1;
  uint64_t bit = 1;
  while ((hash & bit) == 0) {
    count++;
    bit <<= 1;
  }
  return count;
}

std::string NewSparse() {
  std::string s(kHeaderSize, '\0');
  memcpy(s.data(), "HYLL", 4);
  s[4] = static_cast<char>(kSparse);
  uint8_t op[2];
  for (int left = kRegisters; left > 0;) {
    int n = left > kRegisters ? kRegisters : left;
    op[0] = static_cast<uint8_t>(((n - 1) >> 8) | 0x40);
    op[1] = static_cast<uint8_t>((n - 1) & 0xff);
    s.append(reinterpret_cast<const char*>(op), 2);
    left -= n;
  }
  return s;
}

bool LooksValid(std::string_view s) {
  if (s.size() < kHeaderSize) return false;
  if (s.substr(0, 4) != "HYLL") return false;
  uint8_t enc = EncodingOf(s);
  if (enc > kSparse) return false;
  if (enc == kDense && s.size() != kDenseSize) return false;
  return true;
}

bool CacheValid(std::string_view s) { return (static_cast<uint8_t>(s[15]) & 0x80) == 0; }

uint64_t CachedCard(std::string_view s) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | static_cast<uint8_t>(s[8 + static_cast<size_t>(i)]);
  return v;
}

void SetCachedCard(std::string& s, uint64_t card) {
  for (size_t i = 0; i < 8; i++) s[8 + i] = static_cast<char>((card >> (8 * i)) & 0xff);
}

void InvalidateCache(std::string& s) { s[15] = static_cast<char>(s[15] | 0x80); }

uint8_t DenseGet(const uint8_t* regs, int index) {
  size_t bitpos = static_cast<size_t>(index) * kBits;
  size_t byte = bitpos / 8;
  unsigned fb = bitpos & 7;
  unsigned v = regs[byte] >> fb;
  if (fb > 8 - kBits && byte + 1 < kDenseRegBytes)
    v |= static_cast<unsigned>(regs[byte + 1]) << (8 - fb);
  return static_cast<uint8_t>(v & kRegisterMax);
}

void DenseSet(uint8_t* regs, int index, uint8_t value) {
  size_t bitpos = static_cast<size_t>(index) * kBits;
  size_t byte = bitpos / 8;
  unsigned fb = bitpos & 7;
  unsigned v = value & kRegisterMax;
  regs[byte] = static_cast<uint8_t>((regs[byte] & ~(kRegisterMax << fb)) | (v << fb));
  if (fb > 8 - kBits && byte + 1 < kDenseRegBytes) {
    unsigned rs = 8 - fb;
    regs[byte + 1] = static_cast<uint8_t>((regs[byte + 1] & ~(kRegisterMax >> rs)) | (v >> rs));
  }
}

int SetRegister(std::string& s, int index, uint8_t count, size_t sparse_max_bytes) {
  if (index < 0 || index >= kRegisters) return -1;
  if (EncodingOf(s) == kDense) return DenseSetIfGreater(s, index, count);
  if (EncodingOf(s) == kSparse) return SparseSet(s, index, count, sparse_max_bytes);
  return -1;
}

int Add(std::string& s, std::string_view element, size_t sparse_max_bytes) {
  int reg;
  int count = PatternLen(element, &reg);
  return SetRegister(s, reg, static_cast<uint8_t>(count), sparse_max_bytes);
}

bool SparseToDense(std::string& s) {
  if (EncodingOf(s) == kDense) return true;
  std::string dense(kDenseSize, '\0');
  memcpy(dense.data(), s.data(), kHeaderSize);  // magic and cached cardinality
  dense[4] = static_cast<char>(kDense);
  uint8_t* regs = Regs(dense);
  bool valid = WalkSparse(s, [&](int idx, int runlen, int value) {
    for (int i = 0; i < runlen; i++) DenseSet(regs, idx + i, static_cast<uint8_t>(value));
  });
  if (!valid) return false;
  s.swap(dense);
  return true;
}

bool MergeInto(std::string_view s, uint8_t* max) {
  if (EncodingOf(s) == kDense) {
    const uint8_t* regs = Regs(s);
    for (int i = 0; i < kRegisters; i++) {
      uint8_t v = DenseGet(regs, i);
      if (v > max[i]) max[i] = v;
    }
    return true;
  }
  return WalkSparse(s, [&](int idx, int runlen, int value) {
    for (int i = 0; i < runlen; i++) {
      if (value > max[idx + i]) max[idx + i] = static_cast<uint8_t>(value);
    }
  });
}

uint64_t Count(std::string_view s, bool* invalid) {
  int hist[64] = {0};
  if (EncodingOf(s) == kDense) {
    const uint8_t* regs = Regs(s);
    for (int i = 0; i < kRegisters; i++) hist[DenseGet(regs, i)]++;
  } else {
    // Every run is counted; coverage other than kRegisters is reported
    // invalid (the estimate is then not used).
    int64_t idx = 0;
    size_t pos = kHeaderSize;
    while (pos < s.size()) {
      uint8_t b = static_cast<uint8_t>(s[pos]);
      if (IsZero(b)) {
        idx += ZeroLen(b);
        hist[0] += ZeroLen(b);
        pos++;
      } else if (IsXZero(b)) {
        int n = XZeroLen(s, pos);
        idx += n;
        hist[0] += n;
        pos += 2;
      } else {
        idx += ValLen(b);
        hist[ValValue(b)] += ValLen(b);
        pos++;
      }
    }
    if (idx != kRegisters && invalid) *invalid = true;
  }
  return Estimate(hist);
}

uint64_t CountRaw(const uint8_t* regs) {
  int hist[256] = {0};
  for (int i = 0; i < kRegisters; i++) hist[regs[i]]++;
  return Estimate(hist);
}

std::string DecodeSparse(std::string_view s) {
  std::string out;
  size_t pos = kHeaderSize;
  while (pos < s.size()) {
    uint8_t b = static_cast<uint8_t>(s[pos]);
    if (IsZero(b)) {
      out += "z:" + std::to_string(ZeroLen(b)) + " ";
      pos++;
    } else if (IsXZero(b)) {
      out += "Z:" + std::to_string(XZeroLen(s, pos)) + " ";
      pos += 2;
    } else {
      out += "v:" + std::to_string(ValValue(b)) + "," + std::to_string(ValLen(b)) + " ";
      pos++;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace node::db::hll
