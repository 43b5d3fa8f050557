// node/acl/user.cc -- see user.h. The rule semantics and the description
// algorithm follow Redis 7.0.15's acl.c (facts: which rule does what, the
// order fields are printed in, the best-fit category description); the code
// is our own.

#include "node/acl/user.h"

#include <openssl/sha.h>

#include <algorithm>
#include <climits>

#include "node/base/strings.h"

namespace node::acl {

namespace {

bool HasSpaces(std::string_view s) {
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' || c == 0) {
      return true;
    }
  }
  return false;
}

void SetBit(Selector& s, int id, bool v) {
  if (id < 0 || static_cast<size_t>(id) >= s.allowed.size()) return;
  s.allowed[static_cast<size_t>(id)] = v ? 1 : 0;
  if (!v) s.allcommands = false;
}

bool GetBit(const Selector& s, int id) {
  return id >= 0 && static_cast<size_t>(id) < s.allowed.size() &&
         s.allowed[static_cast<size_t>(id)];
}

// Allowing or blocking a container also applies to its subcommands.
void ChangePerm(const Catalog& cat, Selector& s, int id, bool allow) {
  SetBit(s, id, allow);
  s.firstargs.erase(id);
  for (int sub : cat.at(id).subs) SetBit(s, sub, allow);
}

void SetCategory(const Catalog& cat, Selector& s, uint32_t flag, bool allow) {
  for (size_t i = 0; i < cat.size(); i++) {
    int id = static_cast<int>(i);
    if (cat.at(id).categories & flag) ChangePerm(cat, s, id, allow);
  }
}

void SetAll(Selector& s, bool allow) {
  std::fill(s.allowed.begin(), s.allowed.end(), allow ? 1 : 0);
  s.allcommands = allow;
  s.future = allow;
  s.firstargs.clear();
}

