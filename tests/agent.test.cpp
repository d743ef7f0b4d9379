/** @file agent.test.cpp
 *  @brief Integration: the agent view, suggestions for a ticket, section
 *  text, and tracking of the links agents send.
 */
#include "support/browser.h"
#include "support/search_site.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

using namespace kb::test;
using Catch::Matchers::Contains;
using nlohmann::json;

namespace {

constexpr const char* kAgent = "agent-secret-5e81c2";
constexpr const char* kAdmin = "admin-secret-0b7d94";

/// The search fixture, indexed, with this test's server arguments.
struct Site : SearchSite {
  std::vector<std::string> args() const {
    return {"--index", (dir / "index").string(), "--data", (dir / "data").string(), "--agent-token", kAgent,
            "--admin-token", kAdmin, "--session-timeout", "1"};
  }
};

httplib::Headers bearer(const char* token) { return {{"Authorization", std::string("Bearer ") + token}}; }

/// The query of the links the server gives agents for @p ticket
/// ("?ref=agent&ticket=…&sig=…"), as a help-desk integration gets them.
std::string agent_link_query(int port, const std::string& ticket) {
  httplib::Client cli("127.0.0.1", port);
  const json body = {{"subject", "printer offline"}, {"ticket", ticket}};
  const auto res = cli.Post("/api/suggest-for-ticket", bearer(kAgent), body.dump(), "application/json");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  const std::string url = json::parse(res->body)["suggestions"].at(0)["url"];
  REQUIRE(url.find('?') != std::string::npos);
  return url.substr(url.find('?'));
}

/// "[0-9a-f]{16}": the signature an agent link ends in.
const std::string kSig = "&(amp;)?sig=[0-9a-f]{16}";

}  // namespace

