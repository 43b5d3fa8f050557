// node/db/hyperloglog.h
//
// Redis's HyperLogLog representation, byte for byte, so that a key written
// here reads the same on redis-server and back (GET/SET, DUMP/RESTORE). The
// value is an ordinary string:
//
//   "HYLL" | encoding (0 dense, 1 sparse) | 3 zero bytes | 8-byte cached
//   cardinality, little endian, top bit set = stale | registers
//
// 16384 registers of 6 bits. Dense: 12288 bytes, register i occupies bits
// 6i..6i+5 counted from the least significant bit of each byte. Sparse: a run
// length code of opcodes ZERO (00xxxxxx: 1..64 zero registers), XZERO
// (01xxxxxx yyyyyyyy: 1..16384 zero registers) and VAL (1vvvvvxx: 1..4
// registers of value 1..32). Elements hash with MurmurHash64A (seed
// 0xadc83b19); the estimate is Ertl's improved estimator as in Redis 7.0.
//
// Pure functions on bytes; the command handlers (node/commands/hll.cc) own
// the keyspace side. Every function tolerates arbitrary (corrupted) input:
// it reports corruption, it never reads or writes out of bounds. Engine
// thread (no state).

#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace node::db::hll {

inline constexpr int kP = 14;
inline constexpr int kQ = 64 - kP;
inline constexpr int kRegisters = 1 << kP;
inline constexpr int kBits = 6;
inline constexpr int kRegisterMax = (1 << kBits) - 1;
inline constexpr size_t kHeaderSize = 16;
inline constexpr size_t kDenseRegBytes = (kRegisters * kBits + 7) / 8;
inline constexpr size_t kDenseSize = kHeaderSize + kDenseRegBytes;
inline constexpr uint8_t kDense = 0;
inline constexpr uint8_t kSparse = 1;
// Redis's hll-sparse-max-bytes default.
inline constexpr size_t kDefaultSparseMaxBytes = 3000;

// MurmurHash2, 64-bit variant, reading the key as little-endian words (Redis's
// endian-neutral version).
uint64_t MurmurHash64A(const void* key, size_t len, uint64_t seed);

// Hashes an element: returns the run length of the "000..1" pattern (1..51)
// and stores the register index in *reg.
int PatternLen(std::string_view element, int* reg);

// A new, empty HLL (sparse: one XZERO opcode covering every register).
std::string NewSparse();

// Header checks Redis does before using a string as an HLL: length, magic,
// known encoding, exact dense size. It does not walk the sparse opcodes.
bool LooksValid(std::string_view s);
inline uint8_t EncodingOf(std::string_view s) { return static_cast<uint8_t>(s[4]); }

// Cached cardinality in the header.
bool CacheValid(std::string_view s);
uint64_t CachedCard(std::string_view s);
void SetCachedCard(std::string& s, uint64_t card);
void InvalidateCache(std::string& s);

// Dense register access on the 12288 register bytes.
uint8_t DenseGet(const uint8_t* regs, int index);
void DenseSet(uint8_t* regs, int index, uint8_t value);

// Sets register `index` to `count` when that is larger than its value.
// Returns 1 when it changed, 0 when not, -1 on a corrupted sparse HLL. A
// sparse HLL is promoted to dense when count > 32 or when it would grow past
// sparse_max_bytes. `s` must pass LooksValid().
int SetRegister(std::string& s, int index, uint8_t count, size_t sparse_max_bytes);

// PFADD of one element: SetRegister of its hash.
int Add(std::string& s, std::string_view element, size_t sparse_max_bytes);

// Converts a sparse HLL to dense (no-op when dense). False (and `s`
// unchanged) when the sparse opcodes are corrupted.
bool SparseToDense(std::string& s);

// max[i] = MAX(max[i], register i) over the registers of `s` (max has
// kRegisters entries). False on a corrupted sparse HLL.
bool MergeInto(std::string_view s, uint8_t* max);

// The estimate from the registers of `s`; *invalid is set when the sparse
// opcodes do not cover exactly kRegisters registers.
uint64_t Count(std::string_view s, bool* invalid);
// The estimate from one byte per register (PFCOUNT of several keys).
uint64_t CountRaw(const uint8_t* regs);

// PFDEBUG DECODE text: "z:N", "Z:N", "v:V,N" separated by spaces.
std::string DecodeSparse(std::string_view s);

}  // namespace node::db::hll
