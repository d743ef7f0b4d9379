/** @file ladder.test.cpp
 *  @brief The search ladder and ranking controls on tests/fixtures/ladder:
 *  each rung, synonyms, exact identifiers, sections, pins, languages, the
 *  learned boost's bound, autocomplete and explanations.
 */
#include "kb/searcher.h"
#include "kb/index_writer.h"
#include "support/search_index.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>

using namespace kb;
using kb::test::slugs;
using Catch::Matchers::Contains;

namespace {

SearchResponse search(Searcher& s, const std::string& q, std::vector<std::string> accept = {}, bool explain = false) {
  SearchRequest r;
  r.query = q;
  r.accept_languages = std::move(accept);
  r.explain = explain;
  return s.search(r);
}

/// Indexes the one article @p markdown as @p dir's articles/@p name; the
/// index directory.
std::filesystem::path index_one_article(const test::TempDir& dir, const std::string& name, const std::string& markdown) {
  dir.write("articles/" + name, markdown);
  IndexOptions opt;
  opt.articles_dir = dir / "articles";
  opt.index_dir = dir / "index";
  REQUIRE(build_index(opt).skipped == 0);
  return opt.index_dir;
}

/// The first hit for @p query shows the section @p anchor, with @p marked
/// (the query's words in <mark>) in its snippet.
void check_first_section(Searcher& s, const std::string& query, const std::string& anchor, const std::string& marked) {
  INFO(query);
  const auto r = search(s, query);
  REQUIRE_FALSE(r.hits.empty());
  CHECK(r.hits[0].section_anchor == anchor);
  CHECK_THAT(r.hits[0].snippet_html, Contains(marked));
}

std::vector<std::string> slugs_of(const std::vector<ArticleLink>& links) {
  std::vector<std::string> out;
  for (const auto& l : links) out.push_back(l.slug);
  return out;
}

}  // namespace

TEST_CASE("each rung of the ladder answers in turn", "[ladder]") {
  const test::FixtureIndex index("ladder");
  Searcher s(index.index());
  REQUIRE(s.synonyms().size() == 2);

  SECTION("all words") {
    const auto r = search(s, "wireless network");
    CHECK(r.rung == "all");
    CHECK(r.hits.at(0).slug == "wireless");
  }
  SECTION("spelling-corrected, only for words no article contains") {
    const auto r = search(s, "wireles netwrk");
    CHECK(r.rung == "corrected");
    CHECK(r.corrected_query == "wireless network");
    CHECK(r.hits.at(0).slug == "wireless");
  }
  SECTION("as typed: no correction, the words the person chose") {
    SearchRequest r;
    r.query = "wireles netwrk";
    r.as_typed = true;
    const auto typed = s.search(r);
    CHECK(typed.corrected_query.empty());
    CHECK(typed.rung != "corrected");
  }
  SECTION("synonyms: a listed word is never 'corrected'") {
    const auto r = search(s, "wifi network");
    CHECK(r.corrected_query.empty());
    CHECK(r.rung == "synonyms");
    CHECK(r.hits.at(0).slug == "wireless");
    const auto mfa = search(s, "mfa sign in");
    CHECK(mfa.rung == "synonyms");
    CHECK(mfa.hits.at(0).slug == "two-factor");
  }
  SECTION("any word") {
    const auto r = search(s, "wireless xylophone");
    CHECK(r.rung == "any");
    CHECK(r.hits.at(0).slug == "wireless");
  }
  SECTION("nothing") {
    CHECK(search(s, "xylophone").rung == "none");
  }
}

TEST_CASE("exact identifiers outrank loose word matches", "[ladder]") {
  const test::FixtureIndex index("ladder");
  Searcher s(index.index());
  CHECK(search(s, "access denied 0x80070005").hits.at(0).slug == "install-error");
  const std::string log =
      "2026-11-02 10:14:03 INFO installer starting, access denied retrying\n"
      "2026-11-02 10:14:04 ERROR install failed: access denied (0x80070005)\n"
      "2026-11-02 10:14:04 ERROR access denied, access denied, giving up\n";
  const auto r = search(s, log);
  CHECK(r.rung == "any");
  CHECK(r.hits.at(0).slug == "install-error");
}