TEST_CASE("agents find, copy and track links", "[agent]") {
  Site site;
  ServerProcess server(site.args());
  httplib::Client cli("127.0.0.1", server.port());
  cli.set_url_encode(false);

  SECTION("the agent view needs the agent token, not the admin's") {
    Browser b(server.port());
    auto page = b.get("/agent");
    REQUIRE(page);
    CHECK(page->status == 401);
    CHECK_THAT(page->body, Contains("action=\"/agent/login\""));
    REQUIRE(b.post_form("/agent/login", {{"token", kAdmin}}));
    CHECK(b.get("/agent")->status == 401);
    const auto login = b.post_form("/agent/login", {{"token", kAgent}});
    REQUIRE(login);
    CHECK(login->status == 303);
    page = b.get("/agent?q=restart+spooler&ticket=T-42");
    REQUIRE(page);
    CHECK(page->status == 200);
    const std::string origin = "http://127.0.0.1:" + std::to_string(server.port());
    const std::string link = origin + "/articles/printer-offline\\?ref=agent&amp;ticket=T-42" + kSig + "#step-2-restart-the-spooler";
    CHECK(std::regex_search(page->body, std::regex("value=\"" + link + "\"")));
    CHECK(std::regex_search(page->body, std::regex("value=\"\\[Printer shows offline › Step 2: Restart the spooler\\]\\(" + link + "\\)\"")));
    CHECK_THAT(page->body, Contains("<tr class=\"best\" data-anchor=\"step-2-restart-the-spooler\">"));
    // A typo in the ticket's words is corrected as on the public pages, the ticket kept.
    const auto typo = b.get("/agent?q=restart+spoolr&ticket=T-42");
    REQUIRE(typo);
    CHECK_THAT(typo->body, Contains("Showing results for <a href=\"/agent?q=restart"));
    CHECK_THAT(typo->body, Contains("spooler&amp;ticket=T-42\"><em>restart spooler</em></a>"));
    CHECK_THAT(typo->body, Contains("&amp;as_typed=1&amp;ticket=T-42\">restart spoolr</a>"));
    // The article opens beside the ticket, for reading before pasting.
    CHECK_THAT(page->body, Contains("<h2><a href=\"/articles/printer-offline\" target=\"_blank\" rel=\"noopener\">Printer shows offline</a></h2>"));
  }
  SECTION("suggestions for a ticket's text, error codes first") {
    const json body = {{"subject", "Cannot install the VPN client"}, {"body", "It fails with 0x80070005 after a minute."}};
    auto res = cli.Post("/api/suggest-for-ticket", bearer(kAgent), body.dump(), "application/json");
    REQUIRE(res);
    REQUIRE(res->status == 200);
    const json s = json::parse(res->body);
    CHECK(s["suggestions"][0]["slug"] == "install-fails");
    CHECK(s["suggestions"][0]["section"]["anchor"] == "symptoms");
    res = cli.Post("/api/suggest-for-ticket", bearer(kAdmin), body.dump(), "application/json");
    REQUIRE(res);
    CHECK(res->status == 401);
    res = cli.Post("/api/suggest-for-ticket", bearer(kAgent), "{}", "application/json");
    REQUIRE(res);
    CHECK(res->status == 400);
  }
  SECTION("links suggested for a ticket are tracked like the agent view's") {
    const std::string origin = "http://127.0.0.1:" + std::to_string(server.port());
    json body = {{"subject", "Cannot install the VPN client"}, {"body", "It fails with 0x80070005."}};
    auto res = cli.Post("/api/suggest-for-ticket", bearer(kAgent), body.dump(), "application/json");
    REQUIRE(res);
    REQUIRE(res->status == 200);
    json s = json::parse(res->body);
    const std::string url = s["suggestions"][0]["url"];
    CHECK(std::regex_match(url, std::regex(origin + "/articles/install-fails\\?ref=agent" + kSig)));
    CHECK(s["suggestions"][0]["section"]["url"] == url + "#symptoms");
    body["ticket"] = "ZD 7&x";
    res = cli.Post("/api/suggest-for-ticket", bearer(kAgent), body.dump(), "application/json");
    REQUIRE(res);
    REQUIRE(res->status == 200);
    s = json::parse(res->body);
    const std::string with_ticket = s["suggestions"][0]["url"];
    CHECK(std::regex_match(with_ticket, std::regex(origin + "/articles/install-fails\\?ref=agent&ticket=ZD\\+7%26x" + kSig)));
    CHECK(s["suggestions"][0]["section"]["url"] == with_ticket + "#symptoms");
    // Each ticket its own signature.
    CHECK(with_ticket.substr(with_ticket.size() - 16) != url.substr(url.size() - 16));
  }
  SECTION("a section's text for a reply") {
    const auto res = cli.Get("/api/agent/section?slug=printer-offline&anchor=step-2-restart-the-spooler", bearer(kAgent));
    REQUIRE(res);
    REQUIRE(res->status == 200);
    const std::string text = json::parse(res->body)["text"];
    CHECK_THAT(text, Contains("Step 2: Restart the spooler\n\n    Restart-Service -Name Spooler"));
    CHECK(cli.Get("/api/agent/section?slug=printer-offline&anchor=nope", bearer(kAgent))->status == 404);
    // The "(whole article)" row: every section, not only the lead.
    const auto whole = cli.Get("/api/agent/section?slug=printer-offline&anchor=", bearer(kAgent));
    REQUIRE(whole);
    REQUIRE(whole->status == 200);
    const std::string all = json::parse(whole->body)["text"];
    CHECK_THAT(all, Contains("Step 2: Restart the spooler\n\n    Restart-Service -Name Spooler"));
    CHECK(all.size() > text.size());
  }
  SECTION("staff reading the help centre are no help sessions") {
    Browser agent(server.port());
    REQUIRE(agent.post_form("/agent/login", {{"token", kAgent}}));
    Browser admin(server.port());
    REQUIRE(admin.post_form("/stats/login", {{"token", kAdmin}}));
    for (Browser* staff : {&agent, &admin}) {
      REQUIRE(staff->get("/search?q=printer+offline")->status == 200);
      REQUIRE(staff->get("/articles/printer-offline")->status == 200);
      CHECK(staff->cookie("kb_session").empty());
    }
    Browser person(server.port());
    REQUIRE(person.get("/search?q=printer+offline")->status == 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(1300));
    const auto res = cli.Get("/api/stats", bearer(kAdmin));
    REQUIRE(res);
    const json stats = json::parse(res->body);
    CHECK(stats["help_sessions"] == 1);  // the person's only
  }
  SECTION("copies, views through agent links and tickets after them are counted") {
    Browser agent(server.port());
    REQUIRE(agent.post_form("/agent/login", {{"token", kAgent}}));
    for (int i = 0; i < 2; ++i) {
      const auto res = agent.post_json("/api/agent/copied", R"({"slug":"printer-offline","kind":"markdown","ticket":"T-42"})");
      REQUIRE(res);
      CHECK(res->status == 200);
    }
    Browser person(server.port());
    REQUIRE(person.get("/articles/printer-offline" + agent_link_query(server.port(), "T-42")));
    REQUIRE(person.post_json("/api/tickets", R"({"subject":"still offline","email":"p@example.com"})")->status == 201);
    Browser other(server.port());
    REQUIRE(other.get("/articles/printer-offline" + agent_link_query(server.port(), "T-43")));
    std::this_thread::sleep_for(std::chrono::milliseconds(1300));
    const auto res = cli.Get("/api/stats", bearer(kAdmin));
    REQUIRE(res);
    const json stats = json::parse(res->body);
    CHECK(stats["agent_links"] == json::array({json{{"slug", "printer-offline"}, {"links_copied", 2}, {"views", 2},
                                                    {"sessions_with_ticket_after", 1}}}));
    // The dashboard shows the same figures, not only the exports.
    Browser admin(server.port());
    REQUIRE(admin.post_form("/stats/login", {{"token", kAdmin}}));
    const auto page = admin.get("/stats");
    REQUIRE(page);
    REQUIRE(page->status == 200);
    CHECK_THAT(page->body, Contains("<h2>Links agents sent</h2>"));
    CHECK_THAT(page->body, Contains("<tr><td><a href=\"/articles/printer-offline\">printer-offline</a></td><td>2</td>"
                                    "<td>2</td><td>1</td></tr>"));
    // Each agent link's row in the events CSV names its ticket.
    const auto csv = cli.Get("/api/stats/export?kind=events", bearer(kAdmin));
    REQUIRE(csv);
    REQUIRE(csv->status == 200);
    CHECK_THAT(csv->body, Contains(",ticket_id,ticket_ref\r\n"));
    CHECK_THAT(csv->body, Contains(",agent_copy,,,,,,printer-offline,,markdown,,,,T-42\r\n"));
    CHECK_THAT(csv->body, Contains(",view,,,,,,printer-offline,,agent,,,,T-43\r\n"));
  }
  SECTION("?ref=agent that the server did not sign is an ordinary view") {
    const std::string signed_query = agent_link_query(server.port(), "T-7");
    const std::string sig = signed_query.substr(signed_query.size() - 16);
    const std::string forged = sig.substr(0, 15) + (sig.back() == '0' ? "1" : "0");
    // Typed by hand, forged, or the signature of another ticket: none of
    // them may take the person out of the statistics.
    for (const std::string& query : {std::string("?ref=agent&ticket=T-7"), "?ref=agent&ticket=T-7&sig=" + forged,
                                    "?ref=agent&ticket=T-8&sig=" + sig, std::string("?ref=agent")}) {
      Browser person(server.port());
      REQUIRE(person.get("/search?q=printer+offline")->status == 200);
      REQUIRE(person.get("/articles/printer-offline" + query)->status == 200);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1300));
    const auto res = cli.Get("/api/stats", bearer(kAdmin));
    REQUIRE(res);
    const json stats = json::parse(res->body);
    CHECK(stats["help_sessions"] == 4);
    CHECK(stats["agent_links"] == json::array());
  }
}

