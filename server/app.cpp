/** @file app.cpp
 *  @brief Route table, shared helpers, and the search and article handlers.
 *  Every failure is turned into a status in one place (send_error), as
 *  JSON for /api/ and as a page elsewhere.
 */
#include "app.h"

#include "kb/index_writer.h"
#include "kb/language_names.h"
#include "kb/markdown.h"
#include "kb/sqlite.h"
#include "kb/text.h"

#include <nlohmann/json.hpp>

#include <malloc.h>
#include <sys/stat.h>

#include <algorithm>
#include <thread>
#include <regex>
#include <charconv>
#include <cstdio>
#include <set>
#include <fstream>
#include <sstream>

namespace kb::server {

namespace {

using nlohmann::json;

constexpr const char* kHtml = "text/html; charset=utf-8";
constexpr const char* kJson = "application/json; charset=utf-8";

bool is_api(const httplib::Request& req) {
  return req.path.rfind("/api/", 0) == 0 || req.path == "/healthz" || req.path == "/readyz";
}

json facet_object(const FacetCounts& counts) {
  json out = json::object();
  for (const auto& [name, count] : counts) out[name] = count;
  return out;
}

/// Messages for statuses httplib produces itself (no handler ran).
std::string status_text(int status) {
  switch (status) {
    case 400: return "The request is malformed.";
    case 405: return "This method is not allowed here.";
    case 413: return "The request body is too large.";
    case 414: return "The address is too long. If you pasted a long message into the search box, search for its first line or its error code.";
    case 416: return "The requested range cannot be served.";
    case 431: return "The request headers are too large.";
    default: return "The request could not be served (status " + std::to_string(status) + ").";
  }
}

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

/// The body of /api/search for one answer, without the fields that
/// depend on the session (search_id) or on the moment (popular).
json search_json(const SearchRequest& request, const SearchResponse& response) {
  json results = json::array();
  for (const auto& hit : response.hits) {
    results.push_back({{"slug", hit.slug},
                       {"title", hit.title},
                       {"summary", hit.summary},
                       {"url", hit.url},
                       {"snippet", hit.snippet_html},
                       {"category", hit.category},
                       {"tags", hit.tags},
                       {"lang", hit.lang},
                       {"updated", hit.updated},
                       {"score", hit.score},
                       {"section", {{"heading", hit.section_heading}, {"anchor", hit.section_anchor}, {"url", hit.section_url()}}},
                       {"pinned", hit.pinned}});
    if (request.explain) results.back()["explain"] = hit.explain;
  }
  json body{{"query", response.query},
            {"total", response.total},
            {"took_ms", response.took_ms},
            {"page", response.page},
            {"per_page", response.per_page},
            {"rung", response.rung},
            {"language", response.language},
            {"results", results},
            {"facets",
             {{"category", facet_object(response.category_facets)},
              {"tags", facet_object(response.tag_facets)},
              {"lang", facet_object(response.lang_facets)}}}};
  if (!response.corrected_query.empty()) {
    body["corrected_query"] = response.corrected_query;
    body["showing_corrected"] = response.results_corrected();
  }
  if (request.explain) {
    const SearchStages& t = response.stages;
    body["stages_ms"] = {{"words", t.words_ms}, {"ladder", t.ladder_ms}, {"match", t.match_ms},
                         {"reorder", t.reorder_ms}, {"hits", t.hits_ms}};
  }
  return body;
}

/// The HMAC key survives restarts (so forms opened before one still post)
/// and is readable by the server's user only.
std::string load_or_create_secret(const std::filesystem::path& data_dir) {
  std::filesystem::create_directories(data_dir);
  const auto path = data_dir / "secret";
  {
    std::ifstream in(path);
    std::string s;
    if (in >> s && s.size() >= 32) return s;
  }
  const std::string secret = Statistics::new_id() + Statistics::new_id();
  const auto tmp = data_dir / "secret.tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << secret << "\n";
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
  }
  ::chmod(tmp.c_str(), 0600);
  std::filesystem::rename(tmp, path);
  return secret;
}

}  // namespace

