// Tests for the cluster bus codec against the byte layouts captured from
// redis-server 7.0.15 (reference/cluster-bus.md §15).

#include "node/cluster/bus_message.h"

#include <doctest/doctest.h>

#include <random>

namespace node::cluster {
namespace {

const std::string kA = "f0a9dd965c80c61b821a523cd1f4cf8572990479";
const std::string kR = "232361a0252a0736cd807da1d422165b3335eeb6";

std::string Hex(std::string_view s, size_t from, size_t n) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (size_t i = from; i < from + n && i < s.size(); i++) {
    out.push_back(d[uint8_t(s[i]) >> 4]);
    out.push_back(d[uint8_t(s[i]) & 15]);
  }
  return out;
}

Message SampleMeet() {
  Message m;
  m.hdr.type = kMsgMeet;
  m.hdr.port = 21001;
  m.hdr.cport = 31001;
  m.hdr.current_epoch = 7;
  m.hdr.config_epoch = 7;
  m.hdr.offset = 258;
  m.hdr.sender = kA;
  m.hdr.flags = kNodeMaster | kNodeMyself | kNodeMigrateTo;
  for (int s = 0; s <= 5460; s++) SetSlotBit(m.hdr.myslots, s);
  for (int i = 0; i < 3; i++) {
    GossipEntry g;
    g.node_name = kR;
    g.pong_received = 0x6b021df7;
    g.ip = "127.0.0.1";
    g.port = 21005;
    g.cport = 31005;
    g.flags = kNodeSlave;
    m.gossip.push_back(g);
  }
  return m;
}

}  // namespace

