// entrypoint/config/load_config.cc
//
// See load_config.h. CLI11 may throw while parsing flags; everything is
// caught here and turned into one error line (main never sees exceptions
// from configuration).

#include "entrypoint/config/load_config.h"

#include <glob.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <unordered_map>

#include "node/base/strings.h"
#include "node/config/config_text.h"

#ifndef SHOAL_VERSION
#define SHOAL_VERSION "0.0.0"
#endif

namespace entrypoint::config {
namespace {

using ::node::base::Result;
using ::node::base::Status;
using ::node::config::Config;
using ::node::config::Def;
using ::node::config::Source;

constexpr int kMaxIncludeDepth = 16;
constexpr size_t kMaxSecretFileBytes = 1 << 20;

std::string JoinArgs(const std::vector<std::string>& args) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i) out.push_back(' ');
    out += args[i];
  }
  return out;
}

// "shoal: bad value 'abc' for port (from SHOAL_PORT): <reason>"
std::string BadValue(const Def& d, const std::vector<std::string>& args, std::string_view where,
                     std::string_view reason) {
  return "shoal: bad value '" + JoinArgs(args) + "' for " + std::string(d.name) + " " +
         std::string(where) + ": " + std::string(reason);
}

Result<std::string> ReadWholeFile(const std::string& path, size_t limit) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Result<std::string>::Error(std::strerror(errno));
  std::string out;
  char buf[8192];
  while (f.read(buf, sizeof(buf)) || f.gcount() > 0) {
    out.append(buf, static_cast<size_t>(f.gcount()));
    if (out.size() > limit) return Result<std::string>::Error("file too large");
  }
  if (f.bad()) return Result<std::string>::Error(std::strerror(errno));
  return out;
}

bool IsDirectory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Arguments for a row from one text value (env var or single flag token):
// multi-argument rows are split with the redis.conf quoting rules.
std::optional<std::vector<std::string>> ValueArgs(const Def& d, const std::string& value) {
  if (!(d.flags & ::node::config::kMultiArg)) return std::vector<std::string>{value};
  auto args = ::node::config::SplitArgs(value);
  if (!args) return std::nullopt;
  if (args->empty()) args->push_back("");
  return args;
}

// Multi-argument flags take every following token up to the next "--x"
// (redis-server's rule), so `--bind 127.0.0.1 -::1` and `--save 900 1 300 10`
// work. CLI11 would read "-::1" as an option: fold such runs into one
// "--name=value" token first. A single token is passed as is (it is split
// later); several are quoted so their own blanks survive.
std::vector<std::string> FoldMultiArgFlags(int argc, char** argv) {
  std::unordered_map<std::string, bool> multi;
  for (const Def& d : Config::Table()) {
    if (!(d.flags & ::node::config::kMultiArg)) continue;
    multi[d.FlagName()] = true;
    if (!d.alias.empty()) multi["--" + std::string(d.alias)] = true;
  }
  std::vector<std::string> out;
  for (int i = 0; i < argc; ++i) {
    std::string tok = argv[i] ? argv[i] : "";
    if (i == 0 || !multi.count(tok)) {
      out.push_back(std::move(tok));
      continue;
    }
    std::vector<std::string> vals;
    while (i + 1 < argc && argv[i + 1] && !std::string_view(argv[i + 1]).starts_with("--")) {
      vals.emplace_back(argv[++i]);
    }
    if (vals.empty()) {
      out.push_back(std::move(tok));  // CLI11 reports the missing value
      continue;
    }
    std::string joined;
    if (vals.size() == 1 && vals[0].empty()) {
      joined = "\"\"";  // `--save ''`: CLI11 reads a bare "--save=" as wanting the next token
    } else if (vals.size() == 1) {
      joined = vals[0];
    } else {
      for (const auto& v : vals) {
        if (!joined.empty()) joined.push_back(' ');
        joined += ::node::config::QuoteArgIfNeeded(v);
      }
    }
    out.push_back(tok + "=" + joined);
  }
  return out;
}

std::string VersionText() {
  return std::string("shoal v=") + SHOAL_VERSION + " (Redis Cluster 7.0 compatible node)";
}

}  // namespace

// --- File -----------------------------------------------------------------------

