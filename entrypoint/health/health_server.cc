// entrypoint/health/health_server.cc
//
// Routes and lifecycle of the health HTTP server. Handlers run on httplib's
// worker pool; each request reads the providers under mu_ (copying the
// std::functions) and calls them outside the lock.

#include "entrypoint/health/health_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "node/base/log.h"

namespace entrypoint::health {

HealthServer::HealthServer(HealthOptions opts, StatusProvider status)
    : opts_(std::move(opts)), status_(std::move(status)) {}

HealthServer::~HealthServer() { Stop(); }

void HealthServer::SetStatusProvider(StatusProvider p) {
  std::lock_guard<std::mutex> lk(mu_);
  status_ = std::move(p);
}
void HealthServer::SetBootstrapPhaseProvider(std::function<std::string()> p) {
  std::lock_guard<std::mutex> lk(mu_);
  bootstrap_phase_ = std::move(p);
}
void HealthServer::SetFormationSecondsProvider(std::function<double()> p) {
  std::lock_guard<std::mutex> lk(mu_);
  formation_seconds_ = std::move(p);
}
void HealthServer::SetFailoversProvider(std::function<uint64_t()> p) {
  std::lock_guard<std::mutex> lk(mu_);
  failovers_ = std::move(p);
}
void HealthServer::SetLastErrorProvider(std::function<std::string()> p) {
  std::lock_guard<std::mutex> lk(mu_);
  last_error_ = std::move(p);
}

std::optional<node::server::NodeStatus> HealthServer::Snapshot() {
  StatusProvider p;
  {
    std::lock_guard<std::mutex> lk(mu_);
    p = status_;
  }
  if (!p) return std::nullopt;
  auto st = p(opts_.status_deadline);
  if (st) st->loop_alive = true;
  return st;
}

Extras HealthServer::ReadExtras() {
  std::function<std::string()> phase, last_error;
  std::function<double()> formation;
  std::function<uint64_t()> failovers;
  {
    std::lock_guard<std::mutex> lk(mu_);
    phase = bootstrap_phase_;
    last_error = last_error_;
    formation = formation_seconds_;
    failovers = failovers_;
  }
  Extras e;
  if (phase) e.bootstrap_phase = phase();
  if (last_error) e.last_error = last_error();
  if (formation) e.formation_seconds = formation();
  if (failovers) e.failovers_total = failovers();
  return e;
}

void HealthServer::Routes() {
  auto& h = *http_;
  h.Get("/livez", [this](const httplib::Request&, httplib::Response& res) {
    if (Snapshot()) {
      res.set_content("ok\n", "text/plain; charset=utf-8");
    } else {
      res.status = 503;
      res.set_content("engine loop did not answer within " +
                          std::to_string(opts_.status_deadline.count()) + " ms\n",
                      "text/plain; charset=utf-8");
    }
  });
  h.Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
    Readiness r = CheckReady(Snapshot());
    res.status = r.ready ? 200 : 503;
    res.set_content(r.reason + "\n", "text/plain; charset=utf-8");
  });
  h.Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
    auto st = Snapshot();
    Readiness r = CheckReady(st);
    res.status = st ? 200 : 503;
    res.set_content(RenderHealthJson(st, r, ReadExtras()) + "\n", "application/json");
  });
  h.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(RenderMetrics(Snapshot(), ReadExtras(), opts_.redis_version),
                    "text/plain; version=0.0.4; charset=utf-8");
  });
  h.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.status == 404) {
      res.set_content("not found: try /livez, /readyz, /healthz or /metrics\n",
                      "text/plain; charset=utf-8");
    }
  });
  h.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    res.status = 500;
    res.set_content("internal error\n", "text/plain; charset=utf-8");
  });
}

node::base::Status HealthServer::Start() {
  if (started_) return node::base::Status::Ok();
  http_ = std::make_unique<httplib::Server>();
  int workers = opts_.worker_threads > 0 ? opts_.worker_threads : 1;
  http_->new_task_queue = [workers] { return new httplib::ThreadPool(workers); };
  // httplib's default also sets SO_REUSEPORT, which would let a second node
  // on the same address share the port silently; SO_REUSEADDR alone still
  // allows a quick restart over TIME_WAIT.
  http_->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  http_->set_payload_max_length(4096);  // GETs only
  http_->set_read_timeout(std::chrono::seconds(5));
  http_->set_write_timeout(std::chrono::seconds(5));
  http_->set_keep_alive_max_count(10);
  Routes();
  int port = opts_.port;
  bool ok;
  if (port == 0) {
    port = http_->bind_to_any_port(opts_.host);
    ok = port > 0;
  } else {
    ok = http_->bind_to_port(opts_.host, port);
  }
  if (!ok) {
    int err = errno;
    http_.reset();
    return node::base::Status::Error(
        "can't bind the health port " + opts_.host + ":" + std::to_string(opts_.port) +
        " (shoal-http-port): " + (err ? strerror(err) : "bind failed"));
  }
  port_ = port;
  thread_ = std::thread([this] { http_->listen_after_bind(); });
  started_ = true;
  // httplib's stop() is a no-op until the listen loop has marked itself
  // running, so a Stop() right after Start() would hang; wait for it here.
  for (int i = 0; i < 5000 && !http_->is_running(); i++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  LOG_INFO("Health endpoints on http://{}:{}/ (livez, readyz, healthz, metrics)", opts_.host, port);
  return node::base::Status::Ok();
}

void HealthServer::Stop() {
  if (!started_) return;
  http_->stop();
  thread_.join();
  http_.reset();
  started_ = false;
}

}  // namespace entrypoint::health
