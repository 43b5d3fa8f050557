// node/base/log.cc -- see log.h.

#include "node/base/log.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <unistd.h>

namespace node::base {

void InitLogging() {
  auto logger = spdlog::stderr_logger_mt("shoal");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern(fmt::format("{}:M %d %b %Y %H:%M:%S.%e %^%L%$ %v", getpid()));
  spdlog::set_level(spdlog::level::info);
}

bool SetLogLevel(std::string_view level) {
  if (level == "debug") {
    spdlog::set_level(spdlog::level::debug);
  } else if (level == "verbose") {
    spdlog::set_level(spdlog::level::debug);
  } else if (level == "notice") {
    spdlog::set_level(spdlog::level::info);
  } else if (level == "warning") {
    spdlog::set_level(spdlog::level::warn);
  } else if (level == "nothing") {
    spdlog::set_level(spdlog::level::off);
  } else {
    return false;
  }
  return true;
}

bool SetLogFile(const std::string& path) {
  if (path.empty()) return true;
  try {
    auto level = spdlog::default_logger()->level();
    auto logger = spdlog::basic_logger_mt("shoal-file", path);
    spdlog::set_default_logger(logger);
    spdlog::set_pattern(fmt::format("{}:M %d %b %Y %H:%M:%S.%e %L %v", getpid()));
    spdlog::set_level(level);
    spdlog::flush_every(std::chrono::seconds(1));
    return true;
  } catch (const spdlog::spdlog_ex&) {
    return false;
  }
}

}  // namespace node::base
