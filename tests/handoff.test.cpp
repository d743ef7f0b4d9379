/** @file handoff.test.cpp
 *  @brief Integration: the ticket hand-off and the deflection statistics
 *  through the real kb-server, a real index and a real SQLite file.
 */
#include "http_util.h"
#include "support/browser.h"
#include "support/population.h"
#include "support/search_site.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <memory>
#include <regex>
#include <set>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

using namespace kb::test;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using nlohmann::json;
using namespace kb::test::population;

namespace {

constexpr const char* kToken = "test-admin-token";

/// The search fixture, indexed, with this test's server arguments.
struct Site : SearchSite {
  std::vector<std::string> args(std::vector<std::string> extra = {}) const {
    std::vector<std::string> a{"--index", (dir / "index").string(), "--data", (dir / "data").string(),
                               "--session-timeout", "1", "--admin-token", kToken, "--threads", "4"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
};

json admin_json(int port, const std::string& path) {
  httplib::Client cli("127.0.0.1", port);
  cli.set_url_encode(false);
  const auto res = cli.Get(path.c_str(), {{"Authorization", std::string("Bearer ") + kToken}});
  REQUIRE(res);
  INFO(res->body);
  REQUIRE(res->status == 200);
  return json::parse(res->body);
}

}  // namespace

TEST_CASE("a simulated population is counted exactly, across a crash", "[handoff][slow]") {
  Site site;
  const int n = 3;
  {
    ServerProcess server(site.args());
    for (int i = 0; i < n; ++i) searches_and_reads({server.port()});
    for (int i = 0; i < n; ++i) finds_nothing_and_files_a_ticket({server.port()});
    // Acknowledged events older than the flush interval survive a kill -9.
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    server.kill_hard();
  }
  ServerProcess server(site.args());
  for (int i = 0; i < n; ++i) reads_then_files_a_ticket({server.port()});
  for (int i = 0; i < n; ++i) reads_and_votes_yes({server.port()});
  for (int i = 0; i < n; ++i) opens_form_clicks_suggestion_leaves({server.port()});
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // every session ends (timeout 1 s)

  const json s = admin_json(server.port(), "/api/stats");
  INFO(s.dump(2));
  // KB_DUMP_STATS=file keeps the response, e.g. to quote it next to the expected figures.
  if (const char* dump = std::getenv("KB_DUMP_STATS")) std::ofstream(dump) << s.dump(2) << "\n";
  check_stats(s, n);

  // Every ticket carries what its session tried.
  const json tickets = admin_json(server.port(), "/api/tickets");
  REQUIRE(tickets["tickets"].size() == static_cast<std::size_t>(2 * n));
  int with_search = 0, with_article = 0;
  for (const auto& t : tickets["tickets"]) {
    if (!t["context"]["queries"].empty() && t["context"]["queries"][0]["query"] == "xylophone") {
      CHECK(t["context"]["queries"][0]["results"] == 0);
      ++with_search;
    }
    if (!t["context"]["articles"].empty() && t["context"]["articles"][0]["slug"] == "keyboard") ++with_article;
  }
  CHECK(with_search == n);
  CHECK(with_article == n);

  // What to write next and what to fix, from the same statistics.
  httplib::Client cli("127.0.0.1", server.port());
  const httplib::Headers admin{{"Authorization", std::string("Bearer ") + kToken}};
  const auto gaps = cli.Get("/stats/gaps?format=csv", admin);
  REQUIRE(gaps);
  CHECK_THAT(gaps->body, Contains("xylophone,6,3,0,3,xylophone,xylophone broken | xylophone broken | xylophone broken\r\n"));
  const auto health = cli.Get("/stats/articles", admin);
  REQUIRE(health);
  CHECK_THAT(health->body, Contains("3 of 6 views were followed by a ticket"));
}

TEST_CASE("instant search: a typing burst is one search", "[handoff]") {
  Site site;
  ServerProcess server(site.args());
  Browser b(server.port());
  REQUIRE(b.get("/"));  // the page sets the session cookie the script then sends
  std::string id;
  for (const char* q : {"k", "ke", "key", "keyb", "keyboard"}) {
    const auto res = b.get(std::string("/api/search?live=1&q=") + q);
    REQUIRE(res);
    const json j = json::parse(res->body);
    if (!id.empty()) CHECK(j["search_id"] == id);
    id = j["search_id"];
  }
  // Ticket-form suggestions fetched by the script are not searches.
  const auto suggest = b.get("/api/search?context=ticket&per_page=5&q=printer");
  REQUIRE(suggest);
  CHECK_FALSE(json::parse(suggest->body).contains("search_id"));
  // Without a browser session, API calls are served but not counted.
  httplib::Client plain("127.0.0.1", server.port());
  const auto anon = plain.Get("/api/search?q=printer");
  REQUIRE(anon);
  CHECK_FALSE(json::parse(anon->body).contains("search_id"));
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));
  const json s = admin_json(server.port(), "/api/stats");
  CHECK(s["searches"] == 1);
  CHECK(s["top_queries"][0]["query"] == "keyboard");
}

