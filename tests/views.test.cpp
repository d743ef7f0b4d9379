/** @file views.test.cpp
 *  @brief Pages rendered from the real templates: escaping, structure, and a
 *  golden article page.
 */
#include "kb/templates.h"
#include "kb/views.h"
#include "support/search_index.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

using namespace kb;
using Catch::Matchers::Contains;

namespace {

PageBase base(const std::string& query = "", const std::string& ui_lang = "en") {
  PageBase b;
  b.strings = load_all_strings({std::filesystem::path(KB_WEB_DIR) / "strings"}).at(ui_lang);
  b.ui_lang = ui_lang;
  b.query = query;
  return b;
}

const TemplateSet& templates() {
  static const TemplateSet t(std::filesystem::path(KB_WEB_DIR) / "templates");
  return t;
}

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("the search page escapes the query everywhere", "[views]") {
  const test::FixtureIndex index;
  Searcher s(index.index());
  SearchRequest req;
  req.query = "printer \"><script>alert(1)</script>";
  const std::string html = templates().render("search", search_page(base(req.query), req, s.search(req)));
  CHECK_THAT(html, !Contains("<script>alert(1)"));
  CHECK_THAT(html, Contains("printer &quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
  CHECK_THAT(html, Contains("<mark>printer</mark>"));
}

TEST_CASE("untrusted article fields are escaped on every page", "[views]") {
  const test::FixtureIndex index;
  Searcher s(index.index());
  const auto a = s.find_article("script-injection");
  REQUIRE(a);
  const std::string article = templates().render("article", article_page(base(), *a, s.related(*a, 5)));
  CHECK_THAT(article, !Contains("<script>alert"));
  CHECK_THAT(article, !Contains("<img src=x"));
  CHECK_THAT(article, !Contains("<b>tags</b>"));
  CHECK_THAT(article, Contains("Odd &lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt; characters"));

  SearchRequest req;
  req.query = "quarantine";
  const std::string results = templates().render("search", search_page(base(req.query), req, s.search(req)));
  CHECK_THAT(results, !Contains("<script>alert"));
  CHECK_THAT(results, !Contains("<img src=x"));
  CHECK_THAT(results, Contains("Odd &lt;script&gt;"));
}

TEST_CASE("the search page shows corrections, counts, pagination and facets", "[views]") {
  const test::FixtureIndex index;
  Searcher s(index.index());
  SearchRequest req;
  req.query = "keybord";
  std::string html = templates().render("search", search_page(base(req.query), req, s.search(req)));
  CHECK_THAT(html, Contains("Showing results for <a href=\"/search?q=keyboard\"><em>keyboard</em></a>"));
  CHECK_THAT(html, Contains("Search instead for <a href=\"/search?q=keybord&amp;as_typed=1\">keybord</a>"));
  CHECK_THAT(html, Contains("1 result"));
  // Where that link leads: the words as typed, with no correction offered.
  req.as_typed = true;
  html = templates().render("search", search_page(base(req.query), req, s.search(req)));
  CHECK_THAT(html, !Contains("Showing results for"));
  CHECK_THAT(html, !Contains("Did you mean"));
  req.as_typed = false;

  // No article has both words: the any rung ranks the corrected words, so
  // the page says whose results they are, and offers the words as typed.
  req.query = "keybord printer";
  const SearchResponse relaxed = s.search(req);
  REQUIRE(relaxed.rung == "any");
  html = templates().render("search", search_page(base(req.query), req, relaxed));
  CHECK_THAT(html, Contains("Showing results for <a href=\"/search?q=keyboard+printer\"><em>keyboard printer</em></a>"));
  CHECK_THAT(html, Contains("as_typed=1"));
  CHECK_THAT(html, !Contains("Did you mean"));

  req.query = "printer";
  req.per_page = 1;
  html = templates().render("search", search_page(base(req.query), req, s.search(req)));
  CHECK_THAT(html, Contains("2 results for “printer”"));
  CHECK_THAT(html, Contains("<a rel=\"next\" href=\"/search?q=printer&amp;per_page=1&amp;page=2\">"));
  CHECK_THAT(html, Contains("href=\"/search?q=printer&amp;category=printing&amp;per_page=1\""));

  // Filters combine: a facet link keeps the filters already chosen, and the
  // active one takes itself off.
  req.per_page = 10;
  req.category = "printing";
  html = templates().render("search", search_page(base(req.query), req, s.search(req)));
  CHECK_THAT(html, Contains("<a href=\"/search?q=printer\" aria-current=\"true\">Printing</a>"));
  CHECK_THAT(html, Contains("href=\"/search?q=printer&amp;category=printing&amp;tag="));
  req.category.clear();
  CHECK_THAT(html, Contains("href=\"/tickets/new?q=printer\""));
  {
    // A category browsed without words is that category's page.
    SearchRequest browse;
    browse.category = "printing";
    const std::string category = templates().render("search", search_page(base(""), browse, s.search(browse)));
    CHECK_THAT(category, Contains("<title>Printing · Help Center</title>"));
    CHECK_THAT(category, Contains("<h1 class=\"category-title\">Printing</h1>"));
    CHECK_THAT(category, Contains("<h2 id=\"results-title\""));
  }

  // Other pages and filters of a search continue it: their links carry its
  // id. A corrected or as-typed query is a new search: its links do not.
  req.per_page = 1;
  req.query = "printer";
  html = templates().render("search", search_page(base(req.query), req, s.search(req), "f00d42"));
  CHECK_THAT(html, Contains("<a rel=\"next\" href=\"/search?q=printer&amp;per_page=1&amp;page=2&amp;sid=f00d42\">"));
  CHECK_THAT(html, Contains("href=\"/search?q=printer&amp;category=printing&amp;per_page=1&amp;sid=f00d42\""));
  CHECK_THAT(html, Contains("/articles/printer-offline?sid=f00d42&amp;rank=1"));
  req.query = "keybord";
  html = templates().render("search", search_page(base(req.query), req, s.search(req), "f00d42"));
  CHECK_THAT(html, Contains("<a href=\"/search?q=keyboard&amp;per_page=1\"><em>keyboard</em></a>"));
  // The count names the words whose results are shown: the correction.
  CHECK_THAT(html, Contains("for “keyboard”"));
  CHECK_THAT(html, !Contains("for “keybord”"));

  // A page past the last still says what the search found, and where it starts.
  req.query = "printer";
  req.page = 7;
  html = templates().render("search", search_page(base(req.query), req, s.search(req), "f00d42"));
  CHECK_THAT(html, Contains("2 results for “printer”"));
  CHECK_THAT(html, Contains("There are no results on this page. <a href=\"/search?q=printer&amp;per_page=1&amp;sid=f00d42\">"));
  CHECK_THAT(html, !Contains("No articles match your search"));
  CHECK_THAT(html, Contains("<a rel=\"prev\" href=\"/search?q=printer&amp;per_page=1&amp;page=2&amp;sid=f00d42\">"));
  CHECK_THAT(html, Contains("aria-label=\"Page 2\">2</a>"));
  req.page = 1;

  req.query = "xylophone";
  req.per_page = 10;
  html = templates().render("search", search_page(base(req.query), req, s.search(req)));
  CHECK_THAT(html, Contains("No articles match your search"));
  CHECK_THAT(html, !Contains("There are no results on this page"));
}

TEST_CASE("pages speak their UI language: titles, labels and the ticket form's messages", "[views]") {
  // Each language file has every English key (a missing one would show English).
  const mstch::map english = load_strings(std::filesystem::path(KB_WEB_DIR) / "strings" / "en.json");
  for (const char* lang : {"ko", "ja"}) {
    const mstch::map own = load_strings(std::filesystem::path(KB_WEB_DIR) / "strings" / (std::string(lang) + ".json"));
    for (const auto& entry : english) {
      INFO(lang << " lacks " << entry.first);
      CHECK(own.count(entry.first) == 1);
    }
  }

  const test::FixtureIndex index;
  Searcher s(index.index());
  SearchRequest req;
  req.query = "printer";
  std::string html = templates().render("search", search_page(base(req.query, "ko"), req, s.search(req)));
  CHECK_THAT(html, Contains("<title>printer – 검색 · "));
  // English results on a Korean page say they are English (screen readers, hyphenation).
  CHECK_THAT(html, Contains("\" lang=\"en\">Printer shows offline</a>"));
  CHECK_THAT(html, Contains("<p class=\"snippet\" lang=\"en\">"));
  CHECK_THAT(html, Contains("aria-label=\"필터\""));

  TicketInput input{"", "", "not-an-address"};
  TicketFormState form;
  form.errors = validate_ticket(input);
  html = templates().render("ticket_new", ticket_form_page(base("", "ja"), form));
  CHECK_THAT(html, Contains("チケットの件名を入力してください。"));
  CHECK_THAT(html, Contains("メールアドレスの形式が正しくないようです。"));
  // Listed in the form's order (subject, then e-mail), not the alphabet's.
  CHECK(html.find("チケットの件名を入力してください。") < html.find("メールアドレスの形式が正しくないようです。"));
  CHECK_THAT(html, !Contains("Please give"));
  TicketInput too_long{std::string(kMaxSubjectChars + 1, 'x'), "", "a@b.co"};
  form.errors = validate_ticket(too_long);
  html = templates().render("ticket_new", ticket_form_page(base("", "ko"), form));
  CHECK_THAT(html, Contains("제목이 200자를 넘습니다."));
  html = templates().render("ticket_new", ticket_form_page(base("", "en"), TicketFormState{}));
  CHECK_THAT(html, Contains("<title>Open a ticket · Help Center</title>"));
  // Sent back with something to correct, the form says so in its title.
  form.errors = validate_ticket(input);
  html = templates().render("ticket_new", ticket_form_page(base("", "en"), form));
  CHECK_THAT(html, Contains("<title>Error: Open a ticket · Help Center</title>"));
  html = templates().render("ticket_new", ticket_form_page(base("", "ja"), form));
  CHECK_THAT(html, Contains("<title>エラー: "));
  TicketFormState expired;
  expired.expired = true;
  html = templates().render("ticket_new", ticket_form_page(base("", "ko"), expired));
  CHECK_THAT(html, Contains("<title>오류: "));
  // The home page's title is the site's name alone, not "Help center · Help Center".
  html = templates().render("home", home_page(base("", "en"), SearchResponse{}));
  CHECK_THAT(html, Contains("<title>Help Center</title>"));
}

TEST_CASE("error pages speak the page's language, with the wait in minutes and what was wrong", "[views]") {
  // The server's own words for a receipt that does not exist, in Korean.
  std::string html = templates().render(
      "error", error_page(base("", "ko"), 404, "There is no ticket receipt at this address.", "error_no_receipt"));
  CHECK_THAT(html, Contains("이 주소에는 티켓 접수증이 없습니다."));
  CHECK_THAT(html, !Contains("There is no ticket receipt"));
  // A wait of 61 seconds is two minutes, never zero.
  html = templates().render("error", error_page(base("", "ja"), 429, "Too many tickets", "error_too_many_tickets", 61));
  CHECK_THAT(html, Contains("2分後"));
  html = templates().render("error", error_page(base("", "en"), 429, "Too many searches", "", 5));
  CHECK_THAT(html, Contains("try again in 1 min."));
  // A request the person can correct keeps what was wrong below, escaped.
  html = templates().render("error", error_page(base("", "ko"), 400, "query is not valid <UTF-8>"));
  CHECK_THAT(html, Contains("검색어를 읽을 수 없습니다"));
  CHECK_THAT(html, Contains("query is not valid &lt;UTF-8&gt;"));
  // A status without its own words keeps the server's message.
  html = templates().render("error", error_page(base("", "ko"), 415, "Content-Type must be application/json"));
  CHECK_THAT(html, Contains("Content-Type must be application/json"));
}

TEST_CASE("the 404 page offers a search prefilled from the slug", "[views]") {
  const std::string html = templates().render("not_found", not_found_page(base(), "vpn-keeps-dropping"));
  CHECK_THAT(html, Contains("value=\"vpn keeps dropping\""));
}

TEST_CASE("the article page matches its golden file", "[views][golden]") {
  const test::FixtureIndex index;
  Searcher s(index.index());
  const auto a = s.find_article("printer-offline");
  REQUIRE(a);
  const std::string html = templates().render("article", article_page(base(), *a, s.related(*a, 5)));
  const auto golden = std::filesystem::path(KB_FIXTURES_DIR) / ".." / "golden" / "article-printer-offline.html";
  if (std::getenv("KB_UPDATE_GOLDEN")) {
    std::ofstream(golden, std::ios::binary) << html;
  }
  CHECK(html == read(golden));
}

TEST_CASE("templates: unknown names and missing folders are errors", "[views]") {
  CHECK_THROWS_AS(templates().render("nope", {}), TemplateError);
  CHECK_THROWS_AS(TemplateSet("/nonexistent/templates"), TemplateError);
}
