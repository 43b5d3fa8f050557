// node/persist/rdb_primitives.h
//
// RDB v10 building blocks (rdb.md §1.1, §2, §3): opcode and type ids, the
// length encoding, strings (plain, int-encoded, LZF), doubles and times.
// RdbWriter appends to a caller-owned std::string exactly as Redis 7.0's
// rdbSave* functions would; RdbReader is a bounds-checked cursor over a
// string_view whose every read returns a Result naming the offset on error.
// Used by rdb_value, rdb_file and dump_payload; no state beyond the cursor,
// any thread.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "node/base/result.h"

namespace node::persist {

using base::Result;
using base::Status;

constexpr int kRdbVersion = 10;

// Value type ids (rdb.md §2).
enum RdbType : uint8_t {
  kRdbString = 0,
  kRdbList = 1,
  kRdbSet = 2,
  kRdbZSet = 3,
  kRdbHash = 4,
  kRdbZSet2 = 5,
  kRdbModule = 6,
  kRdbModule2 = 7,
  kRdbHashZipmap = 9,
  kRdbListZiplist = 10,
  kRdbSetIntset = 11,
  kRdbZSetZiplist = 12,
  kRdbHashZiplist = 13,
  kRdbListQuicklist = 14,
  kRdbStreamListpacks = 15,
  kRdbHashListpack = 16,
  kRdbZSetListpack = 17,
  kRdbListQuicklist2 = 18,
  kRdbStreamListpacks2 = 19,
};

inline bool IsRdbObjectType(int t) { return (t >= 0 && t <= 7) || (t >= 9 && t <= 19); }

// Opcodes (rdb.md §1.1).
enum RdbOpcode : uint8_t {
  kOpFunction2 = 0xF5,
  kOpFunction = 0xF6,
  kOpModuleAux = 0xF7,
  kOpIdle = 0xF8,
  kOpFreq = 0xF9,
  kOpAux = 0xFA,
  kOpResizeDb = 0xFB,
  kOpExpireTimeMs = 0xFC,
  kOpExpireTime = 0xFD,
  kOpSelectDb = 0xFE,
  kOpEof = 0xFF,
};

// Appends RDB primitives to *out (not owned, must outlive the writer).
class RdbWriter {
 public:
  explicit RdbWriter(std::string* out, bool compress = true) : out_(out), compress_(compress) {}

  std::string* out() const { return out_; }
  bool compress() const { return compress_; }

  void Byte(uint8_t b) { out_->push_back(static_cast<char>(b)); }
  void Raw(std::string_view bytes) { out_->append(bytes); }
  void U16LE(uint16_t v);
  void U32LE(uint32_t v);
  void U64LE(uint64_t v);

  // Shortest length form (§3.1).
  void Len(uint64_t len);
  // rdbSaveRawString: int encoding for canonical integers of <= 11 chars that
  // fit 32 bits, LZF for strings longer than 20 bytes when it saves >= 4 bytes
  // (and compression is on), else length + bytes.
  void String(std::string_view s);
  // Length + bytes, never encoded.
  void PlainString(std::string_view s);
  // rdbSaveLongLongAsStringObject: INT8/16/32 when it fits, else decimal text.
  void Int64AsString(int64_t v);
  // LZF blob: C3 <clen> <ulen> <data> (§3.2).
  void LzfBlob(std::string_view compressed, size_t original_len);
  // 8-byte IEEE-754 little endian (§3.3).
  void BinaryDouble(double v);
  // Old text double (type 3 scores): length byte + %.17g, 253/254/255 specials.
  void TextDouble(double v);
  // 8-byte unix milliseconds, little endian.
  void MillisecondTime(int64_t ms) { U64LE(static_cast<uint64_t>(ms)); }

 private:
  std::string* out_;
  bool compress_;
};

// Bounds-checked reader. Never reads past the end; errors carry the offset.
class RdbReader {
 public:
  explicit RdbReader(std::string_view data) : data_(data) {}

  size_t offset() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }
  bool AtEnd() const { return pos_ >= data_.size(); }
  std::string_view data() const { return data_; }
  // The bytes between two offsets already read (for checksums/raw capture).
  std::string_view Slice(size_t from, size_t to) const { return data_.substr(from, to - from); }

  Result<uint8_t> Byte();
  Result<std::string_view> Raw(size_t n);
  Result<uint16_t> U16LE();
  Result<uint32_t> U32LE();
  Result<uint64_t> U64LE();

  // A plain length; a special (11xxxxxx) encoding is an error here.
  Result<uint64_t> Len();
  // A length or, when `encoded` is set, the special-encoding number (0..63).
  struct LenOrEncoding {
    uint64_t value = 0;
    bool encoded = false;
  };
  Result<LenOrEncoding> LenOrEnc();
  // A string in any §3.2 form, int-encoded ones turned into decimal text.
  Result<std::string> String();
  // Skips a string without materialising it (LZF data is not decompressed).
  Status SkipString();
  Result<double> BinaryDouble();
  Result<float> BinaryFloat();
  Result<double> TextDouble();
  Result<int64_t> MillisecondTime();

  // Builds an error naming the current offset: "<what> at offset N".
  Status Error(std::string_view what) const;
  Status ErrorAt(std::string_view what, size_t offset) const;

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

// string2ll + round trip: the value of a canonical decimal int64 ("0", "-5";
// not "-0", "007", "+1", " 1").
std::optional<int64_t> ParseCanonicalInt64(std::string_view s);
// Decimal text as Redis's ll2string (used when decoding int-encoded strings).
std::string Int64ToText(int64_t v);
// Redis 7.0's d2string: integral values in (-2^52, 2^52) as integers (so -0.0
// gives "0"), "inf"/"-inf"/"nan", else %.17g. Used for listpack zset scores.
std::string DoubleToText(double v);

}  // namespace node::persist
