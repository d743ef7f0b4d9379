/** @file xapian_floor.cpp
 *  @brief The floor kb is measured against: libxapian with default
 *  settings and nothing else. English stemming, one TermGenerator pass
 *  over title and body, a default QueryParser, the top 10 by BM25.
 *
 *    xapian-floor index DIR INDEX
 *    xapian-floor search INDEX QUERIES [REPEATS]
 */
#include "bench_util.h"

#include <xapian.h>

#include <cstdio>
#include <cstring>

namespace {

int build(const char* dir, const char* index) {
  const auto start = kb::bench::Clock::now();
  const auto articles = kb::bench::read_plain_articles(dir);
  Xapian::WritableDatabase db(index, Xapian::DB_CREATE_OR_OVERWRITE);
  Xapian::TermGenerator indexer;
  indexer.set_stemmer(Xapian::Stem("english"));
  for (const auto& a : articles) {
    Xapian::Document doc;
    indexer.set_document(doc);
    indexer.index_text(a.title);
    indexer.increase_termpos();
    indexer.index_text(a.body);
    doc.set_data(a.path);
    db.add_document(doc);
  }
  db.commit();
  std::printf("{\"engine\":\"xapian-floor\",\"op\":\"index\",\"documents\":%zu,\"seconds\":%.3f}\n", articles.size(),
              kb::bench::ms_since(start) / 1000.0);
  return 0;
}

int search(const char* index, const char* queries_file, int repeats) {
  Xapian::Database db(index);
  Xapian::QueryParser parser;
  parser.set_stemmer(Xapian::Stem("english"));
  parser.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
  parser.set_database(db);
  const auto queries = kb::bench::read_queries(queries_file);
  std::vector<double> ms;
  std::size_t touched = 0;
  for (int r = 0; r <= repeats; ++r) {  // pass 0 warms the caches
    for (const auto& q : queries) {
      const auto start = kb::bench::Clock::now();
      Xapian::Enquire enquire(db);
      Xapian::Query query;
      try {
        query = parser.parse_query(q);
      } catch (const Xapian::QueryParserError&) {
        query = parser.parse_query(q, 0);  // what a search box does with "a NOT": words, no operators
      }
      enquire.set_query(query);
      const Xapian::MSet mset = enquire.get_mset(0, 10);
      for (auto it = mset.begin(); it != mset.end(); ++it) touched += it.get_document().get_data().size();
      if (r > 0) ms.push_back(kb::bench::ms_since(start));
    }
  }
  kb::bench::print_latencies("xapian-floor", "search", ms);
  return touched == static_cast<std::size_t>(-1);
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc >= 4 && std::strcmp(argv[1], "index") == 0) return build(argv[2], argv[3]);
  if (argc >= 4 && std::strcmp(argv[1], "search") == 0) return search(argv[2], argv[3], argc > 4 ? std::atoi(argv[4]) : 1);
  std::fprintf(stderr, "usage: xapian-floor index DIR INDEX | search INDEX QUERIES [REPEATS]\n");
  return 2;
} catch (const std::exception& e) {
  std::fprintf(stderr, "xapian-floor: %s\n", e.what());
  return 1;
} catch (const Xapian::Error& e) {
  std::fprintf(stderr, "xapian-floor: %s\n", e.get_description().c_str());
  return 1;
}
