// node/cluster/bus_message.cc
//
// Encoder/decoder for the Redis 7.0 cluster bus format (see bus_message.h and
// reference/cluster-bus.md §3-§4). All integers are big-endian except the
// MODULE module_id. Pure code, any thread.

#include "node/cluster/bus_message.h"

#include <algorithm>
#include <cstring>

namespace node::cluster {

namespace {

constexpr std::string_view kTypeNames[kMsgTypeCount] = {
    "ping",     "pong",   "meet",    "fail",   "publish",     "auth-req",
    "auth-ack", "update", "mfstart", "module", "publishshard"};

// --- Big-endian helpers -------------------------------------------------------

void PutU16(std::string& out, uint16_t v) {
  out.push_back(char(v >> 8));
  out.push_back(char(v & 0xff));
}
void PutU32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(char((v >> shift) & 0xff));
}
void PutU64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(char((v >> shift) & 0xff));
}
// Fixed-size field: `s` truncated or NUL-padded to `n` bytes.
void PutFixed(std::string& out, std::string_view s, size_t n) {
  size_t k = std::min(s.size(), n);
  out.append(s.data(), k);
  out.append(n - k, '\0');
}
// A NUL-terminated string field: at most n-1 chars, rest zero.
void PutCString(std::string& out, std::string_view s, size_t n) {
  PutFixed(out, s.substr(0, n - 1), n);
}

uint16_t GetU16(const char* p) { return uint16_t((uint8_t(p[0]) << 8) | uint8_t(p[1])); }
uint32_t GetU32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) v = (v << 8) | uint8_t(p[i]);
  return v;
}
uint64_t GetU64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = (v << 8) | uint8_t(p[i]);
  return v;
}
// Bytes of a NUL-padded field up to the first NUL.
std::string GetCString(const char* p, size_t n) {
  const void* nul = std::memchr(p, '\0', n);
  size_t len = nul ? size_t(static_cast<const char*>(nul) - p) : n;
  return std::string(p, len);
}
bool AllZero(const char* p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i] != 0) return false;
  return true;
}

bool IsPingType(uint16_t t) { return t == kMsgPing || t == kMsgPong || t == kMsgMeet; }

void EncodeHeader(std::string& out, const Header& h, uint16_t count, uint16_t exts, bool ext_data) {
  out.append("RCmb", 4);
  PutU32(out, 0);  // totlen, patched at the end
  PutU16(out, h.ver);
  PutU16(out, h.port);
  PutU16(out, h.type);
  PutU16(out, count);
  PutU64(out, h.current_epoch);
  PutU64(out, h.config_epoch);
  PutU64(out, h.offset);
  PutFixed(out, h.sender, kNameLen);
  out.append(reinterpret_cast<const char*>(h.myslots.data()), h.myslots.size());
  PutFixed(out, h.slaveof, kNameLen);
  PutCString(out, h.myip, kIpLen);
  PutU16(out, exts);
  out.append(30, '\0');  // notused1
  PutU16(out, h.pport);
  PutU16(out, h.cport);
  PutU16(out, h.flags);
  out.push_back(char(h.state));
  uint8_t m0 = h.mflags[0];
  if (IsPingType(h.type)) m0 = ext_data ? (m0 | kMsgFlagExtData) : (m0 & ~kMsgFlagExtData);
  out.push_back(char(m0));
  out.push_back(char(h.mflags[1]));
  out.push_back(char(h.mflags[2]));
}

void DecodeHeader(const char* p, Header& h) {
  h.ver = GetU16(p + 8);
  h.port = GetU16(p + 10);
  h.type = GetU16(p + 12);
  h.current_epoch = GetU64(p + 16);
  h.config_epoch = GetU64(p + 24);
  h.offset = GetU64(p + 32);
  h.sender.assign(p + 40, kNameLen);
  std::memcpy(h.myslots.data(), p + 80, kSlotBitmapBytes);
  if (AllZero(p + 2128, kNameLen)) {
    h.slaveof.clear();
  } else {
    h.slaveof.assign(p + 2128, kNameLen);
  }
  h.myip = GetCString(p + 2168, kIpLen);
  h.pport = GetU16(p + 2246);
  h.cport = GetU16(p + 2248);
  h.flags = GetU16(p + 2250);
  h.state = uint8_t(p[2252]);
  h.mflags = {uint8_t(p[2253]), uint8_t(p[2254]), uint8_t(p[2255])};
}

}  // namespace

