// node/persist/keyspace_codec.cc -- see keyspace_codec.h.

#include "node/persist/keyspace_codec.h"

#include <array>

#include "node/base/clock.h"

namespace node::persist {

namespace {

// Indexed by ObjType's numeric value (0..6).
std::array<ValueCodec, 8>& Storage() {
  static std::array<ValueCodec, 8> r{};
  return r;
}

const std::array<ValueCodec, 8>& Registry() {
  static bool init = [] {
    RegisterBuiltinValueCodecs();
    return true;
  }();
  (void)init;
  return Storage();
}

const char* TypeName(RdbValue::Kind k) {
  switch (k) {
    case RdbValue::Kind::kString:
      return "string";
    case RdbValue::Kind::kList:
      return "list";
    case RdbValue::Kind::kSet:
      return "set";
    case RdbValue::Kind::kZSet:
      return "zset";
    case RdbValue::Kind::kHash:
      return "hash";
    case RdbValue::Kind::kStream:
      return "stream";
    case RdbValue::Kind::kModule:
      return "module";
  }
  return "unknown";
}

}  // namespace

void RegisterValueCodec(db::ObjType type, ValueCodec codec) {
  Storage()[static_cast<size_t>(type)] = codec;
}

const ValueCodec* FindValueCodec(db::ObjType type) {
  auto i = static_cast<size_t>(type);
  if (i >= Registry().size()) return nullptr;
  const ValueCodec& c = Registry()[i];
  return c.to_rdb && c.from_rdb ? &c : nullptr;
}

bool ObjTypeOf(RdbValue::Kind kind, db::ObjType* out) {
  switch (kind) {
    case RdbValue::Kind::kString:
      *out = db::ObjType::kString;
      return true;
    case RdbValue::Kind::kList:
      *out = db::ObjType::kList;
      return true;
    case RdbValue::Kind::kSet:
      *out = db::ObjType::kSet;
      return true;
    case RdbValue::Kind::kZSet:
      *out = db::ObjType::kZSet;
      return true;
    case RdbValue::Kind::kHash:
      *out = db::ObjType::kHash;
      return true;
    case RdbValue::Kind::kStream:
      *out = db::ObjType::kStream;
      return true;
    case RdbValue::Kind::kModule:
      return false;
  }
  return false;
}

base::Status EntryToRdbValue(const db::Entry* e, RdbValue* out) {
  if (e->type == db::ObjType::kString) {
    out->kind = RdbValue::Kind::kString;
    char buf[32];
    out->str.assign(db::StringOf(e, buf));
    return base::Status::Ok();
  }
  const ValueCodec* c = FindValueCodec(e->type);
  if (!c) {
    return base::Status::Error("no RDB codec for value type " +
                               std::to_string(static_cast<int>(e->type)));
  }
  return c->to_rdb(*e->ptr(), out);
}

uint32_t LruStampForIdle(int64_t idle_seconds) {
  uint32_t now = static_cast<uint32_t>(base::UnixMs() / 1000) & 0xFFFFFF;
  if (idle_seconds < 0) idle_seconds = 0;
  idle_seconds %= 0x1000000;
  auto idle = static_cast<uint32_t>(idle_seconds);
  return now >= idle ? now - idle : 0xFFFFFF - (idle - now);
}

uint32_t LfuStampForFreq(int freq) {
  uint32_t minutes = static_cast<uint32_t>(base::UnixMs() / 60000) & 0xFFFF;
  if (freq < 0) freq = 0;
  if (freq > 255) freq = 255;
  return (minutes << 8) | static_cast<uint32_t>(freq);
}

base::Status InsertRdbValue(db::Keyspace& ks, std::string_view key, RdbValue&& v,
                            const KeyMeta& meta, const EncodeOptions& opt) {
  db::Entry* e = nullptr;
  if (v.kind == RdbValue::Kind::kString) {
    e = ks.SetString(key, v.str, meta.expire_ms);
  } else {
    db::ObjType t;
    if (!ObjTypeOf(v.kind, &t)) {
      return base::Status::Error("module values are not supported (module type '" +
                                 ModuleTypeName(v.module.module_id) + "')");
    }
    const ValueCodec* c = FindValueCodec(t);
    if (!c) {
      return base::Status::Error(std::string("values of type ") + TypeName(v.kind) +
                                 " are not supported yet");
    }
    auto made = c->from_rdb(std::move(v), opt);
    if (!made) return made.status();
    e = ks.AddValue(key, t, std::move(*made), meta.expire_ms);
  }
  if (!e) return base::Status::Error("could not insert key");
  if (meta.lfu_freq >= 0) {
    e->lru = LfuStampForFreq(meta.lfu_freq);
  } else if (meta.lru_idle >= 0) {
    e->lru = LruStampForIdle(meta.lru_idle);
  }
  return base::Status::Ok();
}

}  // namespace node::persist
