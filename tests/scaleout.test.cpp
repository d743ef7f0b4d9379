/** @file scaleout.test.cpp
 *  @brief Integration: two kb-server replicas on one PostgreSQL, their
 *  indexes kept by Xapian's replication, requests alternating between them
 *  (no stickiness), one of them killed mid-run.
 *
 *  Needs PostgreSQL, xapian-tools (scripts/deps.sh --test). Skipped, with a
 *  loud message and exit code 77, only when PostgreSQL cannot be started.
 */
#include "support/browser.h"
#include "support/population.h"
#include "support/postgres.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <functional>
#include <optional>
#include <memory>
#include <set>
#include <thread>

using namespace kb::test;
using namespace kb::test::population;
using nlohmann::json;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kToken = "scaleout-admin-token";

/// Polls @p done until it holds or @p limit passes; the time it took.
std::optional<std::chrono::milliseconds> wait_until(const std::function<bool()>& done, std::chrono::seconds limit) {
  const auto start = Clock::now();
  while (Clock::now() - start < limit) {
    if (done()) return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return std::nullopt;
}

/// The writer's side: articles, the master index and its replication server.
struct Site {
  TempDir dir;
  int replication_port = free_port();
  std::unique_ptr<BackgroundProcess> replication;

  Site() {
    for (const auto& e : fs::directory_iterator(std::string(KB_FIXTURES_DIR) + "/search")) {
      fs::create_directories(dir / "articles");
      fs::copy_file(e.path(), dir / "articles" / e.path().filename());
    }
    index();
    replication = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{"xapian-replicate-server", "-I", "127.0.0.1", "-p", std::to_string(replication_port),
                                 (dir / "master").string()},
        (dir / "replicate-server.log").string());
  }
  /// kb-index into the master, keeping changesets for the replicas.
  void index() const {
    std::string out;
    INFO(out);
    REQUIRE(run_program({KB_INDEX_BIN, "--articles", (dir / "articles").string(), "--index", (dir / "master" / "kb").string(),
                         "--changesets", "10", "-q"},
                        out) == 0);
  }
};

/// One replica: xapian-replicate keeping its index, kb-server serving it.
struct Replica {
  std::string name;
  const Site& site;
  std::string stats_db;
  std::unique_ptr<BackgroundProcess> replicate;
  std::unique_ptr<ServerProcess> server;

  Replica(std::string n, const Site& s, std::string uri) : name(std::move(n)), site(s), stats_db(std::move(uri)) {
    // One secret for every replica: a form one serves, another accepts.
    site.dir.write(name + "/data/secret", std::string(64, 'c') + "\n");
    // The first copy in one shot: the stub file appears before the copy is
    // complete, so its presence does not mean kb-server can open it.
    // (Retried: the replication server may not be listening yet.)
    const auto log = (site.dir / (name + "-replicate.log")).string();
    const std::vector<std::string> client{"/usr/bin/env", "xapian-replicate", "-h", "127.0.0.1", "-p",
                                          std::to_string(site.replication_port), "-m", "kb", "-r", "1"};
    std::string out;
    const bool copied = wait_until(
                            [&] {
                              auto once = client;
                              once.insert(once.end(), {"-o", index().string()});
                              return run_program(once, out) == 0 && fs::exists(index() / "XAPIANDB");
                            },
                            std::chrono::seconds(30))
                            .has_value();
    INFO("xapian-replicate (xapian-tools) did not copy the master index: " << out);
    REQUIRE(copied);
    // Then every second (-i 1); readers get a second to move on (-r 1).
    auto keep = std::vector<std::string>(client.begin() + 1, client.end());
    keep.insert(keep.end(), {"-i", "1", index().string()});
    replicate = std::make_unique<BackgroundProcess>(keep, log);
    start();
  }
  fs::path index() const { return site.dir / name / "index"; }
  void start() {
    server = std::make_unique<ServerProcess>(std::vector<std::string>{
        "--index", index().string(), "--data", (site.dir / name / "data").string(), "--stats-db", stats_db,
        "--session-timeout", "1", "--admin-token", kToken, "--threads", "4"});
  }
  int port() const { return server->port(); }
};