std::string_view MsgTypeName(int type) {
  if (type < 0 || type >= kMsgTypeCount) return "unknown";
  return kTypeNames[type];
}

int CountSlots(const SlotBitmap& b) {
  int n = 0;
  for (uint8_t byte : b) n += __builtin_popcount(byte);
  return n;
}

PingExt HostnameExt(std::string_view hostname) {
  PingExt ext;
  ext.type = kExtHostname;
  size_t padded = (hostname.size() + 1 + 7) & ~size_t{7};
  ext.body.assign(hostname);
  ext.body.resize(padded, '\0');
  return ext;
}

std::string ExtHostname(const PingExt& ext) { return GetCString(ext.body.data(), ext.body.size()); }

std::string Encode(const Message& msg) {
  const Header& h = msg.hdr;
  std::string out;
  bool ping = IsPingType(h.type);
  uint16_t count = ping ? uint16_t(msg.gossip.size()) : 0;
  uint16_t exts = ping ? uint16_t(msg.extensions.size()) : 0;
  out.reserve(kHeaderSize + count * kGossipSize + 64);
  EncodeHeader(out, h, count, exts, exts > 0);
  switch (h.type) {
    case kMsgPing:
    case kMsgPong:
    case kMsgMeet:
      for (size_t i = 0; i < count; i++) {
        const GossipEntry& g = msg.gossip[i];
        PutFixed(out, g.node_name, kNameLen);
        PutU32(out, g.ping_sent);
        PutU32(out, g.pong_received);
        PutCString(out, g.ip, kIpLen);
        PutU16(out, g.port);
        PutU16(out, g.cport);
        PutU16(out, g.flags);
        PutU16(out, g.pport);
        PutU16(out, 0);
      }
      for (size_t i = 0; i < exts; i++) {
        const PingExt& e = msg.extensions[i];
        // Bodies are padded to a multiple of 8 so receivers accept them.
        size_t body = (e.body.size() + 7) & ~size_t{7};
        PutU32(out, uint32_t(8 + body));
        PutU16(out, e.type);
        PutU16(out, 0);
        PutFixed(out, e.body, body);
      }
      break;
    case kMsgFail:
      PutFixed(out, msg.fail_node, kNameLen);
      break;
    case kMsgPublish:
    case kMsgPublishShard:
      PutU32(out, uint32_t(msg.channel.size()));
      PutU32(out, uint32_t(msg.message.size()));
      out.append(msg.channel);
      out.append(msg.message);
      break;
    case kMsgUpdate:
      PutU64(out, msg.update_config_epoch);
      PutFixed(out, msg.update_node, kNameLen);
      out.append(reinterpret_cast<const char*>(msg.update_slots.data()), kSlotBitmapBytes);
      break;
    case kMsgModule:
      out.append(reinterpret_cast<const char*>(msg.module_id.data()), 8);
      PutU32(out, uint32_t(msg.module_payload.size()));
      out.push_back(char(msg.module_type));
      out.append(msg.module_payload);
      break;
    default:  // AUTH_REQUEST, AUTH_ACK, MFSTART, unknown: header only
      break;
  }
  uint32_t totlen = uint32_t(out.size());
  for (int i = 0; i < 4; i++) out[4 + i] = char((totlen >> (24 - 8 * i)) & 0xff);
  return out;
}

base::Result<size_t> PacketLength(std::string_view buf) {
  if (buf.size() < 8) return size_t{0};
  uint32_t totlen = GetU32(buf.data() + 4);
  if (std::memcmp(buf.data(), "RCmb", 4) != 0 || totlen < kHeaderSize || totlen > kMaxPacketLen) {
    return base::Result<size_t>::Error(
        "Bad message length or signature received from Cluster bus.");
  }
  return size_t{totlen};
}

