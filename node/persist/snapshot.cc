// node/persist/snapshot.cc -- see snapshot.h.

#include "node/persist/snapshot.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "node/base/clock.h"
#include "node/base/memory.h"
#include "node/config/config.h"
#include "node/persist/keyspace_codec.h"

namespace node::persist {

namespace {

constexpr size_t kFlushChunk = 64 * 1024;

bool IsLru(config::MaxmemoryPolicy p) {
  return p == config::MaxmemoryPolicy::kAllkeysLru || p == config::MaxmemoryPolicy::kVolatileLru;
}
bool IsLfu(config::MaxmemoryPolicy p) {
  return p == config::MaxmemoryPolicy::kAllkeysLfu || p == config::MaxmemoryPolicy::kVolatileLfu;
}

std::string ErrnoText() { return std::strerror(errno); }

}  // namespace

std::string SnapshotLoadResult::Aux(std::string_view key) const {
  for (auto& [k, v] : aux) {
    if (k == key) return v;
  }
  return "";
}

SnapshotOptions SnapshotOptionsFrom(const config::Settings& s) {
  SnapshotOptions o;
  o.enc.compress = s.rdbcompression;
  o.enc.hash_max_listpack_entries = static_cast<size_t>(s.hash_max_listpack_entries);
  o.enc.hash_max_listpack_value = static_cast<size_t>(s.hash_max_listpack_value);
  o.enc.zset_max_listpack_entries = static_cast<size_t>(s.zset_max_listpack_entries);
  o.enc.zset_max_listpack_value = static_cast<size_t>(s.zset_max_listpack_value);
  o.enc.set_max_intset_entries = static_cast<size_t>(s.set_max_intset_entries);
  o.enc.list_max_listpack_size = static_cast<int>(s.list_max_listpack_size);
  o.enc.stream_node_max_bytes = static_cast<size_t>(s.stream_node_max_bytes);
  o.enc.stream_node_max_entries = static_cast<size_t>(s.stream_node_max_entries);
  o.checksum = s.rdbchecksum;
  o.save_lru = IsLru(s.maxmemory_policy);
  o.save_lfu = IsLfu(s.maxmemory_policy);
  return o;
}

SnapshotLoadOptions SnapshotLoadOptionsFrom(const config::Settings& s, bool replica) {
  SnapshotLoadOptions o;
  o.enc = SnapshotOptionsFrom(s).enc;
  o.drop_expired = !replica;
  o.load_lru = IsLru(s.maxmemory_policy);
  o.load_lfu = IsLfu(s.maxmemory_policy);
  return o;
}

base::Status WriteSnapshot(commands::Engine& engine, const SnapshotOptions& opt,
                           const std::function<base::Status(std::string_view)>& sink) {
  RdbFileWriter w(opt.enc);
  RdbAuxInfo aux;
  aux.ctime = base::UnixMs() / 1000;
  aux.used_mem = static_cast<int64_t>(base::UsedMemory());
  aux.has_repl_info = opt.has_repl_info;
  aux.repl_stream_db = opt.repl_stream_db;
  aux.repl_id = opt.repl_id;
  aux.repl_offset = opt.repl_offset;
  aux.aof_base = opt.aof_base;
  w.Begin(aux);
  // FUNCTION libraries come before the keyspace, as in Redis 7.0.
  if (engine.function_library_codes) {
    for (const std::string& code : engine.function_library_codes()) w.Function(code);
  }
  base::Status st;
  auto drain = [&](bool force) {
    if (!st.ok()) return;
    if (!force && w.buffer().size() < kFlushChunk) return;
    std::string chunk = w.TakeBuffer();
    if (!chunk.empty()) st = sink(chunk);
  };
  for (size_t i = 0; i < engine.dbs.size() && st.ok(); i++) {
    db::Keyspace* ks = engine.dbs[i].get();
    if (!ks || ks->size() == 0) continue;
    w.SelectDb(static_cast<int>(i), ks->size(), ks->volatile_count());
    ks->ForEachLive([&](db::Entry* e) {
      if (!st.ok()) return;
      RdbEntry re;
      re.key.assign(e->key());
      base::Status s = EntryToRdbValue(e, &re.value);
      if (!s.ok()) {
        st = base::Status::Error("saving key '" + re.key + "': " + s.message());
        return;
      }
      re.expire_ms = e->expire_ms();
      if (opt.save_lfu) {
        re.lfu_freq = ks->LfuCount(e);
      } else if (opt.save_lru) {
        re.lru_idle = ks->IdleSeconds(e);
      }
      w.Entry(re);
      drain(false);
    });
  }
  if (!st.ok()) return st;
  w.Finish();
  std::string tail = w.TakeBuffer();
  if (!opt.checksum && tail.size() >= 8) {
    // rdbchecksum no: Redis stores a zero checksum (loaders skip the check).
    std::memset(tail.data() + tail.size() - 8, 0, 8);
  }
  return sink(tail);
}

std::string SaveSnapshot(commands::Engine& engine, const SnapshotOptions& opt) {
  std::string out;
  base::Status st = WriteSnapshot(engine, opt, [&](std::string_view chunk) {
    out.append(chunk);
    return base::Status::Ok();
  });
  if (!st.ok()) return "";
  return out;
}

base::Result<SnapshotLoadResult> LoadSnapshot(commands::Engine& engine, std::string_view bytes,
                                              const SnapshotLoadOptions& opt) {
  SnapshotLoadResult res;
  int64_t now = opt.now_ms ? opt.now_ms : base::UnixMs();
  RdbLoadHandlers h;
  h.databases = engine.num_dbs();
  h.on_aux = [&](std::string_view k, std::string_view v) {
    res.aux.emplace_back(std::string(k), std::string(v));
    return base::Status::Ok();
  };
  std::vector<std::string> libraries;  // FUNCTION2 records, applied after the keys
  h.on_function = [&](std::string&& code) {
    libraries.push_back(std::move(code));
    return base::Status::Ok();
  };
  h.on_entry = [&](RdbEntry&& e) -> base::Status {
    if (e.db < 0 || e.db >= engine.num_dbs()) {
      return base::Status::Error("database " + std::to_string(e.db) + " is out of range");
    }
    db::Keyspace& ks = engine.GetDb(e.db);
    if (opt.drop_expired && e.expire_ms != -1 && e.expire_ms < now) {
      res.keys_expired++;
      return base::Status::Ok();
    }
    if (ks.Find(e.key)) {
      return base::Status::Error("RDB has duplicated key '" + e.key + "' in DB " +
                                 std::to_string(e.db));
    }
    KeyMeta meta;
    meta.expire_ms = e.expire_ms;
    if (opt.load_lfu) meta.lfu_freq = e.lfu_freq;
    if (opt.load_lru) meta.lru_idle = e.lru_idle;
    base::Status s = InsertRdbValue(ks, e.key, std::move(e.value), meta, opt.enc);
    if (!s.ok()) return base::Status::Error("loading key '" + e.key + "': " + s.message());
    res.keys_loaded++;
    return base::Status::Ok();
  };
  auto loaded = LoadRdb(bytes, h);
  if (loaded && engine.load_function_libraries) {
    // The loaded file's functions replace the current set (also when it has none).
    std::string err = engine.load_function_libraries(libraries);
    if (!err.empty()) loaded = base::Status::Error("loading functions: " + err);
  }
  if (!loaded) {
    for (auto& d : engine.dbs) {
      if (d) d->Flush();
    }
    return loaded.status();
  }
  return res;
}

// --- Files ---

std::string JoinPath(const std::string& dir, const std::string& name) {
  if (dir.empty() || dir == ".") return name;
  if (dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

base::Result<std::string> ReadWholeFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return base::Status::Error(path + ": " + ErrnoText());
  std::string out;
  char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      std::string err = path + ": " + ErrnoText();
      ::close(fd);
      return base::Status::Error(err);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

namespace {

base::Status WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return base::Status::Error(ErrnoText());
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return base::Status::Ok();
}

std::string DirOf(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

base::Status WriteFileAtomic(const std::string& path, std::string_view bytes) {
  std::string dir = DirOf(path);
  std::string tmp = JoinPath(dir, "temp-" + std::to_string(::getpid()) + ".tmp");
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return base::Status::Error(tmp + ": " + ErrnoText());
  base::Status st = WriteAll(fd, bytes);
  if (st.ok() && ::fsync(fd) != 0) st = base::Status::Error(ErrnoText());
  ::close(fd);
  if (st.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) st = base::Status::Error(ErrnoText());
  if (!st.ok()) {
    ::unlink(tmp.c_str());
    return base::Status::Error(path + ": " + st.message());
  }
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return base::Status::Ok();
}

}  // namespace node::persist
