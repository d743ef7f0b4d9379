/** @file webhook.h
 *  @brief Delivers stored tickets to a help desk's webhook from the durable
 *  outbox (the tickets table), retrying with backoff until it accepts.
 */
#pragma once

#include "kb/statistics.h"

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace kb::server {

class WebhookDelivery {
 public:
  /// @p url: http:// or https:// URL to POST each ticket to as JSON.
  /// @p warn receives delivery failures (empty: stderr).
  WebhookDelivery(Statistics& stats, std::string url, std::function<void(const std::string&)> warn = {});
  ~WebhookDelivery();
  WebhookDelivery(const WebhookDelivery&) = delete;
  WebhookDelivery& operator=(const WebhookDelivery&) = delete;

  /// A new ticket is waiting: try now rather than at the next tick.
  void poke();
  void stop();

  /// The JSON body sent for @p ticket.
  static std::string payload(const Ticket& ticket);

 private:
  void run();
  bool deliver(const Ticket& ticket, std::string& error);

  Statistics& stats_;
  std::string scheme_host_port_;
  std::string path_;
  std::function<void(const std::string&)> warn_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool poked_ = false;
  std::thread thread_;
};

}  // namespace kb::server