Status ApplyConfigText(std::string_view text, const std::string& origin, Config& c, int depth) {
  size_t line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    const std::string at = "at " + origin + ":" + std::to_string(line_no);
    // Comments: '#' as the first non-blank character.
    size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos || line[first] == '#') {
      if (nl == text.size()) break;
      continue;
    }
    auto args = ::node::config::SplitArgs(line);
    if (!args) return Status::Error("shoal: unbalanced quotes in configuration line " + at);
    if (args->empty()) continue;
    std::string name = std::move((*args)[0]);
    args->erase(args->begin());
    if (::node::base::EqualsIgnoreCase(name, "include")) {
      if (args->size() != 1) {
        return Status::Error("shoal: 'include' takes one file name " + at);
      }
      if (depth + 1 >= kMaxIncludeDepth) {
        return Status::Error("shoal: includes nested too deeply " + at);
      }
      std::filesystem::path p((*args)[0]);
      if (p.is_relative()) {
        p = std::filesystem::path(origin).parent_path() / p;
      }
      // Wildcards include every match in alphabetical order (none is fine).
      std::vector<std::string> files;
      if (p.string().find_first_of("*?[") != std::string::npos) {
        glob_t g{};
        if (::glob(p.c_str(), 0, nullptr, &g) == 0) {
          for (size_t k = 0; k < g.gl_pathc; ++k) files.emplace_back(g.gl_pathv[k]);
        }
        ::globfree(&g);
      } else {
        files.push_back(p.string());
      }
      for (const auto& f : files) {
        auto content = ReadWholeFile(f, 64u << 20);
        if (!content) {
          return Status::Error("shoal: can't open included file '" + f + "' " + at + ": " +
                               content.error());
        }
        Status st = ApplyConfigText(*content, f, c, depth + 1);
        if (!st) return st;
      }
      if (nl == text.size()) break;
      continue;
    }
    const Def* d = Config::FindDef(name);
    if (!d) return Status::Error("shoal: unknown directive '" + name + "' " + at);
    if (args->empty()) {
      return Status::Error("shoal: missing value for " + std::string(d->name) + " " + at);
    }
    Status st = c.Set(d->name, *args, Source::kFile);
    if (!st) return Status::Error(BadValue(*d, *args, at, st.message()));
    if (nl == text.size()) break;
  }
  return Status::Ok();
}

Status ApplyConfigFile(const std::string& path, Config& c) {
  auto content = ReadWholeFile(path, 64u << 20);
  if (!content) {
    return Status::Error("shoal: can't open config file '" + path + "': " + content.error());
  }
  return ApplyConfigText(*content, path, c, 0);
}

// --- Environment -------------------------------------------------------------------

std::string ConfigFileFromEnv(char** envp) {
  for (char** e = envp; e && *e; ++e) {
    std::string_view kv(*e);
    if (kv.starts_with("SHOAL_CONFIG=")) return std::string(kv.substr(13));
  }
  return "";
}

Status ApplyEnv(char** envp, Config& c, std::vector<std::string>* warnings) {
  static const auto* by_env = [] {
    auto* m = new std::unordered_map<std::string, const Def*>();
    for (const Def& d : Config::Table()) (*m)[d.EnvName()] = &d;
    return m;
  }();
  // Collect first so X and X_FILE can be checked against each other.
  std::map<const Def*, std::pair<std::string, std::string>> direct, from_file;  // name, value
  for (char** e = envp; e && *e; ++e) {
    std::string_view kv(*e);
    if (!kv.starts_with("SHOAL_")) continue;
    size_t eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    std::string name(kv.substr(0, eq));
    std::string value(kv.substr(eq + 1));
    if (name == "SHOAL_CONFIG") continue;  // the file, handled by LoadConfig
    if (auto it = by_env->find(name); it != by_env->end()) {
      direct[it->second] = {name, value};
      continue;
    }
    if (name.ends_with("_FILE")) {
      auto it = by_env->find(name.substr(0, name.size() - 5));
      if (it != by_env->end()) {
        from_file[it->second] = {name, value};
        continue;
      }
    }
    if (warnings) warnings->push_back("ignoring unknown environment variable " + name);
  }
  for (auto& [d, nv] : from_file) {
    if (direct.count(d)) {
      return Status::Error("shoal: both " + direct[d].first + " and " + nv.first +
                           " are set; use one");
    }
    auto content = ReadWholeFile(nv.second, kMaxSecretFileBytes);
    if (!content) {
      return Status::Error("shoal: can't read " + nv.first + " '" + nv.second +
                           "': " + content.error());
    }
    std::string v = std::move(*content);
    while (!v.empty() && (v.back() == '\n' || v.back() == '\r')) v.pop_back();
    direct[d] = {nv.first, v};
  }
  // Apply in table order so errors are deterministic.
  for (const Def& d : Config::Table()) {
    auto it = direct.find(&d);
    if (it == direct.end()) continue;
    const auto& [name, value] = it->second;
    auto args = ValueArgs(d, value);
    if (!args) {
      return Status::Error(BadValue(d, {value}, "(from " + name + ")", "unbalanced quotes"));
    }
    Status st = c.Set(d.name, *args, Source::kEnv);
    if (!st) {
      // A secret read from a file is not echoed.
      std::vector<std::string> shown = *args;
      if (d.secret() || name.ends_with("_FILE")) shown = {"(redacted)"};
      return Status::Error(BadValue(d, shown, "(from " + name + ")", st.message()));
    }
  }
  return Status::Ok();
}

// --- Everything ----------------------------------------------------------------------