App::App(Config config)
    : config_(std::move(config)),
      telemetry_(std::make_unique<Telemetry>(config_.log_format, config_.access_log)),
      templates_(std::vector<std::filesystem::path>{config_.web_dir / "templates", config_.theme_dir / "templates"}),
      ui_strings_(load_all_strings({config_.web_dir / "strings", config_.theme_dir / "strings"})),
      secret_(load_or_create_secret(config_.data_dir)),
      session_tickets_(static_cast<std::size_t>(config_.tickets_per_session_hour), std::chrono::hours(1)),
      address_tickets_(static_cast<std::size_t>(config_.tickets_per_address_hour), std::chrono::hours(1)),
      address_searches_(static_cast<std::size_t>(config_.searches_per_address_minute), std::chrono::minutes(1)),
      address_feedback_(static_cast<std::size_t>(config_.feedback_per_address_hour), std::chrono::hours(1)),
      wrong_tokens_(kAuthFailuresAllowed, kAuthFailureWindow),
      search_cache_(static_cast<std::size_t>(config_.cache_mb) << 20),
      search_gate_(config_.search_slots > 0 ? static_cast<std::size_t>(config_.search_slots)
                                            : 2 * std::size_t{std::max(1U, std::thread::hardware_concurrency())}),
      article_cache_(static_cast<std::size_t>(config_.cache_mb) << 20),
      hit_cache_(std::make_shared<HitCache>(static_cast<std::size_t>(config_.cache_mb) << 20)),
      page_markers_{"kbcsrf" + Statistics::new_id(), "kbquery" + Statistics::new_id(), "kblinks" + Statistics::new_id(),
                    "kborigin" + Statistics::new_id()},
      article_pages_(static_cast<std::size_t>(config_.cache_mb) << 20, [](const PageShell& p) { return p.bytes(); }),
      home_pages_(static_cast<std::size_t>(config_.cache_mb) << 20, [](const PageShell& p) { return p.bytes(); }),
      search_bodies_(static_cast<std::size_t>(config_.cache_mb) << 20, [](const EncodedBody& b) { return b.bytes(); }) {
  // Checked before any thread starts: an exception after that would leave
  // a joinable thread behind.
  if (config_.watch && config_.articles_dir.empty()) throw std::invalid_argument("--watch needs --articles DIR");
  // No inline scripts or styles anywhere: templates load /static files only.
  // Forms post to this site, and the ticket form's answer may send the
  // browser on to an external help desk: browsers hold that redirect to
  // form-action too, so the desk's origin is allowed (and only it).
  std::string form_action = "'self'";
  if (!config_.ticket_redirect.empty()) {
    const std::string desk = url_origin(config_.ticket_redirect);
    if (desk.empty()) throw std::invalid_argument("--ticket-redirect must be an http:// or https:// URL: " + config_.ticket_redirect);
    form_action += " " + desk;
  }
  if (!config_.public_url.empty()) {
    public_origin_ = url_origin(config_.public_url);
    if (public_origin_.empty()) throw std::invalid_argument("--public-url must be an http:// or https:// URL: " + config_.public_url);
  }
  content_security_policy_ =
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; object-src 'none'; "
      "base-uri 'none'; form-action " + form_action + "; frame-ancestors 'none'";
  // The page script's strings: only what it shows, to keep pages light.
  for (const auto& [lang, strings] : ui_strings_) {
    auto add = [&strings = strings](json& j, std::initializer_list<const char*> keys) {
      for (const char* key : keys) {
        const auto it = strings.find(key);
        if (it != strings.end()) j[key] = boost::get<std::string>(it->second);
      }
    };
    json j = json::object();
    add(j, {"filter_category", "filter_tags", "language", "results_one", "results_many", "results_for", "did_you_mean",
            "showing_corrected", "relaxed_notice", "synonyms_notice", "no_results_title",
            "no_results_hint", "more_results", "copy", "copied", "helpful_thanks", "vote_not_counted", "comment_sent", "helpful_no_followup",
            "helpful_send_comment", "suggestions_label", "recommended", "searching", "still_stuck",
            "open_ticket", "popular_articles", "filters", "search_button"});
    // Categories by their names, as the server's pages show them.
    for (const auto& [key, value] : strings) {
      if (key.rfind("category:", 0) == 0) j[key] = boost::get<std::string>(value);
    }
    script_strings_[lang] = json_for_script(dump(j));
    add(j, {"agent_copy_link", "agent_copy_markdown", "agent_copy_text", "agent_ticket_stale", "agent_ticket_missing"});
    agent_script_strings_[lang] = json_for_script(dump(j));
  }
  // Fail at start, not at the first request, when the index is unusable;
  // and open every worker's handles now, so that all of them can keep
  // serving this revision if a later one cannot be opened.
  for (int i = 0; i < config_.threads; ++i) spare_searchers_.push_back(new_searcher());
  StatisticsOptions so;
  so.database = config_.data_dir / "kb.sqlite";
  so.stats_db = config_.stats_db;
  so.session_timeout = std::chrono::seconds(config_.session_timeout_s);
  so.max_remembered_sessions = config_.max_sessions;
  so.flush_interval = std::chrono::milliseconds(config_.flush_interval_ms);
  so.on_batch_written = [t = telemetry_.get()](double seconds) { t->observe_statistics_write(seconds); };
  so.on_warning = [t = telemetry_.get()](const std::string& message) { t->log("warning", message); };
  stats_ = std::make_unique<Statistics>(so);
  if (!config_.admin_token.empty() || !config_.agent_token.empty()) {
    revoked_sign_ins_ = std::make_unique<RevokedSignIns>(
        *stats_, kRevokedSignInsReload, [t = telemetry_.get()](const std::string& m) { t->log("warning", m); });
  }
  if (!config_.ticket_webhook.empty()) {
    webhook_ = std::make_unique<WebhookDelivery>(*stats_, config_.ticket_webhook,
                                                 [t = telemetry_.get()](const std::string& m) { t->log("warning", m); });
  }
  if (config_.watch) {
    watcher_ = std::make_unique<ArticleWatcher>(config_.articles_dir, [this] {
      IndexOptions opt;
      opt.articles_dir = config_.articles_dir;
      opt.index_dir = config_.index_dir;
      opt.on_problem = [this](const std::string& line) { telemetry_->log("warning", printable(line)); };
      try {
        const IndexReport report = build_index(opt);
        telemetry_->log("info", "--watch: " + report.summary_line());
      } catch (const std::exception& e) {
        telemetry_->log("warning", std::string("--watch re-index failed: ") + e.what());
      }
    });
  }
  register_scrape_metrics();
  // Last: nothing after this may throw while the thread runs.
  refresh_insights();
  insights_thread_ = std::thread([this] { run_insights(); });
}

int int_param(const QueryParams& params, const char* name, int fallback) {
  const std::string v = params.get(name);
  if (v.empty()) return fallback;
  int out = 0;
  const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc() || ptr != v.data() + v.size()) {
    throw HttpError(400, std::string("parameter '") + name + "' must be a whole number");
  }
  return out;
}

std::string App::allowed_methods(const std::string& path) const {
  bool get = false, post = false;
  for (const auto& [pattern, method] : routes_) {
    if (!std::regex_match(path, pattern)) continue;
    (std::string_view(method) == "GET" ? get : post) = true;
  }
  std::string out;
  if (get) out = "GET, HEAD";
  if (post) out += out.empty() ? "POST" : ", POST";
  return out;
}

std::string App::origin(const httplib::Request& req) const {
  return public_origin_.empty() ? site_origin(req) : public_origin_;
}

void App::security_headers(httplib::Response& res) const {
  res.set_header("Content-Security-Policy", content_security_policy_);
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "same-origin");
  res.set_header("X-Frame-Options", "DENY");
}

App::~App() { shutdown(); }

void App::shutdown() {
  watcher_.reset();
  {
    std::lock_guard<std::mutex> lock(insights_wake_mutex_);
    insights_stop_ = true;
  }
  insights_wake_.notify_all();
  if (insights_thread_.joinable()) insights_thread_.join();
  if (webhook_) webhook_->stop();
  if (revoked_sign_ins_) revoked_sign_ins_->stop();
  if (stats_) stats_->stop();
}

