/** @file searcher.test.cpp
 *  @brief Search behaviour on a real index built from tests/fixtures/search
 *  and on the bundled sample articles.
 */
#include "kb/prepared_hit.h"
#include "kb/searcher.h"
#include "support/search_index.h"

#include <catch2/catch.hpp>

using namespace kb;
using kb::test::slugs;
using Catch::Matchers::Contains;

namespace {

SearchResponse search(Searcher& s, const std::string& q, const std::string& category = "", const std::string& tag = "") {
  SearchRequest r;
  r.query = q;
  r.category = category;
  if (!tag.empty()) r.tags.push_back(tag);
  return s.search(r);
}

/// Indexes @p dir's articles/ into its index/; the options, to index again.
IndexOptions index_folder(const test::TempDir& dir) {
  IndexOptions opt;
  opt.articles_dir = dir / "articles";
  opt.index_dir = dir / "index";
  build_index(opt);
  return opt;
}

}  // namespace

TEST_CASE("search on the fixture articles", "[search]") {
  const test::FixtureIndex index;
  Searcher s(index.index());

  SECTION("a title match outranks a body that repeats the words") {
    const auto r = search(s, "printer offline");
    REQUIRE(r.hits.size() >= 2);
    CHECK(r.hits[0].slug == "printer-offline");
    CHECK(r.hits[1].slug == "network-troubleshooting");
    CHECK(r.rung == "all");
  }
  SECTION("error codes and identifiers match exactly") {
    CHECK(slugs(search(s, "0x80070005")) == std::vector<std::string>{"install-fails"});
    CHECK(slugs(search(s, "ERR_NAME_NOT_RESOLVED")) == std::vector<std::string>{"install-fails"});
    CHECK(slugs(search(s, "ipconfig /flushdns")).at(0) == "install-fails");
    CHECK(search(s, "0x80070006").hits.empty());
  }
  SECTION("Korean and Japanese without quotes or spaces") {
    CHECK(slugs(search(s, "비밀번호")).at(0) == "reset-password-ko");
    CHECK(slugs(search(s, "비밀번호 재설정")).at(0) == "reset-password-ko");
    CHECK(slugs(search(s, "パスワード")).at(0) == "reset-password-ja");
    CHECK(slugs(search(s, "パスワードリセット")).at(0) == "reset-password-ja");
  }
  SECTION("a misspelling is corrected and answered") {
    const auto r = search(s, "keybord");
    CHECK(r.corrected_query == "keyboard");
    CHECK(r.rung == "corrected");
    CHECK(slugs(r) == std::vector<std::string>{"keyboard"});
  }
  SECTION("a word that exists is never corrected") {
    const auto r = search(s, "printer");
    CHECK(r.corrected_query.empty());
    CHECK(r.rung == "all");
  }
  SECTION("another form of a word an article has is not corrected") {
    // No article says "printed", but "printer" is one edit away; the
    // stemmed search finds "printing" without any correction.
    const auto r = search(s, "printed");
    CHECK(r.corrected_query.empty());
    CHECK(r.rung == "all");
    CHECK(slugs(r).at(0) == "printer-offline");
  }
  SECTION("when no article has every word, any word will do") {
    const auto r = search(s, "keyboard spooler");
    CHECK(r.rung == "any");
    CHECK(r.hits.size() == 2);
  }
  SECTION("nothing at all") {
    const auto r = search(s, "xylophone");
    CHECK(r.rung == "none");
    CHECK(r.total == 0);
    CHECK(r.hits.empty());
  }
  SECTION("snippets are escaped text with the matches marked") {
    const auto r = search(s, "alert");
    REQUIRE(r.hits.size() == 1);
    CHECK_THAT(r.hits[0].snippet_html, Contains("<mark>alert</mark>"));
    CHECK_THAT(r.hits[0].snippet_html, !Contains("<script"));
    const auto ko = search(s, "비밀번호");
    CHECK_THAT(ko.hits.at(0).snippet_html, Contains("<mark>비밀번호</mark>"));
  }
  SECTION("facets count the matches; filters combine") {
    const auto r = search(s, "network");
    CHECK(r.category_facets == FacetCounts{{"network", 1}, {"printing", 1}});
    const auto filtered = search(s, "network", "printing");
    CHECK(slugs(filtered) == std::vector<std::string>{"printer-offline"});
    CHECK(slugs(search(s, "network", "", "checklist")) == std::vector<std::string>{"network-troubleshooting"});
    CHECK(search(s, "network", "printing", "checklist").hits.empty());
    SearchRequest lang;
    lang.query = "";
    lang.lang = "ko";
    CHECK(slugs(s.search(lang)) == std::vector<std::string>{"reset-password-ko"});
  }
  SECTION("an empty query browses, newest first") {
    const auto r = search(s, "");
    CHECK(r.rung == "browse");
    CHECK(r.total == 7);
    CHECK(r.hits.at(0).slug == "keyboard");
  }
  SECTION("pages") {
    SearchRequest r;
    r.query = "printer";
    r.per_page = 1;
    r.page = 2;
    const auto page2 = s.search(r);
    CHECK(page2.total == 2);
    CHECK(slugs(page2) == std::vector<std::string>{"network-troubleshooting"});
  }
  SECTION("query syntax errors are read as words") {
    CHECK_NOTHROW(search(s, "\"unclosed AND OR ( printer"));
    CHECK_NOTHROW(search(s, "AND"));
    CHECK_NOTHROW(search(s, "*"));
    CHECK_NOTHROW(search(s, "title:"));
  }
  SECTION("bad requests are refused") {
    CHECK_THROWS_AS(search(s, std::string(kMaxQueryBytes + 1, 'a')), BadRequest);
    CHECK_THROWS_AS(search(s, "bad \xff utf8"), BadRequest);
    SearchRequest r;
    r.page = 0;
    CHECK_THROWS_AS(s.search(r), BadRequest);
    r.page = 1;
    r.per_page = kMaxPerPage + 1;
    CHECK_THROWS_AS(s.search(r), BadRequest);
  }
  SECTION("control characters become spaces") { CHECK(sanitise_query("a\tb\x01\nc") == "a b c"); }
}

