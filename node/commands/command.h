// node/commands/command.h
//
// What a command is (one row of the command table) and what a handler gets
// (CommandContext). The dispatcher has already checked arity, auth, cluster
// slot ownership, replica write refusal and OOM before a handler runs; a
// handler only parses its own options and does its work.

#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "node/commands/client.h"
#include "node/resp/reply.h"

namespace node::commands {

class Engine;

// Command flags. The order is Redis's CMD_* bit order, which is the order
// COMMAND INFO lists them in.
enum CommandFlag : uint32_t {
  kWrite = 1u << 0,
  kReadOnly = 1u << 1,
  kDenyOom = 1u << 2,
  kAdmin = 1u << 4,
  kPubSub = 1u << 5,
  kNoScript = 1u << 6,
  kBlocking = 1u << 7,
  kLoading = 1u << 8,
  kStale = 1u << 9,
  kSkipMonitor = 1u << 10,
  kSkipSlowlog = 1u << 11,
  kAsking = 1u << 12,
  kFast = 1u << 13,
  kNoAuth = 1u << 14,
  kMayReplicate = 1u << 15,
  kNoMandatoryKeys = 1u << 18,
  kProtected = 1u << 19,
  kNoAsyncLoading = 1u << 22,
  kNoMulti = 1u << 23,
  kMovableKeys = 1u << 24,
  kAllowBusy = 1u << 25,
  // shoal-internal (not shown by COMMAND INFO)
  kNoKeys = 1u << 30,
  kTxImmediate = 1u << 29,
  kKeepAsking = 1u << 28,
  kRetryOnTimeout =
      1u
      << 27,  // blocked: re-run at timeout instead of a null reply (WAIT)  // ASKING: the flag
              // survives this command  // runs at once inside MULTI (EXEC, DISCARD, WATCH, QUIT...)
};

// ACL categories, Redis's names and order.
enum AclCategory : uint32_t {
  kAclKeyspace = 1u << 0,
  kAclRead = 1u << 1,
  kAclWrite = 1u << 2,
  kAclSet = 1u << 3,
  kAclSortedSet = 1u << 4,
  kAclList = 1u << 5,
  kAclHash = 1u << 6,
  kAclString = 1u << 7,
  kAclBitmap = 1u << 8,
  kAclHyperLogLog = 1u << 9,
  kAclGeo = 1u << 10,
  kAclStream = 1u << 11,
  kAclPubSub = 1u << 12,
  kAclAdmin = 1u << 13,
  kAclFast = 1u << 14,
  kAclSlow = 1u << 15,
  kAclBlocking = 1u << 16,
  kAclDangerous = 1u << 17,
  kAclConnection = 1u << 18,
  kAclTransaction = 1u << 19,
  kAclScripting = 1u << 20,
};

// Legacy key positions (first, last, step); last < 0 counts from the end.
struct KeySpec {
  int first = 0;
  int last = 0;
  int step = 0;
};

// Per-command statistics (INFO commandstats), kept in the row itself so the
// hot path needs no lookup.
struct CommandStats {
  uint64_t calls = 0;
  uint64_t usec = 0;
  uint64_t rejected_calls = 0;
  uint64_t failed_calls = 0;
};

class CommandContext;
using Handler = void (*)(CommandContext&);

struct CommandSpec {
  const char* name;  // lowercase
  int arity;         // negative: at least -arity
  uint32_t flags;
  KeySpec keys;
  Handler handler;
  uint32_t acl = 0;                          // ACL categories beyond those implied by flags
  const CommandSpec* subcommands = nullptr;  // container commands (CLUSTER, CONFIG ...)
  size_t n_subcommands = 0;
  const char* since = "1.0.0";
  const char* group = "generic";
  // Custom key extraction for commands with movable keys (e.g. EVAL numkeys).
  std::vector<int> (*getkeys)(std::span<const std::string_view> args) = nullptr;
  // Arguments that are secrets (passwords): the command marks their indexes
  // in `secret` (sized to args) so SLOWLOG and MONITOR show "(redacted)", as
  // Redis's redactClientCommandArgument. nullptr: nothing to hide.
  void (*redact)(std::span<const std::string_view> args, std::vector<bool>& secret) = nullptr;
  const CommandSpec* parent = nullptr;  // filled in for subcommands at startup
  mutable int acl_id = -1;              // index in the ACL catalog (filled in at startup)
  mutable CommandStats stats = {};
};

// The full name as Redis prints it in errors: "get" or "cluster|nodes".
std::string FullName(const CommandSpec& spec);

// Key argument indexes of a command invocation (empty for keyless commands).
std::vector<int> KeyIndexes(const CommandSpec& spec, std::span<const std::string_view> args);
// The same, as fn(index, count_of_keys) for each, in order; without the
// vector for a command whose keys are a first/last/step range (the hot path:
// every write signals its keys).
template <typename Fn>
void ForEachKeyIndex(const CommandSpec& spec, std::span<const std::string_view> args, Fn&& fn) {
  if (spec.getkeys) {
    auto keys = spec.getkeys(args);
    for (int i : keys) fn(i, keys.size());
    return;
  }
  int first = spec.keys.first;
  if (first <= 0) return;
  int argc = static_cast<int>(args.size());
  int last = spec.keys.last < 0 ? argc + spec.keys.last : spec.keys.last;
  last = std::min(last, argc - 1);
  if (last < first) return;
  int step = spec.keys.step > 0 ? spec.keys.step : 1;
  size_t count = static_cast<size_t>((last - first) / step + 1);
  for (int i = first; i <= last; i += step) fn(i, count);
}
// True when the command only reads the key at argument `pos` (its Redis 7.0
// key spec is RO, e.g. BITOP's or SUNIONSTORE's sources): such a key is not
// signalled as modified (WATCH, blocked clients), as Redis signals only the
// keys a command writes. command_cmds.cc (the key-spec facts).
// Redaction rules of the rows (CommandSpec::redact).
void RedactAllAfterName(std::span<const std::string_view> args, std::vector<bool>& secret);
void RedactAllAfterSubcommand(std::span<const std::string_view> args, std::vector<bool>& secret);

bool KeyOnlyRead(const CommandSpec& spec, std::span<const std::string_view> args, int pos);
// Redis 7.0 key-spec flag bits of the key at `pos` (RO 1, RW 2, OW 4, RM 8,
// access 0x10, update 0x20, insert 0x40, delete 0x80); ACL %R~/%W~ checks.
uint32_t KeySpecFlags(const CommandSpec& spec, std::span<const std::string_view> args, int pos);

class CommandContext {
 public:
  CommandContext(Engine& engine, Client& client, const CommandSpec& spec,
                 std::span<const std::string_view> args, resp::ReplyBuilder& reply)
      : engine_(engine), client_(client), spec_(spec), args_(args), reply_(reply) {}