TEST_SUITE("cluster/bus") {
  TEST_CASE("a MEET header is laid out byte for byte like redis 7.0") {
    std::string p = Encode(SampleMeet());
    REQUIRE(p.size() == 2568);
    CHECK(Hex(p, 0, 16) == "52436d6200000a080001520900020003");
    CHECK(Hex(p, 16, 16) == "00000000000000070000000000000007");
    CHECK(Hex(p, 32, 8) == "0000000000000102");
    CHECK(p.substr(40, 40) == kA);
    CHECK(Hex(p, 80, 1) == "ff");
    CHECK(Hex(p, 80 + 682, 2) == "1f00");
    CHECK(Hex(p, 0x8c6, 10) == "00007919011100000000");
  }

  TEST_CASE("a gossip entry is 104 bytes in the captured layout") {
    std::string p = Encode(SampleMeet());
    CHECK(p.substr(2256, 40) == kR);
    CHECK(Hex(p, 2296, 8) == "000000006b021df7");
    CHECK(p.substr(2304, 9) == "127.0.0.1");
    CHECK(Hex(p, 2304 + 46, 10) == "520d791d000200000000");
  }

  TEST_CASE("the slot bitmap is LSB first") {
    SlotBitmap b{};
    SetSlotBit(b, 0);
    SetSlotBit(b, 9);
    CHECK(b[0] == 0x01);
    CHECK(b[1] == 0x02);
    CHECK(TestSlot(b, 9));
    CHECK_FALSE(TestSlot(b, 8));
    CHECK(CountSlots(b) == 2);
    ClearSlotBit(b, 9);
    CHECK(CountSlots(b) == 1);
  }

  TEST_CASE("a hostname extension is padded to 8 and flagged EXT_DATA") {
    Message m = SampleMeet();
    m.hdr.type = kMsgPong;
    m.gossip.resize(2);
    m.extensions.push_back(HostnameExt("node2.example"));
    std::string p = Encode(m);
    CHECK(p.size() == 2488);
    CHECK(Hex(p, 2214, 2) == "0001");
    CHECK(Hex(p, 2253, 3) == "040000");
    CHECK(Hex(p, 2464, 8) == "0000001800000000");
    CHECK(p.substr(2472, 13) == "node2.example");
    CHECK(Hex(p, 2485, 3) == "000000");
    auto d = Decode(p);
    REQUIRE(d.ok());
    REQUIRE(d->extensions.size() == 1);
    CHECK(ExtHostname(d->extensions[0]) == "node2.example");
    CHECK(d->gossip.size() == 2);
  }

  TEST_CASE("every message type round-trips") {
    std::vector<Message> msgs;
    Message meet = SampleMeet();
    meet.hdr.slaveof = kR;
    meet.hdr.myip = "10.0.0.7";
    meet.hdr.state = 1;
    meet.extensions.push_back(HostnameExt("h"));
    msgs.push_back(meet);
    Message fail;
    fail.hdr.type = kMsgFail;
    fail.hdr.sender = kA;
    fail.fail_node = kR;
    msgs.push_back(fail);
    Message pub;
    pub.hdr.type = kMsgPublish;
    pub.hdr.sender = kA;
    pub.channel = "news";
    pub.message = std::string("a\0b", 3);
    msgs.push_back(pub);
    pub.hdr.type = kMsgPublishShard;
    msgs.push_back(pub);
    Message upd;
    upd.hdr.type = kMsgUpdate;
    upd.hdr.sender = kA;
    upd.update_config_epoch = 7;
    upd.update_node = kR;
    SetSlotBit(upd.update_slots, 16383);
    msgs.push_back(upd);
    for (uint16_t t : {kMsgAuthRequest, kMsgAuthAck, kMsgMfStart}) {
      Message h;
      h.hdr.type = t;
      h.hdr.sender = kA;
      h.hdr.mflags[0] = kMsgFlagForceAck;
      msgs.push_back(h);
    }
    Message mod;
    mod.hdr.type = kMsgModule;
    mod.hdr.sender = kA;
    mod.module_id = {1, 2, 3, 4, 5, 6, 7, 8};
    mod.module_type = 9;
    mod.module_payload = "payload";
    msgs.push_back(mod);
    for (const Message& m : msgs) {
      CAPTURE(m.hdr.type);
      std::string p = Encode(m);
      auto d = Decode(p);
      REQUIRE(d.ok());
      CHECK(Encode(*d) == p);
      CHECK(d->hdr.sender == m.hdr.sender);
      CHECK(d->hdr.slaveof == m.hdr.slaveof);
      CHECK(d->hdr.myip == m.hdr.myip);
    }
    CHECK(Encode(msgs[1]).size() == kFailLen);
    CHECK(Encode(msgs[4]).size() == kUpdateLen);
    CHECK(Encode(msgs[5]).size() == kHeaderSize);
    auto d = Decode(Encode(pub));
    CHECK(d->message == std::string("a\0b", 3));
    CHECK(Decode(Encode(upd))->update_config_epoch == 7);
    CHECK(TestSlot(Decode(Encode(upd))->update_slots, 16383));
  }

  TEST_CASE("packets with wrong lengths, version or signature are rejected") {
    std::string p = Encode(SampleMeet());
    CHECK_FALSE(Decode(p.substr(0, p.size() - 1)).ok());
    std::string q = p;
    q[9] = 2;  // ver
    CHECK_FALSE(Decode(q).ok());
    q = p;
    q[0] = 'X';
    CHECK_FALSE(Decode(q).ok());
    q = p;
    q[15] = 4;  // count says 4 entries, only 3 present
    CHECK_FALSE(Decode(q).ok());
    // Trailing extension bytes without the EXT_DATA flag fail the length check.
    Message m = SampleMeet();
    m.extensions.push_back(HostnameExt("abc"));
    q = Encode(m);
    q[2253] = 0;
    CHECK_FALSE(Decode(q).ok());
    // Extension length not a multiple of 8.
    q = Encode(m);
    q[2568 + 3] = 17;
    CHECK_FALSE(Decode(q).ok());
    // Unknown types are accepted (and ignored by the state machine).
    Message u;
    u.hdr.type = 42;
    u.hdr.sender = kA;
    std::string unk = Encode(u) + "xyz";
    unk[7] = char(uint8_t(unk.size() & 0xff));
    unk[6] = char(uint8_t(unk.size() >> 8));
    CHECK(Decode(unk).ok());
  }

  TEST_CASE("framing reads the 8-byte prefix and rejects bad ones") {
    std::string p = Encode(SampleMeet());
    CHECK(*PacketLength(p.substr(0, 7)) == 0);
    CHECK(*PacketLength(p.substr(0, 8)) == 2568);
    std::string bad = p.substr(0, 8);
    bad[1] = 'x';
    CHECK_FALSE(PacketLength(bad).ok());
    std::string small("RCmb\0\0\0\x10", 8);
    CHECK_FALSE(PacketLength(small).ok());
    std::string huge("RCmb\x7f\xff\xff\xff", 8);
    CHECK_FALSE(PacketLength(huge).ok());
  }

  TEST_CASE("thousands of randomly corrupted packets decode without crashing") {
    std::mt19937 rng(12345);
    Message m = SampleMeet();
    m.extensions.push_back(HostnameExt("node.example"));
    Message pub;
    pub.hdr.type = kMsgPublish;
    pub.channel = "c";
    pub.message = "m";
    Message upd;
    upd.hdr.type = kMsgUpdate;
    std::vector<std::string> seeds = {Encode(m), Encode(pub), Encode(upd)};
    int ok = 0;
    for (int iter = 0; iter < 6000; iter++) {
      std::string p = seeds[iter % seeds.size()];
      int edits = 1 + int(rng() % 8);
      for (int e = 0; e < edits; e++) {
        switch (rng() % 4) {
          case 0:  // flip a byte anywhere
            if (!p.empty()) p[rng() % p.size()] = char(rng());
            break;
          case 1:  // corrupt a length-bearing field
            if (size_t at = std::vector<size_t>{6, 7, 13, 15, 2215, 2253, 2259, 2263}[rng() % 8];
                at < p.size())
              p[at] = char(rng());
            break;
          case 2:  // truncate
            p.resize(rng() % (p.size() + 1));
            break;
          default:  // append garbage
            p.append(rng() % 64, char(rng()));
        }
      }
      if (rng() % 2 && p.size() >= 8) {  // keep totlen consistent half of the time
        uint32_t n = uint32_t(p.size());
        for (int i = 0; i < 4; i++) p[4 + i] = char((n >> (24 - 8 * i)) & 0xff);
      }
      auto d = Decode(p);
      if (d.ok()) {
        ok++;
        CHECK(Encode(*d).size() <= p.size());
      }
      (void)PacketLength(p);
    }
    CHECK(ok > 0);
  }
}

}  // namespace node::cluster
