// node/cluster/nodes_conf.cc
//
// nodes.conf / CLUSTER NODES text (see nodes_conf.h). Pure text code plus the
// POSIX file writers (temp + rename, and the in-place rewrite a full disk
// falls back to); engine thread.

#include "node/cluster/nodes_conf.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <unordered_set>

#include "node/base/strings.h"
#include "node/cluster/bus_message.h"

namespace node::cluster {

namespace {

struct FlagName {
  uint16_t bit;
  const char* name;
};
// Printing order is fixed (clusterGenNodeDescription).
constexpr FlagName kFlagNames[] = {{kNodeMyself, "myself"}, {kNodeMaster, "master"},
                                   {kNodeSlave, "slave"},   {kNodePfail, "fail?"},
                                   {kNodeFail, "fail"},     {kNodeHandshake, "handshake"},
                                   {kNodeNoAddr, "noaddr"}, {kNodeNoFailover, "nofailover"}};

std::vector<std::string_view> SplitSpaces(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) i++;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') i++;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

std::optional<int> ParseSlot(std::string_view s) {
  auto v = base::ParseInt64(s);
  if (!v || *v < 0 || *v >= kSlots) return std::nullopt;
  return int(*v);
}

std::optional<int> ParsePort(std::string_view s) {
  auto v = base::ParseInt64(s);
  if (!v || *v < 0 || *v > 65535) return std::nullopt;
  return int(*v);
}

// "ip:port[@cport][,hostname]"
base::Status ParseAddress(std::string_view a, NodeLine& n) {
  size_t comma = a.find(',');
  if (comma != std::string_view::npos) {
    n.hostname = std::string(a.substr(comma + 1));
    a = a.substr(0, comma);
  }
  size_t colon = a.rfind(':');
  if (colon == std::string_view::npos) return base::Status::Error("address without port");
  n.ip = std::string(a.substr(0, colon));
  std::string_view ports = a.substr(colon + 1);
  size_t at = ports.find('@');
  auto port = ParsePort(ports.substr(0, at));
  if (!port) return base::Status::Error("bad port");
  n.port = *port;
  if (at == std::string_view::npos) {
    n.cport = n.port + kPortIncr;
  } else {
    auto cport = ParsePort(ports.substr(at + 1));
    if (!cport) return base::Status::Error("bad cluster bus port");
    n.cport = *cport;
  }
  return base::Status::Ok();
}

base::Status ParseFlags(std::string_view s, uint16_t& flags) {
  flags = 0;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(',', start);
    if (end == std::string_view::npos) end = s.size();
    std::string_view word = s.substr(start, end - start);
    bool found = false;
    if (base::EqualsIgnoreCase(word, "noflags")) {
      found = true;
    } else {
      for (const FlagName& f : kFlagNames) {
        if (base::EqualsIgnoreCase(word, f.name)) {
          flags |= f.bit;
          found = true;
        }
      }
    }
    if (!found) return base::Status::Error("unknown flag '" + std::string(word) + "'");
    start = end + 1;
  }
  return base::Status::Ok();
}

base::Status ParseSlotToken(std::string_view t, NodeLine& n) {
  if (!t.empty() && t.front() == '[') {
    // [N->-ID] migrating to ID, [N-<-ID] importing from ID.
    if (t.size() < 2 || t.back() != ']') return base::Status::Error("bad open slot");
    std::string_view body = t.substr(1, t.size() - 2);
    size_t dash = body.find('-');
    if (dash == std::string_view::npos || dash + 2 >= body.size())
      return base::Status::Error("bad open slot");
    auto slot = ParseSlot(body.substr(0, dash));
    if (!slot) return base::Status::Error("bad slot number");
    char dir = body[dash + 1];
    if ((dir != '>' && dir != '<') || body[dash + 2] != '-')
      return base::Status::Error("bad open slot");
    std::string id(body.substr(dash + 3));
    if (!IsValidNodeId(id)) return base::Status::Error("bad node id in open slot");
    n.open_slots.push_back({*slot, dir == '>', std::move(id)});
    return base::Status::Ok();
  }
  size_t dash = t.find('-');
  auto start = ParseSlot(t.substr(0, dash));
  auto stop = dash == std::string_view::npos ? start : ParseSlot(t.substr(dash + 1));
  if (!start || !stop || *start > *stop) return base::Status::Error("bad slot range");
  n.slot_ranges.emplace_back(*start, *stop);
  return base::Status::Ok();
}

base::Status ParseNodeLine(const std::vector<std::string_view>& f, NodeLine& n) {
  if (f.size() < 8) return base::Status::Error("node line with fewer than 8 fields");
  if (!IsValidNodeId(f[0])) return base::Status::Error("invalid node id");
  n.id = std::string(f[0]);
  if (auto s = ParseAddress(f[1], n); !s) return s;
  if (auto s = ParseFlags(f[2], n.flags); !s) return s;
  if (f[3] != "-") {
    if (!IsValidNodeId(f[3])) return base::Status::Error("invalid master id");
    n.master_id = std::string(f[3]);
  }
  auto ping = base::ParseInt64(f[4]);
  auto pong = base::ParseInt64(f[5]);
  auto epoch = base::ParseUint64(f[6]);
  if (!ping || !pong || !epoch) return base::Status::Error("bad number");
  n.ping_sent = *ping;
  n.pong_received = *pong;
  n.config_epoch = *epoch;
  n.connected = f[7] == "connected";
  for (size_t i = 8; i < f.size(); i++) {
    if (auto s = ParseSlotToken(f[i], n); !s) return s;
  }
  return base::Status::Ok();
}

}  // namespace