TEST_CASE("a result names and links its best section", "[ladder]") {
  const test::FixtureIndex index("ladder");
  Searcher s(index.index());
  const auto r = search(s, "forget rejoin");
  REQUIRE_FALSE(r.hits.empty());
  CHECK(r.hits[0].section_heading == "Forget and rejoin");
  CHECK(r.hits[0].section_anchor == "forget-and-rejoin");
  CHECK(r.hits[0].section_url() == "/articles/wireless#forget-and-rejoin");
  CHECK_THAT(r.hits[0].snippet_html, Contains("<mark>forget</mark>"));
  const auto other = search(s, "badge number");
  CHECK(other.hits.at(0).section_anchor == "find-the-network");
  // Capitals keep a word as written in the query ("forgetting"); the
  // section is still found by its stem, and the snippet marks the word as
  // the text writes it.
  const auto capitals = search(s, "Forgetting Rejoin");
  REQUIRE_FALSE(capitals.hits.empty());
  CHECK(capitals.hits[0].section_anchor == "forget-and-rejoin");
  CHECK_THAT(capitals.hits[0].snippet_html, Contains("<mark>forget</mark>"));
}

TEST_CASE("a quoted phrase shows the section that has it, not the one that repeats its words", "[ladder]") {
  test::TempDir dir;
  Searcher s(index_one_article(
      dir, "guest-wifi.md",
      "---\ntitle: \"Office Wi-Fi\"\n---\nConnect to the office network.\n\n"
      "## Staff passwords\n\nStaff passwords change every 90 days. Passwords need 12 characters; "
      "reuse of old passwords is refused, and passwords are never sent by email.\n\n"
      "## Guest access\n\nVisitors join the Guest network. It has no passwords: the portal asks for "
      "an email address instead.\n"));
  // Without quotes the words count one by one: the staff section says
  // "passwords" four times.
  const auto loose = search(s, "no passwords");
  REQUIRE_FALSE(loose.hits.empty());
  CHECK(loose.hits[0].section_anchor == "staff-passwords");
  for (const std::string q : {"\"no passwords\"", "guest \u201cno passwords\u201d"}) {
    check_first_section(s, q, "guest-access", "<mark>no</mark> <mark>passwords</mark>");
  }
}

TEST_CASE("an article in another language shows its best section for a query stemmed as English", "[ladder]") {
  test::TempDir dir;
  Searcher s(index_one_article(dir, "drucker.md",
                               "---\ntitle: \"Hilfe\"\nlang: de\n---\nDieser Artikel behandelt Geräte im Büro.\n\n"
                               "## Scannen\n\nDer Scanner braucht einen Treiber.\n\n"
                               "## Drucken\n\nWenn der Drucker offline ist, starten Sie ihn neu.\n"));
  // No language filter: the query is stemmed as English, the article as German.
  for (const std::string q : {"Drucker", "drucker offline"}) check_first_section(s, q, "drucken", "<mark>Drucker</mark>");
  SearchRequest filtered;
  filtered.query = "Drucker";
  filtered.lang = "de";
  CHECK(s.search(filtered).hits.at(0).section_anchor == "drucken");
}

TEST_CASE("promote_for pins an article first for its queries", "[ladder]") {
  const test::FixtureIndex index("ladder");
  Searcher s(index.index());
  const auto r = search(s, "Office Internet");
  REQUIRE(r.hits.size() >= 2);
  CHECK(r.hits[0].slug == "wireless");
  CHECK(r.hits[0].pinned);
  CHECK(r.hits[1].slug == "office-network");
  CHECK_FALSE(r.hits[1].pinned);
  // Not shown twice, and page 2 continues after the pin.
  SearchRequest p2;
  p2.query = "office internet";
  p2.per_page = 1;
  p2.page = 2;
  CHECK(slugs(s.search(p2)) == std::vector<std::string>{"office-network"});
  CHECK_FALSE(search(s, "office").hits.at(0).pinned);  // only the listed query pins
}

