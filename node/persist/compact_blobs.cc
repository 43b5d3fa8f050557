// node/persist/compact_blobs.cc -- see compact_blobs.h. Layouts in rdb.md §5.

#include "node/persist/compact_blobs.h"

#include <algorithm>

#include "node/db/listpack_size.h"
#include "node/persist/rdb_primitives.h"

namespace node::persist {

using base::Result;
using base::Status;

namespace {

constexpr size_t kListpackHeader = 6;
constexpr uint8_t kListpackEnd = 0xFF;
constexpr uint16_t kListpackCountUnknown = 65535;

uint64_t LoadLE(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

int64_t SignExtend(uint64_t v, int bits) {
  uint64_t sign = uint64_t{1} << (bits - 1);
  if (bits == 64) return static_cast<int64_t>(v);
  v &= (uint64_t{1} << bits) - 1;
  return static_cast<int64_t>((v ^ sign) - sign);
}

size_t BacklenSize(size_t l) { return db::ListpackBacklenSize(l); }

// Decodes a back-length that ends at p[end-1] walking backwards, bounded by begin.
bool DecodeBacklen(const uint8_t* begin, const uint8_t* last, uint64_t* out) {
  uint64_t v = 0;
  int shift = 0;
  const uint8_t* p = last;
  for (int i = 0; i < 5; ++i) {
    v |= uint64_t{static_cast<uint8_t>(*p & 127)} << shift;
    if (!(*p & 128)) {
      *out = v;
      return true;
    }
    shift += 7;
    if (p == begin) return false;
    --p;
  }
  return false;
}

Status Bad(std::string_view what, size_t offset) {
  return Status::Error(std::string(what) + " at blob offset " + std::to_string(offset));
}

}  // namespace

std::string BlobElement::ToString() const {
  return is_int ? Int64ToText(int_value) : std::string(str);
}

// --- Listpack ---

ListpackBuilder::ListpackBuilder() { buf_.assign(kListpackHeader, '\0'); }

void ListpackBuilder::AddBacklen(size_t l) {
  size_t n = BacklenSize(l);
  uint8_t b[5];
  for (size_t i = 0; i < n; ++i) {
    size_t shift = 7 * (n - 1 - i);
    b[i] = static_cast<uint8_t>((l >> shift) & 127);
    if (i > 0) b[i] |= 128;
  }
  buf_.append(reinterpret_cast<const char*>(b), n);
  ++count_;
}

size_t ListpackBuilder::IntegerElementSize(int64_t v) { return db::ListpackIntEntrySize(v); }

size_t ListpackBuilder::ElementSize(std::string_view s) { return db::ListpackEntrySize(s); }

void ListpackBuilder::AppendInteger(int64_t v) {
  uint8_t b[9];
  size_t n;
  if (v >= 0 && v <= 127) {
    b[0] = static_cast<uint8_t>(v);
    n = 1;
  } else if (v >= -4096 && v <= 4095) {
    uint64_t u = v < 0 ? static_cast<uint64_t>((1 << 13) + v) : static_cast<uint64_t>(v);
    b[0] = static_cast<uint8_t>(0xC0 | (u >> 8));
    b[1] = static_cast<uint8_t>(u & 0xFF);
    n = 2;
  } else {
    int width;
    if (v >= -32768 && v <= 32767) {
      b[0] = 0xF1;
      width = 2;
    } else if (v >= -8388608 && v <= 8388607) {
      b[0] = 0xF2;
      width = 3;
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
      b[0] = 0xF3;
      width = 4;
    } else {
      b[0] = 0xF4;
      width = 8;
    }
    uint64_t u = static_cast<uint64_t>(v);
    for (int i = 0; i < width; ++i) b[1 + i] = static_cast<uint8_t>(u >> (8 * i));
    n = 1 + static_cast<size_t>(width);
  }
  buf_.append(reinterpret_cast<const char*>(b), n);
  AddBacklen(n);
}

void ListpackBuilder::Append(std::string_view s) {
  if (s.size() <= 20) {
    if (auto v = ParseCanonicalInt64(s)) {
      AppendInteger(*v);
      return;
    }
  }
  size_t len = s.size();
  size_t header;
  if (len < 64) {
    buf_.push_back(static_cast<char>(0x80 | len));
    header = 1;
  } else if (len < 4096) {
    buf_.push_back(static_cast<char>(0xE0 | (len >> 8)));
    buf_.push_back(static_cast<char>(len & 0xFF));
    header = 2;
  } else {
    buf_.push_back(static_cast<char>(0xF0));
    for (int i = 0; i < 4; ++i) buf_.push_back(static_cast<char>(len >> (8 * i)));
    header = 5;
  }
  buf_.append(s);
  AddBacklen(header + len);
}

std::string ListpackBuilder::Finish() {
  buf_.push_back(static_cast<char>(kListpackEnd));
  uint32_t total = static_cast<uint32_t>(buf_.size());
  for (int i = 0; i < 4; ++i) buf_[static_cast<size_t>(i)] = static_cast<char>(total >> (8 * i));
  uint16_t n =
      count_ >= kListpackCountUnknown ? kListpackCountUnknown : static_cast<uint16_t>(count_);
  buf_[4] = static_cast<char>(n & 0xFF);
  buf_[5] = static_cast<char>(n >> 8);
  std::string out = std::move(buf_);
  buf_.assign(kListpackHeader, '\0');
  count_ = 0;
  return out;
}

Status ListpackForEach(std::string_view blob, const std::function<Status(const BlobElement&)>& fn) {
  const auto* p = reinterpret_cast<const uint8_t*>(blob.data());
  const size_t size = blob.size();
  if (size < kListpackHeader + 1) return Bad("listpack too short", 0);
  if (LoadLE(p, 4) != size) return Bad("listpack header size mismatch", 0);
  if (p[size - 1] != kListpackEnd) return Bad("listpack not terminated", size - 1);
  const uint16_t declared = static_cast<uint16_t>(LoadLE(p + 4, 2));
  size_t pos = kListpackHeader;
  size_t count = 0;
  const size_t end = size - 1;  // position of the terminator
  while (pos < end) {
    const size_t start = pos;
    const uint8_t b = p[pos];
    BlobElement e;
    size_t enc_size;  // encoding + data
    auto need = [&](size_t n) { return n <= end - start; };
    if ((b & 0x80) == 0) {
      e.is_int = true;
      e.int_value = b & 0x7F;
      enc_size = 1;
    } else if ((b & 0xC0) == 0x80) {
      size_t len = b & 0x3F;
      enc_size = 1 + len;
      if (!need(enc_size)) return Bad("listpack string overruns", start);
      e.str = blob.substr(start + 1, len);
    } else if ((b & 0xE0) == 0xC0) {
      if (!need(2)) return Bad("listpack int overruns", start);
      e.is_int = true;
      e.int_value = SignExtend((uint64_t{b & 0x1FU} << 8) | p[start + 1], 13);
      enc_size = 2;
    } else if ((b & 0xF0) == 0xE0) {
      if (!need(2)) return Bad("listpack string overruns", start);
      size_t len = (size_t{b & 0x0FU} << 8) | p[start + 1];
      enc_size = 2 + len;
      if (!need(enc_size)) return Bad("listpack string overruns", start);
      e.str = blob.substr(start + 2, len);
    } else if (b == 0xF0) {
      if (!need(5)) return Bad("listpack string overruns", start);
      uint64_t len = LoadLE(p + start + 1, 4);
      if (len > end - start - 5) return Bad("listpack string overruns", start);
      enc_size = 5 + static_cast<size_t>(len);
      e.str = blob.substr(start + 5, static_cast<size_t>(len));
    } else if (b >= 0xF1 && b <= 0xF4) {
      static constexpr int kWidth[] = {2, 3, 4, 8};
      int width = kWidth[b - 0xF1];
      enc_size = 1 + static_cast<size_t>(width);
      if (!need(enc_size)) return Bad("listpack int overruns", start);
      e.is_int = true;
      e.int_value = SignExtend(LoadLE(p + start + 1, width), width * 8);
    } else {
      return Bad("invalid listpack encoding byte", start);
    }
    size_t bl = BacklenSize(enc_size);
    if (bl > end - start - enc_size) return Bad("listpack backlen overruns", start);
    uint64_t decoded = 0;
    if (!DecodeBacklen(p + start + enc_size, p + start + enc_size + bl - 1, &decoded) ||
        decoded != enc_size) {
      return Bad("listpack backlen mismatch", start);
    }
    pos = start + enc_size + bl;
    ++count;
    if (fn) {
      Status s = fn(e);
      if (!s.ok()) return s;
    }
  }
  if (declared != kListpackCountUnknown && declared != count) {
    return Bad("listpack element count mismatch", 4);
  }
  return Status::Ok();
}

Result<size_t> ListpackValidate(std::string_view blob) {
  size_t n = 0;
  Status s = ListpackForEach(blob, [&](const BlobElement&) {
    ++n;
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return n;
}

Result<std::vector<std::string>> ListpackDecode(std::string_view blob) {
  std::vector<std::string> out;
  Status s = ListpackForEach(blob, [&](const BlobElement& e) {
    out.push_back(e.ToString());
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

// --- Intset ---

std::string IntsetEncode(std::vector<int64_t> values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  uint32_t enc = 2;
  for (int64_t v : values) {
    if (v < INT32_MIN || v > INT32_MAX) {
      enc = 8;
      break;
    }
    if (v < INT16_MIN || v > INT16_MAX) enc = 4;
  }
  std::string out;
  RdbWriter w(&out);
  w.U32LE(enc);
  w.U32LE(static_cast<uint32_t>(values.size()));
  for (int64_t v : values) {
    uint64_t u = static_cast<uint64_t>(v);
    for (uint32_t i = 0; i < enc; ++i) out.push_back(static_cast<char>(u >> (8 * i)));
  }
  return out;
}

Result<std::vector<int64_t>> IntsetDecode(std::string_view blob) {
  const auto* p = reinterpret_cast<const uint8_t*>(blob.data());
  if (blob.size() < 8) return Bad("intset too short", 0);
  uint64_t enc = LoadLE(p, 4);
  uint64_t len = LoadLE(p + 4, 4);
  if (enc != 2 && enc != 4 && enc != 8) return Bad("invalid intset encoding", 0);
  if (len == 0) return Bad("empty intset", 4);
  if (len > (blob.size() - 8) / enc || 8 + len * enc != blob.size()) {
    return Bad("intset size mismatch", 4);
  }
  std::vector<int64_t> out;
  out.reserve(static_cast<size_t>(len));
  for (uint64_t i = 0; i < len; ++i) {
    int64_t v =
        SignExtend(LoadLE(p + 8 + i * enc, static_cast<int>(enc)), static_cast<int>(enc * 8));
    if (!out.empty() && v <= out.back()) return Bad("intset not strictly increasing", 8 + i * enc);
    out.push_back(v);
  }
  return out;
}

// --- Ziplist ---

Status ZiplistForEach(std::string_view blob, const std::function<Status(const BlobElement&)>& fn) {
  const auto* p = reinterpret_cast<const uint8_t*>(blob.data());
  const size_t size = blob.size();
  constexpr size_t kHeader = 10;
  if (size < kHeader + 1) return Bad("ziplist too short", 0);
  if (LoadLE(p, 4) != size) return Bad("ziplist header size mismatch", 0);
  const uint64_t tail = LoadLE(p + 4, 4);
  const uint16_t declared = static_cast<uint16_t>(LoadLE(p + 8, 2));
  if (p[size - 1] != 0xFF) return Bad("ziplist not terminated", size - 1);
  const size_t end = size - 1;
  size_t pos = kHeader;
  size_t prev_len = 0;
  size_t last_start = kHeader;
  size_t count = 0;
  while (pos < end) {
    const size_t start = pos;
    // prevlen
    size_t prevlen;
    if (p[pos] < 254) {
      prevlen = p[pos];
      pos += 1;
    } else if (p[pos] == 254) {
      if (end - pos < 5) return Bad("ziplist prevlen overruns", start);
      prevlen = static_cast<size_t>(LoadLE(p + pos + 1, 4));
      pos += 5;
    } else {
      return Bad("invalid ziplist prevlen", start);
    }
    if (prevlen != prev_len) return Bad("ziplist prevlen mismatch", start);
    if (pos >= end) return Bad("ziplist entry overruns", start);
    const uint8_t b = p[pos];
    BlobElement e;
    size_t avail = end - pos;
    if ((b >> 6) == 0 || (b >> 6) == 1 || b == 0x80) {
      size_t hdr, len;
      if ((b >> 6) == 0) {
        hdr = 1;
        len = b & 0x3F;
      } else if ((b >> 6) == 1) {
        if (avail < 2) return Bad("ziplist entry overruns", start);
        hdr = 2;
        len = (size_t{b & 0x3FU} << 8) | p[pos + 1];
      } else {
        if (avail < 5) return Bad("ziplist entry overruns", start);
        hdr = 5;
        len = (size_t{p[pos + 1]} << 24) | (size_t{p[pos + 2]} << 16) | (size_t{p[pos + 3]} << 8) |
              p[pos + 4];
      }
      if (len > avail - hdr) return Bad("ziplist string overruns", start);
      e.str = blob.substr(pos + hdr, len);
      pos += hdr + len;
    } else {
      int width;
      switch (b) {
        case 0xC0:
          width = 2;
          break;
        case 0xD0:
          width = 4;
          break;
        case 0xE0:
          width = 8;
          break;
        case 0xF0:
          width = 3;
          break;
        case 0xFE:
          width = 1;
          break;
        default:
          if (b >= 0xF1 && b <= 0xFD) {
            width = 0;
          } else {
            return Bad("invalid ziplist encoding", start);
          }
      }
      if (avail < 1 + static_cast<size_t>(width)) return Bad("ziplist int overruns", start);
      e.is_int = true;
      e.int_value = width == 0 ? (b & 0x0F) - 1 : SignExtend(LoadLE(p + pos + 1, width), width * 8);
      pos += 1 + static_cast<size_t>(width);
    }
    prev_len = pos - start;
    last_start = start;
    ++count;
    if (fn) {
      Status s = fn(e);
      if (!s.ok()) return s;
    }
  }
  if (count > 0 ? tail != last_start : tail != kHeader)
    return Bad("ziplist tail offset mismatch", 4);
  if (declared != 65535 && declared != count) return Bad("ziplist element count mismatch", 8);
  return Status::Ok();
}

Result<std::vector<std::string>> ZiplistDecode(std::string_view blob) {
  std::vector<std::string> out;
  Status s = ZiplistForEach(blob, [&](const BlobElement& e) {
    out.push_back(e.ToString());
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

// --- Zipmap ---

Result<std::vector<std::pair<std::string, std::string>>> ZipmapDecode(std::string_view blob) {
  const auto* p = reinterpret_cast<const uint8_t*>(blob.data());
  const size_t size = blob.size();
  if (size < 2) return Bad("zipmap too short", 0);
  const uint8_t declared = p[0];
  size_t pos = 1;
  auto read_len = [&](size_t* len) -> Status {
    if (pos >= size) return Bad("zipmap overruns", pos);
    if (p[pos] < 254) {
      *len = p[pos];
      pos += 1;
      return Status::Ok();
    }
    if (p[pos] == 254) {
      if (size - pos < 5) return Bad("zipmap overruns", pos);
      *len = static_cast<size_t>(LoadLE(p + pos + 1, 4));
      pos += 5;
      return Status::Ok();
    }
    return Bad("unexpected zipmap end", pos);
  };
  std::vector<std::pair<std::string, std::string>> out;
  while (true) {
    if (pos >= size) return Bad("zipmap not terminated", pos);
    if (p[pos] == 0xFF) {
      ++pos;
      break;
    }
    size_t klen = 0, vlen = 0;
    if (Status s = read_len(&klen); !s.ok()) return s;
    if (klen > size - pos) return Bad("zipmap key overruns", pos);
    std::string key(blob.substr(pos, klen));
    pos += klen;
    if (Status s = read_len(&vlen); !s.ok()) return s;
    if (pos >= size) return Bad("zipmap overruns", pos);
    size_t free_bytes = p[pos++];
    if (vlen > size - pos || free_bytes > size - pos - vlen)
      return Bad("zipmap value overruns", pos);
    out.emplace_back(std::move(key), std::string(blob.substr(pos, vlen)));
    pos += vlen + free_bytes;
  }
  if (pos != size) return Bad("trailing bytes after zipmap", pos);
  if (declared < 254 && declared != out.size()) return Bad("zipmap element count mismatch", 0);
  return out;
}

}  // namespace node::persist
