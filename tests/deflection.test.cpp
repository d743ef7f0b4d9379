/** @file deflection.test.cpp
 *  @brief Every statistic on hand-built sessions whose answers are known.
 */
#include "kb/deflection.h"

#include <catch2/catch.hpp>

using namespace kb;
using nlohmann::json;

namespace {

constexpr std::int64_t kDay = 24LL * 3600 * 1000;
constexpr std::int64_t kT0 = 1'790'000'000'000;  // 2026-09-21 (UTC)
constexpr std::int64_t kTimeout = 60'000;

/// Builds one session's events, one second apart.
struct SessionBuilder {
  SessionEvents s;
  std::int64_t t;
  explicit SessionBuilder(const std::string& id, std::int64_t start = kT0) : t(start) {
    s.first = SessionRow{id, start, start};
  }
  Event& add(const char* kind) {
    Event e;
    e.session = s.first.id;
    e.kind = kind;
    e.at_ms = t;
    s.first.last_seen_ms = t;
    t += 1000;
    s.second.push_back(e);
    return s.second.back();
  }
  SessionBuilder& search(const std::string& q, int results, const std::string& id) {
    Event& e = add(event_kind::kSearch);
    e.query = e.norm_query = q;
    e.result_count = results;
    e.search_id = id;
    return *this;
  }
  SessionBuilder& click(const std::string& search_id, const std::string& slug) {
    add(event_kind::kClick).search_id = search_id;
    s.second.back().slug = slug;
    return view(slug);
  }
  SessionBuilder& view(const std::string& slug) {
    add(event_kind::kView).slug = slug;
    return *this;
  }
  SessionBuilder& vote(const std::string& slug, int helpful) {
    Event& e = add(event_kind::kVote);
    e.slug = slug;
    e.helpful = helpful;
    return *this;
  }
  SessionBuilder& then(const char* kind) {
    add(kind);
    return *this;
  }
};

json compute(const std::vector<SessionEvents>& sessions, std::int64_t now = kT0 + kDay) {
  DeflectionOptions opt;
  opt.now_ms = now;
  opt.session_timeout_ms = kTimeout;
  return deflection_stats(sessions, opt);
}

}  // namespace

