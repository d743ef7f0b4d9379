/** @file stats_backends.test.cpp
 *  @brief The statistics store's contract, checked on both backends
 *  (SQLite and PostgreSQL), and what only a shared store must do: unique
 *  ticket references, one claim per outbox ticket, concurrent migrations,
 *  sessions that continue on another replica at once.
 *
 *  Needs PostgreSQL: exits 77 (skipped, loudly) when it cannot be started.
 */
#include "kb/pg.h"
#include "kb/statistics.h"
#include "kb/stats_store.h"
#include "support/postgres.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <set>
#include <thread>
#include <utility>
#include <vector>

using namespace kb;

namespace {

/// One backend under test: where to open it, and whether it is shared.
struct Backend {
  std::string name;
  std::string location;
};

/// One PostgreSQL for the whole run (starting one takes seconds), one fresh
/// database per test case.
std::string fresh_postgresql_database() {
  static test::Postgres server;
  static int databases = 0;
  const std::string name = "case" + std::to_string(++databases);
  pg::Connection(server.uri()).exec("CREATE DATABASE " + name);
  return server.uri().substr(0, server.uri().rfind('/') + 1) + name;
}

class Backends {
 public:
  Backends() : sqlite_{"sqlite", (dir_ / "data" / "kb.sqlite").string()} {}
  Backend get(const std::string& name) {
    if (name == "sqlite") return sqlite_;
    return {"postgresql", fresh_postgresql_database()};
  }

 private:
  test::TempDir dir_;
  Backend sqlite_;
};

Event event(const std::string& session, std::int64_t at, const std::string& kind) {
  Event e;
  e.session = session;
  e.at_ms = at;
  e.kind = kind;
  return e;
}

Ticket ticket(const std::string& session, std::int64_t at) {
  Ticket t;
  t.session = session;
  t.created_at_ms = at;
  t.subject = "VPN drops";
  t.description = "Every hour.";
  t.email = "a@b.co";
  t.context = {{"queries", nlohmann::json::array({{{"query", "vpn"}}})}};
  return t;
}

}  // namespace

TEST_CASE("both backends store events field for field and sessions in order", "[stats_backends]") {
  Backends backends;
  const Backend backend = backends.get(GENERATE(as<std::string>{}, "sqlite", "postgresql"));
  INFO(backend.name);
  const auto store = open_stats_store(backend.location);
  CHECK(store->shared() == (backend.name == "postgresql"));

  Event full = event("s2", 2000, event_kind::kSearch);
  full.search_id = "abc";
  full.query = "VPN drops";
  full.norm_query = "vpn drops";
  full.result_count = 0;
  full.corrected = true;
  full.rung = "relaxed";
  full.slugs = {"vpn", "wifi"};
  full.slug = "vpn";
  full.rank = 2;
  full.source = "search";
  full.helpful = 0;
  full.comment = "no";
  full.ticket_id = 7;
  full.ref = "INC-1";
  store->write_events({event("s1", 1000, event_kind::kView), full, event("s2", 3000, event_kind::kClick),
                       event("s1", 1500, event_kind::kVote)});
  const auto got = store->session_events("s2");
  REQUIRE(got.size() == 2);
  const Event& e = got[0];
  CHECK(e.search_id == "abc");
  CHECK(e.query == "VPN drops");
  CHECK(e.norm_query == "vpn drops");
  CHECK(e.result_count == 0);
  CHECK(e.corrected);
  CHECK(e.rung == "relaxed");
  CHECK(e.slugs == std::vector<std::string>{"vpn", "wifi"});
  CHECK(e.slug == "vpn");
  CHECK(e.rank == 2);
  CHECK(e.source == "search");
  CHECK(e.helpful == 0);
  CHECK(e.comment == "no");
  CHECK(e.ticket_id == 7);
  CHECK(e.ref == "INC-1");
  // Unset fields come back unset, not as zero.
  CHECK(got[1].result_count == -1);
  CHECK(got[1].helpful == -1);
  CHECK(got[1].slugs.empty());

  const auto row = store->session("s2");
  REQUIRE(row);
  CHECK(row->started_at_ms == 2000);
  CHECK(row->last_seen_ms == 3000);
  CHECK_FALSE(store->session("s3"));
  store->open_session("s3", 500);
  REQUIRE(store->session("s3"));
  const auto sessions = store->sessions_between(0, 10000);
  REQUIRE(sessions.size() == 2);  // s3 has no events: not a help session
  CHECK(sessions[0].first.id == "s1");
  CHECK(sessions[0].second.size() == 2);
  CHECK(sessions[0].second[1].kind == "vote");
  CHECK(sessions[1].first.id == "s2");
  CHECK(store->sessions_between(1600, 10000).size() == 1);
}