TEST_CASE("another page, filter or language of a search is the same search, and its clicks count", "[handoff]") {
  Site site;
  ServerProcess server(site.args());
  Browser b(server.port());
  const auto link = [](const std::string& html, const std::string& pattern) {
    std::smatch m;
    REQUIRE(std::regex_search(html, m, std::regex(pattern)));
    return std::regex_replace(m[1].str(), std::regex("&amp;"), "&");
  };
  auto page = b.get("/search?q=printer&per_page=1");
  REQUIRE(page);
  const std::string sid = link(page->body, R"re(/articles/[a-z-]+\?sid=([0-9a-f]+)&amp;rank=1)re");
  // Page 2, as its link gives it: its result is ranked 2 and still this search's.
  page = b.get(link(page->body, R"re(rel="next" href="([^"]+)")re"));
  REQUIRE(page);
  CHECK(page->status == 200);
  const std::string second = link(page->body, R"re(href="(/articles/[a-z-]+\?sid=[0-9a-f]+&amp;rank=2)[#"])re");
  CHECK_THAT(second, Contains("sid=" + sid + "&rank=2"));
  // A filter, then the page in Korean.
  page = b.get(link(page->body, R"re(href="(/search\?q=printer&amp;category=[^"]+)")re"));
  REQUIRE(page);
  CHECK(page->status == 200);
  page = b.get(link(page->body, R"re(href="([^"]*ui=ko)")re"));
  REQUIRE(page);
  CHECK_THAT(page->body, Contains("sid=" + sid));
  REQUIRE(b.get(second)->status == 200);
  // The same links opened in another session (shared, bookmarked) are a
  // search of their own, and a result link's sid there is no click.
  Browser other(server.port());
  page = other.get("/search?q=vpn&sid=" + sid);
  REQUIRE(page);
  CHECK_THAT(page->body, !Contains("sid=" + sid));
  REQUIRE(other.get(second)->status == 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));  // flushed, and the sessions ended
  const json s = admin_json(server.port(), "/api/stats");
  INFO(s.dump(2));
  CHECK(s["searches"] == 2);
  CHECK(s["click_through_rate"] == 0.5);
  // A mangled rank on a result link still opens the article.
  const auto mangled = b.get(second.substr(0, second.find("rank=")) + "rank=99999999999999999999");
  REQUIRE(mangled);
  CHECK(mangled->status == 200);
}

TEST_CASE("a sent ticket's page is its own address: reloading it sends nothing again", "[handoff]") {
  Site site;
  ServerProcess server(site.args());
  Browser b(server.port());
  REQUIRE(b.get("/tickets/new?q=vpn&ui=ko"));
  const auto sent = b.post_form("/tickets?ui=ko", {{"csrf", b.csrf()}, {"subject", "VPN drops"},
                                                   {"description", "Every hour"}, {"email", "a@b.co"}});
  REQUIRE(sent);
  REQUIRE(sent->status == 303);
  const std::string receipt = sent->get_header_value("Location");
  CHECK_THAT(receipt, StartsWith("/tickets/sent?ref=KB-000001&until="));
  for (int reload = 0; reload < 2; ++reload) {
    const auto page = b.get(receipt);
    REQUIRE(page);
    CHECK(page->status == 200);
    CHECK_THAT(page->body, Contains("KB-000001"));
    CHECK_THAT(page->body, Contains("<html lang=\"ko\">"));
  }
  CHECK(admin_json(server.port(), "/api/stats")["tickets"] == 1);
  // Its language links are pages too (the form's address only takes POST).
  const auto english = b.get(receipt.substr(0, receipt.find("&ui=")) + "&ui=en");
  REQUIRE(english);
  CHECK(english->status == 200);
  CHECK_THAT(english->body, Contains("We have your ticket"));
  // Only the server's own receipts: another reference, or none, is not found.
  for (const std::string& forged : {std::string("/tickets/sent?ref=KB-000002") + receipt.substr(receipt.find("&receipt=")),
                                   std::string("/tickets/sent?ref=KB-000001"), std::string("/tickets/sent")}) {
    const auto res = b.get(forged);
    REQUIRE(res);
    CHECK(res->status == 404);
  }
  // In the person's language, like the rest of the site.
  const auto korean = b.get("/tickets/sent?ref=KB-000002&ui=ko");
  REQUIRE(korean);
  CHECK(korean->status == 404);
  CHECK_THAT(korean->body, Contains("티켓 접수증이 없습니다"));

  // A receipt works for a week: a later date is not the server's, and
  // one the server signed for a time now past has expired.
  const std::string until = receipt.substr(receipt.find("&until=") + 7, receipt.find("&receipt=") - receipt.find("&until=") - 7);
  CHECK(std::stoll(until) - static_cast<long long>(std::time(nullptr)) > 6 * 24 * 3600);
  const std::string later = std::to_string(std::stoll(until) + 1);
  const auto extended = b.get("/tickets/sent?ref=KB-000001&until=" + later + receipt.substr(receipt.find("&receipt=")));
  REQUIRE(extended);
  CHECK(extended->status == 404);
  std::ifstream secret_file(site.dir / "data" / "secret");
  std::string secret;
  REQUIRE(secret_file >> secret);
  const std::string past = std::to_string(static_cast<long long>(std::time(nullptr)) - 60);
  const auto expired = b.get("/tickets/sent?ref=KB-000001&until=" + past + "&receipt=" +
                             kb::server::hmac_sha256_hex(secret, "receipt:KB-000001:" + past) + "&ui=ja");
  REQUIRE(expired);
  CHECK(expired->status == 410);
  CHECK_THAT(expired->body, Contains("期限切れ"));
  const auto english_expired = b.get("/tickets/sent?ref=KB-000001&until=" + past + "&receipt=" +
                                     kb::server::hmac_sha256_hex(secret, "receipt:KB-000001:" + past) + "&ui=en");
  REQUIRE(english_expired);
  CHECK_THAT(english_expired->body, !Contains("We have your ticket"));
}

TEST_CASE("a ticket form sent again, by a double click or after Back, is one ticket whatever was restored", "[handoff]") {
  Site site;
  // Every post counts towards the limit, repeats too: room for this test's.
  ServerProcess server(site.args({"--tickets-per-session-hour", "10"}));
  Browser b(server.port());
  REQUIRE(b.get("/tickets/new?q=vpn"));
  const std::string submission = b.hidden_field("submission");
  CHECK(submission.size() == 32);
  const std::string csrf = b.csrf();
  const auto post = [&](const std::string& subject, const std::string& description) {
    return b.post_form("/tickets", {{"csrf", csrf}, {"submission", submission}, {"subject", subject},
                                    {"description", description}, {"email", "a@b.co"}, {"action", "submit"}});
  };
  // A double click: the second post arrives while or after the first is stored.
  const auto first = post("VPN drops", "Every hour");
  const auto second = post("VPN drops", "Every hour");
  REQUIRE(first);
  REQUIRE(second);
  CHECK(first->status == 303);
  CHECK(second->status == 303);
  CHECK_THAT(first->get_header_value("Location"), StartsWith("/tickets/sent?ref=KB-000001&"));
  CHECK_THAT(second->get_header_value("Location"), StartsWith("/tickets/sent?ref=KB-000001&"));
  // Back from the receipt, and Send again: the browser restored the form,
  // but not every field as it was sent (Chrome puts a field it does not
  // autocomplete back to the page's own value: here the subject to the
  // search it was prefilled with). The same form is still the same ticket.
  const auto after_back = post("vpn", "Every hour");
  REQUIRE(after_back);
  CHECK(after_back->status == 303);
  CHECK_THAT(after_back->get_header_value("Location"), StartsWith("/tickets/sent?ref=KB-000001&"));
  CHECK(admin_json(server.port(), "/api/stats")["tickets"] == 1);
  // A new form is a new ticket, even with the same words.
  REQUIRE(b.get("/tickets/new?q=vpn"));
  CHECK(b.hidden_field("submission") != submission);
  const auto next = b.post_form("/tickets", {{"csrf", b.csrf()}, {"submission", b.hidden_field("submission")},
                                             {"subject", "VPN drops"}, {"description", "Every hour"},
                                             {"email", "a@b.co"}, {"action", "submit"}});
  REQUIRE(next);
  CHECK_THAT(next->get_header_value("Location"), StartsWith("/tickets/sent?ref=KB-000002&"));
  // Someone else who learnt this form's id sends their own ticket: they
  // never get this one's receipt.
  Browser other(server.port());
  REQUIRE(other.get("/tickets/new"));
  const auto borrowed = other.post_form("/tickets", {{"csrf", other.csrf()}, {"submission", submission},
                                                     {"subject", "VPN drops"}, {"description", "Every hour"},
                                                     {"email", "a@b.co"}, {"action", "submit"}});
  REQUIRE(borrowed);
  CHECK_THAT(borrowed->get_header_value("Location"), StartsWith("/tickets/sent?ref=KB-000003&"));
  CHECK(admin_json(server.port(), "/api/stats")["tickets"] == 3);

  // The JSON API: a retry with the same Idempotency-Key gets the same ticket.
  const httplib::Headers key{{"Idempotency-Key", "retry-7f3a"}};
  const auto api_first = b.post_json("/api/tickets", R"({"subject":"Printer","email":"a@b.co"})", key);
  const auto api_again = b.post_json("/api/tickets", R"({"subject":"Printer","email":"a@b.co"})", key);
  REQUIRE(api_first);
  REQUIRE(api_again);
  CHECK(api_first->status == 201);
  CHECK(api_again->status == 201);
  CHECK(json::parse(api_again->body)["reference"] == json::parse(api_first->body)["reference"]);
  CHECK(api_again->get_header_value("Idempotent-Replayed") == "true");
  CHECK_FALSE(api_first->has_header("Idempotent-Replayed"));
  const auto bad_key = b.post_json("/api/tickets", R"({"subject":"Printer","email":"a@b.co"})",
                                   {{"Idempotency-Key", std::string(201, 'k')}});
  REQUIRE(bad_key);
  CHECK(bad_key->status == 400);
  CHECK(admin_json(server.port(), "/api/stats")["tickets"] == 4);
  CHECK(admin_json(server.port(), "/api/tickets?limit=2")["tickets"].size() == 2);
  httplib::Client admin("127.0.0.1", server.port());
  const auto not_a_number = admin.Get("/api/tickets?limit=abc", {{"Authorization", std::string("Bearer ") + kToken}});
  REQUIRE(not_a_number);
  CHECK(not_a_number->status == 400);
}

TEST_CASE("forms and APIs refuse forged, cross-origin and invalid requests", "[handoff]") {
  Site site;
  ServerProcess server(site.args({"--tickets-per-session-hour", "2"}));
  Browser b(server.port());
  REQUIRE(b.get("/tickets/new?q=vpn"));
  const std::string csrf = b.csrf();
  REQUIRE_FALSE(csrf.empty());

  SECTION("a form post without the right token is refused") {
    for (const std::string& token : {std::string(), std::string(64, '0')}) {
      const auto res = b.post_form("/tickets", {{"csrf", token}, {"subject", "x"}, {"email", "a@b.co"}});
      REQUIRE(res);
      CHECK(res->status == 403);
    }
    CHECK(admin_json(server.port(), "/api/stats")["tickets"] == 0);
    // A vote without the token is not recorded: the article asks again.
    const auto vote = b.post_form("/feedback", {{"slug", "keyboard"}, {"helpful", "yes"}});
    REQUIRE(vote);
    CHECK(vote->status == 303);
    CHECK_THAT(vote->get_header_value("Location"), StartsWith("/articles/keyboard?voted=expired&vote="));
    const auto again = b.get(vote->get_header_value("Location"));
    REQUIRE(again);
    CHECK_THAT(again->body, Contains("so your answer was not recorded"));
    CHECK_THAT(again->body, Contains("name=\"helpful\" value=\"yes\""));
    CHECK_FALSE(b.csrf().empty());
    // A comment after "No" gets its own form back, not the question: the
    // vote it explains was counted already.
    const auto comment = b.post_form("/feedback", {{"slug", "keyboard"}, {"helpful", "comment"}, {"comment", "x"}});
    REQUIRE(comment);
    CHECK_THAT(comment->get_header_value("Location"), StartsWith("/articles/keyboard?voted=comment_expired&vote="));
    const auto form = b.get(comment->get_header_value("Location"));
    REQUIRE(form);
    CHECK_THAT(form->body, Contains("so your comment was not sent"));
    CHECK_THAT(form->body, Contains("class=\"comment-form\""));
    CHECK_THAT(form->body, !Contains("name=\"helpful\" value=\"yes\""));
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    // Held in a variable: a range-for over a temporary's member reads freed memory.
    const json stats = admin_json(server.port(), "/api/stats");
    for (const auto& article : stats["articles"]) CHECK(article["helpful_yes"] == 0);
  }
  SECTION("a form whose session expired comes back with what was typed, and then sends") {
    Browser late(server.port());  // the session cookie is gone: a new visitor to the server
    // A token that names no session it can resume (the session was
    // forgotten, or the page is from before kb-server started naming it).
    const std::string stale = csrf.substr(csrf.find('.') + 1);
    auto res = late.post_form("/tickets", {{"csrf", stale}, {"subject", "Printer jams on tray 2"},
                                           {"description", "Since Monday"}, {"email", "a@b.co"}, {"action", "submit"}});
    REQUIRE(res);
    CHECK(res->status == 403);
    CHECK_THAT(res->body, Contains("This form had expired"));
    CHECK_THAT(res->body, Contains("value=\"Printer jams on tray 2\""));
    CHECK_THAT(res->body, Contains(">Since Monday</textarea>"));
    const std::string fresh = late.csrf();
    REQUIRE_FALSE(fresh.empty());
    CHECK(fresh != csrf);
    res = late.post_form("/tickets", {{"csrf", fresh}, {"subject", "Printer jams on tray 2"},
                                      {"description", "Since Monday"}, {"email", "a@b.co"}, {"action", "submit"}});
    REQUIRE(res);
    CHECK(res->status == 303);
    CHECK_THAT(res->get_header_value("Location"), StartsWith("/tickets/sent?ref=KB-"));
  }
  SECTION("bad fields: 400, a message per field, and nothing typed is lost") {
    const auto res = b.post_form("/tickets", {{"csrf", csrf}, {"subject", "My <b>VPN</b>"}, {"description", "details"},
                                              {"email", "not-an-address"}, {"action", "submit"}});
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK_THAT(res->body, Contains("This does not look like an e-mail address."));
    CHECK_THAT(res->body, Contains("value=\"My &lt;b&gt;VPN&lt;/b&gt;\""));
    CHECK_THAT(res->body, Contains(">details</textarea>"));
    CHECK_THAT(res->body, Contains("value=\"not-an-address\""));
  }
  SECTION("the JSON API: content type, origin, fields") {
    const std::string good = R"({"subject":"VPN drops","description":"x","email":"a@b.co"})";
    auto res = b.post_json("/api/tickets", good, {}, "text/plain");
    REQUIRE(res);
    CHECK(res->status == 415);
    res = b.post_json("/api/tickets", good, {{"Origin", "http://evil.example"}});
    REQUIRE(res);
    CHECK(res->status == 403);
    res = b.post_json("/api/tickets", good, {{"Sec-Fetch-Site", "cross-site"}});
    REQUIRE(res);
    CHECK(res->status == 403);
    res = b.post_json("/api/tickets", "{not json");
    REQUIRE(res);
    CHECK(res->status == 400);
    res = b.post_json("/api/tickets", R"({"subject":"","email":42,"description":"x"})");
    REQUIRE(res);
    CHECK(res->status == 400);
    const json errors = json::parse(res->body)["errors"];
    CHECK(errors["subject"] == "Please give your ticket a subject.");
    CHECK(errors["email"] == "must be a string");
    res = b.post_json("/api/tickets", good, {{"Origin", "http://127.0.0.1:" + std::to_string(server.port())}});
    REQUIRE(res);
    CHECK(res->status == 201);
    const json created = json::parse(res->body);
    CHECK(created["reference"] == "KB-000001");
    CHECK(created["id"] == 1);
  }
  SECTION("submissions are rate limited per session") {
    for (int i = 0; i < 2; ++i) {
      const auto ok = b.post_json("/api/tickets", R"({"subject":"s","email":"a@b.co"})");
      REQUIRE(ok);
      CHECK(ok->status == 201);
    }
    const auto limited = b.post_json("/api/tickets", R"({"subject":"s","email":"a@b.co"})");
    REQUIRE(limited);
    CHECK(limited->status == 429);
  }
  SECTION("admin endpoints need the token") {
    httplib::Client cli("127.0.0.1", server.port());
    for (const char* path : {"/api/stats", "/api/tickets", "/api/stats/export?kind=events"}) {
      auto res = cli.Get(path);
      REQUIRE(res);
      CHECK(res->status == 401);
      res = cli.Get(path, {{"Authorization", "Bearer wrong"}});
      REQUIRE(res);
      CHECK(res->status == 401);
    }
    const auto csv = cli.Get("/api/stats/export?kind=tickets", {{"Authorization", std::string("Bearer ") + kToken}});
    REQUIRE(csv);
    CHECK(csv->status == 200);
    CHECK_THAT(csv->body, StartsWith("id,reference,created_at_ms,subject,email,delivery,attempts\r\n"));
    const auto bad_range = cli.Get("/api/stats?from=2026-13-01", {{"Authorization", std::string("Bearer ") + kToken}});
    REQUIRE(bad_range);
    CHECK(bad_range->status == 400);
    // A range that starts before 1970 is a range (everything so far).
    const auto long_range = cli.Get("/api/stats?from=1969-12-31", {{"Authorization", std::string("Bearer ") + kToken}});
    REQUIRE(long_range);
    CHECK(long_range->status == 200);
  }
  SECTION("the dashboard: sign in with the token, then a cookie") {
    Browser admin(server.port());
    auto page = admin.get("/stats");
    REQUIRE(page);
    CHECK(page->status == 401);
    CHECK_THAT(page->body, Contains("name=\"token\""));
    auto login = admin.post_form("/stats/login", {{"token", "wrong"}});
    REQUIRE(login);
    CHECK(login->status == 401);
    login = admin.post_form("/stats/login", {{"token", kToken}});
    REQUIRE(login);
    CHECK(login->status == 303);
    page = admin.get("/stats");
    REQUIRE(page);
    CHECK(page->status == 200);
    CHECK_THAT(page->body, Contains("Deflection rate"));
    CHECK_THAT(page->body, Contains("<svg"));
  }
}

TEST_CASE("a vote through the plain form counts one view, not two", "[handoff]") {
  Site site;
  ServerProcess server(site.args());
  Browser b(server.port());
  REQUIRE(b.get("/articles/keyboard"));
  const auto vote = b.post_form("/feedback", {{"csrf", b.csrf()}, {"slug", "keyboard"}, {"helpful", "yes"}});
  REQUIRE(vote);
  REQUIRE(vote->status == 303);
  REQUIRE(vote->get_header_value("Location").find("voted=yes") != std::string::npos);
  REQUIRE(b.get(vote->get_header_value("Location")));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const json s = admin_json(server.port(), "/api/stats");
  REQUIRE(s["articles"].size() == 1);
  CHECK(s["articles"][0]["slug"] == "keyboard");
  CHECK(s["articles"][0]["views"] == 1);
  CHECK(s["articles"][0]["helpful_yes"] == 1);
}

TEST_CASE("without an admin token the admin endpoints say how to set one", "[handoff]") {
  Site site;
  ServerProcess server({"--index", (site.dir / "index").string(), "--data", (site.dir / "data").string()});
  httplib::Client cli("127.0.0.1", server.port());
  const auto res = cli.Get("/api/stats", {{"Authorization", "Bearer anything"}});
  REQUIRE(res);
  CHECK(res->status == 403);
  CHECK_THAT(res->body, Contains("--admin-token"));
}

TEST_CASE("tickets can go to an external form", "[handoff]") {
  Site site;
  ServerProcess server(site.args({"--ticket-redirect", "https://desk.example/new?s={subject}&d={description}"}));
  Browser b(server.port());
  REQUIRE(b.get("/search?q=printer"));
  const auto page = b.get("/tickets/new?q=printer");
  REQUIRE(page);
  // Browsers hold the redirect after a form's post to form-action: without
  // the desk's origin there, the person would stay on the form.
  CHECK_THAT(page->get_header_value("Content-Security-Policy"), Contains("form-action 'self' https://desk.example;"));
  const auto res = b.post_form("/tickets", {{"csrf", b.csrf()}, {"subject", "Printer jam"}, {"description", "It jams"},
                                            {"email", "a@b.co"}, {"action", "submit"}});
  REQUIRE(res);
  CHECK(res->status == 303);
  const std::string location = res->get_header_value("Location");
  CHECK_THAT(location, StartsWith("https://desk.example/new?s=Printer+jam&d=It+jams"));
  CHECK_THAT(location, Contains("printer"));  // the search context travels with it
}

TEST_CASE("webhook: tickets wait in the outbox and arrive exactly once", "[handoff][slow]") {
  // A help desk that refuses for a while, then accepts.
  httplib::Server desk;
  std::atomic<bool> accepting{false};
  std::mutex mutex;
  std::multiset<std::string> accepted;
  std::atomic<int> refused{0};
  desk.Post("/hook", [&](const httplib::Request& req, httplib::Response& res) {
    if (!accepting) {
      ++refused;
      res.status = 503;
      return;
    }
    const json j = json::parse(req.body);
    CHECK(req.get_header_value("Idempotency-Key") == j["reference"]);
    std::lock_guard<std::mutex> lock(mutex);
    accepted.insert(j["reference"].get<std::string>());
    res.status = 200;
  });
  const int desk_port = desk.bind_to_any_port("127.0.0.1");
  std::thread desk_thread([&] { desk.listen_after_bind(); });

  Site site;
  const auto args = site.args({"--ticket-webhook", "http://127.0.0.1:" + std::to_string(desk_port) + "/hook"});
  {
    ServerProcess server(args);
    Browser b(server.port());
    for (int i = 0; i < 3; ++i) {
      const auto res = b.post_json("/api/tickets", R"({"subject":"s","email":"a@b.co"})");
      REQUIRE(res);
      REQUIRE(res->status == 201);
    }
    for (int i = 0; i < 50 && refused < 3; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    CHECK(refused >= 3);
    server.kill_hard();  // the outbox is in SQLite: a crash loses nothing
  }
  accepting = true;
  ServerProcess server(args);
  for (int i = 0; i < 100; ++i) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (accepted.size() >= 3) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // time for any duplicate to show up
  {
    std::lock_guard<std::mutex> lock(mutex);
    CHECK(accepted == std::multiset<std::string>{"KB-000001", "KB-000002", "KB-000003"});
  }
  const json tickets = admin_json(server.port(), "/api/tickets");
  for (const auto& t : tickets["tickets"]) CHECK(t["delivery"] == "delivered");
  desk.stop();
  desk_thread.join();
}

TEST_CASE("the ticket form is prefilled with the last search and the article being read", "[handoff]") {
  Site site;
  ServerProcess server(site.args());
  Browser b(server.port());
  REQUIRE(b.get("/search?q=keyboard+dead"));
  REQUIRE(b.get("/articles/keyboard"));
  const auto form = b.get("/tickets/new?article=keyboard");
  REQUIRE(form);
  CHECK_THAT(form->body, Contains("You were reading: <a href=\"/articles/keyboard\">Keyboard not working</a>"));
  CHECK_THAT(form->body, Contains("Your last search: “keyboard dead”"));
  CHECK_THAT(form->body, Contains("id=\"subject\" name=\"subject\" type=\"text\" maxlength=\"200\" required value=\"keyboard dead\""));
}

TEST_CASE("only a person's browser counts: scripts, link previews, HEAD and prefetches are served, not counted",
          "[handoff]") {
  Site site;
  ServerProcess server(site.args());
  httplib::Client cli("127.0.0.1", server.port());
  const std::vector<httplib::Headers> not_people{
      {{"User-Agent", "curl/8.5.0"}},
      {{"User-Agent", "python-requests/2.31.0"}},
      // Invoke-WebRequest's default: a health check, not a person.
      {{"User-Agent", "Mozilla/5.0 (Windows NT 10.0; Microsoft Windows 10.0.19045; en-US) PowerShell/7.4.1"}},
      {{"User-Agent", "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"}},
      {{"User-Agent", "Mozilla/5.0 (Windows NT 10.0; Microsoft Outlook 16.0; ms-office; MSOffice 16)"}},
      {{"User-Agent", "Mozilla/5.0 (compatible; Slackbot-LinkExpanding 1.0)"}},
      {{"User-Agent", "WhatsApp/2.23.20.0"}},
      {{"User-Agent", ""}},
      {{"User-Agent", Browser::kUserAgent}, {"Sec-Purpose", "prefetch;prerender"}},
      {{"User-Agent", Browser::kUserAgent}, {"Purpose", "prefetch"}},
      {{"User-Agent", Browser::kUserAgent}, {"X-Moz", "prefetch"}},
  };
  for (const auto& headers : not_people) {
    const auto res = cli.Get("/articles/keyboard", headers);
    REQUIRE(res);
    CHECK(res->status == 200);  // served as ever
    CHECK_FALSE(res->has_header("Set-Cookie"));
  }
  const auto head = cli.Head("/articles/keyboard", {{"User-Agent", Browser::kUserAgent}});
  REQUIRE(head);
  CHECK(head->status == 200);
  CHECK_FALSE(head->has_header("Set-Cookie"));
  // The project's own browser tests read with HeadlessChrome: a person.
  Browser chrome(server.port());
  REQUIRE(chrome.get("/articles/keyboard", {{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/120.0"}}));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // every session ends (timeout 1 s)
  const json s = admin_json(server.port(), "/api/stats");
  CHECK(s["help_sessions"] == 1);
  CHECK(s["deflected_sessions"] == 1);
}

TEST_CASE("a browser that refuses cookies can still send its ticket", "[handoff]") {
  Site site;
  ServerProcess server(site.args({"--tickets-per-address-hour", "2"}));
  httplib::Client cli("127.0.0.1", server.port());
  // Sent from the form's page, as a browser says (Sec-Fetch-Site).
  const httplib::Headers browser{{"User-Agent", Browser::kUserAgent}, {"Sec-Fetch-Site", "same-origin"}};
  const auto form = cli.Get("/tickets/new?article=keyboard", browser);  // its cookie is dropped
  REQUIRE(form);
  std::smatch m;
  REQUIRE(std::regex_search(form->body, m, std::regex(R"re(name="csrf" value="([0-9a-f]+\.[0-9a-f]+)")re")));
  const std::string token = m[1].str();
  auto post = [&](const std::string& csrf, const std::string& subject) {
    const std::string body = "csrf=" + csrf + "&subject=" + subject +
                             "&description=It+does+not+type+anything+at+all&email=p%40example.com&article=keyboard";
    return cli.Post("/tickets", browser, body, "application/x-www-form-urlencoded");
  };
  const auto sent = post(token, "Keyboard+dead");
  REQUIRE(sent);
  CHECK(sent->status == 303);
  CHECK_THAT(sent->get_header_value("Location"), StartsWith("/tickets/sent"));
  // A made-up token is refused; so is the real one from another site (a
  // page elsewhere filing tickets from its visitors' browsers); the
  // address limit still counts.
  const auto forged = post(token.substr(0, token.find('.')) + ".00ff", "Forged");
  REQUIRE(forged);
  CHECK(forged->status == 403);
  const auto cross_site = cli.Post("/tickets", {{"User-Agent", Browser::kUserAgent}, {"Sec-Fetch-Site", "cross-site"}},
                                   "csrf=" + token + "&subject=Elsewhere&description=Filed+from+another+site&email=p%40example.com",
                                   "application/x-www-form-urlencoded");
  REQUIRE(cross_site);
  CHECK(cross_site->status == 403);
  const auto second = post(token, "Keyboard+still+dead");
  REQUIRE(second);
  CHECK(second->status == 303);
  const auto third = post(token, "Keyboard+dead+again");
  REQUIRE(third);
  CHECK(third->status == 429);
  CHECK(admin_json(server.port(), "/api/tickets")["tickets"].size() == 2);
}

TEST_CASE("a ticket after the session timed out belongs to that session: escalated, with its context", "[handoff]") {
  Site site;
  ServerProcess server(site.args());  // --session-timeout 1
  // Timed out before the form was opened.
  Browser came_back(server.port());
  REQUIRE(came_back.get("/search?q=keyboard")->status == 200);
  const auto article = came_back.get("/articles/keyboard");
  REQUIRE(article->status == 200);
  const std::string session = came_back.cookie("kb_session");
  // The article's "Open a ticket" link names its session.
  std::smatch link;
  REQUIRE(std::regex_search(article->body, link, std::regex(R"re(href="/tickets/new\?article=keyboard&amp;ctx=([0-9a-f.]+)")re")));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  // Someone else at the same computer, after the timeout, without that
  // page: a session of their own, and none of the last person's words;
  // also when the link is opened again from the history, or from another site.
  const httplib::Headers own_page{{"Sec-Fetch-Site", "same-origin"}};
  const std::string ticket_link = "/tickets/new?article=keyboard&ctx=" + link[1].str();
  for (const char* site_header : {"", "none", "cross-site"}) {
    INFO(site_header);
    Browser next_person(server.port());
    httplib::Headers from;
    if (*site_header) from.emplace("Sec-Fetch-Site", site_header);
    const auto fresh_form = next_person.get(*site_header ? ticket_link : "/tickets/new", from);
    REQUIRE(fresh_form->status == 200);
    CHECK_FALSE(next_person.cookie("kb_session").empty());
    CHECK(next_person.cookie("kb_session") != session);
    CHECK_THAT(fresh_form->body, !Contains("required value=\"keyboard\""));  // the subject, from the last search
  }
  // A browser with a live session of its own keeps it, whatever link it follows.
  Browser other(server.port());
  REQUIRE(other.get("/articles/keyboard")->status == 200);
  const std::string others = other.cookie("kb_session");
  REQUIRE(other.get(ticket_link, own_page)->status == 200);
  CHECK(other.cookie("kb_session") == others);
  // The page's own link resumes the session: no new empty session.
  const auto resumed = came_back.get(ticket_link, own_page);
  REQUIRE(resumed->status == 200);
  CHECK(came_back.cookie("kb_session") == session);
  CHECK_THAT(resumed->body, Contains("required value=\"keyboard\""));
  auto sent = came_back.post_form("/tickets", {{"csrf", came_back.csrf()}, {"subject", "Keyboard dead"},
                                               {"description", "No key does anything"}, {"email", "p@example.com"}, {"article", "keyboard"}},
                                  own_page);
  REQUIRE(sent);
  CHECK(sent->status == 303);
  // Timed out while the form was open: the form's token is still good.
  Browser slow_typist(server.port());
  REQUIRE(slow_typist.get("/articles/keyboard")->status == 200);
  REQUIRE(slow_typist.get("/tickets/new?article=keyboard")->status == 200);
  const std::string csrf = slow_typist.csrf();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  sent = slow_typist.post_form("/tickets", {{"csrf", csrf}, {"subject", "Keyboard dead"},
                                            {"description", "Typed this slowly"}, {"email", "p@example.com"}, {"article", "keyboard"}},
                               own_page);
  REQUIRE(sent);
  CHECK(sent->status == 303);
  // Other pages keep the normal timeout.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const std::string before = slow_typist.cookie("kb_session");
  REQUIRE(slow_typist.get("/articles/keyboard")->status == 200);
  CHECK(slow_typist.cookie("kb_session") != before);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));

  const json s = admin_json(server.port(), "/api/stats");
  INFO(s.dump(2));
  CHECK(s["escalated_sessions"] == 2);
  CHECK(s["deflected_sessions"] == 2);  // the other browser's view, and the last view alone
  for (const auto& a : s["articles"]) {
    if (a["slug"] == "keyboard") CHECK(a["tickets_after_view"] == 2);
  }
  const json tickets = admin_json(server.port(), "/api/tickets");
  REQUIRE(tickets["tickets"].size() == 2);
  for (const auto& t : tickets["tickets"]) {
    REQUIRE_FALSE(t["context"]["articles"].empty());
    CHECK(t["context"]["articles"][0]["slug"] == "keyboard");
  }
  int searched = 0;
  for (const auto& t : tickets["tickets"]) {
    for (const auto& q : t["context"]["queries"]) searched += q["query"] == "keyboard";
  }
  CHECK(searched == 1);  // came_back's search
}

TEST_CASE("the dashboard's ticket count agrees with the tickets listed, with or without a session", "[handoff]") {
  Site site;
  ServerProcess server(site.args());
  Browser person(server.port());
  REQUIRE(person.get("/articles/keyboard")->status == 200);
  REQUIRE(person.post_json("/api/tickets", R"({"subject":"Keyboard dead","email":"p@example.com"})")->status == 201);
  httplib::Client script("127.0.0.1", server.port());  // an integration: no cookie, no session
  const auto res = script.Post("/api/tickets", R"({"subject":"From the monitor","email":"m@example.com"})",
                               "application/json");
  REQUIRE(res);
  REQUIRE(res->status == 201);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const json s = admin_json(server.port(), "/api/stats");
  CHECK(s["tickets"] == 2);
  CHECK(s["tickets_in_sessions"] == 1);
  CHECK(admin_json(server.port(), "/api/tickets")["tickets"].size() == 2);
  httplib::Client admin("127.0.0.1", server.port());
  const auto csv = admin.Get("/api/stats/export?kind=tickets", {{"Authorization", std::string("Bearer ") + kToken}});
  REQUIRE(csv);
  CHECK(std::count(csv->body.begin(), csv->body.end(), '\n') == 3);  // a header and two tickets
}

TEST_CASE("people the statistics leave out can still file a ticket and say it solved their problem", "[handoff]") {
  Site site;
  ServerProcess server(site.args({"--agent-token", "test-agent-token"}));
  const std::string origin = "http://127.0.0.1:" + std::to_string(server.port());
  // Text browsers (no "Mozilla/" User-Agent, often no cookies) and signed-in
  // staff get no help session: their forms carry a token of their own.
  Browser lynx(server.port());
  const httplib::Headers lynx_ua{{"User-Agent", "Lynx/2.9.0dev.12 libwww-FM/2.14 SSL-MM/1.4.1 OpenSSL/3.0.11"}};
  Browser w3m(server.port());
  const httplib::Headers w3m_ua{{"User-Agent", "w3m/0.5.3+git20230121"}};
  Browser agent(server.port());
  REQUIRE(agent.post_form("/agent/login", {{"token", "test-agent-token"}})->status == 303);
  Browser admin(server.port());
  REQUIRE(admin.post_form("/stats/login", {{"token", kToken}})->status == 303);
  int filed = 0;
  for (auto [who, headers] : {std::pair<Browser*, httplib::Headers>{&lynx, lynx_ua}, {&w3m, w3m_ua},
                              {&agent, {{"Sec-Fetch-Site", "same-origin"}}}, {&admin, {{"Origin", origin}}}}) {
    const auto form = who->get("/tickets/new?q=printer", headers);
    REQUIRE(form);
    CHECK(form->status == 200);
    const std::string csrf = who->csrf();
    REQUIRE_FALSE(csrf.empty());
    const auto sent = who->post_form("/tickets", {{"csrf", csrf}, {"subject", "Printer offline"}, {"email", "p@example.com"},
                                                  {"description", "Still offline"}, {"action", "submit"}},
                                     headers);
    REQUIRE(sent);
    INFO(sent->body);
    CHECK(sent->status == 303);
    CHECK_THAT(sent->get_header_value("Location"), StartsWith("/tickets/sent?ref=KB-"));
    filed += sent->status == 303;
    const auto solved = who->post_form("/tickets/solved", {{"csrf", csrf}}, headers);
    REQUIRE(solved);
    CHECK(solved->status == 200);
    CHECK(who->cookie("kb_session").empty());
  }
  // Such a token is still refused when made up, or sent from another site.
  REQUIRE(lynx.get("/tickets/new", lynx_ua));
  const std::string token = lynx.csrf();
  REQUIRE_FALSE(token.empty());
  auto res = lynx.post_form("/tickets", {{"csrf", token.substr(0, token.find('.')) + ".00ff"}, {"subject", "Forged"},
                                         {"email", "p@example.com"}, {"action", "submit"}},
                            lynx_ua);
  REQUIRE(res);
  CHECK(res->status == 403);
  httplib::Headers cross_site = lynx_ua;
  cross_site.emplace("Origin", "http://evil.example");
  res = lynx.post_form("/tickets", {{"csrf", token}, {"subject", "Elsewhere"}, {"email", "p@example.com"}, {"action", "submit"}},
                       cross_site);
  REQUIRE(res);
  CHECK(res->status == 403);
  res = lynx.post_form("/tickets/solved", {{"csrf", "1.00ff"}}, lynx_ua);
  REQUIRE(res);
  CHECK(res->status == 403);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  CHECK(admin_json(server.port(), "/api/tickets")["tickets"].size() == static_cast<std::size_t>(filed));
  const json stats = admin_json(server.port(), "/api/stats");
  CHECK(stats["help_sessions"] == 0);  // served, not counted
  CHECK(stats["tickets"] == filed);
}

TEST_CASE("sign-in cookies carry their issue time and expire, a copied one stops working at sign-out", "[handoff]") {
  Site site;
  auto server = std::make_unique<ServerProcess>(site.args({"--agent-token", "test-agent-token"}));
  std::ifstream secret_file(site.dir / "data" / "secret");
  std::string secret;
  REQUIRE(secret_file >> secret);
  const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
  std::vector<std::tuple<std::string, std::string, std::string, std::string>> signed_out;  // name, page, cookie, another
  for (const auto& [name, page, login, token] :
       {std::tuple<std::string, std::string, std::string, std::string>{"kb_admin", "/stats", "/stats/login", kToken},
        {"kb_agent", "/agent", "/agent/login", "test-agent-token"}}) {
    INFO(name);
    Browser b(server->port());
    const auto signed_in = b.post_form(login, {{"token", token}});
    REQUIRE(signed_in);
    REQUIRE(signed_in->status == 303);
    std::string set_cookie;
    for (std::size_t i = 0; i < signed_in->get_header_value_count("Set-Cookie"); ++i) {
      const std::string h = signed_in->get_header_value("Set-Cookie", i);
      if (h.rfind(name + "=", 0) == 0) set_cookie = h;
    }
    CHECK_THAT(set_cookie, Contains("; Max-Age=43200"));  // 12 hours
    CHECK_THAT(set_cookie, Contains("HttpOnly; SameSite=Strict"));
    CHECK(b.get(page)->status == 200);
    // The cookie names when it was issued, under the server's signature,
    // after a nonce of its own.
    const std::string value = b.cookie(name);
    const std::string nonce = value.substr(0, value.find('.'));
    const std::string dated = value.substr(nonce.size() + 1);
    const std::string issued = dated.substr(0, dated.find('.'));
    CHECK(nonce.size() == 32);
    CHECK(std::abs(std::stoll(issued) - now) < 60);
    auto made = [&](std::int64_t at) { return kb::server::nonced_dated_token(secret, name + ":" + token, "n0nce", at); };
    const std::string old_kind = name == "kb_admin" ? "admin" : "agent";
    auto with_cookie = [&](const std::string& cookie_value) {
      Browser copy(server->port());
      copy.set_cookie(name, cookie_value);
      return copy.get(page)->status;
    };
    CHECK(with_cookie(value) == 200);
    CHECK(with_cookie(made(now - 11 * 3600)) == 200);
    // Older than 12 hours, or an earlier issue time or another nonce under
    // the same signature, or the cookies of earlier versions: signed out.
    CHECK(with_cookie(made(now - 13 * 3600)) == 401);
    CHECK(with_cookie(nonce + "." + std::to_string(now - 13 * 3600) + dated.substr(dated.find('.'))) == 401);
    CHECK(with_cookie("0123456789abcdef0123456789abcdef" + value.substr(nonce.size())) == 401);
    CHECK(with_cookie(kb::server::dated_token(secret, name + ":" + token, now)) == 401);
    CHECK(with_cookie(kb::server::hmac_sha256_hex(secret, old_kind + ":" + token)) == 401);
    // Signing out clears it, and ends it on the server: a copy of the
    // cookie kept elsewhere (another browser, a proxy's log) stops working.
    // Another browser signed in the same second keeps its sign-in.
    Browser colleague(server->port());
    REQUIRE(colleague.post_form(login, {{"token", token}})->status == 303);
    const std::string fresh = colleague.cookie(name);
    REQUIRE(fresh != value);
    const auto out = b.post_form(page + "/logout", {{"csrf", b.csrf()}});
    REQUIRE(out);
    CHECK(out->status == 303);
    CHECK(b.cookie(name).empty());
    CHECK(b.get(page)->status == 401);
    CHECK(with_cookie(value) == 401);
    CHECK(with_cookie(fresh) == 200);  // only the cookie signed out
    // Signing in again right away is a new sign-in, not the ended one.
    REQUIRE(b.post_form(login, {{"token", token}})->status == 303);
    CHECK(b.cookie(name) != value);
    CHECK(b.get(page)->status == 200);
    signed_out.emplace_back(name, page, value, fresh);
  }
  // The sign-out is kept with the statistics: a restarted server (or
  // another replica sharing them) still refuses the cookie.
  server.reset();
  ServerProcess restarted(site.args({"--agent-token", "test-agent-token"}));
  for (const auto& [name, page, value, fresh] : signed_out) {
    INFO(name);
    for (const auto& [cookie_value, status] : {std::pair<std::string, int>{value, 401}, {fresh, 200}}) {
      Browser copy(restarted.port());
      copy.set_cookie(name, cookie_value);
      CHECK(copy.get(page)->status == status);
    }
  }
}

TEST_CASE("the ticket API stores an article only by its slug", "[handoff]") {
  Site site;
  ServerProcess server(site.args());
  Browser b(server.port());
  for (const char* article : {"<img src=x onerror=alert(1)>../../etc/passwd", "../keyboard", "Keyboard", " keyboard"}) {
    INFO(article);
    const auto res = b.post_json("/api/tickets", json{{"subject", "s"}, {"email", "a@b.co"}, {"article", article}}.dump());
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK(json::parse(res->body)["errors"]["article"] == "must be an article's slug");
  }
  auto res = b.post_json("/api/tickets", R"({"subject":"s","email":"a@b.co","article":42})");
  REQUIRE(res);
  CHECK(res->status == 400);
  res = b.post_json("/api/tickets", R"({"subject":"s","email":"a@b.co","article":"keyboard"})");
  REQUIRE(res);
  CHECK(res->status == 201);
  // A slug of no article (deleted since) keeps the ticket, not the slug,
  // as the form does; so does an empty one.
  res = b.post_json("/api/tickets", R"({"subject":"t","email":"a@b.co","article":"no-such-article"})");
  REQUIRE(res);
  CHECK(res->status == 201);
  res = b.post_json("/api/tickets", R"({"subject":"u","email":"a@b.co","article":""})");
  REQUIRE(res);
  CHECK(res->status == 201);
  // Control characters in the subject would go raw into the tickets CSV.
  res = b.post_json("/api/tickets", json{{"subject", std::string("VPN\0drops", 9)}, {"email", "a@b.co"}}.dump());
  REQUIRE(res);
  CHECK(res->status == 400);
  CHECK(json::parse(res->body)["errors"].contains("subject"));
  const json tickets = admin_json(server.port(), "/api/tickets");
  REQUIRE(tickets["tickets"].size() == 3);
  std::set<std::string> articles;
  for (const auto& t : tickets["tickets"]) articles.insert(t["context"].value("article", ""));
  CHECK(articles == std::set<std::string>{"keyboard", ""});
}
TEST_CASE("the dashboard's searches by rung add up to its searches", "[handoff]") {
  Site site;
  ServerProcess server(site.args());
  Browser b(server.port());
  // A reload and Back repeat a search: one search each time, on every figure.
  for (int i = 0; i < 3; ++i) REQUIRE(b.get("/search?q=keyboard")->status == 200);
  REQUIRE(b.get("/search?q=qwertyzzz")->status == 200);
  REQUIRE(b.get("/search?q=qwertyzzz")->status == 200);
  REQUIRE(b.get("/search?q=keyboard")->status == 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  CHECK(admin_json(server.port(), "/api/stats")["searches"] == 3);
  httplib::Client cli("127.0.0.1", server.port());
  const auto page = cli.Get("/stats", {{"Authorization", std::string("Bearer ") + kToken}});
  REQUIRE(page);
  REQUIRE(page->status == 200);
  std::smatch m;
  REQUIRE(std::regex_search(page->body, m, std::regex("<dt>Searches</dt><dd>([0-9]+)</dd>")));
  CHECK(m[1].str() == "3");
  long by_rung = 0;
  const std::regex row("<tr><td>(all|corrected|synonyms|any|none)</td><td>([0-9]+)</td></tr>");
  for (std::sregex_iterator it(page->body.begin(), page->body.end(), row), end; it != end; ++it) {
    by_rung += std::stol((*it)[2].str());
  }
  CHECK(by_rung == 3);
  CHECK_THAT(page->body, Contains("<tr><td>all</td><td>2</td></tr>"));
  CHECK_THAT(page->body, Contains("<tr><td>none</td><td>1</td></tr>"));
}
