/** @file search_http.test.cpp
 *  @brief Integration: the search ladder's user-visible behaviour over HTTP
 *  (rungs, sections, suggestions, languages, explanations, synonyms
 *  reloaded with the index, proposals accepted from the admin page).
 */
#include "support/browser.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

using namespace kb::test;
using Catch::Matchers::Contains;
using nlohmann::json;

namespace {

constexpr const char* kToken = "search-admin-token-3c9a";

struct Site {
  TempDir dir;
  Site() {
    std::filesystem::copy(std::filesystem::path(KB_FIXTURES_DIR) / "ladder", dir / "articles",
                          std::filesystem::copy_options::recursive);
    REQUIRE(reindex() == 0);
  }
  int reindex() {
    std::string out;
    return run_program({KB_INDEX_BIN, "--articles", (dir / "articles").string(), "--index", (dir / "index").string(), "-q"}, out);
  }
  std::vector<std::string> args() const {
    return {"--index", (dir / "index").string(), "--data", (dir / "data").string(), "--admin-token", kToken,
            "--articles", (dir / "articles").string(), "--session-timeout", "1", "--insights-interval", "1"};
  }
};

json get(httplib::Client& cli, const std::string& path, httplib::Headers headers = {}) {
  const auto res = cli.Get(path.c_str(), headers);
  REQUIRE(res);
  INFO(path << " -> " << res->status << " " << res->body);
  REQUIRE(res->status == 200);
  return json::parse(res->body);
}

}  // namespace

TEST_CASE("search over HTTP: rungs, sections, languages, explanations", "[search_http]") {
  Site site;
  ServerProcess server(site.args());
  httplib::Client cli("127.0.0.1", server.port());
  cli.set_url_encode(false);

  SECTION("the rung and the best section come with each answer") {
    const json r = get(cli, "/api/search?q=wifi+network");
    CHECK(r["rung"] == "synonyms");
    CHECK(r["results"][0]["slug"] == "wireless");
    const json s = get(cli, "/api/search?q=forget+rejoin");
    CHECK(s["results"][0]["section"] == json{{"heading", "Forget and rejoin"}, {"anchor", "forget-and-rejoin"},
                                            {"url", "/articles/wireless#forget-and-rejoin"}});
    const json c = get(cli, "/api/search?q=wireles");
    CHECK(c["rung"] == "corrected");
    CHECK(c["corrected_query"] == "wireless");
  }
  SECTION("the results page says which rung answered and links the section") {
    Browser b(server.port());
    auto page = b.get("/search?q=wifi+network");
    REQUIRE(page);
    CHECK_THAT(page->body, Contains("showing articles that use words with the same meaning"));
    page = b.get("/search?q=forget+rejoin");
    REQUIRE(page);
    CHECK_THAT(page->body, Contains("#forget-and-rejoin\" lang=\"en\">Connect to the wireless network</a>"));
    CHECK_THAT(page->body, Contains("§ Forget and rejoin"));
    page = b.get("/search?q=wireless+xylophone");
    REQUIRE(page);
    CHECK_THAT(page->body, Contains("No article contains all of your words"));
  }
  SECTION("Accept-Language picks the version of a translated article") {
    CHECK(get(cli, "/api/search?q=vpn")["results"][0]["slug"] == "vpn-setup");
    const json ko = get(cli, "/api/search?q=vpn", {{"Accept-Language", "ko-KR,ko;q=0.9,en;q=0.5"}});
    CHECK(ko["results"][0]["slug"] == "vpn-setup-ko");
    CHECK(ko["language"] == "ko");
    // Articles offered when nothing matched: one version, the reader's.
    const json none = get(cli, "/api/search?q=xyzzyqqq", {{"Accept-Language", "ko-KR,ko;q=0.9,en;q=0.5"}});
    std::vector<std::string> offered;
    for (const auto& a : none["popular"]) offered.push_back(a["slug"]);
    CHECK(std::count(offered.begin(), offered.end(), "vpn-setup-ko") == 1);
    CHECK(std::count(offered.begin(), offered.end(), "vpn-setup") == 0);
    // Completions too: the reader's version, not the original's.
    const json typed = get(cli, "/api/suggest?q=vp", {{"Accept-Language", "ko-KR,ko;q=0.9,en;q=0.5"}});
    REQUIRE_FALSE(typed["suggestions"].empty());
    CHECK(typed["suggestions"][0]["slug"] == "vpn-setup-ko");
    CHECK(get(cli, "/api/suggest?q=vp")["suggestions"][0]["slug"] == "vpn-setup");
  }
  SECTION("explanations are for admins") {
    auto res = cli.Get("/api/search?q=wireless&explain=1");
    REQUIRE(res);
    CHECK(res->status == 401);
    const json e = get(cli, "/api/search?q=wireless&explain=1", {{"Authorization", std::string("Bearer ") + kToken}});
    CHECK(e["results"][0]["explain"]["rung"] == "all");
    CHECK_FALSE(e["results"][0]["explain"]["matched_terms"].empty());
    // Where the search's time went: every stage, none beyond the whole.
    const json& stages = e["stages_ms"];
    double sum = 0;
    for (const char* stage : {"words", "ladder", "match", "reorder", "hits"}) {
      REQUIRE(stages.contains(stage));
      CHECK(stages[stage].get<double>() >= 0);
      sum += stages[stage].get<double>();
    }
    CHECK(stages["match"].get<double>() > 0);
    CHECK(sum <= e["took_ms"].get<double>());
    CHECK_FALSE(get(cli, "/api/search?q=wireless").contains("stages_ms"));
  }
  SECTION("autocomplete: titles by prefix, bad input refused") {
    const json s = get(cli, "/api/suggest?q=wirel");
    REQUIRE_FALSE(s["suggestions"].empty());
    CHECK(s["suggestions"][0] == json{{"text", "Connect to the wireless network"}, {"kind", "article"}, {"slug", "wireless"},
                                      {"url", "/articles/wireless"}, {"lang", "en"}});
    CHECK(get(cli, "/api/suggest?q=")["suggestions"].empty());
    auto res = cli.Get(("/api/suggest?q=" + std::string(300, 'a')).c_str());
    REQUIRE(res);
    CHECK(res->status == 400);
    res = cli.Get("/api/suggest?q=%FF");
    REQUIRE(res);
    CHECK(res->status == 400);
  }
}