json admin_json(int port, const std::string& path) {
  httplib::Client cli("127.0.0.1", port);
  const auto res = cli.Get(path.c_str(), {{"Authorization", std::string("Bearer ") + kToken}});
  REQUIRE(res);
  INFO(res->body);
  REQUIRE(res->status == 200);
  return json::parse(res->body);
}

bool serves(int port, const std::string& query, const std::string& slug) {
  httplib::Client cli("127.0.0.1", port);
  const auto res = cli.Get(("/api/search?q=" + query).c_str());
  return res && res->status == 200 && res->body.find("\"slug\":\"" + slug + "\"") != std::string::npos;
}

}  // namespace

TEST_CASE("two replicas on PostgreSQL and Xapian replication count one population exactly, across a crash",
          "[scaleout][slow]") {
  Postgres pg;
  Site site;
  Replica a("a", site, pg.uri());
  Replica b("b", site, pg.uri());

  // A writer adds an article: both replicas serve it after the next revision.
  REQUIRE_FALSE(serves(a.port(), "quokka", "quokka-badge"));
  site.dir.write("articles/quokka-badge.md",
                 "---\ntitle: \"Quokka badge reader blinks red\"\nsummary: \"When the door's badge reader refuses you.\"\n"
                 "category: hardware\ntags: [badge]\nupdated: 2026-05-01\n---\n## Symptoms\n\nThe quokka badge reader "
                 "at the door blinks red.\n");
  const auto committed = Clock::now();
  site.index();
  for (Replica* r : {&a, &b}) {
    const bool served = wait_until([&] { return serves(r->port(), "quokka", "quokka-badge"); }, std::chrono::seconds(20)).has_value();
    const auto lag = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - committed).count();
    std::fprintf(stderr, "scaleout: replica %s serves the new article %lld ms after kb-index returned\n", r->name.c_str(),
                 static_cast<long long>(lag));
    CHECK(served);
  }

  // The population, each session's requests alternating between replicas.
  const int n = 3;
  const std::vector<int> both{a.port(), b.port()};
  std::set<std::string> references;
  for (int i = 0; i < n; ++i) searches_and_reads(both);
  for (int i = 0; i < n; ++i) references.insert(finds_nothing_and_files_a_ticket(both));
  // Acknowledged: tickets answered 201, events older than the flush interval.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  a.server->kill_hard();
  const std::vector<int> survivor{b.port()};
  for (int i = 0; i < n; ++i) references.insert(reads_then_files_a_ticket(survivor));
  for (int i = 0; i < n; ++i) reads_and_votes_yes(survivor);
  for (int i = 0; i < n; ++i) opens_form_clicks_suggestion_leaves(survivor);
  CHECK(serves(b.port(), "quokka", "quokka-badge"));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // every session ends (timeout 1 s)

  // Replica a back from its crash: either replica gives the same, exact figures.
  a.start();
  for (const int port : {a.port(), b.port()}) {
    INFO("replica on port " << port);
    check_stats(admin_json(port, "/api/stats"), n);
  }
  // Ticket references are unique across replicas, and every one given out is stored.
  CHECK(references.size() == static_cast<std::size_t>(2 * n));
  const json tickets = admin_json(a.port(), "/api/tickets");
  std::set<std::string> stored;
  for (const auto& t : tickets["tickets"]) stored.insert(t["reference"].get<std::string>());
  CHECK(stored == references);
}

TEST_CASE("a staff sign-out on one replica ends the cookie on the others within seconds", "[scaleout]") {
  Postgres pg;
  Site site;
  Replica a("a", site, pg.uri());
  Replica b("b", site, pg.uri());
  Browser staff(a.port());
  REQUIRE(staff.post_form("/stats/login", {{"token", kToken}})->status == 303);
  const std::string cookie = staff.cookie("kb_admin");
  REQUIRE_FALSE(cookie.empty());
  auto on_b = [&] {
    Browser copy(b.port());
    copy.set_cookie("kb_admin", cookie);
    return copy.get("/stats")->status;
  };
  REQUIRE(on_b() == 200);  // one secret: a sign-in holds on every replica
  REQUIRE(staff.get("/stats")->status == 200);
  REQUIRE(staff.post_form("/stats/logout", {{"csrf", staff.csrf()}})->status == 303);
  // Replica b reloads the list every 3 s; the wait allows for a slow machine.
  CHECK(wait_until([&] { return on_b() == 401; }, std::chrono::seconds(20)).has_value());
}
