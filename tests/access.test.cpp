/** @file access.test.cpp
 *  @brief Integration: per-address rate limits on searches, feedback and
 *  tickets (429 with Retry-After), and what never reaches the server's log:
 *  admin and agent tokens, whole e-mail addresses.
 */
#include "support/browser.h"
#include "support/search_site.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <thread>

using namespace kb::test;
using Catch::Matchers::Contains;
using nlohmann::json;

namespace {

using Site = SearchSite;

void check_limited(const httplib::Result& res, long max_wait) {
  REQUIRE(res);
  INFO(res->body);
  CHECK(res->status == 429);
  const std::string retry = res->get_header_value("Retry-After");
  REQUIRE_FALSE(retry.empty());
  const long wait = std::stol(retry);
  CHECK(wait >= 1);
  CHECK(wait <= max_wait);
}

}  // namespace

TEST_CASE("searches are limited per address with 429 and Retry-After", "[access][server]") {
  Site site;
  ServerProcess server(site.args({"--searches-per-address-minute", "5"}));
  Browser b(server.port());
  for (int i = 0; i < 3; ++i) CHECK(b.get("/api/search?q=printer")->status == 200);
  CHECK(b.get("/search?q=printer")->status == 200);
  CHECK(b.get("/api/suggest?q=pri")->status == 200);
  check_limited(b.get("/api/search?q=printer"), 60);
  const auto page = b.get("/search?q=printer");
  check_limited(page, 60);
  CHECK_THAT(page->get_header_value("Content-Type"), Contains("text/html"));
  check_limited(b.get("/api/suggest?q=pri"), 60);
  // Other pages are not searches.
  CHECK(b.get("/articles/printer-offline")->status == 200);
}

TEST_CASE("the ticket form's suggestions count as searches, past the limit it still sends tickets", "[access][server]") {
  Site site;
  ServerProcess server(site.args({"--searches-per-address-minute", "3"}));
  Browser b(server.port());
  auto form = b.get("/tickets/new?q=printer+offline");  // one search
  REQUIRE(form);
  CHECK(form->status == 200);
  CHECK_THAT(form->body, Contains("/articles/printer-offline?from=ticket"));
  const auto suggest = b.post_form("/tickets", {{"csrf", b.csrf()}, {"subject", "printer offline"}, {"action", "suggest"}});
  REQUIRE(suggest);  // two
  CHECK(suggest->status == 200);
  CHECK_THAT(suggest->body, Contains("/articles/printer-offline?from=ticket"));
  CHECK(b.get("/search?q=printer")->status == 200);  // three
  check_limited(b.get("/search?q=printer"), 60);
  // Past the limit: the form without suggestions, never a lost ticket.
  form = b.get("/tickets/new?q=printer+offline");
  REQUIRE(form);
  CHECK(form->status == 200);
  CHECK_THAT(form->body, !Contains("?from=ticket"));
  const std::string csrf = b.csrf();
  const auto again = b.post_form("/tickets", {{"csrf", csrf}, {"subject", "printer offline"}, {"action", "suggest"}});
  REQUIRE(again);
  CHECK(again->status == 200);
  CHECK_THAT(again->body, !Contains("?from=ticket"));
  CHECK_THAT(again->body, Contains("value=\"printer offline\""));
  const auto invalid = b.post_form("/tickets", {{"csrf", csrf}, {"subject", "printer offline"}, {"action", "submit"}});
  REQUIRE(invalid);
  CHECK(invalid->status == 400);  // no e-mail: the form again, still without suggestions
  CHECK_THAT(invalid->body, !Contains("?from=ticket"));
  const auto sent = b.post_form("/tickets", {{"csrf", csrf}, {"subject", "printer offline"}, {"email", "p@example.com"},
                                             {"action", "submit"}});
  REQUIRE(sent);
  CHECK(sent->status == 303);
}

TEST_CASE("votes and comments are limited per address with 429 and Retry-After", "[access][server]") {
  Site site;
  ServerProcess server(site.args({"--feedback-per-address-hour", "3"}));
  Browser b(server.port());
  REQUIRE(b.get("/articles/printer-offline")->status == 200);
  const std::string vote = json{{"slug", "printer-offline"}, {"helpful", true}}.dump();
  for (int i = 0; i < 2; ++i) CHECK(b.post_json("/api/feedback", vote)->status == 200);
  CHECK(b.post_form("/feedback", {{"csrf", b.csrf()}, {"slug", "printer-offline"}, {"helpful", "yes"}})->status == 303);
  check_limited(b.post_json("/api/feedback", vote), 3600);
  check_limited(b.post_form("/feedback", {{"csrf", b.csrf()}, {"slug", "printer-offline"}, {"helpful", "no"}}), 3600);
  // Searching is not feedback.
  CHECK(b.get("/api/search?q=printer")->status == 200);
}