Result<LoadedConfig> LoadConfig(int argc, char** argv, char** envp) {
  LoadedConfig out;
  const auto& table = Config::Table();
  std::vector<std::vector<std::string>> flag_values(table.size());
  std::vector<CLI::Option*> flag_opts(table.size(), nullptr);
  std::string config_flag, config_positional;

  CLI::App app{
      "shoal: a Redis Cluster 7.0 node that is its own container entrypoint.\n"
      "Every setting is a redis.conf directive, a SHOAL_* variable and a flag;\n"
      "precedence: defaults < --config file < environment < flags.",
      "shoal"};
  try {
    app.set_help_flag("-h,--help", "Print this help and exit");
    app.set_version_flag("--version", VersionText(), "Print the version and exit");
    app.add_option("--config", config_flag, "redis.conf-style file (env SHOAL_CONFIG)")
        ->type_name("FILE");
    app.add_option("configfile", config_positional, "Same as --config (redis-server style)")
        ->type_name("FILE");
    for (size_t i = 0; i < table.size(); ++i) {
      const Def& d = table[i];
      std::string names = d.FlagName();
      if (!d.alias.empty()) names += ",--" + std::string(d.alias);
      std::string desc = std::string(d.help);
      if (!desc.empty()) desc += "; ";
      desc += "default '" + std::string(d.default_text) + "', env " + d.EnvName();
      if (d.flags & ::node::config::kImmutable) desc += ", fixed at start";
      CLI::Option* opt = app.add_option(names, flag_values[i], desc);
      if (d.flags & ::node::config::kMultiArg) {
        opt->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
        opt->type_name("ARGS...");
      } else {
        opt->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
        opt->type_name(d.type == ::node::config::Type::kBool ? "yes|no" : "VALUE");
      }
      flag_opts[i] = opt;
    }
    std::vector<std::string> folded = FoldMultiArgFlags(argc, argv);
    std::vector<char*> folded_ptrs;
    for (auto& f : folded) folded_ptrs.push_back(f.data());
    app.parse(static_cast<int>(folded_ptrs.size()), folded_ptrs.data());
  } catch (const CLI::CallForHelp&) {
    out.action = LoadedConfig::Action::kHelp;
    out.text = app.help();
    return out;
  } catch (const CLI::CallForVersion&) {
    out.action = LoadedConfig::Action::kVersion;
    out.text = VersionText() + "\n";
    return out;
  } catch (const CLI::Error& e) {
    return Result<LoadedConfig>::Error(std::string("shoal: ") + e.what() + " (see --help)");
  } catch (const std::exception& e) {
    return Result<LoadedConfig>::Error(std::string("shoal: ") + e.what());
  }

  // 1. The file.
  std::string file = !config_flag.empty()         ? config_flag
                     : !config_positional.empty() ? config_positional
                                                  : ConfigFileFromEnv(envp);
  if (!file.empty()) {
    std::error_code ec;
    auto abs = std::filesystem::absolute(file, ec);
    out.config_file = ec ? file : abs.lexically_normal().string();
    Status st = ApplyConfigFile(out.config_file, out.config);
    if (!st) return Result<LoadedConfig>::Error(st.message());
  }
  // 2. The environment.
  if (Status st = ApplyEnv(envp, out.config, &out.warnings); !st) {
    return Result<LoadedConfig>::Error(st.message());
  }
  // 3. Flags.
  for (size_t i = 0; i < table.size(); ++i) {
    if (flag_opts[i]->count() == 0) continue;
    const Def& d = table[i];
    std::vector<std::string> args = flag_values[i];
    if (d.flags & ::node::config::kMultiArg) {
      // Repeated flags add up: `--save "900 1" --save "300 10"`.
      std::string joined;
      for (const auto& a : args) joined += (joined.empty() ? "" : " ") + a;
      auto split = ValueArgs(d, joined);
      if (!split) {
        return Result<LoadedConfig>::Error(
            BadValue(d, args, "(from " + d.FlagName() + ")", "unbalanced quotes"));
      }
      args = *split;
    }
    if (!(d.flags & ::node::config::kMultiArg) && args.size() > 1) args = {args.back()};
    Status st = out.config.Set(d.name, args, Source::kFlag);
    if (!st) {
      return Result<LoadedConfig>::Error(
          BadValue(d, d.secret() ? std::vector<std::string>{"(redacted)"} : args,
                   "(from " + d.FlagName() + ")", st.message()));
    }
  }
  // 4. Cross-checks and features not built yet.
  if (Status st = out.config.Validate(); !st) {
    return Result<LoadedConfig>::Error("shoal: " + st.message());
  }
  const std::string& dir = out.config.s.dir;
  if (!dir.empty() && !IsDirectory(dir)) {
    return Result<LoadedConfig>::Error("shoal: bad value '" + dir +
                                       "' for dir: not an existing directory");
  }
  return out;
}

}  // namespace entrypoint::config
