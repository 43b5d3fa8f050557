// node/commands/latency.cc -- see latency.h. Reply shapes, help lines and
// error texts are Redis 7.0.15's; the DOCTOR report and GRAPH drawing are
// shoal's own.

#include "node/commands/latency.h"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <ctime>

#include "node/base/clock.h"
#include "node/commands/command_table.h"
#include "node/commands/helpers.h"
#include "node/config/config.h"

namespace node::commands {

// --- LatencyHistogram ------------------------------------------------------

int LatencyHistogram::BucketIndex(int64_t v) {
  uint64_t x = static_cast<uint64_t>(v) | static_cast<uint64_t>(kSubBucketCount - 1);
  int pow2ceiling = 64 - std::countl_zero(x);
  return pow2ceiling - (kSubBucketHalfMagnitude + 1);
}

size_t LatencyHistogram::CountsIndex(int64_t v) {
  int b = BucketIndex(v);
  int64_t sub = v >> b;
  int64_t idx = ((static_cast<int64_t>(b) + 1) << kSubBucketHalfMagnitude) + (sub - kSubBucketHalf);
  return static_cast<size_t>(idx);
}

int64_t LatencyHistogram::ValueAtIndex(size_t idx) {
  int64_t bucket = static_cast<int64_t>(idx >> kSubBucketHalfMagnitude) - 1;
  int64_t sub = static_cast<int64_t>(idx & (kSubBucketHalf - 1)) + kSubBucketHalf;
  if (bucket < 0) {
    sub -= kSubBucketHalf;
    bucket = 0;
  }
  return sub << bucket;
}

int64_t LatencyHistogram::LowestEquivalent(int64_t v) {
  int b = BucketIndex(v);
  return (v >> b) << b;
}

int64_t LatencyHistogram::HighestEquivalent(int64_t v) {
  int b = BucketIndex(v);
  int64_t sub = v >> b;
  int adjusted = sub >= kSubBucketCount ? b + 1 : b;
  return LowestEquivalent(v) + (int64_t{1} << adjusted) - 1;
}

void LatencyHistogram::Record(int64_t ns) {
  ns = std::clamp(ns, kMin, kMax);
  size_t idx = CountsIndex(ns);
  if (idx >= kCountsLen) idx = kCountsLen - 1;
  counts_[idx]++;
  total_++;
}

int64_t LatencyHistogram::ValueAtPercentile(double p) const {
  double req = p < 100.0 ? p : 100.0;
  int64_t want = static_cast<int64_t>((req / 100) * static_cast<double>(total_) + 0.5);
  if (want < 1) want = 1;
  uint64_t seen = 0;
  int64_t value = 0;
  for (size_t i = 0; i < kCountsLen; i++) {
    seen += counts_[i];
    if (seen >= static_cast<uint64_t>(want)) {
      value = ValueAtIndex(i);
      break;
    }
  }
  return p == 0.0 ? LowestEquivalent(value) : HighestEquivalent(value);
}

std::vector<std::pair<int64_t, uint64_t>> LatencyHistogram::Cumulative() const {
  std::vector<std::pair<int64_t, uint64_t>> out;
  uint64_t cum = 0, prev = 0;
  size_t next = 0;  // first index not yet counted
  for (int64_t level = 1024; cum < total_ && next < kCountsLen; level *= 2) {
    size_t upto = std::min(CountsIndex(level), kCountsLen - 1);
    for (; next <= upto; next++) cum += counts_[next];
    if (cum > prev) out.emplace_back(HighestEquivalent(ValueAtIndex(upto)) / 1000, cum);
    prev = cum;
  }
  return out;
}

// --- LatencyState ----------------------------------------------------------

void LatencyState::AddSample(const std::string& event, int64_t ms, int64_t now_s) {
  Series& ts = events[event];
  if (ms > ts.max) ts.max = ms;
  Sample& last = ts.samples[static_cast<size_t>((ts.idx + kSamples - 1) % kSamples)];
  if (last.time == now_s) {  // one sample per second: keep the worst
    if (ms > last.latency) last.latency = ms;
    return;
  }
  ts.samples[static_cast<size_t>(ts.idx)] = {now_s, ms};
  ts.idx = (ts.idx + 1) % kSamples;
}

namespace {

LatencyState& State(Engine& eng) {
  if (!eng.latency) eng.latency = std::make_shared<LatencyState>();
  return *eng.latency;
}

void HelpReply(CommandContext& ctx, std::initializer_list<const char*> lines) {
  ctx.reply().ArrayHeader(lines.size());
  for (auto* l : lines) ctx.reply().Simple(l);
}

// "%f" then trailing zeros (and a trailing dot) removed, as Redis names its
// percentiles (p50, p99.9).
std::string PercentileName(double p) {
  char buf[64];
  snprintf(buf, sizeof(buf), "%f", p);
  std::string s = buf;
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  return s;
}

const CommandSpec* LookupFullName(std::string_view name) {
  size_t bar = name.find('|');
  if (bar == std::string_view::npos) return LookupCommand(name);
  const CommandSpec* parent = LookupCommand(name.substr(0, bar));
  return parent ? LookupSubcommand(*parent, name.substr(bar + 1)) : nullptr;
}

void ReplyHistogram(resp::ReplyBuilder& r, const LatencyHistogram& h) {
  r.MapHeader(2);
  r.Bulk("calls");
  r.Integer(static_cast<int64_t>(h.total()));
  r.Bulk("histogram_usec");
  auto buckets = h.Cumulative();
  r.MapHeader(buckets.size());
  for (auto& [usec, n] : buckets) {
    r.Integer(usec);
    r.Integer(static_cast<int64_t>(n));
  }
}

}  // namespace

void LatencyRecordCommand(Engine& eng, const CommandSpec& spec, int64_t usec) {
  if (!eng.config) return;
  const auto& s = eng.config->s;
  if (s.latency_monitor_threshold > 0) {
    LatencyAddSampleIfNeeded(eng, (spec.flags & kFast) ? "fast-command" : "command", usec / 1000);
  }
  if (!s.latency_tracking) return;
  auto& slot = State(eng).histograms[&spec];
  if (!slot) slot = std::make_unique<LatencyHistogram>();
  slot->Record(usec * 1000);
}

void LatencyAddSampleIfNeeded(Engine& eng, const char* event, int64_t ms) {
  if (!eng.config) return;
  int64_t threshold = eng.config->s.latency_monitor_threshold;
  if (threshold <= 0 || ms < threshold) return;
  State(eng).AddSample(event, ms, base::UnixMs() / 1000);
}

void LatencyResetHistograms(Engine& eng) {
  if (eng.latency) eng.latency->histograms.clear();
}

std::string LatencyStatsSection(Engine& eng) {
  std::string out = "# Latencystats\r\n";
  if (!eng.latency || !eng.config) return out;
  const auto& pcts = eng.config->s.latency_tracking_info_percentiles;
  auto emit = [&](const CommandSpec& c) {
    auto it = eng.latency->histograms.find(&c);
    if (it == eng.latency->histograms.end() || !it->second) return;
    out += "latency_percentiles_usec_" + FullName(c) + ":";
    for (size_t i = 0; i < pcts.size(); i++) {
      char v[64];
      snprintf(v, sizeof(v), "%.3f",
               static_cast<double>(it->second->ValueAtPercentile(pcts[i])) / 1000.0);
      out += "p" + PercentileName(pcts[i]) + "=" + v;
      if (i + 1 != pcts.size()) out += ",";
    }
    out += "\r\n";
  };
  for (auto& c : CommandTable()) {
    emit(c);
    for (size_t i = 0; i < c.n_subcommands; i++) emit(c.subcommands[i]);
  }
  return out;
}

// --- LATENCY subcommands ---------------------------------------------------

void LatencyLatest(CommandContext& ctx) {
  auto& r = ctx.reply();
  if (!ctx.engine().latency) return r.ArrayHeader(0);
  auto& events = ctx.engine().latency->events;
  r.ArrayHeader(events.size());
  for (auto& [name, ts] : events) {
    auto& last = ts.samples[static_cast<size_t>((ts.idx + LatencyState::kSamples - 1) %
                                                LatencyState::kSamples)];
    r.ArrayHeader(4);
    r.Bulk(name);
    r.Integer(last.time);
    r.Integer(last.latency);
    r.Integer(ts.max);
  }
}

void LatencyHistory(CommandContext& ctx) {
  auto& r = ctx.reply();
  const LatencyState::Series* ts = nullptr;
  if (ctx.engine().latency) {
    auto& ev = ctx.engine().latency->events;
    auto it = ev.find(std::string(ctx.arg(2)));
    if (it != ev.end()) ts = &it->second;
  }
  if (!ts) return r.ArrayHeader(0);
  size_t n = 0;
  for (auto& s : ts->samples) n += s.time != 0;
  r.ArrayHeader(n);
  for (int j = 0; j < LatencyState::kSamples; j++) {
    auto& s = ts->samples[static_cast<size_t>((ts->idx + j) % LatencyState::kSamples)];
    if (s.time == 0) continue;
    r.ArrayHeader(2);
    r.Integer(s.time);
    r.Integer(s.latency);
  }
}

// LATENCY RESET [event ...]: the number of event series dropped.
void LatencyReset(CommandContext& ctx) {
  int64_t resets = 0;
  if (ctx.engine().latency) {
    auto& ev = ctx.engine().latency->events;
    if (ctx.argc() == 2) {
      resets = static_cast<int64_t>(ev.size());
      ev.clear();
    } else {
      for (size_t i = 2; i < ctx.argc(); i++) resets += ev.erase(std::string(ctx.arg(i)));
    }
  }
  ctx.reply().Integer(resets);
}

// Shoal's own report: one paragraph per event, then general advice.
void LatencyDoctor(CommandContext& ctx) {
  std::string out;
  const LatencyState* st = ctx.engine().latency.get();
  int64_t threshold = ctx.engine().config ? ctx.engine().config->s.latency_monitor_threshold : 0;
  if (!st || st->events.empty()) {
    out =
        "No latency spike has been recorded since this node started (or since the last LATENCY "
        "RESET).\n";
    if (threshold == 0) {
      out +=
          "The latency monitor is off: set latency-monitor-threshold to a number of "
          "milliseconds (CONFIG SET latency-monitor-threshold 100) to record events.\n";
    }
  } else {
    out = "Latency report (events at or above latency-monitor-threshold " +
          std::to_string(threshold) + " ms):\n\n";
    int n = 1;
    for (auto& [name, ts] : st->events) {
      int64_t count = 0, sum = 0, first = 0;
      for (auto& s : ts.samples) {
        if (s.time == 0) continue;
        count++;
        sum += s.latency;
        if (!first || s.time < first) first = s.time;
      }
      out += std::to_string(n++) + ". " + name + ": " + std::to_string(count) +
             " spike(s), average " + std::to_string(count ? sum / count : 0) + " ms, worst " +
             std::to_string(ts.max) + " ms";
      if (first) out += ", first seen " + std::to_string(base::UnixMs() / 1000 - first) + " s ago";
      out += ".\n";
    }
    out += "\nHints:\n";
    if (st->events.count("command")) {
      out +=
          "- Slow commands were seen: check SLOWLOG GET and avoid O(N) commands (KEYS, "
          "SMEMBERS, HGETALL, large ranges) on big values.\n";
    }
    if (st->events.count("fast-command")) {
      out +=
          "- Even O(1) commands were slow: the host may be overloaded or swapping, or another "
          "process competes for the CPU.\n";
    }
    if (st->events.count("expire-cycle")) {
      out += "- The active expire cycle took long: many keys expire at the same time.\n";
    }
    out += "- LATENCY HISTORY <event> and LATENCY GRAPH <event> show each event over time.\n";
  }
  ctx.reply().Verbatim(out);
}

// LATENCY GRAPH event: the header line as Redis prints it, then shoal's
// own drawing: one column per sample (oldest left), 4 rows high, and the
// age of each sample below.
void LatencyGraph(CommandContext& ctx) {
  const LatencyState::Series* ts = nullptr;
  std::string name(ctx.arg(2));
  if (ctx.engine().latency) {
    auto& ev = ctx.engine().latency->events;
    auto it = ev.find(name);
    if (it != ev.end()) ts = &it->second;
  }
  if (!ts) return ctx.reply().Error("ERR No samples available for event '" + name + "'");
  std::vector<LatencyState::Sample> v;
  for (int j = 0; j < LatencyState::kSamples; j++) {
    auto& s = ts->samples[static_cast<size_t>((ts->idx + j) % LatencyState::kSamples)];
    if (s.time != 0) v.push_back(s);
  }
  if (v.size() > 80) v.erase(v.begin(), v.end() - 80);
  int64_t lo = v.empty() ? 0 : v[0].latency, hi = lo;
  for (auto& s : v) {
    lo = std::min(lo, s.latency);
    hi = std::max(hi, s.latency);
  }
  std::string out = name + " - high " + std::to_string(hi) + " ms, low " + std::to_string(lo) +
                    " ms (all time high " + std::to_string(ts->max) + " ms)\n";
  out += std::string(80, '-') + "\n";
  constexpr int kRows = 4;
  for (int row = kRows; row >= 1; row--) {
    std::string line;
    for (auto& s : v) {
      int64_t h = hi == lo ? kRows : 1 + (s.latency - lo) * (kRows - 1) / (hi - lo);
      line += h >= row ? '#' : ' ';
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  int64_t now = base::UnixMs() / 1000;
  std::string ages;
  for (auto& s : v) {
    int64_t e = now - s.time;
    std::string age;
    if (e < 60) {
      age = std::to_string(e) + "s";
    } else if (e < 3600) {
      age = std::to_string(e / 60) + "m";
    } else if (e < 86400) {
      age = std::to_string(e / 3600) + "h";
    } else {
      age = std::to_string(e / 86400) + "d";
    }
    ages += age + " ";
  }
  out += ages + "\n";
  ctx.reply().Verbatim(out);
}

// LATENCY HISTOGRAM [command ...]
void LatencyHistogramCmd(CommandContext& ctx) {
  auto& r = ctx.reply();
  auto* st = ctx.engine().latency.get();
  std::vector<std::pair<const CommandSpec*, const LatencyHistogram*>> found;
  auto consider = [&](const CommandSpec& c) {
    if (!st) return;
    auto it = st->histograms.find(&c);
    if (it != st->histograms.end() && it->second) found.emplace_back(&c, it->second.get());
  };
  if (ctx.argc() == 2) {
    for (auto& c : CommandTable()) {
      consider(c);
      for (size_t i = 0; i < c.n_subcommands; i++) consider(c.subcommands[i]);
    }
  } else {
    for (size_t i = 2; i < ctx.argc(); i++) {
      const CommandSpec* c = LookupFullName(ctx.arg(i));
      if (!c) continue;
      consider(*c);
      for (size_t j = 0; j < c->n_subcommands; j++) consider(c->subcommands[j]);
    }
  }
  r.MapHeader(found.size());
  for (auto& [c, h] : found) {
    r.Bulk(FullName(*c));
    ReplyHistogram(r, *h);
  }
}

void LatencyHelp(CommandContext& ctx) {
  HelpReply(ctx, {
                     "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                     "DOCTOR",
                     "    Return a human readable latency analysis report.",
                     "GRAPH <event>",
                     "    Return an ASCII latency graph for the <event> class.",
                     "HISTORY <event>",
                     "    Return time-latency samples for the <event> class.",
                     "LATEST",
                     "    Return the latest latency samples for all events.",
                     "RESET [<event> ...]",
                     "    Reset latency data of one or more <event> classes.",
                     "    (default: reset all data for all event classes)",
                     "HISTOGRAM [COMMAND ...]",
                     "    Return a cumulative distribution of latencies in the format of a "
                     "histogram for the specified command names.",
                     "    If no commands are specified then all histograms are replied.",
                     "HELP",
                     "    Prints this help.",
                 });
}

}  // namespace node::commands
