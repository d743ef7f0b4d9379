/** @file webhook.cpp
 *  @brief Outbox delivery loop.
 */
#include "webhook.h"

#include "kb/tickets.h"

#include <httplib.h>

#include <algorithm>
#include <cstdio>

namespace kb::server {

WebhookDelivery::WebhookDelivery(Statistics& stats, std::string url, std::function<void(const std::string&)> warn)
    : stats_(stats), warn_(std::move(warn)) {
  if (!warn_) warn_ = [](const std::string& m) { std::fprintf(stderr, "kb-server: warning: %s\n", m.c_str()); };
  const std::size_t scheme = url.find("://");
  if (scheme == std::string::npos || (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)) {
    throw std::invalid_argument("--ticket-webhook must be an http:// or https:// URL: " + url);
  }
  const std::size_t slash = url.find('/', scheme + 3);
  scheme_host_port_ = url.substr(0, slash);
  path_ = slash == std::string::npos ? "/" : url.substr(slash);
  thread_ = std::thread([this] { run(); });
}

WebhookDelivery::~WebhookDelivery() { stop(); }

void WebhookDelivery::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void WebhookDelivery::poke() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    poked_ = true;
  }
  wake_.notify_all();
}

std::string WebhookDelivery::payload(const Ticket& t) {
  return nlohmann::json{{"id", t.id},
                        {"reference", t.reference},
                        {"created_at_ms", t.created_at_ms},
                        {"subject", t.subject},
                        {"description", t.description},
                        {"email", t.email},
                        {"context", t.context}}
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool WebhookDelivery::deliver(const Ticket& t, std::string& error) {
  httplib::Client cli(scheme_host_port_);
  cli.set_connection_timeout(5, 0);
  cli.set_read_timeout(10, 0);
  cli.set_write_timeout(10, 0);
  // The help desk can drop a duplicate (a retry after a lost answer) by this key.
  const httplib::Headers headers{{"Idempotency-Key", t.reference}, {"User-Agent", "kb-server"}};
  const auto res = cli.Post(path_.c_str(), headers, payload(t), "application/json");
  if (!res) {
    error = "no answer: " + httplib::to_string(res.error());
    return false;
  }
  if (res->status < 200 || res->status >= 300) {
    error = "status " + std::to_string(res->status);
    return false;
  }
  return true;
}

void WebhookDelivery::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_ || poked_; });
    if (stopping_) break;
    poked_ = false;
    lock.unlock();
    try {
      const auto due = stats_.with_store([](StatsStore& s) { return s.due_deliveries(now_ms(), 50); });
      for (const Ticket& t : due) {
        std::string error;
        if (deliver(t, error)) {
          stats_.with_store([&](StatsStore& s) {
            s.mark_delivered(t.id, now_ms());
            return 0;
          });
        } else {
          // 1 s, 2 s, 4 s ... at most 5 minutes between attempts.
          const std::int64_t backoff = std::min<std::int64_t>(300000, 1000LL << std::min(t.attempts, 9));
          stats_.with_store([&](StatsStore& s) {
            s.mark_failed(t.id, error, now_ms() + backoff);
            return 0;
          });
          warn_("ticket " + t.reference + " not delivered (" + error + ", attempt " + std::to_string(t.attempts + 1) +
                "); retrying in " + std::to_string(backoff / 1000) + " s");
        }
      }
    } catch (const std::exception& e) {
      warn_(std::string("webhook outbox: ") + e.what());
    }
    lock.lock();
  }
}

}  // namespace kb::server
