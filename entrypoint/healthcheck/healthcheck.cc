// entrypoint/healthcheck/healthcheck.cc
//
// The healthcheck subcommand: argument parsing and one libcurl GET.

#include "entrypoint/healthcheck/healthcheck.h"

#include <curl/curl.h>

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "node/base/strings.h"

namespace entrypoint::healthcheck {

namespace {

constexpr size_t kMaxBody = 64 * 1024;
constexpr size_t kMaxReason = 200;

size_t OnBody(char* data, size_t size, size_t nmemb, void* user) {
  auto* body = static_cast<std::string*>(user);
  size_t n = size * nmemb;
  if (body->size() < kMaxBody) body->append(data, std::min(n, kMaxBody - body->size()));
  return n;
}

// The first line of the body, trimmed and bounded, printable ASCII only.
std::string FirstLine(std::string_view body) {
  size_t nl = body.find_first_of("\r\n");
  std::string_view line = body.substr(0, nl);
  while (!line.empty() && line.back() == ' ') line.remove_suffix(1);
  std::string out;
  for (char c : line.substr(0, kMaxReason)) {
    out += (c >= 0x20 && c < 0x7F) ? c : '?';
  }
  return out;
}

node::base::Result<int> ParsePort(std::string_view v, std::string_view from) {
  auto p = node::base::ParseInt64(v);
  if (!p || *p < 1 || *p > 65535) {
    return node::base::Result<int>::Error("healthcheck: bad port '" + std::string(v) + "' (" +
                                          std::string(from) + "): expected 1..65535");
  }
  return static_cast<int>(*p);
}

constexpr const char* kUsage =
    "usage: shoal healthcheck [--ready] [--port N] [--host H] [--timeout MS]";

}  // namespace

node::base::Result<ProbeOptions> ParseHealthcheckArgs(int argc, char** argv, const char* env_port) {
  using R = node::base::Result<ProbeOptions>;
  ProbeOptions o;
  if (env_port && *env_port) {
    auto p = ParsePort(env_port, "SHOAL_HTTP_PORT");
    if (!p) return R::Error(p.error());
    o.port = *p;
  }
  for (int i = 1; i < argc; i++) {
    std::string_view a = argv[i];
    std::string_view value;
    bool has_value = false;
    if (size_t eq = a.find('='); a.starts_with("--") && eq != std::string_view::npos) {
      value = a.substr(eq + 1);
      a = a.substr(0, eq);
      has_value = true;
    }
    auto need = [&]() -> bool {
      if (has_value) return true;
      if (i + 1 >= argc) return false;
      value = argv[++i];
      return true;
    };
    if (a == "--ready") {
      o.ready = true;
    } else if (a == "--live") {
      o.ready = false;
    } else if (a == "--port") {
      if (!need()) return R::Error("healthcheck: --port needs a value");
      auto p = ParsePort(value, "--port");
      if (!p) return R::Error(p.error());
      o.port = *p;
    } else if (a == "--host") {
      if (!need() || value.empty()) return R::Error("healthcheck: --host needs a value");
      o.host = std::string(value);
    } else if (a == "--timeout") {
      if (!need()) return R::Error("healthcheck: --timeout needs a value");
      auto t = node::base::ParseInt64(value);
      if (!t || *t < 1 || *t > 600000) {
        return R::Error("healthcheck: bad --timeout '" + std::string(value) +
                        "': expected milliseconds, 1..600000");
      }
      o.timeout_ms = static_cast<long>(*t);
    } else if (a == "-h" || a == "--help") {
      return R::Error(kUsage);
    } else {
      return R::Error("healthcheck: unknown argument '" + std::string(a) + "'; " + kUsage);
    }
  }
  return o;
}

ProbeResult Probe(const ProbeOptions& opts) {
  const char* path = opts.ready ? "/readyz" : "/livez";
  std::string host = opts.host;
  if (host.find(':') != std::string::npos && host.front() != '[') host = "[" + host + "]";
  std::string url = "http://" + host + ":" + std::to_string(opts.port) + path;

  ProbeResult r;
  CURL* curl = curl_easy_init();
  if (!curl) {
    r.line = std::string("unhealthy: ") + path + ": can't initialise libcurl";
    return r;
  }
  std::string body;
  char err[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");  // never through http_proxy
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http");
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, opts.timeout_ms);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, opts.timeout_ms);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, err);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "shoal-healthcheck");
  CURLcode rc = curl_easy_perform(curl);
  long code = 0;
  if (rc == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
  curl_easy_cleanup(curl);

  if (rc != CURLE_OK) {
    std::string why = err[0] ? FirstLine(err) : curl_easy_strerror(rc);
    r.line = std::string("unhealthy: ") + path + ": " + why + " (" + url + ")";
    return r;
  }
  r.healthy = code >= 200 && code < 300;
  r.line = std::string(r.healthy ? "ok: " : "unhealthy: ") + path + " " + std::to_string(code);
  if (!r.healthy) {
    std::string reason = FirstLine(body);
    if (!reason.empty()) r.line += ": " + reason;
  }
  return r;
}

int RunHealthcheck(int argc, char** argv) {
  auto opts = ParseHealthcheckArgs(argc, argv, getenv("SHOAL_HTTP_PORT"));
  if (!opts) {
    printf("%s\n", opts.error().c_str());
    return 1;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  ProbeResult r = Probe(*opts);
  printf("%s\n", r.line.c_str());
  fflush(stdout);
  return r.healthy ? 0 : 1;
}

}  // namespace entrypoint::healthcheck
