/** @file kb_speed.cpp
 *  @brief kb's in-process search latency through the Searcher the server
 *  uses, asking for everything /api/search returns (ten hits with their
 *  best section and snippet, facets, spelling correction, the ladder),
 *  and title completion as /api/suggest does it.
 *
 *    kb-speed search INDEX QUERIES [REPEATS] [--param NAME=VALUE ...] [--slowest N] [--stages]
 *             [--hit-cache-mb N]
 *    kb-speed suggest INDEX QUERIES [REPEATS]
 *
 *  --param takes kb-relevance's ranking parameters (ranking_param.h), so
 *  what one part of the ranking costs is measured by turning it off;
 *  --slowest N prints the N queries with the highest median time to
 *  stderr, the ones a profile of the tail should start from; --stages
 *  prints a second line with the mean time of each stage of a search
 *  (SearchStages), the profile the benchmark's table shows, and the share
 *  of results whose record came from the hit cache. --hit-cache-mb sets
 *  that cache (prepared_hit.h) as kb-server's --cache-mb does: 32 MB, the
 *  server's default, unless told; 0 reads every record from the index.
 */
#include "../ranking_param.h"
#include "bench_util.h"

#include "kb/prepared_hit.h"
#include "kb/searcher.h"

#include <cstring>

namespace {

int run(const std::string& op, const char* index, const char* queries_file, int repeats,
        const std::vector<std::string>& params, std::size_t slowest, bool stages, std::size_t hit_cache_mb) {
  kb::Searcher searcher(index);
  const auto hit_cache = std::make_shared<kb::HitCache>(hit_cache_mb << 20);
  searcher.set_hit_cache(hit_cache);
  for (const auto& p : params) kb::bench::apply_ranking_param(searcher.params(), p);
  const auto queries = kb::bench::read_queries(queries_file);
  std::vector<double> ms;
  std::size_t seen = 0;
  kb::SearchStages stage_sum;
  kb::RevisionCache<kb::PreparedHit>::Stats warm;
  for (int r = 0; r <= repeats; ++r) {  // pass 0 warms the caches
    if (r == 1) warm = hit_cache->stats();
    for (const auto& q : queries) {
      const auto start = kb::bench::Clock::now();
      if (op == "search") {
        kb::SearchRequest request;
        request.query = q.size() > kb::kMaxQueryBytes ? q.substr(0, kb::kMaxQueryBytes) : q;
        const kb::SearchResponse response = searcher.search(request);
        seen += response.hits.size();
        if (r > 0) stage_sum += response.stages;
      } else {
        // What the suggest box sends: the query typed up to a word's middle.
        const std::string typed = q.substr(0, std::max<std::size_t>(1, q.size() * 2 / 3));
        seen += searcher.complete_titles(typed, 8).size();
      }
      if (r > 0) ms.push_back(kb::bench::ms_since(start));
    }
  }
  kb::bench::print_latencies("kb", op, ms);
  if (stages && op == "search" && !ms.empty()) {
    const double n = static_cast<double>(ms.size());
    const auto end = hit_cache->stats();
    const double looked_up = static_cast<double>((end.hits - warm.hits) + (end.misses - warm.misses));
    std::printf("{\"engine\":\"kb\",\"op\":\"stages\",\"words_ms\":%.4f,\"ladder_ms\":%.4f,\"match_ms\":%.4f,"
                "\"reorder_ms\":%.4f,\"hits_ms\":%.4f,\"hit_cache_mb\":%zu,\"hit_cache_share\":%.3f}\n",
                stage_sum.words_ms / n, stage_sum.ladder_ms / n, stage_sum.match_ms / n, stage_sum.reorder_ms / n,
                stage_sum.hits_ms / n, hit_cache_mb,
                looked_up > 0 ? static_cast<double>(end.hits - warm.hits) / looked_up : 0.0);
  }
  if (slowest > 0 && !queries.empty()) {
    std::vector<std::pair<double, std::size_t>> median;  // per query, over the repeats
    for (std::size_t q = 0; q < queries.size(); ++q) {
      std::vector<double> times;
      for (std::size_t i = q; i < ms.size(); i += queries.size()) times.push_back(ms[i]);
      std::nth_element(times.begin(), times.begin() + static_cast<std::ptrdiff_t>(times.size() / 2), times.end());
      median.emplace_back(times[times.size() / 2], q);
    }
    std::sort(median.rbegin(), median.rend());
    for (std::size_t i = 0; i < std::min(slowest, median.size()); ++i) {
      std::fprintf(stderr, "%8.3f ms  %s\n", median[i].first, queries[median[i].second].c_str());
    }
  }
  return seen == static_cast<std::size_t>(-1);
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc >= 4 && (std::strcmp(argv[1], "search") == 0 || std::strcmp(argv[1], "suggest") == 0)) {
    int repeats = 1;
    std::vector<std::string> params;
    std::size_t slowest = 0;
    bool stages = false;
    std::size_t hit_cache_mb = 32;
    for (int i = 4; i < argc; ++i) {
      if (std::strcmp(argv[i], "--stages") == 0) {
        stages = true;
      } else if (std::strcmp(argv[i], "--param") == 0 && i + 1 < argc) {
        params.emplace_back(argv[++i]);
      } else if (std::strcmp(argv[i], "--hit-cache-mb") == 0 && i + 1 < argc) {
        hit_cache_mb = static_cast<std::size_t>(std::atoi(argv[++i]));
      } else if (std::strcmp(argv[i], "--slowest") == 0 && i + 1 < argc) {
        slowest = static_cast<std::size_t>(std::atoi(argv[++i]));
      } else {
        repeats = std::atoi(argv[i]);
      }
    }
    return run(argv[1], argv[2], argv[3], repeats, params, slowest, stages, hit_cache_mb);
  }
  std::fprintf(stderr, "usage: kb-speed search|suggest INDEX QUERIES [REPEATS] [--param NAME=VALUE ...] [--slowest N] [--stages] [--hit-cache-mb N]\n");
  return 2;
} catch (const std::exception& e) {
  std::fprintf(stderr, "kb-speed: %s\n", e.what());
  return 1;
}
