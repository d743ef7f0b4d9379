/** @file server.test.cpp
 *  @brief Integration: the real kb-index and kb-server binaries, a real
 *  index, HTTP on an ephemeral port.
 */
#include "kb/schema.h"
#include "support/browser.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <sys/wait.h>

#include <thread>

using namespace kb::test;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using nlohmann::json;

namespace {

/// A copy of the search fixtures, indexed with the real kb-index.
struct Site {
  TempDir dir;
  std::string index_output;

  Site() {
    std::filesystem::copy(std::filesystem::path(KB_FIXTURES_DIR) / "search", dir / "articles",
                          std::filesystem::copy_options::recursive);
    REQUIRE(reindex() == 0);
  }
  int reindex() {
    return run_program({KB_INDEX_BIN, "--articles", (dir / "articles").string(), "--index", (dir / "index").string(), "-q"},
                       index_output);
  }
  std::vector<std::string> server_args() const {
    return {"--index", (dir / "index").string(), "--data", (dir / "data").string(), "--threads", "4"};
  }
};

json get_json(httplib::Client& cli, const std::string& path, int expected_status = 200) {
  const auto res = cli.Get(path.c_str());
  REQUIRE(res);
  INFO(path << " -> " << res->body);
  REQUIRE(res->status == expected_status);
  CHECK_THAT(res->get_header_value("Content-Type"), StartsWith("application/json"));
  return json::parse(res->body);
}

}  // namespace

TEST_CASE("kb-index: exit codes, messages and the summary line", "[server][cli]") {
  TempDir dir;
  dir.write("articles/good.md", article("Good", "fine"));
  std::string out;
  const std::vector<std::string> cmd{KB_INDEX_BIN, "--articles", (dir / "articles").string(), "--index",
                                     (dir / "index").string()};
  CHECK(run_program(cmd, out) == 0);
  CHECK_THAT(out, StartsWith("added 1, updated 0, moved 0, renamed 0, removed 0, unchanged 0, skipped 0 in "));

  dir.write("articles/bad.md", "---\ntitle: T\nlang: 42\n---\n");
  CHECK(run_program(cmd, out) == 1);
  CHECK_THAT(out, Contains("bad.md:3: error: front matter: 'lang' is not a BCP 47 language tag: '42'\n"));
  CHECK_THAT(out, Contains("added 0, updated 0, moved 0, renamed 0, removed 0, unchanged 1, skipped 1 in "));

  CHECK(run_program({KB_INDEX_BIN, "--articles", (dir / "missing").string(), "--index", (dir / "index").string()}, out) == 2);
  CHECK_THAT(out, Contains("kb-index: error: articles directory"));
  CHECK(run_program({KB_INDEX_BIN, "--no-such-option"}, out) == 2);
  CHECK(run_program({KB_INDEX_BIN, "--help"}, out) == 0);
  CHECK_THAT(out, Contains("--articles") && Contains("--index") && Contains("Exit codes"));
}

TEST_CASE("kb-server: usage errors", "[server][cli]") {
  std::string out;
  CHECK(run_program({KB_SERVER_BIN, "--help"}, out) == 0);
  for (const char* opt : {"--index", "--data", "--port", "--bind", "KB_PORT"}) CHECK_THAT(out, Contains(opt));
  CHECK(run_program({KB_SERVER_BIN, "--index", "/nonexistent/index", "--port", "0", "--web", KB_WEB_DIR}, out) == 2);
  CHECK_THAT(out, Contains("kb-server: error: cannot open index /nonexistent/index"));
}

