// node/config/config.cc
//
// Config: lookup, Set (all sources), CONFIG GET/SET/REWRITE, Validate, Dump.
// The rows live in config_table.cc. Runs on whichever thread owns the Config
// (the entrypoint's main thread before start, the engine thread after).

#include "node/config/config.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <unordered_map>

#include "node/base/strings.h"
#include "node/config/config_text.h"

namespace node::config {

using base::Status;

std::string_view SourceName(Source src) {
  switch (src) {
    case Source::kDefault:
      return "default";
    case Source::kFile:
      return "file";
    case Source::kEnv:
      return "env";
    case Source::kFlag:
      return "flag";
    case Source::kConfigSet:
      return "config set";
  }
  return "?";
}

std::string Def::EnvName() const {
  std::string_view n = name;
  if (n.starts_with("shoal-")) n.remove_prefix(6);
  std::string out = "SHOAL_";
  for (char c : n) out.push_back(c == '-' ? '_' : static_cast<char>(toupper(c)));
  return out;
}

std::string Def::FlagName() const { return "--" + std::string(name); }

namespace {

size_t RowIndex(const Def* d) { return static_cast<size_t>(d - Config::Table().data()); }

std::string DirText(const std::string& dir) {
  std::error_code ec;
  std::filesystem::path p =
      dir.empty() ? std::filesystem::current_path(ec) : std::filesystem::absolute(dir, ec);
  if (ec) return dir;
  std::string out = p.lexically_normal().string();
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

}  // namespace

const Def* Config::FindDef(std::string_view name) {
  static const auto* index = [] {
    auto* m = new std::unordered_map<std::string, const Def*>();
    for (const Def& d : Table()) {
      (*m)[std::string(d.name)] = &d;
      if (!d.alias.empty()) (*m)[std::string(d.alias)] = &d;
    }
    return m;
  }();
  auto it = index->find(base::ToLower(name));
  return it == index->end() ? nullptr : it->second;
}

Config::Config() : sources_(Table().size(), Source::kDefault) {
  for (const Def& d : Table()) {
    auto args = SplitArgs(d.default_text);
    std::vector<std::string> a = args ? *args : std::vector<std::string>{};
    if (a.empty()) a.push_back("");
    Status st = d.parse(d, s, a, false);
    (void)st;  // config_test.cc proves every default parses
    if (d.fixup) d.fixup(s);
  }
}

Source Config::source_of(std::string_view name) const {
  const Def* d = FindDef(name);
  return d ? sources_[RowIndex(d)] : Source::kDefault;
}

Status Config::SetRow(const Def& d, const std::vector<std::string>& args, Source src) {
  size_t i = RowIndex(&d);
  // A kAccumulate directive adds up over the lines of one file (and the
  // files it includes); any other source replaces it.
  bool append = (d.flags & kAccumulate) && src == Source::kFile && sources_[i] == Source::kFile;
  Status st = d.parse(d, s, args, append);
  if (!st) return st;
  if (d.fixup) d.fixup(s);
  sources_[i] = src;
  Notify(d);
  return Status::Ok();
}

Status Config::Set(std::string_view name, const std::vector<std::string>& args, Source src) {
  const Def* d = FindDef(name);
  if (!d) return Status::Error("unknown directive '" + std::string(name) + "'");
  return SetRow(*d, args, src);
}

namespace {

std::vector<std::string> ConfigSetArgs(const Def& d, std::string_view value) {
  if (d.flags & kMultiArg) {
    auto a = SplitArgs(value);
    if (a && !a->empty()) return *a;
  }
  return {std::string(value)};
}

std::string SetFailed(std::string_view name, std::string_view reason) {
  return "ERR CONFIG SET failed (possibly related to argument '" + std::string(name) + "') - " +
         std::string(reason);
}

}  // namespace

Status Config::SetFromConfigCommand(std::string_view name, std::string_view value,
                                    bool local_client) {
  std::string pair[2] = {std::string(name), std::string(value)};
  return SetManyFromConfigCommand(pair, local_client);
}

Status Config::SetManyFromConfigCommand(std::span<const std::string> nv, bool local_client) {
  if (nv.empty() || nv.size() % 2 != 0) {
    return Status::Error("ERR wrong number of arguments for 'config|set' command");
  }
  // Check everything first: names, mutability, duplicates.
  std::vector<const Def*> defs;
  for (size_t i = 0; i < nv.size(); i += 2) {
    const Def* d = FindDef(nv[i]);
    if (!d || (d->flags & kHidden)) {
      return Status::Error("ERR Unknown option or number of arguments for CONFIG SET - '" + nv[i] +
                           "'");
    }
    if (d->flags & kImmutable) return Status::Error(SetFailed(nv[i], "can't set immutable config"));
    if ((d->flags & kProtected) &&
        !ProtectedActionAllowed(s.enable_protected_configs, local_client)) {
      return Status::Error(SetFailed(nv[i], "can't set protected config"));
    }
    for (const Def* prev : defs) {
      if (prev == d) return Status::Error(SetFailed(nv[i], "duplicate parameter"));
    }
    defs.push_back(d);
  }
  // Apply all or nothing.
  const Settings before = s;
  const std::vector<Source> sources_before = sources_;
  for (size_t k = 0; k < defs.size(); ++k) {
    const Def& d = *defs[k];
    const std::string& name = nv[2 * k];
    Status st = d.parse(d, s, ConfigSetArgs(d, nv[2 * k + 1]), false);
    std::string missing;
    if (st && d.not_built) missing = d.not_built(s);
    if (!st || !missing.empty()) {
      s = before;
      sources_ = sources_before;
      return Status::Error(SetFailed(name, st ? missing : st.message()));
    }
    if (d.fixup) d.fixup(s);
    sources_[RowIndex(&d)] = Source::kConfigSet;
  }
  // Appliers that can refuse (Redis's apply functions): each runs once; a
  // failure restores every value.
  std::vector<const std::function<Status()>*> ran;
  for (size_t k = 0; k < defs.size(); ++k) {
    auto it = appliers_.find(defs[k]->name);
    if (it == appliers_.end()) continue;
    const auto* fn = it->second.get();
    if (std::find(ran.begin(), ran.end(), fn) != ran.end()) continue;
    ran.push_back(fn);
    Status st = (*fn)();
    if (!st) {
      s = before;
      sources_ = sources_before;
      return Status::Error(SetFailed(nv[2 * k], st.message()));
    }
  }
  for (const Def* d : defs) Notify(*d);
  return Status::Ok();
}

std::string Config::GetOne(std::string_view name) const {
  const Def* d = FindDef(name);
  if (!d) return "";
  if (d->name == "dir") return DirText(s.dir);
  return d->format(*d, s);
}

std::vector<std::pair<std::string, std::string>> Config::Get(std::string_view glob) const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Def& d : Table()) {
    if (d.flags & kHidden) continue;
    bool by_name = base::GlobMatch(glob, d.name, true);
    bool by_alias = !d.alias.empty() && base::GlobMatch(glob, d.alias, true);
    if (!by_name && !by_alias) continue;
    std::string v = GetOne(d.name);
    if (by_name) out.emplace_back(std::string(d.name), v);
    if (by_alias) out.emplace_back(std::string(d.alias), v);
  }
  return out;
}