TEST_CASE("a section copied as text keeps its links' targets and its table's columns", "[agent]") {
  TempDir dir;
  dir.write("articles/network/vpn.md",
            article("Connect to the VPN",
                    "Lead.\n\n## Set up the client\n\nFirst read [the proxy guide](proxy.md#ports) and "
                    "[sign-in help](/articles/sign-in#mfa).\n\n| Setting | Value |\n|---|---|\n| Server | vpn.example.com |\n"
                    "| Port | 443 |\n\n1. Open the client\n   - choose *Add*\n\n## Later\n\nNot copied."));
  dir.write("articles/network/proxy.md", article("Proxy settings", "## Ports\n\n8080.", "slug: proxy-settings\n"));
  std::string out;
  REQUIRE(run_program({KB_INDEX_BIN, "--articles", (dir / "articles").string(), "--index", (dir / "index").string(), "-q"},
                      out) == 0);
  ServerProcess server({"--index", (dir / "index").string(), "--data", (dir / "data").string(), "--agent-token", kAgent});
  httplib::Client cli("127.0.0.1", server.port());
  const auto res = cli.Get("/api/agent/section?slug=vpn&anchor=set-up-the-client",
                           {{"Authorization", std::string("Bearer ") + kAgent}, {"Host", "help.example.com"}});
  REQUIRE(res);
  REQUIRE(res->status == 200);
  const std::string text = json::parse(res->body)["text"];
  CHECK(text ==
        "Set up the client\n"
        "\n"
        "First read the proxy guide (http://help.example.com/articles/proxy-settings#ports) and "
        "sign-in help (http://help.example.com/articles/sign-in#mfa).\n"
        "\n"
        "Setting | Value\n"
        "------- | ---------------\n"
        "Server  | vpn.example.com\n"
        "Port    | 443\n"
        "\n"
        "1. Open the client\n"
        "   - choose Add");
}

