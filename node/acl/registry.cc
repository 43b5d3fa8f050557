// node/acl/registry.cc -- see registry.h.

#include "node/acl/registry.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "node/base/clock.h"

namespace node::acl {

namespace {

constexpr int64_t kLogGroupingMs = 60000;

bool HasSpaces(std::string_view s) {
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' || c == 0) {
      return true;
    }
  }
  return false;
}

std::string Trim(std::string_view s, std::string_view chars) {
  size_t b = s.find_first_not_of(chars);
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(chars);
  return std::string(s.substr(b, e - b + 1));
}

// Redis's sdssplitlen on " ": empty fields between repeated spaces are kept.
std::vector<std::string> SplitOnSpace(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); i++) {
    if (i == s.size() || s[i] == ' ') {
      out.emplace_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

}  // namespace

Registry::Registry(const Catalog* catalog) {
  env_.catalog = catalog;
  default_user_ = std::make_shared<User>(NewDefaultUser(env_));
  users_["default"] = default_user_;
}

void Registry::set_log_max_len(size_t n) {
  log_max_len_ = n;
  while (log_.size() > log_max_len_) log_.pop_back();
}

UserPtr Registry::Find(std::string_view name) const {
  auto it = users_.find(name);
  return it == users_.end() ? nullptr : it->second;
}

std::string Registry::SetUser(std::string_view name, std::span<const std::string_view> rules,
                              User* before, UserPtr* after) {
  std::vector<std::string> merged;
  size_t bad = 0;
  if (!MergeSelectorArgs(rules, &merged, &bad)) {
    return "Unmatched parenthesis in acl selector starting at '" + std::string(rules[bad]) + "'.";
  }
  UserPtr existing = Find(name);
  User temp = existing ? *existing : NewUser(env_, name);
  for (auto& r : merged) {
    RuleError e = ApplyUserRule(env_, temp, r);
    if (e != RuleError::kOk) {
      return "Error in ACL SETUSER modifier '" + r + "': " + RuleErrorText(e);
    }
  }
  if (before) *before = existing ? *existing : User{};
  if (existing) {
    *existing = std::move(temp);
  } else {
    existing = std::make_shared<User>(std::move(temp));
    users_[std::string(name)] = existing;
  }
  if (after) *after = existing;
  return "";
}

UserPtr Registry::Remove(std::string_view name) {
  auto it = users_.find(name);
  if (it == users_.end()) return nullptr;
  UserPtr u = it->second;
  users_.erase(it);
  return u;
}

void Registry::SetDefaultPassword(std::string_view pass) {
  ApplyUserRule(env_, *default_user_, "resetpass");
  if (pass.empty()) {
    ApplyUserRule(env_, *default_user_, "nopass");
  } else {
    ApplyUserRule(env_, *default_user_, ">" + std::string(pass));
  }
}

std::string Registry::LoadText(std::string_view text, std::string_view filename,
                               std::vector<UserPtr>* dropped) {
  std::map<std::string, UserPtr, std::less<>> fresh;
  std::string errors;
  std::string fname(filename);
  size_t linenum = 0;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    std::string line = Trim(text.substr(start, nl - start), " \t\r\n");
    start = nl + 1;
    linenum++;
    if (line.empty()) {
      if (nl == text.size()) break;
      continue;
    }
    std::vector<std::string> argv = SplitOnSpace(line);
    if (argv.empty() || argv[0] != "user" || argv.size() < 2) {
      errors += fname + ":" + std::to_string(linenum) +
                " should start with user keyword followed by the username. ";
      continue;
    }
    if (HasSpaces(argv[1])) {
      errors += "'" + fname + ":" + std::to_string(linenum) + ": username '" + argv[1] +
                "' contains invalid characters. ";
      continue;
    }
    if (fresh.count(argv[1])) {
      errors += "WARNING: Duplicate user '" + argv[1] + "' found on line " +
                std::to_string(linenum) + ". ";
      continue;
    }
    User u = NewUser(env_, argv[1]);
    std::vector<std::string_view> ops(argv.begin() + 2, argv.end());
    std::vector<std::string> merged;
    if (!MergeSelectorArgs(ops, &merged, nullptr)) {
      errors +=
          fname + ":" + std::to_string(linenum) + ": Unmatched parenthesis in selector definition.";
    }
    bool syntax_error = false;
    for (auto& op : merged) {
      std::string t = Trim(op, "\t\r\n");
      RuleError e = ApplyUserRule(env_, u, t);
      if (e == RuleError::kUnknownCommand) {
        errors += fname + ":" + std::to_string(linenum) + ": Error in applying operation '" + t +
                  "': " + RuleErrorText(e) + ". ";
      } else if (e != RuleError::kOk && !syntax_error) {
        errors += fname + ":" + std::to_string(linenum) + ": " + RuleErrorText(e) + ". ";
        syntax_error = true;
      }
    }
    fresh[argv[1]] = std::make_shared<User>(std::move(u));
    if (nl == text.size()) break;
  }
  if (!errors.empty()) {
    return errors +
           "WARNING: ACL errors detected, no change to the previously active ACL rules was "
           "performed";
  }
  // The default user object stays the same (clients point at it).
  auto it = fresh.find("default");
  if (it != fresh.end()) {
    *default_user_ = *it->second;
  } else {
    *default_user_ = NewDefaultUser(env_);
  }
  fresh["default"] = default_user_;
  for (auto& [name, u] : users_) {
    if (u != default_user_ && dropped) dropped->push_back(u);
  }
  users_ = std::move(fresh);
  return "";
}

