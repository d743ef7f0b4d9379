/** @file xss.test.cpp
 *  @brief Integration: script payloads planted in an article, in queries,
 *  in ticket fields and in feedback comments never reach a page unescaped
 *  (search, article, ticket form, not found, agent view, the admin's
 *  dashboard and lists), CSV exports are never served as HTML, and every
 *  page carries the security headers.
 */
#include "support/browser.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <regex>
#include <thread>

using namespace kb::test;
using Catch::Matchers::Contains;
using nlohmann::json;

namespace {

constexpr const char* kAdminToken = "xss-admin-token-d41f";
constexpr const char* kAgentToken = "xss-agent-token-7a20";

const std::string kScript = "<script>alert(1)</script>";
const std::string kImg = "\"><img src=x onerror=alert(1)>";
const std::string kJsLink = "javascript:alert(1)";
const std::string kPayload = kScript + " " + kImg + " " + kJsLink;
const std::string kZeroResult = "\"><svg onload=qqzzx(7)>";

std::string enc(const std::string& s) { return httplib::detail::encode_query_param(s); }

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// An HTML page: no payload unescaped, only kb's own script elements, and
/// the security headers.
void check_page(const std::string& what, const httplib::Result& res, int status = 200) {
  INFO(what);
  REQUIRE(res);
  INFO(res->body.substr(0, 2000));
  CHECK(res->status == status);
  const std::string html = lower(res->body);
  CHECK_THAT(html, !Contains("<script>alert"));
  CHECK_THAT(html, !Contains("<img src=x"));
  CHECK_THAT(html, !Contains("<svg onload"));
  CHECK_THAT(html, !Contains("onerror=alert(1)>"));
  CHECK_THAT(html, !Contains("href=\"javascript:"));
  CHECK_THAT(html, !Contains("src=\"javascript:"));
  // Every script element is one of kb's: a file under /static or a JSON data block.
  static const std::regex script_tag("<script[^>]*>");
  for (auto it = std::sregex_iterator(html.begin(), html.end(), script_tag); it != std::sregex_iterator(); ++it) {
    const std::string tag = it->str();
    INFO(tag);
    CHECK((tag.find(" src=\"/static/") != std::string::npos || tag.find(" type=\"application/json\"") != std::string::npos));
  }
  const std::string csp = res->get_header_value("Content-Security-Policy");
  CHECK_THAT(csp, Contains("script-src 'self'"));
  CHECK_THAT(csp, !Contains("unsafe-inline"));
  CHECK_THAT(csp, !Contains("unsafe-eval"));
  CHECK_THAT(csp, Contains("frame-ancestors 'none'"));
  CHECK(res->get_header_value("X-Content-Type-Options") == "nosniff");
  CHECK_FALSE(res->get_header_value("Referrer-Policy").empty());
  CHECK_THAT(res->get_header_value("Content-Type"), Contains("text/html"));
}

/// A CSV: data, never rendered by a browser.
void check_csv(const std::string& what, const httplib::Result& res, const std::string& expected) {
  INFO(what);
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK_THAT(res->get_header_value("Content-Type"), Contains("text/csv"));
  CHECK(res->get_header_value("X-Content-Type-Options") == "nosniff");
  if (!expected.empty()) CHECK_THAT(res->body, Contains(expected));
}

const char* kPlanted = R"md(---
title: "Planted <script>alert(1)</script> \"><img src=x onerror=alert(1)> printer"
slug: planted-payloads
summary: "\"><img src=x onerror=alert(1)> <script>alert(1)</script> javascript:alert(1)"
category: security
tags: ["\"><img src=x onerror=alert(1)>", "javascript:alert(1)"]
---
## Heading <script>alert(1)</script> printer

<script>alert(1)</script>

"><img src=x onerror=alert(1)> printer paper

[click me](javascript:alert(1)) and [again](JaVaScRiPt:alert(1)) and <javascript:alert(1)>

![picture](javascript:alert(1))

<a href="javascript:alert(1)">raw link</a>
)md";

}  // namespace