std::vector<std::string> SplitSpaces(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
    size_t j = i;
    while (j < s.size() && !(s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r')) j++;
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

RuleError ApplyCommandRule(const Catalog& cat, Selector& s, std::string_view op) {
  bool plus = op[0] == '+';
  std::string_view name = op.substr(1);
  if (!name.empty() && name[0] == '@') {
    uint32_t flag = CategoryFlag(name.substr(1));
    if (!flag) return RuleError::kUnknownCommand;
    SetCategory(cat, s, flag, plus);
    return RuleError::kOk;
  }
  size_t bar = name.rfind('|');
  if (!plus || bar == std::string_view::npos) {
    int id = cat.Lookup(name);
    if (id < 0) return RuleError::kUnknownCommand;
    ChangePerm(cat, s, id, plus);
    return RuleError::kOk;
  }
  std::string_view base = name.substr(0, bar);
  std::string_view sub = name.substr(bar + 1);
  int id = cat.Lookup(base);
  if (id < 0) return RuleError::kUnknownCommand;
  if (cat.at(id).parent >= 0) return RuleError::kSubcommandArg;
  if (sub.empty()) return RuleError::kSyntax;
  if (!cat.at(id).subs.empty()) {
    int sid = cat.Lookup(name);
    if (sid < 0) return RuleError::kUnknownCommand;
    ChangePerm(cat, s, sid, true);
    return RuleError::kOk;
  }
  // +select|0: a first argument allowed for an otherwise blocked command.
  auto& list = s.firstargs[id];
  for (auto& a : list) {
    if (base::EqualsIgnoreCase(a, sub)) return RuleError::kOk;
  }
  list.emplace_back(sub);
  return RuleError::kOk;
}

}  // namespace

uint32_t CategoryFlag(std::string_view name) {
  for (size_t i = 0; i < kNumCategories; i++) {
    if (base::EqualsIgnoreCase(name, kCategoryNames[i])) return 1u << i;
  }
  return 0;
}

Catalog::Catalog(std::vector<CatalogEntry> entries) : entries_(std::move(entries)) {
  for (size_t i = 0; i < entries_.size(); i++) {
    by_name_[entries_[i].fullname] = static_cast<int>(i);
  }
}

int Catalog::Lookup(std::string_view name) const {
  std::string lower = base::ToLower(name);
  auto it = by_name_.find(lower);
  return it == by_name_.end() ? -1 : it->second;
}

const char* RuleErrorText(RuleError e) {
  switch (e) {
    case RuleError::kOk:
      return "";
    case RuleError::kUnknownCommand:
      return "Unknown command or category name in ACL";
    case RuleError::kSyntax:
      return "Syntax error";
    case RuleError::kAfterAllKeys:
      return "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does "
             "not have any effect. Try 'resetkeys' to start with an empty list of patterns";
    case RuleError::kAfterAllChannels:
      return "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and "
             "does not have any effect. Try 'resetchannels' to start with an empty list of "
             "channels";
    case RuleError::kNoSuchPassword:
      return "The password you are trying to remove from the user does not exist";
    case RuleError::kBadHash:
      return "The password hash must be exactly 64 characters and contain only lowercase "
             "hexadecimal characters";
    case RuleError::kDuplicateUser:
      return "Duplicate user found. A user can only be defined once in config files";
    case RuleError::kSubcommandArg:
      return "Allowing first-arg of a subcommand is not supported";
  }
  return "Wrong format";
}

Selector NewSelector(const RuleEnv& env, bool root) {
  Selector s;
  s.root = root;
  s.allchannels = env.channels_default_all;
  s.allowed.assign(env.catalog ? env.catalog->size() : 0, 0);
  return s;
}

User NewUser(const RuleEnv& env, std::string_view name) {
  User u;
  u.name = std::string(name);
  u.flags = kUserOff;
  u.selectors.push_back(NewSelector(env, true));
  return u;
}

User NewDefaultUser(const RuleEnv& env) {
  User u = NewUser(env, "default");
  for (auto op : {"+@all", "~*", "&*", "on", "nopass"}) ApplyUserRule(env, u, op);
  return u;
}

RuleError ApplySelectorRule(const RuleEnv& env, Selector& s, std::string_view op) {
  const Catalog& cat = *env.catalog;
  if (op.empty()) return RuleError::kSyntax;
  if (base::EqualsIgnoreCase(op, "allkeys") || op == "~*") {
    s.allkeys = true;
    s.patterns.clear();
  } else if (base::EqualsIgnoreCase(op, "resetkeys")) {
    s.allkeys = false;
    s.patterns.clear();
  } else if (base::EqualsIgnoreCase(op, "allchannels") || op == "&*") {
    s.allchannels = true;
    s.channels.clear();
  } else if (base::EqualsIgnoreCase(op, "resetchannels")) {
    s.allchannels = false;
    s.channels.clear();
  } else if (base::EqualsIgnoreCase(op, "allcommands") || base::EqualsIgnoreCase(op, "+@all")) {
    SetAll(s, true);
  } else if (base::EqualsIgnoreCase(op, "nocommands") || base::EqualsIgnoreCase(op, "-@all")) {
    SetAll(s, false);
  } else if (op[0] == '~' || op[0] == '%') {
    if (s.allkeys) return RuleError::kAfterAllKeys;
    int flags = 0;
    size_t off = 1;
    if (op[0] == '%') {
      for (; off < op.size(); off++) {
        char c = static_cast<char>(toupper(static_cast<unsigned char>(op[off])));
        if (c == 'R' && !(flags & kPermRead)) {
          flags |= kPermRead;
        } else if (c == 'W' && !(flags & kPermWrite)) {
          flags |= kPermWrite;
        } else if (op[off] == '~') {
          off++;
          break;
        } else {
          return RuleError::kSyntax;
        }
      }
    } else {
      flags = kPermAll;
    }
    std::string_view pat = off <= op.size() ? op.substr(off) : std::string_view();
    if (HasSpaces(pat)) return RuleError::kSyntax;
    // Redis 7.0 takes "%R" with no "~" as an empty pattern, but a pattern
    // with neither R nor W ("%", "%~k") is a syntax error.
    if (flags == 0) return RuleError::kSyntax;
    bool found = false;
    for (auto& p : s.patterns) {
      if (p.pattern == pat) {
        p.flags |= flags;
        found = true;
        break;
      }
    }
    if (!found) s.patterns.push_back({std::string(pat), flags});
    s.allkeys = false;
  } else if (op[0] == '&') {
    if (s.allchannels) return RuleError::kAfterAllChannels;
    std::string_view pat = op.substr(1);
    if (HasSpaces(pat)) return RuleError::kSyntax;
    if (std::find(s.channels.begin(), s.channels.end(), pat) == s.channels.end()) {
      s.channels.emplace_back(pat);
    }
    s.allchannels = false;
  } else if (op[0] == '+' || op[0] == '-') {
    return ApplyCommandRule(cat, s, op);
  } else {
    return RuleError::kSyntax;
  }
  return RuleError::kOk;
}

RuleError ApplyUserRule(const RuleEnv& env, User& u, std::string_view op) {
  if (op.empty()) return RuleError::kOk;
  if (base::EqualsIgnoreCase(op, "on")) {
    u.flags = (u.flags | kUserOn) & ~kUserOff;
  } else if (base::EqualsIgnoreCase(op, "off")) {
    u.flags = (u.flags | kUserOff) & ~kUserOn;
  } else if (base::EqualsIgnoreCase(op, "skip-sanitize-payload")) {
    u.flags = (u.flags | kUserSkipSanitize) & ~kUserSanitize;
  } else if (base::EqualsIgnoreCase(op, "sanitize-payload")) {
    u.flags = (u.flags | kUserSanitize) & ~kUserSkipSanitize;
  } else if (base::EqualsIgnoreCase(op, "nopass")) {
    u.flags |= kUserNoPass;
    u.passwords.clear();
  } else if (base::EqualsIgnoreCase(op, "resetpass")) {
    u.flags &= ~kUserNoPass;
    u.passwords.clear();
  } else if (op[0] == '>' || op[0] == '#') {
    std::string h;
    if (op[0] == '>') {
      h = HashPassword(op.substr(1));
    } else {
      if (!ValidPasswordHash(op.substr(1))) return RuleError::kBadHash;
      h = std::string(op.substr(1));
    }
    if (std::find(u.passwords.begin(), u.passwords.end(), h) == u.passwords.end()) {
      u.passwords.push_back(std::move(h));
    }
    u.flags &= ~kUserNoPass;
  } else if (op[0] == '<' || op[0] == '!') {
    std::string h;
    if (op[0] == '<') {
      h = HashPassword(op.substr(1));
    } else {
      if (!ValidPasswordHash(op.substr(1))) return RuleError::kBadHash;
      h = std::string(op.substr(1));
    }
    auto it = std::find(u.passwords.begin(), u.passwords.end(), h);
    if (it == u.passwords.end()) return RuleError::kNoSuchPassword;
    u.passwords.erase(it);
  } else if (op[0] == '(' && op.back() == ')') {
    Selector s = NewSelector(env, false);
    for (auto& part : SplitSpaces(op.substr(1, op.size() - 2))) {
      RuleError e = ApplySelectorRule(env, s, part);
      if (e != RuleError::kOk) return e;
    }
    u.selectors.push_back(std::move(s));
  } else if (base::EqualsIgnoreCase(op, "clearselectors")) {
    u.selectors.resize(1);
  } else if (base::EqualsIgnoreCase(op, "reset")) {
    for (auto r : {"resetpass", "resetkeys", "resetchannels"}) ApplyUserRule(env, u, r);
    if (env.channels_default_all) ApplyUserRule(env, u, "allchannels");
    for (auto r : {"off", "sanitize-payload", "clearselectors", "-@all"}) {
      ApplyUserRule(env, u, r);
    }
  } else {
    return ApplySelectorRule(env, u.selectors[0], op);
  }
  return RuleError::kOk;
}

bool MergeSelectorArgs(std::span<const std::string_view> in, std::vector<std::string>* out,
                       size_t* bad) {
  out->clear();
  bool open = false;
  size_t open_at = 0;
  std::string cur;
  for (size_t i = 0; i < in.size(); i++) {
    std::string_view op = in[i];
    if (!open && !op.empty() && op[0] == '(' && op.back() != ')') {
      cur = std::string(op);
      open = true;
      open_at = i;
      continue;
    }
    if (open) {
      cur += ' ';
      cur.append(op);
      if (!op.empty() && op.back() == ')') {
        open = false;
        out->push_back(std::move(cur));
        cur.clear();
      }
      continue;
    }
    out->emplace_back(op);
  }
  if (open) {
    if (bad) *bad = open_at;
    return false;
  }
  return true;
}

std::string HashPassword(std::string_view clear) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(clear.data()), clear.size(), md);
  static const char* kHex = "0123456789abcdef";
  std::string out(SHA256_DIGEST_LENGTH * 2, '0');
  for (size_t i = 0; i < SHA256_DIGEST_LENGTH; i++) {
    out[i * 2] = kHex[md[i] >> 4];
    out[i * 2 + 1] = kHex[md[i] & 15];
  }
  return out;
}

