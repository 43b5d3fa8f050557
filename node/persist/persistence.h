// node/persist/persistence.h
//
// The persistence room of a running node: RDB snapshots on disk (SAVE,
// BGSAVE by fork(), the `save` schedule, LASTSAVE, startup load of
// dir/dbfilename) and the Redis 7 multi-part AOF (feed, write each loop
// iteration, fsync per appendfsync, BGREWRITEAOF by fork(), automatic
// rewrites, startup load, CONFIG SET appendonly), plus INFO persistence.
//
// The server (composition root) owns one Persistence per Engine and wires it:
//   - before Start(): LoadAtStartup(replay) (error => refuse to start);
//   - engine.propagate: also call Feed(db, args);
//   - before writing replies each loop iteration: FlushBeforeReplies();
//   - every cron tick: Cron();
//   - SHUTDOWN / SIGTERM: PrepareShutdown(save, nosave) before exiting;
//   - PID 1: set_child_hooks(...) so the reaper leaves our children alone.
// Command handlers (persist_cmds.cc) find it with Persistence::Of(engine).
//
// Engine thread only. Forked children only serialise the frozen engine and
// _exit; they never log or touch the parent's state.

#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "node/base/result.h"
#include "node/commands/engine.h"
#include "node/config/config.h"
#include "node/persist/aof.h"
#include "node/persist/aof_manifest.h"
#include "node/persist/repl_checkpoint.h"

namespace node::persist {

struct SnapshotOptions;

class Persistence {
 public:
  Persistence(commands::Engine& engine, config::Config& cfg);
  ~Persistence();
  Persistence(const Persistence&) = delete;
  Persistence& operator=(const Persistence&) = delete;

  // The instance wired to an engine (nullptr when none).
  static Persistence* Of(const commands::Engine& engine);

  // How children are forked and reaped when a PID-1 reaper owns waitpid():
  // with `fork` set, Cron() never calls waitpid(); the child's end arrives
  // through the on_exit callback (from any thread), which is handed to `post`
  // to run on the engine thread. Without hooks, plain fork() + waitpid(WNOHANG).
  struct ChildHooks {
    // e.g. [&sup](auto cb) { return sup.ForkOwned(std::move(cb)); }: the pid in
    // the parent, 0 in the child, -1 on error.
    std::function<pid_t(std::function<void(int wait_status)> on_exit)> fork;
    // Takes a child back to waitpid() it here (Supervisor::DisownChild);
    // false when it was already reaped.
    std::function<bool(pid_t)> disown;
    // Runs fn on the engine thread (Server::Post).
    std::function<void(std::function<void()>)> post;
  };
  void set_child_hooks(ChildHooks h) { hooks_ = std::move(h); }
  // The end of child `pid` with its raw wait status (engine thread). Ignored
  // when pid is not the running child.
  void OnChildExit(pid_t pid, int wait_status);

  // --- Wiring ----------------------------------------------------------------
  // appendonly yes: loads the AOF directory (creating base + incr + manifest
  // when there is none); otherwise loads dir/dbfilename if present. Errors
  // are one line naming the file (and offset); the caller must not start.
  base::Status LoadAtStartup(const ReplayFn& replay);
  // Appends a propagated write to the AOF buffer (no-op when AOF is off).
  void Feed(int db, std::span<const std::string_view> args);
  // Writes the AOF buffer; with appendfsync always also fsyncs. Call once per
  // event-loop iteration before replies are written to clients.
  void FlushBeforeReplies();
  // Reaps children, runs the save schedule, scheduled BGSAVE/BGREWRITEAOF,
  // automatic AOF rewrites and the everysec fsync. Call every cron tick.
  void Cron();
  // Before exiting: kills children, flushes + fsyncs the AOF, and saves an
  // RDB when `save` or (save points exist and !nosave). Error text when the
  // save failed (SHUTDOWN then replies "ERR Errors trying to SHUTDOWN...").
  base::Status PrepareShutdown(bool save, bool nosave);
  // MISCONF text when writes must be refused (stop-writes-on-bgsave-error
  // after a failed save), "" otherwise. For the dispatcher's write check.
  std::string WriteRefusal() const;
  // Replication ID and offset to store in RDB files saved by SAVE, BGSAVE,
  // the save schedule and shutdown (repl-id / repl-offset AUX fields); the
  // source returns false when there is nothing to store.
  using ReplInfoFn = std::function<bool(std::string* replid, int64_t* offset)>;
  void set_repl_info_source(ReplInfoFn fn) { repl_info_ = std::move(fn); }
  // The repl-id / repl-offset AUX fields of the RDB loaded at startup
  // (false when none was loaded or it had none).
  bool LoadedReplInfo(std::string* replid, int64_t* offset) const;