void App::install(httplib::Server& server) {
  using Handler = void (App::*)(const httplib::Request&, httplib::Response&);
  // Metrics and logs name a request by its route pattern (@p route), never its path.
  auto bind = [this](const char* route, Handler h) {
    return [this, route, h](const httplib::Request& req, httplib::Response& res) {
      telemetry_->set_route(route);
      try {
        // A language chosen with ?ui= sticks for later pages.
        const std::string ui = QueryParams(req).get("ui");
        if (!ui.empty() && ui_strings_.count(to_lower(ui))) {
          res.set_header("Set-Cookie", "kb_lang=" + to_lower(ui) + "; Path=/; SameSite=Lax; Max-Age=31536000");
        }
        (this->*h)(req, res);
      } catch (const HttpError& e) {
        send_error(req, res, e.status(), e.what(), e.ui_key(), e.retry_after_s());
        if (e.retry_after_s() > 0) res.set_header("Retry-After", std::to_string(e.retry_after_s()));
      } catch (const BadRequest& e) {
        send_error(req, res, 400, e.what());
      } catch (const IndexUnavailable& e) {
        send_error(req, res, 503, e.what());
      } catch (const StatisticsUnavailable& e) {
        statistics_unavailable(req, res, e.what());
      } catch (const sql::Error& e) {
        statistics_unavailable(req, res, e.what());
      }
      security_headers(res);
      finish_encoding(req, res);
    };
  };

  // The route table. A path served for other methods only is a 405 with
  // Allow (the error handler below), not a 404.
  struct Route {
    const char* method;
    const char* pattern;  ///< httplib's, a regular expression
    const char* name;     ///< for logs and metrics
    Handler handler;
  };
  static const Route kRoutes[] = {
      {"GET", "/", "/", &App::get_home},
      {"GET", "/search", "/search", &App::get_search_page},
      {"GET", "/api/search", "/api/search", &App::get_search_api},
      {"GET", R"(/articles/([^/]+))", "/articles/{slug}", &App::get_article},
      {"GET", R"(/articles/by-path/(.+))", "/articles/by-path/{path}", &App::get_article_by_path},
      {"GET", R"(/assets/(.+))", "/assets/{path}", &App::get_asset},
      // "/articles/reset-password/" as links and address bars add it: the address without it.
      {"GET", R"(/articles/([^/]+)/+)", "/articles/{slug}/", &App::get_article_with_slash},
      {"GET", "/healthz", "/healthz", &App::get_healthz},
      {"GET", "/readyz", "/readyz", &App::get_readyz},
      {"GET", "/api/suggest", "/api/suggest", &App::get_suggest_api},
      {"GET", "/api/revision", "/api/revision", &App::get_revision_api},
      {"GET", "/api/synonyms/proposals", "/api/synonyms/proposals", &App::get_synonym_proposals_api},
      {"GET", "/stats/synonyms", "/stats/synonyms", &App::get_synonyms_page},
      {"GET", "/stats/articles", "/stats/articles", &App::get_health_page},
      {"GET", "/stats/gaps", "/stats/gaps", &App::get_gaps_page},
      {"POST", "/stats/synonyms/accept", "/stats/synonyms/accept", &App::post_synonym_accept},
      {"GET", "/agent", "/agent", &App::get_agent_page},
      {"POST", "/agent/login", "/agent/login", &App::post_agent_login},
      {"POST", "/agent/logout", "/agent/logout", &App::post_agent_logout},
      {"POST", "/api/suggest-for-ticket", "/api/suggest-for-ticket", &App::post_suggest_for_ticket_api},
      {"GET", "/api/agent/section", "/api/agent/section", &App::get_agent_section_api},
      {"POST", "/api/agent/copied", "/api/agent/copied", &App::post_agent_copied_api},
      {"GET", "/tickets/new", "/tickets/new", &App::get_ticket_form},
      {"POST", "/tickets", "/tickets", &App::post_ticket_form},
      {"GET", "/tickets/sent", "/tickets/sent", &App::get_ticket_sent},
      {"POST", "/tickets/solved", "/tickets/solved", &App::post_solved_form},
      {"POST", "/api/tickets", "/api/tickets", &App::post_ticket_api},
      {"GET", "/api/tickets", "/api/tickets", &App::get_tickets_api},
      {"POST", "/api/feedback", "/api/feedback", &App::post_feedback_api},
      {"POST", "/feedback", "/feedback", &App::post_feedback_form},
      {"GET", "/api/stats", "/api/stats", &App::get_stats_api},
      {"GET", "/api/stats/export", "/api/stats/export", &App::get_stats_export},
      {"GET", "/stats", "/stats", &App::get_stats_page},
      {"POST", "/stats/login", "/stats/login", &App::post_stats_login},
      {"POST", "/stats/logout", "/stats/logout", &App::post_stats_logout},
      {"GET", "/opensearch.xml", "/opensearch.xml", &App::get_opensearch},
      {"GET", "/sitemap.xml", "/sitemap.xml", &App::get_sitemap},
      {"GET", "/robots.txt", "/robots.txt", &App::get_robots},
      {"GET", "/metrics", "/metrics", &App::get_metrics},
  };
  for (const Route& r : kRoutes) {
    if (std::string_view(r.method) == "GET") server.Get(r.pattern, bind(r.name, r.handler));
    else server.Post(r.pattern, bind(r.name, r.handler));
    routes_.push_back({std::regex(r.pattern), r.method});
  }
  server.set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    telemetry_->end_request(req, res);
  });
  // A theme's files are found first.
  if (!config_.theme_dir.empty() && std::filesystem::is_directory(config_.theme_dir / "static")) {
    server.set_mount_point("/static", (config_.theme_dir / "static").string());
  }
  server.set_mount_point("/static", (config_.web_dir / "static").string());
  server.set_file_request_handler([this](const httplib::Request& req, httplib::Response& res) {
    security_headers(res);
    static_gzip_.finish(req, res);
  });

  // httplib caps the length of each header line but not their number.
  // One pre-routing handler (httplib keeps only the last one set): start
  // the request's log line and metrics, then refuse header floods.
  server.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    telemetry_->begin_request(req, res);
    hide_accept_encoding(req);
    // Byte ranges are for files: httplib would cut any other answer to the
    // range and still call it 200, the whole page, which a cache keeps.
    if (req.path.rfind("/static/", 0) != 0) {
      auto& headers = const_cast<httplib::Headers&>(req.headers);  // mutable until here (compression.cpp)
      headers.erase("Range");
      const_cast<httplib::Ranges&>(req.ranges).clear();
    }
    // A path with a NUL or control byte names no page or file; with a NUL,
    // httplib would open the file before it and take the type from after.
    const bool control = std::any_of(req.path.begin(), req.path.end(), [](char c) {
      return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    });
    constexpr std::size_t kMaxHeaders = 100;  // browsers send about 20
    // A body too large or a length that is no number is refused before it
    // is read: httplib would first wait for the whole body (the read
    // timeout, when the length is a lie) while holding a worker.
    const std::string length = req.get_header_value("Content-Length");
    const bool bad_length = !length.empty() && (length.size() > 19 || length.find_first_not_of("0123456789") != std::string::npos);
    const bool too_long = !length.empty() && !bad_length && std::stoull(length) > kMaxRequestBody;
    if (control) {
      send_error(req, res, 400, "The address holds a control character.");
    } else if (req.headers.size() > kMaxHeaders) {
      send_error(req, res, 431, status_text(431));
    } else if (bad_length || too_long) {
      send_error(req, res, bad_length ? 400 : 413,
                 bad_length ? "Content-Length is not a length." : "The request body is larger than " +
                                                                     std::to_string(kMaxRequestBody >> 10) + " KB.");
      res.set_header("Connection", "close");  // the body that follows is not read
    } else {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    security_headers(res);
    finish_encoding(req, res);
    return httplib::Server::HandlerResponse::Handled;
  });
  server.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
    // Only fill in bodies for statuses no handler explained.
    if (!res.body.empty()) return;
    const std::string allowed = res.status == 404 ? allowed_methods(req.path) : std::string();
    if (!allowed.empty()) {
      send_error(req, res, 405, "This address takes " + allowed + " only.");
      res.set_header("Allow", allowed);
    } else if (res.status == 404) {
      send_error(req, res, 404, "There is no page at this address.");
    } else {
      send_error(req, res, res.status, status_text(res.status));
    }
    security_headers(res);
    finish_encoding(req, res);
  });
  server.set_exception_handler([this](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      // The route, not the path: paths and queries may carry what people typed.
      telemetry_->log("error", req.method + " " + Telemetry::current_route() + ": " + e.what());
    } catch (...) {
      telemetry_->log("error", req.method + " " + Telemetry::current_route() + ": unknown exception");
    }
    send_error(req, res, 500, "internal error");
    security_headers(res);
    finish_encoding(req, res);
  });
}