bool ValidPasswordHash(std::string_view h) {
  if (h.size() != 64) return false;
  for (char c : h) {
    if (!((c >= 'a' && c <= 'f') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

bool CheckCredentials(const User& u, std::string_view pass) {
  if (!u.enabled()) return false;
  if (u.nopass()) return true;
  std::string h = HashPassword(pass);
  bool ok = false;
  for (auto& p : u.passwords) {
    // Time-independent compare, as Redis.
    int diff = 0;
    for (size_t i = 0; i < 64 && i < p.size(); i++) diff |= (h[i] ^ p[i]);
    if (diff == 0 && p.size() == 64) ok = true;
  }
  return ok;
}

// --- Description ---------------------------------------------------------------

namespace {

void CountCategory(const Catalog& cat, const Selector& s, uint32_t flag, size_t* on, size_t* off) {
  *on = *off = 0;
  for (size_t i = 0; i < cat.size(); i++) {
    if (!(cat.at(static_cast<int>(i)).categories & flag)) continue;
    if (s.allowed[i]) {
      ++*on;
    } else {
      ++*off;
    }
  }
}

// The single-command differences between what the rules so far give
// (`fake`) and the selector, in table order (Redis walks its command dict,
// whose order is random per process; clients compare these as sets).
void DescribeSingles(const Catalog& cat, const Selector& s, Selector& fake, std::string& out,
                     int id) {
  bool ub = GetBit(s, id);
  if (ub != GetBit(fake, id)) {
    out += ub ? '+' : '-';
    out += cat.at(id).fullname;
    out += ' ';
    ChangePerm(cat, fake, id, ub);
  }
  for (int sub : cat.at(id).subs) DescribeSingles(cat, s, fake, out, sub);
  if (!ub) {
    auto it = s.firstargs.find(id);
    if (it != s.firstargs.end()) {
      for (auto& a : it->second) out += "+" + cat.at(id).fullname + "|" + a + " ";
    }
  }
}

void AppendPattern(std::string& out, const KeyPattern& p) {
  if (p.flags == kPermAll) {
    out += "~";
  } else if (p.flags == kPermRead) {
    out += "%R~";
  } else {
    out += "%W~";
  }
  out += p.pattern;
}

std::string DescribeSelector(const RuleEnv& env, const Selector& s) {
  std::string out;
  if (s.allkeys) {
    out += "~* ";
  } else {
    for (auto& p : s.patterns) {
      AppendPattern(out, p);
      out += ' ';
    }
  }
  if (s.allchannels) {
    out += "&* ";
  } else {
    out += "resetchannels ";
    for (auto& c : s.channels) out += "&" + c + " ";
  }
  out += DescribeCommandRules(env, s);
  return out;
}

}  // namespace

std::string DescribeCommandRules(const RuleEnv& env, const Selector& s) {
  const Catalog& cat = *env.catalog;
  std::string out;
  Selector fake = NewSelector(env, false);
  bool additive = !s.future;
  if (additive) {
    out += "-@all ";
  } else {
    out += "+@all ";
    SetAll(fake, true);
  }
  // Best-fit categories first: each round applies the category with the
  // fewest differences (and most in common) to the user's bitmap.
  Selector temp = s;
  bool applied[kNumCategories] = {};
  while (true) {
    int best = -1;
    size_t mindiff = INT_MAX, maxsame = 0;
    for (size_t j = 0; j < kNumCategories; j++) {
      if (applied[j]) continue;
      size_t on, off;
      CountCategory(cat, temp, 1u << j, &on, &off);
      size_t diff = additive ? off : on;
      size_t same = additive ? on : off;
      if (same > diff && (diff < mindiff || (diff == mindiff && same > maxsame))) {
        best = static_cast<int>(j);
        mindiff = diff;
        maxsame = same;
      }
    }
    if (best < 0) break;
    uint32_t flag = 1u << best;
    SetCategory(cat, fake, flag, additive);
    SetCategory(cat, temp, flag, !additive);
    out += std::string(additive ? "+@" : "-@") + kCategoryNames[best] + " ";
    applied[best] = true;
  }
  for (size_t i = 0; i < cat.size(); i++) {
    if (cat.at(static_cast<int>(i)).parent < 0) {
      DescribeSingles(cat, s, fake, out, static_cast<int>(i));
    }
  }
  if (!out.empty()) out.pop_back();
  return out;
}

std::string DescribeKeys(const Selector& s) {
  if (s.allkeys) return "~*";
  std::string out;
  for (auto& p : s.patterns) {
    if (!out.empty()) out += ' ';
    AppendPattern(out, p);
  }
  return out;
}

std::string DescribeChannels(const Selector& s) {
  if (s.allchannels) return "&*";
  std::string out;
  for (auto& c : s.channels) {
    if (!out.empty()) out += ' ';
    out += "&" + c;
  }
  return out;
}

std::string DescribeUser(const RuleEnv& env, const User& u) {
  std::string out;
  static const std::pair<uint32_t, const char*> kFlags[] = {
      {kUserOn, "on"},
      {kUserOff, "off"},
      {kUserNoPass, "nopass"},
      {kUserSkipSanitize, "skip-sanitize-payload"},
      {kUserSanitize, "sanitize-payload"},
  };
  for (auto& [bit, name] : kFlags) {
    if (u.flags & bit) out += std::string(name) + " ";
  }
  for (auto& p : u.passwords) out += "#" + p + " ";
  for (auto& s : u.selectors) {
    if (s.root) {
      out += DescribeSelector(env, s);
    } else {
      out += " (" + DescribeSelector(env, s) + ")";
    }
  }
  return out;
}

// --- Check -----------------------------------------------------------------------

namespace {

Denied CheckSelector(const Selector& s, const CheckInput& in, int* pos) {
  if (!s.allcommands && !in.no_auth && !GetBit(s, in.cmd)) {
    auto it = s.firstargs.find(in.cmd);
    if (in.args.size() < 2 || it == s.firstargs.end()) return Denied::kCommand;
    size_t idx = in.subcommand ? 2 : 1;
    if (idx >= in.args.size()) return Denied::kCommand;
    bool match = false;
    for (auto& a : it->second) {
      if (base::EqualsIgnoreCase(a, in.args[idx])) match = true;
    }
    if (!match) return Denied::kCommand;
  }
  if (!s.allkeys) {
    for (const KeyRef& k : in.keys) {
      int need = k.need;
      bool ok = false;
      for (auto& p : s.patterns) {
        if ((p.flags & need) != need) continue;
        if (base::GlobMatch(p.pattern, in.args[static_cast<size_t>(k.pos)])) {
          ok = true;
          break;
        }
      }
      if (!ok) {
        *pos = k.pos;
        return Denied::kKey;
      }
    }
  }
  if (!s.allchannels) {
    for (const ChannelRef& c : in.channels) {
      std::string_view ch = in.args[static_cast<size_t>(c.pos)];
      bool ok = false;
      for (auto& p : s.channels) {
        if ((c.pattern && p == ch) || (!c.pattern && base::GlobMatch(p, ch))) {
          ok = true;
          break;
        }
      }
      if (!ok) {
        *pos = c.pos;
        return Denied::kChannel;
      }
    }
  }
  return Denied::kOk;
}

}  // namespace

Denied CheckCommand(const User& u, const CheckInput& in, int* pos) {
  Denied relevant = Denied::kCommand;
  int last = 0;
  for (auto& s : u.selectors) {
    int p = 0;
    Denied d = CheckSelector(s, in, &p);
    if (d == Denied::kOk) return Denied::kOk;
    if (static_cast<int>(d) > static_cast<int>(relevant) || (d == relevant && p > last)) {
      relevant = d;
      last = p;
    }
  }
  *pos = last;
  return relevant;
}

bool NeedsKeys(const User& u) {
  for (auto& s : u.selectors) {
    if (!s.allkeys) return true;
  }
  return false;
}

bool NeedsChannels(const User& u) {
  for (auto& s : u.selectors) {
    if (!s.allchannels) return true;
  }
  return false;
}

bool ChannelAllowed(const User& u, std::string_view channel, bool pattern) {
  for (auto& s : u.selectors) {
    if (s.allchannels) return true;
    for (auto& p : s.channels) {
      if ((pattern && p == channel) || (!pattern && base::GlobMatch(p, channel))) return true;
    }
  }
  return false;
}

}  // namespace node::acl