Status Config::Validate() const {
  for (const Def& d : Table()) {
    if (!d.not_built) continue;
    std::string msg = d.not_built(s);
    if (!msg.empty()) return Status::Error(msg);
  }
  if (s.cluster_enabled && !s.replicaof.host.empty()) {
    return Status::Error("replicaof " + s.replicaof.host + " " + std::to_string(s.replicaof.port) +
                         ": replicaof directive not allowed in cluster mode (use CLUSTER "
                         "REPLICATE, or let shoal place replicas)");
  }
  if (s.active_defrag_cycle_min > s.active_defrag_cycle_max) {
    return Status::Error("active-defrag-cycle-min " + std::to_string(s.active_defrag_cycle_min) +
                         ": must not exceed active-defrag-cycle-max " +
                         std::to_string(s.active_defrag_cycle_max));
  }
  if (s.shoal_cluster_size < s.shoal_replicas + 1) {
    return Status::Error("shoal-cluster-size " + std::to_string(s.shoal_cluster_size) +
                         ": must be at least shoal-replicas + 1 (" +
                         std::to_string(s.shoal_replicas + 1) + ") to leave room for a master");
  }
  // With tls-cluster the TLS port is the cluster's client port (Redis 7.0).
  const bool tls_main = s.tls_cluster && s.tls_port != 0;
  const int64_t main_port = tls_main ? s.tls_port : s.port;
  const char* main_name = tls_main ? "tls-port" : "port";
  if (main_port == 0 && s.cluster_enabled) {
    return Status::Error(
        "port 0: a cluster node needs a TCP port (1-65535), or tls-port with tls-cluster yes");
  }
  if (s.cluster_enabled && main_port + 10000 > 65535 && s.cluster_port == 0) {
    return Status::Error(std::string(main_name) + " " + std::to_string(main_port) +
                         ": the cluster bus port (" + main_name +
                         " + 10000) would exceed 65535; set cluster-port");
  }
  if ((s.tls_replication || s.tls_cluster) && s.tls_port == 0 && s.port == 0) {
    return Status::Error("tls-port 0: no client port at all (port 0 and tls-port 0)");
  }
  return Status::Ok();
}