TEST_CASE("planted script payloads never reach a page unescaped", "[xss][server]") {
  TempDir dir;
  std::filesystem::copy(std::filesystem::path(KB_FIXTURES_DIR) / "search", dir / "articles",
                        std::filesystem::copy_options::recursive);
  dir.write("articles/planted.md", kPlanted);
  std::string out;
  REQUIRE(run_program({KB_INDEX_BIN, "--articles", (dir / "articles").string(), "--index", (dir / "index").string(), "-q"},
                      out) == 0);
  ServerProcess server({"--index", (dir / "index").string(), "--data", (dir / "data").string(), "--admin-token",
                        kAdminToken, "--agent-token", kAgentToken, "--flush-interval-ms", "10"});
  Browser b(server.port());

  // Queries: searched, shown back, recorded for the dashboard.
  auto res = b.get("/search?q=" + enc(kPayload));
  check_page("search page with a payload query", res);
  CHECK_THAT(res->body, Contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
  check_page("search results showing the planted article", b.get("/search?q=planted+printer"));
  CHECK_THAT(b.get("/search?q=planted+printer")->body, Contains("planted-payloads"));
  check_page("home page", b.get("/?q=" + enc(kPayload)));
  // A payload that matches nothing: listed on the dashboard as a zero-result query.
  check_page("search page with a zero-result payload", b.get("/search?q=" + enc(kZeroResult)));

  // The article itself.
  res = b.get("/articles/planted-payloads");
  check_page("article page", res);
  CHECK_THAT(res->body, Contains("Planted &lt;script&gt;"));
  check_page("not-found page with a payload slug", b.get("/articles/" + enc(kPayload)), 404);

  // Ticket form prefilled from a query and an article, then submitted.
  res = b.get("/tickets/new?q=" + enc(kPayload) + "&article=planted-payloads");
  check_page("ticket form with prefill", res);
  const std::string csrf = b.csrf();
  REQUIRE_FALSE(csrf.empty());
  res = b.post_form("/tickets", {{"csrf", csrf}, {"subject", kPayload}, {"description", kPayload}, {"email", kImg},
                                 {"q", kPayload}, {"article", "planted-payloads"}});
  check_page("ticket form with errors", res, 400);
  CHECK_THAT(res->body, Contains("&lt;img src=x"));
  res = b.post_form("/tickets", {{"csrf", csrf}, {"subject", kPayload}, {"description", kPayload},
                                 {"email", "a@example.com"}, {"q", kPayload}, {"article", "planted-payloads"}});
  REQUIRE(res->status == 303);
  check_page("ticket received", b.get(res->get_header_value("Location")));

  // Feedback comment.
  auto vote = b.post_json("/api/feedback", json{{"slug", "planted-payloads"}, {"helpful", false}, {"comment", kPayload}}.dump());
  REQUIRE(vote);
  CHECK(vote->status == 200);
  check_page("article after a vote", b.get("/articles/planted-payloads?voted=" + enc(kPayload)));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));

  // The admin's pages and exports.
  Browser admin(server.port());
  const httplib::Headers bearer{{"Authorization", std::string("Bearer ") + kAdminToken}};
  res = admin.get("/stats", bearer);
  check_page("admin dashboard", res);
  // The zero-result query is listed (as its normalised words).
  CHECK_THAT(res->body, Contains("svg onload qqzzx 7"));
  check_page("admin dashboard with payload dates", admin.get("/stats?from=" + enc(kPayload), bearer), 400);
  check_page("content gaps", admin.get("/stats/gaps", bearer));
  check_page("article health", admin.get("/stats/articles", bearer));
  check_page("synonym proposals", admin.get("/stats/synonyms?accepted=" + enc(kPayload), bearer));
  check_csv("gaps CSV", admin.get("/stats/gaps?format=csv", bearer), "");
  check_csv("health CSV", admin.get("/stats/articles?format=csv", bearer), "planted-payloads");
  check_csv("events CSV", admin.get("/api/stats/export?kind=events", bearer), "<script>alert(1)</script>");
  check_csv("tickets CSV", admin.get("/api/stats/export?kind=tickets", bearer), "<script>alert(1)</script>");
  // A comment starting with '=' stays text in a spreadsheet.
  vote = b.post_json("/api/feedback", json{{"slug", "planted-payloads"}, {"helpful", false}, {"comment", "=HYPERLINK(\"x\")"}}.dump());
  REQUIRE(vote);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  res = admin.get("/api/stats/export?kind=events", bearer);
  CHECK_THAT(res->body, Contains("\"'=HYPERLINK(\"\"x\"\")\""));
  // So does one hiding the '=' behind a tab or a carriage return.
  vote = b.post_json("/api/feedback", json{{"slug", "planted-payloads"}, {"helpful", false}, {"comment", "\t=HYPERLINK(\"t\")"}}.dump());
  REQUIRE(vote);
  vote = b.post_json("/api/feedback", json{{"slug", "planted-payloads"}, {"helpful", false}, {"comment", "\r=HYPERLINK(\"r\")"}}.dump());
  REQUIRE(vote);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  res = admin.get("/api/stats/export?kind=events", bearer);
  // (After the tab or CR too: an importer that splits cells there sees a cell starting with '='.)
  CHECK_THAT(res->body, Contains("\"'\t'=HYPERLINK(\"\"t\"\")\""));
  CHECK_THAT(res->body, Contains("\"'\r'=HYPERLINK(\"\"r\"\")\""));

  // The agent view.
  const httplib::Headers agent{{"Authorization", std::string("Bearer ") + kAgentToken}};
  res = admin.get("/agent?q=planted+printer&ticket=" + enc(kPayload), agent);
  check_page("agent view", res);
  CHECK_THAT(res->body, Contains("planted-payloads"));
  check_page("agent view with a payload query", admin.get("/agent?q=" + enc(kPayload), agent));

  // JSON answers are JSON, escaped for HTML where they carry HTML.
  res = b.get("/api/search?q=planted+printer");
  REQUIRE(res);
  CHECK_THAT(res->get_header_value("Content-Type"), Contains("application/json"));
  CHECK(res->get_header_value("X-Content-Type-Options") == "nosniff");
  const json found = json::parse(res->body);
  REQUIRE_FALSE(found["results"].empty());
  for (const auto& hit : found["results"]) {
    CHECK_THAT(hit["snippet"].get<std::string>(), !Contains("<script"));
    CHECK_THAT(hit["snippet"].get<std::string>(), !Contains("<img"));
  }
}