namespace {
/// The learned-boost generation the calling thread's Searcher was given
/// last (set by App::searcher()).
thread_local std::uint64_t searcher_learned_generation = 0;
}  // namespace

std::unique_ptr<Searcher> App::new_searcher() const {
  auto searcher = std::make_unique<Searcher>(config_.index_dir);
  searcher->set_hit_cache(hit_cache_);
  return searcher;
}

Searcher& App::searcher() {
  // Xapian databases are not thread-safe: one per worker thread, taken
  // from those opened at start while there are any.
  thread_local std::unique_ptr<Searcher> mine;
  if (!mine) {
    {
      std::lock_guard<std::mutex> lock(searchers_mutex_);
      if (!spare_searchers_.empty()) {
        mine = std::move(spare_searchers_.back());
        spare_searchers_.pop_back();
      }
    }
    if (!mine) mine = new_searcher();
    mine->params().default_language = config_.default_lang;
  }
  try {
    mine->refresh();
    set_index_problem("");
  } catch (const IndexUnavailable& e) {
    // A replaced or broken index directory: the handles already open still
    // read the revision they had, so serve that rather than fail.
    set_index_problem(e.what());
  }
  std::lock_guard<std::mutex> lock(insights_mutex_);
  mine->set_learned_boost(config_.learned_boost ? learned_ : nullptr);
  searcher_learned_generation = learned_generation_;
  return *mine;
}

std::shared_ptr<const SearchResponse> App::search(const SearchRequest& request) {
  std::string generation;
  return search(request, generation);
}

std::shared_ptr<const SearchResponse> App::search(const SearchRequest& request, std::string& generation) {
  const auto started = std::chrono::steady_clock::now();
  Searcher& s = searcher();
  generation = s.revision_key() + "/" + std::to_string(searcher_learned_generation);
  const std::string key = SearchCache::key_of(request);
  std::shared_ptr<const SearchResponse> response = search_cache_.find(generation, key);
  if (!response) {
    const SearchGate::Pass pass = search_gate_.enter();
    response = std::make_shared<const SearchResponse>(s.search(request));
    search_cache_.store(generation, key, response);
  }
  if (!trim(request.query).empty()) {
    telemetry_->observe_search(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(),
                               response->total == 0);
  }
  return response;
}

SearchRequest App::search_request(const QueryParams& params) const {
  SearchRequest r;
  r.query = params.get("q");
  r.page = int_param(params, "page", 1);
  r.per_page = int_param(params, "per_page", 10);
  r.lang = params.get("lang");
  r.category = params.get("category");
  r.as_typed = params.get("as_typed") == "1";
  r.partial = params.get("partial") == "1";
  for (auto& tag : params.all("tag")) {
    if (!tag.empty()) r.tags.push_back(std::move(tag));
  }
  return r;
}

SearchRequest App::search_request(const httplib::Request& req, const QueryParams& params) const {
  SearchRequest r = search_request(params);
  r.accept_languages = accept_languages(req.get_header_value("Accept-Language"));
  return r;
}

std::string App::ui_language(const httplib::Request& req, const QueryParams& params) const {
  auto supported = [&](const std::string& tag) {
    const std::string p = to_lower(tag.substr(0, tag.find('-')));
    return ui_strings_.count(p) ? p : std::string();
  };
  // The person's language: what they chose (ui=, then its cookie), else
  // what their browser asks for. Never the articles' filter lang=: a
  // Korean reader filtering to English articles reads Korean pages, and a
  // filtered link someone shares does not switch its reader's language.
  if (const std::string p = supported(params.get("ui")); !p.empty()) return p;
  if (const std::string p = supported(cookie(req, "kb_lang")); !p.empty()) return p;
  for (const auto& tag : accept_languages(req.get_header_value("Accept-Language"))) {
    if (const std::string p = supported(tag); !p.empty()) return p;
  }
  return "en";
}

namespace {

/// The words a page's search box shows: what was searched, when valid.
std::string box_query(const QueryParams& params) {
  std::string q = params.get("q");
  return q.size() <= kMaxQueryBytes && is_valid_utf8(q) ? q : std::string();
}

/// This page in another UI language: the same address with ?ui= replaced;
/// this is the address up to "ui=", without the parameters named in @p drop.
std::string language_link_prefix(const httplib::Request& req, std::initializer_list<std::string_view> drop = {"ui"}) {
  std::string rest;
  const std::size_t qpos = req.target.find('?');
  if (qpos != std::string::npos) {
    std::string_view query = std::string_view(req.target).substr(qpos + 1);
    while (!query.empty()) {
      const std::size_t amp = query.find('&');
      const std::string_view pair = query.substr(0, amp);
      query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
      const std::string_view key = pair.substr(0, pair.find('='));
      if (pair.empty() || std::find(drop.begin(), drop.end(), key) != drop.end()) continue;
      rest += std::string(pair) + "&";
    }
  }
  // The path as sent (still percent-encoded), with one leading slash: a
  // path that starts "//host" or "/\\host" would make the link leave the
  // site.
  const std::string_view sent = std::string_view(req.target).substr(0, qpos);
  const std::size_t own = sent.find_first_not_of("/\\");
  return "/" + std::string(own == std::string_view::npos ? std::string_view() : sent.substr(own)) + "?" + rest;
}

}  // namespace

PageBase App::page_base(const httplib::Request& req, const QueryParams& params, const std::string& session) const {
  return page_base(ui_language(req, params), box_query(params), session.empty() ? std::string() : session_form_token(session),
                   language_link_prefix(req), origin(req));
}

PageBase App::page_base(const std::string& ui_lang, const std::string& query, const std::string& csrf,
                        const std::string& link_prefix, const std::string& site) const {
  PageBase base;
  base.ui_lang = ui_lang;
  base.origin = site;
  base.strings = ui_strings_.at(base.ui_lang);
  base.script_strings = script_strings_.at(base.ui_lang);
  base.query = query;
  base.csrf = csrf;
  for (const auto& [lang, strings] : ui_strings_) {
    base.languages.push_back(mstch::map{{"code", lang},
                                        {"name", language_name(lang)},
                                        {"url", link_prefix + "ui=" + lang},
                                        {"current", lang == base.ui_lang}});
  }
  return base;
}