TEST_CASE("articles, aliases and related articles", "[search]") {
  const test::FixtureIndex index;
  Searcher s(index.index());
  const auto a = s.find_article("printer-offline");
  REQUIRE(a);
  CHECK(a->title == "Printer shows offline");
  CHECK(a->category == "printing");
  CHECK(a->tags == std::vector<std::string>{"printer", "network"});
  CHECK(a->updated == "2026-03-01");
  REQUIRE(a->headings.size() == 2);
  CHECK(a->headings[0].anchor == "step-1-check-the-cable");
  CHECK_THAT(a->html, Contains("<table>"));
  CHECK_THAT(a->html, !Contains("<h1"));  // the title is printed by the page
  CHECK_THAT(a->markdown, Contains("title: \"Printer shows offline\""));
  CHECK(s.resolve_alias("printer-not-working") == std::optional<std::string>("printer-offline"));
  CHECK_FALSE(s.resolve_alias("nothing"));
  CHECK_FALSE(s.find_article("../etc/passwd"));
  const auto related = s.related(*a, 3);
  REQUIRE_FALSE(related.empty());
  CHECK(related[0].slug == "network-troubleshooting");
  for (const auto& r : related) CHECK(r.slug != "printer-offline");
}

TEST_CASE("a searcher picks up a new revision on refresh", "[search]") {
  test::TempDir dir;
  dir.write("articles/a.md", test::article("Alpha", "first"));
  const IndexOptions opt = index_folder(dir);
  Searcher s(opt.index_dir);
  CHECK(s.status().documents == 1);
  dir.write("articles/b.md", test::article("Beta", "second"));
  build_index(opt);
  s.refresh();
  CHECK(s.status().documents == 2);
  CHECK(search(s, "second").hits.size() == 1);
  // Unchanged, a refresh skips the reopen; every commit after it is still
  // seen at once (the version file is replaced, so its stamp changes).
  for (int round = 3; round <= 7; ++round) {
    s.refresh();
    dir.write("articles/n" + std::to_string(round) + ".md", test::article("Note " + std::to_string(round), "round"));
    build_index(opt);
    s.refresh();
    CHECK(s.status().documents == static_cast<Xapian::doccount>(round));
  }
}

