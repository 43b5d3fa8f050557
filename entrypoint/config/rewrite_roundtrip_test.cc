// Round-trip tests for CONFIG REWRITE (node/config Config::RewriteText) read
// back by the file loader (entrypoint/config/load_config ApplyConfigText):
// for every row of the config table and awkward values (blanks, quotes,
// backslashes, newlines, empty strings, control bytes), a value the row
// accepts and the rewritten file loads back to the same CONFIG GET view.
// Issue 9: the fuzz finding config_file_fuzz-bind-quoting (bind values were
// joined raw, so the rewritten file failed with "unbalanced quotes").

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "entrypoint/config/load_config.h"
#include "node/config/config.h"

using entrypoint::config::ApplyConfigText;
using node::config::Config;
using node::config::Source;

namespace {

const std::string kOrigin = "/nonexistent-shoal-test/redis.conf";

// The rewritten file of `c` applied to a fresh Config; "" on success, else
// what went wrong (the failing text included).
std::string RoundTripError(const Config& c) {
  std::string text = c.RewriteText("");
  Config back;
  auto st = ApplyConfigText(text, kOrigin, back);
  if (!st.ok()) return "rewritten file does not load (" + st.message() + "):\n" + text;
  if (back.Get("*") != c.Get("*")) {
    for (const auto& [name, value] : c.Get("*")) {
      if (back.GetOne(name) != value) {
        return name + ": '" + value + "' came back as '" + back.GetOne(name) + "' from:\n" + text;
      }
    }
    return "configuration differs after reload:\n" + text;
  }
  return "";
}

const std::vector<std::string> kAwkward = {
    "plain", "two words", "a\"b",     "it's",   "back\\slash", "new\nline",
    "",      "\t",        "x\r\ny",   "\"",     "'",           "{}",
    "a#b",   "#hash",     "\x01\x7f", "  lead", "trail ",      "\xc3\xa9"};

}  // namespace

TEST_SUITE("entrypoint/config/rewrite") {
  TEST_CASE("a rewritten bind with quotes, blanks and NUL bytes loads back the same") {
    Config c;
    REQUIRE(
        c.Set("bind", {"0I\xd5\xe4", std::string("a\0b", 3), "x\"y", "two words"}, Source::kFile)
            .ok());
    CHECK(RoundTripError(c) == "");
    // The fuzz input itself (tests/fuzz/corpus/config_file_fuzz/bind-quoting).
    static constexpr char kInput[] =
        "# shoal cluster node\nport 7000\nbind 0I\xd5\xe4\x00``\x00\x00sten-aedr}0 -lab::ed "
        "\x02\x00onlmemory-policy allkeybini\x9c\x00\x00 quirepass \"s3cr\\\"et pass\"\n";
    Config f;
    auto st = ApplyConfigText(std::string_view(kInput, sizeof(kInput) - 1), kOrigin, f);
    REQUIRE(st.ok());
    CHECK(f.s.bind.size() == 9);
    CHECK(RoundTripError(f) == "");
  }

  TEST_CASE("bind \"\" (no TCP address) survives a rewrite") {
    Config c;
    REQUIRE(c.Set("bind", {""}, Source::kFile).ok());
    CHECK(c.s.bind.empty());
    CHECK(RoundTripError(c) == "");
  }

  TEST_CASE("every row: an accepted value is written so the file loads it back") {
    for (const auto& d : Config::Table()) {
      for (const auto& v : kAwkward) {
        // As one file argument, and as CONFIG SET would split it.
        for (int how = 0; how < 2; ++how) {
          Config c;
          bool ok = how == 0 ? c.Set(d.name, {v}, Source::kFile).ok()
                             : c.SetFromConfigCommand(d.name, v).ok();
          if (!ok) continue;
          INFO("row ", d.name, " value '", v, "' via ",
               std::string(how == 0 ? "file" : "CONFIG SET"));
          CHECK(RoundTripError(c) == "");
        }
      }
    }
  }

  TEST_CASE("every row: its default and its CONFIG GET text survive a rewrite") {
    Config c;
    CHECK(RoundTripError(c) == "");
    for (const auto& d : Config::Table()) {
      Config one;
      std::string got = one.GetOne(d.name);
      if (!one.SetFromConfigCommand(d.name, got).ok()) continue;
      INFO("row ", d.name, " value '", got, "'");
      CHECK(RoundTripError(one) == "");
    }
  }
}