TEST_CASE("translations: one version per article, in the person's language", "[ladder]") {
  const test::FixtureIndex index("ladder");
  Searcher s(index.index());
  CHECK(slugs(search(s, "vpn")) == std::vector<std::string>{"vpn-setup"});
  CHECK(slugs(search(s, "vpn", {"ko-KR", "en"})) == std::vector<std::string>{"vpn-setup-ko"});
  CHECK(search(s, "vpn", {"ko-KR"}).language == "ko");
  CHECK(search(s, "VPN 설정").language == "ko");  // the script decides
  CHECK(language_of_script("パスワード") == "ja");
  CHECK(language_of_script("reset") == "");
  // Facets count what is shown: one article per translation group...
  const auto both = search(s, "vpn");
  CHECK(both.total == 1);
  CHECK(both.category_facets == FacetCounts{{"remote-access", 1}});
  // ...while the language facet counts each version, as its filter shows it.
  CHECK(both.lang_facets == FacetCounts{{"en", 1}, {"ko", 1}});
  SearchRequest filtered;
  filtered.query = "vpn";
  filtered.lang = "ko";
  CHECK(slugs(s.search(filtered)) == std::vector<std::string>{"vpn-setup-ko"});
}

TEST_CASE("autocomplete offers the version in the person's language", "[ladder]") {
  const test::FixtureIndex index("ladder");
  Searcher s(index.index());
  auto first = [&](const std::string& typed, const std::string& lang, std::vector<std::string> accept) {
    const auto links = s.complete_titles(typed, 5, lang, accept);
    return links.empty() ? std::string() : links.front().slug;
  };
  CHECK(first("vp", "", {"ko-KR", "en"}) == "vpn-setup-ko");
  CHECK(first("vp", "", {"en"}) == "vpn-setup");
  CHECK(first("vp", "", {}) == "vpn-setup");    // the default language
  CHECK(first("vp", "en", {"ko"}) == "vpn-setup");  // a filter wins
  // One version of an article, never both.
  CHECK(s.complete_titles("vp", 5, "", {"ko"}).size() == 1);
}

TEST_CASE("articles named by slug come as the reader's version, one per article", "[ladder]") {
  const test::FixtureIndex index("ladder");
  Searcher s(index.index());
  CHECK(slugs_of(s.versions_in({"vpn-setup", "vpn-setup-ko", "gone", "wireless"}, "ko-KR", 5)) ==
        std::vector<std::string>{"vpn-setup-ko", "wireless"});
  CHECK(slugs_of(s.versions_in({"vpn-setup-ko", "wireless"}, "en", 1)) == std::vector<std::string>{"vpn-setup"});
  CHECK(slugs_of(s.versions_in({"vpn-setup-ko"}, "", 5)) == std::vector<std::string>{"vpn-setup-ko"});
}

TEST_CASE("the learned boost reorders only close scores", "[ladder]") {
  const test::FixtureIndex index("ladder");
  Searcher s(index.index());
  const auto plain = search(s, "network", {}, true);
  REQUIRE(plain.hits.size() >= 2);
  // Give every article but the first full success: none may pass a result
  // whose text score is more than 10% higher.
  auto boost = std::make_shared<Searcher::LearnedBoost>();
  for (std::size_t i = 1; i < plain.hits.size(); ++i) (*boost)[plain.hits[i].slug] = 1.0;
  s.set_learned_boost(boost);
  const auto boosted = search(s, "network", {}, true);
  for (std::size_t i = 0; i + 1 < boosted.hits.size(); ++i) {
    const double a = boosted.hits[i].explain["weight"].get<double>();
    const double b = boosted.hits[i + 1].explain["weight"].get<double>();
    CHECK(a * 1.1 >= b);  // a text score more than 10% higher is never overtaken
    CHECK(boosted.hits[i].explain["learned_boost"].get<double>() <= 1.1);
  }
  s.set_learned_boost(nullptr);
  CHECK(slugs(search(s, "network")) == slugs(plain));
}