TEST_CASE("tickets over the address limit get Retry-After too", "[access][server]") {
  Site site;
  ServerProcess server(site.args({"--tickets-per-address-hour", "1"}));
  Browser b(server.port());
  const std::string ticket = json{{"subject", "VPN drops"}, {"description", "x"}, {"email", "a@example.com"}}.dump();
  CHECK(b.post_json("/api/tickets", ticket)->status == 201);
  check_limited(b.post_json("/api/tickets", ticket), 3600);
}

TEST_CASE("guessing the admin or agent token is stopped after 20 wrong ones per address", "[access][server]") {
  Site site;
  ServerProcess server(site.args({"--admin-token", "right-admin-token-1", "--agent-token", "right-agent-token-1"}));
  Browser b(server.port());
  // Opening the dashboard signed out is no guess.
  for (int i = 0; i < 25; ++i) CHECK(b.get("/stats")->status == 401);
  for (int i = 0; i < 10; ++i) CHECK(b.get("/api/tickets", {{"Authorization", "Bearer wrong"}})->status == 401);
  for (int i = 0; i < 5; ++i) CHECK(b.post_form("/stats/login", {{"token", "wrong"}})->status == 401);
  for (int i = 0; i < 5; ++i) CHECK(b.post_form("/agent/login", {{"token", "wrong"}})->status == 401);
  // The 21st, right or wrong, waits, whichever token it tries.
  check_limited(b.get("/api/tickets", {{"Authorization", "Bearer right-admin-token-1"}}), 900);
  check_limited(b.post_form("/agent/login", {{"token", "right-agent-token-1"}}), 900);
  check_limited(b.get("/agent", {{"Authorization", "Bearer wrong"}}), 900);
  // Everything else from there goes on.
  CHECK(b.get("/api/search?q=printer")->status == 200);
}

TEST_CASE("the default limits leave normal use alone", "[access][server]") {
  Site site;
  ServerProcess server(site.args());
  Browser b(server.port());
  // A busy person: typing with suggestions, searching, paging, voting.
  for (int i = 0; i < 60; ++i) {
    INFO(i);
    REQUIRE(b.get("/api/suggest?q=pr")->status == 200);
    REQUIRE(b.get("/api/search?q=printer&page=1")->status == 200);
  }
  REQUIRE(b.get("/articles/printer-offline")->status == 200);
  for (int i = 0; i < 20; ++i) {
    REQUIRE(b.post_json("/api/feedback", json{{"slug", "printer-offline"}, {"helpful", i % 2 == 0}}.dump())->status == 200);
  }
}

TEST_CASE("tokens and whole e-mail addresses never reach the log", "[access][server]") {
  const std::string admin_token = "admin-secret-7f3a9c";
  const std::string agent_token = "agent-secret-41be0d";
  Site site;
  // A webhook that never answers makes the server log every failed delivery.
  ServerProcess server(site.args({"--admin-token", admin_token, "--agent-token", agent_token, "--ticket-webhook",
                                  "http://127.0.0.1:9/hook"}));
  Browser b(server.port());
  // Right and wrong tokens, in every place they can be sent.
  for (const std::string& token : {admin_token, agent_token, std::string("wrong-") + admin_token}) {
    b.get("/api/stats", {{"Authorization", "Bearer " + token}});
    b.get("/api/search?q=printer&explain=1", {{"Authorization", "Bearer " + token}});
    b.get("/agent?q=printer", {{"Authorization", "Bearer " + token}});
    b.post_form("/stats/login", {{"token", token}});
    b.post_form("/agent/login", {{"token", token}});
  }
  const auto res = b.post_json(
      "/api/tickets", json{{"subject", "VPN drops"}, {"description", "mail jane.doe@example.com"}, {"email", "jane.doe@example.com"}}.dump());
  REQUIRE(res);
  REQUIRE(res->status == 201);
  b.post_json("/api/tickets", json{{"subject", "x"}, {"email", "not-an-address jane.doe@example.com"}}.dump());
  // Wait for the first delivery attempt to fail and be logged.
  for (int i = 0; i < 100 && server.output().find("not delivered") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  server.stop();
  const std::string log = server.output();
  INFO(log);
  CHECK_THAT(log, Contains("not delivered"));  // the log was written, so its content was tested
  CHECK_THAT(log, !Contains(admin_token));
  CHECK_THAT(log, !Contains(agent_token));
  CHECK_THAT(log, !Contains("jane.doe"));
}
