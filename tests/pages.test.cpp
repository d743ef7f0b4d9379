/** @file pages.test.cpp
 *  @brief Integration: what people see on the article and results pages,
 *  through the real kb-server: links between translations, the thanks for a
 *  vote, wording in Korean and Japanese, the interface language, pagination,
 *  suggestions and results while typing.
 */
#include "support/browser.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <regex>
#include <string>
#include <thread>
#include <vector>

using namespace kb::test;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using nlohmann::json;

namespace {

constexpr const char* kToken = "pages-admin-token";

/// A small knowledge base: one article in three languages, articles in a
/// category whose name is a slug, and enough printer articles for pages.
struct Site {
  TempDir dir;
  Site() {
    dir.write("articles/reset-password.md",
              article("How to reset your password", "## Before you start\n\nText.\n\n## Reset it\n\nMore text.",
                      "category: accounts\nupdated: 2026-01-01\n"));
    dir.write("articles/ko/reset-password-ko.md",
              article("비밀번호 재설정 방법", "## 시작하기 전에\n\n본문.",
                      "lang: ko\ntranslation_of: reset-password\ncategory: accounts\n"));
    dir.write("articles/ja/reset-password-ja.md",
              article("パスワードをリセットする方法", "## 始める前に\n\n本文。",
                      "lang: ja\ntranslation_of: reset-password\ncategory: accounts\n"));
    dir.write("articles/remote-access/vpn-drops.md",
              article("VPN keeps disconnecting", "The tunnel drops every hour.", "category: remote-access\n"));
    dir.write("articles/hardware/keyboard.md",
              article("Keyboard not working", "Plug the keyboard into another USB port.", "category: hardware\n"));
    for (int i = 1; i <= 12; ++i) {
      const std::string n = std::to_string(i);
      dir.write("articles/printing/printer-" + n + ".md",
                article("Printer problem " + n, "The printer shows error " + n + ".", "category: printing\n"));
    }
    std::string out;
    REQUIRE(run_program({KB_INDEX_BIN, "--articles", (dir / "articles").string(), "--index", (dir / "index").string(), "-q"},
                        out) == 0);
  }
  std::vector<std::string> args(std::vector<std::string> extra = {}) const {
    std::vector<std::string> a{"--index", (dir / "index").string(), "--data", (dir / "data").string(),
                               "--admin-token", kToken, "--threads", "4"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
};

/// A client for pages; @p as_browser: with a browser's User-Agent, so it
/// has a help session (and its search links carry their search's id).
httplib::Client client(int port, bool as_browser = true) {
  httplib::Client cli("127.0.0.1", port);
  cli.set_read_timeout(10, 0);
  cli.set_url_encode(false);
  if (as_browser) act_as_browser(cli);
  return cli;
}

std::string body_of(httplib::Client& cli, const std::string& path, const httplib::Headers& headers = {}) {
  const auto res = cli.Get(path.c_str(), headers);
  REQUIRE(res);
  INFO(path << " -> " << res->status);
  REQUIRE(res->status == 200);
  return res->body;
}

/// The part of @p page from the first @p start to the @p end after it.
std::string between(const std::string& page, const std::string& start, const std::string& end) {
  const auto from = page.find(start);
  if (from == std::string::npos) return {};
  const auto to = page.find(end, from);
  return page.substr(from, to == std::string::npos ? std::string::npos : to + end.size() - from);
}

}  // namespace

TEST_CASE("an article links its translations, named in their own language, and lists them in <head>", "[pages]") {
  Site site;
  ServerProcess server(site.args());
  auto cli = client(server.port());

  const std::string en = body_of(cli, "/articles/reset-password");
  const std::string head = between(en, "<head>", "</head>");
  // Absolute addresses, as search engines require of hreflang links.
  const std::string site_address = "http://127.0.0.1:" + std::to_string(server.port());
  CHECK_THAT(head, Contains(R"(<link rel="alternate" hreflang="en" href=")" + site_address + R"(/articles/reset-password">)"));
  CHECK_THAT(head, Contains(R"(<link rel="alternate" hreflang="ko" href=")" + site_address + R"(/articles/reset-password-ko">)"));
  CHECK_THAT(head, Contains(R"(<link rel="alternate" hreflang="ja" href=")" + site_address + R"(/articles/reset-password-ja">)"));
  const std::string others = between(en, "<nav class=\"translations\"", "</nav>");
  CHECK_THAT(others, Contains(R"(<a href="/articles/reset-password-ja" lang="ja" hreflang="ja">日本語</a>)"));
  CHECK_THAT(others, Contains(R"(<a href="/articles/reset-password-ko" lang="ko" hreflang="ko">한국어</a>)"));
  CHECK_THAT(others, !Contains("/articles/reset-password\""));  // not itself

  // Each version links the others, whatever the interface language.
  const std::string ko = body_of(cli, "/articles/reset-password-ko?ui=ja");
  const std::string from_ko = between(ko, "<nav class=\"translations\"", "</nav>");
  CHECK_THAT(from_ko, Contains(R"(<a href="/articles/reset-password" lang="en" hreflang="en">English</a>)"));
  CHECK_THAT(from_ko, Contains(R"(hreflang="ja">日本語</a>)"));
  CHECK_THAT(between(ko, "<head>", "</head>"), Contains(R"(<link rel="alternate" hreflang="ko" href=")" + site_address + R"(/articles/reset-password-ko">)"));

  // An article with no translation has neither.
  const std::string alone = body_of(cli, "/articles/keyboard");
  CHECK_THAT(alone, !Contains("<nav class=\"translations\""));
  CHECK_THAT(alone, !Contains("rel=\"alternate\""));
}

TEST_CASE("the thanks for a vote is shown only to the browser that voted, not to whoever opens its address", "[pages]") {
  Site site;
  ServerProcess server(site.args());
  Browser voter(server.port());
  REQUIRE(voter.get("/articles/keyboard"));
  const auto vote = voter.post_form("/feedback", {{"csrf", voter.csrf()}, {"slug", "keyboard"}, {"helpful", "no"}});
  REQUIRE(vote);
  REQUIRE(vote->status == 303);
  const std::string location = vote->get_header_value("Location");
  CHECK_THAT(location, StartsWith("/articles/keyboard?voted=no"));
  const auto thanked = voter.get(location);
  REQUIRE(thanked);
  CHECK_THAT(thanked->body, Contains("id=\"feedback-title\">Thanks for your feedback."));
  CHECK_THAT(thanked->body, Contains("class=\"comment-form\""));

  // The same address, shared or bookmarked: the question, not the thanks.
  Browser other(server.port());
  for (const std::string& path : {location, std::string("/articles/keyboard?voted=no"), std::string("/articles/keyboard?voted=yes"),
                                  std::string("/articles/keyboard?voted=done")}) {
    INFO(path);
    const auto page = other.get(path);
    REQUIRE(page);
    CHECK(page->status == 200);
    CHECK_THAT(page->body, !Contains("id=\"feedback-title\">Thanks for your feedback."));
    CHECK_THAT(page->body, Contains("name=\"helpful\" value=\"yes\""));
  }
  // A made-up proof or another article's is refused too.
  const auto at = location.find("&vote=");
  const std::string proof = at == std::string::npos ? std::string() : location.substr(at + 6, location.find('#') - at - 6);
  REQUIRE_FALSE(proof.empty());
  for (const std::string& path : {"/articles/keyboard?voted=yes&vote=" + proof, "/articles/vpn-drops?voted=no&vote=" + proof,
                                  std::string("/articles/keyboard?voted=no&vote=1.00ff")}) {
    INFO(path);
    const auto page = voter.get(path);
    REQUIRE(page);
    CHECK_THAT(page->body, !Contains("id=\"feedback-title\">Thanks for your feedback."));
  }
  // The comment that follows is thanked for in the voter's browser only.
  REQUIRE(voter.get(location));
  const auto comment = voter.post_form("/feedback", {{"csrf", voter.csrf()}, {"slug", "keyboard"}, {"helpful", "comment"},
                                                     {"comment", "Which port?"}});
  REQUIRE(comment);
  const std::string done = comment->get_header_value("Location");
  CHECK_THAT(done, StartsWith("/articles/keyboard?voted=done"));
  CHECK_THAT(voter.get(done)->body, Contains("id=\"feedback-title\">Thanks for your feedback."));
  CHECK_THAT(other.get(done)->body, !Contains("id=\"feedback-title\">Thanks for your feedback."));
}

TEST_CASE("Korean and Japanese pages: counters, punctuation, page numbers, category and language names", "[pages]") {
  Site site;
  ServerProcess server(site.args({"--searches-per-address-minute", "30"}));
  auto cli = client(server.port());
  const std::regex space_before_counter(R"([0-9] (건|件|分|時間|페이지|ページ))");

  SECTION("result counts: the counter follows the number, in the language's own order") {
    const std::string ko = body_of(cli, "/search?q=printer&ui=ko");
    CHECK_THAT(between(ko, "id=\"results-title\"", "</h1>"), Contains("결과 12건"));
    const std::string ja = body_of(cli, "/search?q=printer&ui=ja");
    CHECK_THAT(between(ja, "id=\"results-title\"", "</h1>"), Contains("「printer」"));
    CHECK_THAT(between(ja, "id=\"results-title\"", "</h1>"), Contains("12件"));
    CHECK_THAT(between(body_of(cli, "/search?q=printer"), "id=\"results-title\"", "</h1>"),
               Contains("12 results for “printer”"));
    for (const std::string& page : {ko, ja}) CHECK_FALSE(std::regex_search(page, space_before_counter));
  }
  SECTION("page numbers read as the language says them") {
    CHECK_THAT(body_of(cli, "/search?q=printer&per_page=2&ui=ko"), Contains("aria-label=\"2페이지\""));
    CHECK_THAT(body_of(cli, "/search?q=printer&per_page=2&ui=ja"), Contains("aria-label=\"2ページ\""));
    CHECK_THAT(body_of(cli, "/search?q=printer&per_page=2"), Contains("aria-label=\"Page 2\""));
  }
  SECTION("a correction notice has the language's punctuation, not English full stops") {
    const std::string ja = body_of(cli, "/search?q=keybord&ui=ja");
    const std::string notice = between(ja, "<p class=\"correction\">", "</p>");
    REQUIRE_FALSE(notice.empty());
    CHECK_THAT(notice, Contains("keyboard"));
    const std::string text = std::regex_replace(notice, std::regex("<[^>]*>"), "");
    CHECK(text.find('.') == std::string::npos);
    CHECK(text.find('?') == std::string::npos);
    CHECK_THAT(text, Contains("。"));
    const std::string ko = body_of(cli, "/search?q=keybord&ui=ko");
    const std::string ko_text = std::regex_replace(between(ko, "<p class=\"correction\">", "</p>"), std::regex("<[^>]*>"), "");
    CHECK_FALSE(ko_text.empty());
    CHECK(ko_text.find(": keyboard.") == std::string::npos);  // no English sentence end after the word
  }
  SECTION("categories and languages by their names, not their codes") {
    const std::string en = body_of(cli, "/search?q=vpn");
    CHECK_THAT(en, Contains(">Remote access</a>"));
    CHECK_THAT(en, !Contains(">remote-access</a>"));
    const std::string ko = body_of(cli, "/search?q=vpn&ui=ko");
    CHECK_THAT(ko, Contains(">원격 접속</a>"));
    const std::string article = body_of(cli, "/articles/vpn-drops?ui=ja");
    CHECK_THAT(between(article, "<p class=\"meta\">", "</p>"), Contains(">リモートアクセス</a>"));
    const std::string languages = between(body_of(cli, "/search?q=&category=accounts"), "<aside class=\"facets\"", "</aside>");
    CHECK_THAT(languages, Contains(">한국어</a>"));
    CHECK_THAT(languages, Contains(">日本語</a>"));
    CHECK_THAT(languages, !Contains(">ko</a>"));
    CHECK_THAT(body_of(cli, "/?ui=ko"), Contains(">계정</a>"));
  }
  SECTION("wait times in error pages: no space before the counter") {
    httplib::Client limited = client(server.port());
    int status = 0;
    std::string page;
    for (int i = 0; i < 40 && status != 429; ++i) {
      const auto res = limited.Get("/search?q=vpn&ui=ja");
      REQUIRE(res);
      status = res->status;
      page = res->body;
    }
    REQUIRE(status == 429);
    CHECK_THAT(page, Contains("分後"));
    CHECK_FALSE(std::regex_search(page, space_before_counter));
  }
}

TEST_CASE("the interface language is the person's, not the results' language filter", "[pages]") {
  Site site;
  ServerProcess server(site.args());
  auto cli = client(server.port());
  const std::string filtered = body_of(cli, "/search?q=&lang=ko");
  CHECK_THAT(filtered, Contains("<html lang=\"en\">"));
  CHECK_THAT(filtered, Contains("비밀번호 재설정 방법"));  // the filter still filters
  CHECK_THAT(filtered, !Contains("How to reset your password"));
  CHECK_THAT(body_of(cli, "/search?q=&lang=ko", {{"Accept-Language", "ja-JP,ja;q=0.9"}}), Contains("<html lang=\"ja\">"));
  CHECK_THAT(body_of(cli, "/search?q=&lang=en", {{"Accept-Language", "ko-KR,ko;q=0.9"}}), Contains("<html lang=\"ko\">"));
  CHECK_THAT(body_of(cli, "/search?q=&lang=en&ui=ja"), Contains("<html lang=\"ja\">"));
  CHECK_THAT(body_of(cli, "/?lang=ko"), Contains("<html lang=\"en\">"));
}

TEST_CASE("result pages link the first and the last page, except from there", "[pages]") {
  Site site;
  ServerProcess server(site.args());
  auto cli = client(server.port(), false);  // no session: links without a search id
  const std::string middle = between(body_of(cli, "/search?q=printer&per_page=2&page=3"), "<nav class=\"pagination\"", "</nav>");
  CHECK_THAT(middle, Contains("<a href=\"/search?q=printer&amp;per_page=2\">First page</a>"));
  CHECK_THAT(middle, Contains("<a href=\"/search?q=printer&amp;per_page=2&amp;page=6\">Last page</a>"));
  // In order: first, previous, the numbers, next, last.
  CHECK(middle.find("First page") < middle.find("rel=\"prev\""));
  CHECK(middle.find("rel=\"next\"") < middle.find("Last page"));
  const std::string first = between(body_of(cli, "/search?q=printer&per_page=2"), "<nav class=\"pagination\"", "</nav>");
  CHECK_THAT(first, !Contains("First page"));
  CHECK_THAT(first, Contains("Last page"));
  const std::string last = between(body_of(cli, "/search?q=printer&per_page=2&page=6"), "<nav class=\"pagination\"", "</nav>");
  CHECK_THAT(last, Contains("First page"));
  CHECK_THAT(last, !Contains("Last page"));
  CHECK_THAT(between(body_of(cli, "/search?q=printer&per_page=2&page=2&ui=ko"), "<nav class=\"pagination\"", "</nav>"),
             Contains(">마지막 페이지</a>"));
}

TEST_CASE("a suggestion says the language of its article", "[pages]") {
  Site site;
  ServerProcess server(site.args());
  auto cli = client(server.port());
  json s = json::parse(body_of(cli, "/api/suggest?q=%EB%B9%84%EB%B0%80"));  // 비밀
  REQUIRE_FALSE(s["suggestions"].empty());
  CHECK(s["suggestions"][0]["slug"] == "reset-password-ko");
  CHECK(s["suggestions"][0]["lang"] == "ko");
  s = json::parse(body_of(cli, "/api/suggest?q=keyb"));
  REQUIRE_FALSE(s["suggestions"].empty());
  CHECK(s["suggestions"][0]["lang"] == "en");
}

TEST_CASE("signed-in staff and text browsers who vote are thanked, never told the page expired", "[pages]") {
  Site site;
  ServerProcess server(site.args());
  Browser lynx(server.port());
  const httplib::Headers lynx_ua{{"User-Agent", "Lynx/2.9.0dev.12 libwww-FM/2.14 SSL-MM/1.4.1 OpenSSL/3.0.11"}};
  Browser w3m(server.port());
  const httplib::Headers w3m_ua{{"User-Agent", "w3m/0.5.3+git20230121"}};
  Browser admin(server.port());
  REQUIRE(admin.post_form("/stats/login", {{"token", kToken}})->status == 303);
  const httplib::Headers browser_ua{};
  for (auto [who, headers] : {std::pair<Browser*, httplib::Headers>{&lynx, lynx_ua}, {&w3m, w3m_ua}, {&admin, browser_ua}}) {
    const auto page = who->get("/articles/keyboard", headers);
    REQUIRE(page);
    REQUIRE(page->status == 200);
    // The vote form as the page has it, whatever its token is.
    const auto vote = who->post_form("/feedback", {{"csrf", who->csrf()}, {"slug", "keyboard"}, {"helpful", "no"}}, headers);
    REQUIRE(vote);
    INFO(vote->body);
    REQUIRE(vote->status == 303);
    const std::string location = vote->get_header_value("Location");
    CHECK_THAT(location, !Contains("expired"));
    const auto after = who->get(location, headers);
    REQUIRE(after);
    CHECK(after->status == 200);
    CHECK_THAT(after->body, Contains("id=\"feedback-title\">Thanks for your feedback."));
    CHECK_THAT(after->body, Contains("not counted"));
    CHECK_THAT(after->body, !Contains("not recorded. Please answer again"));
    CHECK_THAT(after->body, !Contains("class=\"comment-form\""));  // a comment would not be kept either
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  httplib::Client cli("127.0.0.1", server.port());
  const auto stats = cli.Get("/api/stats", {{"Authorization", std::string("Bearer ") + kToken}});
  REQUIRE(stats);
  // Kept: a range-for over a part of a temporary would read freed memory.
  const json counted = json::parse(stats->body);
  for (const auto& a : counted["articles"]) CHECK(a["helpful_no"] == 0);
}

TEST_CASE("results while typing match the last word as a prefix, as suggestions do", "[pages]") {
  Site site;
  ServerProcess server(site.args());
  auto cli = client(server.port());
  const json typing = json::parse(body_of(cli, "/api/search?q=keyb&partial=1&live=1"));
  REQUIRE_FALSE(typing["results"].empty());
  CHECK(typing["results"][0]["slug"] == "keyboard");
  CHECK(typing["rung"] == "all");
  CHECK_FALSE(typing.contains("corrected_query"));
  CHECK_THAT(typing["results"][0]["snippet"].get<std::string>(), Contains("<mark>keyboard</mark>"));
  // Every word but the last as written: "vpn disc" needs "vpn".
  const json two = json::parse(body_of(cli, "/api/search?q=vpn+disc&partial=1"));
  REQUIRE(two["results"].size() == 1);
  CHECK(two["results"][0]["slug"] == "vpn-drops");
  CHECK(two["rung"] == "all");
  // A space after the last word ends it; without partial=1 the words are whole.
  CHECK(json::parse(body_of(cli, "/api/search?q=keyb+&partial=1"))["rung"] != "all");
  CHECK(json::parse(body_of(cli, "/api/search?q=keyb"))["rung"] != "all");
}