PageBase App::shell_base(const std::string& ui_lang) const {
  return page_base(ui_lang, page_markers_[1], page_markers_[0], page_markers_[2], page_markers_[3]);
}

std::vector<std::string> App::page_values(const httplib::Request& req, const QueryParams& params,
                                          const std::optional<std::string>& session) const {
  return {session && !session->empty() ? session_form_token(*session) : std::string(), box_query(params),
          language_link_prefix(req), origin(req)};
}

void App::send_shell(const httplib::Request& req, httplib::Response& res, const PageShell& shell,
                     const std::vector<std::string>& values) const {
  res.status = 200;
  // Moved into the response, not copied by set_content: a page is tens of
  // kilobytes, and copying it cost 4% of an article-page request (perf).
  const bool gzip = accepts_gzip(req) && req.ranges.empty();
  res.body = gzip ? shell.fill_gzip(values) : shell.fill(values);
  res.set_header("Content-Type", kHtml);
  set_encoding_headers(res, gzip);
}

void App::send_page(httplib::Response& res, int status, const std::string& name, const mstch::map& context) const {
  res.status = status;
  res.set_content(templates_.render(name, context), kHtml);
}

void App::send_json(httplib::Response& res, int status, const json& body) const {
  res.status = status;
  res.set_content(dump(body), kJson);
}

void App::send_error(const httplib::Request& req, httplib::Response& res, int status, const std::string& message,
                     const std::string& ui_key, long wait_s) const {
  res.status = status;
  if (is_api(req)) {
    res.set_content(dump(json{{"error", {{"status", status}, {"message", message}}}}), kJson);
    return;
  }
  PageBase base = page_base(req, QueryParams(req));
  try {
    if (status == 404 && req.path.rfind("/articles/", 0) == 0) {
      std::string slug = req.path.substr(std::string("/articles/").size());
      if (slug.size() > 3 && slug.compare(slug.size() - 3, 3, ".md") == 0) slug.resize(slug.size() - 3);
      if (!is_valid_utf8(slug) || slug.size() > 200) slug.clear();
      send_page(res, 404, "not_found", not_found_page(base, slug));
      return;
    }
    send_page(res, status, "error", error_page(base, status, message, ui_key, wait_s));
  } catch (const std::exception&) {
    res.set_content(html_escape(message), "text/plain; charset=utf-8");
  }
}

bool App::signed_in_admin(const httplib::Request& req) const { return has_sign_in_cookie(req, kAdminCookie); }

bool App::signed_in_agent(const httplib::Request& req) const { return has_sign_in_cookie(req, kAgentCookie); }

bool App::is_staff(const httplib::Request& req) const {
  const std::string staff = cookie(req, kStaffCookie);
  return signed_in_admin(req) || signed_in_agent(req) ||
         (!staff.empty() && !(config_.admin_token.empty() && config_.agent_token.empty()) &&
          constant_time_equal(staff, staff_cookie_value()));
}

// Of both tokens: changing either (a leaver's access revoked) ends every
// staff browser's exemption, as it ends their sign-in.
std::string App::staff_cookie_value() const {
  return hmac_sha256_hex(secret_, "staff-browser:" + config_.admin_token + "\n" + config_.agent_token);
}

std::string App::staff_cookie(const httplib::Request& req) const {
  // As long as the sign-in it is set with.
  std::string value = std::string(kStaffCookie) + "=" + staff_cookie_value() + "; Path=/; HttpOnly; SameSite=Lax; Max-Age=" +
                      std::to_string(std::chrono::seconds(kSignInLifetime).count());
  if (is_https(req)) value += "; Secure";
  return value;
}

std::string App::cleared_staff_cookie() { return std::string(kStaffCookie) + "=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"; }

std::optional<std::string> App::visit(const httplib::Request& req, httplib::Response& res,
                                      const std::optional<std::string>& resumed) {
  // Support staff signed in on this browser: reading the help centre to
  // answer tickets is not self-service, and would count as sessions solved
  // without a ticket.
  if (is_staff(req)) return std::nullopt;
  return staff_visit(req, res, resumed);
}

std::optional<std::string> App::staff_visit(const httplib::Request& req, httplib::Response& res,
                                            const std::optional<std::string>& resumed) {
  if (!counts_as_visit(req)) return std::nullopt;
  const std::string own = cookie(req, kSessionCookie);
  Statistics::SessionRef s;
  if (!own.empty() || !resumed) s = stats_->touch_session(own);
  // A page of an earlier session resumes it only in a browser without a
  // live session of its own: a link must never swap someone's session for
  // another (that would show them, or the link's maker, the other's
  // searches).
  if (resumed && (own.empty() || s.is_new)) s = stats_->touch_session(*resumed, kTicketResumeWindow);
  // Sliding expiry: the browser forgets the cookie when the session ends.
  std::string value = std::string(kSessionCookie) + "=" + s.id + "; Path=/; HttpOnly; SameSite=Lax; Max-Age=" +
                      std::to_string(config_.session_timeout_s);
  if (is_https(req)) value += "; Secure";
  res.set_header("Set-Cookie", value);
  return s.id;
}

std::optional<std::string> App::existing_visit(const httplib::Request& req, httplib::Response& res) {
  if (cookie(req, kSessionCookie).empty()) return std::nullopt;
  return visit(req, res);
}

std::string App::csrf_token(const std::string& session) const { return hmac_sha256_hex(secret_, "csrf:" + session); }

std::string App::session_form_token(const std::string& session) const { return session + "." + csrf_token(session); }

std::optional<std::string> App::session_of_form_token(const std::string& token) const {
  const auto dot = token.find('.');
  if (dot == std::string::npos || dot > 64) return std::nullopt;
  std::string session = token.substr(0, dot);
  if (!constant_time_equal(token, session_form_token(session))) return std::nullopt;
  return session;
}

std::string App::new_search_id(const std::string& session) const {
  const std::string nonce = Statistics::new_id().substr(0, 8);
  return nonce + hmac_sha256_hex(secret_, "search:" + session + ":" + nonce).substr(0, 8);
}

std::string App::own_search_id(const std::string& session, const std::string& sid) const {
  if (sid.size() != 16) return {};
  const std::string mac = hmac_sha256_hex(secret_, "search:" + session + ":" + sid.substr(0, 8)).substr(0, 8);
  return constant_time_equal(sid.substr(8), mac) ? sid : std::string();
}

std::string App::receipt_token(const std::string& reference, const std::string& until) const {
  return hmac_sha256_hex(secret_, "receipt:" + reference + ":" + until);
}

bool App::valid_csrf(const QueryParams& form, const std::string& session) const {
  // Help sessions' pages carry session_form_token(); the admin's forms the
  // bare HMAC (their key is the admin cookie, which a page must not show).
  const std::string sent = form.get("csrf");
  return constant_time_equal(sent, session_form_token(session)) || constant_time_equal(sent, csrf_token(session));
}

