// node/persist/rdb_file_fuzz.cc
//
// libFuzzer target for the RDB loader (issue 9: an RDB file arrives from a
// replication master or a disk we do not control). The input is a whole
// file, loaded by LoadSnapshot into a fresh Engine exactly as startup and
// full-sync loading do (LoadRdb, the value codecs, the keyspace codecs).
// The two low bits of the size choose the load options (drop expired keys
// or not, LRU or LFU metadata), so one corpus covers them all.
//
// Invariant checked: a file that loads is saved again (SaveSnapshot) and that
// file loads into another fresh Engine with the same keys in every database.
// Build: scripts/fuzz.sh.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "node/commands/engine.h"
#include "node/persist/snapshot.h"

namespace {

using node::commands::Engine;
using node::persist::LoadSnapshot;
using node::persist::SaveSnapshot;
using node::persist::SnapshotLoadOptions;
using node::persist::SnapshotOptions;

constexpr int64_t kNowMs = 1700000000000;  // fixed clock: expiry decisions are reproducible

struct FreshEngine {
  Engine e;
  FreshEngine() {
    e.dbs.resize(16);
    e.keyspace = &e.GetDb(0);
  }
};

uint64_t KeysIn(Engine& e, int db) {
  return e.dbs[static_cast<size_t>(db)] ? e.GetDb(db).size() : 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view file(reinterpret_cast<const char*>(data), size);
  SnapshotLoadOptions lo;
  lo.now_ms = kNowMs;
  lo.drop_expired = (size & 1) == 0;
  lo.load_lru = (size & 2) == 0;
  lo.load_lfu = !lo.load_lru;

  FreshEngine a;
  auto loaded = LoadSnapshot(a.e, file, lo);
  if (!loaded.ok()) {
    for (int db = 0; db < 16; ++db) {
      if (KeysIn(a.e, db) != 0) {
        fprintf(stderr, "a failed load left keys in db %d: %s\n", db, loaded.error().c_str());
        abort();
      }
    }
    return 0;
  }

  SnapshotOptions so;
  so.save_lru = lo.load_lru;
  so.save_lfu = lo.load_lfu;
  std::string again = SaveSnapshot(a.e, so);
  if (again.empty()) {
    fprintf(stderr, "a loaded keyspace could not be saved\n");
    abort();
  }
  FreshEngine b;
  SnapshotLoadOptions keep = lo;
  keep.drop_expired = false;  // the first load already decided what expired
  auto reloaded = LoadSnapshot(b.e, again, keep);
  if (!reloaded.ok()) {
    fprintf(stderr, "the re-saved file does not load: %s\n", reloaded.error().c_str());
    abort();
  }
  for (int db = 0; db < 16; ++db) {
    if (KeysIn(a.e, db) != KeysIn(b.e, db)) {
      fprintf(stderr, "db %d has %llu keys after the first load, %llu after the reload\n", db,
              static_cast<unsigned long long>(KeysIn(a.e, db)),
              static_cast<unsigned long long>(KeysIn(b.e, db)));
      abort();
    }
  }
  return 0;
}