TEST_CASE("the agent view speaks the agent's language", "[agent]") {
  Site site;
  ServerProcess server(site.args());
  Browser agent(server.port());
  const httplib::Headers korean{{"Accept-Language", "ko-KR,ko;q=0.9,en;q=0.5"}};
  const auto login = agent.get("/agent", korean);
  REQUIRE(login);
  CHECK(login->status == 401);
  CHECK_THAT(login->body, Contains("<h1 id=\"login-title\">상담원 검색: 로그인</h1>"));
  CHECK_THAT(login->body, Contains("<label for=\"token\">상담원 토큰</label>"));
  const auto wrong = agent.post_form("/agent/login", {{"token", "not-it"}}, korean);
  REQUIRE(wrong);
  CHECK_THAT(wrong->body, Contains("토큰이 올바르지 않습니다"));
  REQUIRE(agent.post_form("/agent/login", {{"token", kAgent}})->status == 303);

  const auto page = agent.get("/agent?q=restart+spoolr&ticket=T-42", korean);
  REQUIRE(page);
  REQUIRE(page->status == 200);
  const std::string& html = page->body;
  CHECK_THAT(html, Contains("<html lang=\"ko\">"));
  CHECK_THAT(html, Contains("<h1 id=\"agent-title\">상담원 검색</h1>"));
  CHECK_THAT(html, Contains("<label for=\"agent-ticket\">티켓 ID (링크에 포함됨)</label>"));
  CHECK_THAT(html, Contains("<th>섹션</th><th>복사</th>"));
  CHECK_THAT(html, Contains("<td>(문서 전체)</td>"));
  CHECK_THAT(html, Contains("aria-label=\"Step 2: Restart the spooler 링크\""));
  CHECK_THAT(html, Contains("aria-label=\"Step 2: Restart the spooler Markdown 링크\""));
  CHECK_THAT(html, Contains("검색 결과를 표시합니다. 입력한 검색어로 검색: <a href=\"/agent?q=restart"));
  CHECK_THAT(html, Contains(">로그아웃</button>"));
  // The copy buttons' names and the stale-ticket notice, for the page's script.
  CHECK_THAT(html, Contains("\"agent_copy_text\":\"텍스트\""));
  CHECK_THAT(html, Contains("\"agent_ticket_stale\":\"아래 링크에는 아직 이전 티켓 번호({ticket})가"));
  for (const char* english : {"Agent search", "Ticket ID", ">Section<", "(whole article)", "Link to ", "Markdown link to ",
                              "Showing results for", "Sign out", "The links below"}) {
    INFO(english);
    CHECK_THAT(html, !Contains(english));
  }
  const auto none = agent.get("/agent?q=zzqqxxyy", korean);
  REQUIRE(none);
  CHECK_THAT(none->body, Contains("<p>일치하는 문서가 없습니다</p>"));
  CHECK_THAT(none->body, !Contains("No articles match."));
  // Other pages do not carry the agent view's strings.
  const auto search = agent.get("/search?q=printer", korean);
  REQUIRE(search);
  CHECK_THAT(search->body, !Contains("agent_copy_text"));
}

