// node/persist/repl_checkpoint.cc -- see repl_checkpoint.h.

#include "node/persist/repl_checkpoint.h"

#include <fcntl.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>

#include "node/persist/crc64.h"

namespace node::persist {
namespace {

// "shoal-repl-position 1 <replid> <offset> <seq> <size> <crc>\n", numbers
// zero-padded to 20 digits and the CRC-64 of everything before it in 16
// hex digits, so every record has the same length and a torn write shows.
constexpr const char* kMagic = "shoal-repl-position 1 ";
constexpr size_t kRecordSize = 22 + 40 + 1 + 20 + 1 + 20 + 1 + 20 + 1 + 16 + 1;

bool IsHex40(std::string_view s) {
  if (s.size() != 40) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

std::string EncodeReplPosition(const ReplPosition& p) {
  if (!IsHex40(p.replid) || p.offset < 0 || p.incr_seq < 0 || p.incr_size < 0) return "";
  char nums[80];
  std::snprintf(nums, sizeof nums, " %020" PRId64 " %020" PRId64 " %020" PRId64 " ", p.offset,
                p.incr_seq, p.incr_size);
  std::string body = std::string(kMagic) + p.replid + nums;
  char crc[20];
  std::snprintf(crc, sizeof crc, "%016" PRIx64 "\n", Crc64(0, body));
  return body + crc;
}

std::optional<ReplPosition> DecodeReplPosition(std::string_view record) {
  if (record.size() != kRecordSize || record.substr(0, 22) != kMagic || record.back() != '\n')
    return std::nullopt;
  std::string_view body = record.substr(0, kRecordSize - 17);
  char crc[20];
  std::snprintf(crc, sizeof crc, "%016" PRIx64, Crc64(0, body));
  if (record.substr(kRecordSize - 17, 16) != crc) return std::nullopt;
  ReplPosition p;
  p.replid = std::string(record.substr(22, 40));
  if (!IsHex40(p.replid)) return std::nullopt;
  // Zero-padded decimal (19 digits at most are used: every value fits int64).
  auto num = [&](size_t at, int64_t* out) {
    std::string_view d = record.substr(at, 20);
    if (d[0] != '0') return false;
    int64_t v = 0;
    for (char c : d.substr(1)) {
      if (c < '0' || c > '9' || v > (INT64_MAX - 9) / 10) return false;
      v = v * 10 + (c - '0');
    }
    *out = v;
    return true;
  };
  if (!num(63, &p.offset) || !num(84, &p.incr_seq) || !num(105, &p.incr_size)) return std::nullopt;
  return p;
}

ReplCheckpoint::~ReplCheckpoint() { Close(); }

bool ReplCheckpoint::Open(const std::string& path) {
  Close();
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  return fd_ >= 0;
}

void ReplCheckpoint::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  last_.clear();
}

void ReplCheckpoint::Write(const ReplPosition& p) {
  if (fd_ < 0) return;
  std::string rec = EncodeReplPosition(p);
  if (rec.empty() || rec == last_) return;
  if (::pwrite(fd_, rec.data(), rec.size(), 0) == static_cast<ssize_t>(rec.size())) {
    last_ = std::move(rec);
  } else {
    last_.clear();
  }
}

std::optional<ReplPosition> ReplCheckpoint::Read(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char buf[kRecordSize + 1];
  ssize_t n = ::pread(fd, buf, sizeof buf, 0);
  ::close(fd);
  if (n != static_cast<ssize_t>(kRecordSize)) return std::nullopt;
  return DecodeReplPosition(std::string_view(buf, kRecordSize));
}

}  // namespace node::persist