TEST_CASE("searchers sharing a hit cache show an edited article's new text after a refresh", "[search]") {
  test::TempDir dir;
  dir.write("articles/vpn.md", test::article("VPN drops", "## Reconnect\n\nThe tunnel falls over when the laptop sleeps."));
  dir.write("articles/other.md", test::article("Printer", "Paper jams in tray two."));
  const IndexOptions opt = index_folder(dir);
  const auto cache = std::make_shared<HitCache>(1 << 20);
  Searcher first(opt.index_dir), second(opt.index_dir);
  first.set_hit_cache(cache);
  second.set_hit_cache(cache);
  const auto before = search(first, "tunnel");
  REQUIRE(before.hits.size() == 1);
  CHECK_THAT(before.hits[0].snippet_html, Contains("falls over"));
  CHECK(search(second, "tunnel").hits[0].snippet_html == before.hits[0].snippet_html);
  CHECK(cache->stats().hits >= 1);  // the second searcher read the first one's record

  dir.write("articles/vpn.md", test::article("VPN drops", "## Reconnect\n\nThe tunnel now survives sleep after the update."));
  build_index(opt);
  first.refresh();
  second.refresh();
  for (Searcher* s : {&first, &second}) {
    const auto after = search(*s, "tunnel");
    REQUIRE(after.hits.size() == 1);
    CHECK_THAT(after.hits[0].snippet_html, Contains("survives sleep"));
    CHECK_THAT(after.hits[0].snippet_html, !Contains("falls over"));
  }
}

TEST_CASE("an index rebuilt from scratch is opened anew, even at the same revision", "[search]") {
  test::TempDir dir;
  dir.write("articles/a.md", test::article("Alpha", "first"));
  const IndexOptions opt = index_folder(dir);
  Searcher s(opt.index_dir);
  REQUIRE(search(s, "first").hits.size() == 1);
  // A second folder's first build has the same revision number; it is
  // moved in where the first index was.
  dir.write("other/articles/a.md", test::article("Alpha", "first"));
  dir.write("other/articles/fresh.md", test::article("Fresh", "freshword"));
  IndexOptions other = opt;
  other.articles_dir = dir / "other/articles";
  other.index_dir = dir / "other/index";
  build_index(other);
  REQUIRE(Xapian::Database(other.index_dir.string()).get_revision() == Xapian::Database(opt.index_dir.string()).get_revision());
  std::filesystem::rename(opt.index_dir, dir / "old-index");
  std::filesystem::rename(other.index_dir, opt.index_dir);
  std::filesystem::remove_all(dir / "old-index");
  s.refresh();
  CHECK(s.status().documents == 2);
  CHECK(search(s, "freshword").hits.size() == 1);
  CHECK(search(s, "first").hits.size() == 1);
}

TEST_CASE("a missing index is reported clearly", "[search]") {
  test::TempDir dir;
  CHECK_THROWS_WITH(Searcher(dir / "nope"), Contains("cannot open index") && Contains("build it with kb-index"));
}

TEST_CASE("the bundled knowledge base answers the everyday questions", "[search][sample]") {
  const test::FixtureIndex index("articles", KB_ARTICLES_DIR "/..");
  Searcher s(index.index());
  CHECK(slugs(search(s, "reset password")).at(0) == "reset-password");
  const auto typo = search(s, "pasword");
  CHECK(typo.corrected_query == "password");
  CHECK(slugs(typo).at(0) == "reset-password");
  const auto ko = search(s, "비밀번호 재설정");
  REQUIRE_FALSE(ko.hits.empty());
  CHECK(ko.hits[0].lang == "ko");
  const auto ja = search(s, "パスワード リセット");
  REQUIRE_FALSE(ja.hits.empty());
  CHECK(ja.hits[0].lang == "ja");
  CHECK(slugs(search(s, "ERR_NAME_NOT_RESOLVED")).at(0) == "slow-network-dns");
  CHECK(slugs(search(s, "0x80070643")).at(0) == "software-install-fails");
}