void App::require_csrf(const QueryParams& form, const std::string& session) const {
  if (!valid_csrf(form, session)) {
    throw HttpError(403, "This form has expired or did not come from this site. Reload the page and try again.", 0,
                    "error_form_expired");
  }
}

void App::require_json(const httplib::Request& req) const {
  if (!is_same_origin(req)) throw HttpError(403, "cross-origin requests are refused");
  const std::string type = to_lower(req.get_header_value("Content-Type"));
  if (type.rfind("application/json", 0) != 0) throw HttpError(415, "Content-Type must be application/json");
}

void App::enforce_address_limit(RateLimiter& limiter, int limit, const httplib::Request& req, const char* what) {
  if (limit <= 0) return;
  if (const long wait = limiter.hit(client_key(req)); wait > 0) {
    throw HttpError(429, std::string("Too many ") + what + " from this address. Try again in " + std::to_string(wait) +
                             " seconds.", wait);
  }
}

std::string App::client_key(const httplib::Request& req) const {
  // Rate limits need to tell clients apart, not to know them: keep only
  // a keyed hash, in memory.
  return hmac_sha256_hex(secret_, "addr:" + rate_limit_key(client_address(req))).substr(0, 24);
}

std::string App::client_address(const httplib::Request& req) const {
  if (config_.trusted_proxies.empty()) return req.remote_addr;
  return config_.trusted_proxies.client_address(req.remote_addr, forwarded_for(req));
}

std::string App::record_search(const std::string& session, const SearchRequest& request, const SearchResponse& response,
                               bool live) {
  Event e;
  e.session = session;
  e.kind = event_kind::kSearch;
  e.query = request.query;
  e.norm_query = normalise_query(request.query);
  e.result_count = static_cast<int>(response.total);
  e.corrected = response.rung == "corrected";
  e.rung = response.rung;
  for (const auto& hit : response.hits) e.slugs.push_back(hit.slug);
  e.search_id = new_search_id(session);  // a typing burst keeps its first one
  if (live) return stats_->record_live_search(std::move(e));
  std::string id = e.search_id;
  stats_->record(std::move(e));
  return id;
}

void App::get_home(const httplib::Request& req, httplib::Response& res) {
  SearchRequest newest;
  newest.per_page = 10;
  std::string generation;
  const auto found = search(newest, generation);
  const QueryParams params(req);
  const std::string ui_lang = ui_language(req, params);
  std::shared_ptr<const PageShell> shell = home_pages_.find(generation, ui_lang);
  if (!shell) {
    // Where articles exist in the page's language, the newest and the
    // category counts are of those, alike; else of every language.
    auto shown = found;
    std::string lang;
    const auto& langs = found->lang_facets;
    const bool has_own = std::any_of(langs.begin(), langs.end(), [&](const auto& l) { return l.first == ui_lang; });
    if (has_own && langs.size() > 1) {
      SearchRequest own = newest;
      own.lang = lang = ui_lang;
      shown = search(own);
    }
    shell = std::make_shared<const PageShell>(templates_.render("home", home_page(shell_base(ui_lang), *shown, lang)),
                                              page_markers_);
    home_pages_.store(generation, ui_lang, shell);
  }
  // The visit starts here (no event yet): the page's script searches with it.
  const auto session = visit(req, res);
  send_shell(req, res, *shell, page_values(req, params, session));
}

void App::get_search_page(const httplib::Request& req, httplib::Response& res) {
  enforce_address_limit(address_searches_, config_.searches_per_address_minute, req, "searches");
  const QueryParams params(req);
  const SearchRequest request = search_request(req, params);
  const auto found = search(request);
  const SearchResponse& response = *found;
  const auto session = visit(req, res);
  // Browsing (no words) is no search. Another page, filter or UI language
  // of a search is that same search: the page's links carry its id (sid).
  const std::string continued = session ? own_search_id(*session, params.get("sid")) : std::string();
  std::string search_id;
  if (session && !request.query.empty() && request.page == 1 && continued.empty()) {
    search_id = record_search(*session, request, response, false);
  } else {
    search_id = continued;
  }
  std::string language_links = language_link_prefix(req, {"ui", "sid"});
  if (!search_id.empty()) language_links += "sid=" + url_encode(search_id) + "&";
  const PageBase base = page_base(ui_language(req, params), box_query(params),
                                  session ? session_form_token(*session) : std::string(), language_links, origin(req));
  send_page(res, 200, "search",
            search_page(base, request, response, search_id,
                        response.total == 0 ? popular_articles(response.language) : std::vector<ArticleLink>{}));
}

void App::get_search_api(const httplib::Request& req, httplib::Response& res) {
  enforce_address_limit(address_searches_, config_.searches_per_address_minute, req, "searches");
  const QueryParams params(req);
  SearchRequest request = search_request(req, params);
  if (params.get("explain") == "1") {
    require_admin(req);  // explanations reveal ranking internals
    request.explain = true;
  }
  std::string generation;
  const auto found = search(request, generation);
  const SearchResponse& response = *found;
  // Only a browser session (the page's own script) is counted; scripts and
  // integrations calling the API without one are not help sessions.
  const auto session = existing_visit(req, res);
  std::string search_id;
  if (session && params.get("context") == "ticket") {
    // Suggestions on the ticket form are not searches the person made.
    Event shown;
    shown.session = *session;
    shown.kind = event_kind::kSuggestionShown;
    shown.query = request.query;
    // The form's script drops the article being read (article=) from the
    // list it shows; so does the record of what was shown.
    const std::string reading = params.get("article");
    for (const auto& hit : response.hits) {
      if (hit.slug != reading && shown.slugs.size() < kTicketSuggestions) shown.slugs.push_back(hit.slug);
    }
    if (!shown.slugs.empty()) stats_->record(std::move(shown));
  } else if (session && !request.query.empty() && request.page == 1) {
    search_id = record_search(*session, request, response, params.get("live") == "1");
  }
  // The JSON of an answer is made once per answer (and revision); what is
  // per session or per moment is added after.
  const std::string key = SearchCache::key_of(request);
  std::shared_ptr<const EncodedBody> body = search_bodies_.find(generation, key);
  if (!body) {
    // The gzip is for this client or for later ones reading the cache;
    // with neither, deflating every answer was 8% of an uncached server.
    const bool with_gzip = accepts_gzip(req) || search_bodies_.keeps_entries();
    body = std::make_shared<const EncodedBody>(encode_body(dump(search_json(request, response)), with_gzip));
    search_bodies_.store(generation, key, body);
  }
  const bool add_popular = response.hits.empty() && !request.query.empty();
  if (search_id.empty() && !add_popular) {
    res.status = 200;
    send_encoded(req, res, std::move(body), kJson);
    return;
  }
  std::string text = body->identity;
  text.pop_back();  // the closing brace of the object
  if (!search_id.empty()) text += ",\"search_id\":" + dump(json(search_id));
  if (add_popular) {
    json popular = json::array();
    for (const auto& a : popular_articles(response.language)) popular.push_back({{"slug", a.slug}, {"title", a.title}, {"url", "/articles/" + a.slug}});
    text += ",\"popular\":" + dump(popular);
  }
  text += "}";
  res.status = 200;
  res.set_content(std::move(text), kJson);
}