TEST_CASE("synonyms are reloaded with the index, without a restart", "[search_http]") {
  Site site;
  ServerProcess server(site.args());
  httplib::Client cli("127.0.0.1", server.port());
  cli.set_url_encode(false);
  CHECK(get(cli, "/api/search?q=hotspot")["rung"] == "none");
  std::ofstream(site.dir / "articles" / "_synonyms.yaml", std::ios::app) << "- [hotspot, wireless]\n";
  REQUIRE(site.reindex() == 0);
  const json r = get(cli, "/api/search?q=hotspot");
  CHECK(r["rung"] == "synonyms");
  CHECK(r["results"][0]["slug"] == "wireless");
}

TEST_CASE("reformulations become synonym proposals an admin can accept", "[search_http]") {
  Site site;
  ServerProcess server(site.args());
  {
    Browser person(server.port());
    REQUIRE(person.get("/search?q=hotspot"));  // nothing useful, no click
    const auto found = person.get("/search?q=wireless");
    REQUIRE(found);
    REQUIRE(person.get("/articles/wireless"));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // the session ends
  httplib::Client cli("127.0.0.1", server.port());
  const json p = get(cli, "/api/synonyms/proposals", {{"Authorization", std::string("Bearer ") + kToken}});
  REQUIRE(p["proposals"].size() == 1);
  CHECK(p["proposals"][0] == json{{"from", "hotspot"}, {"to", "wireless"}, {"sessions", 1}});

  Browser admin(server.port());
  REQUIRE(admin.post_form("/stats/login", {{"token", kToken}}));
  const auto page = admin.get("/stats/synonyms");
  REQUIRE(page);
  CHECK_THAT(page->body, Contains("<td>hotspot</td><td>wireless</td>"));
  auto accepted = admin.post_form("/stats/synonyms/accept", {{"csrf", admin.csrf()}, {"from", "hotspot"}, {"to", "wireless"}});
  REQUIRE(accepted);
  CHECK(accepted->status == 303);
  std::ifstream in(site.dir / "articles" / "_synonyms.yaml");
  std::stringstream text;
  text << in.rdbuf();
  CHECK_THAT(text.str(), Contains("- [\"hotspot\", \"wireless\"]\n"));
  CHECK_THAT(text.str(), Contains("# Test synonyms"));  // the writer's comments stay
  const auto forged = admin.post_form("/stats/synonyms/accept", {{"csrf", "x"}, {"from", "a"}, {"to", "b"}});
  REQUIRE(forged);
  CHECK(forged->status == 403);

  // The same proposals from the command line.
  std::string out;
  CHECK(run_program({KB_INDEX_BIN, "synonyms", "--proposals", "--data", (site.dir / "data").string(), "--session-timeout", "1"},
                    out) == 0);
  CHECK(out == "1\thotspot\twireless\n");

  // Accepted, it is proposed no more, though the index does not have it yet.
  CHECK(get(cli, "/api/synonyms/proposals", {{"Authorization", std::string("Bearer ") + kToken}})["proposals"].empty());
  const auto after = admin.get("/stats/synonyms");
  REQUIRE(after);
  CHECK_THAT(after->body, !Contains("<td>hotspot</td>"));
  CHECK(run_program({KB_INDEX_BIN, "synonyms", "--proposals", "--data", (site.dir / "data").string(), "--session-timeout",
                     "1", "--articles", (site.dir / "articles").string()},
                    out) == 0);
  CHECK(out.empty());
}

namespace {

/// Signs @p admin in and opens the synonym proposals page; its form token.
std::string open_proposals(Browser& admin) {
  REQUIRE(admin.post_form("/stats/login", {{"token", kToken}})->status == 303);
  REQUIRE(admin.get("/stats/synonyms")->status == 200);
  std::string csrf = admin.csrf();
  REQUIRE_FALSE(csrf.empty());
  return csrf;
}

/// A session that rewords "hotspot" as "wireless" and reads the answer,
/// ended: a proposal, so that the proposals page has a form to send.
void propose_hotspot(int port) {
  Browser person(port);
  REQUIRE(person.get("/search?q=hotspot"));
  REQUIRE(person.get("/search?q=wireless"));
  REQUIRE(person.get("/articles/wireless"));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
}

}  // namespace

TEST_CASE("accepting a pair twice changes nothing, a pair that would join two groups is refused", "[search_http]") {
  Site site;
  ServerProcess server(site.args());
  const auto file = site.dir / "articles" / "_synonyms.yaml";
  propose_hotspot(server.port());
  Browser admin(server.port());
  const std::string csrf = open_proposals(admin);
  const std::string before = read_text(file);
  for (const auto& [from, to] : {std::pair<std::string, std::string>{"wi-fi", "WIRELESS"}, {"2fa", "mfa"}, {"Wi-Fi", "wi fi"}}) {
    INFO(from << " = " << to);
    const auto res = admin.post_form("/stats/synonyms/accept", {{"csrf", csrf}, {"from", from}, {"to", to}});
    REQUIRE(res);
    CHECK(res->status == 303);
    const auto page = admin.get(res->get_header_value("Location"));
    REQUIRE(page);
    CHECK_THAT(page->body, Contains("already synonyms"));
  }
  CHECK(read_text(file) == before);
  // wlan would join the wifi group, 2fa is in the mfa one: together they
  // would make every Wi-Fi search an MFA search too.
  REQUIRE(admin.post_form("/stats/synonyms/accept", {{"csrf", csrf}, {"from", "wlan"}, {"to", "wifi"}})->status == 303);
  const std::string with_wlan = read_text(file);
  CHECK_THAT(with_wlan, Contains("- [\"wlan\", \"wifi\"]\n"));
  const auto refused = admin.post_form("/stats/synonyms/accept", {{"csrf", csrf}, {"from", "wlan"}, {"to", "2fa"}});
  REQUIRE(refused);
  CHECK(refused->status == 409);
  CHECK_THAT(refused->body, Contains("would merge the two groups"));
  CHECK_THAT(refused->body, Contains("_synonyms.yaml"));
  CHECK(read_text(file) == with_wlan);
  // The same from the command line.
  std::string out;
  CHECK(run_program({KB_INDEX_BIN, "synonyms", "--accept", "WLAN=wireless", "--articles", (site.dir / "articles").string()},
                    out) == 0);
  CHECK_THAT(out, Contains("already synonyms"));
  CHECK(run_program({KB_INDEX_BIN, "synonyms", "--accept", "two-factor=wi-fi", "--articles", (site.dir / "articles").string()},
                    out) == 1);
  CHECK_THAT(out, Contains("would merge the two groups"));
  CHECK(read_text(file) == with_wlan);
  CHECK(site.reindex() == 0);
}

TEST_CASE("accepts at the same moment, from the page and from kb-index, lose nothing", "[search_http]") {
  Site site;
  ServerProcess server(site.args());
  const auto articles = site.dir / "articles";
  const std::string before = read_text(articles / "_synonyms.yaml");
  propose_hotspot(server.port());
  Browser admin(server.port());
  const std::string csrf = open_proposals(admin);
  const std::string cookie = "kb_admin=" + admin.cookie("kb_admin");
  constexpr std::size_t kPage = 30, kCommandLine = 4;
  std::vector<int> statuses(kPage + kCommandLine, -1);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < kPage + kCommandLine; ++i) {
    threads.emplace_back([&, i] {
      const std::string from = "dbl" + std::to_string(i), to = "click" + std::to_string(i);
      if (i >= kPage) {
        std::string out;
        statuses[i] = run_program({KB_INDEX_BIN, "synonyms", "--accept", from + "=" + to, "--articles", articles.string()}, out);
        return;
      }
      httplib::Client cli("127.0.0.1", server.port());
      const auto res = cli.Post("/stats/synonyms/accept", {{"Cookie", cookie}},
                                "csrf=" + csrf + "&from=" + from + "&to=" + to, "application/x-www-form-urlencoded");
      statuses[i] = res ? res->status : -1;
    });
  }
  for (auto& t : threads) t.join();
  for (std::size_t i = 0; i < kPage + kCommandLine; ++i) CHECK(statuses[i] == (i < kPage ? 303 : 0));
  const std::string after = read_text(articles / "_synonyms.yaml");
  CHECK(after.rfind(before, 0) == 0);  // the writer's groups and comments, as they were
  for (std::size_t i = 0; i < kPage + kCommandLine; ++i) {
    CHECK_THAT(after, Contains("- [\"dbl" + std::to_string(i) + "\", \"click" + std::to_string(i) + "\"]\n"));
  }
  CHECK(static_cast<std::size_t>(std::count(after.begin(), after.end(), '\n')) ==
        static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n')) + kPage + kCommandLine);
  // Nothing left behind but the file (and its lock).
  for (const auto& entry : std::filesystem::directory_iterator(articles)) {
    const std::string name = entry.path().filename().string();
    CHECK((name.size() > 3 && name.compare(name.size() - 3, 3, ".md") == 0 || name == "_synonyms.yaml" ||
           name == "._synonyms.yaml.lock"));
  }
  CHECK(site.reindex() == 0);
}

TEST_CASE("popular successful queries complete what is typed", "[search_http]") {
  Site site;
  ServerProcess server(site.args());
  {
    Browser person(server.port());
    REQUIRE(person.get("/search?q=badge+number"));
    REQUIRE(person.get("/articles/wireless"));
  }
  // The session ends after 1 s; insights refresh every second.
  json s;
  httplib::Client cli("127.0.0.1", server.port());
  cli.set_url_encode(false);
  for (int i = 0; i < 40; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    s = get(cli, "/api/suggest?q=badge+nu");
    if (!s["suggestions"].empty()) break;
  }
  REQUIRE_FALSE(s["suggestions"].empty());
  CHECK(s["suggestions"].back() == json{{"text", "badge number"}, {"kind", "query"}, {"url", "/search?q=badge+number"}});
}

TEST_CASE("kb-replay reports how wanted articles move in a new ranking", "[search_http]") {
  Site site;
  {
    ServerProcess server(site.args());
    Browser person(server.port());
    const auto page = person.get("/search?q=forget+rejoin");
    REQUIRE(page);
    std::smatch m;
    REQUIRE(std::regex_search(page->body, m, std::regex("href=\"(/articles/wireless\\?sid=[0-9a-f]+&amp;rank=1)#")));
    REQUIRE(person.get(std::regex_replace(m[1].str(), std::regex("&amp;"), "&")));
  }  // stopping the server writes the events
  std::string out;
  REQUIRE(run_program({KB_REPLAY_BIN, "--data", (site.dir / "data").string(), "--index", (site.dir / "index").string()}, out) == 0);
  CHECK_THAT(out, Contains("| 1 | 1.000 | 1.000 | 0 | 0 | 1 | 0 |"));
}

TEST_CASE("an accept that cannot be written says what and where", "[search_http]") {
  Site site;
  ServerProcess server(site.args());
  propose_hotspot(server.port());
  Browser admin(server.port());
  const std::string csrf = open_proposals(admin);
  // Where the lock file goes stands a folder (file modes do not stop root).
  std::filesystem::create_directory(site.dir / "articles" / "._synonyms.yaml.lock");
  const auto res = admin.post_form("/stats/synonyms/accept", {{"csrf", csrf}, {"from", "hotspot"}, {"to", "wireless"}});
  REQUIRE(res);
  CHECK(res->status == 500);
  CHECK_THAT(res->body, Contains("Not added: cannot create the lock file " + (site.dir / "articles").string() +
                                 "/._synonyms.yaml.lock: Is a directory."));
  CHECK_THAT(read_text(site.dir / "articles" / "_synonyms.yaml"), !Contains("hotspot"));
}
