// node/commands/streams.cc
//
// Stream commands (XADD ... XINFO), Redis 7.0 semantics, replies and error
// texts. Registered in table_streams.inc; arity, auth and slot ownership were
// checked by the dispatcher. Data logic is in node/db/stream_value. Engine
// thread only.
//
// Propagation follows Redis 7.0: XADD with an automatic id is propagated
// with the id it got, approximate trimming (~) as the exact effect
// ("= <length>" / "= <first id>"); XREADGROUP, XCLAIM and XAUTOCLAIM are
// never propagated as such but as one XCLAIM ... FORCE JUSTID LASTID per
// entry they touched, plus XGROUP SETID (NOACK) and XGROUP CREATECONSUMER.
//
// Blocking: XREAD/XREADGROUP BLOCK call ctx.BlockOn and are re-executed when
// a key is written. "$" must keep meaning the last id at the time the client
// blocked, so the resolved ids are remembered per client (BlockedDollar())
// for the retries. A retried XREAD that finds the key gone or of another type
// keeps waiting; a retried XREADGROUP gets Redis's -UNBLOCKED error then, or
// -NOGROUP when its group was destroyed (Redis 7.0.15's blocked.c).

#include <algorithm>
#include <limits>
#include <unordered_map>

#include "node/base/clock.h"
#include "node/commands/helpers.h"
#include "node/commands/streams_handlers.h"
#include "node/config/config.h"
#include "node/db/stream_value.h"

namespace node::commands {

namespace {

using db::StreamID;
using db::StreamValue;

constexpr const char* kErrInvalidId = "ERR Invalid stream ID specified as stream command argument";
constexpr const char* kErrXAddZero = "ERR The ID specified in XADD must be greater than 0-0";
constexpr const char* kErrXAddSmaller =
    "ERR The ID specified in XADD is equal or smaller than the target stream top item";
constexpr const char* kErrExhausted =
    "ERR The stream has exhausted the last possible ID, unable to add more items";
constexpr const char* kErrStartInterval = "ERR invalid start ID for the interval";
constexpr const char* kErrEndInterval = "ERR invalid end ID for the interval";
constexpr const char* kErrUnblockedNoKey = "UNBLOCKED the stream key no longer exists";
constexpr size_t kXReadBlockedDefaultCount = 1000;

StreamValue* StreamOf(db::Entry* e) { return e->as<StreamValue>(); }

int64_t NowMs() { return base::UnixMs(); }

db::StreamNodeLimits Limits(CommandContext& ctx) {
  db::StreamNodeLimits lim;
  if (auto* cfg = ctx.engine().config) {
    lim.max_bytes = cfg->s.stream_node_max_bytes;
    lim.max_entries = cfg->s.stream_node_max_entries;
  }
  return lim;
}

void ReplyId(resp::ReplyBuilder& r, StreamID id) { r.Bulk(id.ToString()); }

void ReplyEntry(resp::ReplyBuilder& r, StreamID id, const db::StreamFields& f) {
  r.ArrayHeader(2);
  ReplyId(r, id);
  r.ArrayHeader(f.size() * 2);
  for (auto& [k, v] : f) {
    r.Bulk(k);
    r.Bulk(v);
  }
}

// Replies one entry raw; false when it does not exist.
bool ReplySingle(resp::ReplyBuilder& r, const StreamValue& s, StreamID id) {
  bool found = false;
  s.Range(id, id, false, [&](StreamID eid, const db::StreamFields& f) {
    ReplyEntry(r, eid, f);
    found = true;
    return false;
  });
  return found;
}

bool ParseId(CommandContext& ctx, std::string_view s, StreamID* id, uint64_t missing_seq,
             bool strict) {
  if (db::ParseStreamID(s, id, missing_seq, strict, nullptr)) return true;
  ctx.reply().Error(kErrInvalidId);
  return false;
}

// An interval bound: "(" makes it exclusive (then - and + are invalid).
bool ParseInterval(CommandContext& ctx, std::string_view s, StreamID* id, bool* exclude,
                   uint64_t missing_seq) {
  *exclude = s.size() > 1 && s[0] == '(';
  if (*exclude) return ParseId(ctx, s.substr(1), id, missing_seq, true);
  return ParseId(ctx, s, id, missing_seq, false);
}

db::Entry* LookupStream(CommandContext& ctx, std::string_view key, bool* wrong, bool write) {
  return LookupTyped(ctx, key, db::ObjType::kStream, wrong, write);
}

std::string NoGroupKeyGroup(std::string_view key, std::string_view group) {
  return "NOGROUP No such key '" + std::string(key) + "' or consumer group '" + std::string(group) +
         "'";
}

// --- Propagation helpers (Redis's streamPropagateXCLAIM / GroupID) ---------

struct Propagation {
  std::vector<std::vector<std::string>> cmds;

