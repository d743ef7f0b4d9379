/** @file telemetry.cpp
 *  @brief Request metrics, the access log and error lines.
 */
#include "telemetry.h"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <climits>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <random>
#include <stdexcept>

namespace kb::server {

namespace {

using json = nlohmann::ordered_json;  // log fields in the order written: time first

/// The request a worker thread is serving: httplib runs the pre-routing
/// hook, the handler and the logger of one request on the same thread.
struct RequestContext {
  std::string id;
  std::string route;
  std::chrono::steady_clock::time_point start{};
  bool active = false;
};
thread_local RequestContext current;

std::string new_request_id() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(random()));
  return buf;
}

/// UTC with milliseconds: 2026-11-21T15:04:05.123Z.
std::string timestamp() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms));
  return buf;
}

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

/// Requests no handler claimed are labelled by kind, never by their path
/// (paths are unbounded: a label per path would grow without end).
std::string route_of(const httplib::Request& req, const std::string& claimed) {
  if (!claimed.empty()) return claimed;
  if (req.path.rfind("/static/", 0) == 0) return "/static/*";
  return "unmatched";
}

}  // namespace

LogFormat parse_log_format(const std::string& name) {
  if (name == "json") return LogFormat::json;
  if (name == "text") return LogFormat::text;
  throw std::invalid_argument("log format must be json or text, not \"" + name + "\"");
}

bool acceptable_request_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (const char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Telemetry::Telemetry(LogFormat format, const std::filesystem::path& access_log)
    : format_(format),
      requests_(registry_.counter("kb_http_requests_total", "HTTP requests by route pattern, method and status code.",
                                  {"route", "method", "status"})),
      request_seconds_(registry_.histogram("kb_http_request_duration_seconds",
                                           "Time from routing a request to writing its response, by route pattern.",
                                           {"route"}, metrics::latency_buckets())),
      search_seconds_(registry_
                          .histogram("kb_search_duration_seconds",
                                     "Time the search engine took per search with words (pages and API).", {},
                                     metrics::latency_buckets())
                          .with({})),
      searches_(registry_.counter("kb_searches_total", "Searches with words (pages and API).").with({})),
      zero_result_searches_(
          registry_.counter("kb_zero_result_searches_total", "Searches with words that found nothing.").with({})),
      tickets_(registry_.counter("kb_tickets_total", "Tickets stored (form and API).").with({})),
      statistics_write_seconds_(registry_
                                    .histogram("kb_statistics_write_duration_seconds",
                                               "Time to write one batch of statistics events to the database.", {},
                                               metrics::latency_buckets())
                                    .with({})) {
  access_ = stderr;
  if (!access_log.empty()) {
    access_ = std::fopen(access_log.c_str(), "a");
    if (!access_) {
      throw std::runtime_error("cannot open access log " + access_log.string() + ": " + std::strerror(errno));
    }
  }
}

Telemetry::~Telemetry() {
  if (access_ && access_ != stderr) std::fclose(access_);
}

void Telemetry::begin_request(const httplib::Request& req, httplib::Response& res) {
  const std::string incoming = req.get_header_value("X-Request-Id");
  current.id = acceptable_request_id(incoming) ? incoming : new_request_id();
  current.route.clear();
  current.start = std::chrono::steady_clock::now();
  current.active = true;
  res.set_header("X-Request-Id", current.id);
}

void Telemetry::set_route(const char* pattern) { current.route = pattern; }

std::string Telemetry::current_request_id() { return current.active ? current.id : std::string(); }

std::string Telemetry::current_route() { return current.route.empty() ? "unmatched" : current.route; }

void Telemetry::end_request(const httplib::Request& req, const httplib::Response& res) {
  // Requests httplib refused before routing (malformed) never began.
  const double seconds =
      current.active ? std::chrono::duration<double>(std::chrono::steady_clock::now() - current.start).count() : 0.0;
  const std::string id = current.active ? current.id : new_request_id();
  const std::string route = route_of(req, current.route);
  current = RequestContext{};

  // Only the methods kb serves get their own label value.
  const std::string method =
      req.method == "GET" || req.method == "POST" || req.method == "HEAD" ? req.method : std::string("other");
  requests_.with({route, method, std::to_string(res.status)}).inc();
  request_seconds_.with({route}).observe(seconds);

  const double ms = static_cast<double>(static_cast<long long>(seconds * 1e5)) / 100.0;  // 0.01 ms
  const std::size_t bytes = res.body.size();
  std::string line;
  if (format_ == LogFormat::json) {
    // Written by hand, not through a JSON object (a tenth of a cached
    // page's time): every string here needs no escaping, being a route
    // pattern from the table, a method from a fixed set and a request id
    // of [A-Za-z0-9._:-] (acceptable_request_id or new_request_id).
    char buf[320];
    const int n = std::snprintf(buf, sizeof buf,
                                "{\"time\":\"%s\",\"level\":\"info\",\"msg\":\"request\",\"request_id\":\"%s\","
                                "\"method\":\"%s\",\"route\":\"%s\",\"status\":%d,\"duration_ms\":%.2f,\"bytes\":%zu}",
                                timestamp().c_str(), id.c_str(), method.c_str(), route.c_str(), res.status, ms, bytes);
    line = n > 0 && static_cast<std::size_t>(n) < sizeof buf
               ? std::string(buf, static_cast<std::size_t>(n))
               : dump(json{{"time", timestamp()}, {"level", "info"}, {"msg", "request"}, {"request_id", id},
                           {"method", method}, {"route", route}, {"status", res.status}, {"duration_ms", ms},
                           {"bytes", bytes}});
  } else {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f", ms);
    line = timestamp() + " info request " + id + " " + method + " " + route + " " + std::to_string(res.status) + " " +
           buf + "ms " + std::to_string(bytes) + "B";
  }
  write_line(access_, line);
}

void Telemetry::observe_search(double seconds, bool zero_results) {
  search_seconds_.observe(seconds);
  searches_.inc();
  if (zero_results) zero_result_searches_.inc();
}

void Telemetry::count_ticket() { tickets_.inc(); }

void Telemetry::observe_statistics_write(double seconds) { statistics_write_seconds_.observe(seconds); }

void Telemetry::log(const char* level, const std::string& message) {
  const std::string id = current_request_id();
  std::string line;
  if (format_ == LogFormat::json) {
    json j{{"time", timestamp()}, {"level", level}, {"msg", message}};
    if (!id.empty()) j["request_id"] = id;
    line = dump(j);
  } else {
    line = "kb-server: " + std::string(level) + ": " + message + (id.empty() ? "" : " (request " + id + ")");
  }
  write_line(stderr, line);
}

void Telemetry::write_line(std::FILE* to, const std::string& line) {
  // One write(2) per line, without a lock: a line of at most PIPE_BUF
  // bytes is written whole whether the log is a pipe or a file opened for
  // appending. Under load the lock held across stdio's write and flush
  // was where worker threads queued (a tenth of an article page's time
  // went to switching between them). Longer lines take the lock.
  const std::string text = line + "\n";
  std::unique_lock<std::mutex> lock(write_mutex_, std::defer_lock);
  if (text.size() > PIPE_BUF) lock.lock();
  const int fd = ::fileno(to);
  for (std::size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to log to: nothing better to do
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace kb::server
