// entrypoint/config/load_config.h
//
// Fills node's configuration table from its four sources, in precedence
// order: built-in defaults < redis.conf-style file (--config FILE, or a first
// positional argument like redis-server) < SHOAL_* environment < command-line
// flags (one per table row, generated from the table). Then validates.
//
// Called once by main() on the main thread, before the node starts. Every
// error is ONE line naming the setting, the value and what is allowed, e.g.
//   shoal: bad value 'abc' for cluster-node-timeout (from SHOAL_CLUSTER_NODE_TIMEOUT):
//   argument couldn't be parsed into an integer
//   shoal: unknown directive 'foo' at /etc/shoal.conf:3
// main() prints it on stderr and exits 1.

#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "node/base/result.h"
#include "node/config/config.h"

namespace entrypoint::config {

struct LoadedConfig {
  enum class Action { kRun, kHelp, kVersion };

  node::config::Config config;
  // Absolute path of the config file ("" when none): CONFIG REWRITE's target.
  std::string config_file;
  // kHelp / kVersion: print `text` on stdout and exit 0 without starting.
  Action action = Action::kRun;
  std::string text;
  // Non-fatal notes for the startup log (e.g. unknown SHOAL_* variables).
  std::vector<std::string> warnings;
};

// The whole load: flags parsed first (to find --config), then file, env and
// flags applied in precedence order, then Config::Validate().
node::base::Result<LoadedConfig> LoadConfig(int argc, char** argv, char** envp);

// --- The pieces (also used by tests) -----------------------------------------

// Reads a redis.conf-style file into `c` (Source::kFile): Redis's quoting,
// comments, multi-argument directives, `include` (relative paths are taken
// from the including file's directory; nesting limited to 16 levels).
node::base::Status ApplyConfigFile(const std::string& path, node::config::Config& c);
// Same, from text; `origin` names it in errors ("/path" -> "at /path:3").
node::base::Status ApplyConfigText(std::string_view text, const std::string& origin,
                                   node::config::Config& c, int depth = 0);

// Applies SHOAL_* variables from a NULL-terminated envp (Source::kEnv).
// SHOAL_X_FILE=/path reads the value from a file (trailing newline trimmed),
// for Docker/Kubernetes secrets. Unknown SHOAL_* names become warnings.
node::base::Status ApplyEnv(char** envp, node::config::Config& c,
                            std::vector<std::string>* warnings);

// The value of SHOAL_CONFIG in envp, "" when absent.
std::string ConfigFileFromEnv(char** envp);

}  // namespace entrypoint::config
