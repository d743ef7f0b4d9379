/** @file content_report.test.cpp
 *  @brief Content gaps clustered from synthetic statistics with known
 *  clusters, and article health with known reasons.
 */
#include "kb/content_report.h"

#include <catch2/catch.hpp>

using namespace kb;
using Catch::Matchers::Contains;

namespace {

constexpr std::int64_t kT0 = 1'790'000'000'000;

SessionEvents session(const std::string& id, std::vector<std::pair<std::string, int>> searches, bool view_after = false) {
  SessionEvents s;
  s.first = SessionRow{id, kT0, kT0};
  std::int64_t t = kT0;
  for (const auto& [q, results] : searches) {
    Event e;
    e.session = id;
    e.kind = event_kind::kSearch;
    e.query = e.norm_query = q;
    e.result_count = results;
    e.at_ms = t += 1000;
    s.second.push_back(e);
  }
  if (view_after) {
    Event v;
    v.session = id;
    v.kind = event_kind::kView;
    v.slug = "some-article";
    v.at_ms = t += 1000;
    s.second.push_back(v);
  }
  s.first.last_seen_ms = t;
  return s;
}

DeflectionOptions ended() {
  DeflectionOptions o;
  o.now_ms = kT0 + 86'400'000;
  o.session_timeout_ms = 60'000;
  return o;
}

}  // namespace

TEST_CASE("gaps cluster by shared words and spelling variants, largest first", "[content]") {
  std::vector<SessionEvents> all;
  // Cluster 1: printer jams, spelt three ways, 4 zero-result searches + a ticket.
  all.push_back(session("a", {{"printer jam", 0}}, true));
  all.push_back(session("b", {{"printer jammed", 0}}, true));
  all.push_back(session("c", {{"priner jam", 0}}, true));
  all.push_back(session("d", {{"printer jam", 0}}));
  Event filed;  // as the store writes it: a ticket event in the session
  filed.session = "d";
  filed.kind = event_kind::kTicket;
  filed.at_ms = all.back().second.back().at_ms + 1000;
  all.back().second.push_back(filed);
  all.back().first.last_seen_ms = filed.at_ms;
  // Cluster 2: one session that ended on a search with results (an exit).
  all.push_back(session("e", {{"badge reader", 3}}));
  // Not a gap: found and read.
  all.push_back(session("f", {{"vpn", 5}}, true));
  std::vector<Ticket> tickets(1);
  tickets[0].session = "d";
  tickets[0].subject = "Printer on floor 3 jams";
  const auto gaps = content_gaps(all, tickets, ended());
  REQUIRE(gaps.size() == 2);
  CHECK(gaps[0].label == "printer jam");
  CHECK(gaps[0].queries == std::vector<std::string>{"printer jam", "priner jam", "printer jammed"});  // ties: alphabetical
  CHECK(gaps[0].zero_result == 4);
  CHECK(gaps[0].tickets == 1);
  CHECK(gaps[0].ticket_subjects == std::vector<std::string>{"Printer on floor 3 jams"});
  CHECK(gaps[0].volume() == 5);
  CHECK(gaps[1].label == "badge reader");
  CHECK(gaps[1].exits == 1);
  const std::string csv = gaps_csv(gaps);
  CHECK_THAT(csv, Contains("label,volume,zero_result,exits,tickets,queries,ticket_subjects\r\n"));
  CHECK_THAT(csv, Contains("printer jam,5,4,0,1,printer jam | priner jam | printer jammed,Printer on floor 3 jams\r\n"));
}

TEST_CASE("article health: worst first, each penalty with its reason", "[content]") {
  std::vector<ArticleHealthInput> articles{{"good", "Good article", "good.md", "2026-09-01"},
                                           {"bad", "Printer jams", "bad.md", "2020-01-01"}};
  CheckReport check;
  check.problems.push_back(CheckProblem{"bad.md", 4, true, "broken link: no article has the slug 'x'"});
  std::vector<SessionEvents> all;
  all.push_back(session("a", {{"printer jam", 0}}));
  const auto health = article_health(articles, check, all, ended(), 365, "2026-11-21");
  REQUIRE(health.size() == 2);
  CHECK(health[0].slug == "bad");
  CHECK(health[0].score == 100 - 15 - 20 - 5);
  CHECK(health[0].reasons == std::vector<std::string>{"1 problem(s) from kb-index --check (broken links, images, front matter)",
                                                       "not updated for 2516 days",
                                                       "zero-result query nearby: \"printer jam\""});
  CHECK(health[1].slug == "good");
  CHECK(health[1].score == 100);
  CHECK(health[1].reasons.empty());
}
