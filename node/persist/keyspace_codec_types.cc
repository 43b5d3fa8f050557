// node/persist/keyspace_codec_types.cc
//
// The RDB codecs of the container value types of node/db, registered in the
// keyspace_codec registry on its first use. A type whose value class is not
// in the tree yet is skipped (checked with __has_include), so this file
// builds while the families are being written. Engine thread (registration
// happens once, before any load or save).

#include <utility>

#include "node/persist/keyspace_codec.h"

#if __has_include("node/db/set_value.h")
#include "node/db/set_value.h"
#define SHOAL_HAVE_SET_VALUE 1
#endif
#if __has_include("node/db/zset_value.h")
#include "node/db/zset_value.h"
#define SHOAL_HAVE_ZSET_VALUE 1
#endif

#if __has_include("node/db/list_value.h")
#include "node/db/list_value.h"
#define SHOAL_HAVE_LIST_VALUE 1
#endif
#if __has_include("node/db/hash_value.h")
#include "node/db/hash_value.h"
#define SHOAL_HAVE_HASH_VALUE 1
#endif

namespace node::persist {

namespace {

#ifdef SHOAL_HAVE_LIST_VALUE
base::Status ListToRdb(const db::Value& v, RdbValue* out) {
  out->kind = RdbValue::Kind::kList;
  out->items = static_cast<const db::ListValue&>(v).Items();
  return base::Status::Ok();
}

base::Result<std::unique_ptr<db::Value>> ListFromRdb(RdbValue&& v, const EncodeOptions&) {
  if (v.kind != RdbValue::Kind::kList) return base::Status::Error("not a list");
  std::unique_ptr<db::Value> out = db::ListValue::FromItems(std::move(v.items));
  return out;
}
#endif

#ifdef SHOAL_HAVE_HASH_VALUE
base::Status HashToRdb(const db::Value& v, RdbValue* out) {
  out->kind = RdbValue::Kind::kHash;
  out->hash.clear();
  for (auto& [f, val] : static_cast<const db::HashValue&>(v).Pairs()) {
    out->hash.emplace_back(std::string(f), std::string(val));
  }
  return base::Status::Ok();
}

base::Result<std::unique_ptr<db::Value>> HashFromRdb(RdbValue&& v, const EncodeOptions& opt) {
  if (v.kind != RdbValue::Kind::kHash) return base::Status::Error("not a hash");
  db::HashLimits lim;
  lim.max_listpack_entries = opt.hash_max_listpack_entries;
  lim.max_listpack_value = opt.hash_max_listpack_value;
  std::vector<db::HashValue::Pair> pairs;
  pairs.reserve(v.hash.size());
  for (auto& [f, val] : v.hash) pairs.push_back({std::move(f), std::move(val)});
  std::unique_ptr<db::Value> out = db::HashValue::FromPairs(std::move(pairs), lim);
  return out;
}
#endif

#ifdef SHOAL_HAVE_SET_VALUE
base::Status SetToRdb(const db::Value& v, RdbValue* out) {
  const auto& s = static_cast<const db::SetValue&>(v);
  out->kind = RdbValue::Kind::kSet;
  out->items.clear();
  out->items.reserve(s.size());
  for (std::string_view m : s.Members()) out->items.emplace_back(m);
  return base::Status::Ok();
}

base::Result<std::unique_ptr<db::Value>> SetFromRdb(RdbValue&& v, const EncodeOptions& opt) {
  if (v.kind != RdbValue::Kind::kSet) return base::Status::Error("not a set");
  std::unique_ptr<db::Value> out = db::SetValue::FromMembers(v.items, opt.set_max_intset_entries);
  return out;
}
#endif

#ifdef SHOAL_HAVE_ZSET_VALUE
base::Status ZSetToRdb(const db::Value& v, RdbValue* out) {
  const auto& z = static_cast<const db::ZSetValue&>(v);
  out->kind = RdbValue::Kind::kZSet;
  out->zset.clear();
  out->zset.reserve(z.size());
  z.ForEach(
      [&](std::string_view m, double score) { out->zset.emplace_back(std::string(m), score); });
  return base::Status::Ok();
}

base::Result<std::unique_ptr<db::Value>> ZSetFromRdb(RdbValue&& v, const EncodeOptions& opt) {
  if (v.kind != RdbValue::Kind::kZSet) return base::Status::Error("not a sorted set");
  std::unique_ptr<db::Value> out =
      db::ZSetValue::FromPairs(v.zset, opt.zset_max_listpack_entries, opt.zset_max_listpack_value);
  return out;
}
#endif

}  // namespace

void RegisterBuiltinValueCodecs() {
#ifdef SHOAL_HAVE_LIST_VALUE
  RegisterValueCodec(db::ObjType::kList, {&ListToRdb, &ListFromRdb});
#endif
#ifdef SHOAL_HAVE_HASH_VALUE
  RegisterValueCodec(db::ObjType::kHash, {&HashToRdb, &HashFromRdb});
#endif
#ifdef SHOAL_HAVE_SET_VALUE
  RegisterValueCodec(db::ObjType::kSet, {&SetToRdb, &SetFromRdb});
#endif
#ifdef SHOAL_HAVE_ZSET_VALUE
  RegisterValueCodec(db::ObjType::kZSet, {&ZSetToRdb, &ZSetFromRdb});
#endif
  void RegisterStreamValueCodec();  // keyspace_codec_stream.cc
  RegisterStreamValueCodec();
}

}  // namespace node::persist
