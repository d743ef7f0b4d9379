/** @file page_cache.test.cpp
 *  @brief Integration: pages rendered once per revision and filled per
 *  request never show one person's state to another, gzip is sent only to
 *  clients that accept it and decodes to the same page, and a new revision
 *  replaces what was cached.
 */
#include "kb/page_shell.h"
#include "support/browser.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <regex>
#include <thread>

using namespace kb::test;
using Catch::Matchers::Contains;

namespace {

struct Site {
  TempDir dir;
  Site() {
    std::filesystem::copy(std::filesystem::path(KB_FIXTURES_DIR) / "search", dir / "articles",
                          std::filesystem::copy_options::recursive);
    REQUIRE(reindex() == 0);
  }
  int reindex() {
    std::string output;
    return run_program({KB_INDEX_BIN, "--articles", (dir / "articles").string(), "--index", (dir / "index").string(), "-q"},
                       output);
  }
  std::vector<std::string> server_args() const {
    return {"--index", (dir / "index").string(), "--data", (dir / "data").string(), "--threads", "4"};
  }
};

/// A client that shows the bytes as sent (no decoding of its own).
httplib::Client raw_client(int port) {
  httplib::Client cli("127.0.0.1", port);
  cli.set_read_timeout(10, 0);
  cli.set_decompress(false);
  act_as_browser(cli);
  return cli;
}

httplib::Result get(httplib::Client& cli, const std::string& path, httplib::Headers headers) {
  // Said explicitly: no Accept-Encoding would let the client add its own.
  if (!headers.count("Accept-Encoding")) headers.emplace("Accept-Encoding", "identity");
  auto res = cli.Get(path.c_str(), headers);
  REQUIRE(res);
  return res;
}

/// The value of the first csrf field on a page ("" when there is none).
std::string csrf_of(const std::string& page) {
  std::smatch m;
  static const std::regex field("name=\"csrf\" value=\"([^\"]*)\"");
  return std::regex_search(page, m, field) ? m[1].str() : std::string("(no csrf field)");
}

std::string session_cookie(const httplib::Result& res) {
  const std::string set = res->get_header_value("Set-Cookie");
  const auto end = set.find(';');
  return set.substr(0, end);
}

}  // namespace

TEST_CASE("cached article and home pages carry only the requesting person's state", "[page_cache]") {
  Site site;
  ServerProcess server(site.server_args());
  auto cli = raw_client(server.port());

  // Two people, each with a session of their own.
  const auto first_a = get(cli, "/articles/printer-offline", {});
  const auto first_b = get(cli, "/articles/printer-offline", {});
  const std::string cookie_a = session_cookie(first_a), cookie_b = session_cookie(first_b);
  REQUIRE(cookie_a.rfind("kb_session=", 0) == 0);
  REQUIRE(cookie_a != cookie_b);
  const std::string csrf_a = csrf_of(first_a->body), csrf_b = csrf_of(first_b->body);
  CHECK(csrf_a.size() == 32 + 1 + 64);  // session id, then its HMAC
  CHECK(csrf_b.size() == 32 + 1 + 64);
  CHECK(csrf_a != csrf_b);

  for (int i = 0; i < 3; ++i) {
    const auto a = get(cli, "/articles/printer-offline", {{"Cookie", cookie_a}});
    const auto b = get(cli, "/articles/printer-offline", {{"Cookie", cookie_b}});
    CHECK(a->status == 200);
    CHECK(csrf_of(a->body) == csrf_a);
    CHECK(csrf_of(b->body) == csrf_b);
    CHECK(a->body.find(csrf_b) == std::string::npos);
    CHECK(b->body.find(csrf_a) == std::string::npos);
  }
  // A crawler has no session: no token, and nobody else's.
  const auto bot = get(cli, "/articles/printer-offline", {{"User-Agent", "ExampleBot/1.0"}});
  CHECK(csrf_of(bot->body).empty());
  CHECK(bot->body.find(csrf_a) == std::string::npos);

  // What one request typed is in its own page only, escaped.
  const auto typed = get(cli, "/articles/printer-offline?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E", {{"Cookie", cookie_a}});
  CHECK_THAT(typed->body, Contains("value=\"&lt;script&gt;alert(1)&lt;/script&gt;\""));
  CHECK(typed->body.find("<script>alert(1)") == std::string::npos);
  CHECK_THAT(typed->body, Contains("href=\"/articles/printer-offline?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E&amp;ui=ko\""));
  const auto plain = get(cli, "/articles/printer-offline", {{"Cookie", cookie_b}});
  CHECK(plain->body.find("alert(1)") == std::string::npos);
  CHECK_THAT(plain->body, Contains("href=\"/articles/printer-offline?ui=ko\""));

  // The vote state and the UI language are part of what is cached; the
  // thanks is only for the browser that voted.
  const auto vote = cli.Post("/feedback", {{"Cookie", cookie_a}}, "csrf=" + csrf_a + "&slug=printer-offline&helpful=yes",
                             "application/x-www-form-urlencoded");
  REQUIRE(vote);
  REQUIRE(vote->status == 303);
  const auto voted = get(cli, vote->get_header_value("Location"), {{"Cookie", cookie_a}});
  CHECK(voted->body.find("class=\"vote-form\"") == std::string::npos);
  const auto not_voted = get(cli, vote->get_header_value("Location"), {{"Cookie", cookie_b}});
  CHECK_THAT(not_voted->body, Contains("class=\"vote-form\""));
  const auto again = get(cli, "/articles/printer-offline", {{"Cookie", cookie_a}});
  CHECK_THAT(again->body, Contains("class=\"vote-form\""));
  const auto korean = get(cli, "/articles/printer-offline?ui=ko", {{"Cookie", cookie_a}});
  CHECK_THAT(korean->body, Contains("<html lang=\"ko\">"));
  const auto english = get(cli, "/articles/printer-offline", {{"Cookie", cookie_b}});
  CHECK_THAT(english->body, Contains("<html lang=\"en\">"));

  // The home page: the same rules.
  const auto home_a = get(cli, "/", {{"Cookie", cookie_a}});
  const auto home_b = get(cli, "/?q=%22quoted%22", {{"Cookie", cookie_b}});
  CHECK(home_a->body.find(csrf_b) == std::string::npos);
  CHECK(home_b->body.find(csrf_a) == std::string::npos);
  CHECK(home_a->body.find("&quot;quoted&quot;") == std::string::npos);
  CHECK_THAT(home_b->body, Contains("value=\"&quot;quoted&quot;\""));
}

