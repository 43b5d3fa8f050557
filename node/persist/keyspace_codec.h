// node/persist/keyspace_codec.h
//
// Maps keyspace entries (node/db) to and from the engine-independent RdbEntry
// model of the RDB codec. Each value type registers a pair of functions
// (db::Value -> RdbValue, RdbValue -> db::Value) in a small registry keyed by
// db::ObjType; strings are built in (they live inside the Entry, not as a
// db::Value). The list/hash/set/zset pairs are registered by
// RegisterBuiltinValueCodecs() (keyspace_codec_types.cc), which the registry
// runs on first use (not a static initialiser, so static-library linking
// cannot drop it).
//
// Called by snapshots (SAVE/BGSAVE/AOF base), DUMP/RESTORE and the loaders.
// Engine thread only (the registry is filled before the engine starts and is
// read-only afterwards, so a forked child may read it too).

#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "node/base/result.h"
#include "node/db/entry.h"
#include "node/db/keyspace.h"
#include "node/persist/rdb_value.h"

namespace node::persist {

// Converts a heap value of the registered type to the RDB model.
using ToRdbFn = base::Status (*)(const db::Value& v, RdbValue* out);
// Builds a heap value from the RDB model (the value is known non-empty);
// opt carries the encoding thresholds (set-max-intset-entries ...).
using FromRdbFn = base::Result<std::unique_ptr<db::Value>> (*)(RdbValue&& v,
                                                               const EncodeOptions& opt);

struct ValueCodec {
  ToRdbFn to_rdb = nullptr;
  FromRdbFn from_rdb = nullptr;
};

// Registers (or replaces) the codec of a value type. Call before the engine
// starts serving.
void RegisterValueCodec(db::ObjType type, ValueCodec codec);
// nullptr when the type has no codec (yet).
const ValueCodec* FindValueCodec(db::ObjType type);

// The ObjType an RdbValue maps to (kModule has none: returns false).
bool ObjTypeOf(RdbValue::Kind kind, db::ObjType* out);

// Reads an entry's value into out (strings inline, others via the registry).
// Errors when the type has no codec.
base::Status EntryToRdbValue(const db::Entry* e, RdbValue* out);

// Expiry and eviction metadata written with a key.
struct KeyMeta {
  int64_t expire_ms = -1;
  int64_t lru_idle = -1;  // seconds
  int lfu_freq = -1;
};

// Inserts a new key (it must not exist in ks) holding v. Module values and
// types without a codec are errors naming the type.
base::Status InsertRdbValue(db::Keyspace& ks, std::string_view key, RdbValue&& v,
                            const KeyMeta& meta, const EncodeOptions& opt = {});

// Registers the codecs of the value types that exist in node/db (defined in
// keyspace_codec_types.cc; runs once, on the registry's first use).
void RegisterBuiltinValueCodecs();

// LRU/LFU stamps as Entry::lru encodes them (keyspace.cc's clocks).
uint32_t LruStampForIdle(int64_t idle_seconds);
uint32_t LfuStampForFreq(int freq);

}  // namespace node::persist
