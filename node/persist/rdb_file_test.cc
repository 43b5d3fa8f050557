// node/persist/rdb_file_test.cc -- whole RDB files: rdb.md §10 vector, a dump.rdb
// saved by redis-server 7.0 (testdata/make_rdb_fixture.sh), redis-check-rdb.

#include "node/persist/rdb_file.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "node/persist/dump_payload.h"
#include "node/persist/test_util.h"

namespace node::persist {
namespace {

using testing::FromHex;
using testing::ToHex;
using Kind = RdbValue::Kind;

const char* kSection10 =
    "524544495330303130fa0972656469732d76657206372e302e3135fa0a72656469732d62697473c040fa0563"
    "74696d65c28a1e026bfa08757365642d6d656dc2f0b50e00fa08616f662d62617365c000fe00fb0201fc00b4"
    "c5dab80100000007636f756e746572c02a00056d796b65790568656c6c6fffc141426583d36c0f";

std::string TestDataPath(const char* name) {
  std::string here = __FILE__;
  return here.substr(0, here.rfind('/') + 1) + "testdata/" + name;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Loaded {
  std::vector<RdbEntry> entries;
  std::vector<std::pair<std::string, std::string>> aux;
  std::vector<std::string> functions;
  std::vector<std::tuple<int, uint64_t, uint64_t>> resizes;
  RdbLoadStats stats;
};

Result<Loaded> Load(std::string_view file) {
  Loaded l;
  RdbLoadHandlers h;
  h.on_entry = [&](RdbEntry&& e) {
    l.entries.push_back(std::move(e));
    return Status::Ok();
  };
  h.on_aux = [&](std::string_view k, std::string_view v) {
    l.aux.emplace_back(k, v);
    return Status::Ok();
  };
  h.on_function = [&](std::string&& lib) {
    l.functions.push_back(std::move(lib));
    return Status::Ok();
  };
  h.on_resize_db = [&](int db, uint64_t a, uint64_t b) {
    l.resizes.emplace_back(db, a, b);
    return Status::Ok();
  };
  auto stats = LoadRdb(file, h);
  if (!stats) return stats.status();
  l.stats = *stats;
  return l;
}

// Writes what was loaded back out in the same order.
std::string Rewrite(const Loaded& l) {
  RdbFileWriter w;
  w.Magic();
  for (const auto& [k, v] : l.aux) w.Aux(k, v);
  for (const auto& f : l.functions) w.Function(f);
  size_t i = 0;
  for (const auto& [db, size, expires] : l.resizes) {
    w.SelectDb(db, size, expires);
    for (; i < l.entries.size() && l.entries[i].db == db; ++i) w.Entry(l.entries[i]);
  }
  w.Finish();
  return w.TakeBuffer();
}

RdbValue Str(std::string s) {
  RdbValue v;
  v.str = std::move(s);
  return v;
}

TEST_SUITE("persist/rdb_file") {
  TEST_CASE("the writer reproduces the verified file of rdb.md section 10") {
    RdbFileWriter w;
    RdbAuxInfo aux;
    aux.ctime = 0x6b021e8a;
    aux.used_mem = 0x000eb5f0;
    w.Begin(aux);
    w.SelectDb(0, 2, 1);
    RdbEntry counter{0, "counter", Str("42"), 1893456000000};
    RdbEntry mykey{0, "mykey", Str("hello")};
    w.Entry(counter);
    w.Entry(mykey);
    w.Finish();
    CHECK(ToHex(w.TakeBuffer()) == kSection10);
  }

  TEST_CASE("the section 10 file loads with its aux fields, expire and checksum") {
    auto l = Load(FromHex(kSection10));
    REQUIRE_MESSAGE(l.ok(), l.error());
    CHECK(l->stats.version == 10);
    CHECK(l->stats.checksum_verified);
    REQUIRE(l->entries.size() == 2);
    CHECK(l->entries[0].key == "counter");
    CHECK(l->entries[0].value.str == "42");
    CHECK(l->entries[0].expire_ms == 1893456000000);
    CHECK(l->entries[1].expire_ms == -1);
    CHECK(l->aux[0] == std::pair<std::string, std::string>{"redis-ver", "7.0.15"});
    CHECK(l->aux[2].second == std::to_string(0x6b021e8a));
  }

  TEST_CASE("draining the buffer while writing gives the same file") {
    RdbFileWriter a, b;
    std::string streamed;
    for (RdbFileWriter* w : {&a, &b}) {
      w->Begin(RdbAuxInfo{});
      w->SelectDb(0, 3, 0);
    }
    streamed += b.TakeBuffer();
    for (int i = 0; i < 3; ++i) {
      RdbEntry e{0, "k" + std::to_string(i), Str(std::string(100, 'x'))};
      a.Entry(e);
      b.Entry(e);
      streamed += b.TakeBuffer();
    }
    a.Finish();
    b.Finish();
    streamed += b.TakeBuffer();
    CHECK(streamed == a.TakeBuffer());
    CHECK(Load(streamed).ok());
  }

  TEST_CASE("a dump.rdb saved by redis-server 7.0 loads and re-serialises byte for byte") {
    std::string file = ReadFile(TestDataPath("redis7_all_types.rdb"));
    REQUIRE(file.size() > 1000);
    auto l = Load(file);
    REQUIRE_MESSAGE(l.ok(), l.error());
    CHECK(l->stats.checksum_verified);
    CHECK(l->entries.size() == 23);
    REQUIRE(l->functions.size() == 1);
    CHECK(l->functions[0].rfind("#!lua name=mylib", 0) == 0);
    std::map<std::string, const RdbEntry*> by_key;
    for (const auto& e : l->entries) by_key[e.key] = &e;
    CHECK(by_key["ttlkey"]->expire_ms == 4102444800000);
    CHECK(by_key["bighash"]->value.kind == Kind::kHash);
    CHECK(by_key["mixstream"]->value.stream.groups.size() == 2);
    CHECK(ToHex(Rewrite(*l)) == ToHex(file));
  }

  TEST_CASE("truncated files fail with a short read naming the offset") {
    std::string file = ReadFile(TestDataPath("redis7_all_types.rdb"));
    for (size_t len = 0; len < file.size(); len += (len < 200 ? 1 : 37)) {
      auto l = Load(std::string_view(file).substr(0, len));
      REQUIRE_FALSE(l.ok());
    }
    auto l = Load(FromHex(std::string(kSection10).substr(0, 200)));
    REQUIRE_FALSE(l.ok());
    CHECK(l.error().rfind("Short read loading RDB (unexpected end of RDB data at offset", 0) == 0);
  }

  TEST_CASE("a wrong checksum is refused and a zero checksum skips verification") {
    std::string file = FromHex(kSection10);
    std::string bad = file;
    bad[bad.size() - 1] ^= 1;
    auto l = Load(bad);
    REQUIRE_FALSE(l.ok());
    CHECK(l.error().rfind("Wrong RDB checksum", 0) == 0);
    std::string flipped = file;
    flipped[0x70] ^= 1;  // inside "mykey"
    CHECK_FALSE(Load(flipped).ok());
    std::string zero = file.substr(0, file.size() - 8) + std::string(8, '\0');
    auto z = Load(zero);
    REQUIRE(z.ok());
    CHECK_FALSE(z->stats.checksum_verified);
  }

  TEST_CASE("versions, databases and opcodes Redis refuses are refused") {
    std::string file = FromHex(kSection10);
    std::string v11 = file;
    v11[8] = '1';
    v11[7] = '1';
    CHECK(Load(v11).error() == "Can't handle RDB format version 11");
    CHECK_FALSE(Load("RADIS0010").ok());
    std::string db16 = FromHex("524544495330303130 fe10 ff 0000000000000000");
    CHECK_FALSE(Load(db16).ok());
    CHECK(Load(FromHex("524544495330303130 fe0f ff 0000000000000000")).ok());
    CHECK_FALSE(Load(FromHex("524544495330303130 08 0161 0161 ff 0000000000000000")).ok());
    CHECK_FALSE(Load(FromHex("524544495330303130 f7 05 02 02 00 ff 0000000000000000")).ok());
    // Version 9 files and the legacy seconds expire still load.
    auto old = Load(FromHex("524544495330303039 fd 00e1f505 00 0161 0162 ff 0000000000000000"));
    REQUIRE(old.ok());
    CHECK(old->entries[0].expire_ms == 100000000000LL);
  }

  TEST_CASE("empty aggregates are skipped and idle/freq are carried") {
    RdbFileWriter w;
    w.Begin(RdbAuxInfo{});
    w.SelectDb(0, 2, 0);
    RdbEntry empty{0, "e", RdbValue{}};
    empty.value.kind = Kind::kList;
    RdbEntry lfu{0, "f", Str("v")};
    lfu.lfu_freq = 5;
    lfu.lru_idle = 77;
    w.Entry(empty);
    w.Entry(lfu);
    w.Finish();
    auto l = Load(w.TakeBuffer());
    REQUIRE(l.ok());
    CHECK(l->stats.empty_skipped == 1);
    REQUIRE(l->entries.size() == 1);
    CHECK(l->entries[0].lfu_freq == 5);
    CHECK(l->entries[0].lru_idle == 77);
  }

  TEST_CASE("redis-check-rdb accepts a file with every type written by us") {
    if (access("/usr/bin/redis-check-rdb", X_OK) != 0) return;
    std::string file = ReadFile(TestDataPath("redis7_all_types.rdb"));
    auto l = Load(file);
    REQUIRE(l.ok());
    RdbFileWriter w;
    RdbAuxInfo aux;
    aux.has_repl_info = true;
    aux.repl_id = std::string(40, 'a');
    aux.repl_offset = 12345;
    w.Begin(aux);
    w.SelectDb(0, l->entries.size() + 1, 1);
    for (const auto& e : l->entries) w.Entry(e);
    RdbValue set_of_strings;
    set_of_strings.kind = Kind::kSet;
    for (int i = 0; i < 600; ++i) set_of_strings.items.push_back("m" + std::to_string(i));
    w.Entry(RdbEntry{0, "extra", set_of_strings});
    w.SelectDb(3, 1, 0);
    w.Entry(RdbEntry{3, "in-db3", Str("x")});
    w.Finish();
    char path[] = "/tmp/persist_rdb_test_XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    std::string out = w.TakeBuffer();
    REQUIRE(write(fd, out.data(), out.size()) == static_cast<ssize_t>(out.size()));
    close(fd);
    std::string cmd = std::string("/usr/bin/redis-check-rdb ") + path + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    std::string report;
    char buf[512];
    while (fgets(buf, sizeof(buf), p)) report += buf;
    int rc = pclose(p);
    unlink(path);
    CAPTURE(report);
    CHECK(rc == 0);
    CHECK(report.find("RDB looks OK") != std::string::npos);
    CHECK(report.find("25 keys read") != std::string::npos);
  }
}

}  // namespace
}  // namespace node::persist