TEST_CASE("gzip only when the client accepts it, decoding to the same bytes, never httplib's brotli", "[page_cache]") {
  Site site;
  ServerProcess server(site.server_args());
  auto cli = raw_client(server.port());
  const auto first = get(cli, "/articles/printer-offline", {});
  const std::string cookie = session_cookie(first);

  for (const std::string path : {"/articles/printer-offline?q=spooler", "/", "/api/search?q=printer", "/static/kb.js",
                                 "/static/kb.css", "/search?q=printer"}) {
    INFO(path);
    const httplib::Headers who{{"Cookie", cookie}, {"User-Agent", "ExampleBot/1.0"}};
    auto with = [&](const std::string& accept) {
      httplib::Headers h = who;
      h.emplace("Accept-Encoding", accept);
      return get(cli, path, h);
    };
    const auto identity = with("identity");
    REQUIRE(identity->status == 200);
    CHECK_FALSE(identity->has_header("Content-Encoding"));
    CHECK(identity->get_header_value("Content-Length") == std::to_string(identity->body.size()));

    const auto gz = with("gzip, deflate, br");
    REQUIRE(gz->status == 200);
    CHECK(gz->get_header_value("Content-Encoding") == "gzip");
    CHECK(gz->get_header_value("Vary") == "Accept-Encoding");
    CHECK(gz->get_header_value("Content-Length") == std::to_string(gz->body.size()));
    CHECK(gz->body.size() < identity->body.size());
    const std::string decoded = kb::gzip_decompress(gz->body);
    if (path.rfind("/api/", 0) == 0) {
      // took_ms is the same (cached answer); everything else is too.
      CHECK(nlohmann::json::parse(decoded) == nlohmann::json::parse(identity->body));
    } else if (path.rfind("/search", 0) == 0) {
      CHECK_THAT(decoded, Contains("Printer shows offline"));  // a new search id per request
    } else {
      CHECK(decoded == identity->body);
    }
    // Brotli only, or gzip refused: sent as is (httplib compressed these
    // itself at brotli's slowest setting, ~10 ms per page).
    for (const std::string refused : {"br", "gzip;q=0, br", "x-gzip;q=0.000"}) {
      const auto plain = with(refused);
      CHECK_FALSE(plain->has_header("Content-Encoding"));
      CHECK(plain->body.size() == identity->body.size());
    }
    CHECK(with("x-gzip")->get_header_value("Content-Encoding") == "gzip");
    CHECK(with("*")->get_header_value("Content-Encoding") == "gzip");
  }
  // Error pages are encoded the same way and keep their status.
  const auto missing = get(cli, "/articles/no-such-article", {{"Accept-Encoding", "gzip"}});
  CHECK(missing->status == 404);
  CHECK(missing->get_header_value("Content-Encoding") == "gzip");
  CHECK_THAT(kb::gzip_decompress(missing->body), Contains("no-such-article"));
  const auto api_missing = get(cli, "/api/nothing-here", {{"Accept-Encoding", "gzip"}});
  CHECK(api_missing->status == 404);
  // A range of a page is ignored (ranges are for /static files): the whole
  // page, even for an absurd range, encoded as usual.
  const auto whole = get(cli, "/articles/printer-offline", {{"User-Agent", "ExampleBot/1.0"}});
  const auto part = get(cli, "/articles/printer-offline", {{"User-Agent", "ExampleBot/1.0"}, {"Range", "bytes=0-9"}});
  CHECK(part->status == 200);
  CHECK_FALSE(part->has_header("Content-Range"));
  CHECK(part->body == whole->body);
  const auto absurd = get(cli, "/articles/printer-offline",
                          {{"User-Agent", "ExampleBot/1.0"}, {"Range", "bytes=99999999999999-"}, {"Accept-Encoding", "gzip"}});
  CHECK(absurd->status == 200);
  CHECK(absurd->get_header_value("Content-Encoding") == "gzip");
  CHECK(kb::gzip_decompress(absurd->body) == whole->body);
  // A HEAD request gets the headers without a body.
  auto head = cli.Head("/articles/printer-offline", {{"Accept-Encoding", "gzip"}});
  REQUIRE(head);
  CHECK(head->status == 200);
  CHECK(head->body.empty());
}