TEST_CASE("explanations name terms, fields, weights and sections", "[ladder]") {
  const test::FixtureIndex index("ladder");
  Searcher s(index.index());
  const auto r = search(s, "wireless", {}, true);
  const auto& e = r.hits.at(0).explain;
  CHECK(e["rung"] == "all");
  CHECK(e["weight"].get<double>() > 0);
  bool title = false;
  for (const auto& t : e["matched_terms"]) {
    CHECK(t["weight"].get<double>() > 0);
    if (t["field"] == "title") title = true;
  }
  CHECK(title);
  CHECK(search(s, "office internet", {}, true).hits.at(0).explain["pinned"] == true);
}

TEST_CASE("autocomplete completes the last word from titles", "[ladder]") {
  const test::FixtureIndex index("ladder");
  Searcher s(index.index());
  const auto wire = s.complete_titles("wirel", 5);
  REQUIRE(wire.size() == 1);
  CHECK(wire[0].slug == "wireless");
  CHECK(s.complete_titles("set up two", 5).at(0).slug == "two-factor");
  CHECK(s.complete_titles("", 5).empty());
  CHECK(s.complete_titles("zzz", 5).empty());
}

namespace {

/// Indexes @p articles (file name, Markdown) as @p dir's articles/; the
/// index directory.
std::filesystem::path index_articles(const test::TempDir& dir, const std::vector<std::pair<std::string, std::string>>& articles) {
  for (const auto& [name, markdown] : articles) dir.write("articles/" + name, markdown);
  IndexOptions opt;
  opt.articles_dir = dir / "articles";
  opt.index_dir = dir / "index";
  REQUIRE(build_index(opt).skipped == 0);
  return opt.index_dir;
}

}  // namespace

TEST_CASE("a capitalised word no article has as written is stemmed like any other", "[ladder]") {
  test::TempDir dir;
  Searcher s(index_articles(dir, {{"vpn.md", "---\ntitle: \"VPN drops\"\n---\nThe tunnel disconnected twice an hour.\n"},
                                  {"windows.md", "---\ntitle: \"Updates\"\n---\nWindows updates install overnight.\n"}}));
  // As a phone keyboard writes a query's first word.
  CHECK(slugs(search(s, "Disconnects")) == std::vector<std::string>{"vpn"});
  CHECK(search(s, "Disconnects").rung == "all");
  // A word some article has as written still matches as written.
  CHECK(slugs(search(s, "Windows")) == std::vector<std::string>{"windows"});
}

TEST_CASE("an excluded word stays out: its synonyms and title matches do not bring it back", "[ladder]") {
  test::TempDir dir;
  dir.write("articles/_synonyms.yaml", "- [vpn, globalprotect]\n");
  Searcher s(index_articles(dir, {{"vpn.md", "---\ntitle: \"VPN cannot connect\"\n---\nThe VPN fails at the printer desk.\n"},
                                  {"client.md", "---\ntitle: \"Client update\"\n---\nUpdate GlobalProtect every month.\n"},
                                  {"printer.md", "---\ntitle: \"Printer offline\"\n---\nThe printer shows as offline.\n"},
                                  {"mail.md", "---\ntitle: \"Mailbox full\"\n---\nArchive old mail.\n"}}));
  // "globalprotect" is a synonym of the excluded word, not of "printer".
  CHECK(slugs(search(s, "printer -vpn")) == std::vector<std::string>{"printer"});
  // With nothing else asked for, every article but the excluded ones: the
  // query parser alone would read "-vpn" as "vpn".
  auto only = slugs(search(s, "-vpn"));
  std::sort(only.begin(), only.end());
  CHECK(only == std::vector<std::string>{"client", "mail", "printer"});
  only = slugs(search(s, "-vpn -printer"));
  std::sort(only.begin(), only.end());
  CHECK(only == std::vector<std::string>{"client", "mail"});
  // "NOT" excludes as "-" does: not even through a synonym.
  CHECK(slugs(search(s, "printer NOT vpn")) == std::vector<std::string>{"printer"});
  // A field asks for exactly its words: no synonyms in the body.
  CHECK(slugs(search(s, "title:vpn")) == std::vector<std::string>{"vpn"});
}