  std::string_view arg(size_t i) const { return args_[i]; }
  size_t argc() const { return args_.size(); }
  std::span<const std::string_view> args() const { return args_; }
  Engine& engine() { return engine_; }
  Client& client() { return client_; }
  const CommandSpec& spec() const { return spec_; }
  resp::ReplyBuilder& reply() { return reply_; }

  // Marks the command as having changed the dataset: it is propagated to
  // replicas and the AOF as received (or as `rewritten` when set).
  void SetDirty(long long n = 1) { dirty_ += n; }
  long long dirty() const { return dirty_; }
  // Replaces what gets propagated (e.g. SET EX -> SET PXAT, INCRBYFLOAT -> SET).
  void PropagateAs(std::vector<std::string> args) { rewritten_ = std::move(args); }
  void PropagateAlso(std::vector<std::string> args) { also_.push_back(std::move(args)); }
  const std::vector<std::string>& rewritten() const { return rewritten_; }
  const std::vector<std::vector<std::string>>& also() const { return also_; }
  // Suppresses propagation of this invocation (e.g. a no-op write).
  void NoPropagate() { no_propagate_ = true; }
  bool no_propagate() const { return no_propagate_; }

  // --- Blocking commands (BLPOP, BZPOPMIN, XREAD BLOCK ...) ---
  // A handler that finds nothing to serve calls BlockOn() and returns without
  // replying. The client then waits; when one of `keys` (in the client's db)
  // is written, the SAME command is executed again from scratch (so the
  // handler needs no special code for the retry); when timeout_ms passes
  // (0 = forever) the client gets a null array (`*-1` / `_`), or
  // `timeout_reply` when that is set (raw RESP bytes, protocol-independent
  // replies only). Returns false when the client may not block (inside
  // MULTI/EXEC or a script): the handler must then reply as on a timeout.
  bool BlockOn(std::vector<std::string> keys, int64_t timeout_ms);
  bool blocked() const { return blocked_; }
  const std::vector<std::string>& block_keys() const { return block_keys_; }
  int64_t block_timeout_ms() const { return block_timeout_ms_; }
  void set_may_block(bool b) { may_block_ = b; }
  // True while this execution is a retry after a key became ready.
  bool is_retry() const { return is_retry_; }
  void set_retry(bool b) { is_retry_ = b; }

  // Replies the standard "wrong number of arguments" / syntax errors.
  void ArityError();
  void UnknownSubcommand();

 private:
  Engine& engine_;
  Client& client_;
  const CommandSpec& spec_;
  std::span<const std::string_view> args_;
  resp::ReplyBuilder& reply_;
  long long dirty_ = 0;
  bool no_propagate_ = false;
  std::vector<std::string> rewritten_;
  std::vector<std::vector<std::string>> also_;
  bool may_block_ = true;
  bool blocked_ = false;
  bool is_retry_ = false;
  std::vector<std::string> block_keys_;
  int64_t block_timeout_ms_ = 0;
};

}  // namespace node::commands