TEST_CASE("with the cache off, search answers are gzipped for the clients that accept it", "[page_cache]") {
  Site site;
  std::vector<std::string> args = site.server_args();
  args.insert(args.end(), {"--cache-mb", "0"});
  ServerProcess server(args);
  auto cli = raw_client(server.port());
  // Identity first: nothing made for it may be what a later gzip client
  // gets (or fails to get).
  for (int round = 0; round < 2; ++round) {
    const auto identity = get(cli, "/api/search?q=printer", {{"Accept-Encoding", "identity"}});
    REQUIRE(identity->status == 200);
    CHECK_FALSE(identity->has_header("Content-Encoding"));
    const auto gz = get(cli, "/api/search?q=printer", {{"Accept-Encoding", "gzip"}});
    REQUIRE(gz->status == 200);
    CHECK(gz->get_header_value("Content-Encoding") == "gzip");
    auto decoded = nlohmann::json::parse(kb::gzip_decompress(gz->body));
    auto plain = nlohmann::json::parse(identity->body);
    decoded.erase("took_ms");  // each answer is searched anew
    plain.erase("took_ms");
    CHECK(decoded == plain);
  }
}

TEST_CASE("a new index revision replaces cached pages and search answers", "[page_cache]") {
  Site site;
  ServerProcess server(site.server_args());
  auto cli = raw_client(server.port());
  const auto before = get(cli, "/articles/printer-offline", {});
  CHECK_THAT(before->body, Contains("<title>Printer shows offline"));
  const auto before_gz = get(cli, "/articles/printer-offline", {{"Accept-Encoding", "gzip"}});
  CHECK_THAT(kb::gzip_decompress(before_gz->body), Contains("<title>Printer shows offline"));
  CHECK(get(cli, "/api/search?q=zeppelinword", {})->body.find("\"total\":0") != std::string::npos);

  const auto path = site.dir / "articles" / "printer-offline.md";
  std::string text;
  {
    std::ifstream in(path);
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const std::string old_title = "title: \"Printer shows offline\"";
  REQUIRE(text.find(old_title) != std::string::npos);
  text.replace(text.find(old_title), old_title.size(), "title: \"Printer appears offline\"");
  text += "\nA zeppelinword paragraph added in the new revision.\n";
  site.dir.write("articles/printer-offline.md", text);
  REQUIRE(site.reindex() == 0);

  const auto after = get(cli, "/articles/printer-offline", {});
  CHECK_THAT(after->body, Contains("<title>Printer appears offline"));
  CHECK_THAT(after->body, Contains("zeppelinword"));
  CHECK(after->body.find("<title>Printer shows offline") == std::string::npos);
  const auto after_gz = get(cli, "/articles/printer-offline", {{"Accept-Encoding", "gzip"}});
  CHECK_THAT(kb::gzip_decompress(after_gz->body), Contains("<title>Printer appears offline"));
  CHECK(get(cli, "/api/search?q=zeppelinword", {})->body.find("\"total\":1") != std::string::npos);
}
