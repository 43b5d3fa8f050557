// node/repl/replication_test.cc -- master-side PSYNC decisions of
// Replication after a restart that restored the replication history from an
// RDB file (RestoreFromRdbAux / SaveInfo). No sockets: the io_context never
// runs, and bytes "sent" to replicas are collected per client.

#include "node/repl/replication.h"

#include <doctest/doctest.h>

#include <map>
#include <string>

namespace node::repl {
namespace {

const std::string kSavedId = "0123456789abcdef0123456789abcdef01234567";

struct Fixture {
  asio::io_context io;
  std::map<uint64_t, std::string> sent;
  int rdbs = 0;
  Replication repl{io, Settings{}, Callbacks()};

  Replication::Callbacks Callbacks() {
    Replication::Callbacks cb;
    cb.send_to_client = [this](uint64_t id, std::string_view b) { sent[id].append(b); };
    cb.close_client = [](uint64_t) {};
    cb.make_rdb = [this](const std::string&, int64_t) {
      rdbs++;
      return std::string("RDB");
    };
    return cb;
  }

  // A replica handshake (capa psync2) and PSYNC; returns the first line sent.
  std::string Psync(uint64_t id, std::string_view replid, int64_t offset) {
    std::string_view capa[] = {"REPLCONF", "capa", "eof", "capa", "psync2"};
    CHECK(repl.Replconf(id, capa).empty());
    CHECK(repl.Psync(id, "127.0.0.1", replid, offset, false).empty());
    const std::string& s = sent[id];
    return s.substr(0, s.find("\r\n"));
  }
};

}  // namespace

TEST_SUITE("repl/replication") {
  TEST_CASE("a replica in sync with the saved history continues with a partial resync") {
    Fixture f;
    REQUIRE(f.repl.RestoreFromRdbAux(kSavedId, 1000));
    CHECK(f.repl.master_repl_offset() == 1000);
    CHECK(f.repl.replid() != kSavedId);  // a new history starts at the restore
    std::string line = f.Psync(7, kSavedId, 1001);
    CHECK(line == "+CONTINUE " + f.repl.replid());
    CHECK(f.repl.sync_partial_ok() == 1);
    CHECK(f.rdbs == 0);
  }

  TEST_CASE("a replica that lagged behind the saved offset still gets a full resync") {
    // Nothing before the saved offset is in the (new, empty) backlog.
    Fixture f;
    REQUIRE(f.repl.RestoreFromRdbAux(kSavedId, 1000));
    CHECK(f.Psync(7, kSavedId, 900).starts_with("+FULLRESYNC "));
    CHECK(f.rdbs == 1);
  }

  TEST_CASE("a replica ahead of the saved offset gets a full resync even after new writes") {
    // kill -9 after an older save: the replica holds bytes this node lost.
    // New writes must not make its offset look valid in the new history.
    Fixture f;
    REQUIRE(f.repl.RestoreFromRdbAux(kSavedId, 1000));
    std::string big(500, 'x');
    std::string_view set[] = {"SET", "k", big};
    f.repl.Feed(0, set);
    CHECK(f.repl.master_repl_offset() > 1300);
    CHECK(f.Psync(7, kSavedId, 1301).starts_with("+FULLRESYNC "));
    CHECK(f.repl.sync_partial_err() == 1);
  }

  TEST_CASE("SaveInfo reports the saved ID until something new is written") {
    Fixture f;
    REQUIRE(f.repl.RestoreFromRdbAux(kSavedId, 1000));
    std::string id;
    int64_t off = -1;
    REQUIRE(f.repl.SaveInfo(&id, &off));
    CHECK(id == kSavedId);
    CHECK(off == 1000);
    // The backlog only takes writes once a replica made it active; the
    // restore did, so a write moves the offset and the new ID takes over.
    std::string_view set[] = {"SET", "k", "v"};
    f.repl.Feed(0, set);
    REQUIRE(f.repl.SaveInfo(&id, &off));
    CHECK(id == f.repl.replid());
    CHECK(off == f.repl.master_repl_offset());
  }

  TEST_CASE("malformed repl-id / repl-offset AUX values are ignored") {
    Fixture f;
    std::string before = f.repl.replid();
    CHECK_FALSE(f.repl.RestoreFromRdbAux("short", 10));
    CHECK_FALSE(f.repl.RestoreFromRdbAux(std::string(40, 'z'), 10));
    CHECK_FALSE(f.repl.RestoreFromRdbAux(kSavedId, -5));
    CHECK(f.repl.replid() == before);
    CHECK(f.repl.master_repl_offset() == 0);
  }

  TEST_CASE("a fresh master answers PSYNC with an unknown ID by a full resync") {
    Fixture f;
    CHECK(f.Psync(3, kSavedId, 1).starts_with("+FULLRESYNC "));
    CHECK(f.repl.sync_full() == 1);
  }
}

}  // namespace node::repl
