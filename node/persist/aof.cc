// node/persist/aof.cc -- see aof.h.

#include "node/persist/aof.h"

#include <unistd.h>

#include <utility>
#include <vector>

#include "node/base/log.h"
#include "node/base/strings.h"
#include "node/persist/keyspace_codec.h"
#include "node/persist/snapshot.h"

namespace node::persist {

void AppendRespCommand(std::string* out, std::span<const std::string_view> args) {
  out->push_back('*');
  base::AppendInt64(*out, static_cast<int64_t>(args.size()));
  out->append("\r\n");
  for (std::string_view a : args) {
    out->push_back('$');
    base::AppendInt64(*out, static_cast<int64_t>(a.size()));
    out->append("\r\n");
    out->append(a);
    out->append("\r\n");
  }
}

namespace {

// Outcome of reading one line "<c><int>\r\n" at pos.
enum class Rd { kOk, kShort, kBad };

Rd ReadIntLine(std::string_view d, size_t* pos, char prefix, int64_t* out) {
  if (*pos >= d.size()) return Rd::kShort;
  if (d[*pos] != prefix) return Rd::kBad;
  size_t nl = d.find("\r\n", *pos + 1);
  if (nl == std::string_view::npos) {
    // A line longer than any count could be is damage, not a torn tail.
    return d.size() - *pos > 32 ? Rd::kBad : Rd::kShort;
  }
  auto v = base::ParseInt64(d.substr(*pos + 1, nl - *pos - 1));
  if (!v) return Rd::kBad;
  *out = *v;
  *pos = nl + 2;
  return Rd::kOk;
}

bool IsCmd(std::string_view a, std::string_view name) { return base::EqualsIgnoreCase(a, name); }

}  // namespace

ReplayOutcome ReplayAofCommands(std::string_view d, int* db, const ReplayFn& fn, int num_dbs) {
  ReplayOutcome out;
  size_t pos = 0;
  bool in_multi = false;
  size_t multi_start = 0;
  // Each queued command keeps the database selected when it was queued: a
  // SELECT between MULTI and EXEC (Redis writes one when a transaction
  // switches databases) applies to the commands after it only.
  std::vector<std::pair<int, std::vector<std::string>>> queued;
  std::vector<std::string_view> args;
  auto bad = [&](size_t at, std::string what) {
    out.error = std::move(what);
    out.error_offset = at;
    return out;
  };
  while (pos < d.size()) {
    size_t cmd_start = pos;
    if (d[pos] == '#') {  // annotation (e.g. "#TS:...")
      size_t nl = d.find('\n', pos);
      if (nl == std::string_view::npos) {
        out.truncated = true;
        return out;
      }
      pos = nl + 1;
      if (!in_multi) out.valid_up_to = pos;
      continue;
    }
    int64_t argc = 0;
    Rd r = ReadIntLine(d, &pos, '*', &argc);
    if (r == Rd::kShort) {
      out.truncated = true;
      return out;
    }
    if (r == Rd::kBad || argc < 1 || argc > 1024 * 1024) {
      return bad(cmd_start, "Bad file format reading the append only file");
    }
    args.clear();
    bool torn = false;
    for (int64_t i = 0; i < argc; i++) {
      int64_t len = 0;
      size_t at = pos;
      r = ReadIntLine(d, &pos, '$', &len);
      if (r == Rd::kShort) {
        torn = true;
        break;
      }
      if (r == Rd::kBad || len < 0) return bad(at, "Bad file format reading the append only file");
      auto ulen = static_cast<size_t>(len);
      if (d.size() - pos < ulen + 2) {
        torn = true;
        break;
      }
      if (d[pos + ulen] != '\r' || d[pos + ulen + 1] != '\n') {
        return bad(pos + ulen, "Bad file format reading the append only file");
      }
      args.push_back(d.substr(pos, ulen));
      pos += ulen + 2;
    }
    if (torn) {
      out.truncated = true;
      return out;
    }
    std::string_view name = args[0];
    if (IsCmd(name, "select") && args.size() == 2) {
      // Redis runs SELECT like a client's: a bad index is an error reply the
      // loader ignores, and the database stays selected.
      auto n = base::ParseInt64(args[1]);
      if (n && *n >= 0 && *n < num_dbs) *db = static_cast<int>(*n);
    } else if (IsCmd(name, "multi")) {
      in_multi = true;
      multi_start = cmd_start;
      queued.clear();
    } else if (IsCmd(name, "exec") && in_multi) {
      in_multi = false;
      for (auto& [qdb, q] : queued) {
        std::vector<std::string_view> v(q.begin(), q.end());
        base::Status s = fn(qdb, v);
        if (!s.ok()) return bad(multi_start, s.message());
        out.commands++;
      }
      queued.clear();
    } else if (in_multi) {
      queued.emplace_back(*db, std::vector<std::string>(args.begin(), args.end()));
    } else {
      base::Status s = fn(*db, args);
      if (!s.ok()) return bad(cmd_start, s.message());
      out.commands++;
    }
    if (!in_multi) out.valid_up_to = pos;
  }
  // A transaction without EXEC at the end is reverted like a torn command.
  if (in_multi) out.truncated = true;
  return out;
}

// --- Paths ---

std::string AofPaths::manifest_path() const { return JoinPath(dir, filename + ".manifest"); }
std::string AofPaths::path(const std::string& name) const { return JoinPath(dir, name); }

AofPaths AofPathsFrom(const std::string& dir, const std::string& appenddirname,
                      const std::string& appendfilename) {
  return AofPaths{JoinPath(dir, appenddirname), appendfilename};
}

std::string AofBaseName(const std::string& filename, int64_t seq, bool rdb) {
  return filename + "." + std::to_string(seq) + ".base" + (rdb ? ".rdb" : ".aof");
}
std::string AofIncrName(const std::string& filename, int64_t seq) {
  return filename + "." + std::to_string(seq) + ".incr.aof";
}

// --- Loading ---

namespace {

base::Status LoadOneFile(commands::Engine& engine, const AofPaths& paths, const AofFileInfo& f,
                         bool last, const ReplayFn& replay, const AofLoadOptions& opt,
                         AofLoadInfo* info) {
  std::string path = paths.path(f.name);
  auto bytes = ReadWholeFile(path);
  if (!bytes) {
    // Redis treats a missing file listed in the manifest as fatal.
    return base::Status::Error("The AOF file " + f.name + " doesn't exist (" + bytes.error() + ")");
  }
  std::string_view data = *bytes;
  if (f.type == 'b') info->base_size = data.size();
  if (data.size() >= 5 && data.substr(0, 5) == "REDIS") {
    if (f.type != 'b') {
      return base::Status::Error("Bad file format reading the append only file " + f.name +
                                 ": an RDB preamble in an incremental file");
    }
    SnapshotLoadOptions so;
    so.drop_expired = opt.drop_expired;
    so.load_lru = opt.load_lru;
    so.load_lfu = opt.load_lfu;
    so.enc = opt.enc;
    auto r = LoadSnapshot(engine, data, so);
    if (!r) {
      return base::Status::Error("Error reading the RDB base file " + f.name +
                                 ", AOF loading aborted: " + r.error());
    }
    info->keys_loaded += r->keys_loaded;
    info->total_size += data.size();
    return base::Status::Ok();
  }
  int db = 0;
  ReplayOutcome o = ReplayAofCommands(data, &db, replay, engine.num_dbs());
  info->commands += o.commands;
  if (!o.error.empty()) {
    return base::Status::Error(o.error + " " + f.name + " at offset " +
                               std::to_string(o.error_offset) +
                               ": make a backup of your AOF file, then use ./redis-check-aof "
                               "--fix <filename.manifest>");
  }
  if (o.truncated) {
    if (!last || !opt.load_truncated || o.valid_up_to == 0) {
      return base::Status::Error(
          "Unrecoverable error reading the append only file " + f.name +
          ": unexpected end of file at offset " + std::to_string(o.valid_up_to) +
          (last ? " (aof-load-truncated is off or nothing is valid)" : " (not the last file)"));
    }
    if (::truncate(path.c_str(), static_cast<off_t>(o.valid_up_to)) != 0) {
      return base::Status::Error("Error truncating the AOF file " + f.name + " at offset " +
                                 std::to_string(o.valid_up_to));
    }
    info->warning = "!!! Warning: short read while loading the AOF file " + f.name +
                    "!!! Truncated at offset " + std::to_string(o.valid_up_to) +
                    "; AOF loaded anyway because aof-load-truncated is enabled";
    LOG_WARN("{}", info->warning);
    info->total_size += o.valid_up_to;
    return base::Status::Ok();
  }
  info->total_size += data.size();
  return base::Status::Ok();
}

}  // namespace

base::Result<AofLoadInfo> LoadAof(commands::Engine& engine, const AofPaths& paths,
                                  const ReplayFn& replay, const AofLoadOptions& opt) {
  AofLoadInfo info;
  if (::access(paths.manifest_path().c_str(), F_OK) != 0) return info;
  auto text = ReadWholeFile(paths.manifest_path());
  if (!text) return base::Status::Error("Can't read the AOF manifest: " + text.error());
  auto m = ParseAofManifest(*text);
  if (!m) {
    return base::Status::Error("Invalid AOF manifest " + paths.manifest_path() + ": " + m.error());
  }
  info.exists = true;
  info.manifest = *m;
  std::vector<AofFileInfo> files;
  if (m->base) files.push_back(*m->base);
  for (auto& f : m->incrs) files.push_back(f);
  base::Status st;
  for (size_t i = 0; i < files.size() && st.ok(); i++) {
    st = LoadOneFile(engine, paths, files[i], i + 1 == files.size(), replay, opt, &info);
  }
  if (!st.ok()) {
    for (auto& d : engine.dbs) {
      if (d) d->Flush();
    }
    return st;
  }
  return info;
}

// --- RESP base ---

namespace {

constexpr size_t kItemsPerCmd = 64;  // Redis's AOF_REWRITE_ITEMS_PER_CMD

std::string IdText(StreamId id) { return std::to_string(id.ms) + "-" + std::to_string(id.seq); }

// A stream as Redis 7.0's rewriteStreamObject writes it: one XADD per entry
// (XADD MAXLEN 0 0-1 x y for an empty stream), XSETID with the counters,
// then per group XGROUP CREATE ... ENTRIESREAD and one XCLAIM ... JUSTID
// FORCE per pending entry of each consumer (consumers without pending
// entries are not kept, as in Redis).
void EmitStream(std::string* out, std::string_view key, const StreamData& s) {
  if (!s.entries.empty()) {
    for (const auto& e : s.entries) {
      std::string id = IdText(e.id);
      std::vector<std::string_view> a = {"XADD", key, id};
      for (const auto& [f, v] : e.fields) {
        a.push_back(f);
        a.push_back(v);
      }
      AppendRespCommand(out, a);
    }
  } else {
    std::string_view a[] = {"XADD", key, "MAXLEN", "0", "0-1", "x", "y"};
    AppendRespCommand(out, a);
  }
  std::string last = IdText(s.last_id), added = std::to_string(s.entries_added),
              maxdel = IdText(s.max_deleted_id);
  std::string_view setid[] = {"XSETID", key, last, "ENTRIESADDED", added, "MAXDELETEDID", maxdel};
  AppendRespCommand(out, setid);
  for (const auto& g : s.groups) {
    std::string glast = IdText(g.last_id), read = std::to_string(g.entries_read);
    std::string_view create[] = {"XGROUP", "CREATE", key, g.name, glast, "ENTRIESREAD", read};
    AppendRespCommand(out, create);
    for (const auto& c : g.consumers) {
      for (StreamId pid : c.pending) {
        const StreamPendingEntry* pe = nullptr;
        for (const auto& p : g.pel) {
          if (p.id == pid) {
            pe = &p;
            break;
          }
        }
        if (!pe) continue;
        std::string id = IdText(pid), t = std::to_string(pe->delivery_time_ms),
                    n = std::to_string(pe->delivery_count);
        std::string_view claim[] = {"XCLAIM", key, g.name,       c.name, "0",      id,
                                    "TIME",   t,   "RETRYCOUNT", n,      "JUSTID", "FORCE"};
        AppendRespCommand(out, claim);
      }
    }
  }
}

void EmitBatched(std::string* out, std::string_view cmd, std::string_view key,
                 const std::vector<std::string>& items, size_t per_item) {
  size_t n = items.size() / per_item;
  for (size_t i = 0; i < n; i += kItemsPerCmd) {
    size_t m = std::min(kItemsPerCmd, n - i);
    std::vector<std::string_view> args = {cmd, key};
    for (size_t j = 0; j < m * per_item; j++) args.push_back(items[i * per_item + j]);
    AppendRespCommand(out, args);
  }
}

}  // namespace

base::Status WriteAofRespBase(commands::Engine& engine,
                              const std::function<base::Status(std::string_view)>& sink) {
  std::string out;
  base::Status st;
  for (size_t i = 0; i < engine.dbs.size() && st.ok(); i++) {
    db::Keyspace* ks = engine.dbs[i].get();
    if (!ks || ks->size() == 0) continue;
    std::string dbs = std::to_string(i);
    std::string_view sel[] = {"SELECT", dbs};
    AppendRespCommand(&out, sel);
    ks->ForEachLive([&](db::Entry* e) {
      if (!st.ok()) return;
      RdbValue v;
      base::Status s = EntryToRdbValue(e, &v);
      std::string key(e->key());
      if (!s.ok()) {
        st = s;
        return;
      }
      std::vector<std::string> items;
      switch (v.kind) {
        case RdbValue::Kind::kString: {
          std::string_view a[] = {"SET", key, v.str};
          AppendRespCommand(&out, a);
          break;
        }
        case RdbValue::Kind::kList:
          EmitBatched(&out, "RPUSH", key, v.items, 1);
          break;
        case RdbValue::Kind::kSet:
          EmitBatched(&out, "SADD", key, v.items, 1);
          break;
        case RdbValue::Kind::kZSet:
          for (auto& [m, score] : v.zset) {
            items.push_back(DoubleToText(score));
            items.push_back(m);
          }
          EmitBatched(&out, "ZADD", key, items, 2);
          break;
        case RdbValue::Kind::kHash:
          for (auto& [f, val] : v.hash) {
            items.push_back(f);
            items.push_back(val);
          }
          EmitBatched(&out, "HMSET", key, items, 2);
          break;
        case RdbValue::Kind::kStream:
          EmitStream(&out, key, v.stream);
          break;
        case RdbValue::Kind::kModule:
          st = base::Status::Error("key '" + key + "': module values cannot be rewritten");
          return;
      }
      if (e->has_expire()) {
        std::string ms = std::to_string(e->expire_ms());
        std::string_view a[] = {"PEXPIREAT", key, ms};
        AppendRespCommand(&out, a);
      }
      if (out.size() >= 64 * 1024) {
        st = sink(out);
        out.clear();
      }
    });
  }
  if (!st.ok()) return st;
  return sink(out);
}

}  // namespace node::persist