TEST_CASE("ticket references are unique across connections (replicas)", "[stats_backends]") {
  Backends backends;
  const Backend backend = backends.get(GENERATE(as<std::string>{}, "sqlite", "postgresql"));
  INFO(backend.name);
  const auto one = open_stats_store(backend.location);
  const auto two = open_stats_store(backend.location);
  std::set<std::string> refs;
  for (int i = 0; i < 3; ++i) {
    refs.insert(one->insert_ticket(ticket("s1", 1000 + i), false).reference);
    refs.insert(two->insert_ticket(ticket("s2", 1000 + i), true).reference);
  }
  CHECK(refs == std::set<std::string>{"KB-000001", "KB-000002", "KB-000003", "KB-000004", "KB-000005", "KB-000006"});
  const auto all = one->tickets(0, 10000, 100, 0);
  REQUIRE(all.size() == 6);
  CHECK(two->ticket_count(0, 10000) == 6);
  CHECK(two->ticket_count(1001, 1002) == 2);
  CHECK(one->insert_ticket(ticket("", 1001), false).session.empty());  // no session (the API from a script)
  CHECK(two->ticket_count(1001, 1002) == 3);
  CHECK(all[0].reference == "KB-000006");  // newest first
  CHECK(all[0].context["queries"][0]["query"] == "vpn");
  const auto events = two->session_events("s1");
  REQUIRE(events.size() == 3);
  CHECK(events[0].kind == "ticket");
}

TEST_CASE("a submission sent twice to one replica or two is one ticket", "[stats_backends]") {
  Backends backends;
  const Backend backend = backends.get(GENERATE(as<std::string>{}, "sqlite", "postgresql"));
  INFO(backend.name);
  const auto one = open_stats_store(backend.location);
  const auto two = open_stats_store(backend.location);
  Ticket first = ticket("s1", 1000);
  first.submission = "form-1";
  const Ticket stored = one->insert_ticket(first, false);
  CHECK_FALSE(stored.repeated);
  Ticket again = ticket("s1", 2000);
  again.submission = "form-1";
  again.subject = "typed again";
  const Ticket same = two->insert_ticket(again, false);
  CHECK(same.repeated);
  CHECK(same.reference == stored.reference);
  CHECK(same.subject == "VPN drops");  // the stored ticket, unchanged
  Ticket other = ticket("s1", 3000);
  other.submission = "form-2";
  const Ticket second = one->insert_ticket(other, false);
  CHECK_FALSE(second.repeated);
  CHECK(second.reference != stored.reference);
  // Tickets without a submission never collide.
  one->insert_ticket(ticket("s1", 4000), false);
  one->insert_ticket(ticket("s1", 5000), false);
  CHECK(one->tickets(0, 10000, 100, 0).size() == 4);
  CHECK(two->session_events("s1").size() == 4);  // one "ticket" event each
}

TEST_CASE("the outbox: a due ticket is handed out until marked, and a shared store claims it for one replica",
          "[stats_backends]") {
  Backends backends;
  const Backend backend = backends.get(GENERATE(as<std::string>{}, "sqlite", "postgresql"));
  INFO(backend.name);
  const auto one = open_stats_store(backend.location);
  const auto two = open_stats_store(backend.location);
  const Ticket t = one->insert_ticket(ticket("s1", now_ms()), true);
  one->insert_ticket(ticket("s1", now_ms()), false);  // stored only: never due
  const auto first = one->due_deliveries(now_ms(), 10);
  REQUIRE(first.size() == 1);
  CHECK(first[0].id == t.id);
  CHECK(first[0].delivery == "pending");
  const auto second = two->due_deliveries(now_ms(), 10);
  CHECK(second.size() == (one->shared() ? 0u : 1u));
  one->mark_failed(t.id, "status 503", now_ms() - 1);
  const auto retry = two->due_deliveries(now_ms(), 10);
  REQUIRE(retry.size() == 1);
  CHECK(retry[0].attempts == 1);
  CHECK(retry[0].last_error == "status 503");
  two->mark_delivered(t.id, now_ms());
  CHECK(one->due_deliveries(now_ms() + 3600000, 10).empty());
  CHECK(one->tickets(0, now_ms() + 1, 10, 0).back().delivery == "delivered");
}

