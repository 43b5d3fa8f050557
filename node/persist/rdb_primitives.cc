// node/persist/rdb_primitives.cc -- see rdb_primitives.h.

#include "node/persist/rdb_primitives.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "node/base/strings.h"
#include "node/persist/lzf.h"

namespace node::persist {
namespace {

constexpr uint8_t kEncInt8 = 0;
constexpr uint8_t kEncInt16 = 1;
constexpr uint8_t kEncInt32 = 2;
constexpr uint8_t kEncLzf = 3;

// The largest expansion LZF can achieve is 264 output bytes per 2 input bytes;
// a claimed uncompressed size beyond this bound is hostile, refuse before
// allocating it.
constexpr uint64_t kLzfMaxRatio = 133;

// rdbEncodeInteger: the INT8/16/32 form of v, or 0 bytes if it does not fit.
size_t EncodeInteger(int64_t v, uint8_t* buf) {
  if (v >= -(1 << 7) && v <= (1 << 7) - 1) {
    buf[0] = 0xC0 | kEncInt8;
    buf[1] = static_cast<uint8_t>(v);
    return 2;
  }
  if (v >= -(1 << 15) && v <= (1 << 15) - 1) {
    buf[0] = 0xC0 | kEncInt16;
    buf[1] = static_cast<uint8_t>(v);
    buf[2] = static_cast<uint8_t>(v >> 8);
    return 3;
  }
  if (v >= -(int64_t{1} << 31) && v <= (int64_t{1} << 31) - 1) {
    buf[0] = 0xC0 | kEncInt32;
    for (int i = 0; i < 4; ++i) buf[1 + i] = static_cast<uint8_t>(v >> (8 * i));
    return 5;
  }
  return 0;
}

}  // namespace

std::optional<int64_t> ParseCanonicalInt64(std::string_view s) {
  auto v = base::ParseInt64(s);
  if (!v || Int64ToText(*v) != s) return std::nullopt;  // e.g. "-0" is not canonical
  return v;
}

std::string Int64ToText(int64_t v) { return base::Int64ToString(v); }

std::string DoubleToText(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  // -0.0 takes the integer path and prints "0" (verified: ZADD z -0 m on
  // 7.0.15 stores the listpack integer 0).
  constexpr double kMin = -4503599627370495.0;
  constexpr double kMax = 4503599627370496.0;
  if (v > kMin && v < kMax && v == static_cast<double>(static_cast<int64_t>(v))) {
    return Int64ToText(static_cast<int64_t>(v));
  }
  char buf[64];
  int n = std::snprintf(buf, sizeof(buf), "%.17g", v);
  return std::string(buf, static_cast<size_t>(n));
}

// --- RdbWriter ---

void RdbWriter::U16LE(uint16_t v) {
  char b[2] = {static_cast<char>(v), static_cast<char>(v >> 8)};
  out_->append(b, 2);
}

void RdbWriter::U32LE(uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out_->append(b, 4);
}

void RdbWriter::U64LE(uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(v >> (8 * i));
  out_->append(b, 8);
}

void RdbWriter::Len(uint64_t len) {
  if (len < (1 << 6)) {
    Byte(static_cast<uint8_t>(len));
  } else if (len < (1 << 14)) {
    Byte(static_cast<uint8_t>(0x40 | (len >> 8)));
    Byte(static_cast<uint8_t>(len));
  } else if (len <= 0xFFFFFFFFULL) {
    Byte(0x80);
    for (int i = 3; i >= 0; --i) Byte(static_cast<uint8_t>(len >> (8 * i)));
  } else {
    Byte(0x81);
    for (int i = 7; i >= 0; --i) Byte(static_cast<uint8_t>(len >> (8 * i)));
  }
}

void RdbWriter::PlainString(std::string_view s) {
  Len(s.size());
  Raw(s);
}

void RdbWriter::LzfBlob(std::string_view compressed, size_t original_len) {
  Byte(0xC0 | kEncLzf);
  Len(compressed.size());
  Len(original_len);
  Raw(compressed);
}

void RdbWriter::String(std::string_view s) {
  if (s.size() <= 11 && !s.empty()) {
    if (auto v = ParseCanonicalInt64(s)) {
      uint8_t buf[5];
      if (size_t n = EncodeInteger(*v, buf)) {
        out_->append(reinterpret_cast<const char*>(buf), n);
        return;
      }
    }
  }
  if (compress_ && s.size() > 20) {
    if (auto c = LzfCompress(s, s.size() - 4)) {
      LzfBlob(*c, s.size());
      return;
    }
  }
  PlainString(s);
}

void RdbWriter::Int64AsString(int64_t v) {
  uint8_t buf[5];
  if (size_t n = EncodeInteger(v, buf)) {
    out_->append(reinterpret_cast<const char*>(buf), n);
    return;
  }
  PlainString(Int64ToText(v));
}

void RdbWriter::BinaryDouble(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, 8);
  U64LE(bits);
}

