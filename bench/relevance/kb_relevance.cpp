/** @file kb_relevance.cpp
 *  @brief Runs a query file through kb's real search code (the Searcher the
 *  server uses) and writes a run file: qid<TAB>slug<TAB>rank.
 */
#include "../ranking_param.h"
#include "kb/index_writer.h"
#include "kb/searcher.h"

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <set>

int main(int argc, char** argv) try {
  CLI::App app{"kb-relevance: index a folder with kb, run queries, write a TREC-style run file"};
  std::string articles, index, queries, run;
  int depth = 100;
  bool reuse = false;
  bool explain = false;
  std::vector<std::string> overrides;
  app.add_option("--articles", articles, "Articles to index (skipped with --reuse-index)");
  app.add_option("--index", index, "Index directory")->required();
  app.add_option("--queries", queries, "qid<TAB>query file")->required();
  app.add_option("--run", run, "Run file to write")->required();
  app.add_option("--depth", depth, "Results per query")->capture_default_str();
  app.add_flag("--reuse-index", reuse, "Do not (re)index");
  app.add_option("--param", overrides, std::string("Ranking parameter NAME=VALUE for tuning (") + kb::bench::kRankingParamNames + ")");
  app.add_flag("--explain", explain, "Print the rung and the top 3 results' explanations to stdout");
  CLI11_PARSE(app, argc, argv);

  if (!reuse) {
    kb::IndexOptions opt;
    opt.articles_dir = articles;
    opt.index_dir = index;
    const kb::IndexReport report = kb::build_index(opt);
    std::fprintf(stderr, "kb-relevance: %s\n", report.summary_line().c_str());
  }
  kb::Searcher searcher(index);
  for (const auto& o : overrides) kb::bench::apply_ranking_param(searcher.params(), o);
  std::ifstream in(queries);
  std::ofstream out(run);
  std::string line;
  std::size_t count = 0;
  double total_ms = 0;
  while (std::getline(in, line)) {
    const std::size_t tab = line.find('\t');
    if (tab == std::string::npos) continue;
    const std::string qid = line.substr(0, tab);
    kb::SearchRequest request;
    request.query = line.substr(tab + 1);
    if (request.query.size() > kb::kMaxQueryBytes) request.query.resize(kb::kMaxQueryBytes);
    int rank = 0;
    std::set<std::string> listed;
    // The first ten as the search page shows them (its first page of ten
    // is what MRR@10 and nDCG@10 score), then the rest of the depth in
    // pages of kMaxPerPage, for the recall figures.
    for (int call = 0; rank < depth; ++call) {
      request.per_page = call == 0 ? 10 : kb::kMaxPerPage;
      request.page = call == 0 ? 1 : call;
      request.explain = explain && call == 0;
      const kb::SearchResponse response = searcher.search(request);
      if (request.explain) {
        std::cout << qid << " [" << response.rung << "] " << request.query << "  corrected=" << response.corrected_query << "\n";
        for (std::size_t i = 0; i < response.hits.size() && i < 3; ++i) {
          std::cout << "  " << response.hits[i].slug << " " << response.hits[i].explain.dump() << "\n";
        }
      }
      total_ms += response.took_ms;
      for (const auto& hit : response.hits) {
        if (rank >= depth) break;
        if (!listed.insert(hit.slug).second) continue;
        out << qid << '\t' << hit.slug << '\t' << ++rank << '\n';
      }
      if (response.hits.size() < static_cast<std::size_t>(request.per_page)) break;
    }
    ++count;
  }
  std::fprintf(stderr, "kb-relevance: %zu queries, %.2f ms mean search time\n", count, count ? total_ms / static_cast<double>(count) : 0.0);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "kb-relevance: error: %s\n", e.what());
  return 2;
}
