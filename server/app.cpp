/** @file app.cpp
 *  @brief Route table and handlers. Every failure is turned into a status
 *  in one place (send_error), as JSON for /api/ and as a page elsewhere.
 */
#include "app.h"

#include "kb/text.h"
#include "kb/views.h"

#include <nlohmann/json.hpp>

#include <charconv>

namespace kb::server {

namespace {

using nlohmann::json;

constexpr const char* kHtml = "text/html; charset=utf-8";
constexpr const char* kJson = "application/json; charset=utf-8";

bool is_api(const httplib::Request& req) { return req.path.rfind("/api/", 0) == 0 || req.path == "/healthz"; }

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
    case 414: return "The address is too long.";
    case 416: return "The requested range cannot be served.";
    case 431: return "The request headers are too large.";
    default: return "The request could not be served (status " + std::to_string(status) + ").";
  }
}

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

void security_headers(httplib::Response& res) {
  // No inline scripts or styles anywhere: templates load /static files only.
  res.set_header("Content-Security-Policy",
                 "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
                 "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("Referrer-Policy", "same-origin");
  res.set_header("X-Frame-Options", "DENY");
}

}  // namespace

QueryParams::QueryParams(const httplib::Request& req) {
  const std::size_t q = req.target.find('?');
  if (q == std::string::npos) return;
  std::string_view rest = std::string_view(req.target).substr(q + 1);
  const std::size_t hash = rest.find('#');
  rest = rest.substr(0, hash);
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    const std::string key = httplib::detail::decode_url(std::string(pair.substr(0, eq)), true);
    const std::string value =
        eq == std::string_view::npos ? std::string() : httplib::detail::decode_url(std::string(pair.substr(eq + 1)), true);
    values_.emplace(key, value);
  }
}

std::string QueryParams::get(const std::string& key) const {
  const auto it = values_.find(key);
  return it == values_.end() ? std::string() : it->second;
}

std::vector<std::string> QueryParams::all(const std::string& key) const {
  std::vector<std::string> out;
  const auto [from, to] = values_.equal_range(key);
  for (auto it = from; it != to; ++it) out.push_back(it->second);
  return out;
}

App::App(Config config)
    : config_(std::move(config)),
      templates_(config_.web_dir / "templates"),
      strings_(load_strings(config_.web_dir / "strings" / "en.json")) {
  // Fail at start, not at the first request, when the index is unusable.
  Searcher probe(config_.index_dir);
}

void App::install(httplib::Server& server) {
  using Handler = void (App::*)(const httplib::Request&, httplib::Response&);
  auto bind = [this](Handler h) {
    return [this, h](const httplib::Request& req, httplib::Response& res) {
      try {
        (this->*h)(req, res);
      } catch (const HttpError& e) {
        send_error(req, res, e.status(), e.what());
      } catch (const BadRequest& e) {
        send_error(req, res, 400, e.what());
      } catch (const IndexUnavailable& e) {
        send_error(req, res, 503, e.what());
      }
      security_headers(res);
    };
  };

  // The route table.
  server.Get("/", bind(&App::get_home));
  server.Get("/search", bind(&App::get_search_page));
  server.Get("/api/search", bind(&App::get_search_api));
  server.Get(R"(/articles/([^/]+))", bind(&App::get_article));
  server.Get("/healthz", bind(&App::get_healthz));
  server.set_mount_point("/static", (config_.web_dir / "static").string());

  server.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
    // Only fill in bodies for statuses no handler explained.
    if (!res.body.empty()) return;
    if (res.status == 404) {
      send_error(req, res, 404, "There is no page at this address.");
    } else {
      send_error(req, res, res.status, status_text(res.status));
    }
    security_headers(res);
  });
  server.set_exception_handler([this](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    std::string message = "internal error";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "kb-server: error: %s %s: %s\n", req.method.c_str(), req.path.c_str(), e.what());
    } catch (...) {
      std::fprintf(stderr, "kb-server: error: %s %s: unknown exception\n", req.method.c_str(), req.path.c_str());
    }
    send_error(req, res, 500, message);
    security_headers(res);
  });
}

Searcher& App::searcher() {
  // Xapian databases are not thread-safe: one per worker thread.
  thread_local std::unique_ptr<Searcher> mine;
  if (!mine) {
    mine = std::make_unique<Searcher>(config_.index_dir);
  } else {
    mine->refresh();
  }
  return *mine;
}

