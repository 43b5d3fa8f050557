// node/acl/user.h
//
// ACL users as Redis 7.0 has them: flags (on/off, nopass, sanitize-payload),
// SHA-256 password hashes and selectors (the root selector plus the 7.0
// "(...)" ones), each selector holding a command bitmap, first-arg
// exceptions, key patterns with read/write intent and channel patterns.
//
// The rule language (ApplyUserRule), the description Redis prints in ACL
// LIST / GETUSER / the ACL file (Describe*), and the permission check of one
// command invocation (CheckCommand) live here. Command names and categories
// come from a Catalog that node/commands builds from its command table, so
// this room never knows a command by name. Engine thread only; plain values
// (a User can be copied to stage changes, as ACL SETUSER does).

#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace node::acl {

// --- Catalog: the commands ACL rules talk about ----------------------------

// Category names in Redis's order; bit i of CatalogEntry::categories is
// kCategoryNames[i] (the same order as node/commands' kAcl* bits).
inline constexpr const char* kCategoryNames[] = {
    "keyspace", "read",   "write",       "set",       "sortedset",  "list",        "hash",
    "string",   "bitmap", "hyperloglog", "geo",       "stream",     "pubsub",      "admin",
    "fast",     "slow",   "blocking",    "dangerous", "connection", "transaction", "scripting",
};
inline constexpr size_t kNumCategories = sizeof(kCategoryNames) / sizeof(kCategoryNames[0]);
// Bit of a category name (case-insensitive), 0 when unknown.
uint32_t CategoryFlag(std::string_view name);

struct CatalogEntry {
  std::string fullname;  // "get", "config|get"
  uint32_t categories = 0;
  int parent = -1;        // index of the container command, -1 for top level
  std::vector<int> subs;  // indexes of the subcommands (containers only)
  bool no_auth = false;   // AUTH, HELLO...: always allowed (Redis's CMD_NO_AUTH)
};

class Catalog {
 public:
  Catalog() = default;
  // Entries in table order; an entry's subcommands come after it.
  explicit Catalog(std::vector<CatalogEntry> entries);
  size_t size() const { return entries_.size(); }
  const CatalogEntry& at(int id) const { return entries_[static_cast<size_t>(id)]; }
  // "get" or "config|get" (case-insensitive, Redis's strict lookup); -1.
  int Lookup(std::string_view name) const;

 private:
  std::vector<CatalogEntry> entries_;
  std::map<std::string, int> by_name_;
};

// --- Users -------------------------------------------------------------------

enum KeyPerm : int { kPermRead = 1, kPermWrite = 2, kPermAll = 3 };

struct KeyPattern {
  std::string pattern;
  int flags = kPermAll;
};

struct Selector {
  bool root = false;
  bool allkeys = false;
  bool allchannels = false;
  bool allcommands = false;      // the fast path: no bit test (cleared by any "-")
  bool future = false;           // Redis's reserved bit: set by +@all only
  std::vector<uint8_t> allowed;  // one per catalog entry
  std::map<int, std::vector<std::string>> firstargs;  // +select|0 style exceptions
  std::vector<KeyPattern> patterns;
  std::vector<std::string> channels;
};

enum UserFlag : uint32_t {
  kUserOn = 1,
  kUserOff = 2,
  kUserNoPass = 4,
  kUserSkipSanitize = 8,
  kUserSanitize = 16,
};

struct User {
  std::string name;
  uint32_t flags = kUserOff;
  std::vector<std::string> passwords;  // lowercase sha256 hex
  std::vector<Selector> selectors;     // [0] is the root selector
  bool enabled() const { return (flags & kUserOn) != 0; }
  bool nopass() const { return (flags & kUserNoPass) != 0; }
};

// Why a rule could not be applied (Redis's errno values of ACLSetUser).
enum class RuleError {
  kOk,
  kSyntax,            // EINVAL
  kUnknownCommand,    // ENOENT
  kAfterAllKeys,      // EEXIST
  kAfterAllChannels,  // EISDIR
  kNoSuchPassword,    // ENODEV
  kBadHash,           // EBADMSG
  kSubcommandArg,     // ECHILD
  kDuplicateUser,     // EALREADY
};
// Redis's ACLSetUserStringError text.
const char* RuleErrorText(RuleError e);

// Settings the rules depend on.
struct RuleEnv {
  const Catalog* catalog = nullptr;
  bool channels_default_all = false;  // acl-pubsub-default allchannels
};

Selector NewSelector(const RuleEnv& env, bool root);
// A fresh user: off, no passwords, -@all, no keys, channels per the default.
User NewUser(const RuleEnv& env, std::string_view name);
// The default user: on nopass ~* &* +@all.
User NewDefaultUser(const RuleEnv& env);

// Applies one rule ("on", ">pass", "~k*", "+@read", "(+get ~x*)", "reset"...).
RuleError ApplyUserRule(const RuleEnv& env, User& u, std::string_view op);
RuleError ApplySelectorRule(const RuleEnv& env, Selector& s, std::string_view op);

// Merges selector rules spread over several arguments ("(+get", "~x)") into
// one; false (with *bad set to the opening argument's index) when a
// parenthesis is left open.
bool MergeSelectorArgs(std::span<const std::string_view> in, std::vector<std::string>* out,
                       size_t* bad);

// Lowercase hex SHA-256 (the stored form of a password).
std::string HashPassword(std::string_view clear);
bool ValidPasswordHash(std::string_view h);
// True when `pass` matches one of the user's passwords (or nopass), and
// the user is on.
bool CheckCredentials(const User& u, std::string_view pass);

// ACL LIST / ACL file form, without "user <name> ".
std::string DescribeUser(const RuleEnv& env, const User& u);
// GETUSER fields of one selector.
std::string DescribeCommandRules(const RuleEnv& env, const Selector& s);
std::string DescribeKeys(const Selector& s);
std::string DescribeChannels(const Selector& s);

// --- Permission check --------------------------------------------------------

enum class Denied { kOk = 0, kCommand = 1, kKey = 2, kChannel = 3 };

struct KeyRef {
  int pos;
  int need;  // kPermRead | kPermWrite bits the command needs on this key
};
struct ChannelRef {
  int pos;
  bool pattern;  // PSUBSCRIBE: matched literally against the ACL patterns
};
struct CheckInput {
  int cmd = -1;                            // catalog id
  bool no_auth = false;                    // the command is always allowed (AUTH, HELLO...)
  bool subcommand = false;                 // first-arg exceptions then look at args[2]
  std::span<const std::string_view> args;  // the full command line
  std::span<const KeyRef> keys;
  std::span<const ChannelRef> channels;
};

// Redis's ACLCheckAllUserCommandPerm: ok when any selector allows the
// command with all its keys and channels; otherwise the most relevant
// denial and in *pos the argument it is about.
Denied CheckCommand(const User& u, const CheckInput& in, int* pos);
// True when no selector restricts keys / channels (the check needs none).
bool NeedsKeys(const User& u);
bool NeedsChannels(const User& u);
// Whether `channel` (a pattern when `pattern`) is allowed by the user.
bool ChannelAllowed(const User& u, std::string_view channel, bool pattern);

}  // namespace node::acl
