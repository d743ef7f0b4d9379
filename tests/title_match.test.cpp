#include "kb/title_match.h"

#include "kb/index_writer.h"
#include "kb/searcher.h"
#include "support/search_index.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>

#include <map>

namespace {

/// One article per (slug, title); each body repeats @p body_words times.
void write_articles(kb::test::TempDir& dir, const std::map<std::string, std::string>& titles, int body_words) {
  for (const auto& [slug, title] : titles) {
    std::string body;
    for (int i = 0; i < body_words; ++i) body += "filler" + std::to_string(i % 50) + " ";
    dir.write("articles/" + slug + ".md", "---\ntitle: \"" + title + "\"\n---\n" + body + "\n");
  }
  kb::IndexOptions opt;
  opt.articles_dir = dir / "articles";
  opt.index_dir = dir / "index";
  REQUIRE(kb::build_index(opt).skipped == 0);
}

/// Every document an OR of the terms' sources matches, with its weight, as
/// QueryBuilder::title_match puts them together.
std::map<Xapian::docid, double> walk(const Xapian::Database& db, const std::vector<std::string>& terms,
                                     Xapian::doccount top = 1000) {
  const auto table = kb::FacetTable::for_database(db);
  std::vector<Xapian::Query> each;
  for (const auto& term : terms) each.emplace_back((new kb::TitleMatchSource(db, table, term, 1.2, 0.75, 1.0))->release());
  Xapian::Enquire enquire(db);
  enquire.set_query(Xapian::Query(Xapian::Query::OP_OR, each.begin(), each.end()));
  const Xapian::MSet found = enquire.get_mset(0, top);
  std::map<Xapian::docid, double> out;
  for (auto it = found.begin(); it != found.end(); ++it) out[*it] = it.get_weight();
  return out;
}

Xapian::docid docid_of(const Xapian::Database& db, const std::string& slug) {
  const auto p = db.postlist_begin("Q" + slug);
  REQUIRE(p != db.postlist_end("Q" + slug));
  return *p;
}

}  // namespace

TEST_CASE("a short title the query covers outweighs a long one with the same words", "[title_match]") {
  kb::test::TempDir dir;
  write_articles(dir,
                 {{"short", "Forward emails in Gmail"},
                  {"long", "In Gmail, can I attach a file from one email to another without saving it or forwarding it"},
                  {"other", "Print a calendar"}},
                 40);
  const Xapian::Database db((dir / "index").string());
  const auto weights = walk(db, {"ZSforward", "ZSemail", "ZSgmail"});
  REQUIRE(weights.size() == 2);  // "other" has none of the words
  CHECK(weights.count(docid_of(db, "other")) == 0);
  CHECK(weights.at(docid_of(db, "short")) > weights.at(docid_of(db, "long")) * 1.3);
  // The explanation's per-term figures add up to the source's weight.
  const auto table = kb::FacetTable::for_database(db);
  double sum = 0;
  for (const char* term : {"ZSforward", "ZSemail", "ZSgmail"}) {
    sum += kb::TitleMatchSource::term_weight(db, *table, term, docid_of(db, "short"), 1, 1.2, 0.75);
  }
  CHECK(sum == Approx(weights.at(docid_of(db, "short"))));
}

TEST_CASE("the title weight does not depend on the body's length", "[title_match]") {
  kb::test::TempDir short_bodies, long_bodies;
  const std::map<std::string, std::string> titles{{"a", "Reset a forgotten password"}, {"b", "Printer queue stuck"}};
  write_articles(short_bodies, titles, 5);
  write_articles(long_bodies, titles, 2000);
  const Xapian::Database small((short_bodies / "index").string()), big((long_bodies / "index").string());
  const auto w_small = walk(small, {"ZSpassword"});
  const auto w_big = walk(big, {"ZSpassword"});
  REQUIRE(w_small.size() == 1);
  REQUIRE(w_big.size() == 1);
  CHECK(w_small.begin()->second == Approx(w_big.begin()->second));
}

TEST_CASE("skip_to lands on the first matching document at or after the target", "[title_match]") {
  kb::test::TempDir dir;
  write_articles(dir, {{"a1", "VPN drops"}, {"a2", "Printer jams"}, {"a3", "VPN slow"}, {"a4", "Mail bounces"}}, 3);
  const Xapian::Database db((dir / "index").string());
  const auto table = kb::FacetTable::for_database(db);
  kb::TitleMatchSource source(db, table, "ZSvpn", 1.2, 0.75, 1.0);
  source.init(db);
  CHECK(source.get_termfreq_max() == 2);
  source.skip_to(docid_of(db, "a2"), 0);
  REQUIRE_FALSE(source.at_end());
  CHECK(source.get_docid() == docid_of(db, "a3"));
  source.skip_to(docid_of(db, "a3"), 0);  // already there: stays
  CHECK(source.get_docid() == docid_of(db, "a3"));
  source.next(0);
  CHECK(source.at_end());

  kb::TitleMatchSource nothing(db, table, "ZSnothing", 1.2, 0.75, 1.0);
  nothing.init(db);
  CHECK(nothing.at_end());
  CHECK(nothing.get_maxweight() == 0);
}

