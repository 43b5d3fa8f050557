// entrypoint/config/config_file_fuzz.cc
//
// libFuzzer target for the redis.conf-style configuration file (issue 9: the
// file comes from a mounted volume or an operator's typo). The input is a
// config file, applied to a default Config by ApplyConfigText (the line
// splitter of node/config/config_text and every table row's value parser and
// range checks), then Validate()d. `include` lines are renamed first so the
// fuzzer never reads files from the machine.
//
// Invariants checked:
//  - a file that applies can be rewritten (CONFIG REWRITE's RewriteText) and
//    the rewritten file applies too, giving the same CONFIG GET * view;
//  - every line "name value" is also tried as CONFIG SET name value; when
//    that is accepted, CONFIG SET of the CONFIG GET text is accepted and
//    reads back the same (CONFIG GET output is always settable again);
//  - SplitArgs(QuoteArgIfNeeded(s)) == {s}, and memory units round-trip.
// Build: scripts/fuzz.sh.

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "entrypoint/config/load_config.h"
#include "node/config/config.h"
#include "node/config/config_text.h"

namespace {

using node::config::Config;

[[noreturn]] void Fail(const std::string& what) {
  fprintf(stderr, "config fuzz: %s\n", what.c_str());
  abort();
}

// "include" in any case becomes "xnclude" (an unknown directive).
std::string WithoutIncludes(std::string_view in) {
  std::string s(in);
  static constexpr std::string_view kWord = "include";
  for (size_t i = 0; i + kWord.size() <= s.size(); ++i) {
    bool match = true;
    for (size_t j = 0; j < kWord.size() && match; ++j) {
      match = std::tolower(static_cast<unsigned char>(s[i + j])) == kWord[j];
    }
    if (match) s[i] = 'x';
  }
  return s;
}

void CheckTextHelpers(std::string_view line) {
  std::string q = node::config::QuoteArgIfNeeded(line);
  auto back = node::config::SplitArgs(q);
  if (!back || back->size() != 1 || (*back)[0] != line) {
    Fail("SplitArgs(QuoteArgIfNeeded(s)) != {s}");
  }
  auto back2 = node::config::SplitArgs(node::config::QuoteArg(line));
  if (!back2 || back2->size() != 1 || (*back2)[0] != line) Fail("SplitArgs(QuoteArg(s)) != {s}");
  if (auto m = node::config::ParseMemory(line)) {
    std::string f = node::config::FormatMemoryUnits(*m);
    auto m2 = node::config::ParseMemory(f);
    if (!m2 || *m2 != *m) Fail("memory units do not round-trip: " + f);
  }
}

void CheckConfigSet(std::string_view line) {
  auto args = node::config::SplitArgs(line);
  if (!args || args->size() < 2) return;
  Config c;
  if (!c.SetFromConfigCommand((*args)[0], (*args)[1]).ok()) return;
  std::string got = c.GetOne((*args)[0]);
  auto st = c.SetFromConfigCommand((*args)[0], got);
  if (!st.ok()) {
    Fail("CONFIG SET " + (*args)[0] + " of its own CONFIG GET text '" + got +
         "' fails: " + st.message());
  }
  if (c.GetOne((*args)[0]) != got) Fail("CONFIG SET of the CONFIG GET text changed it");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text = WithoutIncludes(std::string_view(reinterpret_cast<const char*>(data), size));
  const std::string origin = "/nonexistent-shoal-fuzz/redis.conf";

  // The per-line checks build a Config each; a few lines are enough.
  size_t pos = 0;
  for (int lines = 0; pos <= text.size() && lines < 4; ++lines) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string_view line(text.data() + pos, nl - pos);
    if (line.size() <= 256) {
      CheckTextHelpers(line);
      CheckConfigSet(line);
    }
    pos = nl + 1;
  }

  Config c;
  if (!entrypoint::config::ApplyConfigText(text, origin, c).ok()) return 0;
  (void)c.Validate();
  (void)c.Dump(true);
  auto view = c.Get("*");

  std::string rewritten = c.RewriteText(text);
  Config again;
  auto st = entrypoint::config::ApplyConfigText(rewritten, origin, again);
  if (!st.ok()) Fail("the rewritten file does not apply: " + st.message());
  if (again.Get("*") != view) Fail("the rewritten file gives a different configuration");
  return 0;
}
