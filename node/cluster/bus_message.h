// node/cluster/bus_message.h
//
// The Redis 7.0 cluster bus binary format (reference/cluster-bus.md §1-§4):
// the 2256-byte clusterMsg header, gossip entries, ping extensions and the
// type-specific bodies (FAIL, PUBLISH, UPDATE, MODULE). Pure functions with no
// I/O and no state; called by ClusterState (encode what it sends, decode what
// the transport hands it) and by the transport (framing). Any thread.
//
// Invariants:
//  - Decode never reads outside the given bytes and rejects every packet a
//    Redis 7.0 node would drop (wrong version, length mismatch, bad extension
//    padding), so callers may treat a decoded Message as well-formed.
//  - Encode(Decode(p)) == p for every packet a real node produces.

#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "node/base/result.h"

namespace node::cluster {

// --- Constants (cluster-bus.md §1) ------------------------------------------

constexpr int kSlots = 16384;
constexpr size_t kNameLen = 40;
constexpr size_t kIpLen = 46;
constexpr size_t kSlotBitmapBytes = kSlots / 8;
constexpr size_t kHeaderSize = 2256;
constexpr size_t kGossipSize = 104;
constexpr size_t kFailLen = kHeaderSize + kNameLen;                           // 2296
constexpr size_t kUpdateLen = kHeaderSize + 8 + kNameLen + kSlotBitmapBytes;  // 4352
constexpr uint16_t kProtoVer = 1;
constexpr int kPortIncr = 10000;
// Redis has no upper bound; we refuse packets larger than a maximal PUBLISH
// (proto-max-bulk-len 512 MiB) plus slack so a peer cannot make us buffer GBs.
constexpr size_t kMaxPacketLen = (size_t{512} << 20) + 65536;

enum MsgType : uint16_t {
  kMsgPing = 0,
  kMsgPong = 1,
  kMsgMeet = 2,
  kMsgFail = 3,
  kMsgPublish = 4,
  kMsgAuthRequest = 5,
  kMsgAuthAck = 6,
  kMsgUpdate = 7,
  kMsgMfStart = 8,
  kMsgModule = 9,
  kMsgPublishShard = 10,
};
constexpr int kMsgTypeCount = 11;
// Stats names used by CLUSTER INFO (cluster_stats_messages_<name>_sent).
std::string_view MsgTypeName(int type);

// Node flags (§1.2), both on the wire and in the node table.
constexpr uint16_t kNodeMaster = 1;
constexpr uint16_t kNodeSlave = 2;
constexpr uint16_t kNodePfail = 4;
constexpr uint16_t kNodeFail = 8;
constexpr uint16_t kNodeMyself = 16;
constexpr uint16_t kNodeHandshake = 32;
constexpr uint16_t kNodeNoAddr = 64;
constexpr uint16_t kNodeMeet = 128;
constexpr uint16_t kNodeMigrateTo = 256;
constexpr uint16_t kNodeNoFailover = 512;

// Message flags, mflags[0] (§1.3).
constexpr uint8_t kMsgFlagPaused = 0x01;
constexpr uint8_t kMsgFlagForceAck = 0x02;
constexpr uint8_t kMsgFlagExtData = 0x04;

// Ping extension types. Redis 7.0 knows only HOSTNAME; others are skipped.
constexpr uint16_t kExtHostname = 0;

// --- Slot bitmap (bit j&7 of byte j>>3, LSB first) --------------------------

using SlotBitmap = std::array<uint8_t, kSlotBitmapBytes>;
inline bool TestSlot(const SlotBitmap& b, int slot) { return (b[slot >> 3] >> (slot & 7)) & 1; }
inline void SetSlotBit(SlotBitmap& b, int slot) { b[slot >> 3] |= uint8_t(1u << (slot & 7)); }
inline void ClearSlotBit(SlotBitmap& b, int slot) { b[slot >> 3] &= uint8_t(~(1u << (slot & 7))); }
int CountSlots(const SlotBitmap& b);

// --- Message structs ---------------------------------------------------------

// Header (§3). Names are raw 40-byte IDs; `slaveof` empty means "I am a master"
// (all NULs on the wire); `myip` empty means all NULs.
struct Header {
  uint16_t ver = kProtoVer;
  uint16_t port = 0;
  uint16_t type = kMsgPing;
  uint64_t current_epoch = 0;
  uint64_t config_epoch = 0;
  uint64_t offset = 0;
  std::string sender;  // 40 bytes
  SlotBitmap myslots{};
  std::string slaveof;  // "" or 40 bytes
  std::string myip;     // up to 45 chars
  uint16_t pport = 0;
  uint16_t cport = 0;
  uint16_t flags = 0;
  uint8_t state = 0;  // 0 ok, 1 fail
  std::array<uint8_t, 3> mflags{};
};

// One gossip entry (§4.1); ping_sent / pong_received are unix *seconds*.
struct GossipEntry {
  std::string node_name;  // 40 bytes
  uint32_t ping_sent = 0;
  uint32_t pong_received = 0;
  std::string ip;
  uint16_t port = 0;
  uint16_t cport = 0;
  uint16_t flags = 0;
  uint16_t pport = 0;
};

// A ping extension record (§4.2). `body` is the record minus its 8-byte
// header, padding included; use HostnameExt/ExtHostname for type 0.
struct PingExt {
  uint16_t type = 0;
  std::string body;
};
PingExt HostnameExt(std::string_view hostname);  // NUL + pad to 8
// The hostname in a type-0 body: bytes up to the first NUL.
std::string ExtHostname(const PingExt& ext);

// A decoded or to-be-encoded packet. Only the members of `hdr.type` matter.
struct Message {
  Header hdr;
  // PING / PONG / MEET
  std::vector<GossipEntry> gossip;
  std::vector<PingExt> extensions;
  // FAIL
  std::string fail_node;
  // PUBLISH / PUBLISHSHARD
  std::string channel;
  std::string message;
  // UPDATE
  uint64_t update_config_epoch = 0;
  std::string update_node;
  SlotBitmap update_slots{};
  // MODULE (module_id is opaque, copied raw)
  std::array<uint8_t, 8> module_id{};
  uint8_t module_type = 0;
  std::string module_payload;
};

// Serialises `msg`. `count` and `extensions` come from the vectors; for
// PING/PONG/MEET the EXT_DATA flag is set iff there are extensions. Names and
// IPs longer than their fields are truncated (callers pass valid ones).
std::string Encode(const Message& msg);

// Parses one complete packet (exactly totlen bytes). Errors for anything a
// Redis 7.0 receiver would drop; never reads out of bounds.
base::Result<Message> Decode(std::string_view packet);

// Framing (§2.1). Looks at the first 8 bytes of `buf`: returns 0 if fewer
// than 8 bytes are buffered, else the packet's total length. An error means
// the link must be closed (bad signature, totlen < 2256 or > kMaxPacketLen).
base::Result<size_t> PacketLength(std::string_view buf);

}  // namespace node::cluster