// Found by fuzz_query: a query Xapian's parser refused even in its plain
// fallback escaped as Xapian::QueryParserError, a 500 from the server.
TEST_CASE("queries the query parser refuses are still searched", "[search][fuzz]") {
  kb::test::FixtureIndex index;
  Searcher s(index.index());
  using namespace std::string_literals;
  const std::string crashing =
      "PAC setting in per-app VPN profile is iored \0\0lgnored by MicrosoftN profil\xE3\x81\xA7s ig setting in "
      "per-app VPN profile is iored by i\0Edge in Android 13"s;
  SearchRequest r;
  r.query = crashing;
  r.per_page = 1;
  CHECK_NOTHROW(s.search(r));
  // The smallest such query: one CJK character between two other words.
  for (const char* q : {"x \xE3\x81\xA7 y", "printer \xE3\x82\xA2 offline", "reset \xED\x95\x9C password"}) {
    INFO(q);
    r.query = q;
    r.per_page = 10;
    SearchResponse found;
    REQUIRE_NOTHROW(found = s.search(r));
    if (r.query.rfind("x ", 0) != 0) CHECK_FALSE(found.hits.empty());
  }
}

TEST_CASE("pasted text is matched on its most selective words", "[search]") {
  test::TempDir dir;
  // Twelve words only the log's own article has, and one word every
  // article has: pasted together they are 13 meaningful words, over the
  // 12 that make a query "pasted text".
  const std::string rare = "kerberos ticket renewal nonce skew replay realm keytab principal spn kvno preauth";
  dir.write("articles/log.md", test::article("Sign-in log", rare + " failure"));
  dir.write("articles/other.md", test::article("Printer", "the failure of a printer"));
  dir.write("articles/third.md", test::article("Mail", "a mail failure"));
  Searcher s(index_folder(dir).index_dir);
  const std::string pasted = rare + " failure";
  // Only the most selective words count: "failure", in every article,
  // does not bring in the others.
  CHECK(slugs(search(s, pasted)) == std::vector<std::string>{"log"});
  // All words, as written, when the limit is off.
  s.params().pasted_text_words = 0;
  const auto all = slugs(search(s, pasted));
  REQUIRE(all.size() == 3);
  CHECK(all[0] == "log");
  // A short query keeps every word.
  s.params().pasted_text_words = 12;
  CHECK(slugs(search(s, "kerberos failure")).size() == 3);
}

TEST_CASE("contractions typed without the apostrophe are not 'corrected' into other words", "[search]") {
  test::TempDir dir;
  // "can" and "done" are in the index, one edit from "cant" and "dont".
  dir.write("articles/reset.md", test::article("Reset your password", "You can reset it here. When you are done, sign in."));
  dir.write("articles/printer.md", test::article("Printer offline", "The printer shows offline."));
  Searcher s(index_folder(dir).index_dir);
  for (const char* query : {"cant reset password", "dont remember my password", "password reset doesnt work"}) {
    INFO(query);
    const auto r = search(s, query);
    CHECK(r.corrected_query.empty());
    REQUIRE_FALSE(r.hits.empty());
    CHECK(r.hits[0].slug == "reset");
  }
  // A real misspelling next to one is still corrected.
  CHECK(search(s, "cant reset pasword").corrected_query == "cant reset password");
}