TEST_CASE("the staff sign-in pages speak the person's language, the statistics' and a switched-off agent view's", "[agent]") {
  const httplib::Headers korean{{"Accept-Language", "ko"}};
  const httplib::Headers japanese{{"Accept-Language", "ja"}};
  {
    Site site;
    ServerProcess server(site.args());
    Browser staff(server.port());
    const auto ko = staff.get("/stats", korean);
    REQUIRE(ko);
    CHECK(ko->status == 401);
    CHECK_THAT(ko->body, Contains("<h1 id=\"login-title\">통계: 로그인</h1>"));
    CHECK_THAT(ko->body, !Contains("Statistics"));
    const auto en = staff.get("/stats");
    REQUIRE(en);
    CHECK_THAT(en->body, Contains("<h1 id=\"login-title\">Statistics – sign in</h1>"));
  }
  Site site;
  ServerProcess server({"--index", (site.dir / "index").string(), "--data", (site.dir / "data").string()});
  Browser agent(server.port());
  const auto off = agent.post_form("/agent/login", {{"token", "anything-at-all-here"}}, japanese);
  REQUIRE(off);
  CHECK(off->status == 403);
  CHECK_THAT(off->body, Contains("担当者用の機能は無効です。kb-server を --agent-token TOKEN を付けて起動してください。"));
  CHECK_THAT(off->body, !Contains("Agent features are off"));
}

TEST_CASE("without an agent token the agent features say how to turn them on", "[agent]") {
  Site site;
  ServerProcess server({"--index", (site.dir / "index").string(), "--data", (site.dir / "data").string()});
  httplib::Client cli("127.0.0.1", server.port());
  const auto res = cli.Post("/api/suggest-for-ticket", bearer("x"), "{\"subject\":\"x\"}", "application/json");
  REQUIRE(res);
  CHECK(res->status == 403);
  CHECK_THAT(res->body, Contains("--agent-token"));
}

TEST_CASE("kb-index suggest reads a ticket from standard input", "[agent]") {
  Site site;
  const auto ticket = site.dir.write("ticket.txt", "Installer stopped\nIt said 0x80070005 and quit.\n");
  std::string out;
  REQUIRE(run_program({"/bin/sh", "-c", std::string(KB_INDEX_BIN) + " suggest --index " + (site.dir / "index").string() +
                                           " < " + ticket.string()},
                      out) == 0);
  CHECK_THAT(out, Contains("\t/articles/install-fails#symptoms\tSoftware installation fails › Symptoms\n"));
}

TEST_CASE("kb-index warns when a section agents linked to disappears", "[agent]") {
  TempDir dir;
  std::filesystem::copy(std::filesystem::path(KB_FIXTURES_DIR) / "search", dir / "articles",
                        std::filesystem::copy_options::recursive);
  const std::vector<std::string> index_cmd{KB_INDEX_BIN, "--articles", (dir / "articles").string(), "--index",
                                           (dir / "index").string(), "--data", (dir / "data").string()};
  std::string out;
  REQUIRE(run_program(index_cmd, out) == 0);
  {
    ServerProcess server({"--index", (dir / "index").string(), "--data", (dir / "data").string(), "--agent-token", kAgent});
    Browser agent(server.port());
    REQUIRE(agent.post_form("/agent/login", {{"token", kAgent}}));
    REQUIRE(agent.post_json("/api/agent/copied",
                            R"({"slug":"printer-offline","anchor":"step-2-restart-the-spooler","kind":"link"})")->status == 200);
    REQUIRE(agent.post_json("/api/agent/copied", R"({"slug":"keyboard","kind":"markdown"})")->status == 200);
  }
  // The writer renames a heading and deletes an article.
  const auto printer = dir / "articles" / "printer-offline.md";
  std::string text;
  {
    std::ifstream in(printer);
    std::stringstream buf;
    buf << in.rdbuf();
    text = std::regex_replace(buf.str(), std::regex("## Step 2: Restart the spooler"), "## Step 2: Restart the print service");
  }
  std::ofstream(printer) << text;
  std::filesystem::remove(dir / "articles" / "keyboard.md");
  REQUIRE(run_program(index_cmd, out) == 0);
  CHECK_THAT(out, Contains("agents sent links to /articles/printer-offline#step-2-restart-the-spooler (1 times), but the "
                           "article has no heading with that anchor now"));
  CHECK_THAT(out, Contains("agents sent links to /articles/keyboard (1 times), but no article or alias has that slug now"));
}

