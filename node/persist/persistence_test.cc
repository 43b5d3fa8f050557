// node/persist/persistence_test.cc -- AOF replay/loading, SAVE/BGSAVE and
// BGREWRITEAOF against a temporary directory.

#include "node/persist/persistence.h"

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "node/base/clock.h"
#include "node/base/log.h"
#include "node/persist/aof.h"
#include "node/persist/snapshot.h"

namespace node::persist {
namespace {

struct Node {
  config::Config cfg;
  commands::Engine eng;
  std::unique_ptr<Persistence> p;
  explicit Node(const std::string& dir, bool aof) {
    cfg.s.dir = dir;
    cfg.s.appendonly = aof;
    cfg.s.save.clear();
    eng.config = &cfg;
    eng.dbs.resize(16);
    eng.keyspace = &eng.GetDb(0);
    p = std::make_unique<Persistence>(eng, cfg);
  }
  // A tiny dispatcher: SET and DEL, as the real one would run them.
  ReplayFn Replay() {
    return [this](int db, std::span<const std::string_view> a) -> base::Status {
      if (a[0] == "SET" || a[0] == "set") {
        eng.GetDb(db).SetString(a[1], a[2]);
      } else if (a[0] == "DEL" || a[0] == "del") {
        eng.GetDb(db).Delete(a[1]);
      } else if (a[0] == "PEXPIREAT") {
        if (auto* e = eng.GetDb(db).Find(a[1]))
          eng.GetDb(db).SetExpire(e, std::stoll(std::string(a[2])));
      } else {
        return base::Status::Error("Unknown command '" + std::string(a[0]) + "'");
      }
      return base::Status::Ok();
    };
  }
  void Write(int db, std::vector<std::string_view> args) {
    Replay()(db, args);
    p->Feed(db, args);
  }
  std::string Get(int db, std::string_view k) {
    auto* e = eng.GetDb(db).Find(k);
    if (!e) return "(nil)";
    char buf[32];
    return std::string(db::StringOf(e, buf));
  }
};

std::string TempDir() {
  std::string d = "/tmp/shoal_persist_test_" + std::to_string(::getpid()) + "_" +
                  std::to_string(base::UnixUs());
  ::mkdir(d.c_str(), 0755);
  return d;
}

}  // namespace

TEST_SUITE("persist/persistence") {
  TEST_CASE("replay handles SELECT, transactions and a torn tail") {
    std::string s;
    std::vector<std::string_view> sel = {"SELECT", "2"}, set = {"SET", "a", "1"}, multi = {"MULTI"},
                                  exec = {"EXEC"};
    AppendRespCommand(&s, sel);
    AppendRespCommand(&s, set);
    AppendRespCommand(&s, multi);
    AppendRespCommand(&s, set);
    AppendRespCommand(&s, exec);
    size_t complete = s.size();
    std::vector<std::pair<int, std::string>> got;
    auto fn = [&](int db, std::span<const std::string_view> a) {
      got.emplace_back(db, std::string(a[0]));
      return base::Status::Ok();
    };
    int db = 0;
    auto o = ReplayAofCommands(s, &db, fn);
    CHECK(o.error.empty());
    CHECK_FALSE(o.truncated);
    CHECK(o.commands == 2);
    CHECK(got.size() == 2);
    CHECK(got[0].first == 2);

    for (size_t cut = complete + 1; cut < complete + 10; cut++) {
      std::string t = s;
      AppendRespCommand(&t, set);
      t.resize(cut);
      db = 0;
      auto o2 = ReplayAofCommands(t, &db, fn);
      CHECK(o2.truncated);
      CHECK(o2.valid_up_to == complete);
    }
    // MULTI without EXEC is reverted too.
    std::string m = s;
    AppendRespCommand(&m, multi);
    AppendRespCommand(&m, set);
    db = 0;
    auto o3 = ReplayAofCommands(m, &db, fn);
    CHECK(o3.truncated);
    CHECK(o3.valid_up_to == complete);
    // Garbage is corruption, not a torn tail.
    std::string g = s + "hello world\r\n";
    db = 0;
    auto o4 = ReplayAofCommands(g, &db, fn);
    CHECK_FALSE(o4.error.empty());
    CHECK(o4.error_offset == complete);
  }

  TEST_CASE("appendonly yes on an empty directory creates base, incr and manifest") {
    std::string dir = TempDir();
    {
      Node n(dir, true);
      REQUIRE(n.p->LoadAtStartup(n.Replay()).ok());
      CHECK(n.p->aof_on());
      auto text = ReadWholeFile(dir + "/appendonlydir/appendonly.aof.manifest");
      REQUIRE(text.ok());
      CHECK(*text ==
            "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 "
            "type i\n");
      n.Write(0, {"SET", "a", "1"});
      n.Write(3, {"SET", "b", "2"});
      n.p->FlushBeforeReplies();
      auto incr = ReadWholeFile(dir + "/appendonlydir/appendonly.aof.1.incr.aof");
      REQUIRE(incr.ok());
      CHECK(*incr ==
            "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n"
            "*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n2\r\n");
    }
    Node m(dir, true);
    REQUIRE(m.p->LoadAtStartup(m.Replay()).ok());
    CHECK(m.Get(0, "a") == "1");
    CHECK(m.Get(3, "b") == "2");
    std::filesystem::remove_all(dir);
  }

  TEST_CASE("a torn last command is cut, or refused with aof-load-truncated no") {
    std::string dir = TempDir();
    std::string incr_path = dir + "/appendonlydir/appendonly.aof.1.incr.aof";
    {
      Node n(dir, true);
      REQUIRE(n.p->LoadAtStartup(n.Replay()).ok());
      n.Write(0, {"SET", "a", "1"});
      n.p->FlushBeforeReplies();
    }
    auto good = ReadWholeFile(incr_path);
    REQUIRE(good.ok());
    {
      FILE* f = fopen(incr_path.c_str(), "ab");
      fputs("*3\r\n$3\r\nSET\r\n$1\r\nb", f);
      fclose(f);
    }
    {
      Node strict(dir, true);
      strict.cfg.s.aof_load_truncated = false;
      auto st = strict.p->LoadAtStartup(strict.Replay());
      REQUIRE_FALSE(st.ok());
      CHECK(st.message().find("appendonly.aof.1.incr.aof") != std::string::npos);
      CHECK(strict.eng.GetDb(0).size() == 0);
    }
    Node n(dir, true);
    REQUIRE(n.p->LoadAtStartup(n.Replay()).ok());
    CHECK(n.Get(0, "a") == "1");
    CHECK(n.Get(0, "b") == "(nil)");
    CHECK(*ReadWholeFile(incr_path) == *good);
    // Corruption in the middle is refused with the offset.
    {
      FILE* f = fopen(incr_path.c_str(), "ab");
      fputs("xyz\r\n*1\r\n$4\r\nPING\r\n", f);
      fclose(f);
    }
    Node bad(dir, true);
    auto st = bad.p->LoadAtStartup(bad.Replay());
    REQUIRE_FALSE(st.ok());
    CHECK(st.message().find("at offset " + std::to_string(good->size())) != std::string::npos);
    std::filesystem::remove_all(dir);
  }

  TEST_CASE("BGREWRITEAOF writes a new base, keeps the new incr and drops history") {
    for (bool preamble : {true, false}) {
      std::string dir = TempDir();
      {
        Node n(dir, true);
        n.cfg.s.aof_use_rdb_preamble = preamble;
        REQUIRE(n.p->LoadAtStartup(n.Replay()).ok());
        n.Write(0, {"SET", "a", "1"});
        n.Write(1, {"SET", "b", "2"});
        n.Write(0, {"PEXPIREAT", "a", std::to_string(base::UnixMs() + 100000)});
        auto r = n.p->BgRewriteAof();
        REQUIRE(r.ok());
        CHECK(*r == "Background append only file rewriting started");
        CHECK_FALSE(n.p->BgRewriteAof().ok());
        n.Write(0, {"SET", "c", "3"});
        n.p->FlushBeforeReplies();
        n.p->WaitForChild();
        auto& m = n.p->manifest();
        REQUIRE(m.base);
        CHECK(m.base->name == std::string("appendonly.aof.2.base.") + (preamble ? "rdb" : "aof"));
        REQUIRE(m.incrs.size() == 1);
        CHECK(m.incrs[0].name == "appendonly.aof.2.incr.aof");
        CHECK(access((dir + "/appendonlydir/appendonly.aof.1.incr.aof").c_str(), F_OK) != 0);
        CHECK(access((dir + "/appendonlydir/appendonly.aof.1.base.rdb").c_str(), F_OK) != 0);
        CHECK(n.p->InfoSection().find("aof_rewrites:1") != std::string::npos);
      }
      Node m(dir, true);
      REQUIRE(m.p->LoadAtStartup(m.Replay()).ok());
      CHECK(m.Get(0, "a") == "1");
      CHECK(m.eng.GetDb(0).Find("a")->has_expire());
      CHECK(m.Get(1, "b") == "2");
      CHECK(m.Get(0, "c") == "3");
      std::filesystem::remove_all(dir);
    }
  }

  TEST_CASE("SAVE and BGSAVE write dump.rdb that loads at startup") {
    std::string dir = TempDir();
    {
      Node n(dir, false);
      REQUIRE(n.p->LoadAtStartup(n.Replay()).ok());
      n.Write(0, {"SET", "k", "v"});
      n.eng.stats.dirty = 5;
      REQUIRE(n.p->Save().ok());
      CHECK(n.eng.stats.dirty == 0);
      n.Write(2, {"SET", "k2", "v2"});
      n.eng.stats.dirty = 3;
      auto r = n.p->BgSave(false);
      REQUIRE(r.ok());
      CHECK(*r == "Background saving started");
      CHECK(n.p->BgSave(false).error() == "ERR Background save already in progress");
      CHECK(n.p->InfoSection().find("rdb_bgsave_in_progress:1") != std::string::npos);
      n.eng.stats.dirty = 4;  // one more write during the save
      n.p->WaitForChild();
      CHECK(n.eng.stats.dirty == 1);
      CHECK(n.p->InfoSection().find("rdb_last_bgsave_status:ok") != std::string::npos);
    }
    Node m(dir, false);
    REQUIRE(m.p->LoadAtStartup(m.Replay()).ok());
    CHECK(m.Get(0, "k") == "v");
    CHECK(m.Get(2, "k2") == "v2");
    // A damaged dump.rdb refuses to start.
    {
      FILE* f = fopen((dir + "/dump.rdb").c_str(), "r+b");
      fseek(f, 20, SEEK_SET);
      fputc('Z', f);
      fclose(f);
    }
    Node bad(dir, false);
    CHECK_FALSE(bad.p->LoadAtStartup(bad.Replay()).ok());
    std::filesystem::remove_all(dir);
  }

  TEST_CASE("turning appendonly on at runtime writes the dataset as a base") {
    std::string dir = TempDir();
    {
      Node n(dir, false);
      REQUIRE(n.p->LoadAtStartup(n.Replay()).ok());
      n.Write(0, {"SET", "k", "v"});
      REQUIRE(n.cfg.SetFromConfigCommand("appendonly", "yes").ok());
      CHECK(n.p->aof_on());
      n.Write(0, {"SET", "k2", "v2"});
      n.p->FlushBeforeReplies();
    }
    Node m(dir, true);
    REQUIRE(m.p->LoadAtStartup(m.Replay()).ok());
    CHECK(m.Get(0, "k") == "v");
    CHECK(m.Get(0, "k2") == "v2");
    std::filesystem::remove_all(dir);
  }

  TEST_CASE("an AOF write error cuts off the partial write, refuses writes and recovers") {
    // A file size limit stands in for a full disk: write() stops at it
    // (partly, then EFBIG) like it stops at ENOSPC. Nothing may print while
    // the limit holds (the test log may be a regular file), so the checks
    // come after it is lifted.
    std::string dir = TempDir();
    {
      Node n(dir, true);
      n.cfg.s.appendfsync = config::Appendfsync::kEverysec;
      REQUIRE(n.p->LoadAtStartup(n.Replay()).ok());
      n.Write(0, {"SET", "a", "1"});
      n.p->FlushBeforeReplies();
      std::string incr = n.p->aof_paths().path(n.p->manifest().incrs.back().name);
      const auto size0 = std::filesystem::file_size(incr);
      const std::string big(4000, 'x');

      spdlog::level::level_enum level = spdlog::get_level();
      spdlog::set_level(spdlog::level::off);
      auto old_sig = ::signal(SIGXFSZ, SIG_IGN);
      struct rlimit old_lim;
      ::getrlimit(RLIMIT_FSIZE, &old_lim);
      struct rlimit lim = old_lim;
      lim.rlim_cur = static_cast<rlim_t>(size0 + 100);  // room for part of the next write
      ::setrlimit(RLIMIT_FSIZE, &lim);
      n.Write(0, {"SET", "b", big});
      n.p->FlushBeforeReplies();
      const auto size_failed = std::filesystem::file_size(incr);
      const std::string refusal = n.p->WriteRefusal();
      const std::string info = n.p->InfoSection();
      n.p->Cron();  // the retry fails too
      const std::string refusal2 = n.p->WriteRefusal();
      ::setrlimit(RLIMIT_FSIZE, &old_lim);
      ::signal(SIGXFSZ, old_sig);
      spdlog::set_level(level);

      CHECK(size_failed == size0);  // no half command left in the file
      CHECK(refusal == "MISCONF Errors writing to the AOF file: File too large");
      CHECK(info.find("aof_last_write_status:err") != std::string::npos);
      CHECK(refusal2 == refusal);
      n.p->Cron();  // room again: the kept buffer is written whole
      CHECK(n.p->WriteRefusal() == "");
      CHECK(n.p->InfoSection().find("aof_last_write_status:ok") != std::string::npos);
      CHECK(std::filesystem::file_size(incr) > size0 + big.size());
    }
    Node m(dir, true);
    REQUIRE(m.p->LoadAtStartup(m.Replay()).ok());
    CHECK(m.Get(0, "a") == "1");
    CHECK(m.Get(0, "b") == std::string(4000, 'x'));
    std::filesystem::remove_all(dir);
  }
}

}  // namespace node::persist