bool IsValidNodeId(std::string_view id) {
  if (id.size() != kNameLen) return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

std::string FormatNodeFlags(uint16_t flags) {
  std::string out;
  for (const FlagName& f : kFlagNames) {
    if (!(flags & f.bit)) continue;
    if (!out.empty()) out.push_back(',');
    out += f.name;
  }
  return out.empty() ? "noflags" : out;
}

std::string FormatNodeLine(const NodeLine& n) {
  std::string out;
  out.reserve(160);
  out += n.id;
  out += ' ';
  out += n.ip;
  out += ':';
  base::AppendInt64(out, n.port);
  out += '@';
  base::AppendInt64(out, n.cport);
  if (!n.hostname.empty()) {
    out += ',';
    out += n.hostname;
  }
  out += ' ';
  out += FormatNodeFlags(n.flags);
  out += ' ';
  out += n.master_id.empty() ? "-" : n.master_id;
  out += ' ';
  base::AppendInt64(out, n.ping_sent);
  out += ' ';
  base::AppendInt64(out, n.pong_received);
  out += ' ';
  out += std::to_string(n.config_epoch);
  out += n.connected ? " connected" : " disconnected";
  for (const auto& [a, b] : n.slot_ranges) {
    out += ' ';
    base::AppendInt64(out, a);
    if (b != a) {
      out += '-';
      base::AppendInt64(out, b);
    }
  }
  for (const auto& o : n.open_slots) {
    out += " [";
    base::AppendInt64(out, o.slot);
    out += o.migrating ? "->-" : "-<-";
    out += o.id;
    out += ']';
  }
  return out;
}

std::string FormatNodesConf(const NodesConf& conf) {
  std::string out;
  for (const NodeLine& n : conf.nodes) {
    out += FormatNodeLine(n);
    out += '\n';
  }
  out += "vars currentEpoch " + std::to_string(conf.current_epoch) + " lastVoteEpoch " +
         std::to_string(conf.last_vote_epoch) + "\n";
  return out;
}

base::Result<NodesConf> ParseNodesConf(std::string_view text) {
  NodesConf conf;
  int line_no = 0;
  int myself_count = 0;
  std::unordered_set<std::string> ids;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    line_no++;
    auto fields = SplitSpaces(line);
    if (fields.empty()) continue;  // blank lines (padding after a crash) are skipped
    auto fail = [&](const std::string& why) {
      return base::Result<NodesConf>::Error(
          "Unrecoverable error: corrupted cluster config file "
          "at line " +
          std::to_string(line_no) + ": " + why);
    };
    if (fields[0] == "vars") {
      if (fields.size() % 2 != 1) return fail("vars line with an odd number of arguments");
      for (size_t i = 1; i + 1 < fields.size(); i += 2) {
        auto v = base::ParseUint64(fields[i + 1]);
        if (base::EqualsIgnoreCase(fields[i], "currentEpoch")) {
          if (!v) return fail("bad currentEpoch");
          conf.current_epoch = *v;
        } else if (base::EqualsIgnoreCase(fields[i], "lastVoteEpoch")) {
          if (!v) return fail("bad lastVoteEpoch");
          conf.last_vote_epoch = *v;
        }  // unknown vars are ignored, as Redis does (it logs them)
      }
      continue;
    }
    NodeLine n;
    if (auto s = ParseNodeLine(fields, n); !s) return fail(s.message());
    // A second line for the same node would overwrite the first one's flags
    // on load (myself could lose its flag and the node save a file it cannot
    // load again): a duplicated id is corruption.
    if (!ids.insert(n.id).second) return fail("node " + n.id + " is listed twice");
    if (n.flags & kNodeMyself) myself_count++;
    conf.nodes.push_back(std::move(n));
  }
  if (conf.nodes.empty()) return conf;  // empty file: caller creates a fresh node
  if (myself_count != 1) {
    return base::Result<NodesConf>::Error(
        "Unrecoverable error: corrupted cluster config file: expected exactly one 'myself' node");
  }
  for (const NodeLine& n : conf.nodes) {
    if (n.config_epoch > conf.current_epoch) conf.current_epoch = n.config_epoch;
  }
  return conf;
}