TEST_CASE("kb-server over HTTP", "[server]") {
  Site site;
  ServerProcess server(site.server_args());
  httplib::Client cli("127.0.0.1", server.port());
  act_as_browser(cli);
  cli.set_read_timeout(10, 0);
  cli.set_url_encode(false);  // send paths exactly as a browser would

  SECTION("GET /api/search returns the documented JSON") {
    const json j = get_json(cli, "/api/search?q=printer+offline");
    CHECK(j["query"] == "printer offline");
    CHECK(j["total"] == 2);
    CHECK(j["took_ms"].is_number());
    CHECK(j.contains("facets"));
    CHECK(j["facets"]["category"]["printing"] == 1);
    CHECK(j["facets"]["tags"]["network"] == 2);
    CHECK_FALSE(j.contains("corrected_query"));
    const json& first = j["results"].at(0);
    for (const char* key : {"slug", "title", "summary", "url", "snippet", "category", "tags", "lang", "updated", "score"}) {
      CHECK(first.contains(key));
    }
    CHECK(first["slug"] == "printer-offline");
    CHECK(first["url"] == "/articles/printer-offline");
    CHECK(first["tags"] == json::array({"printer", "network"}));
    CHECK_THAT(first["snippet"].get<std::string>(), Contains("<mark>"));
  }
  SECTION("corrections, filters and pages through the API") {
    CHECK(get_json(cli, "/api/search?q=keybord")["corrected_query"] == "keyboard");
    CHECK(get_json(cli, "/api/search?q=network&category=printing")["total"] == 1);
    CHECK(get_json(cli, "/api/search?q=network&tag=checklist")["results"][0]["slug"] == "network-troubleshooting");
    CHECK(get_json(cli, "/api/search?q=printer&per_page=1&page=2")["results"][0]["slug"] == "network-troubleshooting");
    CHECK(get_json(cli, "/api/search?q=%ED%8C%A8%EC%8A%A4%EC%9B%8C%EB%93%9C&lang=ja")["total"] == 0);
    CHECK(get_json(cli, "/api/search?q=%E3%83%91%E3%82%B9%E3%83%AF%E3%83%BC%E3%83%89")["results"][0]["slug"] ==
          "reset-password-ja");
  }
  SECTION("bad search requests get a 400 with a message") {
    for (const std::string& path : std::vector<std::string>{"/api/search?q=x&page=abc", "/api/search?q=x&page=0", "/api/search?q=x&per_page=1000",
                                   "/api/search?q=%FF%FE", "/api/search?q=" + std::string(4097, 'a')}) {
      const json j = get_json(cli, path, 400);
      CHECK(j["error"]["status"] == 400);
      CHECK_FALSE(j["error"]["message"].get<std::string>().empty());
    }
    const auto page = cli.Get("/search?q=%FF");
    REQUIRE(page);
    CHECK(page->status == 400);
    CHECK_THAT(page->body, Contains("not valid UTF-8"));
  }
  SECTION("the results page works without JavaScript") {
    const auto res = cli.Get("/search?q=printer+offline");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK_THAT(res->get_header_value("Content-Type"), StartsWith("text/html"));
    CHECK_THAT(res->body, Contains("2 results for “printer offline”"));
    CHECK_THAT(res->body, Contains("<a href=\"/articles/printer-offline?sid="));
    CHECK_THAT(res->body, Contains("&amp;rank=1\" lang=\"en\">Printer shows offline</a>"));
    CHECK_THAT(res->body, Contains("<form class=\"search-form\" role=\"search\" action=\"/search\" method=\"get\">"));
    const auto typo = cli.Get("/search?q=keybord");
    REQUIRE(typo);
    CHECK_THAT(typo->body, Contains("Showing results for"));
    const auto home = cli.Get("/");
    REQUIRE(home);
    CHECK(home->status == 200);
    CHECK_THAT(home->body, Contains("Keyboard not working"));
    // The newest and the category counts are of the page's language.
    CHECK_THAT(home->body, !Contains("/articles/reset-password-ja\""));
    CHECK_THAT(home->body, Contains("&amp;lang=en\">"));
    const auto japanese = cli.Get("/?ui=ja");
    REQUIRE(japanese);
    CHECK_THAT(japanese->body, Contains("/articles/reset-password-ja\""));
    CHECK_THAT(japanese->body, !Contains("Keyboard not working"));
  }
  SECTION("the article page") {
    const auto res = cli.Get("/articles/printer-offline");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK_THAT(res->body, Contains("<h1>Printer shows offline</h1>"));
    // Absolute, as search engines require: from the Host the page was asked for.
    CHECK_THAT(res->body, Contains("<link rel=\"canonical\" href=\"http://127.0.0.1:" + std::to_string(server.port()) +
                                   "/articles/printer-offline\">"));
    // The page is rendered once; each request's own Host is filled in.
    for (const std::string host : {"help.example.org", "support.example.net"}) {
      const auto other = cli.Get("/articles/printer-offline", {{"Host", host}});
      REQUIRE(other);
      CHECK_THAT(other->body, Contains("<link rel=\"canonical\" href=\"http://" + host + "/articles/printer-offline\">"));
    }
    CHECK_THAT(res->body, Contains("id=\"step-2-restart-the-spooler\" href=\"#step-2-restart-the-spooler\""));
    CHECK_THAT(res->body, Contains("<a href=\"#step-1-check-the-cable\">Step 1: Check the cable</a>"));
    CHECK_THAT(res->body, Contains("<table>"));
    CHECK_THAT(res->body, Contains("Related articles"));
    CHECK_THAT(res->body, Contains("Was this article helpful?"));
    CHECK_THAT(res->body, Contains("Open a ticket"));
    CHECK(res->get_header_value("X-Content-Type-Options") == "nosniff");
    CHECK_THAT(res->get_header_value("Content-Security-Policy"), Contains("script-src 'self'"));
    const auto md = cli.Get("/articles/printer-offline.md");
    REQUIRE(md);
    CHECK(md->status == 200);
    CHECK_THAT(md->get_header_value("Content-Type"), StartsWith("text/markdown"));
    CHECK_THAT(md->body, StartsWith("---\ntitle: \"Printer shows offline\""));
  }
  SECTION("an alias redirects permanently; an unknown slug is a 404 with a search") {
    const auto alias = cli.Get("/articles/printer-not-working?ref=old");
    REQUIRE(alias);
    CHECK(alias->status == 301);
    CHECK(alias->get_header_value("Location") == "/articles/printer-offline?ref=old");
    // Capitals and a trailing slash, as links get pasted: the article's own address.
    for (const auto& [path, location] : std::vector<std::pair<std::string, std::string>>{
             {"/articles/Printer-Offline", "/articles/printer-offline"},
             {"/articles/printer-offline/", "/articles/printer-offline"},
             {"/articles/printer-offline/?ref=mail", "/articles/printer-offline?ref=mail"},
             {"/articles/Printer-Not-Working", "/articles/printer-offline"}}) {
      INFO(path);
      const auto moved = cli.Get(path);
      REQUIRE(moved);
      CHECK(moved->status == 301);
      CHECK(moved->get_header_value("Location") == location);
    }
    // A page asked for with a method it does not take: 405, saying which it does.
    const auto posted = cli.Post("/search", "q=printer", "application/x-www-form-urlencoded");
    REQUIRE(posted);
    CHECK(posted->status == 405);
    CHECK(posted->get_header_value("Allow") == "GET, HEAD");
    const auto got = cli.Get("/api/feedback");
    REQUIRE(got);
    CHECK(got->status == 405);
    CHECK(got->get_header_value("Allow") == "POST");
    CHECK_THAT(got->body, Contains("\"status\":405"));
    CHECK(cli.Delete("/articles/printer-offline")->status == 405);
    const auto missing = cli.Get("/articles/vpn-keeps-dropping");
    REQUIRE(missing);
    CHECK(missing->status == 404);
    CHECK_THAT(missing->body, Contains("value=\"vpn keeps dropping\""));
    for (const char* path : {"/articles/..%2f..%2fetc%2fpasswd", "/articles/%2e%2e", "/articles/a%5c..%5cb", "/nope",
                             "/static/../CMakeLists.txt", "/static/%2e%2e/templates/header.html"}) {
      const auto res = cli.Get(path);
      REQUIRE(res);
      INFO(path);
      CHECK((res->status == 404 || res->status == 400));
      CHECK_THAT(res->body, !Contains("{{"));
    }
  }
  SECTION("script in an article or a query never comes back unescaped") {
    for (const char* path : {"/articles/script-injection", "/search?q=quarantine", "/search?q=%3Cscript%3Ealert(1)%3C/script%3E",
                             "/articles/%3Cscript%3E", "/search?q=%22%3E%3Cimg+src%3Dx+onerror%3Dalert(1)%3E"}) {
      const auto res = cli.Get(path);
      REQUIRE(res);
      INFO(path);
      CHECK_THAT(res->body, !Contains("<script>alert"));
      CHECK_THAT(res->body, !Contains("<img src=x"));
      CHECK_THAT(res->body, !Contains("<img src=\"x\""));
    }
  }
  SECTION("static assets and health") {
    const auto css = cli.Get("/static/kb.css");
    REQUIRE(css);
    CHECK(css->status == 200);
    CHECK_THAT(css->get_header_value("Content-Type"), StartsWith("text/css"));
    // Files get the pages' protection too: a theme file is served on the site's origin.
    CHECK(css->get_header_value("X-Content-Type-Options") == "nosniff");
    CHECK_THAT(css->get_header_value("Content-Security-Policy"), Contains("script-src 'self'"));
    const auto part = cli.Get("/static/kb.css", {{"Range", "bytes=0-9"}});
    REQUIRE(part);
    CHECK(part->status == 206);
    CHECK(part->body.size() == 10);
    const json h = get_json(cli, "/healthz");
    CHECK(h["status"] == "ok");
    CHECK(h["documents"] == 7);
    CHECK(h["schema_version"] == kb::schema::kSchemaVersion);
  }
  SECTION("a newly committed index is served without a restart") {
    const auto before = get_json(cli, "/healthz")["revision"].get<int>();
    site.dir.write("articles/new-article.md", article("Projector flickers", "The projector flickers on HDMI."));
    REQUIRE(site.reindex() == 0);
    CHECK(get_json(cli, "/healthz")["revision"].get<int>() == before + 1);
    CHECK(get_json(cli, "/api/search?q=projector")["results"][0]["slug"] == "new-article");
  }
  SECTION("SIGTERM stops the server cleanly") {
    const int status = server.stop();
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
}

TEST_CASE("an article's images are served from the index", "[server][web]") {
  Site site;
  site.dir.write("articles/net/pictured.md", "---\ntitle: Pictured\n---\n![The settings dialog](img/dialog.png)\n"
                                            "![Logo](../logo.svg)\n");
  site.dir.write("articles/net/img/dialog.png", "\x89PNG not really");
  site.dir.write("articles/logo.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>");
  const timespec old_times[2] = {{1700000000, 0}, {1700000000, 0}};
  for (const char* f : {"articles/net/img/dialog.png", "articles/logo.svg"}) {
    REQUIRE(utimensat(AT_FDCWD, (site.dir / f).c_str(), old_times, 0) == 0);
  }
  REQUIRE(site.reindex() == 0);
  ServerProcess server(site.server_args());
  httplib::Client cli("127.0.0.1", server.port());
  act_as_browser(cli);

  const auto page = cli.Get("/articles/pictured");
  REQUIRE(page);
  CHECK_THAT(page->body, Contains("<img src=\"/assets/net/img/dialog.png\" alt=\"The settings dialog\""));
  const auto png = cli.Get("/assets/net/img/dialog.png");
  REQUIRE(png);
  CHECK(png->status == 200);
  CHECK(png->body == "\x89PNG not really");
  CHECK(png->get_header_value("Content-Type") == "image/png");
  const std::string tag = png->get_header_value("ETag");
  REQUIRE_FALSE(tag.empty());
  const auto again = cli.Get("/assets/net/img/dialog.png", {{"If-None-Match", tag}});
  REQUIRE(again);
  CHECK(again->status == 304);
  // An SVG opened on its own runs nothing.
  const auto svg = cli.Get("/assets/logo.svg");
  REQUIRE(svg);
  CHECK(svg->status == 200);
  CHECK(svg->get_header_value("Content-Type") == "image/svg+xml");
  CHECK_THAT(svg->get_header_value("Content-Security-Policy"), Contains("sandbox"));
  // Only images articles show, never other files of the folder.
  for (const char* path : {"/assets/net/pictured.md", "/assets/net/img/missing.png", "/assets/..%2F..%2Fetc%2Fpasswd",
                           "/assets/net/img/dialog.png%00.png"}) {
    const auto res = cli.Get(path);
    REQUIRE(res);
    INFO(path);
    CHECK(res->status >= 400);
    CHECK(res->status < 500);
  }
}

TEST_CASE("links written to another article's file lead to that article", "[server][web]") {
  Site site;
  site.dir.write("articles/printing/overview.md", "---\ntitle: Printing overview\n---\n## Step 2\nprint\n");
  site.dir.write("articles/vpn/overview.md", "---\ntitle: VPN overview\n---\n## Step 2\ntunnel\n");
  site.dir.write("articles/acc/reset.md", "---\ntitle: Reset\nslug: reset-password-now\n---\nreset\n");
  site.dir.write("articles/vpn/linker.md",
                 "---\ntitle: Linker\n---\nSee [the overview](overview.md#step-2) and [reset](../acc/reset.md).\n");
  REQUIRE(site.reindex() == 0);
  ServerProcess server(site.server_args());
  httplib::Client cli("127.0.0.1", server.port());
  act_as_browser(cli);
  const auto page = cli.Get("/articles/linker");
  REQUIRE(page);
  CHECK_THAT(page->body, Contains("href=\"/articles/by-path/vpn/overview.md#step-2\""));
  // The VPN overview, not the printing one that has the same file name.
  const auto overview = cli.Get("/articles/by-path/vpn/overview.md");
  REQUIRE(overview);
  CHECK(overview->status == 302);
  CHECK(overview->get_header_value("Location") == "/articles/vpn-overview");
  const auto reset = cli.Get("/articles/by-path/acc/reset.md");
  REQUIRE(reset);
  CHECK(reset->get_header_value("Location") == "/articles/reset-password-now");
  const auto gone = cli.Get("/articles/by-path/acc/gone.md");
  REQUIRE(gone);
  CHECK(gone->status == 404);
  // The writer's links still come first among related articles.
  CHECK_THAT(page->body, Contains("<li><a href=\"/articles/vpn-overview?from=related\">VPN overview</a></li>"));
}

TEST_CASE("themes, UI languages, OpenSearch, sitemap and the empty state", "[server][web]") {
  Site site;
  // A theme that replaces one string, the stylesheet and the footer.
  site.dir.write("theme/strings/en.json", "{\"site_name\": \"Northwind Help\"}");
  site.dir.write("theme/static/kb.css", "/* themed */ :root { --kb-accent: #b00020; }");
  std::vector<std::string> args = site.server_args();
  args.insert(args.end(), {"--theme", (site.dir / "theme").string()});
  ServerProcess server(args);
  httplib::Client cli("127.0.0.1", server.port());
  act_as_browser(cli);
  cli.set_url_encode(false);

  auto home = cli.Get("/");
  REQUIRE(home);
  CHECK_THAT(home->body, Contains("<a class=\"site-name\" href=\"/\">Northwind Help</a>"));
  CHECK_THAT(home->body, Contains("Search"));  // untouched strings fall back to kb's own
  const auto css = cli.Get("/static/kb.css");
  REQUIRE(css);
  CHECK_THAT(css->body, StartsWith("/* themed */"));
  CHECK(cli.Get("/static/kb.js")->status == 200);  // files the theme lacks come from kb

  const auto ko = cli.Get("/?ui=ko");
  REQUIRE(ko);
  CHECK_THAT(ko->body, Contains("<html lang=\"ko\">"));
  CHECK_THAT(ko->get_header_value("Set-Cookie"), Contains("kb_lang=ko"));
  const auto by_cookie = cli.Get("/search?q=printer", {{"Cookie", "kb_lang=ja"}});
  REQUIRE(by_cookie);
  CHECK_THAT(by_cookie->body, Contains("<html lang=\"ja\">"));
  // The article filter lang= never chooses the UI language: the person does.
  const auto filtered = cli.Get("/search?q=printer&lang=en", {{"Cookie", "kb_lang=ja"}});
  REQUIRE(filtered);
  CHECK_THAT(filtered->body, Contains("<html lang=\"ja\">"));
  const auto unchosen = cli.Get("/search?q=printer&lang=ko");
  REQUIRE(unchosen);
  CHECK_THAT(unchosen->body, Contains("<html lang=\"en\">"));
  const auto by_header = cli.Get("/", {{"Accept-Language", "fr-FR, ja;q=0.8, en;q=0.5"}});
  REQUIRE(by_header);
  CHECK_THAT(by_header->body, Contains("<html lang=\"ja\">"));
  CHECK_THAT(by_header->body, Contains("hreflang=\"ko\""));  // the switcher links every language

  const auto opensearch = cli.Get("/opensearch.xml");
  REQUIRE(opensearch);
  CHECK_THAT(opensearch->get_header_value("Content-Type"), StartsWith("application/opensearchdescription+xml"));
  CHECK_THAT(opensearch->body, Contains("/search?q={searchTerms}\""));
  const auto sitemap = cli.Get("/sitemap.xml");
  REQUIRE(sitemap);
  CHECK_THAT(sitemap->body, Contains("/articles/printer-offline</loc><lastmod>2026-03-01</lastmod>"));
  CHECK_THAT(cli.Get("/robots.txt")->body, Contains("Sitemap: http://127.0.0.1:"));
  const auto evil_host = cli.Get("/sitemap.xml", {{"Host", "\"><script>x</script>"}});
  REQUIRE(evil_host);
  CHECK_THAT(evil_host->body, !Contains("<script>"));
  {
    // With --public-url, absolute links no longer follow the Host a client sends.
    std::vector<std::string> pinned = site.server_args();
    pinned.insert(pinned.end(), {"--public-url", "https://help.example.com/"});
    ServerProcess public_server(pinned);
    httplib::Client pc("127.0.0.1", public_server.port());
    act_as_browser(pc);
    const httplib::Headers other_host{{"Host", "evil.example"}};
    CHECK_THAT(pc.Get("/sitemap.xml", other_host)->body, Contains("<loc>https://help.example.com/articles/printer-offline</loc>"));
    CHECK_THAT(pc.Get("/robots.txt", other_host)->body, Contains("Sitemap: https://help.example.com/sitemap.xml"));
    CHECK_THAT(pc.Get("/opensearch.xml", other_host)->body, Contains("template=\"https://help.example.com/search?q="));
    CHECK_THAT(pc.Get("/sitemap.xml", other_host)->body, !Contains("evil.example"));
    // The article page is filled from a shell rendered once: the first
    // request's Host must not stay in it either.
    for (int i = 0; i < 2; ++i) {
      const std::string page = pc.Get("/articles/printer-offline", other_host)->body;
      CHECK_THAT(page, Contains("<link rel=\"canonical\" href=\"https://help.example.com/articles/printer-offline\">"));
      CHECK_THAT(page, !Contains("evil.example"));
    }
  }

  // Nothing found: popular articles and the ticket hand-off.
  const auto empty = cli.Get("/search?q=xylophone");
  REQUIRE(empty);
  CHECK_THAT(empty->body, Contains("class=\"popular\""));
  CHECK_THAT(empty->body, Contains("/tickets/new?q=xylophone"));
  const auto api = cli.Get("/api/search?q=xylophone");
  REQUIRE(api);
  CHECK(nlohmann::json::parse(api->body)["popular"].size() >= 1);
}

TEST_CASE("kb-index --check and kb-index new", "[server][cli]") {
  std::string out;
  const std::string fixtures = std::string(KB_FIXTURES_DIR) + "/check";
  CHECK(run_program({KB_INDEX_BIN, "--check", "--articles", fixtures, "--today", "2026-11-21"}, out) == 1);
  CHECK_THAT(out, Contains("guides/links.md:7: error: broken link: no article has the slug 'nowhere'\n"));
  CHECK_THAT(out, Contains("5 articles checked: 9 errors, 2 warnings"));
  CHECK(run_program({KB_INDEX_BIN, "--check", "--format", "json", "--articles", fixtures}, out) == 1);
  CHECK_THAT(out, Contains("\"severity\": \"error\""));
  CHECK(run_program({KB_INDEX_BIN, "--check", "--articles", KB_ARTICLES_DIR}, out) == 0);
  // Dates are compared as text: one written otherwise would hide every warning.
  CHECK(run_program({KB_INDEX_BIN, "--check", "--articles", fixtures, "--today", "01/05/2026"}, out) == 2);
  CHECK_THAT(out, Contains("--today must be a date written YYYY-MM-DD"));

  TempDir dir;
  CHECK(run_program({KB_INDEX_BIN, "--articles", (dir / "articles").string(), "new", "How to reset MFA", "--category",
                     "accounts"},
                    out) == 0);
  const auto created = dir / "articles" / "accounts" / "how-to-reset-mfa.md";
  CHECK_THAT(out, Contains(created.string()));
  CHECK(std::filesystem::exists(created));
  // Complete front matter (a draft until the writer publishes it), and a
  // skeleton that passes the check.
  CHECK(run_program({KB_INDEX_BIN, "--check", "--articles", (dir / "articles").string()}, out) == 0);
  CHECK(run_program({KB_INDEX_BIN, "--articles", (dir / "articles").string(), "new", "How to reset MFA", "--category",
                     "accounts"},
                    out) == 2);
  CHECK_THAT(out, Contains("already exists"));

  // A slug another article has, or lists as an alias, is refused: the new
  // article would be a duplicate that kb-index skips, or would take the
  // place of an old address's redirect.
  dir.write("articles/net/vpn.md", "---\ntitle: VPN\nslug: vpn-setup\naliases:\n  - old-vpn\n---\nx\n");
  // Two files named overview.md: kb-index publishes the second as net-overview.
  dir.write("articles/accounts/overview.md", "---\ntitle: Accounts\n---\nx\n");
  dir.write("articles/net/overview.md", "---\ntitle: Network\n---\nx\n");
  const std::string articles = (dir / "articles").string();
  struct Row {
    std::vector<std::string> args;
    const char* message;
  };
  const Row rows[] = {
      {{"Another VPN", "--slug", "vpn-setup"}, "kb-index: error: slug 'vpn-setup' is taken: it is the slug of net/vpn.md (line 3)"},
      {{"Another VPN", "--slug", "old-vpn"}, "kb-index: error: slug 'old-vpn' is taken: it is an alias in net/vpn.md (line 5)"},
      {{"How to reset MFA"}, "kb-index: error: slug 'how-to-reset-mfa' is taken: it is the slug of accounts/how-to-reset-mfa.md"},
      {{"Network overview", "--slug", "net-overview"},
       "kb-index: error: slug 'net-overview' is taken: it is the slug of net/overview.md (line 1)"},
  };
  for (const Row& row : rows) {
    std::vector<std::string> cmd{KB_INDEX_BIN, "--articles", articles, "new"};
    cmd.insert(cmd.end(), row.args.begin(), row.args.end());
    cmd.insert(cmd.end(), {"--category", "other"});
    INFO(row.message);
    CHECK(run_program(cmd, out) == 2);
    CHECK_THAT(out, Contains(row.message));
    CHECK_FALSE(std::filesystem::exists(dir / "articles" / "other"));
  }
}

TEST_CASE("live preview: a saved article is re-indexed within a second", "[server][watch]") {
  Site site;
  std::vector<std::string> args = site.server_args();
  args.insert(args.end(), {"--watch", "--articles", (site.dir / "articles").string()});
  ServerProcess server(args);
  httplib::Client cli("127.0.0.1", server.port());
  act_as_browser(cli);
  cli.set_url_encode(false);
  const auto revision = [&] { return nlohmann::json::parse(cli.Get("/api/revision")->body)["revision"].get<int>(); };
  const int before = revision();
  site.dir.write("articles/keyboard.md", article("Keyboard types gibberish", "Switch the layout back to English (US)."));
  nlohmann::json found;
  for (int i = 0; i < 40; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    found = get_json(cli, "/api/search?q=gibberish");
    if (found["total"] == 1) break;
  }
  CHECK(found["total"] == 1);
  CHECK(found["results"][0]["slug"] == "keyboard");
  CHECK(revision() > before);
  const auto page = cli.Get("/articles/keyboard");
  REQUIRE(page);
  CHECK_THAT(page->body, Contains("data-watch-revision=\""));

  std::string out;
  CHECK(run_program({KB_SERVER_BIN, "--index", (site.dir / "index").string(), "--watch", "--port", "0", "--web", KB_WEB_DIR},
                    out) == 2);
  CHECK_THAT(out, Contains("--watch needs --articles DIR"));
}