void App::get_article_with_slash(const httplib::Request& req, httplib::Response& res) {
  const std::string slug = to_lower(req.matches[1].str());
  if (!is_valid_slug(slug)) throw HttpError(404, "No article is called '" + slug + "'.");
  std::string location = "/articles/" + slug;
  const auto q = req.target.find('?');
  if (q != std::string::npos) location += req.target.substr(q);
  res.status = 301;
  res.set_header("Location", location);
}

void App::get_article_by_path(const httplib::Request& req, httplib::Response& res) {
  // A link written to a file: to the article it is published as now. Not
  // for good (302): the file may be published under another slug later.
  const std::string path = req.matches[1];
  std::optional<std::string> slug;
  if (is_valid_utf8(path)) slug = searcher().slug_of_path(path);
  if (!slug) throw HttpError(404, "No article is published from the file '" + path + "'.");
  std::string location = "/articles/" + *slug;
  if (const auto q = req.target.find('?'); q != std::string::npos) location += req.target.substr(q);
  res.status = 302;
  res.set_header("Location", location);
}

void App::get_asset(const httplib::Request& req, httplib::Response& res) {
  const std::string path = req.matches[1];
  const std::string type = image_media_type(path);
  std::optional<std::string> bytes;
  if (!type.empty() && is_valid_utf8(path)) bytes = searcher().asset(path);
  if (!bytes) throw HttpError(404, "No article shows an image at this address.");
  // The bytes decide the tag: a changed image is fetched again at once.
  char tag[24];
  std::snprintf(tag, sizeof tag, "\"%016llx\"", static_cast<unsigned long long>(fnv1a64(*bytes)));
  res.set_header("ETag", tag);
  res.set_header("Cache-Control", "public, max-age=300");
  // An SVG opened on its own is a document: nothing in it may run or load.
  res.set_header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox");
  if (req.get_header_value("If-None-Match") == tag) {
    res.status = 304;
    return;
  }
  res.set_content(std::move(*bytes), type);
}

void App::get_article(const httplib::Request& req, httplib::Response& res) {
  std::string slug = req.matches[1];
  const bool source = slug.size() > 3 && slug.compare(slug.size() - 3, 3, ".md") == 0;
  if (source) slug.resize(slug.size() - 3);
  Searcher& s = searcher();
  const std::string generation = s.revision_key();
  std::shared_ptr<const CachedArticle> cached = article_cache_.find(generation, slug);
  if (!cached) {
    std::optional<ArticleRecord> found = s.find_article(slug);
    if (found) {
      auto fresh = std::make_shared<CachedArticle>();
      fresh->article = std::move(*found);
      fresh->related = s.related(fresh->article, 5);
      fresh->translations = s.translations(fresh->article);
      article_cache_.store(generation, slug, fresh);
      cached = std::move(fresh);
    }
  }
  const ArticleRecord* article = cached ? &cached->article : nullptr;
  if (!article) {
    // An old slug, or the slug typed or pasted in capitals: the article's
    // own address, for good.
    std::optional<std::string> canonical = s.resolve_alias(slug);
    if (const std::string lower = to_lower(slug); !canonical && lower != slug) {
      canonical = s.find_article(lower) ? std::optional<std::string>(lower) : s.resolve_alias(lower);
    }
    if (canonical) {
      std::string location = "/articles/" + *canonical + (source ? ".md" : "");
      const auto q = req.target.find('?');
      if (q != std::string::npos) location += req.target.substr(q);
      res.status = 301;
      res.set_header("Location", location);
      return;
    }
    throw HttpError(404, "No article is called '" + slug + "'.");
  }
  if (source) {
    res.set_content(article->markdown, "text/markdown; charset=utf-8");
    return;
  }
  const QueryParams params(req);
  const auto session = visit(req, res);
  // The page a vote form redirects to (?voted=, with its proof) is the
  // same reading, not another view; the same address opened by anyone
  // else is a reading of their own, and asks them.
  const std::string voted = proven_vote(req, params, session, article->slug);
  const bool after_vote = !voted.empty();
  if (session && !after_vote) {
    Event view;
    view.session = *session;
    view.kind = event_kind::kView;
    view.slug = article->slug;
    const std::string sid = own_search_id(*session, params.get("sid"));
    const std::string from = params.get("from");
    if (!sid.empty()) {
      Event click;
      click.session = *session;
      click.kind = event_kind::kClick;
      click.search_id = sid;
      click.slug = article->slug;
      // A mangled link still opens the article: only the rank (0) is lost.
      const std::string rank = params.get("rank");
      int parsed = 0;
      if (std::from_chars(rank.data(), rank.data() + rank.size(), parsed).ec != std::errc()) parsed = 0;
      click.rank = std::clamp(parsed, 0, 10000);
      stats_->record(std::move(click));
      view.source = view_source::kSearch;
    } else if (from == "ticket") {
      Event click;
      click.session = *session;
      click.kind = event_kind::kSuggestionClick;
      click.slug = article->slug;
      stats_->record(std::move(click));
      view.source = view_source::kTicketForm;
    } else if (from == "related") {
      view.source = view_source::kRelated;
    } else if (params.get("ref") == "agent" && valid_agent_link(secret_, params.get("ticket"), params.get("sig"))) {
      // Signed when the link was made (agent_link_query), with at most 64
      // bytes of valid UTF-8 as the ticket: nothing to trim here.
      view.source = view_source::kAgent;
      view.ref = params.get("ticket");
    } else {
      view.source = view_source::kDirect;
    }
    stats_->record(std::move(view));
  }
  // Rendered once per revision, UI language and vote state; what belongs
  // to this request is filled in.
  const std::string ui_lang = ui_language(req, params);
  const std::string key = article->slug + "\n" + ui_lang + "\n" + voted;
  std::shared_ptr<const PageShell> shell = article_pages_.find(generation, key);
  if (!shell) {
    mstch::map page = article_page(shell_base(ui_lang), *article, cached->related, cached->translations, voted);
    // Live preview: the page reloads itself when a new revision is committed.
    if (config_.watch) page["watch_revision"] = std::to_string(s.status().revision);
    shell = std::make_shared<const PageShell>(templates_.render("article", page), page_markers_);
    article_pages_.store(generation, key, shell);
  }
  send_shell(req, res, *shell, page_values(req, params, session));
}