std::string Registry::LoadFile(const std::string& filename, std::vector<UserPtr>* dropped) {
  std::ifstream in(filename, std::ios::binary);
  if (!in) {
    return "Error loading ACLs, opening file '" + filename + "': " + std::strerror(errno);
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return LoadText(ss.str(), filename, dropped);
}

std::string Registry::SaveText() const {
  std::string out;
  for (auto& [name, u] : users_) out += "user " + name + " " + DescribeUser(env_, *u) + "\n";
  return out;
}

bool Registry::SaveFile(const std::string& filename) const {
  std::string text = SaveText();
  std::string tmp =
      filename + ".tmp-" + std::to_string(getpid()) + "-" + std::to_string(base::UnixMs());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return false;
  size_t off = 0;
  while (off < text.size()) {
    ssize_t n = write(fd, text.data() + off, text.size() - off);
    if (n <= 0) {
      close(fd);
      unlink(tmp.c_str());
      return false;
    }
    off += static_cast<size_t>(n);
  }
  fsync(fd);
  close(fd);
  if (rename(tmp.c_str(), filename.c_str()) != 0) {
    unlink(tmp.c_str());
    return false;
  }
  return true;
}

void Registry::AddLog(LogEntry e) {
  // A similar entry among the ten newest is bumped instead (Redis's
  // ACLLogMatchEntry: same reason, context, object, user, within 60 s).
  size_t scan = std::min<size_t>(10, log_.size());
  for (size_t i = 0; i < scan; i++) {
    LogEntry& cur = log_[i];
    int64_t delta = cur.ctime_ms - e.ctime_ms;
    if (delta < 0) delta = -delta;
    if (cur.reason == e.reason && cur.context == e.context && delta <= kLogGroupingMs &&
        cur.object == e.object && cur.username == e.username) {
      LogEntry m = std::move(cur);
      log_.erase(log_.begin() + static_cast<std::ptrdiff_t>(i));
      m.cinfo = std::move(e.cinfo);
      m.ctime_ms = e.ctime_ms;
      m.count++;
      log_.push_front(std::move(m));
      return;
    }
  }
  log_.push_front(std::move(e));
  while (log_.size() > log_max_len_) log_.pop_back();
}

}  // namespace node::acl