TEST_CASE("sessions are classified by the README's definitions", "[deflection]") {
  std::vector<SessionEvents> all;
  // Deflected: searched, read, left.
  all.push_back(SessionBuilder("deflected").search("vpn", 3, "s1").click("s1", "vpn").s);
  // Explicitly deflected: read and voted yes.
  all.push_back(SessionBuilder("yes").view("vpn").vote("vpn", 1).s);
  // Escalated: found nothing, filed a ticket.
  all.push_back(SessionBuilder("escalated").search("xyzzy", 0, "s2").then(event_kind::kTicket).s);
  // Escalated after reading: counts a ticket after view for "printer".
  all.push_back(SessionBuilder("read-then-ticket").view("printer").then(event_kind::kTicketForm).then(event_kind::kTicket).s);
  // Form deflection: opened the form, clicked a suggestion, left.
  all.push_back(SessionBuilder("form").then(event_kind::kTicketForm).then(event_kind::kSuggestionClick).view("wifi").s);
  // Searched but read nothing and left: a help session, neither deflected nor escalated.
  all.push_back(SessionBuilder("exit").search("vpn", 3, "s3").s);
  // Not a help session: only a ticket form.
  all.push_back(SessionBuilder("no-help").then(event_kind::kTicketForm).s);
  // Still open: the last event is recent.
  all.push_back(SessionBuilder("open", kT0 + kDay - 10'000).view("vpn").s);

  const json s = compute(all);
  CHECK(s["help_sessions"] == 7);
  CHECK(s["self_service_sessions"] == 5);
  CHECK(s["deflected_sessions"] == 3);
  CHECK(s["escalated_sessions"] == 2);
  CHECK(s["open_sessions"] == 1);
  CHECK(s["deflection_rate"] == Approx(3.0 / 5.0));
  CHECK(s["explicit_deflections"] == 1);
  CHECK(s["form_deflections"] == 1);
  CHECK(s["self_service_score"] == Approx(7.0 / 2.0));
  CHECK(s["tickets"] == 2);
}

TEST_CASE("search statistics", "[deflection]") {
  std::vector<SessionEvents> all;
  // s1 clicked; s2 found nothing; s3 clicked only after the next search (not counted for s3,
  // since the click names s3 but comes after s4); s4 is the last event... no: s4 is followed by the click.
  all.push_back(SessionBuilder("a").search("vpn", 2, "s1").click("s1", "vpn").search("wifi", 0, "s2").s);
  all.push_back(SessionBuilder("b").search("printer", 1, "s3").search("printer offline", 1, "s4").click("s3", "printer").s);
  all.push_back(SessionBuilder("c").search("vpn", 2, "s5").s);
  const json s = compute(all);
  CHECK(s["searches"] == 5);
  CHECK(s["zero_result_searches"] == 1);
  CHECK(s["zero_result_rate"] == Approx(1.0 / 5.0));
  CHECK(s["click_through_rate"] == Approx(1.0 / 5.0));  // only s1: s3's click came after the next search
  CHECK(s["search_exit_rate"] == Approx(2.0 / 5.0));    // s2 and s5 ended their sessions
  REQUIRE(s["top_queries"].size() == 4);
  CHECK(s["top_queries"][0] == json{{"query", "vpn"}, {"searches", 2}, {"zero_results", 0}, {"deflection_rate", 1.0}});
  CHECK(s["top_zero_result_queries"] == json::array({json{{"query", "wifi"}, {"searches", 1}}}));
}

TEST_CASE("articles: views, last vote per session, tickets after view", "[deflection]") {
  std::vector<SessionEvents> all;
  all.push_back(SessionBuilder("a").view("vpn").vote("vpn", 0).vote("vpn", 1).s);  // changed their mind: one yes
  all.push_back(SessionBuilder("b").view("vpn").view("vpn").vote("vpn", 0).then(event_kind::kTicket).s);  // a reload: one view
  all.push_back(SessionBuilder("c").then(event_kind::kTicket).view("vpn").s);  // ticket before the view
  const json s = compute(all);
  REQUIRE(s["articles"].size() == 1);
  CHECK(s["articles"][0] == json{{"slug", "vpn"},
                                 {"views", 3},
                                 {"helpful_yes", 1},
                                 {"helpful_no", 1},
                                 {"helpfulness", 0.5},
                                 {"tickets_after_view", 1}});
}

TEST_CASE("daily figures group sessions by the UTC day they started", "[deflection]") {
  std::vector<SessionEvents> all;
  all.push_back(SessionBuilder("d1", kT0).view("a").s);
  all.push_back(SessionBuilder("d2", kT0 + kDay).search("x", 0, "s").then(event_kind::kTicket).s);
  const json s = compute(all, kT0 + 3 * kDay);
  REQUIRE(s["daily"].size() == 2);
  CHECK(s["daily"][0] == json{{"date", "2026-09-21"}, {"help_sessions", 1}, {"deflection_rate", 1.0}, {"searches", 0},
                              {"zero_result_rate", nullptr}, {"tickets", 0}});
  CHECK(s["daily"][1] == json{{"date", "2026-09-22"}, {"help_sessions", 1}, {"deflection_rate", 0.0}, {"searches", 1},
                              {"zero_result_rate", 1.0}, {"tickets", 1}});
}

TEST_CASE("no sessions: counts are zero and rates null", "[deflection]") {
  const json s = compute({});
  CHECK(s["help_sessions"] == 0);
  CHECK(s["deflection_rate"].is_null());
  CHECK(s["self_service_score"].is_null());
  CHECK(s["zero_result_rate"].is_null());
  for (const char* key : {"help_sessions", "self_service_sessions", "deflected_sessions", "escalated_sessions",
                          "open_sessions", "deflection_rate", "explicit_deflections", "form_deflections",
                          "self_service_score", "searches", "zero_result_searches", "zero_result_rate",
                          "click_through_rate", "search_exit_rate", "tickets", "top_queries", "escalating_queries",
                          "top_zero_result_queries", "articles", "daily", "agent_links"}) {
    CHECK(s.contains(key));
  }
  CHECK(s.size() == 21);
}

TEST_CASE("dates", "[deflection]") {
  CHECK(utc_date(kT0) == "2026-09-21");
  CHECK(parse_utc_date("2026-09-21") == 1'789'948'800'000);
  CHECK(parse_utc_date("2026-9-21") == std::nullopt);
  CHECK(parse_utc_date("yesterday") == std::nullopt);
  // Before 1970 a date is a negative time, not a failure.
  CHECK(parse_utc_date("1969-12-31") == -86'400'000);
  CHECK(parse_utc_date("1899-12-31") == -2'209'075'200'000);
  CHECK(days_between("1899-12-31", "1900-03-01") == 60);  // 1900 was no leap year
  CHECK(days_between("1899-12-31", "not a date") == 0);
}

TEST_CASE("agent links: copies, views through them, tickets after", "[deflection]") {
  std::vector<SessionEvents> all;
  SessionBuilder agent("agent");
  agent.add(event_kind::kAgentCopy).slug = "vpn";
  agent.add(event_kind::kAgentCopy).slug = "vpn";
  all.push_back(agent.s);
  SessionBuilder helped("helped");
  Event& v1 = helped.add(event_kind::kView);
  v1.slug = "vpn";
  v1.source = view_source::kAgent;
  all.push_back(helped.s);
  SessionBuilder again("again");
  Event& v2 = again.add(event_kind::kView);
  v2.slug = "vpn";
  v2.source = view_source::kAgent;
  again.then(event_kind::kTicket);
  all.push_back(again.s);
  const json s = compute(all);
  CHECK(s["agent_links"] == json::array({json{{"slug", "vpn"}, {"links_copied", 2}, {"views", 2}, {"sessions_with_ticket_after", 1}}}));
  // Their readers already have a ticket: not help-seeking sessions, so
  // neither deflected nor escalated.
  CHECK(s["help_sessions"] == 0);
  CHECK(s["deflected_sessions"] == 0);
  CHECK(s["escalated_sessions"] == 0);
}

TEST_CASE("a session that followed an agent's link is no help session, whatever it reads next", "[deflection]") {
  std::vector<SessionEvents> all;
  SessionBuilder reader("agent-link-then-related");
  Event& from_agent = reader.add(event_kind::kView);
  from_agent.slug = "scanner-scan-to-email";
  from_agent.source = view_source::kAgent;
  reader.view("mailbox-full").search("mailbox", 2, "s1").vote("mailbox-full", 1);
  all.push_back(reader.s);
  const json s = compute(all);
  CHECK(s["help_sessions"] == 0);
  CHECK(s["self_service_sessions"] == 0);
  CHECK(s["deflected_sessions"] == 0);
  CHECK(s["explicit_deflections"] == 0);
}

TEST_CASE("an agent's link followed later does not erase the escalation before it", "[deflection]") {
  std::vector<SessionEvents> all;
  SessionBuilder asker("searched-filed-then-followed-reply");
  asker.search("qwertyzzz", 0, "s1").then(event_kind::kTicketForm).then(event_kind::kTicket);
  Event& reply = asker.add(event_kind::kView);
  reply.slug = "vpn";
  reply.source = view_source::kAgent;
  asker.view("wifi").vote("wifi", 1);  // after the reply: not self-service
  all.push_back(asker.s);
  const json s = compute(all);
  CHECK(s["help_sessions"] == 1);
  CHECK(s["escalated_sessions"] == 1);
  CHECK(s["deflected_sessions"] == 0);
  CHECK(s["explicit_deflections"] == 0);
}

TEST_CASE("explicit deflection counts each article's last vote, as the article tallies do", "[deflection]") {
  std::vector<SessionEvents> all;
  all.push_back(SessionBuilder("yes-then-no").view("reset-password").vote("reset-password", 1).vote("reset-password", 0).s);
  all.push_back(SessionBuilder("no-then-yes").view("vpn").vote("vpn", 0).vote("vpn", 1).s);
  all.push_back(SessionBuilder("solved").view("wifi").vote("wifi", 0).then(event_kind::kSolved).s);
  const json s = compute(all);
  CHECK(s["deflected_sessions"] == 3);
  CHECK(s["explicit_deflections"] == 2);  // no-then-yes, solved
}

TEST_CASE("searches most often followed by a ticket are found among all queries, not the 20 most searched",
          "[deflection]") {
  std::vector<SessionEvents> all;
  // 25 queries searched twice each, every session deflected...
  for (int q = 0; q < 25; ++q) {
    for (int n = 0; n < 2; ++n) {
      const std::string query = "common " + std::to_string(q);
      all.push_back(SessionBuilder(query + "/" + std::to_string(n)).search(query, 3, "s").click("s", "vpn").s);
    }
  }
  // ...and a rare one that always ends in a ticket.
  all.push_back(SessionBuilder("rare").search("scanner jammed", 0, "r").then(event_kind::kTicket).s);
  const json s = compute(all);
  CHECK(s["top_queries"].size() == 20);
  REQUIRE(s["escalating_queries"].is_array());
  REQUIRE(s["escalating_queries"].size() == 1);
  CHECK(s["escalating_queries"][0] == json{{"query", "scanner jammed"}, {"searches", 1}, {"escalated_sessions", 1},
                                            {"deflection_rate", 0.0}});
}

TEST_CASE("a reloaded search or article page is not counted twice", "[deflection]") {
  std::vector<SessionEvents> all;
  // The search page loaded twice (each load a new search id), then result 1.
  all.push_back(SessionBuilder("reload").search("bluetooth headset", 3, "s1").search("bluetooth headset", 3, "s2")
                    .click("s2", "pairing").click("s2", "pairing")  // the article reloaded, too
                    .view("pairing").s);
  // Not repeats: another search between, or a vote between two views.
  all.push_back(SessionBuilder("again").search("vpn", 2, "s3").search("wifi", 1, "s4").search("vpn", 2, "s5")
                    .view("vpn").vote("vpn", 1).view("vpn").s);
  const json s = compute(all);
  CHECK(s["searches"] == 4);
  CHECK(s["click_through_rate"] == Approx(1.0 / 4.0));
  std::map<std::string, int> views;
  for (const auto& a : s["articles"]) views[a["slug"]] = a["views"];
  CHECK(views["pairing"] == 1);
  CHECK(views["vpn"] == 2);
}