TEST_CASE("a synonym phrase's single words do not choose the section or get marked", "[ladder]") {
  test::TempDir dir;
  dir.write("articles/_synonyms.yaml", "- [mfa, two-step verification]\n");
  Searcher s(index_one_article(dir, "leaver.md",
                               "---\ntitle: \"Leaver checklist\"\n---\nWhat happens when someone leaves.\n\n"
                               "## Step 1: Submit the step form\n\nFill in each step of the leaver form.\n\n"
                               "## Timeline\n\nTheir MFA methods are removed on the last day.\n\n"
                               "## Devices\n\nLaptops are wiped after two-step verification is turned off.\n"));
  check_first_section(s, "mfa", "timeline", "<mark>MFA</mark>");
  CHECK_THAT(search(s, "mfa").hits.at(0).snippet_html, !Contains("<mark>step"));
  // The whole phrase still counts where the typed word is missing.
  check_first_section(s, "mfa laptops", "devices", "<mark>Laptops</mark>");
}

TEST_CASE("a CJK query chooses and marks by its character pairs, not single characters", "[ladder]") {
  test::TempDir dir;
  Searcher s(index_one_article(dir, "vpn-ja.md",
                               "---\ntitle: \"ヘルプ\"\nlang: ja\n---\nなにもないときはいつもないのです。ないない。\n\n"
                               "## 手順\n\nVPN に接続できない場合のなおしかたです。\n"));
  const auto r = search(s, "接続できない");
  REQUIRE_FALSE(r.hits.empty());
  CHECK(r.hits[0].section_anchor == "手順");
  CHECK_THAT(r.hits[0].snippet_html, Contains("<mark>接続"));
  CHECK_THAT(r.hits[0].snippet_html, !Contains("<mark>な</mark>"));
  CHECK_THAT(r.hits[0].snippet_html, !Contains("<mark>い</mark>"));
}

TEST_CASE("autocomplete skips stop words when they leave nothing and reads hyphenated words", "[ladder]") {
  test::TempDir dir;
  Searcher s(index_articles(dir, {{"reset.md", "---\ntitle: \"How to reset your password\"\n---\nSteps.\n"},
                                  {"restore.md", "---\ntitle: \"Restore deleted files\"\n---\nSteps.\n"},
                                  {"wifi.md", "---\ntitle: \"Wi-Fi won't connect\"\n---\nSteps.\n"}}));
  auto titles = [&](const std::string& typed) {
    std::vector<std::string> out;
    for (const auto& link : s.complete_titles(typed, 5)) out.push_back(link.slug);
    return out;
  };
  // Every typed word first: the title that says them leads.
  CHECK(titles("how to res") == std::vector<std::string>{"reset", "restore"});
  // Titles seldom say "how do I": the words that mean something complete.
  const auto without_stop_words = titles("how do i res");
  CHECK(std::find(without_stop_words.begin(), without_stop_words.end(), "reset") != without_stop_words.end());
  CHECK(titles("reset my pas") == std::vector<std::string>{"reset"});
  CHECK(titles("wi-f") == std::vector<std::string>{"wifi"});
}

