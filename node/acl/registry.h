// node/acl/registry.h
//
// The set of ACL users of a node (sorted by name, as Redis's rax), the
// default user, the ACL LOG, and the ACL file (load / save in Redis 7.0's
// `user <name> <rules...>` format). Owned by the engine (node/commands'
// Engine holds one); ACL commands, AUTH/HELLO and the dispatcher use it.
// Engine thread only.
//
// Users are shared_ptr so that a client keeps pointing at its user while
// rules change in place (ACL SETUSER, ACL LOAD of the default user); a
// deleted user's clients are disconnected by the caller (node/commands).

#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "node/acl/user.h"

namespace node::acl {

enum class LogReason { kCommand = 1, kKey = 2, kChannel = 3, kAuth = 4 };
enum class LogContext { kToplevel, kMulti, kLua };

struct LogEntry {
  uint64_t count = 1;
  LogReason reason = LogReason::kCommand;
  LogContext context = LogContext::kToplevel;
  std::string object;
  std::string username;
  int64_t ctime_ms = 0;
  std::string cinfo;
};

using UserPtr = std::shared_ptr<User>;

class Registry {
 public:
  explicit Registry(const Catalog* catalog);

  RuleEnv env() const { return env_; }
  void set_channels_default_all(bool all) { env_.channels_default_all = all; }
  void set_log_max_len(size_t n);

  const UserPtr& default_user() const { return default_user_; }
  UserPtr Find(std::string_view name) const;
  const std::map<std::string, UserPtr, std::less<>>& users() const { return users_; }

  // ACL SETUSER: stages every rule on a copy and returns "" or Redis's
  // error text (without the "ERR " prefix). *before receives the user as
  // it was (empty name when created) so the caller can disconnect pub/sub
  // clients whose channels were revoked; *after the new rules.
  std::string SetUser(std::string_view name, std::span<const std::string_view> rules, User* before,
                      UserPtr* after);
  // Removes a user; returns it (nullptr when absent). Not "default".
  UserPtr Remove(std::string_view name);
  // requirepass: "" makes the default user nopass, else its only password.
  void SetDefaultPassword(std::string_view pass);

  // Parses an ACL file's text into a new user set. On success the users are
  // replaced (the default user's rules are copied into the existing object)
  // and the old, now unreachable users are returned in *dropped; otherwise
  // the users are unchanged and the error text (Redis's wording, with
  // `filename` in it) is returned.
  std::string LoadText(std::string_view text, std::string_view filename,
                       std::vector<UserPtr>* dropped);
  std::string LoadFile(const std::string& filename, std::vector<UserPtr>* dropped);
  // The ACL file text: one "user <name> <description>" line per user.
  std::string SaveText() const;
  // Writes it atomically (temp file + rename); false on an I/O error.
  bool SaveFile(const std::string& filename) const;

  // --- ACL LOG ---
  void AddLog(LogEntry e);
  const std::deque<LogEntry>& log() const { return log_; }
  void ResetLog() { log_.clear(); }

 private:
  RuleEnv env_;
  std::map<std::string, UserPtr, std::less<>> users_;
  UserPtr default_user_;
  std::deque<LogEntry> log_;  // newest first
  size_t log_max_len_ = 128;
};

}  // namespace node::acl
