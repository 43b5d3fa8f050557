// node/commands/hll.cc
//
// HyperLogLog commands: PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST. The value
// is a plain string in Redis's exact HLL layout (node/db/hyperloglog.h), so
// it moves to and from redis-server by GET/SET, DUMP/RESTORE and replication.
// Registered in table_hll.inc; arity and slot ownership were checked by the
// dispatcher. Engine thread.
//
// Propagation follows Redis: PFADD is propagated when a register changed
// (or the key was created), PFMERGE always, and PFCOUNT of one key when it
// refreshed the cached cardinality in the header (it changes the value).

#include <cmath>
#include <cstring>
#include <vector>

#include "node/commands/helpers.h"
#include "node/commands/hll_handlers.h"
#include "node/config/config.h"
#include "node/db/bitops_util.h"
#include "node/db/hyperloglog.h"

namespace node::commands {

namespace {

namespace hll = db::hll;

constexpr const char* kErrNotHll = "WRONGTYPE Key is not a valid HyperLogLog string value.";
constexpr const char* kErrCorruptHll = "INVALIDOBJ Corrupted HLL object detected";

size_t SparseMaxBytes(CommandContext& ctx) {
  auto* cfg = ctx.engine().config;
  return cfg ? static_cast<size_t>(cfg->s.hll_sparse_max_bytes) : hll::kDefaultSparseMaxBytes;
}

// Looks a key up and checks that it holds an HLL. Returns false after
// replying an error; *e is nullptr when the key does not exist.
bool LookupHll(CommandContext& ctx, std::string_view key, bool write, db::Entry** e) {
  bool wrong;
  *e = LookupTyped(ctx, key, db::ObjType::kString, &wrong, write);
  if (wrong) return false;
  if (*e) {
    char buf[24];
    if ((*e)->is_int() || !hll::LooksValid(db::StringOf(*e, buf))) {
      ctx.reply().Error(kErrNotHll);
      return false;
    }
  }
  return true;
}

// The bytes of an HLL value (never an integer: LookupHll checked).
std::string_view ValueOf(const db::Entry* e) {
  if (e->storage == db::Storage::kPtr) return e->as<db::StringValue>()->str();
  return e->embedded();
}

// Redis's dbUnshareStringValue: the value becomes a "raw" string (OBJECT
// ENCODING), whether or not the command then changes it.
void Unshare(CommandContext& ctx, std::string_view key, db::Entry** e) {
  if ((*e)->flags & db::Entry::kRawEncoding) return;
  db::StringEditor ed(Db(ctx), key, *e);
  *e = ed.Commit();
}

}  // namespace

// PFADD key [element ...]
void PfAdd(CommandContext& ctx) {
  db::Entry* e;
  if (!LookupHll(ctx, ctx.arg(1), true, &e)) return;
  auto& ks = Db(ctx);
  db::StringEditor ed(ks, ctx.arg(1), e);
  int64_t updated = 0;
  if (!e) {
    ed.str() = hll::NewSparse();
    updated++;
  }
  size_t max_bytes = SparseMaxBytes(ctx);
  for (size_t i = 2; i < ctx.argc(); i++) {
    int r = hll::Add(ed.str(), ctx.arg(i), max_bytes);
    if (r < 0) {
      // Redis keeps what it changed before finding the corruption, without
      // propagating it.
      ed.Commit();
      return ctx.reply().Error(kErrCorruptHll);
    }
    updated += r;
  }
  if (updated) hll::InvalidateCache(ed.str());
  ed.Commit();
  if (updated) ctx.SetDirty(updated);
  ctx.reply().Integer(updated ? 1 : 0);
}

// PFCOUNT key [key ...]
void PfCount(CommandContext& ctx) {
  if (ctx.argc() > 2) {
    // Union of several HLLs: computed on the side, nothing is modified.
    std::vector<uint8_t> max(hll::kRegisters, 0);
    for (size_t i = 1; i < ctx.argc(); i++) {
      db::Entry* e;
      if (!LookupHll(ctx, ctx.arg(i), false, &e)) return;
      if (!e) continue;
      if (!hll::MergeInto(ValueOf(e), max.data())) return ctx.reply().Error(kErrCorruptHll);
    }
    return ctx.reply().Integer(static_cast<int64_t>(hll::CountRaw(max.data())));
  }
  db::Entry* e;
  if (!LookupHll(ctx, ctx.arg(1), false, &e)) return;
  if (!e) return ctx.reply().Integer(0);
  Unshare(ctx, ctx.arg(1), &e);
  std::string_view v = ValueOf(e);
  if (hll::CacheValid(v)) return ctx.reply().Integer(static_cast<int64_t>(hll::CachedCard(v)));
  bool invalid = false;
  uint64_t card = hll::Count(v, &invalid);
  if (invalid) return ctx.reply().Error(kErrCorruptHll);
  db::StringEditor ed(Db(ctx), ctx.arg(1), e);
  hll::SetCachedCard(ed.str(), card);
  ed.Commit();
  ctx.SetDirty();
  ctx.reply().Integer(static_cast<int64_t>(card));
}

// PFMERGE destkey [sourcekey ...]
void PfMerge(CommandContext& ctx) {
  std::vector<uint8_t> max(hll::kRegisters, 0);
  bool use_dense = false;
  for (size_t i = 1; i < ctx.argc(); i++) {
    db::Entry* e;
    if (!LookupHll(ctx, ctx.arg(i), false, &e)) return;
    if (!e) continue;
    std::string_view v = ValueOf(e);
    if (hll::EncodingOf(v) == hll::kDense) use_dense = true;
    if (!hll::MergeInto(v, max.data())) return ctx.reply().Error(kErrCorruptHll);
  }
  auto& ks = Db(ctx);
  db::Entry* dest = ks.LookupWrite(ctx.arg(1));  // type checked in the loop above
  db::StringEditor ed(ks, ctx.arg(1), dest);
  if (!dest) ed.str() = hll::NewSparse();
  if (use_dense && !hll::SparseToDense(ed.str())) {
    ed.Commit();
    return ctx.reply().Error(kErrCorruptHll);
  }
  size_t max_bytes = SparseMaxBytes(ctx);
  for (int j = 0; j < hll::kRegisters; j++) {
    if (max[static_cast<size_t>(j)] == 0) continue;
    hll::SetRegister(ed.str(), j, max[static_cast<size_t>(j)], max_bytes);
  }
  hll::InvalidateCache(ed.str());
  ed.Commit();
  ctx.SetDirty();
  ctx.reply().Ok();
}

// PFDEBUG <GETREG|DECODE|ENCODING|TODENSE> key
void PfDebug(CommandContext& ctx) {
  std::string_view sub = ctx.arg(1);
  auto& ks = Db(ctx);
  db::Entry* e = ks.LookupWrite(ctx.arg(2));
  if (!e) return ctx.reply().Error("ERR The specified key does not exist");
  if (e->type != db::ObjType::kString) return ctx.reply().Error(kErrWrongType);
  if (e->is_int() || !hll::LooksValid(ValueOf(e))) return ctx.reply().Error(kErrNotHll);
  Unshare(ctx, ctx.arg(2), &e);
  bool sparse = hll::EncodingOf(ValueOf(e)) == hll::kSparse;
  // GETREG and TODENSE convert a sparse HLL to dense and propagate that.
  auto to_dense = [&]() -> bool {
    db::StringEditor ed(ks, ctx.arg(2), e);
    if (!hll::SparseToDense(ed.str())) {
      ctx.reply().Error(kErrCorruptHll);
      return false;
    }
    e = ed.Commit();
    ctx.SetDirty();
    return true;
  };
  if (Is(sub, "getreg")) {
    if (sparse && !to_dense()) return;
    const auto* regs = reinterpret_cast<const uint8_t*>(ValueOf(e).data()) + hll::kHeaderSize;
    ctx.reply().ArrayHeader(hll::kRegisters);
    for (int j = 0; j < hll::kRegisters; j++) ctx.reply().Integer(hll::DenseGet(regs, j));
  } else if (Is(sub, "decode")) {
    if (!sparse) return ctx.reply().Error("ERR HLL encoding is not sparse");
    ctx.reply().Bulk(hll::DecodeSparse(ValueOf(e)));
  } else if (Is(sub, "encoding")) {
    ctx.reply().Simple(sparse ? "sparse" : "dense");
  } else if (Is(sub, "todense")) {
    if (sparse && !to_dense()) return;
    ctx.reply().Integer(sparse ? 1 : 0);
  } else {
    ctx.reply().Error("ERR Unknown PFDEBUG subcommand '" + std::string(sub) + "'");
  }
}

// PFSELFTEST: register access round trips, then dense and sparse HLLs fed
// the same elements must agree and stay within a few standard errors.
void PfSelfTest(CommandContext& ctx) {
  uint64_t rng = 0x2545F4914F6CDD1Dull ^ static_cast<uint64_t>(ctx.client().id);
  auto next = [&]() {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
  };
  std::string dense(hll::kDenseSize, '\0');
  uint8_t* regs = reinterpret_cast<uint8_t*>(dense.data()) + hll::kHeaderSize;
  std::vector<uint8_t> expect(hll::kRegisters);
  for (int cycle = 0; cycle < 1000; cycle++) {
    for (int i = 0; i < hll::kRegisters; i++) {
      expect[static_cast<size_t>(i)] = static_cast<uint8_t>(next() & hll::kRegisterMax);
      hll::DenseSet(regs, i, expect[static_cast<size_t>(i)]);
    }
    for (int i = 0; i < hll::kRegisters; i++) {
      uint8_t v = hll::DenseGet(regs, i);
      if (v != expect[static_cast<size_t>(i)]) {
        return ctx.reply().Error("TESTFAILED Register " + std::to_string(i) + " should be " +
                                 std::to_string(expect[static_cast<size_t>(i)]) + " but is " +
                                 std::to_string(v));
      }
    }
  }
  memcpy(dense.data(), "HYLL", 4);
  memset(regs, 0, hll::kDenseRegBytes);
  std::string sparse = hll::NewSparse();
  size_t max_bytes = SparseMaxBytes(ctx);
  double relerr = 1.04 / std::sqrt(static_cast<double>(hll::kRegisters));
  uint64_t checkpoint = 1;
  uint64_t seed = next();
  for (uint64_t j = 1; j <= 10000000; j++) {
    uint64_t ele = j ^ seed;
    std::string_view bytes(reinterpret_cast<const char*>(&ele), sizeof(ele));
    hll::Add(dense, bytes, max_bytes);
    hll::Add(sparse, bytes, max_bytes);
    if (j != checkpoint) continue;
    if (j < max_bytes / 2 && hll::EncodingOf(sparse) != hll::kSparse)
      return ctx.reply().Error("TESTFAILED sparse encoding not used");
    uint64_t card = hll::Count(dense, nullptr);
    if (card != hll::Count(sparse, nullptr))
      return ctx.reply().Error("TESTFAILED dense/sparse disagree");
    int64_t abserr = std::llabs(static_cast<int64_t>(checkpoint) - static_cast<int64_t>(card));
    auto maxerr = static_cast<int64_t>(std::ceil(relerr * 6 * static_cast<double>(checkpoint)));
    if (j == 10) maxerr = 1;
    if (abserr > maxerr) {
      return ctx.reply().Error("TESTFAILED Too big error. card:" + std::to_string(checkpoint) +
                               " abserr:" + std::to_string(abserr));
    }
    checkpoint *= 10;
  }
  ctx.reply().Ok();
}

}  // namespace node::commands
