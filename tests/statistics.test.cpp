/** @file statistics.test.cpp
 *  @brief The statistics service and its SQLite store: sessions, the event
 *  queue, typing bursts, tickets and the webhook outbox.
 */
#include "kb/sqlite_stats_store.h"
#include "kb/statistics.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>

#include <thread>

using namespace kb;

namespace {

StatisticsOptions options(const test::TempDir& dir) {
  StatisticsOptions o;
  o.database = dir / "data" / "kb.sqlite";
  o.flush_interval = std::chrono::milliseconds(50);
  o.burst_window = std::chrono::milliseconds(300);
  o.session_timeout = std::chrono::seconds(2);
  return o;
}

Event search(const std::string& session, const std::string& q) {
  Event e;
  e.session = session;
  e.kind = event_kind::kSearch;
  e.query = q;
  e.norm_query = normalise_query(q);
  e.result_count = 1;
  return e;
}

/// A ticket as the form makes it, created at @p at_ms.
Ticket ticket(const std::string& subject, std::int64_t at_ms) {
  Ticket t;
  t.created_at_ms = at_ms;
  t.subject = subject;
  t.email = "a@b.co";
  t.context = nlohmann::json::object();
  return t;
}

}  // namespace

TEST_CASE("queries normalise to one form", "[statistics]") {
  CHECK(normalise_query("  VPN  Disconnects!! ") == "vpn disconnects");
  CHECK(normalise_query("Error 0x80070005?") == "error 0x80070005");
  CHECK(normalise_query("ERR_NAME_NOT_RESOLVED") == "err_name_not_resolved");
  CHECK(normalise_query("비밀번호 재설정") == "비밀번호 재설정");
}

TEST_CASE("sessions continue while active and end after the timeout", "[statistics]") {
  test::TempDir dir;
  Statistics stats(options(dir));
  const auto first = stats.touch_session("");
  CHECK(first.is_new);
  CHECK(first.id.size() == 32);
  const auto again = stats.touch_session(first.id);
  CHECK_FALSE(again.is_new);
  CHECK(again.id == first.id);
  CHECK(stats.touch_session("not-a-session-id").is_new);
  CHECK(stats.touch_session(std::string(32, 'a')).is_new);  // well-formed but unknown: never adopted
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  CHECK(stats.touch_session(first.id).is_new);
}

TEST_CASE("new session ids grow with time and keep 80 random bits", "[statistics]") {
  const std::string a = Statistics::new_session_id();
  std::this_thread::sleep_for(std::chrono::milliseconds(3));
  const std::string b = Statistics::new_session_id();
  const std::string c = Statistics::new_session_id();
  for (const auto& id : {a, b, c}) {
    REQUIRE(id.size() == 32);
    CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
  }
  // The first 12 digits are the time: later ids sort after earlier ones,
  // so the store appends them.
  CHECK(a.substr(0, 12) < b.substr(0, 12));
  CHECK(a < b);
  const auto ms = std::stoull(b.substr(0, 12), nullptr, 16);
  CHECK(ms >= static_cast<unsigned long long>(now_ms()) - 60000);
  CHECK(ms <= static_cast<unsigned long long>(now_ms()));
  // Two ids of the same millisecond still differ, in the random part.
  CHECK(b != c);
  CHECK(b.substr(12) != c.substr(12));
}

TEST_CASE("a session known before a restart continues after it", "[statistics]") {
  test::TempDir dir;
  std::string id;
  {
    Statistics stats(options(dir));
    id = stats.touch_session("").id;
    stats.record(search(id, "vpn"));
  }
  Statistics stats(options(dir));
  CHECK(stats.touch_session(id).id == id);
}

TEST_CASE("a flood of new sessions is bounded in memory, a forgotten session continues from the store",
          "[statistics]") {
  test::TempDir dir;
  StatisticsOptions o = options(dir);
  o.session_timeout = std::chrono::seconds(600);
  o.max_remembered_sessions = 100;
  Statistics stats(o);
  const std::string first = stats.touch_session("").id;
  stats.record(search(first, "vpn"));
  stats.flush();
  std::this_thread::sleep_for(std::chrono::milliseconds(5));  // first is the least recent
  std::size_t most = 0;
  for (int i = 0; i < 1000; ++i) {
    stats.touch_session("");  // a cookieless client: a new session each time
    most = std::max(most, stats.remembered_sessions());
  }
  CHECK(most <= 100);
  CHECK(stats.remembered_sessions() >= 50);  // the most recent half and more are kept
  // The first session was forgotten here, but its event put it in the
  // store: it goes on, it does not start again.
  const auto again = stats.touch_session(first);
  CHECK_FALSE(again.is_new);
  CHECK(again.id == first);
}