void RdbWriter::TextDouble(double v) {
  if (std::isnan(v)) {
    Byte(253);
    return;
  }
  if (std::isinf(v)) {
    Byte(v < 0 ? 255 : 254);
    return;
  }
  std::string text;
  constexpr double kMin = -4503599627370495.0;
  constexpr double kMax = 4503599627370496.0;
  if (v > kMin && v < kMax && v == static_cast<double>(static_cast<int64_t>(v))) {
    text = Int64ToText(static_cast<int64_t>(v));
  } else {
    char buf[64];
    int n = std::snprintf(buf, sizeof(buf), "%.17g", v);
    text.assign(buf, static_cast<size_t>(n));
  }
  Byte(static_cast<uint8_t>(text.size()));
  Raw(text);
}

// --- RdbReader ---

Status RdbReader::ErrorAt(std::string_view what, size_t offset) const {
  std::string msg(what);
  msg += " at offset ";
  msg += std::to_string(offset);
  return Status::Error(std::move(msg));
}

Status RdbReader::Error(std::string_view what) const { return ErrorAt(what, pos_); }

Result<uint8_t> RdbReader::Byte() {
  if (pos_ >= data_.size()) return Error("unexpected end of RDB data");
  return static_cast<uint8_t>(data_[pos_++]);
}

Result<std::string_view> RdbReader::Raw(size_t n) {
  if (n > remaining()) return Error("unexpected end of RDB data");
  std::string_view v = data_.substr(pos_, n);
  pos_ += n;
  return v;
}

Result<uint16_t> RdbReader::U16LE() {
  auto r = Raw(2);
  if (!r) return r.status();
  auto* p = reinterpret_cast<const uint8_t*>(r->data());
  return static_cast<uint16_t>(p[0] | (p[1] << 8));
}

