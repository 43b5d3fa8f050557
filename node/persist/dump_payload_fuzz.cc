// node/persist/dump_payload_fuzz.cc
//
// libFuzzer target for RESTORE payloads (issue 9: RESTORE and MIGRATE accept
// a serialized value from any client). The input is a DUMP payload; its
// CRC-64 is not required to match (skip_checksum), so mutations reach the
// value decoders instead of stopping at the footer. The low bit of the size
// picks default or tiny encoding thresholds, so both the compact encodings
// and the converted ones are built.
//
// Invariants checked for a payload that decodes:
//  - the codec round trip is stable: decode(encode(decode(x))) equals
//    decode(x), and encoding that again gives the same bytes;
//  - the value goes into a fresh Keyspace as RESTORE puts it there, and
//    reading it back (as DUMP does) gives the same elements (sets, hashes
//    and sorted sets compared as collections; duplicate members, which only
//    a hand-made payload holds, are compared after de-duplication).
// Build: scripts/fuzz.sh.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "node/db/keyspace.h"
#include "node/persist/dump_payload.h"
#include "node/persist/keyspace_codec.h"

namespace {

using node::persist::RdbValue;

[[noreturn]] void Fail(const char* what) {
  fprintf(stderr, "dump payload fuzz: %s\n", what);
  abort();
}

std::string Hex(std::string_view s) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

bool SameDouble(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return a == b;  // +0.0 == -0.0: the encodings may print either as "0"
}

// Elements in a canonical order. names_only also drops duplicate names and
// the scores/values (which of two duplicates RESTORE keeps is not pinned
// down, so only the names are compared then).
RdbValue Canon(RdbValue v, bool names_only) {
  std::sort(v.zset.begin(), v.zset.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
  std::sort(v.hash.begin(), v.hash.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
  if (v.kind == RdbValue::Kind::kSet) std::sort(v.items.begin(), v.items.end());
  // A stream's groups, consumers and pending entries live in radix trees
  // (sorted by name / id) in Redis as here; a payload may list them in any
  // order.
  auto by_name = [](const auto& x, const auto& y) { return x.name < y.name; };
  std::stable_sort(v.stream.groups.begin(), v.stream.groups.end(), by_name);
  for (auto& g : v.stream.groups) {
    std::stable_sort(g.consumers.begin(), g.consumers.end(), by_name);
    std::stable_sort(g.pel.begin(), g.pel.end(),
                     [](const auto& x, const auto& y) { return x.id < y.id; });
    for (auto& c : g.consumers) std::sort(c.pending.begin(), c.pending.end());
  }
  if (names_only) {
    if (v.kind == RdbValue::Kind::kSet) {
      v.items.erase(std::unique(v.items.begin(), v.items.end()), v.items.end());
    }
    auto same_name = [](const auto& x, const auto& y) { return x.first == y.first; };
    v.zset.erase(std::unique(v.zset.begin(), v.zset.end(), same_name), v.zset.end());
    v.hash.erase(std::unique(v.hash.begin(), v.hash.end(), same_name), v.hash.end());
    for (auto& z : v.zset) z.second = 0;
    for (auto& h : v.hash) h.second.clear();
  }
  return v;
}

bool HasDuplicates(const RdbValue& v) {
  RdbValue c = Canon(v, false);
  for (size_t i = 1; i < c.items.size() && v.kind == RdbValue::Kind::kSet; ++i) {
    if (c.items[i] == c.items[i - 1]) return true;
  }
  for (size_t i = 1; i < c.zset.size(); ++i) {
    if (c.zset[i].first == c.zset[i - 1].first) return true;
  }
  for (size_t i = 1; i < c.hash.size(); ++i) {
    if (c.hash[i].first == c.hash[i - 1].first) return true;
  }
  return false;
}

// Streams are compared through their encoding (the same bytes for the same
// stream); the other kinds element by element.
bool Equal(const RdbValue& a, const RdbValue& b) {
  if (a.kind != b.kind) return false;
  if (a.kind == RdbValue::Kind::kStream) {
    return node::persist::CreateDumpPayload(a) == node::persist::CreateDumpPayload(b);
  }
  if (a.str != b.str || a.items != b.items || a.hash != b.hash) return false;
  if (a.zset.size() != b.zset.size()) return false;
  for (size_t i = 0; i < a.zset.size(); ++i) {
    if (a.zset[i].first != b.zset[i].first || !SameDouble(a.zset[i].second, b.zset[i].second)) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view payload(reinterpret_cast<const char*>(data), size);
  node::persist::EncodeOptions opt;
  if (size & 1) {
    opt.hash_max_listpack_entries = 2;
    opt.hash_max_listpack_value = 4;
    opt.zset_max_listpack_entries = 2;
    opt.zset_max_listpack_value = 4;
    opt.set_max_intset_entries = 2;
    opt.list_max_listpack_size = 2;
    opt.stream_node_max_entries = 2;
    opt.stream_node_max_bytes = 64;
  }

  auto v1 = node::persist::DecodeDumpPayload(payload, /*skip_checksum=*/true);
  if (!v1.ok()) return 0;

  // Codec round trip.
  std::string p1 = node::persist::CreateDumpPayload(*v1, opt);
  if (!node::persist::VerifyDumpPayload(p1).ok()) Fail("our own payload fails verification");
  auto v2 = node::persist::DecodeDumpPayload(p1);
  if (!v2.ok()) Fail("our own payload does not decode");
  if (!Equal(Canon(*v1, false), Canon(*v2, false))) Fail("decode(encode(v)) != v");
  std::string p2 = node::persist::CreateDumpPayload(*v2, opt);
  if (p1 != p2) Fail("encoding is not stable");

  // Into a keyspace (RESTORE) and back out (DUMP).
  node::db::Keyspace ks;
  node::persist::KeyMeta meta;
  RdbValue copy = *v1;
  auto st = node::persist::InsertRdbValue(ks, "k", std::move(copy), meta, opt);
  if (!st.ok()) return 0;  // e.g. a type without a keyspace codec yet
  const node::db::Entry* e = ks.Find("k");
  if (!e) Fail("inserted key is missing");
  RdbValue out;
  if (!node::persist::EntryToRdbValue(e, &out).ok()) Fail("inserted value cannot be read back");
  bool dups = HasDuplicates(*v1);
  if (!Equal(Canon(*v1, dups), Canon(out, dups))) {
    fprintf(stderr, "restored: %s\nread back: %s\n",
            Hex(node::persist::CreateDumpPayload(Canon(*v1, dups))).c_str(),
            Hex(node::persist::CreateDumpPayload(Canon(out, dups))).c_str());
    Fail("keyspace round trip changed the value");
  }
  // What DUMP would send must RESTORE again.
  std::string p3 = node::persist::CreateDumpPayload(out, opt);
  auto v3 = node::persist::DecodeDumpPayload(p3);
  if (!v3.ok()) Fail("DUMP of the restored value does not decode");
  if (!Equal(Canon(out, false), Canon(*v3, false))) Fail("DUMP of the restored value differs");
  return 0;
}
