// node/commands/tracking_test.cc
//
// Unit tests of the client-side caching table: which clients get an
// invalidation for a key and in which form (RESP3 push, RESP2 redirect to a
// subscriber, nothing), NOLOOP, the running client's deferred messages,
// flushes, BCAST prefixes and disconnects. Clients are plain structs whose
// push hook records the bytes.

#include "node/commands/tracking.h"

#include <doctest/doctest.h>

#include <map>

namespace node::commands {

namespace {

struct Fixture {
  Engine eng;
  std::map<uint64_t, Client> clients;
  std::map<uint64_t, std::string> out;

  Client& Add(uint64_t id, int proto, uint32_t tracking = 0) {
    Client& c = clients[id];
    c.id = id;
    c.proto = proto;
    c.tracking = tracking;
    c.push = [this, id](std::string_view b) { out[id].append(b); };
    eng.clients[id] = &c;
    if (tracking & kTrackingOn) {
      if (!eng.tracking) eng.tracking = std::make_shared<TrackingTable>();
      eng.tracking->tracking_clients++;
    }
    return c;
  }
};

const CommandSpec kGet = {"get", 2, kReadOnly | kFast, {1, 1, 1}, nullptr};
const CommandSpec kMGet = {"mget", -2, kReadOnly | kFast, {1, -1, 1}, nullptr};

void Read(Fixture& f, Client& c, const CommandSpec& spec, std::vector<std::string_view> args) {
  TrackingRememberKeys(f.eng, c, spec, args);
}

}  // namespace

TEST_SUITE("commands/tracking") {
  TEST_CASE("a RESP3 reader gets one invalidate push, then the key is forgotten") {
    Fixture f;
    Client& r = f.Add(1, 3, kTrackingOn);
    Read(f, r, kMGet, {"mget", "a", "b"});
    CHECK(TrackingTotalKeys(f.eng) == 2);
    CHECK(TrackingTotalItems(f.eng) == 2);
    TrackingInvalidateKey(f.eng, "a");
    CHECK(f.out[1] == ">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\na\r\n");
    TrackingInvalidateKey(f.eng, "a");
    CHECK(f.out[1].size() == std::string(">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\na\r\n").size());
    CHECK(TrackingTotalKeys(f.eng) == 1);
  }

  TEST_CASE("RESP2 without redirection gets nothing; with it, the subscriber's message") {
    Fixture f;
    Client& plain = f.Add(1, 2, kTrackingOn);
    Read(f, plain, kGet, {"get", "k"});
    TrackingInvalidateKey(f.eng, "k");
    CHECK(f.out[1].empty());

    Client& redirected = f.Add(2, 2, kTrackingOn);
    f.Add(3, 3);  // RESP3 target: push even without a subscription
    redirected.tracking_redirect = 3;
    Read(f, redirected, kGet, {"get", "k"});
    TrackingInvalidateKey(f.eng, "k");
    CHECK(f.out[3] == ">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n");
    CHECK(f.out[2].empty());
  }

  TEST_CASE("a vanished redirect target flags the client and tells a RESP3 client") {
    Fixture f;
    Client& c = f.Add(1, 3, kTrackingOn);
    c.tracking_redirect = 99;
    Read(f, c, kGet, {"get", "k"});
    TrackingInvalidateKey(f.eng, "k");
    CHECK((c.tracking & kTrackingBrokenRedir) != 0);
    CHECK(f.out[1] == ">2\r\n$21\r\ntracking-redir-broken\r\n:99\r\n");
  }

  TEST_CASE("the running client's own invalidation waits for its reply; NOLOOP drops it") {
    Fixture f;
    Client& c = f.Add(1, 3, kTrackingOn);
    Read(f, c, kGet, {"get", "k"});
    f.eng.current_client = &c;
    TrackingInvalidateKey(f.eng, "k");
    CHECK(f.out[1].empty());
    f.eng.current_client = nullptr;
    TrackingAfterCommand(f.eng, c, kGet);
    CHECK(f.out[1] == ">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n");

    f.out[1].clear();
    c.tracking |= kTrackingNoLoop;
    Read(f, c, kGet, {"get", "k"});
    f.eng.current_client = &c;
    TrackingInvalidateKey(f.eng, "k");
    f.eng.current_client = nullptr;
    TrackingAfterCommand(f.eng, c, kGet);
    CHECK(f.out[1].empty());
  }

  TEST_CASE("OPTIN tracks only after CACHING yes, OPTOUT all but after CACHING no") {
    Fixture f;
    Client& in = f.Add(1, 3, kTrackingOn | kTrackingOptIn);
    Read(f, in, kGet, {"get", "a"});
    CHECK(TrackingTotalKeys(f.eng) == 0);
    in.tracking |= kTrackingCaching;
    Read(f, in, kGet, {"get", "a"});
    CHECK(TrackingTotalKeys(f.eng) == 1);
    TrackingAfterCommand(f.eng, in, kGet);
    CHECK((in.tracking & kTrackingCaching) == 0);

    Client& out = f.Add(2, 3, kTrackingOn | kTrackingOptOut | kTrackingCaching);
    Read(f, out, kGet, {"get", "b"});
    CHECK(TrackingTotalKeys(f.eng) == 1);
  }

  TEST_CASE("a flush sends every tracking client a null and empties the table") {
    Fixture f;
    Client& a = f.Add(1, 3, kTrackingOn);
    f.Add(2, 2, kTrackingOn);
    f.Add(3, 3);
    Read(f, a, kGet, {"get", "k"});
    TrackingInvalidateKey(f.eng, "");
    CHECK(f.out[1] == ">2\r\n$10\r\ninvalidate\r\n_\r\n");
    CHECK(f.out[2].empty());  // RESP2, no redirection
    CHECK(f.out[3].empty());
    CHECK(TrackingTotalKeys(f.eng) == 0);
  }

  TEST_CASE("BCAST: keys under a prefix go out together; disconnects unsubscribe") {
    Fixture f;
    Client& b = f.Add(1, 3, kTrackingOn | kTrackingBcast);
    f.eng.tracking->prefixes["user:"].clients.insert(1);
    b.tracking_prefixes = {"user:"};
    TrackingInvalidateKey(f.eng, "user:2");
    TrackingInvalidateKey(f.eng, "user:1");
    TrackingInvalidateKey(f.eng, "other");
    CHECK(f.out[1].empty());  // sent after the batch
    TrackingBroadcast(f.eng);
    CHECK(f.out[1] == ">2\r\n$10\r\ninvalidate\r\n*2\r\n$6\r\nuser:1\r\n$6\r\nuser:2\r\n");
    TrackingDisable(f.eng, b);
    CHECK(TrackingTotalPrefixes(f.eng) == 0);
    CHECK(TrackingClients(f.eng) == 0);
    CHECK(b.tracking == 0);
  }
}

}  // namespace node::commands