namespace {

// write() until done or a real error (EINTR retried). pwrite at `offset`.
bool WriteAllAt(int fd, std::string_view data, off_t offset) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t w = ::pwrite(fd, data.data() + done, data.size() - done, offset + off_t(done));
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (w == 0) {
      errno = EIO;
      return false;
    }
    done += size_t(w);
  }
  return true;
}

bool IsDiskFull(int e) { return e == ENOSPC || e == EDQUOT; }

}  // namespace

base::Status RewriteFileInPlace(const std::string& path, std::string_view content, bool do_fsync) {
  auto err = [&](const std::string& what) {
    return base::Status::Error("error saving " + path + " in place: " + what + ": " +
                               std::strerror(errno));
  };
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return err("open");
  struct stat sb;
  if (::fstat(fd, &sb) != 0) {
    auto s = err("fstat");
    ::close(fd);
    return s;
  }
  const size_t old_size = sb.st_size > 0 ? size_t(sb.st_size) : 0;
  if (content.size() > old_size) {
    // Growing needs new blocks: reserve them all before the first byte
    // changes, so a full disk fails here with the old file intact rather
    // than halfway through the write with a torn one.
    int rc = ::posix_fallocate(fd, 0, off_t(content.size()));
    if (rc != 0) {
      errno = rc;
      auto s = err("fallocate");
      ::close(fd);
      return s;
    }
  }
  // Shorter content is padded with newlines to the old length (the loader
  // skips blank lines), so the write only overwrites blocks the file already
  // has; the padding is cut off afterwards.
  std::string padded;
  std::string_view out = content;
  if (content.size() < old_size) {
    padded.reserve(old_size);
    padded.append(content);
    padded.append(old_size - content.size(), '\n');
    out = padded;
  }
  if (!WriteAllAt(fd, out, 0)) {
    auto s = err("write");
    ::close(fd);
    return s;
  }
  if (do_fsync && ::fsync(fd) != 0) {
    auto s = err("fsync");
    ::close(fd);
    return s;
  }
  if (out.size() != content.size() && ::ftruncate(fd, off_t(content.size())) != 0) {
    // Not fatal: the trailing newlines are blank lines to the loader.
  }
  ::close(fd);
  return base::Status::Ok();
}

base::Status SaveFileAtomically(const std::string& path, std::string_view content, bool do_fsync,
                                bool* saved_in_place) {
  if (saved_in_place) *saved_in_place = false;
  auto err = [&](const std::string& what) {
    return base::Status::Error("error saving " + path + ": " + what + ": " + std::strerror(errno));
  };
  // A full disk (ENOSPC, EDQUOT) fails the temp file, which needs new blocks;
  // the in-place rewrite reuses the old file's blocks. The temp file is gone
  // before the retry so its partial blocks are free again.
  auto in_place = [&](base::Status temp_error) {
    auto st = RewriteFileInPlace(path, content, do_fsync);
    if (!st.ok()) {
      return base::Status::Error(temp_error.message() + "; " + st.message());
    }
    if (saved_in_place) *saved_in_place = true;
    return st;
  };
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    bool full = IsDiskFull(errno);
    auto s = err("open");
    return full ? in_place(s) : s;
  }
  if (!WriteAllAt(fd, content, 0)) {
    bool full = IsDiskFull(errno);
    auto s = err("write");
    ::close(fd);
    ::unlink(tmp.c_str());
    return full ? in_place(s) : s;
  }
  if (do_fsync && ::fsync(fd) != 0) {
    bool full = IsDiskFull(errno);
    auto s = err("fsync");
    ::close(fd);
    ::unlink(tmp.c_str());
    return full ? in_place(s) : s;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    bool full = IsDiskFull(errno);
    auto s = err("rename");
    ::unlink(tmp.c_str());
    return full ? in_place(s) : s;
  }
  int dfd = do_fsync ? ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return base::Status::Ok();
}

}  // namespace node::cluster
