#include "kb/rerank.h"

#include "kb/index_writer.h"
#include "kb/searcher.h"
#include "support/search_index.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>

#include <map>
#include <set>

namespace {

/// Builds an index of the given articles (slug -> body), titled by slug.
void index_bodies(kb::test::TempDir& dir, const std::map<std::string, std::string>& bodies) {
  for (const auto& [slug, body] : bodies) {
    dir.write("articles/" + slug + ".md", "---\ntitle: \"Note " + slug + "\"\n---\n" + body + "\n");
  }
  kb::IndexOptions opt;
  opt.articles_dir = dir / "articles";
  opt.index_dir = dir / "index";
  REQUIRE(kb::build_index(opt).skipped == 0);
}

Xapian::docid docid_of(const Xapian::Database& db, const std::string& slug) {
  const auto p = db.postlist_begin("Q" + slug);
  REQUIRE(p != db.postlist_end("Q" + slug));
  return *p;
}

std::string filler(int words) {
  std::string out;
  for (int i = 0; i < words; ++i) out += "word" + std::to_string(i % 37) + " ";
  return out;
}

/// Indexes @p bodies among a dozen unrelated articles (which make the
/// query's words rare, as in a real knowledge base) and searches @p query
/// with explanations.
kb::SearchResponse explained_search(std::map<std::string, std::string> bodies, const std::string& query) {
  kb::test::TempDir dir;
  for (int i = 0; i < 12; ++i) bodies["other" + std::to_string(i)] = "scanner " + filler(30 + i);
  index_bodies(dir, bodies);
  kb::Searcher searcher(dir / "index");
  kb::SearchRequest request;
  request.query = query;
  request.explain = true;
  return searcher.search(request);
}

}  // namespace

TEST_CASE("a docid set walks its documents in order, once each, and skips forward", "[rerank]") {
  kb::DocidSetSource source({9, 3, 7, 3, 12});
  Xapian::Database unused;
  source.init(unused);
  std::vector<Xapian::docid> walked;
  for (source.next(0); !source.at_end(); source.next(0)) walked.push_back(source.get_docid());
  CHECK(walked == std::vector<Xapian::docid>{3, 7, 9, 12});
  CHECK(source.get_termfreq_est() == 4);

  source.init(unused);
  source.skip_to(8, 0);
  REQUIRE(!source.at_end());
  CHECK(source.get_docid() == 9);
  source.skip_to(9, 0);  // already there: stays
  CHECK(source.get_docid() == 9);
  source.skip_to(13, 0);
  CHECK(source.at_end());
}

TEST_CASE("weights over chosen documents equal the query's weights in a whole search", "[rerank]") {
  kb::test::TempDir dir;
  index_bodies(dir, {{"near", "the printer is offline again " + filler(30)},
                     {"far", "the printer " + filler(25) + " offline"},
                     {"one", "the printer " + filler(40)},
                     {"none", filler(20)}});
  const Xapian::Database db((dir / "index").string());
  const Xapian::BM25Weight bm25(1.5, 0, 1, 0.9, 0.5);
  const Xapian::Query words[] = {Xapian::Query("printer"), Xapian::Query("offline")};
  const Xapian::Query near(Xapian::Query::OP_NEAR, std::begin(words), std::end(words), 4);
  const Xapian::Query all(Xapian::Query::OP_AND, std::begin(words), std::end(words));
  const Xapian::Query bonus(Xapian::Query::OP_OR, near, Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, all, 0.3));

  Xapian::Enquire whole(db);
  whole.set_weighting_scheme(bm25);
  whole.set_query(bonus);
  std::map<Xapian::docid, double> expected;
  const Xapian::MSet mset = whole.get_mset(0, 10);
  for (auto it = mset.begin(); it != mset.end(); ++it) expected[*it] = it.get_weight();
  REQUIRE(expected.size() == 2);  // "near" (both parts) and "far" (all words only)

  const std::vector<Xapian::docid> chosen{docid_of(db, "one"), docid_of(db, "far"), docid_of(db, "near")};
  const std::vector<double> got = kb::weights_of(db, bm25, bonus, chosen);
  REQUIRE(got.size() == 3);
  CHECK(got[0] == 0.0);  // "one" lacks "offline"
  CHECK(got[1] == Approx(expected.at(docid_of(db, "far"))).epsilon(1e-12));
  CHECK(got[2] == Approx(expected.at(docid_of(db, "near"))).epsilon(1e-12));
  CHECK(got[2] > got[1]);  // the words close together add the proximity part

  CHECK(kb::weights_of(db, bm25, Xapian::Query(), chosen) == std::vector<double>(3, 0.0));
  CHECK(kb::weights_of(db, bm25, bonus, {}).empty());
}