TEST_CASE("corrections: short words are kept, long words may be two edits away, apostrophes join", "[search]") {
  test::TempDir dir;
  dir.write("articles/sync.md", test::article("Sync data across devices", "Cross-device sync needs the configuration file."));
  // "printer's" is in the index: "printer’s" is one substitution from it.
  dir.write("articles/printer.md", test::article("Printer offline", "The printer doesn't print. Read the printer's manual."));
  Searcher s(index_folder(dir).index_dir);
  // Three letters, one edit from "data": more likely another word than a typo.
  CHECK(search(s, "dat sync").corrected_query.empty());
  // Four letters and more, one edit: a typo.
  CHECK(search(s, "snyc data").corrected_query == "sync data");
  // Two edits only from nine letters: "crowd" is not "cross"...
  CHECK(search(s, "crowd sync").corrected_query.empty());
  // ...but "confguraton" is "configuration".
  CHECK(search(s, "confguraton file").corrected_query == "configuration file");
  // "doesn't" is one word (a stop word), not "doesn" to correct to "does".
  for (const char* query : {"printer doesn't print", "printer doesn\u2019t print", "printer\u2019s manual"}) {
    INFO(query);
    CHECK(search(s, query).corrected_query.empty());
  }
}

TEST_CASE("related articles: the writer's links first, then the same topic, never another language", "[search]") {
  test::TempDir dir;
  dir.write("articles/vpn-fails.md",
            test::article("VPN will not connect", "The VPN client says the portal cannot be reached. Restart the client. "
                                                  "If it connects but drops, see [VPN drops](/articles/vpn-drops).",
                          "slug: vpn-fails\ncategory: Network\ntags: [vpn]\n"));
  dir.write("articles/vpn-drops.md", test::article("VPN keeps dropping", "The client disconnects every hour.",
                                                   "slug: vpn-drops\ncategory: Network\n"));
  dir.write("articles/vpn-portal.md",
            test::article("VPN portal address", "Which portal the VPN client uses, and how to change it.",
                          "slug: vpn-portal\ncategory: Accounts\n"));
  // Filed together with the article, but about something else.
  dir.write("articles/cable.md", test::article("Network cable checks", "Check the cable lights.",
                                               "slug: cable\ncategory: Network\ntags: [cabling]\n"));
  dir.write("articles/vpn-fails-ja.md",
            test::article("VPNに接続できない", "VPN client portal restart.", "slug: vpn-fails-ja\nlang: ja\n"));
  const IndexOptions opt = index_folder(dir);
  Searcher s(opt.index_dir);
  const auto article = s.find_article("vpn-fails");
  REQUIRE(article);
  const auto related = s.related(*article, 5);
  std::vector<std::string> slugs;
  for (const auto& r : related) slugs.push_back(r.slug);
  INFO(Catch::Detail::stringify(slugs));
  REQUIRE(slugs.size() >= 2);
  CHECK(slugs[0] == "vpn-drops");   // linked from the text
  CHECK(slugs[1] == "vpn-portal");  // shares the title's topic, though filed elsewhere
  CHECK(std::find(slugs.begin(), slugs.end(), "vpn-fails") == slugs.end());
  CHECK(std::find(slugs.begin(), slugs.end(), "vpn-fails-ja") == slugs.end());
  // A shared tag or category alone makes no topic.
  CHECK(std::find(slugs.begin(), slugs.end(), "cable") == slugs.end());
}

TEST_CASE("a query the title says whole opens the article at its start, more words open their section", "[search]") {
  test::TempDir dir;
  dir.write("articles/vpn.md",
            test::article("VPN will not connect",
                          "Start here.\n\n## Step 1: Check the internet\n\nOpen a website.\n\n"
                          "## Step 2: Restart the VPN client\n\nQuit the VPN client, start the VPN client again, "
                          "and let the VPN client sign in.\n",
                          "slug: vpn\n"));
  const IndexOptions opt = index_folder(dir);
  Searcher s(opt.index_dir);
  // Every word typed is in the title: the guide from its first step.
  CHECK(search(s, "vpn").hits.at(0).section_anchor.empty());
  CHECK(search(s, "connect to the vpn").hits.at(0).section_anchor.empty());
  // Words the title lacks pick the section that has them.
  CHECK(search(s, "restart vpn client").hits.at(0).section_anchor == "step-2-restart-the-vpn-client");
  // So does a quoted phrase.
  CHECK(search(s, "\"vpn client\"").hits.at(0).section_anchor == "step-2-restart-the-vpn-client");
}
