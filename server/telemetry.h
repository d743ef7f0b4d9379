/** @file telemetry.h
 *  @brief What kb-server tells its operators: Prometheus metrics, one
 *  structured log line per request (with a request id), and error and
 *  warning lines in the same format.
 *
 *  No personal data goes into logs: a request is logged by its route
 *  pattern ("/articles/{slug}"), never its path or query string, and
 *  without the client address, cookies or tokens.
 */
#pragma once

#include "kb/metrics.h"

#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>

namespace kb::server {

enum class LogFormat { json, text };

/// "json" or "text"; anything else is std::invalid_argument.
LogFormat parse_log_format(const std::string& name);

/// An incoming X-Request-Id is kept when it is 1-64 characters of
/// [A-Za-z0-9._:-] (what load balancers generate); anything else is replaced.
bool acceptable_request_id(const std::string& id);

class Telemetry {
 public:
  /// @p access_log: a file to append request lines to; empty for stderr.
  Telemetry(LogFormat format, const std::filesystem::path& access_log);
  ~Telemetry();
  Telemetry(const Telemetry&) = delete;
  Telemetry& operator=(const Telemetry&) = delete;

  metrics::Registry& registry() { return registry_; }

  /// httplib's pre-routing hook: starts the clock and sets X-Request-Id.
  void begin_request(const httplib::Request& req, httplib::Response& res);
  /// Names the route pattern of the request this thread is serving.
  void set_route(const char* pattern);
  /// httplib's logger hook, after the response is written: metrics and
  /// the access log line.
  void end_request(const httplib::Request& req, const httplib::Response& res);
  /// The id of the request this thread is serving ("" outside one).
  static std::string current_request_id();
  /// The route pattern of that request ("unmatched" when no handler claimed it).
  static std::string current_route();

  void observe_search(double seconds, bool zero_results);
  void count_ticket();
  void observe_statistics_write(double seconds);

  /// An error, warning or notice on stderr, in the log format, with the
  /// current request's id when there is one. @p level: error|warning|info.
  void log(const char* level, const std::string& message);

 private:
  void write_line(std::FILE* to, const std::string& line);

  LogFormat format_;
  std::FILE* access_ = nullptr;  ///< stderr unless --access-log
  std::mutex write_mutex_;
  metrics::Registry registry_;
  metrics::Family<metrics::Counter>& requests_;
  metrics::Family<metrics::Histogram>& request_seconds_;
  metrics::Histogram& search_seconds_;
  metrics::Counter& searches_;
  metrics::Counter& zero_result_searches_;
  metrics::Counter& tickets_;
  metrics::Histogram& statistics_write_seconds_;
};

}  // namespace kb::server