TEST_CASE("search ranks by the title's own length and ignores question phrasing", "[title_match]") {
  kb::test::TempDir dir;
  write_articles(dir,
                 {{"forward-many", "How to forward multiple emails in Gmail"},
                  {"attach", "In Gmail, how can I attach an attachment from one email to another, without forwarding"},
                  {"better-way", "A better way to back up files"}},
                 30);
  kb::Searcher searcher((dir / "index").string());
  kb::SearchRequest request;
  request.query = "Is there a way to forward emails in gmail?";
  const auto response = searcher.search(request);
  REQUIRE(response.hits.size() == 2);
  CHECK(response.hits[0].slug == "forward-many");
  // "is there a way" frames the question: it does not match the article
  // with "way" in its title.
  CHECK(kb::test::slugs(response) == std::vector<std::string>{"forward-many", "attach"});
}

TEST_CASE("weights for chosen documents equal what the source gives them", "[title_match]") {
  kb::test::TempDir dir;
  write_articles(dir,
                 {{"a", "Outlook crashes on start"}, {"b", "Outlook search finds nothing"}, {"c", "Teams crashes"},
                  {"d", "Printer offline"}},
                 10);
  const Xapian::Database db((dir / "index").string());
  const std::vector<std::string> terms{"ZSoutlook", "ZScrash"};
  const auto walked = walk(db, terms);
  // Any order, and a document with none of the terms weighs 0.
  const std::vector<Xapian::docid> chosen{docid_of(db, "c"), docid_of(db, "d"), docid_of(db, "a")};
  const auto weights = kb::TitleMatchSource::weights(db, *kb::FacetTable::for_database(db), terms, chosen, 1.2, 0.75);
  REQUIRE(weights.size() == 3);
  CHECK(weights[0] == Approx(walked.at(docid_of(db, "c"))));
  CHECK(weights[1] == 0);
  CHECK(weights[2] == Approx(walked.at(docid_of(db, "a"))));
  CHECK(weights[2] > weights[0]);  // both words beat one
}

TEST_CASE("a source ends when the matcher needs more than its term can give, the best matches keep their weight",
          "[title_match]") {
  kb::test::TempDir dir;
  // "error" is in every title (weak), "outlook" and "upgrade" in one each
  // (strong).
  write_articles(dir,
                 {{"e1", "Error when saving"}, {"e2", "Error on start"}, {"o1", "Outlook error on send"},
                  {"e3", "Error in setup"}, {"c1", "Error in upgrade"}, {"e4", "Error after update"}},
                 5);
  const Xapian::Database db((dir / "index").string());
  const auto table = kb::FacetTable::for_database(db);

  kb::TitleMatchSource weak(db, table, "ZSerror", 1.2, 0.75, 1.0);
  weak.init(db);
  weak.next(weak.get_maxweight() * 0.99);
  CHECK_FALSE(weak.at_end());
  weak.next(weak.get_maxweight() * 1.01);
  CHECK(weak.at_end());

  // Asked for the two best, Xapian stops reading the weak list early; the
  // two articles with a strong word still weigh what the full walk gives.
  const std::vector<std::string> terms{"ZSerror", "ZSoutlook", "ZSupgrad"};
  const auto all = walk(db, terms);
  REQUIRE(all.size() == 6);
  const auto best = walk(db, terms, 2);
  REQUIRE(best.size() == 2);
  CHECK(best.at(docid_of(db, "o1")) == Approx(all.at(docid_of(db, "o1"))));
  CHECK(best.at(docid_of(db, "c1")) == Approx(all.at(docid_of(db, "c1"))));
  CHECK(all.at(docid_of(db, "o1")) > all.at(docid_of(db, "e1")));
}

TEST_CASE("the scale multiplies the weights and the bound", "[title_match]") {
  kb::test::TempDir dir;
  write_articles(dir, {{"a", "Printer offline"}, {"b", "Printer jams often"}}, 5);
  const Xapian::Database db((dir / "index").string());
  const auto table = kb::FacetTable::for_database(db);
  kb::TitleMatchSource one(db, table, "ZSprinter", 1.2, 0.75, 1.0);
  kb::TitleMatchSource half(db, table, "ZSprinter", 1.2, 0.75, 0.5);
  one.init(db);
  half.init(db);
  CHECK(half.get_maxweight() == Approx(one.get_maxweight() * 0.5));
  for (one.next(0), half.next(0); !one.at_end(); one.next(0), half.next(0)) {
    REQUIRE_FALSE(half.at_end());
    CHECK(half.get_docid() == one.get_docid());
    CHECK(half.get_weight() == Approx(one.get_weight() * 0.5));
  }
  CHECK(half.at_end());
}