std::string Config::Dump(bool redact_secrets, bool only_set) const {
  std::string out;
  for (const Def& d : Table()) {
    if (d.flags & kNoRewrite) continue;
    if (only_set && sources_[RowIndex(&d)] == Source::kDefault) continue;
    std::string v = GetOne(d.name);
    if (redact_secrets && d.secret() && !v.empty()) v = "(redacted)";
    out += std::string(d.name) + " " + QuoteArgIfNeeded(v);
    Source src = sources_[RowIndex(&d)];
    if (src != Source::kDefault) out += " (" + std::string(SourceName(src)) + ")";
    out.push_back('\n');
  }
  return out;
}

void Config::OnChange(std::string_view name, std::function<void()> cb) {
  const Def* d = FindDef(name);
  std::string key = d ? std::string(d->name) : base::ToLower(name);
  hooks_[key].push_back(std::move(cb));
}

void Config::OnApply(std::span<const std::string_view> names, std::function<Status()> fn) {
  auto shared = std::make_shared<std::function<Status()>>(std::move(fn));
  for (std::string_view name : names) {
    const Def* d = FindDef(name);
    appliers_[d ? std::string(d->name) : base::ToLower(name)] = shared;
  }
}

void Config::Notify(const Def& d) {
  auto it = hooks_.find(d.name);
  if (it == hooks_.end()) return;
  for (auto& cb : it->second) cb();
}

// --- CONFIG REWRITE -----------------------------------------------------------

namespace {

constexpr std::string_view kRewriteMarker = "# Generated by CONFIG REWRITE";

std::vector<std::string> SplitLines(std::string_view text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    lines.emplace_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

}  // namespace

std::string Config::RewriteText(std::string_view old_content) const {
  const Config defaults;
  std::vector<std::string> lines = SplitLines(old_content);
  // A file rewritten before keeps its marker; new lines go at the end.
  bool has_marker = false;
  for (const auto& l : lines) has_marker = has_marker || l == kRewriteMarker;
  // Which old lines set which row.
  std::map<const Def*, std::vector<size_t>> where;
  for (size_t i = 0; i < lines.size(); ++i) {
    auto args = SplitArgs(lines[i]);
    if (!args || args->empty() || (*args)[0].starts_with("#")) continue;
    if (const Def* d = FindDef((*args)[0])) where[d].push_back(i);
  }
  std::vector<std::string> appended;
  std::set<size_t> blank;
  for (const Def& d : Table()) {
    if (d.flags & kNoRewrite) continue;
    std::vector<std::string> values;
    if (d.name == "dir") {
      values = {QuoteArg(DirText(s.dir))};
    } else {
      values = d.rewrite ? d.rewrite(d, s) : std::vector<std::string>{QuoteArg(d.format(d, s))};
    }
    auto it = where.find(&d);
    const bool in_file = it != where.end();
    bool is_default = GetOne(d.name) == defaults.GetOne(d.name);
    if (d.name == "dir") is_default = false;  // Redis always writes dir
    if (!in_file && is_default) continue;
    std::vector<size_t> slots = in_file ? it->second : std::vector<size_t>{};
    for (size_t k = 0; k < values.size(); ++k) {
      std::string line = std::string(d.name) + " " + values[k];
      if (k < slots.size()) {
        lines[slots[k]] = line;
      } else {
        appended.push_back(line);
      }
    }
    for (size_t k = values.size(); k < slots.size(); ++k) blank.insert(slots[k]);
  }
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (blank.count(i)) continue;
    out += lines[i];
    out.push_back('\n');
  }
  if (!appended.empty()) {
    if (!has_marker) {
      if (!out.empty() && !out.ends_with("\n\n")) out.push_back('\n');
      out += kRewriteMarker;
      out.push_back('\n');
    }
    for (const auto& l : appended) out += l + "\n";
  }
  return out;
}

Status Config::Rewrite(const std::string& path) const {
  if (path.empty()) return Status::Error("no config file");
  std::string old;
  {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      char buf[65536];
      ssize_t n;
      while ((n = ::read(fd, buf, sizeof(buf))) > 0) old.append(buf, static_cast<size_t>(n));
      ::close(fd);
      if (n < 0) return Status::Error(strerror(errno));
    } else if (errno != ENOENT) {
      return Status::Error(strerror(errno));
    }
  }
  std::string text = RewriteText(old);
  std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Error(strerror(errno));
  size_t off = 0;
  while (off < text.size()) {
    ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return Status::Error(strerror(e));
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    return Status::Error(strerror(e));
  }
  return Status::Ok();
}

}  // namespace node::config
