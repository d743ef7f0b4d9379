/** @file insights.test.cpp
 *  @brief Learning from sessions: successful queries, article success,
 *  synonym proposals, query completion.
 */
#include "kb/insights.h"
#include "kb/synonyms.h"

#include <catch2/catch.hpp>

using namespace kb;

namespace {

constexpr std::int64_t kT0 = 1'790'000'000'000;

struct Builder {
  SessionEvents s;
  std::int64_t t = kT0;
  explicit Builder(const std::string& id) { s.first = SessionRow{id, kT0, kT0}; }
  Builder& add(const char* kind, const std::string& a = "", const std::string& b = "") {
    Event e;
    e.session = s.first.id;
    e.kind = kind;
    e.at_ms = t += 1000;
    if (std::string(kind) == event_kind::kSearch) {
      e.query = e.norm_query = a;
      e.search_id = b;
      e.result_count = 1;
    } else if (std::string(kind) == event_kind::kClick) {
      e.search_id = a;
      e.slug = b;
    } else {
      e.slug = a;
      if (std::string(kind) == event_kind::kVote) e.helpful = b == "yes" ? 1 : 0;
    }
    s.second.push_back(e);
    s.first.last_seen_ms = t;
    return *this;
  }
};

DeflectionOptions ended() {
  DeflectionOptions o;
  o.now_ms = kT0 + 86'400'000;
  o.session_timeout_ms = 60'000;
  return o;
}

}  // namespace

TEST_CASE("a reformulation that found the answer proposes a synonym", "[insights]") {
  std::vector<SessionEvents> all;
  for (int i = 0; i < 3; ++i) {
    all.push_back(Builder("s" + std::to_string(i))
                      .add(event_kind::kSearch, "delete fb account", "a")
                      .add(event_kind::kSearch, "delete facebook account", "b")
                      .add(event_kind::kClick, "b", "delete-facebook")
                      .add(event_kind::kView, "delete-facebook")
                      .s);
  }
  // Not proposals: a ticket at the end, a click on the first search, the same words reordered.
  all.push_back(Builder("t").add(event_kind::kSearch, "x y", "a").add(event_kind::kSearch, "z", "b").add(event_kind::kView, "z").add(event_kind::kTicket).s);
  all.push_back(Builder("c").add(event_kind::kSearch, "p", "a").add(event_kind::kClick, "a", "q").add(event_kind::kView, "q")
                    .add(event_kind::kSearch, "r", "b").add(event_kind::kView, "r").s);
  all.push_back(Builder("o").add(event_kind::kSearch, "vpn drops", "a").add(event_kind::kSearch, "drops vpn", "b").add(event_kind::kView, "v").s);
  const auto p = synonym_proposals(all, ended());
  REQUIRE(p.size() == 1);
  // The words the rewording replaced, not the whole queries: a query
  // containing "fb" anywhere finds what "facebook" finds.
  CHECK(p[0].from == "fb");
  CHECK(p[0].to == "facebook");
  CHECK(p[0].sessions == 3);
  CHECK(synonym_proposals(all, ended(), 4).empty());

  const auto popular = successful_queries(all, ended(), 10);
  REQUIRE_FALSE(popular.empty());
  CHECK(popular[0].query == "delete facebook account");
  CHECK(popular[0].sessions == 3);
  CHECK(complete_queries(popular, "delete fac", 5) == std::vector<std::string>{"delete facebook account"});
  CHECK(complete_queries(popular, "facebook del", 5) == std::vector<std::string>{"delete facebook account"});
  CHECK(complete_queries(popular, "delete fac ", 5).empty());  // "fac" is a whole word now
}

TEST_CASE("article success is bounded and counts what helped", "[insights]") {
  std::vector<SessionEvents> all;
  all.push_back(Builder("a").add(event_kind::kView, "good").add(event_kind::kVote, "good", "yes").s);
  all.push_back(Builder("b").add(event_kind::kView, "bad").add(event_kind::kTicket).s);
  const auto success = article_success(all, ended());
  CHECK(success.at("good") == Approx(2.0 / 3.0));  // (view without ticket + yes) / (view + vote + 1)
  CHECK(success.at("bad") == Approx(0.0));
  for (const auto& [slug, v] : success) {
    CHECK(v >= 0.0);
    CHECK(v < 1.0);
  }
}

TEST_CASE("only pairs of single words are proposed, and not once they are synonyms", "[insights]") {
  auto session = [](const std::string& id, const std::string& failed, const std::string& then) {
    return Builder(id).add(event_kind::kSearch, failed, "a").add(event_kind::kSearch, then, "b").add(event_kind::kView, "x").s;
  };
  std::vector<SessionEvents> all{
      session("1", "wlan broken", "wifi broken"),
      session("2", "wlan slow", "wifi slow"),  // the same pair in other words
      session("3", "outlook crash", "outlook freezes"),
      // A synonym's alternative is searched as an exact phrase: whole
      // rewordings would match only articles that have the whole query.
      session("4", "get rid of fb", "delete facebook account"),
      session("5", "printer offline", "printer not responding"),
      session("6", "how do i reset vpn", "reset vpn"),
      session("7", "vpn", "vpn client"),
  };
  auto p = synonym_proposals(all, ended());
  REQUIRE(p.size() == 2);
  CHECK(p[0].from == "wlan");
  CHECK(p[0].to == "wifi");
  CHECK(p[0].sessions == 2);
  CHECK(p[1].from == "crash");
  CHECK(p[1].to == "freezes");
  // Accepted (in the file or the index): proposed no more.
  const Synonyms known = Synonyms::parse_yaml("- [wifi, WLAN, wireless]\n", "_synonyms.yaml");
  p = synonym_proposals(all, ended(), 1, known);
  REQUIRE(p.size() == 1);
  CHECK(p[0].from == "crash");
}