TEST_CASE("events are written by the writer thread without a flush or stop", "[statistics]") {
  test::TempDir dir;
  Statistics stats(options(dir));
  stats.record(search("s1", "vpn"));
  // The writer wakes every flush interval; on a loaded machine it may be
  // late, so wait (with a generous bound) instead of timing it.
  SqliteStatsStore reader(dir / "data" / "kb.sqlite");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (reader.session_events("s1").empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(reader.session_events("s1").size() == 1);
  CHECK(stats.queue_depth() == 0);
}

TEST_CASE("stop writes everything queued", "[statistics]") {
  test::TempDir dir;
  {
    Statistics stats(options(dir));
    for (int i = 0; i < 500; ++i) stats.record(search("s1", "q" + std::to_string(i)));
  }
  SqliteStatsStore reader(dir / "data" / "kb.sqlite");
  CHECK(reader.session_events("s1").size() == 500);
}

TEST_CASE("a typing burst is one search: the last one", "[statistics]") {
  test::TempDir dir;
  Statistics stats(options(dir));
  const std::string a = stats.record_live_search(search("s1", "v"));
  const std::string b = stats.record_live_search(search("s1", "vp"));
  const std::string c = stats.record_live_search(search("s1", "vpn"));
  CHECK(a == b);
  CHECK(b == c);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  const std::string d = stats.record_live_search(search("s1", "wifi"));  // a pause: a new search
  CHECK(d != c);
  Event click;
  click.session = "s1";
  click.kind = event_kind::kClick;
  click.search_id = d;
  stats.record(click);  // ends the burst: the search is written before the click
  stats.flush();
  const auto events = stats.with_store([](StatsStore& s) { return s.session_events("s1"); });
  REQUIRE(events.size() == 3);
  CHECK(events[0].query == "vpn");
  CHECK(events[0].search_id == c);
  CHECK(events[1].query == "wifi");
  CHECK(events[2].kind == "click");
}

TEST_CASE("reading one session's events never cuts another visitor's typing burst", "[statistics]") {
  test::TempDir dir;
  Statistics stats(options(dir));
  const std::string typing = stats.record_live_search(search("visitor-x", "sca"));
  // Visitor Y opens the ticket form (last query, context) and files a ticket.
  stats.record(search("visitor-y", "printer"));
  CHECK(stats.last_query("visitor-y") == "printer");
  CHECK(stats.session_context("visitor-y")["queries"].size() == 1);
  Ticket t;
  t.session = "visitor-y";
  t.subject = "printer";
  stats.submit_ticket(t, false);
  stats.flush_due();  // an admin reading /api/stats
  CHECK(stats.record_live_search(search("visitor-x", "scanner")) == typing);
  stats.flush();
  const auto events = stats.with_store([](StatsStore& s) { return s.session_events("visitor-x"); });
  REQUIRE(events.size() == 1);
  CHECK(events[0].query == "scanner");
}

TEST_CASE("tickets are stored with their context and the outbox delivers each once", "[statistics]") {
  test::TempDir dir;
  Statistics stats(options(dir));
  stats.record(search("s1", "vpn drops"));
  Event view;
  view.session = "s1";
  view.kind = event_kind::kView;
  view.slug = "vpn";
  stats.record(view);
  Ticket t;
  t.session = "s1";
  t.subject = "VPN";
  t.email = "a@b.co";
  t.context = stats.session_context("s1");
  CHECK(t.context["queries"][0]["query"] == "vpn drops");
  CHECK(t.context["articles"][0]["slug"] == "vpn");
  const Ticket stored = stats.submit_ticket(t, true);
  CHECK(stored.reference == "KB-000001");
  const auto due = stats.with_store([](StatsStore& s) { return s.due_deliveries(now_ms(), 10); });
  REQUIRE(due.size() == 1);
  CHECK(due[0].context["articles"][0]["slug"] == "vpn");
  stats.with_store([&](StatsStore& s) {
    s.mark_failed(due[0].id, "status 503", now_ms() + 60000);
    return 0;
  });
  CHECK(stats.with_store([](StatsStore& s) { return s.due_deliveries(now_ms(), 10); }).empty());
  stats.with_store([&](StatsStore& s) {
    s.mark_delivered(due[0].id, now_ms());
    return 0;
  });
  CHECK(stats.with_store([](StatsStore& s) { return s.due_deliveries(now_ms() + 120000, 10); }).empty());
  const auto events = stats.with_store([](StatsStore& s) { return s.session_events("s1"); });
  CHECK(events.back().kind == "ticket");
  CHECK(events.back().ticket_id == stored.id);
}

TEST_CASE("a database that cannot be opened degrades: events wait, tickets fail, both recover", "[statistics]") {
  test::TempDir dir;
  StatisticsOptions o = options(dir);
  o.reopen_interval = std::chrono::milliseconds(50);
  // Where the folder should be there is a file: nothing can be created.
  dir.write("data", "not a folder");
  Statistics stats(o);
  CHECK_FALSE(stats.health().writable);
  CHECK_THAT(stats.health().problem, Catch::Matchers::Contains("cannot open"));
  stats.record(search("s1", "printer"));  // queued, not thrown
  CHECK(stats.last_query("s1").empty());
  Ticket t;
  t.subject = "printer";
  t.description = "offline";
  t.email = "a@example.com";
  CHECK_THROWS_AS(stats.submit_ticket(t, false), StatisticsUnavailable);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(stats.health().waiting == 1);

  std::filesystem::remove(dir / "data");
  for (int i = 0; i < 100 && !stats.health().writable; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(stats.health().writable);
  CHECK(stats.health().waiting == 0);
  CHECK(stats.last_query("s1") == "printer");
  CHECK(stats.submit_ticket(t, false).reference == "KB-000001");
}

TEST_CASE("events beyond the queue capacity are dropped and counted while writes fail", "[statistics]") {
  test::TempDir dir;
  StatisticsOptions o = options(dir);
  o.queue_capacity = 10;
  dir.write("data", "not a folder");
  Statistics stats(o);
  for (int i = 0; i < 25; ++i) stats.record(search("s" + std::to_string(i), "q"));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(stats.health().waiting <= 10);
  CHECK(stats.health().dropped == 15);
}

TEST_CASE("a statistics database of schema 2 gains tickets.submission and keeps its tickets", "[statistics]") {
  test::TempDir dir;
  const std::string path = (dir / "kb.sqlite").string();
  {
    // The tickets table as schema 2 made it, with one ticket in it.
    sql::Connection old(path, 1000);
    old.exec(
        "CREATE TABLE tickets (id INTEGER PRIMARY KEY, reference TEXT UNIQUE, session TEXT, created_at INTEGER NOT "
        "NULL, subject TEXT NOT NULL, description TEXT NOT NULL, email TEXT NOT NULL, context TEXT NOT NULL, delivery "
        "TEXT NOT NULL DEFAULT 'stored', attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER, delivered_at "
        "INTEGER, last_error TEXT)");
    old.exec(
        "INSERT INTO tickets(reference, created_at, subject, description, email, context) "
        "VALUES('KB-000001', 1, 'old', '', 'a@b.co', '{}')");
    old.exec("PRAGMA user_version=2");
  }
  SqliteStatsStore store(path);
  Ticket t = ticket("new", 2);
  t.submission = "form-1";
  CHECK(store.insert_ticket(t, false).reference == "KB-000002");
  const Ticket again = store.insert_ticket(t, false);
  CHECK(again.repeated);
  CHECK(again.reference == "KB-000002");
  const auto all = store.tickets(0, 10, 10, 0);
  REQUIRE(all.size() == 2);
  CHECK(all[1].subject == "old");
}

TEST_CASE("a statistics database of schema 3 gains the list of signed-out cookies", "[statistics]") {
  test::TempDir dir;
  const std::string path = (dir / "kb.sqlite").string();
  {
    SqliteStatsStore made(path);
    made.insert_ticket(ticket("kept", 1), false);
  }
  {
    // As schema 3 left it: no such table.
    sql::Connection old(path, 1000);
    old.exec("DROP TABLE revoked_sign_ins");
    old.exec("PRAGMA user_version=3");
  }
  SqliteStatsStore store(path);
  store.revoke_sign_in("digest", 5000, 1000);
  CHECK(store.revoked_sign_ins(1000) == std::vector<std::pair<std::string, std::int64_t>>{{"digest", 5000}});
  CHECK(store.tickets(0, 10, 10, 0).at(0).subject == "kept");
  sql::Connection check(path, 1000);
  sql::Statement version = check.prepare("PRAGMA user_version");
  REQUIRE(version.step());
  CHECK(version.int64(0) == 4);
}
