/** @file kb_speed.cpp
 *  @brief kb's in-process search latency through the Searcher the server
 *  uses, asking for everything /api/search returns (ten hits with their
 *  best section and snippet, facets, spelling correction, the ladder),
 *  and title completion as /api/suggest does it.
 *
 *    kb-speed search INDEX QUERIES [REPEATS]
 *    kb-speed suggest INDEX QUERIES [REPEATS]
 */
#include "bench_util.h"

#include "kb/searcher.h"

#include <cstring>

namespace {

int run(const std::string& op, const char* index, const char* queries_file, int repeats) {
  kb::Searcher searcher(index);
  const auto queries = kb::bench::read_queries(queries_file);
  std::vector<double> ms;
  std::size_t seen = 0;
  for (int r = 0; r <= repeats; ++r) {  // pass 0 warms the caches
    for (const auto& q : queries) {
      const auto start = kb::bench::Clock::now();
      if (op == "search") {
        kb::SearchRequest request;
        request.query = q.size() > kb::kMaxQueryBytes ? q.substr(0, kb::kMaxQueryBytes) : q;
        seen += searcher.search(request).hits.size();
      } else {
        // What the suggest box sends: the query typed up to a word's middle.
        const std::string typed = q.substr(0, std::max<std::size_t>(1, q.size() * 2 / 3));
        seen += searcher.complete_titles(typed, 8).size();
      }
      if (r > 0) ms.push_back(kb::bench::ms_since(start));
    }
  }
  kb::bench::print_latencies("kb", op, ms);
  return seen == static_cast<std::size_t>(-1);
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc >= 4 && (std::strcmp(argv[1], "search") == 0 || std::strcmp(argv[1], "suggest") == 0)) {
    return run(argv[1], argv[2], argv[3], argc > 4 ? std::atoi(argv[4]) : 1);
  }
  std::fprintf(stderr, "usage: kb-speed search|suggest INDEX QUERIES [REPEATS]\n");
  return 2;
} catch (const std::exception& e) {
  std::fprintf(stderr, "kb-speed: %s\n", e.what());
  return 1;
}