TEST_CASE("search puts the words found close together and every word first, and explains it", "[rerank]") {
  // Same length and the same words, so only where they stand differs.
  const kb::SearchResponse response = explained_search({{"apart", "printer " + filler(30) + " offline " + filler(10)},
                                                        {"together", filler(20) + " printer offline " + filler(20)},
                                                        {"single", "printer printer " + filler(40)}},
                                                       "printer offline");
  REQUIRE(response.rung == "all");
  const auto slugs = kb::test::slugs(response);
  REQUIRE(slugs.size() == 3);
  CHECK(slugs[0] == "together");
  CHECK(slugs[1] == "apart");
  CHECK(slugs[2] == "single");
  const double together_bonus = response.hits[0].explain.at("reordering_bonus").get<double>();
  const double apart_bonus = response.hits[1].explain.at("reordering_bonus").get<double>();
  CHECK(together_bonus > apart_bonus);
  CHECK(apart_bonus > 0);  // every word, not close
  CHECK(response.hits[2].explain.at("reordering_bonus").get<double>() == 0.0);
}

TEST_CASE("a hyphenated word matches its parts, and first where it is written as one", "[rerank]") {
  const kb::SearchResponse response =
      explained_search({{"compound", filler(20) + " wi-fi " + filler(20)}, {"apart", "wi " + filler(40) + " fi"}}, "wi-fi");
  CHECK(response.rung == "all");  // the every-word rung still reads it as written
  // The parts count where they stand apart too, but the compound as
  // written comes first through the reordering.
  REQUIRE(kb::test::slugs(response) == std::vector<std::string>{"compound", "apart"});
  CHECK(response.hits[0].explain.at("reordering_bonus").get<double>() > 0);
  CHECK(response.hits[1].explain.at("reordering_bonus").get<double>() == 0.0);
}

TEST_CASE("a dotted name matches its parts, and first where it is written as one, versions keep their dots", "[rerank]") {
  const kb::SearchResponse response = explained_search(
      {{"dotted", filler(20) + " asp.net " + filler(20)}, {"apart", "asp " + filler(40) + " net"}}, "asp.net");
  // Both match (the parts stand apart in one), the name as written first.
  REQUIRE(kb::test::slugs(response) == std::vector<std::string>{"dotted", "apart"});
  CHECK(response.hits[0].explain.at("reordering_bonus").get<double>() > 0);
  CHECK(response.hits[1].explain.at("reordering_bonus").get<double>() == 0.0);

  // At the end of a sentence too.
  CHECK(kb::test::slugs(explained_search({{"dotted", filler(20) + " asp.net " + filler(20)},
                                          {"apart", "asp " + filler(40) + " net"}},
                                         "errors in asp.net.")) == std::vector<std::string>{"dotted", "apart"});
  // An e-mail or web address stays whole: its parts do not match apart.
  for (const std::string address : {"jane.doe@example.com", "www.example.com", "example.com/path"}) {
    INFO(address);
    CHECK(explained_search({{"loose", "example " + filler(30) + " com " + filler(10)}}, address).hits.empty());
  }
  // A dot between digits is not a joiner: "10.0" is searched as written.
  const kb::SearchResponse version = explained_search(
      {{"ten", filler(20) + " build 10.0 " + filler(20)}, {"parts", "build 10 " + filler(40) + " 0"}}, "10.0");
  CHECK(kb::test::slugs(version) == std::vector<std::string>{"ten"});
}

TEST_CASE("pages of any size list the same order: the reordering never repeats or skips an article", "[rerank]") {
  kb::test::TempDir dir;
  std::map<std::string, std::string> bodies;
  // 90 articles that all match, some with both words close together, at
  // varied lengths, so the reordering of the first matches moves articles.
  for (int i = 0; i < 90; ++i) {
    const std::string n = std::to_string(i);
    bodies["a" + n] = i % 3 == 0 ? filler(i % 17) + " printer offline " + filler(20 + i % 29)
                                 : "printer " + filler(10 + i % 23) + (i % 2 ? " offline " : " ") + filler(i % 13);
  }
  index_bodies(dir, bodies);
  kb::Searcher searcher(dir / "index");
  auto listed = [&](int per_page) {
    std::vector<std::string> out;
    kb::SearchRequest request;
    request.query = "printer offline";
    request.per_page = per_page;
    for (request.page = 1;; ++request.page) {
      const kb::SearchResponse response = searcher.search(request);
      for (const auto& hit : response.hits) out.push_back(hit.slug);
      if (response.hits.size() < static_cast<std::size_t>(per_page)) break;
    }
    return out;
  };
  const std::vector<std::string> by_ten = listed(10);
  REQUIRE(by_ten.size() == 90);
  CHECK(std::set<std::string>(by_ten.begin(), by_ten.end()).size() == 90);  // none twice
  CHECK(listed(50) == by_ten);
  CHECK(listed(7) == by_ten);
}