  void XClaim(std::string_view key, std::string_view group, const db::StreamGroup& g,
              std::string_view id, const db::StreamNack& nack) {
    cmds.push_back({"XCLAIM", std::string(key), std::string(group),
                    nack.consumer ? nack.consumer->name : std::string(), "0", std::string(id),
                    "TIME", std::to_string(nack.delivery_time), "RETRYCOUNT",
                    std::to_string(nack.delivery_count), "FORCE", "JUSTID", "LASTID",
                    g.last_id.ToString()});
  }
  void GroupId(std::string_view key, std::string_view group, const db::StreamGroup& g) {
    cmds.push_back({"XGROUP", "SETID", std::string(key), std::string(group), g.last_id.ToString(),
                    "ENTRIESREAD", std::to_string(g.entries_read)});
  }
  void ConsumerCreation(std::string_view key, std::string_view group, std::string_view consumer) {
    cmds.push_back(
        {"XGROUP", "CREATECONSUMER", std::string(key), std::string(group), std::string(consumer)});
  }
  // Installs the collected commands in place of the command itself.
  void Apply(CommandContext& ctx) {
    if (cmds.empty()) {
      ctx.NoPropagate();
      return;
    }
    ctx.PropagateAs(std::move(cmds[0]));
    for (size_t i = 1; i < cmds.size(); ++i) ctx.PropagateAlso(std::move(cmds[i]));
  }
};

// --- XADD / XTRIM argument parsing (streamParseAddOrTrimArgsOrReply) -------

struct AddTrimArgs {
  db::StreamTrimArgs trim;
  size_t trim_arg_idx = 0;
  bool id_given = false;
  bool seq_given = true;
  StreamID id;
  bool no_mkstream = false;
};

// Returns the index of the ID argument (XADD) or 0 after replying an error.
size_t ParseAddOrTrim(CommandContext& ctx, AddTrimArgs* a, bool xadd) {
  auto& r = ctx.reply();
  size_t i = 2;
  bool limit_given = false;
  const size_t argc = ctx.argc();
  for (; i < argc; ++i) {
    size_t moreargs = argc - 1 - i;
    std::string_view opt = ctx.arg(i);
    if (xadd && opt == "*") break;
    bool is_maxlen = Is(opt, "maxlen");
    if ((is_maxlen || Is(opt, "minid")) && moreargs) {
      if (a->trim.strategy != db::TrimStrategy::kNone) {
        r.Error("ERR syntax error, MAXLEN and MINID options at the same time are not compatible");
        return 0;
      }
      a->trim.approx = false;
      std::string_view next = ctx.arg(i + 1);
      if (moreargs >= 2 && next == "~") {
        a->trim.approx = true;
        ++i;
      } else if (moreargs >= 2 && next == "=") {
        ++i;
      }
      if (is_maxlen) {
        auto v = base::ParseInt64(ctx.arg(i + 1));
        if (!v) {
          r.Error(kErrNotInteger);
          return 0;
        }
        if (*v < 0) {
          r.Error("ERR The MAXLEN argument must be >= 0.");
          return 0;
        }
        a->trim.maxlen = static_cast<uint64_t>(*v);
        a->trim.strategy = db::TrimStrategy::kMaxLen;
      } else {
        if (!ParseId(ctx, ctx.arg(i + 1), &a->trim.minid, 0, true)) return 0;
        a->trim.strategy = db::TrimStrategy::kMinId;
      }
      ++i;
      a->trim_arg_idx = i;
    } else if (Is(opt, "limit") && moreargs) {
      auto v = base::ParseInt64(ctx.arg(i + 1));
      if (!v) {
        r.Error(kErrNotInteger);
        return 0;
      }
      if (*v < 0) {
        r.Error("ERR The LIMIT argument must be >= 0.");
        return 0;
      }
      a->trim.limit = *v;
      limit_given = true;
      ++i;
    } else if (xadd && Is(opt, "nomkstream")) {
      a->no_mkstream = true;
    } else if (xadd) {
      if (!db::ParseStreamID(opt, &a->id, 0, true, &a->seq_given)) {
        r.Error(kErrInvalidId);
        return 0;
      }
      a->id_given = true;
      break;
    } else {
      r.Error(kErrSyntax);
      return 0;
    }
  }
  if (a->trim.limit && a->trim.strategy == db::TrimStrategy::kNone) {
    r.Error("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
    return 0;
  }
  if (!xadd && a->trim.strategy == db::TrimStrategy::kNone) {
    r.Error("ERR syntax error, XTRIM must be called with a trimming strategy");
    return 0;
  }
  if (ctx.client().is_master_link) {
    a->trim.limit = 0;  // the argument was rewritten to the exact effect
  } else if (limit_given) {
    if (!a->trim.approx) {
      r.Error("ERR syntax error, LIMIT cannot be used without the special ~ option");
      return 0;
    }
  } else if (a->trim.approx) {
    int64_t me = Limits(ctx).max_entries;
    int64_t lim = me > std::numeric_limits<int64_t>::max() / 100 ? 1000000 : 100 * me;
    if (lim <= 0) lim = 10000;
    if (lim > 1000000) lim = 1000000;
    a->trim.limit = lim;
  } else {
    a->trim.limit = 0;
  }
  return i;
}

// Rewrites "~ <n>" into "= <exact>" in the propagated arguments.
void RewriteApprox(const AddTrimArgs& a, const StreamValue& s, std::vector<std::string>& args) {
  args[a.trim_arg_idx - 1] = "=";
  if (a.trim.strategy == db::TrimStrategy::kMaxLen) {
    args[a.trim_arg_idx] = std::to_string(s.length());
  } else {
    args[a.trim_arg_idx] = s.FirstIncludingTombstones().ToString();
  }
}

std::vector<std::string> ArgsCopy(CommandContext& ctx) {
  std::vector<std::string> out;
  out.reserve(ctx.argc());
  for (auto a : ctx.args()) out.emplace_back(a);
  return out;
}

// --- Ranges with consumer groups (streamReplyWithRange) --------------------

struct GroupCtx {
  std::string_view key;
  std::string_view group_name;
  db::StreamGroup* group = nullptr;
  db::StreamConsumer* consumer = nullptr;
  bool noack = false;
  Propagation* prop = nullptr;
};

size_t ReplyRangeGroup(CommandContext& ctx, StreamValue& s, StreamID start, size_t count,
                       GroupCtx& gc) {
  auto& r = ctx.reply();
  size_t at = r.Deferred();
  size_t n = 0;
  bool propagate_last_id = false;
  db::StreamGroup& g = *gc.group;
  s.Range(start, db::kStreamMaxID, false, [&](StreamID id, const db::StreamFields& f) {
    if (id > g.last_id) {
      if (g.entries_read != db::StreamGroup::kInvalidEntriesRead &&
          !s.RangeHasTombstones(&id, nullptr)) {
        g.entries_read++;
      } else if (s.entries_added()) {
        g.entries_read = s.EstimateDistance(id);
      }
      g.last_id = id;
      if (gc.noack) propagate_last_id = true;
    }
    ReplyEntry(r, id, f);
    if (!gc.noack) {
      int64_t now = NowMs();
      auto [it, inserted] = g.pel.try_emplace(id);
      db::StreamNack& nack = it->second;
      if (!inserted && nack.consumer) nack.consumer->pel.erase(id);
      nack.consumer = gc.consumer;
      nack.delivery_time = now;
      nack.delivery_count = 1;
      gc.consumer->pel.insert(id);
      gc.prop->XClaim(gc.key, gc.group_name, g, id.ToString(), nack);
    }
    ++n;
    return !(count && n == count);
  });
  if (propagate_last_id) gc.prop->GroupId(gc.key, gc.group_name, g);
  r.SetDeferredArray(at, n);
  return n;
}

// The consumer's own history (streamReplyWithRangeFromConsumerPEL).
size_t ReplyConsumerHistory(CommandContext& ctx, StreamValue& s, StreamID start, size_t count,
                            db::StreamGroup& g, db::StreamConsumer& c) {
  auto& r = ctx.reply();
  size_t at = r.Deferred();
  size_t n = 0;
  for (auto it = c.pel.lower_bound(start); it != c.pel.end() && (!count || n < count); ++it) {
    if (!ReplySingle(r, s, *it)) {
      r.ArrayHeader(2);
      ReplyId(r, *it);
      r.NullArray();
    } else {
      auto nk = g.pel.find(*it);
      if (nk != g.pel.end()) {
        nk->second.delivery_time = NowMs();
        nk->second.delivery_count++;
      }
    }
    ++n;
  }
  r.SetDeferredArray(at, n);
  return n;
}

// "$" ids resolved when a client blocked, by client id.
std::unordered_map<uint64_t, std::vector<StreamID>>& BlockedDollar() {
  static std::unordered_map<uint64_t, std::vector<StreamID>> m;
  return m;
}

void ForgetGoneClients(Engine& eng) {
  auto& m = BlockedDollar();
  if (m.size() < 1024) return;
  for (auto it = m.begin(); it != m.end();) {
    it = eng.clients.count(it->first) ? std::next(it) : m.erase(it);
  }
}

// Redis's timeout in ms for BLOCK; replies on error.
std::optional<int64_t> BlockTimeout(CommandContext& ctx, std::string_view s) {
  auto v = base::ParseInt64(s);
  if (!v) {
    // Redis parses a long double and rejects non-integers for ms timeouts.
    ctx.reply().Error(kErrTimeout);
    return std::nullopt;
  }
  if (*v < 0) {
    ctx.reply().Error(kErrTimeoutNeg);
    return std::nullopt;
  }
  int64_t t = *v;
  if (t > std::numeric_limits<int64_t>::max() - base::UnixMs()) t = 0;
  return t;
}

void XReadGeneric(CommandContext& ctx, bool xreadgroup) {
  auto& r = ctx.reply();
  int64_t timeout = -1;
  int64_t count = 0;
  size_t streams_arg = 0, streams_count = 0;
  bool noack = false;
  std::string_view groupname, consumername;
  bool have_group = false;
  const size_t argc = ctx.argc();
  for (size_t i = 1; i < argc; ++i) {
    size_t moreargs = argc - i - 1;
    std::string_view o = ctx.arg(i);
    if (Is(o, "block") && moreargs) {
      ++i;
      auto t = BlockTimeout(ctx, ctx.arg(i));
      if (!t) return;
      timeout = *t;
    } else if (Is(o, "count") && moreargs) {
      ++i;
      auto c = base::ParseInt64(ctx.arg(i));
      if (!c) return r.Error(kErrNotInteger);
      count = *c < 0 ? 0 : *c;
    } else if (Is(o, "streams") && moreargs) {
      streams_arg = i + 1;
      streams_count = argc - streams_arg;
      if (streams_count % 2 != 0) {
        return r.Error(
            "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be "
            "specified.");
      }
      streams_count /= 2;
      break;
    } else if (Is(o, "group") && moreargs >= 2) {
      if (!xreadgroup) {
        return r.Error(
            "ERR The GROUP option is only supported by XREADGROUP. You called XREAD "
            "instead.");
      }
      groupname = ctx.arg(i + 1);
      consumername = ctx.arg(i + 2);
      have_group = true;
      i += 2;
    } else if (Is(o, "noack")) {
      if (!xreadgroup) {
        return r.Error(
            "ERR The NOACK option is only supported by XREADGROUP. You called XREAD "
            "instead.");
      }
      noack = true;
    } else {
      return r.Error(kErrSyntax);
    }
  }
  if (streams_arg == 0) return r.Error(kErrSyntax);
  if (xreadgroup && !have_group) return r.Error("ERR Missing GROUP option for XREADGROUP");

  const uint64_t cid = ctx.client().id;
  const bool retry = ctx.is_retry();
  auto& dollar = BlockedDollar();
  auto saved = dollar.find(cid);
  std::vector<StreamID> ids(streams_count);
  std::vector<db::StreamGroup*> groups(streams_count, nullptr);
  bool used_dollar = false;
  auto block_keys = [&] {
    std::vector<std::string> keys;
    for (size_t k = 0; k < streams_count; ++k) keys.emplace_back(ctx.arg(streams_arg + k));
    return keys;
  };
  // A retry that cannot be served yet keeps its place in the queue.
  auto reblock = [&] {
    if (!ctx.BlockOn(block_keys(), timeout)) r.NullArray();
  };
  for (size_t k = 0; k < streams_count; ++k) {
    std::string_view key = ctx.arg(streams_arg + k);
    std::string_view idarg = ctx.arg(streams_arg + streams_count + k);
    db::Entry* e = Db(ctx).LookupRead(key);
    if (e && e->type != db::ObjType::kStream) {
      if (retry && have_group) return r.Error(kErrUnblockedNoKey);
      if (retry) return reblock();  // XREAD waits for a stream to appear
      return r.Error(kErrWrongType);
    }
    if (have_group) {
      db::StreamGroup* g = e ? StreamOf(e)->FindGroup(groupname) : nullptr;
      if (!g && retry) {
        if (!e) return r.Error(kErrUnblockedNoKey);
        return r.Error("NOGROUP the consumer group this client was blocked on no longer exists");
      }
      if (!g) {
        return r.Error(NoGroupKeyGroup(key, groupname) + " in XREADGROUP with GROUP option");
      }
      groups[k] = g;
    }
    if (idarg == "$") {
      if (xreadgroup) {
        return r.Error(
            "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the "
            "history of this consumer by specifying a proper ID, or use the > ID to get new "
            "messages. The $ ID would just return an empty result set.");
      }
      used_dollar = true;
      if (retry && saved != dollar.end() && k < saved->second.size()) {
        ids[k] = saved->second[k];
      } else {
        ids[k] = e ? StreamOf(e)->last_id() : db::kStreamMinID;
      }
      continue;
    }
    if (idarg == ">") {
      if (!xreadgroup) {
        return r.Error(
            "ERR The > ID can be specified only when calling XREADGROUP using the "
            "GROUP <group> <consumer> option.");
      }
      ids[k] = db::kStreamMaxID;
      continue;
    }
    if (!ParseId(ctx, idarg, &ids[k], 0, true)) return;
  }

  if (retry && count == 0) count = static_cast<int64_t>(kXReadBlockedDefaultCount);
  Propagation prop;
  size_t served = 0;
  size_t at = r.Deferred();
  bool dirty = false;
  for (size_t k = 0; k < streams_count; ++k) {
    std::string_view key = ctx.arg(streams_arg + k);
    db::Entry* e = Db(ctx).LookupRead(key);
    if (!e) continue;
    StreamValue* s = StreamOf(e);
    StreamID gt = ids[k];
    bool serve = false, history = false;
    if (groups[k]) {
      if (gt != db::kStreamMaxID) {
        serve = history = true;
      } else if (s->length()) {
        StreamID maxid;
        s->LastLive(&maxid);
        if (maxid > groups[k]->last_id) {
          serve = true;
          gt = groups[k]->last_id;
        }
      }
    } else if (s->length()) {
      StreamID maxid;
      s->LastLive(&maxid);
      serve = maxid > gt;
    }
    if (!serve) continue;
    ++served;
    StreamID start = gt;
    start.Incr();
    if (!r.resp3()) r.ArrayHeader(2);
    r.Bulk(key);
    if (groups[k]) {
      db::StreamGroup& g = *groups[k];
      bool created;
      db::StreamConsumer* c = g.TouchConsumer(consumername, NowMs(), &created);
      if (created && noack) prop.ConsumerCreation(key, groupname, consumername);
      if (history) {
        ReplyConsumerHistory(ctx, *s, start, static_cast<size_t>(count), g, *c);
      } else {
        GroupCtx gc{key, groupname, &g, c, noack, &prop};
        ReplyRangeGroup(ctx, *s, start, static_cast<size_t>(count), gc);
      }
      dirty = true;
    } else {
      size_t n = 0;
      size_t at2 = r.Deferred();
      s->Range(start, db::kStreamMaxID, false, [&](StreamID id, const db::StreamFields& f) {
        ReplyEntry(r, id, f);
        ++n;
        return !(count && static_cast<int64_t>(n) == count);
      });
      r.SetDeferredArray(at2, n);
    }
  }
  if (served) {
    if (r.resp3()) {
      r.SetDeferredMap(at, served);
    } else {
      r.SetDeferredArray(at, served);
    }
    dollar.erase(cid);
    if (dirty) {
      ctx.SetDirty();
      prop.Apply(ctx);
    }
    return;
  }
  if (timeout != -1) {
    if (!ctx.BlockOn(block_keys(), timeout)) {
      r.NullArray();
      return;
    }
    if (used_dollar && !retry) {
      ForgetGoneClients(ctx.engine());
      dollar[cid] = ids;
    }
    return;
  }
  dollar.erase(cid);
  r.NullArray();
}

void XRangeGeneric(CommandContext& ctx, bool rev) {
  auto& r = ctx.reply();
  std::string_view startarg = rev ? ctx.arg(3) : ctx.arg(2);
  std::string_view endarg = rev ? ctx.arg(2) : ctx.arg(3);
  StreamID start, end;
  bool startex, endex;
  if (!ParseInterval(ctx, startarg, &start, &startex, 0)) return;
  if (startex && !start.Incr()) return r.Error(kErrStartInterval);
  if (!ParseInterval(ctx, endarg, &end, &endex, UINT64_MAX)) return;
  if (endex && !end.Decr()) return r.Error(kErrEndInterval);
  int64_t count = -1;
  for (size_t j = 4; j < ctx.argc(); ++j) {
    size_t additional = ctx.argc() - j - 1;
    if (Is(ctx.arg(j), "count") && additional >= 1) {
      auto c = base::ParseInt64(ctx.arg(j + 1));
      if (!c) return r.Error(kErrNotInteger);
      count = *c < 0 ? 0 : *c;
      ++j;
    } else {
      return r.Error(kErrSyntax);
    }
  }
  bool wrong;
  db::Entry* e = LookupStream(ctx, ctx.arg(1), &wrong, false);
  if (wrong) return;
  if (!e) return r.ArrayHeader(0);
  if (count == 0) return r.NullArray();
  if (count == -1) count = 0;
  size_t at = r.Deferred();
  size_t n = 0;
  StreamOf(e)->Range(start, end, rev, [&](StreamID id, const db::StreamFields& f) {
    ReplyEntry(r, id, f);
    ++n;
    return !(count && static_cast<int64_t>(n) == count);
  });
  r.SetDeferredArray(at, n);
}

void HelpReply(CommandContext& ctx, std::initializer_list<const char*> lines) {
  ctx.reply().ArrayHeader(lines.size());
  for (auto* l : lines) ctx.reply().Simple(l);
}

void SubcommandSyntaxError(CommandContext& ctx) {
  ctx.reply().Error("ERR unknown subcommand or wrong number of arguments for '" +
                    std::string(ctx.arg(1).substr(0, 128)) + "'. Try " + base::ToUpper(ctx.arg(0)) +
                    " HELP.");
}

}  // namespace

std::vector<int> XReadKeys(std::span<const std::string_view> args) {
  int argc = static_cast<int>(args.size());
  int streams_pos = -1;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = args[static_cast<size_t>(i)];
    if (Is(a, "block") || Is(a, "count")) {
      ++i;
    } else if (Is(a, "group")) {
      i += 2;
    } else if (Is(a, "noack")) {
    } else if (Is(a, "streams")) {
      streams_pos = i;
      break;
    } else {
      break;
    }
  }
  std::vector<int> out;
  if (streams_pos < 0) return out;
  int num = argc - streams_pos - 1;
  if (num == 0 || num % 2 != 0) return out;
  for (int i = streams_pos + 1; i < streams_pos + 1 + num / 2; ++i) out.push_back(i);
  return out;
}

// XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value ...
void XAdd(CommandContext& ctx) {
  auto& r = ctx.reply();
  AddTrimArgs a;
  size_t idpos = ParseAddOrTrim(ctx, &a, true);
  if (idpos == 0) return;
  size_t field_pos = idpos + 1;
  if (ctx.argc() < field_pos + 2 || (ctx.argc() - field_pos) % 2 == 1) return ctx.ArityError();
  if (a.id_given && a.seq_given && a.id.IsZero()) return r.Error(kErrXAddZero);
  bool wrong;
  db::Entry* e = LookupStream(ctx, ctx.arg(1), &wrong, true);
  if (wrong) return;
  StreamValue* s;
  if (!e) {
    if (a.no_mkstream) return r.Null();
    auto v = std::make_unique<StreamValue>();
    s = v.get();
    Db(ctx).AddValue(ctx.arg(1), db::ObjType::kStream, std::move(v));
  } else {
    s = StreamOf(e);
  }
  if (s->last_id() == db::kStreamMaxID) return r.Error(kErrExhausted);
  StreamID id;
  if (a.id_given) {
    if (a.seq_given) {
      id = a.id;
    } else if (s->last_id().ms == a.id.ms) {
      if (s->last_id().seq == UINT64_MAX) return r.Error(kErrXAddSmaller);
      id = s->last_id();
      id.seq++;
    } else {
      id = a.id;
    }
  } else {
    uint64_t ms = static_cast<uint64_t>(NowMs());
    if (ms > s->last_id().ms) {
      id = {ms, 0};
    } else {
      id = s->last_id();
      id.Incr();
    }
  }
  if (id <= s->last_id()) return r.Error(kErrXAddSmaller);
  s->Append(id, ctx.args().subspan(field_pos), Limits(ctx));
  std::string idstr = id.ToString();
  r.Bulk(idstr);
  ctx.SetDirty();
  std::vector<std::string> prop;
  if (a.trim.strategy != db::TrimStrategy::kNone) {
    s->Trim(a.trim);
    if (a.trim.approx) {
      prop = ArgsCopy(ctx);
      RewriteApprox(a, *s, prop);
    }
  }
  if (!a.id_given || !a.seq_given) {
    if (prop.empty()) prop = ArgsCopy(ctx);
    prop[idpos] = idstr;
  }
  if (!prop.empty()) ctx.PropagateAs(std::move(prop));
}

void XRange(CommandContext& ctx) { XRangeGeneric(ctx, false); }
void XRevRange(CommandContext& ctx) { XRangeGeneric(ctx, true); }

void XLen(CommandContext& ctx) {
  bool wrong;
  db::Entry* e = LookupStream(ctx, ctx.arg(1), &wrong, false);
  if (wrong) return;
  ctx.reply().Integer(e ? static_cast<int64_t>(StreamOf(e)->length()) : 0);
}

// XDEL key id [id ...]
void XDel(CommandContext& ctx) {
  bool wrong;
  db::Entry* e = LookupStream(ctx, ctx.arg(1), &wrong, true);
  if (wrong) return;
  if (!e) return ctx.reply().Integer(0);
  std::vector<StreamID> ids(ctx.argc() - 2);
  for (size_t j = 2; j < ctx.argc(); ++j) {
    if (!ParseId(ctx, ctx.arg(j), &ids[j - 2], 0, true)) return;
  }
  StreamValue* s = StreamOf(e);
  int64_t deleted = 0;
  bool first_entry = false;
  for (const StreamID& id : ids) {
    if (s->Delete(id)) {
      if (id == s->first_id()) first_entry = true;
      if (id > s->max_deleted_id()) s->set_max_deleted_id(id);
      ++deleted;
    }
  }
  if (deleted) {
    if (s->length() == 0) {
      s->set_first_id(db::kStreamMinID);
    } else if (first_entry) {
      StreamID f;
      s->FirstLive(&f);
      s->set_first_id(f);
    }
    ctx.SetDirty(deleted);
  }
  ctx.reply().Integer(deleted);
}

// XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]
void XTrim(CommandContext& ctx) {
  AddTrimArgs a;
  if (ParseAddOrTrim(ctx, &a, false) == 0) return;
  bool wrong;
  db::Entry* e = LookupStream(ctx, ctx.arg(1), &wrong, true);
  if (wrong) return;
  if (!e) return ctx.reply().Integer(0);
  StreamValue* s = StreamOf(e);
  int64_t deleted = s->Trim(a.trim);
  if (deleted) {
    if (a.trim.approx) {
      auto prop = ArgsCopy(ctx);
      RewriteApprox(a, *s, prop);
      ctx.PropagateAs(std::move(prop));
    }
    ctx.SetDirty(deleted);
  }
  ctx.reply().Integer(deleted);
}

void XRead(CommandContext& ctx) { XReadGeneric(ctx, false); }
void XReadGroup(CommandContext& ctx) { XReadGeneric(ctx, true); }

// XGROUP CREATE|SETID|DESTROY|CREATECONSUMER|DELCONSUMER ...
void XGroupCmd(CommandContext& ctx) {
  auto& r = ctx.reply();
  std::string_view opt = ctx.arg(1);
  const size_t argc = ctx.argc();
  bool mkstream = false;
  int64_t entries_read = db::StreamGroup::kInvalidEntriesRead;
  StreamValue* s = nullptr;
  db::StreamGroup* cg = nullptr;
  std::string_view grpname;
  const bool create = Is(opt, "create"), setid = Is(opt, "setid");
  if (argc >= 4) {
    size_t i = 5;
    while (i < argc) {
      if (create && Is(ctx.arg(i), "mkstream")) {
        mkstream = true;
        ++i;
      } else if ((create || setid) && Is(ctx.arg(i), "entriesread") && i + 1 < argc) {
        auto v = base::ParseInt64(ctx.arg(i + 1));
        if (!v) return r.Error(kErrNotInteger);
        if (*v < 0 && *v != db::StreamGroup::kInvalidEntriesRead) {
          return r.Error("ERR value for ENTRIESREAD must be positive or -1");
        }
        entries_read = *v;
        i += 2;
      } else {
        return SubcommandSyntaxError(ctx);
      }
    }
    bool wrong;
    db::Entry* e = LookupStream(ctx, ctx.arg(2), &wrong, true);
    if (wrong) return;
    if (e) s = StreamOf(e);
    grpname = ctx.arg(3);
  }
  if (argc >= 4 && !mkstream) {
    if (!s) {
      return r.Error(
          "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want "
          "to use the MKSTREAM option to create an empty stream automatically.");
    }
    cg = s->FindGroup(grpname);
    if (!cg && (setid || Is(opt, "createconsumer") || Is(opt, "delconsumer"))) {
      return r.Error("NOGROUP No such consumer group '" + std::string(grpname) +
                     "' for key name '" + std::string(ctx.arg(2)) + "'");
    }
  }
  if (create && argc >= 5 && argc <= 8) {
    StreamID id;
    if (ctx.arg(4) == "$") {
      id = s ? s->last_id() : db::kStreamMinID;
    } else if (!ParseId(ctx, ctx.arg(4), &id, 0, true)) {
      return;
    }
    if (!s) {
      auto v = std::make_unique<StreamValue>();
      s = v.get();
      Db(ctx).AddValue(ctx.arg(2), db::ObjType::kStream, std::move(v));
    }
    if (s->CreateGroup(grpname, id, entries_read)) {
      r.Ok();
      ctx.SetDirty();
    } else {
      r.Error("BUSYGROUP Consumer Group name already exists");
    }
  } else if (setid && (argc == 5 || argc == 7)) {
    StreamID id;
    if (ctx.arg(4) == "$") {
      id = s->last_id();
    } else if (!ParseId(ctx, ctx.arg(4), &id, 0, false)) {
      return;
    }
    cg->last_id = id;
    cg->entries_read = entries_read;
    r.Ok();
    ctx.SetDirty();
  } else if (Is(opt, "destroy") && argc == 4) {
    if (cg) {
      s->DestroyGroup(grpname);
      r.Integer(1);
      ctx.SetDirty();
    } else {
      r.Integer(0);
    }
  } else if (Is(opt, "createconsumer") && argc == 5) {
    bool created = cg->CreateConsumer(ctx.arg(4), NowMs()) != nullptr;
    if (created) ctx.SetDirty();
    r.Integer(created ? 1 : 0);
  } else if (Is(opt, "delconsumer") && argc == 5) {
    int64_t pending = 0;
    if (cg->FindConsumer(ctx.arg(4))) {
      pending = static_cast<int64_t>(cg->DeleteConsumer(ctx.arg(4)));
      ctx.SetDirty();
    }
    r.Integer(pending);
  } else {
    SubcommandSyntaxError(ctx);
  }
}

void XGroupHelp(CommandContext& ctx) {
  HelpReply(ctx, {
                     "XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                     "CREATE <key> <groupname> <id|$> [option]",
                     "    Create a new consumer group. Options are:",
                     "    * MKSTREAM",
                     "      Create the empty stream if it does not exist.",
                     "    * ENTRIESREAD entries_read",
                     "      Set the group's entries_read counter (internal use).",
                     "CREATECONSUMER <key> <groupname> <consumer>",
                     "    Create a new consumer in the specified group.",
                     "DELCONSUMER <key> <groupname> <consumer>",
                     "    Remove the specified consumer.",
                     "DESTROY <key> <groupname>",
                     "    Remove the specified group.",
                     "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
                     "    Set the current group ID and entries_read counter.",
                     "HELP",
                     "    Prints this help.",
                 });
}

// XSETID key last-id [ENTRIESADDED n] [MAXDELETEDID id]
void XSetId(CommandContext& ctx) {
  auto& r = ctx.reply();
  StreamID id, max_xdel;
  int64_t entries_added = -1;
  if (!ParseId(ctx, ctx.arg(2), &id, 0, true)) return;
  for (size_t i = 3; i < ctx.argc();) {
    size_t moreargs = ctx.argc() - 1 - i;
    std::string_view opt = ctx.arg(i);
    if (Is(opt, "entriesadded") && moreargs) {
      auto v = base::ParseInt64(ctx.arg(i + 1));
      if (!v) return r.Error(kErrNotInteger);
      if (*v < 0) return r.Error("ERR entries_added must be positive");
      entries_added = *v;
      i += 2;
    } else if (Is(opt, "maxdeletedid") && moreargs) {
      if (!ParseId(ctx, ctx.arg(i + 1), &max_xdel, 0, true)) return;
      if (id < max_xdel) {
        return r.Error(
            "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
      }
      i += 2;
    } else {
      return r.Error(kErrSyntax);
    }
  }
  bool wrong;
  db::Entry* e = LookupStream(ctx, ctx.arg(1), &wrong, true);
  if (wrong) return;
  if (!e) return r.Error(kErrNoSuchKey);
  StreamValue* s = StreamOf(e);
  if (s->length() > 0) {
    StreamID maxid;
    s->LastLive(&maxid);
    if (id < maxid) {
      return r.Error("ERR The ID specified in XSETID is smaller than the target stream top item");
    }
    if (entries_added != -1 && s->length() > static_cast<uint64_t>(entries_added)) {
      return r.Error(
          "ERR The entries_added specified in XSETID is smaller than the target stream length");
    }
  }
  s->set_last_id(id);
  if (entries_added != -1) s->set_entries_added(static_cast<uint64_t>(entries_added));
  if (!max_xdel.IsZero()) s->set_max_deleted_id(max_xdel);
  r.Ok();
  ctx.SetDirty();
}

// XACK key group id [id ...]
void XAck(CommandContext& ctx) {
  bool wrong;
  db::Entry* e = LookupStream(ctx, ctx.arg(1), &wrong, true);
  if (wrong) return;
  db::StreamGroup* g = e ? StreamOf(e)->FindGroup(ctx.arg(2)) : nullptr;
  if (!g) return ctx.reply().Integer(0);
  std::vector<StreamID> ids(ctx.argc() - 3);
  for (size_t j = 3; j < ctx.argc(); ++j) {
    if (!ParseId(ctx, ctx.arg(j), &ids[j - 3], 0, true)) return;
  }
  int64_t acked = 0;
  for (const StreamID& id : ids) {
    auto it = g->pel.find(id);
    if (it != g->pel.end()) {
      g->RemoveNack(it);
      ++acked;
    }
  }
  if (acked) ctx.SetDirty(acked);
  ctx.reply().Integer(acked);
}

// XPENDING key group [[IDLE min-idle] start end count [consumer]]
void XPending(CommandContext& ctx) {
  auto& r = ctx.reply();
  const size_t argc = ctx.argc();
  bool justinfo = argc == 3;
  StreamID start, end;
  int64_t count = 0, minidle = 0;
  std::string_view consumername;
  bool have_consumer = false;
  if (argc != 3 && (argc < 6 || argc > 9)) return r.Error(kErrSyntax);
  if (argc >= 6) {
    size_t startidx = 3;
    if (Is(ctx.arg(3), "idle")) {
      auto v = base::ParseInt64(ctx.arg(4));
      if (!v) return r.Error(kErrNotInteger);
      minidle = *v;
      if (argc < 8) return r.Error(kErrSyntax);
      startidx += 2;
    }
    auto c = base::ParseInt64(ctx.arg(startidx + 2));
    if (!c) return r.Error(kErrNotInteger);
    count = *c < 0 ? 0 : *c;
    bool startex, endex;
    if (!ParseInterval(ctx, ctx.arg(startidx), &start, &startex, 0)) return;
    if (startex && !start.Incr()) return r.Error(kErrStartInterval);
    if (!ParseInterval(ctx, ctx.arg(startidx + 1), &end, &endex, UINT64_MAX)) return;
    if (endex && !end.Decr()) return r.Error(kErrEndInterval);
    if (startidx + 3 < argc) {
      consumername = ctx.arg(startidx + 3);
      have_consumer = true;
    }
  }
  bool wrong;
  db::Entry* e = LookupStream(ctx, ctx.arg(1), &wrong, false);
  if (wrong) return;
  db::StreamGroup* g = e ? StreamOf(e)->FindGroup(ctx.arg(2)) : nullptr;
  if (!g) return r.Error(NoGroupKeyGroup(ctx.arg(1), ctx.arg(2)));
  if (justinfo) {
    r.ArrayHeader(4);
    r.Integer(static_cast<int64_t>(g->pel.size()));
    if (g->pel.empty()) {
      r.Null();
      r.Null();
      r.NullArray();
      return;
    }
    ReplyId(r, g->pel.begin()->first);
    ReplyId(r, g->pel.rbegin()->first);
    size_t n = 0;
    for (auto& [name, c] : g->consumers) n += c->pel.empty() ? 0 : 1;
    r.ArrayHeader(n);
    for (auto& [name, c] : g->consumers) {
      if (c->pel.empty()) continue;
      r.ArrayHeader(2);
      r.Bulk(name);
      r.BulkInt(static_cast<int64_t>(c->pel.size()));
    }
    return;
  }
  db::StreamConsumer* consumer = nullptr;
  if (have_consumer) {
    consumer = g->FindConsumer(consumername);
    if (!consumer) return r.ArrayHeader(0);
  }
  int64_t now = NowMs();
  size_t at = r.Deferred();
  size_t n = 0;
  auto emit = [&](StreamID id, const db::StreamNack& nack) {
    if (minidle && now - nack.delivery_time < minidle) return;
    ++n;
    --count;
    r.ArrayHeader(4);
    ReplyId(r, id);
    r.Bulk(nack.consumer ? std::string_view(nack.consumer->name) : std::string_view());
    int64_t elapsed = now - nack.delivery_time;
    r.Integer(elapsed < 0 ? 0 : elapsed);
    r.Integer(static_cast<int64_t>(nack.delivery_count));
  };
  if (consumer) {
    for (auto it = consumer->pel.lower_bound(start);
         count && it != consumer->pel.end() && *it <= end; ++it) {
      auto nk = g->pel.find(*it);
      if (nk != g->pel.end()) emit(*it, nk->second);
    }
  } else {
    for (auto it = g->pel.lower_bound(start); count && it != g->pel.end() && it->first <= end;
         ++it) {
      emit(it->first, it->second);
    }
  }
  r.SetDeferredArray(at, n);
}

// XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME ms]
//        [RETRYCOUNT n] [FORCE] [JUSTID] [LASTID id]
void XClaim(CommandContext& ctx) {
  auto& r = ctx.reply();
  bool wrong;
  db::Entry* e = LookupStream(ctx, ctx.arg(1), &wrong, true);
  if (wrong) return;
  db::StreamGroup* g = e ? StreamOf(e)->FindGroup(ctx.arg(2)) : nullptr;
  if (!g) return r.Error(NoGroupKeyGroup(ctx.arg(1), ctx.arg(2)));
  StreamValue* s = StreamOf(e);
  auto mi = base::ParseInt64(ctx.arg(4));
  if (!mi) return r.Error("ERR Invalid min-idle-time argument for XCLAIM");
  int64_t minidle = *mi < 0 ? 0 : *mi;
  const size_t argc = ctx.argc();
  std::vector<StreamID> ids;
  size_t j = 5;
  for (; j < argc; ++j) {
    StreamID id;
    if (!db::ParseStreamID(ctx.arg(j), &id, 0, true, nullptr)) break;
    ids.push_back(id);
  }
  int64_t now = NowMs();
  int64_t retrycount = -1, deliverytime = -1;
  bool force = false, justid = false, propagate_last_id = false;
  StreamID last_id;
  for (; j < argc; ++j) {
    size_t moreargs = argc - 1 - j;
    std::string_view opt = ctx.arg(j);
    if (Is(opt, "force")) {
      force = true;
    } else if (Is(opt, "justid")) {
      justid = true;
    } else if (Is(opt, "idle") && moreargs) {
      auto v = base::ParseInt64(ctx.arg(++j));
      if (!v) return r.Error("ERR Invalid IDLE option argument for XCLAIM");
      deliverytime = now - *v;
    } else if (Is(opt, "time") && moreargs) {
      auto v = base::ParseInt64(ctx.arg(++j));
      if (!v) return r.Error("ERR Invalid TIME option argument for XCLAIM");
      deliverytime = *v;
    } else if (Is(opt, "retrycount") && moreargs) {
      auto v = base::ParseInt64(ctx.arg(++j));
      if (!v) return r.Error("ERR Invalid RETRYCOUNT option argument for XCLAIM");
      retrycount = *v;
    } else if (Is(opt, "lastid") && moreargs) {
      if (!ParseId(ctx, ctx.arg(++j), &last_id, 0, true)) return;
    } else {
      return r.Error("ERR Unrecognized XCLAIM option '" + std::string(opt) + "'");
    }
  }
  if (last_id > g->last_id) {
    g->last_id = last_id;
    propagate_last_id = true;
  }
  if (deliverytime != -1) {
    if (deliverytime < 0 || deliverytime > now) deliverytime = now;
  } else {
    deliverytime = now;
  }
  Propagation prop;
  long long dirty = 0;
  db::StreamConsumer* consumer = nullptr;
  std::string_view name = ctx.arg(3);
  size_t at = r.Deferred();
  size_t n = 0;
  for (size_t k = 0; k < ids.size(); ++k) {
    StreamID id = ids[k];
    std::string_view idarg = ctx.arg(5 + k);
    auto nk = g->pel.find(id);
    if (!s->Exists(id)) {
      if (nk != g->pel.end()) {
        prop.XClaim(ctx.arg(1), ctx.arg(2), *g, idarg, nk->second);
        propagate_last_id = false;
        ++dirty;
        g->RemoveNack(nk);
      }
      continue;
    }
    if (force && nk == g->pel.end()) {
      db::StreamNack fresh;
      fresh.delivery_time = now;
      fresh.delivery_count = 1;
      nk = g->pel.emplace(id, fresh).first;
    }
    if (nk == g->pel.end()) continue;
    db::StreamNack& nack = nk->second;
    if (nack.consumer && minidle && now - nack.delivery_time < minidle) continue;
    if (!consumer) {
      bool created;
      consumer = g->TouchConsumer(name, now, &created);
      if (created) ++dirty;
    }
    if (nack.consumer != consumer && nack.consumer) nack.consumer->pel.erase(id);
    nack.delivery_time = deliverytime;
    if (retrycount >= 0) {
      nack.delivery_count = static_cast<uint64_t>(retrycount);
    } else if (!justid) {
      nack.delivery_count++;
    }
    if (nack.consumer != consumer) {
      consumer->pel.insert(id);
      nack.consumer = consumer;
    }
    if (justid) {
      ReplyId(r, id);
    } else {
      ReplySingle(r, *s, id);
    }
    ++n;
    prop.XClaim(ctx.arg(1), ctx.arg(2), *g, idarg, nack);
    propagate_last_id = false;
    ++dirty;
  }
  if (propagate_last_id) {
    prop.GroupId(ctx.arg(1), ctx.arg(2), *g);
    ++dirty;
  }
  r.SetDeferredArray(at, n);
  if (dirty) {
    ctx.SetDirty(dirty);
    prop.Apply(ctx);
  }
}

// XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]
void XAutoClaim(CommandContext& ctx) {
  auto& r = ctx.reply();
  auto mi = base::ParseInt64(ctx.arg(4));
  if (!mi) return r.Error("ERR Invalid min-idle-time argument for XAUTOCLAIM");
  int64_t minidle = *mi < 0 ? 0 : *mi;
  StreamID start;
  bool startex;
  if (!ParseInterval(ctx, ctx.arg(5), &start, &startex, 0)) return;
  if (startex && !start.Incr()) return r.Error(kErrStartInterval);
  int64_t count = 100;
  bool justid = false;
  const int64_t max_count = std::numeric_limits<long>::max() / 16;
  for (size_t j = 6; j < ctx.argc(); ++j) {
    size_t moreargs = ctx.argc() - 1 - j;
    std::string_view opt = ctx.arg(j);
    if (Is(opt, "count") && moreargs) {
      auto v = base::ParseInt64(ctx.arg(j + 1));
      if (!v || *v < 1 || *v > max_count) return r.Error("ERR COUNT must be > 0");
      count = *v;
      ++j;
    } else if (Is(opt, "justid")) {
      justid = true;
    } else {
      return r.Error(kErrSyntax);
    }
  }
  bool wrong;
  db::Entry* e = LookupStream(ctx, ctx.arg(1), &wrong, true);
  if (wrong) return;
  db::StreamGroup* g = e ? StreamOf(e)->FindGroup(ctx.arg(2)) : nullptr;
  if (!g) return r.Error(NoGroupKeyGroup(ctx.arg(1), ctx.arg(2)));
  StreamValue* s = StreamOf(e);
  int64_t attempts = count * 10;
  int64_t now = NowMs();
  std::string_view name = ctx.arg(3);
  db::StreamConsumer* consumer = nullptr;
  Propagation prop;
  long long dirty = 0;
  std::vector<StreamID> deleted;
  std::string body;
  resp::ReplyBuilder sub(&body);
  sub.set_protocol(r.resp3() ? 3 : 2);
  size_t n = 0;
  auto it = g->pel.lower_bound(start);
  while (attempts-- && count && it != g->pel.end()) {
    StreamID id = it->first;
    db::StreamNack& nack = it->second;
    if (!s->Exists(id)) {
      prop.XClaim(ctx.arg(1), ctx.arg(2), *g, id.ToString(), nack);
      ++dirty;
      auto next = std::next(it);
      g->RemoveNack(it);
      it = next;
      deleted.push_back(id);
      --count;
      continue;
    }
    if (minidle && now - nack.delivery_time < minidle) {
      ++it;
      continue;
    }
    if (!consumer) {
      bool created;
      consumer = g->TouchConsumer(name, now, &created);
      if (created) ++dirty;
    }
    if (nack.consumer != consumer && nack.consumer) nack.consumer->pel.erase(id);
    nack.delivery_time = now;
    if (!justid) nack.delivery_count++;
    if (nack.consumer != consumer) {
      consumer->pel.insert(id);
      nack.consumer = consumer;
    }
    if (justid) {
      ReplyId(sub, id);
    } else {
      ReplySingle(sub, *s, id);
    }
    ++n;
    --count;
    prop.XClaim(ctx.arg(1), ctx.arg(2), *g, id.ToString(), nack);
    ++dirty;
    ++it;
  }
  StreamID endid = it == g->pel.end() ? db::kStreamMinID : it->first;
  r.ArrayHeader(3);
  ReplyId(r, endid);
  r.ArrayHeader(n);
  r.Raw(body);
  r.ArrayHeader(deleted.size());
  for (const StreamID& id : deleted) ReplyId(r, id);
  if (dirty) {
    ctx.SetDirty(dirty);
    prop.Apply(ctx);
  }
}

// --- XINFO ---------------------------------------------------------------------

namespace {

db::Entry* XInfoLookup(CommandContext& ctx) {
  bool wrong;
  db::Entry* e = LookupStream(ctx, ctx.arg(2), &wrong, false);
  if (wrong) return nullptr;
  if (!e) ctx.reply().Error(kErrNoSuchKey);
  return e;
}

void ReplyLag(resp::ReplyBuilder& r, const StreamValue& s, const db::StreamGroup& g) {
  int64_t lag;
  if (s.Lag(g, &lag)) {
    r.Integer(lag);
  } else {
    r.Null();
  }
}

void ReplyEntriesRead(resp::ReplyBuilder& r, const db::StreamGroup& g) {
  if (g.entries_read != db::StreamGroup::kInvalidEntriesRead) {
    r.Integer(g.entries_read);
  } else {
    r.Null();
  }
}

void XInfoStreamFull(resp::ReplyBuilder& r, const StreamValue& s, int64_t count) {
  r.Bulk("entries");
  size_t at = r.Deferred();
  size_t n = 0;
  s.Range(db::kStreamMinID, db::kStreamMaxID, false, [&](StreamID id, const db::StreamFields& f) {
    ReplyEntry(r, id, f);
    ++n;
    return !(count && static_cast<int64_t>(n) == count);
  });
  r.SetDeferredArray(at, n);
  r.Bulk("groups");
  r.ArrayHeader(s.groups().size());
  for (const auto& [name, g] : s.groups()) {
    r.MapHeader(7);
    r.Bulk("name");
    r.Bulk(name);
    r.Bulk("last-delivered-id");
    ReplyId(r, g->last_id);
    r.Bulk("entries-read");
    ReplyEntriesRead(r, *g);
    r.Bulk("lag");
    ReplyLag(r, s, *g);
    r.Bulk("pel-count");
    r.Integer(static_cast<int64_t>(g->pel.size()));
    r.Bulk("pending");
    size_t np = g->pel.size();
    if (count && static_cast<int64_t>(np) > count) np = static_cast<size_t>(count);
    r.ArrayHeader(np);
    size_t k = 0;
    for (auto it = g->pel.begin(); k < np; ++it, ++k) {
      r.ArrayHeader(4);
      ReplyId(r, it->first);
      r.Bulk(it->second.consumer ? std::string_view(it->second.consumer->name)
                                 : std::string_view());
      r.Integer(it->second.delivery_time);
      r.Integer(static_cast<int64_t>(it->second.delivery_count));
    }
    r.Bulk("consumers");
    r.ArrayHeader(g->consumers.size());
    for (const auto& [cname, c] : g->consumers) {
      r.MapHeader(4);
      r.Bulk("name");
      r.Bulk(cname);
      r.Bulk("seen-time");
      r.Integer(c->seen_time);
      r.Bulk("pel-count");
      r.Integer(static_cast<int64_t>(c->pel.size()));
      r.Bulk("pending");
      size_t nc = c->pel.size();
      if (count && static_cast<int64_t>(nc) > count) nc = static_cast<size_t>(count);
      r.ArrayHeader(nc);
      size_t q = 0;
      for (auto it = c->pel.begin(); q < nc; ++it, ++q) {
        auto nk = g->pel.find(*it);
        r.ArrayHeader(3);
        ReplyId(r, *it);
        r.Integer(nk != g->pel.end() ? nk->second.delivery_time : 0);
        r.Integer(nk != g->pel.end() ? static_cast<int64_t>(nk->second.delivery_count) : 0);
      }
    }
  }
}

}  // namespace

// XINFO STREAM key [FULL [COUNT count]]
void XInfoStream(CommandContext& ctx) {
  auto& r = ctx.reply();
  bool full = true;
  int64_t count = 10;
  size_t optc = ctx.argc() - 3;
  db::Entry* e = XInfoLookup(ctx);
  if (!e) return;
  const StreamValue& s = *StreamOf(e);
  if (optc == 0) {
    full = false;
  } else {
    if (optc != 1 && optc != 3) return SubcommandSyntaxError(ctx);
    if (!Is(ctx.arg(3), "full")) return SubcommandSyntaxError(ctx);
    if (optc == 3) {
      if (!Is(ctx.arg(4), "count")) return SubcommandSyntaxError(ctx);
      auto v = base::ParseInt64(ctx.arg(5));
      if (!v) return r.Error(kErrNotInteger);
      count = *v < 0 ? 10 : *v;
    }
  }
  r.MapHeader(full ? 9 : 10);
  r.Bulk("length");
  r.Integer(static_cast<int64_t>(s.length()));
  r.Bulk("radix-tree-keys");
  r.Integer(static_cast<int64_t>(s.NodeCount()));
  r.Bulk("radix-tree-nodes");
  r.Integer(static_cast<int64_t>(s.RaxNodeCount()));
  r.Bulk("last-generated-id");
  ReplyId(r, s.last_id());
  r.Bulk("max-deleted-entry-id");
  ReplyId(r, s.max_deleted_id());
  r.Bulk("entries-added");
  r.Integer(static_cast<int64_t>(s.entries_added()));
  r.Bulk("recorded-first-entry-id");
  ReplyId(r, s.first_id());
  if (full) return XInfoStreamFull(r, s, count);
  r.Bulk("groups");
  r.Integer(static_cast<int64_t>(s.groups().size()));
  r.Bulk("first-entry");
  bool emitted = false;
  s.Range(db::kStreamMinID, db::kStreamMaxID, false, [&](StreamID id, const db::StreamFields& f) {
    ReplyEntry(r, id, f);
    emitted = true;
    return false;
  });
  if (!emitted) r.Null();
  r.Bulk("last-entry");
  emitted = false;
  s.Range(db::kStreamMinID, db::kStreamMaxID, true, [&](StreamID id, const db::StreamFields& f) {
    ReplyEntry(r, id, f);
    emitted = true;
    return false;
  });
  if (!emitted) r.Null();
}

// XINFO GROUPS key
void XInfoGroups(CommandContext& ctx) {
  auto& r = ctx.reply();
  db::Entry* e = XInfoLookup(ctx);
  if (!e) return;
  const StreamValue& s = *StreamOf(e);
  r.ArrayHeader(s.groups().size());
  for (const auto& [name, g] : s.groups()) {
    r.MapHeader(6);
    r.Bulk("name");
    r.Bulk(name);
    r.Bulk("consumers");
    r.Integer(static_cast<int64_t>(g->consumers.size()));
    r.Bulk("pending");
    r.Integer(static_cast<int64_t>(g->pel.size()));
    r.Bulk("last-delivered-id");
    ReplyId(r, g->last_id);
    r.Bulk("entries-read");
    ReplyEntriesRead(r, *g);
    r.Bulk("lag");
    ReplyLag(r, s, *g);
  }
}

// XINFO CONSUMERS key group
void XInfoConsumers(CommandContext& ctx) {
  auto& r = ctx.reply();
  db::Entry* e = XInfoLookup(ctx);
  if (!e) return;
  db::StreamGroup* g = StreamOf(e)->FindGroup(ctx.arg(3));
  if (!g) {
    return r.Error("NOGROUP No such consumer group '" + std::string(ctx.arg(3)) +
                   "' for key name '" + std::string(ctx.arg(2)) + "'");
  }
  int64_t now = NowMs();
  r.ArrayHeader(g->consumers.size());
  for (const auto& [name, c] : g->consumers) {
    int64_t idle = now - c->seen_time;
    r.MapHeader(3);
    r.Bulk("name");
    r.Bulk(name);
    r.Bulk("pending");
    r.Integer(static_cast<int64_t>(c->pel.size()));
    r.Bulk("idle");
    r.Integer(idle < 0 ? 0 : idle);
  }
}

void XInfoHelp(CommandContext& ctx) {
  HelpReply(ctx, {
                     "XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                     "CONSUMERS <key> <groupname>",
                     "    Show consumers of <groupname>.",
                     "GROUPS <key>",
                     "    Show the stream consumer groups.",
                     "STREAM <key> [FULL [COUNT <count>]",
                     "    Show information about the stream.",
                     "HELP",
                     "    Prints this help.",
                 });
}

}  // namespace node::commands