TEST_CASE("a word only a translation has shows the version in the person's language", "[ladder]") {
  test::TempDir dir;
  Searcher s(index_articles(dir, {{"printer.md", "---\ntitle: \"Printer offline\"\nslug: printer\nlang: en\n---\nRestart the print service.\n"},
                                  {"printer-ko.md", "---\ntitle: \"프린터 오프라인\"\nslug: printer-ko\nlang: ko\ntranslation_of: printer\n---\n"
                                                    "스풀러 (spooler) 서비스를 다시 시작하세요.\n"}}));
  // "spooler" is in the Korean version alone: an English reader gets the
  // English one, which is the same article.
  const auto en = search(s, "spooler", {"en"});
  REQUIRE(en.hits.size() == 1);
  CHECK(en.hits[0].slug == "printer");
  CHECK(en.hits[0].lang == "en");
  CHECK(search(s, "spooler", {"ko"}).hits.at(0).slug == "printer-ko");
  SearchRequest filtered;
  filtered.query = "spooler";
  filtered.lang = "ko";
  CHECK(slugs(s.search(filtered)) == std::vector<std::string>{"printer-ko"});
}

TEST_CASE("a pasted switch or negative code is looked for, and a word ending in a colon keeps its synonyms", "[ladder]") {
  test::TempDir dir;
  dir.write("articles/_synonyms.yaml", "- [laptop, notebook]\n");
  Searcher s(index_articles(dir, {{"com.md", "---\ntitle: \"Macro fails\"\n---\nThe macro stops with error -2147467259.\n"},
                                  {"files.md", "---\ntitle: \"List files\"\n---\nRun Get-ChildItem -Recurse to list them.\n"},
                                  {"laptop.md", "---\ntitle: \"Laptop stolen\"\n---\nReport a lost laptop at once.\n"},
                                  {"mail.md", "---\ntitle: \"Mailbox full\"\n---\nArchive old mail.\n"}}));
  // As COM prints an HRESULT, and a PowerShell switch alone: not "every
  // article but".
  CHECK(slugs(search(s, "-2147467259")) == std::vector<std::string>{"com"});
  CHECK(slugs(search(s, "-Recurse")) == std::vector<std::string>{"files"});
  CHECK(slugs(search(s, "macro -2147467259")) == std::vector<std::string>{"com"});
  // "Notebook:" as a pasted line starts: a word, not a field.
  const auto r = search(s, "notebook: stolen");
  CHECK(r.rung == "synonyms");
  CHECK(slugs(r) == std::vector<std::string>{"laptop"});
}

TEST_CASE("the person's own version is shown only where it answers the query as typed", "[ladder]") {
  test::TempDir dir;
  Searcher s(index_articles(dir, {{"printer.md", "---\ntitle: \"Printer offline\"\nslug: printer\nlang: en\ncategory: printing\n---\n"
                                                 "Restart the print service and the driver.\n"},
                                  {"printer-ja.md", "---\ntitle: \"プリンター\"\nslug: printer-ja\nlang: ja\ncategory: printing\ntranslation_of: printer\n---\n"
                                                    "印刷 spooler サービスを再起動します。\n"}}));
  // Kanji say nothing of the language guessed from Accept-Language: the
  // words are the Japanese version's.
  CHECK(search(s, "印刷", {"en"}).hits.at(0).slug == "printer-ja");
  // The English version has "driver": it would not pass the exclusion.
  CHECK(search(s, "spooler -driver", {"en"}).hits.at(0).slug == "printer-ja");
  CHECK(search(s, "spooler NOT driver", {"en"}).hits.at(0).slug == "printer-ja");
  CHECK(search(s, "spooler", {"en"}).hits.at(0).slug == "printer");
  // A filter both versions pass, or a word ending in a colon, changes nothing.
  CHECK(search(s, "Spooler:", {"en"}).hits.at(0).slug == "printer");
  SearchRequest filed;
  filed.query = "spooler";
  filed.category = "printing";
  filed.accept_languages = {"en"};
  CHECK(s.search(filed).hits.at(0).slug == "printer");
}