  // --- Commands ----------------------------------------------------------------
  // SAVE. Error texts are complete RESP errors.
  base::Status Save();
  // BGSAVE [SCHEDULE]: the status line text on success.
  base::Result<std::string> BgSave(bool schedule);
  // BGREWRITEAOF: the status line text on success.
  base::Result<std::string> BgRewriteAof();
  std::string InfoSection();

  // --- State (tests, INFO) ---------------------------------------------------
  bool aof_on() const { return aof_state_ != AofState::kOff; }
  bool child_running() const { return child_pid_ > 0; }
  pid_t child_pid() const { return child_pid_; }
  bool loading() const { return loading_; }
  const AofManifest& manifest() const { return manifest_; }
  // The directory files live in: "" (the working directory) when dir is
  // unset or is the working directory already (the entrypoint chdir()s to it,
  // so a relative dir must not be applied twice), else dir.
  std::string Dir() const;
  std::string rdb_path() const;
  AofPaths aof_paths() const;
  // Waits (blocking) for the running child and handles its end (tests).
  void WaitForChild();

 private:
  enum class ChildType { kNone, kRdb, kAof };
  enum class AofState { kOff, kOn };

  base::Status LoadRdbAtStartup();
  base::Status LoadAofAtStartup(const ReplayFn& replay);
  base::Result<pid_t> Fork(ChildType type, const std::function<int()>& child_fn);
  void HandleChildDone(int status, bool by_signal);
  void CheckChild();
  void SaveSchedule();
  base::Status StartBgSave();
  base::Status StartAofRewrite();
  void AofRewriteDone(bool ok);
  base::Status CreateFreshAof();
  base::Status OpenIncr(int64_t seq, bool create);
  base::Status PersistManifest();
  void CloseIncr();
  void FsyncAof();
  // Logs `why` and exits the process (code 3) at once: an AOF write or fsync
  // failed under appendfsync always.
  [[noreturn]] void ExitOnAofError(const std::string& why);
  void StartAofAtRuntime();
  void StopAofAtRuntime();

  commands::Engine& engine_;
  config::Config& cfg_;
  ChildHooks hooks_;
  ReplInfoFn repl_info_;
  std::string loaded_repl_id_;
  int64_t loaded_repl_offset_ = -1;
  void AddReplInfo(SnapshotOptions& so) const;
  bool loading_ = false;

  // Children.
  pid_t child_pid_ = -1;
  ChildType child_type_ = ChildType::kNone;
  int64_t child_start_ms_ = 0;
  std::string child_temp_;

  // RDB.
  uint64_t dirty_before_bgsave_ = 0;
  bool bgsave_scheduled_ = false;
  bool last_bgsave_ok_ = true;
  int64_t last_bgsave_try_ = 0;  // unix seconds
  int64_t last_bgsave_time_sec_ = -1;
  uint64_t rdb_saves_ = 0;
  uint64_t last_load_keys_loaded_ = 0, last_load_keys_expired_ = 0;

  // AOF.
  AofState aof_state_ = AofState::kOff;
  AofManifest manifest_;
  int aof_fd_ = -1;
  int aof_selected_db_ = -1;
  std::string aof_buf_;
  uint64_t aof_current_size_ = 0;  // base + incrementals on disk
  uint64_t aof_base_size_ = 0;     // at the last rewrite/load
  uint64_t aof_incr_size_ = 0;     // the open incremental file
  int64_t aof_incr_seq_ = 0;       // its sequence number
  // The replication position of the AOF (repl_checkpoint.h), rewritten
  // after every AOF write and once per cron tick.
  ReplCheckpoint repl_ck_;
  void WriteReplPosition();
  bool aof_fsync_pending_ = false;
  int64_t aof_last_fsync_ms_ = 0;
  bool aof_last_write_ok_ = true;
  bool aof_last_fsync_ok_ = true;  // false after a failed fsync (everysec/no)
  bool aof_rewrite_scheduled_ = false;
  bool aof_last_rewrite_ok_ = true;
  int64_t aof_last_rewrite_time_sec_ = -1;
  uint64_t aof_rewrites_ = 0;
  uint64_t aof_rewrite_failures_ = 0;
  int64_t aof_rewrite_base_seq_ = 0;  // seq of the base the running child writes
  bool aof_rewrite_base_rdb_ = true;
};

}  // namespace node::persist
