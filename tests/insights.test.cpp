/** @file insights.test.cpp
 *  @brief Learning from sessions: successful queries, article success,
 *  synonym proposals, query completion.
 */
#include "kb/insights.h"

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
                      .add(event_kind::kSearch, "get rid of fb", "a")
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
  CHECK(p[0].from == "get rid of fb");
  CHECK(p[0].to == "delete facebook account");
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