Result<uint32_t> RdbReader::U32LE() {
  auto r = Raw(4);
  if (!r) return r.status();
  auto* p = reinterpret_cast<const uint8_t*>(r->data());
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

Result<uint64_t> RdbReader::U64LE() {
  auto r = Raw(8);
  if (!r) return r.status();
  auto* p = reinterpret_cast<const uint8_t*>(r->data());
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

Result<RdbReader::LenOrEncoding> RdbReader::LenOrEnc() {
  size_t start = pos_;
  auto b = Byte();
  if (!b) return b.status();
  uint8_t first = *b;
  LenOrEncoding r;
  switch (first >> 6) {
    case 0:
      r.value = first & 0x3F;
      return r;
    case 1: {
      auto b2 = Byte();
      if (!b2) return b2.status();
      r.value = (uint64_t{first & 0x3FU} << 8) | *b2;
      return r;
    }
    case 3:
      r.value = first & 0x3F;
      r.encoded = true;
      return r;
    default:
      break;
  }
  int n = first == 0x80 ? 4 : first == 0x81 ? 8 : 0;
  if (n == 0) return ErrorAt("unknown length encoding", start);
  auto raw = Raw(static_cast<size_t>(n));
  if (!raw) return raw.status();
  for (unsigned char c : *raw) r.value = (r.value << 8) | c;
  return r;
}

Result<uint64_t> RdbReader::Len() {
  size_t start = pos_;
  auto r = LenOrEnc();
  if (!r) return r.status();
  if (r->encoded) return ErrorAt("unexpected string encoding where a length was expected", start);
  return r->value;
}

Result<std::string> RdbReader::String() {
  size_t start = pos_;
  auto l = LenOrEnc();
  if (!l) return l.status();
  if (!l->encoded) {
    auto raw = Raw(l->value > remaining() ? remaining() + 1 : l->value);
    if (!raw) return raw.status();
    return std::string(*raw);
  }
  switch (l->value) {
    case kEncInt8: {
      auto r = Raw(1);
      if (!r) return r.status();
      return Int64ToText(static_cast<int8_t>((*r)[0]));
    }
    case kEncInt16: {
      auto r = U16LE();
      if (!r) return r.status();
      return Int64ToText(static_cast<int16_t>(*r));
    }
    case kEncInt32: {
      auto r = U32LE();
      if (!r) return r.status();
      return Int64ToText(static_cast<int32_t>(*r));
    }
    case kEncLzf: {
      auto clen = Len();
      if (!clen) return clen.status();
      auto ulen = Len();
      if (!ulen) return ulen.status();
      if (*clen > remaining()) return Error("unexpected end of RDB data");
      if (*clen == 0 || *ulen > *clen * kLzfMaxRatio) return ErrorAt("invalid LZF lengths", start);
      auto data = Raw(*clen);
      if (!data) return data.status();
      auto out = LzfDecompress(*data, *ulen);
      if (!out) return ErrorAt("invalid LZF compressed string", start);
      return std::move(*out);
    }
    default:
      return ErrorAt("unknown RDB string encoding type", start);
  }
}

Status RdbReader::SkipString() {
  size_t start = pos_;
  auto l = LenOrEnc();
  if (!l) return l.status();
  if (!l->encoded) return Raw(l->value > remaining() ? remaining() + 1 : l->value).status();
  switch (l->value) {
    case kEncInt8:
      return Raw(1).status();
    case kEncInt16:
      return Raw(2).status();
    case kEncInt32:
      return Raw(4).status();
    case kEncLzf: {
      auto clen = Len();
      if (!clen) return clen.status();
      auto ulen = Len();
      if (!ulen) return ulen.status();
      return Raw(*clen > remaining() ? remaining() + 1 : *clen).status();
    }
    default:
      return ErrorAt("unknown RDB string encoding type", start);
  }
}

Result<double> RdbReader::BinaryDouble() {
  auto r = U64LE();
  if (!r) return r.status();
  double v;
  uint64_t bits = *r;
  std::memcpy(&v, &bits, 8);
  return v;
}

Result<float> RdbReader::BinaryFloat() {
  auto r = U32LE();
  if (!r) return r.status();
  float v;
  uint32_t bits = *r;
  std::memcpy(&v, &bits, 4);
  return v;
}

Result<double> RdbReader::TextDouble() {
  size_t start = pos_;
  auto len = Byte();
  if (!len) return len.status();
  switch (*len) {
    case 253:
      return std::numeric_limits<double>::quiet_NaN();
    case 254:
      return std::numeric_limits<double>::infinity();
    case 255:
      return -std::numeric_limits<double>::infinity();
    default:
      break;
  }
  auto text = Raw(*len);
  if (!text) return text.status();
  // Redis uses strtod on the text; accept exactly what it accepts.
  char buf[256];
  std::memcpy(buf, text->data(), text->size());
  buf[text->size()] = 0;
  char* end = nullptr;
  double v = std::strtod(buf, &end);
  if (text->empty() || end != buf + text->size()) return ErrorAt("invalid text double", start);
  return v;
}

Result<int64_t> RdbReader::MillisecondTime() {
  auto r = U64LE();
  if (!r) return r.status();
  return static_cast<int64_t>(*r);
}

}  // namespace node::persist