TEST_CASE("staff arriving from another site (no Strict sign-in cookie) are still not counted", "[agent]") {
  Site site;
  ServerProcess server(site.args());
  httplib::Client cli("127.0.0.1", server.port());
  Browser agent(server.port());
  REQUIRE(agent.post_form("/agent/login", {{"token", kAgent}}));
  Browser admin(server.port());
  REQUIRE(admin.post_form("/stats/login", {{"token", kAdmin}}));
  for (Browser* staff : {&agent, &admin}) {
    const std::string marker = staff->cookie("kb_staff");
    REQUIRE_FALSE(marker.empty());
    // A link followed from the help desk: a browser sends only its Lax
    // cookies, so kb_agent / kb_admin (Strict) are missing.
    Browser from_help_desk(server.port());
    from_help_desk.set_cookie("kb_staff", marker);
    REQUIRE(from_help_desk.get("/articles/printer-offline")->status == 200);
    CHECK(from_help_desk.cookie("kb_session").empty());
    // It grants nothing else.
    CHECK(from_help_desk.get("/stats")->status == 401);
  }
  Browser forged(server.port());
  forged.set_cookie("kb_staff", std::string(64, 'a'));
  REQUIRE(forged.get("/articles/printer-offline")->status == 200);
  CHECK_FALSE(forged.cookie("kb_session").empty());
  // Signing out clears it, unless the browser is still signed in as the
  // other kind of staff.
  const std::string marker = agent.cookie("kb_staff");
  REQUIRE(agent.get("/agent")->status == 200);
  REQUIRE(agent.post_form("/agent/logout", {{"csrf", agent.csrf()}})->status == 303);
  CHECK(agent.cookie("kb_staff").empty());
  REQUIRE(admin.post_form("/agent/logout", {}));
  CHECK_FALSE(admin.cookie("kb_staff").empty());
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  const auto res = cli.Get("/api/stats", bearer(kAdmin));
  REQUIRE(res);
  CHECK(json::parse(res->body)["help_sessions"] == 1);  // the forged one's only
  // New tokens (an agent who left): the old marker no longer exempts.
  server.stop();
  std::vector<std::string> rotated = site.args();
  for (auto& arg : rotated) {
    if (arg == kAgent) arg = "a-new-agent-token";
  }
  ServerProcess restarted(rotated);
  Browser former_agent(restarted.port());
  former_agent.set_cookie("kb_staff", marker);
  REQUIRE(former_agent.get("/articles/printer-offline")->status == 200);
  CHECK_FALSE(former_agent.cookie("kb_session").empty());
}