SearchRequest App::search_request(const QueryParams& params) const {
  SearchRequest r;
  r.query = params.get("q");
  r.page = int_param(params, "page", 1);
  r.per_page = int_param(params, "per_page", 10);
  r.lang = params.get("lang");
  r.category = params.get("category");
  for (auto& tag : params.all("tag")) {
    if (!tag.empty()) r.tags.push_back(std::move(tag));
  }
  return r;
}

PageBase App::page_base(const QueryParams& params) const {
  PageBase base;
  base.strings = strings_;
  const std::string q = params.get("q");
  base.query = q.size() <= kMaxQueryBytes && is_valid_utf8(q) ? q : std::string();
  return base;
}

void App::send_page(httplib::Response& res, int status, const std::string& name, const mstch::map& context) const {
  res.status = status;
  res.set_content(templates_.render(name, context), kHtml);
}

void App::send_error(const httplib::Request& req, httplib::Response& res, int status, const std::string& message) const {
  res.status = status;
  if (is_api(req)) {
    res.set_content(dump(json{{"error", {{"status", status}, {"message", message}}}}), kJson);
    return;
  }
  PageBase base = page_base(QueryParams(req));
  try {
    if (status == 404 && req.path.rfind("/articles/", 0) == 0) {
      std::string slug = req.path.substr(std::string("/articles/").size());
      if (slug.size() > 3 && slug.compare(slug.size() - 3, 3, ".md") == 0) slug.resize(slug.size() - 3);
      if (!is_valid_utf8(slug) || slug.size() > 200) slug.clear();
      send_page(res, 404, "not_found", not_found_page(base, slug));
      return;
    }
    send_page(res, status, "error", error_page(base, status, message));
  } catch (const std::exception&) {
    res.set_content(html_escape(message), "text/plain; charset=utf-8");
  }
}

void App::get_home(const httplib::Request& req, httplib::Response& res) {
  SearchRequest newest;
  newest.per_page = 10;
  const SearchResponse response = searcher().search(newest);
  send_page(res, 200, "home", home_page(page_base(QueryParams(req)), response));
}

void App::get_search_page(const httplib::Request& req, httplib::Response& res) {
  const QueryParams params(req);
  const SearchRequest request = search_request(params);
  const SearchResponse response = searcher().search(request);
  send_page(res, 200, "search", search_page(page_base(params), request, response));
}

void App::get_search_api(const httplib::Request& req, httplib::Response& res) {
  const SearchRequest request = search_request(QueryParams(req));
  const SearchResponse response = searcher().search(request);
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
                       {"score", hit.score}});
  }
  json body{{"query", response.query},
            {"total", response.total},
            {"took_ms", response.took_ms},
            {"page", response.page},
            {"per_page", response.per_page},
            {"rung", response.rung},
            {"results", results},
            {"facets",
             {{"category", facet_object(response.category_facets)},
              {"tags", facet_object(response.tag_facets)},
              {"lang", facet_object(response.lang_facets)}}}};
  if (!response.corrected_query.empty()) body["corrected_query"] = response.corrected_query;
  res.set_content(dump(body), kJson);
}

void App::get_article(const httplib::Request& req, httplib::Response& res) {
  std::string slug = req.matches[1];
  const bool source = slug.size() > 3 && slug.compare(slug.size() - 3, 3, ".md") == 0;
  if (source) slug.resize(slug.size() - 3);
  Searcher& s = searcher();
  const std::optional<ArticleRecord> article = s.find_article(slug);
  if (!article) {
    if (const auto canonical = s.resolve_alias(slug)) {
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
  const std::vector<ArticleLink> related = s.related(*article, 5);
  send_page(res, 200, "article", article_page(page_base(QueryParams(req)), *article, related));
}

void App::get_healthz(const httplib::Request&, httplib::Response& res) {
  const IndexStatus st = searcher().status();
  res.set_content(dump(json{{"status", "ok"},
                            {"documents", st.documents},
                            {"revision", st.revision},
                            {"indexed_at", st.indexed_at},
                            {"schema_version", st.schema_version}}),
                  kJson);
}

}  // namespace kb::server
