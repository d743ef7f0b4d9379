/** @file app_health.cpp
 *  @brief Readiness (/readyz), and what the server does when the index or
 *  the statistics database fails under it: keep serving search, say so
 *  once, refuse only what cannot be stored. (App::searcher(), in app.cpp,
 *  keeps each worker's last good index handle.)
 */
#include "app.h"

#include <nlohmann/json.hpp>

#include <cstdio>

namespace kb::server {

using nlohmann::json;

std::string App::index_problem() const {
  std::lock_guard<std::mutex> lock(index_problem_mutex_);
  return index_problem_;
}

void App::set_index_problem(const std::string& problem) {
  if (problem.empty() && !index_stale_.load()) return;  // the usual case, without a lock
  std::lock_guard<std::mutex> lock(index_problem_mutex_);
  if (problem == index_problem_) return;
  // Logged when the state changes, not for every request that sees it.
  if (problem.empty()) {
    std::fprintf(stderr, "kb-server: index %s opens again; serving its newest revision\n", config_.index_dir.c_str());
  } else if (index_problem_.empty()) {
    std::fprintf(stderr, "kb-server: warning: %s; still serving the last revision that opened\n", problem.c_str());
  }
  index_problem_ = problem;
  index_stale_ = !problem.empty();
}

void App::statistics_unavailable(const httplib::Request& req, httplib::Response& res, const std::string& why) const {
  std::fprintf(stderr, "kb-server: warning: %s %s: 503: %s\n", req.method.c_str(), req.path.c_str(), why.c_str());
  const bool ticket = req.path == "/tickets" || req.path == "/api/tickets";
  send_error(req, res, 503,
             ticket ? "Your ticket could not be saved right now, so it was not sent. Please try again in a few "
                      "minutes, or contact the service desk directly."
                    : "Statistics are unavailable right now; search and articles keep working.");
  res.set_header("Retry-After", "60");
}

void App::get_readyz(const httplib::Request&, httplib::Response& res) {
  json reasons = json::array();
  json body = json::object();
  if (draining_) reasons.push_back("stopping: finishing in-flight requests");
  try {
    Searcher& s = searcher();
    const IndexStatus st = s.status();
    SearchRequest probe;
    probe.per_page = 1;
    s.search(probe);
    const std::string problem = index_problem();
    body["index"] = {{"searchable", true},
                     {"documents", st.documents},
                     {"revision", st.revision},
                     {"stale", !problem.empty()},
                     {"problem", problem}};
  } catch (const std::exception& e) {
    body["index"] = {{"searchable", false}, {"problem", e.what()}};
    reasons.push_back(std::string("index not searchable: ") + e.what());
  }
  // Statistics that cannot be written are a deliberate degradation (search
  // keeps working, tickets get 503), reported but not a reason to stop
  // sending traffic.
  const StatisticsHealth h = stats_->health();
  body["statistics"] = {{"writable", h.writable},
                        {"degraded", !h.writable},
                        {"problem", h.problem},
                        {"events_waiting", h.waiting},
                        {"events_dropped", h.dropped}};
  body["ready"] = reasons.empty();
  body["reasons"] = reasons;
  send_json(res, reasons.empty() ? 200 : 503, body);
}

}  // namespace kb::server