TEST_CASE("signed-out cookies are listed through every connection until they would have expired", "[stats_backends]") {
  Backends backends;
  const Backend backend = backends.get(GENERATE(as<std::string>{}, "sqlite", "postgresql"));
  INFO(backend.name);
  const auto one = open_stats_store(backend.location);
  const auto two = open_stats_store(backend.location);
  using List = std::vector<std::pair<std::string, std::int64_t>>;
  CHECK(two->revoked_sign_ins(1000).empty());
  one->revoke_sign_in("digest-a", 5000, 1000);
  one->revoke_sign_in("digest-b", 2000, 1000);
  CHECK(two->revoked_sign_ins(1000) == List{{"digest-a", 5000}, {"digest-b", 2000}});
  CHECK(two->revoked_sign_ins(2000) == List{{"digest-a", 5000}});  // b expired by itself
  // Signed out twice: the later end holds.
  two->revoke_sign_in("digest-a", 4000, 1500);
  CHECK(one->revoked_sign_ins(1500) == List{{"digest-a", 5000}, {"digest-b", 2000}});
  // A later sign-out forgets the expired ones (b), not the others.
  one->revoke_sign_in("digest-c", 9000, 3000);
  CHECK(two->revoked_sign_ins(0) == List{{"digest-a", 5000}, {"digest-c", 9000}});
}

TEST_CASE("PostgreSQL: replicas starting together migrate once, and a newer schema is refused", "[stats_backends]") {
  Backends backends;
  const Backend backend = backends.get("postgresql");
  std::atomic<int> opened{0};
  std::vector<std::string> errors(4);
  std::vector<std::thread> replicas;
  for (std::size_t i = 0; i < 4; ++i) {
    replicas.emplace_back([&, i] {
      try {
        open_stats_store(backend.location);
        ++opened;
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    });
  }
  for (auto& r : replicas) r.join();
  INFO(errors[0] << errors[1] << errors[2] << errors[3]);
  CHECK(opened == 4);
  pg::Connection admin(backend.location);
  CHECK(admin.exec("SELECT count(*), max(version) FROM kb_schema").int64(0, 0) == 1);
  admin.exec("UPDATE kb_schema SET version = 99");
  CHECK_THROWS_WITH(open_stats_store(backend.location),
                    Catch::Matchers::Contains("statistics database has schema version 99, newer than this kb-server"));
}

TEST_CASE("PostgreSQL: bytes text cannot hold are cleaned, not a failed batch", "[stats_backends]") {
  Backends backends;
  const auto store = open_stats_store(backends.get("postgresql").location);
  Event e = event("s1", 1000, event_kind::kSearch);
  e.query = std::string("a\0b\xff", 4);
  store->write_events({e});
  const auto got = store->session_events("s1");
  REQUIRE(got.size() == 1);
  CHECK(got[0].query == "ab\xEF\xBF\xBD");
}

TEST_CASE("PostgreSQL: a session started on one replica continues on another at once", "[stats_backends]") {
  Backends backends;
  StatisticsOptions o;
  o.stats_db = backends.get("postgresql").location;
  o.session_timeout = std::chrono::seconds(2);
  Statistics a(o);
  Statistics b(o);
  const auto started = a.touch_session("");
  REQUIRE(started.is_new);
  const auto there = b.touch_session(started.id);  // before any flush
  CHECK_FALSE(there.is_new);
  CHECK(there.id == started.id);
  CHECK(b.touch_session(std::string(32, 'a')).is_new);  // well-formed but unknown anywhere: never adopted

  // Active on b only: a must not end it when its own memory says it expired.
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  b.touch_session(started.id);
  Event view;
  view.session = started.id;
  view.kind = event_kind::kView;
  view.slug = "vpn";
  b.record(view);
  b.flush();
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  const auto later = a.touch_session(started.id);
  CHECK_FALSE(later.is_new);
  CHECK(later.id == started.id);
}