base::Result<Message> Decode(std::string_view packet) {
  using R = base::Result<Message>;
  const size_t size = packet.size();
  if (size < kHeaderSize) return R::Error("packet shorter than the header");
  const char* p = packet.data();
  if (std::memcmp(p, "RCmb", 4) != 0) return R::Error("bad signature");
  const uint64_t totlen = GetU32(p + 4);
  if (totlen != size) return R::Error("totlen does not match the packet size");
  Message msg;
  DecodeHeader(p, msg.hdr);
  if (msg.hdr.ver != kProtoVer) return R::Error("unsupported protocol version");
  const uint16_t type = msg.hdr.type;
  const uint16_t count = GetU16(p + 14);
  const uint16_t exts = GetU16(p + 2214);
  auto bad_len = [&]() {
    return R::Error("Received invalid " + std::string(MsgTypeName(type)) + " packet of length " +
                    std::to_string(totlen));
  };
  uint64_t explen = kHeaderSize;
  switch (type) {
    case kMsgPing:
    case kMsgPong:
    case kMsgMeet: {
      explen += uint64_t{kGossipSize} * count;
      if (explen > totlen) return bad_len();
      for (uint16_t i = 0; i < count; i++) {
        const char* g = p + kHeaderSize + size_t(i) * kGossipSize;
        GossipEntry e;
        e.node_name.assign(g, kNameLen);
        e.ping_sent = GetU32(g + 40);
        e.pong_received = GetU32(g + 44);
        e.ip = GetCString(g + 48, kIpLen);
        e.port = GetU16(g + 94);
        e.cport = GetU16(g + 96);
        e.flags = GetU16(g + 98);
        e.pport = GetU16(g + 100);
        msg.gossip.push_back(std::move(e));
      }
      // Extensions are walked only with EXT_DATA (as clusterIsValidPacket);
      // without the flag any trailing bytes make the length check fail.
      if (msg.hdr.mflags[0] & kMsgFlagExtData) {
        for (uint16_t i = 0; i < exts; i++) {
          if (totlen - explen < 8) return bad_len();
          const char* x = p + explen;
          uint32_t extlen = GetU32(x);
          // Redis accepts length 0 (a multiple of 8) and then re-reads the same
          // record; we reject records shorter than their own header.
          if (extlen % 8 != 0 || extlen < 8 || extlen > 0xffff) return bad_len();
          if (totlen - explen < extlen) return bad_len();
          PingExt ext;
          ext.type = GetU16(x + 4);
          ext.body.assign(x + 8, extlen - 8);
          msg.extensions.push_back(std::move(ext));
          explen += extlen;
        }
      }
      break;
    }
    case kMsgFail:
      explen = kFailLen;
      if (explen == totlen) msg.fail_node.assign(p + kHeaderSize, kNameLen);
      break;
    case kMsgPublish:
    case kMsgPublishShard: {
      if (totlen < kHeaderSize + 8) return bad_len();
      uint64_t clen = GetU32(p + kHeaderSize);
      uint64_t mlen = GetU32(p + kHeaderSize + 4);
      explen = kHeaderSize + 8 + clen + mlen;
      if (explen == totlen) {
        msg.channel.assign(p + kHeaderSize + 8, clen);
        msg.message.assign(p + kHeaderSize + 8 + clen, mlen);
      }
      break;
    }
    case kMsgAuthRequest:
    case kMsgAuthAck:
    case kMsgMfStart:
      explen = kHeaderSize;
      break;
    case kMsgUpdate:
      explen = kUpdateLen;
      if (explen == totlen) {
        msg.update_config_epoch = GetU64(p + kHeaderSize);
        msg.update_node.assign(p + kHeaderSize + 8, kNameLen);
        std::memcpy(msg.update_slots.data(), p + kHeaderSize + 8 + kNameLen, kSlotBitmapBytes);
      }
      break;
    case kMsgModule: {
      if (totlen < kHeaderSize + 13) return bad_len();
      uint64_t len = GetU32(p + kHeaderSize + 8);
      explen = kHeaderSize + 13 + len;
      if (explen == totlen) {
        std::memcpy(msg.module_id.data(), p + kHeaderSize, 8);
        msg.module_type = uint8_t(p[kHeaderSize + 12]);
        msg.module_payload.assign(p + kHeaderSize + 13, len);
      }
      break;
    }
    default:  // unknown types: accepted as-is, ignored by the receiver
      explen = totlen;
      break;
  }
  if (explen != totlen) return bad_len();
  return msg;
}

}  // namespace node::cluster
