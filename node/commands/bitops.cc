// node/commands/bitops.cc
//
// Bitmap commands on string values: SETBIT GETBIT BITCOUNT BITPOS BITOP
// BITFIELD BITFIELD_RO. Registered in table_bitops.inc; arity and slot
// ownership were checked by the dispatcher. Engine thread.
//
// Parsing order, error texts, range clamping and the quirks of Redis 7.0
// (BITPOS's exact-range rule for clear bits, BITFIELD's per-op overflow
// modes, which writes count as changes and get propagated) are Redis's.
// Writing commands turn the value into a "raw" string as Redis's
// dbUnshareStringValue does, even when no bit changes.

#include <algorithm>
#include <bit>
#include <vector>

#include "node/commands/bitops_handlers.h"
#include "node/commands/helpers.h"
#include "node/db/bitops_util.h"

namespace node::commands {

namespace {

constexpr const char* kErrBitOffset = "ERR bit offset is not an integer or out of range";
constexpr const char* kErrBitValue = "ERR bit is not an integer or out of range";
constexpr const char* kErrBitfieldType =
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but "
    "i64 is.";

const uint8_t* Bytes(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }
uint8_t* Bytes(std::string& s) { return reinterpret_cast<uint8_t*>(s.data()); }

// A bit offset argument: non-negative and addressing a byte below
// proto-max-bulk-len (not enforced for our master's stream, as Redis). With
// `bits` > 0 the "#N" form means N * bits.
bool BitOffsetArg(CommandContext& ctx, std::string_view arg, int bits, uint64_t* out) {
  bool hash = bits > 0 && !arg.empty() && arg[0] == '#';
  auto v = base::ParseInt64(hash ? arg.substr(1) : arg);
  if (!v) {
    ctx.reply().Error(kErrBitOffset);
    return false;
  }
  int64_t off = *v;
  // Redis multiplies in a long long; wrap like it does on overflow.
  if (hash) off = static_cast<int64_t>(static_cast<uint64_t>(off) * static_cast<uint64_t>(bits));
  if (off < 0 || (!ctx.client().is_master_link &&
                  static_cast<uint64_t>(off >> 3) >= ctx.engine().hot.proto_max_bulk_len)) {
    ctx.reply().Error(kErrBitOffset);
    return false;
  }
  *out = static_cast<uint64_t>(off);
  return true;
}

// "i1".."i64" or "u1".."u63".
bool BitfieldTypeArg(CommandContext& ctx, std::string_view arg, bool* sign, int* bits) {
  if (arg.empty() || (arg[0] != 'i' && arg[0] != 'u')) {
    ctx.reply().Error(kErrBitfieldType);
    return false;
  }
  *sign = arg[0] == 'i';
  // Redis parses up to a NUL byte (strlen), like a C string.
  std::string_view digits = arg.substr(1);
  digits = digits.substr(0, digits.find('\0'));
  auto v = base::ParseInt64(digits);
  if (!v || *v < 1 || (*sign && *v > 64) || (!*sign && *v > 63)) {
    ctx.reply().Error(kErrBitfieldType);
    return false;
  }
  *bits = static_cast<int>(*v);
  return true;
}

// Converts a Redis range [start, end] (negative from the end, BYTE or BIT
// units) over a string of `len` bytes into a byte range plus the masks of
// the bits outside the range in the first and last byte.
struct BitRange {
  int64_t start = 0;
  int64_t end = 0;
  uint8_t first_mask = 0;  // bits of byte `start` before the range
  uint8_t last_mask = 0;   // bits of byte `end` after the range
};
void ClampRange(int64_t len, bool isbit, BitRange* r) {
  int64_t total = isbit ? len * 8 : len;
  if (r->start < 0) r->start = total + r->start;
  if (r->end < 0) r->end = total + r->end;
  if (r->start < 0) r->start = 0;
  if (r->end < 0) r->end = 0;
  if (r->end >= total) r->end = total - 1;
  if (isbit && r->start <= r->end) {
    r->first_mask = static_cast<uint8_t>(~((1u << (8 - (r->start & 7))) - 1) & 0xff);
    r->last_mask = static_cast<uint8_t>((1u << (7 - (r->end & 7))) - 1);
    r->start >>= 3;
    r->end >>= 3;
  }
}

// BYTE | BIT unit argument.
bool UnitArg(CommandContext& ctx, std::string_view arg, bool* isbit) {
  if (Is(arg, "bit")) {
    *isbit = true;
  } else if (Is(arg, "byte")) {
    *isbit = false;
  } else {
    ctx.reply().Error(kErrSyntax);
    return false;
  }
  return true;
}

}  // namespace

// SETBIT key offset value
void SetBit(CommandContext& ctx) {
  uint64_t offset;
  if (!BitOffsetArg(ctx, ctx.arg(2), 0, &offset)) return;
  auto on = base::ParseInt64(ctx.arg(3));
  if (!on || (*on & ~int64_t{1})) return ctx.reply().Error(kErrBitValue);
  bool wrong;
  db::Entry* e = LookupTyped(ctx, ctx.arg(1), db::ObjType::kString, &wrong, true);
  if (wrong) return;
  db::StringEditor ed(Db(ctx), ctx.arg(1), e);
  std::string& s = ed.str();
  size_t byte = offset >> 3;
  bool changed = !e;
  if (s.size() < byte + 1) {
    s.resize(byte + 1, '\0');
    changed = true;
  }
  unsigned shift = 7 - static_cast<unsigned>(offset & 7);
  int old = (static_cast<uint8_t>(s[byte]) >> shift) & 1;
  if (changed || old != *on) {
    s[byte] = static_cast<char>((static_cast<uint8_t>(s[byte]) & ~(1u << shift)) |
                                (static_cast<unsigned>(*on) << shift));
    ctx.SetDirty();
  }
  ed.Commit();
  ctx.reply().Integer(old);
}

// GETBIT key offset
void GetBit(CommandContext& ctx) {
  uint64_t offset;
  if (!BitOffsetArg(ctx, ctx.arg(2), 0, &offset)) return;
  bool wrong;
  db::Entry* e = LookupTyped(ctx, ctx.arg(1), db::ObjType::kString, &wrong);
  if (wrong) return;
  if (!e) return ctx.reply().Integer(0);
  char buf[24];
  std::string_view s = StrVal(e, buf);
  uint64_t byte = offset >> 3;
  int bit = byte < s.size() ? (static_cast<uint8_t>(s[byte]) >> (7 - (offset & 7))) & 1 : 0;
  ctx.reply().Integer(bit);
}

// BITCOUNT key [start end [BYTE|BIT]]
void BitCount(CommandContext& ctx) {
  bool wrong;
  db::Entry* e = LookupTyped(ctx, ctx.arg(1), db::ObjType::kString, &wrong);
  if (wrong) return;
  if (!e) return ctx.reply().Integer(0);
  char buf[24];
  std::string_view s = StrVal(e, buf);
  auto len = static_cast<int64_t>(s.size());
  BitRange r;
  if (ctx.argc() == 4 || ctx.argc() == 5) {
    auto start = IntArg(ctx, 2);
    if (!start) return;
    auto end = IntArg(ctx, 3);
    if (!end) return;
    if (*start < 0 && *end < 0 && *start > *end) return ctx.reply().Integer(0);
    bool isbit = false;
    if (ctx.argc() == 5 && !UnitArg(ctx, ctx.arg(4), &isbit)) return;
    r.start = *start;
    r.end = *end;
    ClampRange(len, isbit, &r);
  } else if (ctx.argc() == 2) {
    r.end = len - 1;
  } else {
    return ctx.reply().Error(kErrSyntax);
  }
  if (r.start > r.end) return ctx.reply().Integer(0);
  const uint8_t* p = Bytes(s);
  auto count =
      static_cast<int64_t>(db::Popcount(p + r.start, static_cast<size_t>(r.end - r.start + 1)));
  if (r.first_mask) count -= std::popcount(static_cast<unsigned>(p[r.start] & r.first_mask));
  if (r.last_mask) count -= std::popcount(static_cast<unsigned>(p[r.end] & r.last_mask));
  ctx.reply().Integer(count);
}

// BITPOS key bit [start [end [BYTE|BIT]]]
void BitPos(CommandContext& ctx) {
  auto bitarg = IntArg(ctx, 2);
  if (!bitarg) return;
  if (*bitarg != 0 && *bitarg != 1)
    return ctx.reply().Error("ERR The bit argument must be 1 or 0.");
  int bit = static_cast<int>(*bitarg);
  bool wrong;
  db::Entry* e = LookupTyped(ctx, ctx.arg(1), db::ObjType::kString, &wrong);
  if (wrong) return;
  if (!e) return ctx.reply().Integer(bit ? -1 : 0);
  char buf[24];
  std::string_view s = StrVal(e, buf);
  auto len = static_cast<int64_t>(s.size());
  BitRange r;
  bool end_given = false;
  if (ctx.argc() >= 4 && ctx.argc() <= 6) {
    auto start = IntArg(ctx, 3);
    if (!start) return;
    bool isbit = false;
    if (ctx.argc() == 6 && !UnitArg(ctx, ctx.arg(5), &isbit)) return;
    r.start = *start;
    if (ctx.argc() >= 5) {
      auto end = IntArg(ctx, 4);
      if (!end) return;
      r.end = *end;
      end_given = true;
    } else {
      r.end = isbit ? len * 8 + 7 : len - 1;
    }
    ClampRange(len, isbit, &r);
  } else if (ctx.argc() == 3) {
    r.end = len - 1;
  } else {
    return ctx.reply().Error(kErrSyntax);
  }
  if (r.start > r.end) return ctx.reply().Integer(-1);
  const uint8_t* p = Bytes(s);
  int64_t start = r.start;
  int64_t bytes = r.end - r.start + 1;
  int64_t pos = -1;
  // The edge bytes of a BIT range are searched with the bits outside the
  // range forced to the value not searched for.
  auto masked = [&](uint8_t b, uint8_t mask) {
    return bit ? static_cast<uint8_t>(b & ~mask) : static_cast<uint8_t>(b | mask);
  };
  bool done = false;
  if (r.first_mask) {
    uint8_t c = masked(p[start], r.first_mask);
    if (r.last_mask && bytes == 1) c = masked(c, r.last_mask);
    pos = db::Bitpos(&c, 1, bit);
    if (bytes == 1 || (pos != -1 && pos != 8)) {
      done = true;
    } else {
      start++;
      bytes--;
    }
  }
  if (!done) {
    int64_t cur = bytes - (r.last_mask ? 1 : 0);
    if (cur > 0) {
      pos = db::Bitpos(p + start, static_cast<size_t>(cur), bit);
      if (bytes == cur || (pos != -1 && pos != cur * 8)) {
        done = true;
      } else {
        start += cur;
        bytes -= cur;
      }
    }
  }
  if (!done) {
    uint8_t c = masked(p[r.end], r.last_mask);
    pos = db::Bitpos(&c, 1, bit);
  }
  // With an explicit end, a clear bit just past the range is no answer.
  if (end_given && bit == 0 && pos == bytes * 8) return ctx.reply().Integer(-1);
  if (pos != -1) pos += start * 8;
  ctx.reply().Integer(pos);
}

// BITOP <AND|OR|XOR|NOT> destkey key [key ...]
void BitOp(CommandContext& ctx) {
  enum { kAnd, kOr, kXor, kNot } op;
  std::string_view name = ctx.arg(1);
  if (Is(name, "and")) {
    op = kAnd;
  } else if (Is(name, "or")) {
    op = kOr;
  } else if (Is(name, "xor")) {
    op = kXor;
  } else if (Is(name, "not")) {
    op = kNot;
  } else {
    return ctx.reply().Error(kErrSyntax);
  }
  if (op == kNot && ctx.argc() != 4)
    return ctx.reply().Error("ERR BITOP NOT must be called with a single source key.");
  size_t n = ctx.argc() - 3;
  std::vector<std::string_view> src(n);
  std::vector<std::string> rendered(n);  // integer values as text
  size_t maxlen = 0;
  auto& ks = Db(ctx);
  for (size_t j = 0; j < n; j++) {
    db::Entry* e = ks.LookupRead(ctx.arg(j + 3));
    if (!e) continue;
    if (e->type != db::ObjType::kString) return ctx.reply().Error(kErrWrongType);
    char buf[24];
    std::string_view v = db::StringOf(e, buf);
    if (e->is_int()) {
      rendered[j].assign(v);
      v = rendered[j];
    }
    src[j] = v;
    maxlen = std::max(maxlen, v.size());
  }
  if (maxlen == 0) {
    if (ks.Delete(ctx.arg(2))) ctx.SetDirty();
    return ctx.reply().Integer(0);
  }
  std::string res(maxlen, '\0');
  uint8_t* out = Bytes(res);
  const uint8_t* s0 = Bytes(src[0]);
  for (size_t i = 0; i < src[0].size(); i++) out[i] = s0[i];
  if (op == kNot) {
    for (size_t i = 0; i < maxlen; i++) out[i] = static_cast<uint8_t>(~out[i]);
  }
  for (size_t j = 1; j < n; j++) {
    const uint8_t* s = Bytes(src[j]);
    size_t len = src[j].size();
    switch (op) {
      case kAnd:
        for (size_t i = 0; i < len; i++) out[i] &= s[i];
        for (size_t i = len; i < maxlen; i++) out[i] = 0;
        break;
      case kOr:
        for (size_t i = 0; i < len; i++) out[i] |= s[i];
        break;
      case kXor:
        for (size_t i = 0; i < len; i++) out[i] ^= s[i];
        break;
      case kNot:
        break;
    }
  }
  ks.SetString(ctx.arg(2), res, -1, false, db::StrEnc::kRaw);
  ctx.SetDirty();
  ctx.reply().Integer(static_cast<int64_t>(maxlen));
}

namespace {

struct FieldOp {
  enum Code { kGet, kSet, kIncrBy } code;
  uint64_t offset;
  int64_t value;
  db::Overflow ow;
  int bits;
  bool sign;
};

void BitFieldGeneric(CommandContext& ctx, bool ro_command) {
  std::vector<FieldOp> ops;
  db::Overflow ow = db::Overflow::kWrap;
  bool readonly = true;
  uint64_t highest = 0;
  for (size_t j = 2; j < ctx.argc(); j++) {
    size_t remargs = ctx.argc() - j - 1;
    std::string_view sub = ctx.arg(j);
    FieldOp op{};
    if (Is(sub, "get") && remargs >= 2) {
      op.code = FieldOp::kGet;
    } else if (Is(sub, "set") && remargs >= 3) {
      op.code = FieldOp::kSet;
    } else if (Is(sub, "incrby") && remargs >= 3) {
      op.code = FieldOp::kIncrBy;
    } else if (Is(sub, "overflow") && remargs >= 1) {
      std::string_view t = ctx.arg(++j);
      if (Is(t, "wrap")) {
        ow = db::Overflow::kWrap;
      } else if (Is(t, "sat")) {
        ow = db::Overflow::kSat;
      } else if (Is(t, "fail")) {
        ow = db::Overflow::kFail;
      } else {
        return ctx.reply().Error("ERR Invalid OVERFLOW type specified");
      }
      continue;
    } else {
      return ctx.reply().Error(kErrSyntax);
    }
    if (!BitfieldTypeArg(ctx, ctx.arg(j + 1), &op.sign, &op.bits)) return;
    if (!BitOffsetArg(ctx, ctx.arg(j + 2), op.bits, &op.offset)) return;
    if (op.code != FieldOp::kGet) {
      readonly = false;
      highest = std::max(highest, op.offset + static_cast<uint64_t>(op.bits) - 1);
      auto v = IntArg(ctx, j + 3);
      if (!v) return;
      op.value = *v;
    }
    op.ow = ow;
    ops.push_back(op);
    j += op.code == FieldOp::kGet ? 2 : 3;
  }

  auto& ks = Db(ctx);
  bool wrong;
  if (readonly) {
    db::Entry* e = LookupTyped(ctx, ctx.arg(1), db::ObjType::kString, &wrong);
    if (wrong) return;
    char buf[24];
    std::string_view s = e ? StrVal(e, buf) : std::string_view();
    ctx.reply().ArrayHeader(ops.size());
    for (const auto& op : ops) {
      if (op.sign) {
        ctx.reply().Integer(db::GetSignedBits(Bytes(s), s.size(), op.offset, op.bits));
      } else {
        ctx.reply().Integer(
            static_cast<int64_t>(db::GetUnsignedBits(Bytes(s), s.size(), op.offset, op.bits)));
      }
    }
    return;
  }
  if (ro_command) return ctx.reply().Error("ERR BITFIELD_RO only supports the GET subcommand");

  db::Entry* e = LookupTyped(ctx, ctx.arg(1), db::ObjType::kString, &wrong, true);
  if (wrong) return;
  db::StringEditor ed(ks, ctx.arg(1), e);
  std::string& s = ed.str();
  bool grown = !e;
  size_t need = static_cast<size_t>(highest >> 3) + 1;
  if (s.size() < need) {
    s.resize(need, '\0');
    grown = true;
  }
  int64_t changes = 0;
  ctx.reply().ArrayHeader(ops.size());
  for (const auto& op : ops) {
    uint8_t* p = Bytes(s);
    if (op.code == FieldOp::kGet) {
      if (op.sign) {
        ctx.reply().Integer(db::GetSignedBits(p, s.size(), op.offset, op.bits));
      } else {
        ctx.reply().Integer(
            static_cast<int64_t>(db::GetUnsignedBits(p, s.size(), op.offset, op.bits)));
      }
      continue;
    }
    int overflow;
    uint64_t oldbits, newbits;
    int64_t retval;
    if (op.sign) {
      int64_t oldval = db::GetSignedBits(p, s.size(), op.offset, op.bits), newval, wrapped = 0;
      if (op.code == FieldOp::kIncrBy) {
        overflow = db::CheckSignedOverflow(oldval, op.value, op.bits, op.ow, &wrapped);
        newval = overflow ? wrapped
                          : static_cast<int64_t>(static_cast<uint64_t>(oldval) +
                                                 static_cast<uint64_t>(op.value));
        retval = newval;
      } else {
        newval = op.value;
        overflow = db::CheckSignedOverflow(newval, 0, op.bits, op.ow, &wrapped);
        if (overflow) newval = wrapped;
        retval = oldval;
      }
      oldbits = static_cast<uint64_t>(oldval);
      newbits = static_cast<uint64_t>(newval);
    } else {
      uint64_t oldval = db::GetUnsignedBits(p, s.size(), op.offset, op.bits), newval, wrapped = 0;
      if (op.code == FieldOp::kIncrBy) {
        newval = oldval + static_cast<uint64_t>(op.value);
        overflow = db::CheckUnsignedOverflow(oldval, op.value, op.bits, op.ow, &wrapped);
        if (overflow) newval = wrapped;
        retval = static_cast<int64_t>(newval);
      } else {
        newval = static_cast<uint64_t>(op.value);
        overflow = db::CheckUnsignedOverflow(newval, 0, op.bits, op.ow, &wrapped);
        if (overflow) newval = wrapped;
        retval = static_cast<int64_t>(oldval);
      }
      oldbits = oldval;
      newbits = newval;
    }
    if (overflow && op.ow == db::Overflow::kFail) {
      ctx.reply().Null();
      continue;
    }
    ctx.reply().Integer(retval);
    db::SetBits(p, op.offset, op.bits, newbits);
    if (grown || oldbits != newbits) changes++;
  }
  ed.Commit();
  // Redis counts changed fields only: a key created or grown by operations
  // that all failed (OVERFLOW FAIL) is kept but not propagated.
  if (changes) ctx.SetDirty(changes);
}

}  // namespace

// BITFIELD key [GET type offset | SET type offset value |
//               INCRBY type offset increment | OVERFLOW WRAP|SAT|FAIL ...]
void BitField(CommandContext& ctx) { BitFieldGeneric(ctx, false); }

// BITFIELD_RO key [GET type offset ...]
void BitFieldRo(CommandContext& ctx) { BitFieldGeneric(ctx, true); }

}  // namespace node::commands