TEST_CASE("fields, filters and quoted phrases keep their hyphens", "[rerank]") {
  kb::test::TempDir dir;
  dir.write("articles/tagged.md", "---\ntitle: \"Router setup\"\ntags: [wi-fi]\n---\nrouter " + filler(20) + "\n");
  dir.write("articles/loose.md", "---\ntitle: \"Router notes\"\n---\nwi fi router " + filler(20) + "\n");
  dir.write("articles/phrase.md", "---\ntitle: \"Sign in\"\n---\nthe sign-in page " + filler(20) + "\n");
  dir.write("articles/apart.md", "---\ntitle: \"Sign here\"\n---\nsign " + filler(20) + " in page\n");
  kb::IndexOptions opt;
  opt.articles_dir = dir / "articles";
  opt.index_dir = dir / "index";
  REQUIRE(kb::build_index(opt).skipped == 0);
  kb::Searcher searcher(opt.index_dir);
  auto found = [&](const std::string& query) {
    kb::SearchRequest request;
    request.query = query;
    return kb::test::slugs(searcher.search(request));
  };
  // The tag filter is "wi-fi", whole, and holds for every part of the
  // ranking (the title match too): only the tagged article.
  CHECK(found("tag:wi-fi router") == std::vector<std::string>{"tagged"});
  CHECK(found("tag:wi-fi") == std::vector<std::string>{"tagged"});
  // An exclusion holds for the title match too.
  CHECK(found("router -notes") == std::vector<std::string>{"tagged"});
  // Quoted or not, the compound as written comes first.
  for (const std::string query : {"\"sign-in page\"", "sign-in page"}) {
    const auto listed = found(query);
    INFO(query);
    REQUIRE(!listed.empty());
    CHECK(listed[0] == "phrase");
  }
}

TEST_CASE("words close together reorder the best page's worth of matches, not the rest", "[rerank]") {
  // Fourteen articles alike but for their filler words: the same length,
  // both words, side by side. The first pass and the every-word bonus tie;
  // only the first ten (a page) are weighed for proximity.
  std::map<std::string, std::string> bodies;
  for (int i = 0; i < 14; ++i) {
    std::string words;
    for (int w = 0; w < 30; ++w) words += "filler" + std::to_string(i) + "x" + std::to_string(w) + " ";
    bodies["close" + std::to_string(100 + i)] = "printer offline " + words;
  }
  kb::test::TempDir dir;
  index_bodies(dir, bodies);
  kb::Searcher searcher(dir / "index");
  kb::SearchRequest request;
  request.query = "printer offline";
  request.per_page = 20;
  request.explain = true;
  const kb::SearchResponse response = searcher.search(request);
  REQUIRE(response.hits.size() == 14);
  auto bonus = [&](std::size_t i) { return response.hits[i].explain.at("reordering_bonus").get<double>(); };
  for (std::size_t i = 1; i < 10; ++i) CHECK(bonus(i) == Approx(bonus(0)));
  for (std::size_t i = 10; i < 14; ++i) {
    CHECK(bonus(i) > 0);  // every word
    CHECK(bonus(i) < bonus(0));  // but not weighed for proximity
  }
}

TEST_CASE("long articles about something else do not change the order of short ones", "[rerank]") {
  // A short note that says it once, and a longer one that says it twice:
  // against each other, the short one is the closer match.
  const std::map<std::string, std::string> notes{
      {"short", "printer " + filler(12) + " jam " + filler(12)},
      {"longer", "printer " + filler(30) + " jam " + filler(30) + " printer " + filler(30) + " jam " + filler(30)}};
  auto order = [&](int long_articles, bool length_from_matches) {
    kb::test::TempDir dir;
    std::map<std::string, std::string> bodies = notes;
    for (int i = 0; i < long_articles; ++i) bodies["manual" + std::to_string(i)] = "scanner " + filler(2000);
    index_bodies(dir, bodies);
    kb::Searcher searcher(dir / "index");
    searcher.params().length_from_matches = length_from_matches;
    kb::SearchRequest request;
    request.query = "printer jam";
    return kb::test::slugs(searcher.search(request));
  };
  const std::vector<std::string> alone = order(0, true);
  REQUIRE(alone == std::vector<std::string>{"short", "longer"});
  // 60 manuals of 2,000 words make the index's average length 30 times
  // the notes'. Measured against the whole index the notes would be
  // equally "short", and the note that says it twice would win.
  CHECK(order(60, true) == alone);
  CHECK(order(60, false) != alone);
}