TEST_CASE("an article renamed with an alias keeps its figures under its new slug", "[agent]") {
  TempDir dir;
  std::filesystem::copy(std::filesystem::path(KB_FIXTURES_DIR) / "search", dir / "articles",
                        std::filesystem::copy_options::recursive);
  const std::vector<std::string> index_cmd{KB_INDEX_BIN, "--articles", (dir / "articles").string(), "--index",
                                           (dir / "index").string(), "-q"};
  std::string out;
  REQUIRE(run_program(index_cmd, out) == 0);
  const std::vector<std::string> server_args{"--index", (dir / "index").string(), "--data", (dir / "data").string(),
                                             "--agent-token", kAgent, "--admin-token", kAdmin, "--session-timeout", "1"};
  {
    ServerProcess server(server_args);
    Browser agent(server.port());
    REQUIRE(agent.post_form("/agent/login", {{"token", kAgent}}));
    REQUIRE(agent.post_json("/api/agent/copied", R"({"slug":"keyboard","kind":"link","ticket":"T-1"})")->status == 200);
    Browser person(server.port());
    REQUIRE(person.get("/articles/keyboard" + agent_link_query(server.port(), "T-1"))->status == 200);
  }
  // The writer renames it, keeping the old slug as an alias.
  const auto file = dir / "articles" / "keyboard.md";
  std::string text;
  {
    std::ifstream in(file);
    std::stringstream buf;
    buf << in.rdbuf();
    text = std::regex_replace(buf.str(), std::regex("\n---\n"), "\nslug: keyboard-layout\naliases: [keyboard]\n---\n", std::regex_constants::format_first_only);
  }
  std::ofstream(file) << text;
  REQUIRE(run_program(index_cmd, out) == 0);
  ServerProcess server(server_args);
  Browser person(server.port());
  // A link pasted into the ticket before the rename, signed then: the
  // secret outlives the restart.
  const std::string query = agent_link_query(server.port(), "T-1");
  const auto moved = person.get("/articles/keyboard" + query);
  REQUIRE(moved);
  REQUIRE(moved->status == 301);
  CHECK(moved->get_header_value("Location") == "/articles/keyboard-layout" + query);
  REQUIRE(person.get("/articles/keyboard-layout" + query)->status == 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  httplib::Client cli("127.0.0.1", server.port());
  const auto res = cli.Get("/api/stats", bearer(kAdmin));
  REQUIRE(res);
  const json stats = json::parse(res->body);
  CHECK(stats["agent_links"] == json::array({json{{"slug", "keyboard-layout"}, {"links_copied", 1}, {"views", 2},
                                                  {"sessions_with_ticket_after", 0}}}));
}

TEST_CASE("signing out needs the page's token: another site cannot sign staff out", "[agent]") {
  Site site;
  ServerProcess server(site.args());
  Browser staff(server.port());
  REQUIRE(staff.post_form("/agent/login", {{"token", kAgent}})->status == 303);
  REQUIRE(staff.post_form("/stats/login", {{"token", kAdmin}})->status == 303);
  const std::string agent_cookie = staff.cookie("kb_agent");
  const std::string admin_cookie = staff.cookie("kb_admin");
  const std::string staff_cookie = staff.cookie("kb_staff");
  REQUIRE_FALSE(staff_cookie.empty());
  for (const char* path : {"/stats/logout", "/agent/logout"}) {
    INFO(path);
    // A form on another site, sent automatically: a browser sends the
    // cookies (as this client does) without the page's token, and says
    // where the form was.
    for (const httplib::Headers& from : {httplib::Headers{}, httplib::Headers{{"Sec-Fetch-Site", "cross-site"}},
                                         httplib::Headers{{"Origin", "http://evil.example"}}}) {
      const auto res = staff.post_form(path, {}, from);
      REQUIRE(res);
      CHECK(res->status == 403);
      CHECK(staff.cookie("kb_agent") == agent_cookie);
      CHECK(staff.cookie("kb_admin") == admin_cookie);
      CHECK(staff.cookie("kb_staff") == staff_cookie);
    }
    // A browser that does not send the Strict sign-in cookies along
    // (what a browser does for another site's form) signs nobody out.
    Browser elsewhere(server.port());
    elsewhere.set_cookie("kb_staff", staff_cookie);
    const auto res = elsewhere.post_form(path, {}, {{"Sec-Fetch-Site", "cross-site"}});
    REQUIRE(res);
    CHECK(res->get_header_value_count("Set-Cookie") == 0);
  }
  REQUIRE(staff.get("/agent")->status == 200);
  REQUIRE(staff.get("/stats")->status == 200);
  // From the dashboard's own page: signed out of it, still staff as an agent.
  const auto out = staff.post_form("/stats/logout", {{"csrf", staff.csrf()}}, {{"Sec-Fetch-Site", "same-origin"}});
  REQUIRE(out);
  CHECK(out->status == 303);
  CHECK(staff.cookie("kb_admin").empty());
  CHECK(staff.cookie("kb_staff") == staff_cookie);
  CHECK(staff.get("/stats")->status == 401);
  REQUIRE(staff.get("/agent")->status == 200);
  REQUIRE(staff.post_form("/agent/logout", {{"csrf", staff.csrf()}})->status == 303);
  CHECK(staff.cookie("kb_agent").empty());
  CHECK(staff.cookie("kb_staff").empty());
}
