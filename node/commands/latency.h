// node/commands/latency.h
//
// Latency monitoring as Redis 7.0 exposes it:
//  - the latency monitor: per event ("command", "fast-command",
//    "expire-cycle" ...) a ring of the last 160 one-second samples at or
//    above latency-monitor-threshold ms, plus the all-time maximum (LATENCY
//    LATEST / HISTORY / RESET / GRAPH / DOCTOR);
//  - per-command latency histograms (latency-tracking yes) with the layout
//    of an HDR histogram of 1 ns .. 1 s at 2 significant digits, which is
//    what Redis records, so LATENCY HISTOGRAM buckets and the INFO
//    latencystats percentiles come out as Redis computes them.
//
// Called by the dispatcher after each executed command (RecordCommand), the
// server cron (AddSampleIfNeeded for the expire cycle), INFO and CONFIG
// RESETSTAT (server_cmds.cc). Engine thread only; state in Engine::latency.

#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "node/commands/command.h"
#include "node/commands/engine.h"

namespace node::commands {

// An HDR histogram with lowest value 1, highest 1e9 and 2 significant
// digits: 256 sub-buckets, 23 buckets (values in ns).
class LatencyHistogram {
 public:
  static constexpr int kSubBucketHalfMagnitude = 7;
  static constexpr int64_t kSubBucketCount = 256;
  static constexpr int64_t kSubBucketHalf = 128;
  static constexpr int kBucketCount = 23;
  static constexpr size_t kCountsLen = (kBucketCount + 1) * kSubBucketHalf;
  static constexpr int64_t kMin = 1;
  static constexpr int64_t kMax = 1000000000;

  void Record(int64_t ns);
  uint64_t total() const { return total_; }
  // The value at a percentile (0..100), as hdr_value_at_percentile.
  int64_t ValueAtPercentile(double p) const;
  // LATENCY HISTOGRAM's cumulative buckets: (usec, calls so far) at the
  // powers of two from 1024 ns, only where the count grew.
  std::vector<std::pair<int64_t, uint64_t>> Cumulative() const;

  static int BucketIndex(int64_t v);
  static size_t CountsIndex(int64_t v);
  static int64_t ValueAtIndex(size_t idx);
  static int64_t LowestEquivalent(int64_t v);
  static int64_t HighestEquivalent(int64_t v);

 private:
  std::array<uint64_t, kCountsLen> counts_{};
  uint64_t total_ = 0;
};

class LatencyState {
 public:
  static constexpr int kSamples = 160;
  struct Sample {
    int64_t time = 0;  // unix seconds, 0 = empty
    int64_t latency = 0;
  };
  struct Series {
    std::array<Sample, kSamples> samples{};
    int idx = 0;
    int64_t max = 0;
  };
  std::map<std::string, Series> events;
  std::unordered_map<const CommandSpec*, std::unique_ptr<LatencyHistogram>> histograms;

  void AddSample(const std::string& event, int64_t ms, int64_t now_s);
};

// After a command ran for `usec` microseconds: its histogram and the
// "command" / "fast-command" latency events.
void LatencyRecordCommand(Engine& eng, const CommandSpec& spec, int64_t usec);
// Records `ms` for `event` when the latency monitor is on and ms reaches
// latency-monitor-threshold.
void LatencyAddSampleIfNeeded(Engine& eng, const char* event, int64_t ms);
// CONFIG RESETSTAT: the per-command histograms go.
void LatencyResetHistograms(Engine& eng);
// INFO latencystats section ("# Latencystats\r\n" + lines).
std::string LatencyStatsSection(Engine& eng);

// LATENCY subcommands.
void LatencyLatest(CommandContext& ctx);
void LatencyHistory(CommandContext& ctx);
void LatencyReset(CommandContext& ctx);
void LatencyDoctor(CommandContext& ctx);
void LatencyGraph(CommandContext& ctx);
void LatencyHistogramCmd(CommandContext& ctx);
void LatencyHelp(CommandContext& ctx);

}  // namespace node::commands
