/** @file app_metrics.cpp
 *  @brief GET /metrics (Prometheus text format) and the metrics computed
 *  when it is scraped.
 *
 *  Access: with --metrics-token, a scraper sends "Authorization: Bearer
 *  TOKEN" (the admin token works too). Without one, only loopback clients
 *  are answered: a scraper on the same host, or through an SSH tunnel. A
 *  reverse proxy on the same host makes every client look local unless it
 *  is a --trusted-proxy sending X-Forwarded-For (then the client it names
 *  is what counts); otherwise set a token or keep /metrics out of the
 *  proxy's routes.
 */
#include "app.h"

#include <ctime>

namespace kb::server {

namespace {

bool is_loopback(const std::string& address) {
  return address.rfind("127.", 0) == 0 || address == "::1" || address.rfind("::ffff:127.", 0) == 0;
}

/// Seconds since the epoch of "YYYY-MM-DDTHH:MM:SSZ"; throws when unreadable.
double epoch_seconds(const std::string& iso) {
  std::tm tm{};
  const char* end = strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (!end || *end != '\0') throw std::runtime_error("no index time");
  return static_cast<double>(timegm(&tm));
}

}  // namespace

void App::register_scrape_metrics() {
  auto& r = telemetry_->registry();
  r.callback("kb_index_revision", "Revision of the index this server reads.", "gauge",
             [this] { return static_cast<double>(searcher().status().revision); });
  r.callback("kb_index_documents", "Articles in the index this server reads.", "gauge",
             [this] { return static_cast<double>(searcher().status().documents); });
  r.callback("kb_index_age_seconds", "Seconds since the index this server reads was last committed.", "gauge", [this] {
    return static_cast<double>(std::time(nullptr)) - epoch_seconds(searcher().status().indexed_at);
  });
  r.callback("kb_events_queue_depth", "Statistics events waiting to be written.", "gauge",
             [this] { return static_cast<double>(stats_->queue_depth()); });
  r.callback("kb_searches_waiting", "Searches waiting for one of the --search-slots.", "gauge",
             [this] { return static_cast<double>(search_gate_.waiting()); });
  r.callback("kb_sessions_remembered", "Help sessions held in memory, ended ones until the next purge (at most --max-sessions).", "gauge",
             [this] { return static_cast<double>(stats_->remembered_sessions()); });
  r.callback("kb_events_dropped_total", "Statistics events dropped because the queue was full.", "counter",
             [this] { return static_cast<double>(stats_->dropped()); });
  // What --cache-mb buys: few hits against many misses under steady
  // traffic say the budget is too small for it.
  const auto export_cache = [&r](const std::string& name, const std::string& what, auto stats) {
    r.callback(name + "_hits_total", what + " served from memory.", "counter",
               [stats] { return static_cast<double>(stats().hits); });
    r.callback(name + "_misses_total", what + " not in memory: computed or read from the index.", "counter",
               [stats] { return static_cast<double>(stats().misses); });
    r.callback(name + "_bytes", what + " kept in memory for this index revision, in bytes.", "gauge",
               [stats] { return static_cast<double>(stats().bytes); });
  };
  export_cache("kb_search_cache", "Search responses", [this] { return search_cache_.stats(); });
  export_cache("kb_hit_cache", "Results' stored records", [this] { return hit_cache_->stats(); });
  r.callback("process_resident_memory_bytes", "Resident memory size in bytes.", "gauge",
             [] { return metrics::process_resident_bytes(); });
  r.callback("process_open_fds", "Open file descriptors.", "gauge", [] { return metrics::process_open_fds(); });
}

void App::get_metrics(const httplib::Request& req, httplib::Response& res) {
  if (!config_.metrics_token.empty()) {
    const std::string auth = req.get_header_value("Authorization");
    const std::string token = auth.rfind("Bearer ", 0) == 0 ? auth.substr(7) : std::string();
    const bool admin = !config_.admin_token.empty() && constant_time_equal(token, config_.admin_token);
    if (!admin && !constant_time_equal(token, config_.metrics_token)) {
      throw HttpError(401, "This needs the metrics token: send 'Authorization: Bearer TOKEN'.");
    }
  } else if (!is_loopback(client_address(req))) {
    throw HttpError(403, "Metrics are served to loopback clients only; start kb-server with --metrics-token to allow others.");
  }
  res.status = 200;
  res.set_content(telemetry_->registry().expose(), "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace kb::server
