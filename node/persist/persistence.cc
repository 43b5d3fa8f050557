// node/persist/persistence.cc -- see persistence.h.

#include "node/persist/persistence.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <memory>

#include "node/base/clock.h"
#include "node/base/log.h"
#include "node/base/strings.h"
#include "node/persist/snapshot.h"

namespace node::persist {

namespace {

std::map<const commands::Engine*, Persistence*>& Instances() {
  static std::map<const commands::Engine*, Persistence*> m;
  return m;
}

std::string ErrnoText() { return std::strerror(errno); }

// entrypoint/supervisor/exit_codes.h kExitFatal (node/ cannot include it).
constexpr int kExitFatalRuntime = 3;

int64_t NowSec() { return base::UnixMs() / 1000; }

bool WriteAllFd(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Child side: writes via `produce` into `tmp`, fsyncs, closes. Returns false
// on any failure (the file is then removed).
bool ChildWriteFile(
    const std::string& tmp,
    const std::function<base::Status(const std::function<base::Status(std::string_view)>&)>&
        produce) {
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  base::Status st = produce([fd](std::string_view chunk) {
    return WriteAllFd(fd, chunk) ? base::Status::Ok() : base::Status::Error(ErrnoText());
  });
  bool ok = st.ok() && ::fsync(fd) == 0;
  ok = ::close(fd) == 0 && ok;
  if (!ok) ::unlink(tmp.c_str());
  return ok;
}

void FsyncDir(const std::string& dir) {
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

uint64_t FileSize(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<uint64_t>(st.st_size);
}

}  // namespace

Persistence::Persistence(commands::Engine& engine, config::Config& cfg)
    : engine_(engine), cfg_(cfg) {
  Instances()[&engine_] = this;
  engine_.stats.last_save_time = NowSec();
  engine_.info_sections["persistence"] = [this] { return InfoSection(); };
  cfg_.OnChange("appendonly", [this] {
    if (cfg_.s.appendonly && aof_state_ == AofState::kOff) StartAofAtRuntime();
    if (!cfg_.s.appendonly && aof_state_ != AofState::kOff) StopAofAtRuntime();
  });
}

Persistence::~Persistence() {
  CloseIncr();
  engine_.info_sections.erase("persistence");
  Instances().erase(&engine_);
}

Persistence* Persistence::Of(const commands::Engine& engine) {
  auto it = Instances().find(&engine);
  return it == Instances().end() ? nullptr : it->second;
}

std::string Persistence::Dir() const {
  const std::string& d = cfg_.s.dir;
  if (d.empty()) return "";
  struct stat a, b;
  if (::stat(d.c_str(), &a) == 0 && ::stat(".", &b) == 0 && a.st_dev == b.st_dev &&
      a.st_ino == b.st_ino) {
    return "";
  }
  return d;
}

std::string Persistence::rdb_path() const { return JoinPath(Dir(), cfg_.s.dbfilename); }

AofPaths Persistence::aof_paths() const {
  return AofPathsFrom(Dir(), cfg_.s.appenddirname, cfg_.s.appendfilename);
}

// --- Startup -------------------------------------------------------------------

base::Status Persistence::LoadAtStartup(const ReplayFn& replay) {
  loading_ = true;
  int64_t start = base::MonoMs();
  base::Status st = cfg_.s.appendonly ? LoadAofAtStartup(replay) : LoadRdbAtStartup();
  loading_ = false;
  engine_.stats.dirty = 0;
  engine_.stats.last_save_time = NowSec();
  if (st.ok()) {
    LOG_INFO("{} loaded from disk: {:.3f} seconds", cfg_.s.appendonly ? "AOF" : "DB",
             static_cast<double>(base::MonoMs() - start) / 1000.0);
  }
  return st;
}

base::Status Persistence::LoadRdbAtStartup() {
  std::string path = rdb_path();
  if (::access(path.c_str(), F_OK) != 0) return base::Status::Ok();
  auto bytes = ReadWholeFile(path);
  if (!bytes) return base::Status::Error("Fatal error loading the DB: " + bytes.error());
  auto r = LoadSnapshot(engine_, *bytes, SnapshotLoadOptionsFrom(cfg_.s, engine_.role_replica));
  if (!r) {
    return base::Status::Error("Fatal error loading the DB " + path + ": " + r.error() +
                               ". Exiting.");
  }
  last_load_keys_loaded_ = r->keys_loaded;
  last_load_keys_expired_ = r->keys_expired;
  if (auto off = base::ParseInt64(r->Aux("repl-offset")); off && !r->Aux("repl-id").empty()) {
    loaded_repl_id_ = r->Aux("repl-id");
    loaded_repl_offset_ = *off;
  }
  LOG_INFO("Done loading RDB, keys loaded: {}, keys expired: {}.", r->keys_loaded, r->keys_expired);
  return base::Status::Ok();
}

base::Status Persistence::LoadAofAtStartup(const ReplayFn& replay) {
  AofPaths paths = aof_paths();
  if (::mkdir(paths.dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return base::Status::Error("Can't create the append-only directory " + paths.dir + ": " +
                               ErrnoText());
  }
  AofLoadOptions o;
  o.load_truncated = cfg_.s.aof_load_truncated;
  o.drop_expired = !engine_.role_replica;
  auto lo = SnapshotLoadOptionsFrom(cfg_.s, engine_.role_replica);
  o.load_lru = lo.load_lru;
  o.load_lfu = lo.load_lfu;
  o.enc = lo.enc;
  auto r = LoadAof(engine_, paths, replay, o);
  if (!r) return r.status();
  if (!r->exists) {
    base::Status st = CreateFreshAof();
    if (st.ok()) aof_state_ = AofState::kOn;
    return st;
  }
  manifest_ = r->manifest;
  aof_base_size_ = r->total_size;
  aof_current_size_ = r->total_size;
  last_load_keys_loaded_ = r->keys_loaded;
  base::Status st;
  if (!manifest_.incrs.empty()) {
    // A position recorded at exactly the loaded size of this incr file is
    // where the data stands in the replication stream (after kill -9 too).
    // Read before OpenIncr, which records the position anew.
    auto pos = ReplCheckpoint::Read(JoinPath(Dir(), kReplCheckpointName));
    st = OpenIncr(manifest_.incrs.back().seq, false);
    if (st.ok() && pos && pos->incr_seq == aof_incr_seq_ &&
        static_cast<uint64_t>(pos->incr_size) == aof_incr_size_) {
      loaded_repl_id_ = pos->replid;
      loaded_repl_offset_ = pos->offset;
      LOG_INFO("AOF replication position: {} offset {}", pos->replid, pos->offset);
    }
  } else {
    int64_t seq = 1;
    for (auto& h : manifest_.history) {
      if (h.type == 'i') seq = std::max(seq, h.seq + 1);
    }
    st = OpenIncr(seq, true);
    if (st.ok()) {
      manifest_.incrs.push_back({AofIncrName(cfg_.s.appendfilename, seq), seq, 'i'});
      st = PersistManifest();
    }
  }
  if (st.ok()) aof_state_ = AofState::kOn;
  return st;
}

// --- AOF files -------------------------------------------------------------------

base::Status Persistence::OpenIncr(int64_t seq, bool create) {
  CloseIncr();
  AofPaths p = aof_paths();
  std::string name = AofIncrName(cfg_.s.appendfilename, seq);
  std::string path = p.path(name);
  int flags = O_WRONLY | O_APPEND | O_CLOEXEC | O_CREAT;
  if (create) flags |= O_TRUNC;
  int fd = ::open(path.c_str(), flags, 0644);
  if (fd < 0)
    return base::Status::Error("Can't open the append-only file " + path + ": " + ErrnoText());
  aof_fd_ = fd;
  aof_incr_size_ = FileSize(path);
  aof_incr_seq_ = seq;
  if (repl_ck_.Open(JoinPath(Dir(), kReplCheckpointName))) WriteReplPosition();
  aof_selected_db_ = -1;
  if (create) LOG_INFO("Creating AOF incr file {}", name);
  return base::Status::Ok();
}

void Persistence::CloseIncr() {
  if (aof_fd_ < 0) return;
  if (!aof_buf_.empty() && WriteAllFd(aof_fd_, aof_buf_)) aof_buf_.clear();
  ::fsync(aof_fd_);
  ::close(aof_fd_);
  aof_fd_ = -1;
}

base::Status Persistence::PersistManifest() {
  AofPaths p = aof_paths();
  return WriteFileAtomic(p.manifest_path(), FormatAofManifest(manifest_));
}

// A new base written in-process (empty dataset at first start, or CONFIG SET
// appendonly yes), a fresh incremental file, and the old files dropped.
base::Status Persistence::CreateFreshAof() {
  AofPaths p = aof_paths();
  if (::mkdir(p.dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return base::Status::Error("Can't create the append-only directory " + p.dir + ": " +
                               ErrnoText());
  }
  // Pick sequence numbers after whatever an old manifest used.
  AofManifest old;
  if (auto text = ReadWholeFile(p.manifest_path())) {
    if (auto m = ParseAofManifest(*text)) old = *m;
  }
  int64_t base_seq = 1, incr_seq = 1;
  if (old.base) base_seq = old.base->seq + 1;
  for (auto& f : old.incrs) incr_seq = std::max(incr_seq, f.seq + 1);
  for (auto& f : old.history) {
    if (f.type == 'b') base_seq = std::max(base_seq, f.seq + 1);
    if (f.type == 'i') incr_seq = std::max(incr_seq, f.seq + 1);
  }
  bool rdb = cfg_.s.aof_use_rdb_preamble;
  std::string base_name = AofBaseName(cfg_.s.appendfilename, base_seq, rdb);
  std::string content;
  base::Status st;
  if (rdb) {
    SnapshotOptions so = SnapshotOptionsFrom(cfg_.s);
    so.aof_base = true;
    st = WriteSnapshot(engine_, so, [&](std::string_view c) {
      content.append(c);
      return base::Status::Ok();
    });
  } else {
    st = WriteAofRespBase(engine_, [&](std::string_view c) {
      content.append(c);
      return base::Status::Ok();
    });
  }
  if (st.ok()) st = WriteFileAtomic(p.path(base_name), content);
  if (!st.ok()) return base::Status::Error("Can't create the AOF base file: " + st.message());
  LOG_INFO("Creating AOF base file {} on server start", base_name);
  st = OpenIncr(incr_seq, true);
  if (!st.ok()) return st;
  manifest_ = AofManifest{};
  manifest_.base = AofFileInfo{base_name, base_seq, 'b'};
  manifest_.incrs.push_back({AofIncrName(cfg_.s.appendfilename, incr_seq), incr_seq, 'i'});
  st = PersistManifest();
  if (!st.ok()) return st;
  // Files of the old manifest are history now.
  std::vector<AofFileInfo> gone = old.history;
  if (old.base) gone.push_back(*old.base);
  for (auto& f : old.incrs) gone.push_back(f);
  for (auto& f : gone) {
    if (f.name != base_name && f.name != manifest_.incrs.back().name) {
      ::unlink(p.path(f.name).c_str());
    }
  }
  aof_base_size_ = content.size();
  aof_current_size_ = content.size();
  return base::Status::Ok();
}

void Persistence::Feed(int db, std::span<const std::string_view> args) {
  if (aof_state_ == AofState::kOff || loading_ || args.empty()) return;
  if (db >= 0 && db != aof_selected_db_) {  // db -1: MULTI/EXEC, no SELECT
    std::string n = std::to_string(db);
    std::string_view sel[] = {"SELECT", n};
    AppendRespCommand(&aof_buf_, sel);
    aof_selected_db_ = db;
  }
  AppendRespCommand(&aof_buf_, args);
}

// An AOF write error, as Redis 7.0's flushAppendOnlyFile handles it:
//  - a partial write is cut off again (ftruncate to the size before it), so
//    the file never ends in half a command and the whole buffer is retried;
//  - appendfsync always: the replies of this iteration are still unsent, and
//    the changes cannot be rolled back, so the node exits rather than
//    acknowledge a write that is not on disk;
//  - everysec / no: the buffer is kept and retried (every call and every cron
//    tick); aof_last_write_status is err and writes (and PING) get -MISCONF
//    until a write succeeds again.
void Persistence::FlushBeforeReplies() {
  if (aof_fd_ < 0 || aof_state_ == AofState::kOff) return;
  if (!aof_buf_.empty()) {
    std::string_view rest = aof_buf_;
    int err = 0;
    while (!rest.empty()) {
      ssize_t n = ::write(aof_fd_, rest.data(), rest.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        err = errno;
        break;
      }
      if (n == 0) {  // cannot happen for a regular file; never spin on it
        err = ENOSPC;
        break;
      }
      rest.remove_prefix(static_cast<size_t>(n));
    }
    size_t written = aof_buf_.size() - rest.size();
    if (err != 0 && written > 0) {
      if (::ftruncate(aof_fd_, static_cast<off_t>(aof_incr_size_)) == 0) {
        written = 0;
      } else {
        LOG_WARN(
            "Could not remove short write from the append-only file. The AOF may need "
            "aof-load-truncated on the next start. ftruncate: {}",
            ErrnoText());
      }
    }
    aof_incr_size_ += written;
    aof_current_size_ += written;
    aof_buf_.erase(0, written);
    if (err != 0) {
      if (aof_last_write_ok_) LOG_WARN("Error writing to the AOF file: {}", std::strerror(err));
      engine_.aof_last_write_errno = static_cast<uint64_t>(err);
      if (cfg_.s.appendfsync == config::Appendfsync::kAlways) {
        ExitOnAofError(
            "Can't recover from AOF write error when the AOF fsync policy is 'always'. "
            "Exiting...");
      }
      aof_last_write_ok_ = false;
      return;
    }
    if (!aof_last_write_ok_) LOG_WARN("AOF write error looks solved, Redis can write again.");
    aof_last_write_ok_ = true;
    aof_fsync_pending_ = true;
    WriteReplPosition();
  }
  if (aof_fsync_pending_ && cfg_.s.appendfsync == config::Appendfsync::kAlways) FsyncAof();
}

void Persistence::FsyncAof() {
  if (aof_fd_ < 0) return;
  if (::fdatasync(aof_fd_) != 0) {
    int err = errno;
    if (cfg_.s.appendfsync == config::Appendfsync::kAlways) {
      ExitOnAofError(std::string("Can't persist append only file to disk: ") + std::strerror(err) +
                     ". Exiting...");
    }
    // Redis's bio fsync error: writes are refused until an fsync succeeds.
    if (aof_last_fsync_ok_) LOG_WARN("Can't fsync the AOF file: {}", std::strerror(err));
    aof_last_fsync_ok_ = false;
    engine_.aof_last_write_errno = static_cast<uint64_t>(err);
    return;
  }
  aof_last_fsync_ok_ = true;
  aof_fsync_pending_ = false;
  aof_last_fsync_ms_ = base::MonoMs();
}

void Persistence::ExitOnAofError(const std::string& why) {
  LOG_WARN("{}", why);
  // Children die with us (a rewrite child's temp file is not the AOF).
  if (child_pid_ > 0) ::kill(child_pid_, SIGUSR1);
  spdlog::default_logger()->flush();
  // Exit code 3: fatal runtime error after a successful start
  // (entrypoint/supervisor/exit_codes.h kExitFatal). No destructors: other
  // threads still run, and nothing may reach a client any more.
  ::_exit(kExitFatalRuntime);
}

void Persistence::StartAofAtRuntime() {
  if (child_type_ == ChildType::kAof) {
    ::kill(child_pid_, SIGUSR1);
    WaitForChild();
  }
  base::Status st = CreateFreshAof();
  if (!st.ok()) {
    LOG_WARN("Unable to turn on AOF: {}", st.message());
    cfg_.s.appendonly = false;
    return;
  }
  aof_state_ = AofState::kOn;
  LOG_INFO("AOF enabled: base {} written", manifest_.base ? manifest_.base->name : "");
}

void Persistence::StopAofAtRuntime() {
  FlushBeforeReplies();
  CloseIncr();
  aof_state_ = AofState::kOff;
  aof_buf_.clear();
  LOG_INFO("AOF disabled");
}

// --- Children ----------------------------------------------------------------------

base::Result<pid_t> Persistence::Fork(ChildType type, const std::function<int()>& child_fn) {
  pid_t pid;
  if (hooks_.fork) {
    auto holder = std::make_shared<pid_t>(0);
    auto post = hooks_.post;
    pid = hooks_.fork([this, holder, post](int wait_status) {
      auto done = [this, holder, wait_status] { OnChildExit(*holder, wait_status); };
      if (post) {
        post(done);
      } else {
        done();
      }
    });
    if (pid > 0) *holder = pid;
  } else {
    pid = ::fork();
  }
  if (pid < 0) return base::Status::Error("Can't fork: " + ErrnoText());
  if (pid == 0) {
    // Child: default signal handling (the parent may block or catch them),
    // serialise, and leave without running the parent's destructors.
    sigset_t set;
    sigemptyset(&set);
    for (int sig : {SIGTERM, SIGINT, SIGUSR1, SIGQUIT}) {
      ::signal(sig, SIG_DFL);
      sigaddset(&set, sig);
    }
    ::pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
    ::_exit(child_fn());
  }
  child_pid_ = pid;
  child_type_ = type;
  child_start_ms_ = base::MonoMs();
  return pid;
}

void Persistence::OnChildExit(pid_t pid, int wait_status) {
  if (pid <= 0 || pid != child_pid_) return;
  if (WIFSIGNALED(wait_status)) {
    HandleChildDone(WTERMSIG(wait_status), true);
  } else {
    HandleChildDone(WEXITSTATUS(wait_status), false);
  }
}

void Persistence::CheckChild() {
  if (child_pid_ <= 0 || hooks_.fork) return;
  int status = 0;
  pid_t r = ::waitpid(child_pid_, &status, WNOHANG);
  if (r == 0) return;
  if (r < 0) {
    // Reaped by someone else: we cannot know how it ended.
    LOG_WARN("waitpid() of child {} failed: {}", child_pid_, ErrnoText());
    HandleChildDone(1, false);
    return;
  }
  OnChildExit(child_pid_, status);
}

void Persistence::WaitForChild() {
  if (child_pid_ <= 0) return;
  if (hooks_.fork && !(hooks_.disown && hooks_.disown(child_pid_))) {
    // The reaper already has it; its report is on its way and will be
    // ignored. Count it as stopped on purpose.
    HandleChildDone(SIGUSR1, true);
    return;
  }
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(child_pid_, &status, 0);
  } while (r < 0 && errno == EINTR);
  if (r < 0) {
    HandleChildDone(1, false);
  } else {
    OnChildExit(child_pid_, status);
  }
}

void Persistence::HandleChildDone(int code, bool by_signal) {
  pid_t pid = child_pid_;
  ChildType type = child_type_;
  int64_t elapsed_sec = (base::MonoMs() - child_start_ms_) / 1000;
  child_pid_ = -1;
  child_type_ = ChildType::kNone;
  bool ok = !by_signal && code == 0;
  if (type == ChildType::kRdb) {
    last_bgsave_time_sec_ = elapsed_sec;
    if (ok) {
      LOG_INFO("Background saving terminated with success");
      engine_.stats.dirty = engine_.stats.dirty > dirty_before_bgsave_
                                ? engine_.stats.dirty - dirty_before_bgsave_
                                : 0;
      engine_.stats.last_save_time = NowSec();
      last_bgsave_ok_ = true;
      rdb_saves_++;
    } else {
      if (by_signal) {
        LOG_WARN("Background saving terminated by signal {}", code);
      } else {
        LOG_WARN("Background saving error");
      }
      ::unlink(JoinPath(Dir(), "temp-" + std::to_string(pid) + ".rdb").c_str());
      // A save killed on purpose (SIGUSR1) is not an error, as in Redis.
      if (!(by_signal && code == SIGUSR1)) last_bgsave_ok_ = false;
    }
  } else if (type == ChildType::kAof) {
    aof_last_rewrite_time_sec_ = elapsed_sec;
    if (!ok) ::unlink(child_temp_.c_str());
    AofRewriteDone(ok);
  }
}

// --- RDB ------------------------------------------------------------------------------

void Persistence::WriteReplPosition() {
  if (aof_fd_ < 0 || !aof_buf_.empty() || !aof_last_write_ok_ || !repl_info_) return;
  ReplPosition p;
  if (!repl_info_(&p.replid, &p.offset)) return;
  p.incr_seq = aof_incr_seq_;
  p.incr_size = static_cast<int64_t>(aof_incr_size_);
  repl_ck_.Write(p);
}

bool Persistence::LoadedReplInfo(std::string* replid, int64_t* offset) const {
  if (loaded_repl_id_.empty() || loaded_repl_offset_ < 0) return false;
  *replid = loaded_repl_id_;
  *offset = loaded_repl_offset_;
  return true;
}

void Persistence::AddReplInfo(SnapshotOptions& so) const {
  std::string id;
  int64_t off = 0;
  if (!repl_info_ || !repl_info_(&id, &off)) return;
  so.has_repl_info = true;
  so.repl_id = id;
  so.repl_offset = off;
  so.repl_stream_db = 0;
}

base::Status Persistence::Save() {
  if (child_type_ == ChildType::kRdb) {
    return base::Status::Error("ERR Background save already in progress");
  }
  std::string path = rdb_path();
  SnapshotOptions so = SnapshotOptionsFrom(cfg_.s);
  AddReplInfo(so);
  std::string tmp = JoinPath(Dir(), "temp-" + std::to_string(::getpid()) + ".rdb");
  bool ok = ChildWriteFile(tmp, [&](const std::function<base::Status(std::string_view)>& sink) {
    return WriteSnapshot(engine_, so, sink);
  });
  if (ok && ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    ok = false;
  }
  if (!ok) {
    LOG_WARN("Failed saving the DB: {}", ErrnoText());
    last_bgsave_ok_ = false;
    return base::Status::Error("ERR");
  }
  FsyncDir(Dir());
  LOG_INFO("DB saved on disk");
  engine_.stats.dirty = 0;
  engine_.stats.last_save_time = NowSec();
  last_bgsave_ok_ = true;
  rdb_saves_++;
  return base::Status::Ok();
}

base::Status Persistence::StartBgSave() {
  last_bgsave_try_ = NowSec();
  dirty_before_bgsave_ = engine_.stats.dirty;
  SnapshotOptions so = SnapshotOptionsFrom(cfg_.s);
  AddReplInfo(so);
  std::string path = rdb_path();
  std::string dir = Dir();
  auto r = Fork(ChildType::kRdb, [this, so, path, dir]() -> int {
    std::string tmp = JoinPath(dir, "temp-" + std::to_string(::getpid()) + ".rdb");
    bool ok = ChildWriteFile(tmp, [&](const std::function<base::Status(std::string_view)>& sink) {
      return WriteSnapshot(engine_, so, sink);
    });
    if (!ok) return 1;
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
      ::unlink(tmp.c_str());
      return 1;
    }
    FsyncDir(dir);
    return 0;
  });
  if (!r) {
    last_bgsave_ok_ = false;
    LOG_WARN("Can't save in background: {}", r.error());
    return r.status();
  }
  LOG_INFO("Background saving started by pid {}", *r);
  return base::Status::Ok();
}

base::Result<std::string> Persistence::BgSave(bool schedule) {
  if (child_type_ == ChildType::kRdb) {
    return base::Status::Error("ERR Background save already in progress");
  }
  if (child_pid_ > 0) {
    if (schedule) {
      bgsave_scheduled_ = true;
      return std::string("Background saving scheduled");
    }
    return base::Status::Error(
        "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE "
        "SCHEDULE in order to schedule a BGSAVE whenever possible.");
  }
  base::Status st = StartBgSave();
  if (!st.ok()) return base::Status::Error("ERR " + st.message());
  return std::string("Background saving started");
}

void Persistence::SaveSchedule() {
  if (child_pid_ > 0) return;
  int64_t now = NowSec();
  // Retry a failed BGSAVE only after 5 seconds (CONFIG_BGSAVE_RETRY_DELAY).
  bool may_try = last_bgsave_ok_ || now - last_bgsave_try_ > 5;
  if (bgsave_scheduled_ && may_try) {
    bgsave_scheduled_ = false;
    StartBgSave();
    return;
  }
  for (const auto& sp : cfg_.s.save) {
    if (engine_.stats.dirty >= static_cast<uint64_t>(sp.changes) &&
        now - engine_.stats.last_save_time > sp.seconds && may_try) {
      LOG_INFO("{} changes in {} seconds. Saving...", sp.changes, sp.seconds);
      StartBgSave();
      return;
    }
  }
}

std::string Persistence::WriteRefusal() const {
  if (engine_.role_replica) return "";
  if (cfg_.s.stop_writes_on_bgsave_error && !cfg_.s.save.empty() && !last_bgsave_ok_) {
    return "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to "
           "persist to disk. Commands that may modify the data set are disabled, because this "
           "instance is configured to report errors during writes if RDB snapshotting fails "
           "(stop-writes-on-bgsave-error option). Please check the Redis logs for details "
           "about the RDB error.";
  }
  if (aof_state_ != AofState::kOff && (!aof_last_write_ok_ || !aof_last_fsync_ok_)) {
    return std::string("MISCONF Errors writing to the AOF file: ") +
           std::strerror(static_cast<int>(engine_.aof_last_write_errno));
  }
  return "";
}

// --- AOF rewrite -------------------------------------------------------------------------

base::Result<std::string> Persistence::BgRewriteAof() {
  if (child_type_ == ChildType::kAof) {
    return base::Status::Error("ERR Background append only file rewriting already in progress");
  }
  if (child_pid_ > 0) {
    aof_rewrite_scheduled_ = true;
    return std::string("Background append only file rewriting scheduled");
  }
  base::Status st = StartAofRewrite();
  if (!st.ok()) {
    return base::Status::Error(
        "ERR Can't execute an AOF background rewriting. Please check the server logs for more "
        "information.");
  }
  return std::string("Background append only file rewriting started");
}

base::Status Persistence::StartAofRewrite() {
  AofPaths p = aof_paths();
  if (::mkdir(p.dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return base::Status::Error("Can't create the append-only directory: " + ErrnoText());
  }
  if (aof_state_ == AofState::kOn) {
    // Everything fed so far goes to the current incr; new writes go to a new
    // one, which survives the rewrite.
    FlushBeforeReplies();
    FsyncAof();
    int64_t seq = manifest_.incrs.empty() ? 1 : manifest_.incrs.back().seq + 1;
    base::Status st = OpenIncr(seq, true);
    if (!st.ok()) return st;
    manifest_.incrs.push_back({AofIncrName(cfg_.s.appendfilename, seq), seq, 'i'});
    st = PersistManifest();
    if (!st.ok()) return st;
  }
  int64_t base_seq = manifest_.base ? manifest_.base->seq + 1 : 1;
  for (auto& h : manifest_.history) {
    if (h.type == 'b') base_seq = std::max(base_seq, h.seq + 1);
  }
  aof_rewrite_base_seq_ = base_seq;
  aof_rewrite_base_rdb_ = cfg_.s.aof_use_rdb_preamble;
  SnapshotOptions so = SnapshotOptionsFrom(cfg_.s);
  so.aof_base = true;
  bool rdb = aof_rewrite_base_rdb_;
  std::string dir = Dir();
  auto r = Fork(ChildType::kAof, [this, so, rdb, dir]() -> int {
    std::string tmp = JoinPath(dir, "temp-rewriteaof-bg-" + std::to_string(::getpid()) + ".aof");
    bool ok = ChildWriteFile(tmp, [&](const std::function<base::Status(std::string_view)>& sink) {
      return rdb ? WriteSnapshot(engine_, so, sink) : WriteAofRespBase(engine_, sink);
    });
    return ok ? 0 : 1;
  });
  if (!r) {
    LOG_WARN("Can't rewrite append only file in background: {}", r.error());
    aof_last_rewrite_ok_ = false;
    aof_rewrite_failures_++;
    return r.status();
  }
  child_temp_ = JoinPath(dir, "temp-rewriteaof-bg-" + std::to_string(*r) + ".aof");
  aof_rewrite_scheduled_ = false;
  LOG_INFO("Background append only file rewriting started by pid {}", *r);
  return base::Status::Ok();
}

void Persistence::AofRewriteDone(bool ok) {
  if (!ok) {
    LOG_WARN("Background AOF rewrite terminated with error");
    aof_last_rewrite_ok_ = false;
    aof_rewrite_failures_++;
    return;
  }
  AofPaths p = aof_paths();
  std::string base_name =
      AofBaseName(cfg_.s.appendfilename, aof_rewrite_base_seq_, aof_rewrite_base_rdb_);
  uint64_t base_size = FileSize(child_temp_);
  if (::rename(child_temp_.c_str(), p.path(base_name).c_str()) != 0) {
    LOG_WARN("Error trying to rename the temporary AOF base file {} into {}: {}", child_temp_,
             base_name, ErrnoText());
    ::unlink(child_temp_.c_str());
    aof_last_rewrite_ok_ = false;
    aof_rewrite_failures_++;
    return;
  }
  LOG_INFO("Successfully renamed the temporary AOF base file {} into {}", child_temp_, base_name);
  AofManifest next;
  next.base = AofFileInfo{base_name, aof_rewrite_base_seq_, 'b'};
  std::vector<AofFileInfo> history;
  if (manifest_.base) history.push_back(*manifest_.base);
  if (aof_state_ == AofState::kOn && !manifest_.incrs.empty()) {
    // Only the incr opened at rewrite start (the last one) stays.
    for (size_t i = 0; i + 1 < manifest_.incrs.size(); i++) history.push_back(manifest_.incrs[i]);
    next.incrs.push_back(manifest_.incrs.back());
  } else {
    for (auto& f : manifest_.incrs) history.push_back(f);
  }
  AofManifest prev = manifest_;
  manifest_ = next;
  base::Status st = PersistManifest();
  if (!st.ok()) {
    LOG_WARN("Can't persist the AOF manifest: {}", st.message());
    manifest_ = prev;
    aof_last_rewrite_ok_ = false;
    aof_rewrite_failures_++;
    return;
  }
  FsyncDir(p.dir);
  for (auto& f : history) {
    LOG_INFO("Removing the history file {}", f.name);
    ::unlink(p.path(f.name).c_str());
  }
  aof_base_size_ = base_size;
  aof_current_size_ = base_size + aof_incr_size_;
  aof_last_rewrite_ok_ = true;
  aof_rewrites_++;
  aof_rewrite_failures_ = 0;
  LOG_INFO("Background AOF rewrite finished successfully");
}

// --- Cron and shutdown -------------------------------------------------------------------

void Persistence::Cron() {
  CheckChild();
  if (child_pid_ <= 0 && aof_rewrite_scheduled_) StartAofRewrite();
  SaveSchedule();
  if (child_pid_ <= 0 && aof_state_ == AofState::kOn && cfg_.s.auto_aof_rewrite_percentage > 0 &&
      aof_current_size_ > cfg_.s.auto_aof_rewrite_min_size) {
    uint64_t base = aof_base_size_ ? aof_base_size_ : 1;
    uint64_t growth = aof_current_size_ * 100 / base - 100;
    if (growth >= static_cast<uint64_t>(cfg_.s.auto_aof_rewrite_percentage)) {
      LOG_INFO("Starting automatic rewriting of AOF on {}% growth", growth);
      StartAofRewrite();
    }
  }
  if (aof_state_ == AofState::kOn) {
    FlushBeforeReplies();
    WriteReplPosition();
    if (aof_fsync_pending_ && cfg_.s.appendfsync == config::Appendfsync::kEverysec &&
        base::MonoMs() - aof_last_fsync_ms_ >= 1000) {
      FsyncAof();
    }
  }
}

base::Status Persistence::PrepareShutdown(bool save, bool nosave) {
  if (child_pid_ > 0) {
    LOG_WARN("There is a child saving an .rdb or rewriting the AOF. Killing it!");
    ::kill(child_pid_, SIGUSR1);
    WaitForChild();
  }
  if (aof_state_ == AofState::kOn) {
    LOG_INFO("Calling fsync() on the AOF file.");
    FlushBeforeReplies();
    FsyncAof();
  }
  if (save || (!nosave && !cfg_.s.save.empty())) {
    LOG_INFO("Saving the final RDB snapshot before exiting.");
    base::Status st = Save();
    if (!st.ok()) {
      LOG_WARN("Error trying to save the DB, can't exit.");
      return base::Status::Error("Errors trying to SHUTDOWN. Check logs.");
    }
  }
  return base::Status::Ok();
}

// --- INFO ---------------------------------------------------------------------------------

std::string Persistence::InfoSection() {
  int64_t now_ms = base::MonoMs();
  bool rdb_child = child_type_ == ChildType::kRdb;
  bool aof_child = child_type_ == ChildType::kAof;
  std::string s = "# Persistence\r\n";
  auto add = [&](const char* k, const std::string& v) {
    s += k;
    s += ':';
    s += v;
    s += "\r\n";
  };
  auto num = [](auto v) { return std::to_string(v); };
  add("loading", loading_ ? "1" : "0");
  add("async_loading", "0");
  add("current_cow_peak", "0");
  add("current_cow_size", "0");
  add("current_cow_size_age", "0");
  add("current_fork_perc", "0.00");
  add("current_save_keys_processed", "0");
  add("current_save_keys_total", "0");
  add("rdb_changes_since_last_save", num(engine_.stats.dirty));
  add("rdb_bgsave_in_progress", rdb_child ? "1" : "0");
  add("rdb_last_save_time", num(engine_.stats.last_save_time));
  add("rdb_last_bgsave_status", last_bgsave_ok_ ? "ok" : "err");
  add("rdb_last_bgsave_time_sec", num(last_bgsave_time_sec_));
  add("rdb_current_bgsave_time_sec", num(rdb_child ? (now_ms - child_start_ms_) / 1000 : -1));
  add("rdb_saves", num(rdb_saves_));
  add("rdb_last_cow_size", "0");
  add("rdb_last_load_keys_expired", num(last_load_keys_expired_));
  add("rdb_last_load_keys_loaded", num(last_load_keys_loaded_));
  add("aof_enabled", aof_state_ != AofState::kOff ? "1" : "0");
  add("aof_rewrite_in_progress", aof_child ? "1" : "0");
  add("aof_rewrite_scheduled", aof_rewrite_scheduled_ ? "1" : "0");
  add("aof_last_rewrite_time_sec", num(aof_last_rewrite_time_sec_));
  add("aof_current_rewrite_time_sec", num(aof_child ? (now_ms - child_start_ms_) / 1000 : -1));
  add("aof_last_bgrewrite_status", aof_last_rewrite_ok_ ? "ok" : "err");
  add("aof_rewrites", num(aof_rewrites_));
  add("aof_rewrites_consecutive_failures", num(aof_rewrite_failures_));
  add("aof_last_write_status", aof_last_write_ok_ && aof_last_fsync_ok_ ? "ok" : "err");
  add("aof_last_cow_size", "0");
  add("module_fork_in_progress", "0");
  add("module_fork_last_cow_size", "0");
  if (aof_state_ != AofState::kOff) {
    add("aof_current_size", num(aof_current_size_ + aof_buf_.size()));
    add("aof_base_size", num(aof_base_size_));
    add("aof_pending_rewrite", aof_rewrite_scheduled_ ? "1" : "0");
    add("aof_buffer_length", num(aof_buf_.size()));
    add("aof_pending_bio_fsync", "0");
    add("aof_delayed_fsync", "0");
  }
  return s;
}

}  // namespace node::persist
