/** @file population.h
 *  @brief The simulated population of issue [2]: five kinds of visitor
 *  whose deflection figures are known exactly, and the check of those
 *  figures in /api/stats. Each visitor is one browser session; given
 *  several ports, its requests alternate between them (no stickiness).
 */
#pragma once

#include "support/browser.h"

#include <catch2/catch.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <map>
#include <regex>
#include <string>
#include <vector>

namespace kb::test::population {

/// The link of the result with @p slug on the last results page.
inline std::string result_link(const std::string& html, const std::string& slug) {
  std::smatch m;
  const std::regex re("href=\"(/articles/" + slug + "\\?sid=[0-9a-f]+&amp;rank=\\d+)\"");
  REQUIRE(std::regex_search(html, m, re));
  return std::regex_replace(m[1].str(), std::regex("&amp;"), "&");
}

/// Opens the ticket form and submits it; the reference the person got.
inline std::string submit_ticket(Browser& b, const std::string& subject, const std::string& article = "") {
  auto form = b.get("/tickets/new?q=" + httplib::detail::encode_query_param(subject) +
                    (article.empty() ? "" : "&article=" + article));
  REQUIRE(form);
  REQUIRE(form->status == 200);
  const auto res = b.post_form("/tickets", {{"csrf", b.csrf()},
                                            {"subject", subject},
                                            {"description", "Tried the articles."},
                                            {"email", "user@example.com"},
                                            {"article", article},
                                            {"action", "submit"}});
  REQUIRE(res);
  INFO(res->body);
  REQUIRE(res->status == 303);  // Post/Redirect/Get: the receipt is a page of its own
  const auto receipt = b.get(res->get_header_value("Location"));
  REQUIRE(receipt);
  REQUIRE(receipt->status == 200);
  std::smatch m;
  REQUIRE(std::regex_search(receipt->body, m, std::regex("KB-[0-9]{6,}")));
  return m[0].str();
}

// The five kinds of visitor.
inline void searches_and_reads(const std::vector<int>& ports) {
  Browser b(ports);
  const auto page = b.get("/search?q=printer+offline");
  REQUIRE(page);
  const auto article = b.get(result_link(page->body, "printer-offline"));
  REQUIRE(article);
  REQUIRE(article->status == 200);
}
inline std::string finds_nothing_and_files_a_ticket(const std::vector<int>& ports) {
  Browser b(ports);
  const auto page = b.get("/search?q=xylophone");
  REQUIRE(page);
  CHECK_THAT(page->body, Catch::Matchers::Contains("No articles match your search"));
  return submit_ticket(b, "xylophone broken");
}
inline std::string reads_then_files_a_ticket(const std::vector<int>& ports) {
  Browser b(ports);
  REQUIRE(b.get("/articles/keyboard"));
  return submit_ticket(b, "keyboard still dead", "keyboard");
}
inline void reads_and_votes_yes(const std::vector<int>& ports) {
  Browser b(ports);
  REQUIRE(b.get("/articles/install-fails"));
  const auto vote = b.post_form("/feedback", {{"csrf", b.csrf()}, {"slug", "install-fails"}, {"helpful", "yes"}});
  REQUIRE(vote);
  CHECK(vote->status == 303);
  // To the article, with the proof that this browser voted (its thanks).
  CHECK_THAT(vote->get_header_value("Location"), Catch::Matchers::StartsWith("/articles/install-fails?voted=yes&vote="));
}
inline void opens_form_clicks_suggestion_leaves(const std::vector<int>& ports) {
  Browser b(ports);
  const auto form = b.get("/tickets/new?q=keyboard");
  REQUIRE(form);
  CHECK_THAT(form->body, Catch::Matchers::Contains("href=\"/articles/keyboard?from=ticket\""));
  REQUIRE(b.get("/articles/keyboard?from=ticket"));
}

/// /api/stats after @p n visitors of each kind, every session ended.
inline void check_stats(const nlohmann::json& s, int n) {
  using nlohmann::json;
  INFO(s.dump(2));
  CHECK(s["help_sessions"] == 5 * n);
  CHECK(s["self_service_sessions"] == 4 * n);
  CHECK(s["deflected_sessions"] == 3 * n);
  CHECK(s["escalated_sessions"] == 2 * n);
  CHECK(s["open_sessions"] == 0);
  CHECK(s["deflection_rate"] == Approx(0.6));
  CHECK(s["explicit_deflections"] == n);
  CHECK(s["form_deflections"] == n);
  CHECK(s["self_service_score"] == Approx(2.5));
  CHECK(s["searches"] == 2 * n);
  CHECK(s["zero_result_searches"] == n);
  CHECK(s["zero_result_rate"] == Approx(0.5));
  CHECK(s["click_through_rate"] == Approx(0.5));
  CHECK(s["search_exit_rate"] == Approx(0.0));
  CHECK(s["tickets"] == 2 * n);
  CHECK(s["top_zero_result_queries"] == json::array({json{{"query", "xylophone"}, {"searches", n}}}));
  const json printer = s["top_queries"][0]["query"] == "printer offline" ? s["top_queries"][0] : s["top_queries"][1];
  CHECK(printer == json{{"query", "printer offline"}, {"searches", n}, {"zero_results", 0}, {"deflection_rate", 1.0}});
  std::map<std::string, json> articles;
  for (const auto& a : s["articles"]) articles[a["slug"]] = a;
  REQUIRE(articles.count("keyboard"));
  REQUIRE(articles.count("install-fails"));
  REQUIRE(articles.count("printer-offline"));
  CHECK(articles.at("keyboard")["views"] == 2 * n);
  CHECK(articles.at("keyboard")["tickets_after_view"] == n);
  CHECK(articles.at("install-fails")["helpful_yes"] == n);
  CHECK(articles.at("printer-offline")["views"] == n);
  REQUIRE(s["daily"].size() == 1);
  CHECK(s["daily"][0]["help_sessions"] == 5 * n);
  CHECK(s["daily"][0]["tickets"] == 2 * n);
}

}  // namespace kb::test::population
