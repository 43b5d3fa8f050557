// node/persist/rdb_file.cc -- see rdb_file.h.

#include "node/persist/rdb_file.h"

#include "node/persist/crc64.h"

namespace node::persist {

// --- Writer ---

RdbFileWriter::RdbFileWriter(EncodeOptions opt) : opt_(opt), w_(&buf_, opt.compress) {}

void RdbFileWriter::UpdateCrc() {
  crc_ = Crc64(crc_, std::string_view(buf_).substr(crc_done_));
  crc_done_ = buf_.size();
}

std::string RdbFileWriter::TakeBuffer() {
  UpdateCrc();
  std::string out = std::move(buf_);
  buf_.clear();
  crc_done_ = 0;
  return out;
}

void RdbFileWriter::Magic() { w_.Raw("REDIS0010"); }

void RdbFileWriter::Begin(const RdbAuxInfo& aux) {
  Magic();
  Aux("redis-ver", aux.redis_ver);
  Aux("redis-bits", "64");
  Aux("ctime", Int64ToText(aux.ctime));
  Aux("used-mem", Int64ToText(aux.used_mem));
  if (aux.has_repl_info) {
    Aux("repl-stream-db", Int64ToText(aux.repl_stream_db));
    Aux("repl-id", aux.repl_id);
    Aux("repl-offset", Int64ToText(aux.repl_offset));
  }
  Aux("aof-base", aux.aof_base ? "1" : "0");
}

void RdbFileWriter::Aux(std::string_view key, std::string_view value) {
  w_.Byte(kOpAux);
  w_.String(key);
  w_.String(value);
}

void RdbFileWriter::Function(std::string_view library_source) {
  w_.Byte(kOpFunction2);
  w_.String(library_source);
}

void RdbFileWriter::SelectDb(int db, uint64_t db_size, uint64_t expires_size) {
  w_.Byte(kOpSelectDb);
  w_.Len(static_cast<uint64_t>(db));
  w_.Byte(kOpResizeDb);
  w_.Len(db_size);
  w_.Len(expires_size);
}

void RdbFileWriter::Entry(const RdbEntry& e) {
  if (e.expire_ms != -1) {
    w_.Byte(kOpExpireTimeMs);
    w_.MillisecondTime(e.expire_ms);
  }
  if (e.lru_idle >= 0) {
    w_.Byte(kOpIdle);
    w_.Len(static_cast<uint64_t>(e.lru_idle));
  }
  if (e.lfu_freq >= 0) {
    w_.Byte(kOpFreq);
    w_.Byte(static_cast<uint8_t>(e.lfu_freq));
  }
  // <type> <key> <value>: EncodeValue writes the type byte first, so encode
  // into a scratch string and splice the key in after it.
  std::string value;
  RdbWriter vw(&value, opt_.compress);
  EncodeValue(e.value, vw, opt_);
  w_.Byte(static_cast<uint8_t>(value[0]));
  w_.String(e.key);
  w_.Raw(std::string_view(value).substr(1));
}

void RdbFileWriter::Finish() {
  w_.Byte(kOpEof);
  UpdateCrc();
  w_.U64LE(crc_);
  crc_done_ = buf_.size();
}

// --- Reader ---

namespace {

Status Fail(const Status& s) {
  const std::string& m = s.message();
  if (m.rfind("unexpected end of RDB data", 0) == 0) {
    return Status::Error("Short read loading RDB (" + m + ")");
  }
  return Status::Error("RDB load failed: " + m);
}

Status SkipModuleOpcodeStream(RdbReader& r) {
  while (true) {
    auto op = r.Len();
    if (!op) return op.status();
    switch (*op) {
      case 0:
        return Status::Ok();
      case 1:
      case 2:
        if (auto v = r.Len(); !v) return v.status();
        break;
      case 3:
        if (auto v = r.Raw(4); !v) return v.status();
        break;
      case 4:
        if (auto v = r.Raw(8); !v) return v.status();
        break;
      case 5:
        if (Status s = r.SkipString(); !s.ok()) return s;
        break;
      default:
        return r.Error("unknown module opcode");
    }
  }
}

}  // namespace

Result<RdbLoadStats> LoadRdb(std::string_view file, const RdbLoadHandlers& h) {
  RdbLoadStats stats;
  RdbReader r(file);
  auto magic = r.Raw(9);
  if (!magic || magic->substr(0, 5) != "REDIS") {
    return Status::Error("RDB load failed: wrong signature trying to load DB from file");
  }
  int version = 0;
  for (char c : magic->substr(5)) {
    if (c < '0' || c > '9') return Status::Error("RDB load failed: bad RDB version field");
    version = version * 10 + (c - '0');
  }
  if (version < 1 || version > kRdbVersion) {
    return Status::Error("Can't handle RDB format version " + std::to_string(version));
  }
  stats.version = version;

  int db = 0;
  int64_t expire_ms = -1;
  int64_t lru_idle = -1;
  int lfu_freq = -1;
  while (true) {
    size_t at = r.offset();
    auto type = r.Byte();
    if (!type) return Fail(type.status());
    switch (*type) {
      case kOpExpireTime: {
        auto s = r.U32LE();
        if (!s) return Fail(s.status());
        expire_ms = static_cast<int64_t>(*s) * 1000;
        continue;
      }
      case kOpExpireTimeMs: {
        auto ms = r.MillisecondTime();
        if (!ms) return Fail(ms.status());
        expire_ms = *ms;
        continue;
      }
      case kOpFreq: {
        auto f = r.Byte();
        if (!f) return Fail(f.status());
        lfu_freq = *f;
        continue;
      }
      case kOpIdle: {
        auto idle = r.Len();
        if (!idle) return Fail(idle.status());
        lru_idle = static_cast<int64_t>(*idle);
        continue;
      }
      case kOpEof:
        break;
      case kOpSelectDb: {
        auto n = r.Len();
        if (!n) return Fail(n.status());
        if (*n >= static_cast<uint64_t>(h.databases)) {
          return Fail(r.ErrorAt("SELECTDB " + std::to_string(*n) + " beyond the " +
                                    std::to_string(h.databases) + " configured databases",
                                at));
        }
        db = static_cast<int>(*n);
        continue;
      }
      case kOpResizeDb: {
        auto size = r.Len();
        if (!size) return Fail(size.status());
        auto expires = r.Len();
        if (!expires) return Fail(expires.status());
        if (h.on_resize_db) {
          if (Status s = h.on_resize_db(db, *size, *expires); !s.ok()) return s;
        }
        continue;
      }
      case kOpAux: {
        auto key = r.String();
        if (!key) return Fail(key.status());
        auto value = r.String();
        if (!value) return Fail(value.status());
        if (h.on_aux) {
          if (Status s = h.on_aux(*key, *value); !s.ok()) return s;
        }
        continue;
      }
      case kOpModuleAux: {
        auto id = r.Len();
        if (!id) return Fail(id.status());
        if (!h.skip_module_aux) {
          return Fail(
              r.ErrorAt("the RDB file contains AUX module data I can't load: no "
                        "matching module '" +
                            ModuleTypeName(*id) + "'",
                        at));
        }
        auto when_op = r.Len();
        if (!when_op) return Fail(when_op.status());
        auto when = r.Len();
        if (!when) return Fail(when.status());
        if (Status s = SkipModuleOpcodeStream(r); !s.ok()) return Fail(s);
        continue;
      }
      case kOpFunction:
        return Fail(r.ErrorAt("pre-release function format not supported", at));
      case kOpFunction2: {
        auto lib = r.String();
        if (!lib) return Fail(lib.status());
        if (h.on_function) {
          if (Status s = h.on_function(std::move(*lib)); !s.ok()) return s;
        }
        continue;
      }
      default: {
        if (!IsRdbObjectType(*type)) {
          return Fail(r.ErrorAt("unknown RDB type or opcode " + std::to_string(*type), at));
        }
        RdbEntry e;
        e.db = db;
        auto key = r.String();
        if (!key) return Fail(key.status());
        e.key = std::move(*key);
        auto value = DecodeValue(*type, r);
        if (!value) return Fail(value.status());
        e.value = std::move(*value);
        e.expire_ms = expire_ms;
        e.lru_idle = lru_idle;
        e.lfu_freq = lfu_freq;
        expire_ms = -1;
        lru_idle = -1;
        lfu_freq = -1;
        if (IsEmptyValue(e.value)) {
          ++stats.empty_skipped;
          continue;
        }
        ++stats.keys;
        if (Status s = h.on_entry(std::move(e)); !s.ok()) return s;
        continue;
      }
    }
    break;  // EOF
  }
  if (version >= 5) {
    size_t body_end = r.offset();
    auto stored = r.U64LE();
    if (!stored) return Fail(stored.status());
    if (*stored != 0) {
      if (Crc64(0, file.substr(0, body_end)) != *stored) {
        return Status::Error("Wrong RDB checksum (stored at offset " + std::to_string(body_end) +
                             ")");
      }
      stats.checksum_verified = true;
    }
  }
  return stats;
}

}  // namespace node::persist