void App::refresh_insights() {
  try {
    const DeflectionOptions opt = deflection_options();
    auto sessions =
        stats_->with_store([&](StatsStore& s) { return s.sessions_between(opt.now_ms - 90LL * 24 * 3600 * 1000, opt.now_ms + 1); });
    use_current_slugs(sessions);
    auto popular = std::make_shared<const std::vector<PopularQuery>>(successful_queries(sessions, opt, 2000));
    auto learned = std::make_shared<const Searcher::LearnedBoost>(article_success(sessions, opt));
    // The most read articles (by sessions) are what an empty result page offers.
    std::map<std::string, int> reads;
    for (const auto& [row, events] : sessions) {
      std::set<std::string> seen;
      for (const auto& e : events) {
        if (e.kind == event_kind::kView && seen.insert(e.slug).second) ++reads[e.slug];
      }
    }
    std::vector<std::pair<int, std::string>> ranked;
    for (const auto& [slug, n] : reads) ranked.emplace_back(-n, slug);
    std::sort(ranked.begin(), ranked.end());
    auto most_read = std::make_shared<std::vector<ArticleLink>>();
    // More than are shown: translations of one article come together.
    for (const auto& [n, slug] : ranked) {
      if (most_read->size() >= 25) break;
      most_read->push_back(ArticleLink{slug, "", "", ""});
    }
    std::lock_guard<std::mutex> lock(insights_mutex_);
    popular_ = std::move(popular);
    learned_ = std::move(learned);
    ++learned_generation_;
    popular_articles_ = std::move(most_read);
  } catch (const std::exception& e) {
    telemetry_->log("warning", std::string("insights not refreshed: ") + e.what());
  }
  // The sessions read above (every event of 90 days) are freed now; give
  // the pages back, or the process keeps the high-water mark of each
  // refresh as it grows with the statistics (seen in the soak test).
  malloc_trim(0);
}

std::vector<ArticleLink> App::popular_articles(const std::string& lang) {
  std::shared_ptr<const std::vector<ArticleLink>> most_read;
  {
    std::lock_guard<std::mutex> lock(insights_mutex_);
    most_read = popular_articles_;
  }
  constexpr std::size_t kShown = 5;
  std::vector<ArticleLink> out;
  Searcher& s = searcher();
  if (most_read) {
    std::vector<std::string> slugs;
    for (const auto& a : *most_read) slugs.push_back(a.slug);
    out = s.versions_in(slugs, lang, kShown);
  }
  if (out.empty()) {
    // No reading history yet: the newest articles, in the person's language.
    SearchRequest newest;
    newest.per_page = 2 * kShown;
    std::vector<std::string> slugs;
    for (const auto& hit : s.search(newest).hits) slugs.push_back(hit.slug);
    out = s.versions_in(slugs, lang, kShown);
  }
  return out;
}

void App::run_insights() {
  std::unique_lock<std::mutex> lock(insights_wake_mutex_);
  while (!insights_wake_.wait_for(lock, std::chrono::seconds(config_.insights_interval_s), [this] { return insights_stop_; })) {
    lock.unlock();
    refresh_insights();
    lock.lock();
  }
}

void App::get_suggest_api(const httplib::Request& req, httplib::Response& res) {
  enforce_address_limit(address_searches_, config_.searches_per_address_minute, req, "searches");
  const QueryParams params(req);
  const std::string typed = params.get("q");
  if (typed.size() > 200) throw HttpError(400, "'q' is longer than 200 bytes");
  const std::string clean = sanitise_query(typed);
  json suggestions = json::array();
  if (!clean.empty()) {
    for (const auto& a : searcher().complete_titles(clean, 6, params.get("lang"), accept_languages(req.get_header_value("Accept-Language")))) {
      // Its language: a Korean title offered on an English page is read
      // (and spoken) as Korean.
      suggestions.push_back({{"text", a.title}, {"kind", "article"}, {"slug", a.slug}, {"url", "/articles/" + a.slug}, {"lang", a.lang}});
    }
    std::shared_ptr<const std::vector<PopularQuery>> popular;
    {
      std::lock_guard<std::mutex> lock(insights_mutex_);
      popular = popular_;
    }
    if (popular) {
      // Keep a trailing space: "vpn " means the last word is complete.
      const std::string last_space = !typed.empty() && typed.back() == ' ' ? " " : "";
      for (const auto& q : complete_queries(*popular, clean + last_space, 4)) {
        suggestions.push_back({{"text", q}, {"kind", "query"}, {"url", "/search?q=" + url_encode(q)}});
      }
    }
  }
  send_json(res, 200, json{{"query", clean}, {"suggestions", suggestions}});
}

void App::get_opensearch(const httplib::Request& req, httplib::Response& res) {
  const PageBase base = page_base(req, QueryParams(req));
  const std::string site = html_escape(origin(req));
  const std::string name = html_escape(boost::get<std::string>(base.strings.at("site_name")));
  res.set_content("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                  "<OpenSearchDescription xmlns=\"http://a9.com/-/spec/opensearch/1.1/\">\n"
                  "  <ShortName>" + name.substr(0, 16) + "</ShortName>\n"
                  "  <Description>" + name + "</Description>\n"
                  "  <InputEncoding>UTF-8</InputEncoding>\n"
                  "  <Url type=\"text/html\" method=\"get\" template=\"" + site + "/search?q={searchTerms}\"/>\n"
                  "</OpenSearchDescription>\n",
                  "application/opensearchdescription+xml; charset=utf-8");
}

void App::get_sitemap(const httplib::Request& req, httplib::Response& res) {
  const std::string site = html_escape(origin(req));
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n";
  for (const auto& a : searcher().list_articles()) {
    xml += "  <url><loc>" + site + "/articles/" + html_escape(a.slug) + "</loc>";
    if (!a.updated.empty()) xml += "<lastmod>" + html_escape(a.updated) + "</lastmod>";
    xml += "</url>\n";
  }
  xml += "</urlset>\n";
  res.set_content(xml, "application/xml; charset=utf-8");
}

void App::get_robots(const httplib::Request& req, httplib::Response& res) {
  res.set_content("User-agent: *\nDisallow: /api/\nDisallow: /tickets/\nDisallow: /stats\nSitemap: " + origin(req) +
                      "/sitemap.xml\n",
                  "text/plain; charset=utf-8");
}

void App::get_revision_api(const httplib::Request&, httplib::Response& res) {
  send_json(res, 200, json{{"revision", searcher().status().revision}, {"watch", config_.watch}});
}

void App::get_healthz(const httplib::Request&, httplib::Response& res) {
  const IndexStatus st = searcher().status();
  send_json(res, 200,
            json{{"status", "ok"},
                 {"documents", st.documents},
                 {"revision", st.revision},
                 {"indexed_at", st.indexed_at},
                 {"schema_version", st.schema_version},
                 {"event_queue", stats_->queue_depth()},
                 {"events_dropped", stats_->dropped()}});
}

}  // namespace kb::server
