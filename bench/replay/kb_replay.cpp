/** @file kb_replay.cpp
 *  @brief Replays the searches of a statistics database against an index
 *  and reports how the clicked and helpful articles moved, so a ranking
 *  change can be judged before it ships.
 *
 *  For every search whose result was clicked (the click names its rank) or
 *  whose session voted an article helpful, the article people wanted is
 *  looked up in the new ranking: its new rank is compared with the rank it
 *  had when the person searched.
 */
#include "kb/searcher.h"
#include "kb/stats_store.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <map>

namespace {

struct Case {
  std::string query;
  std::string slug;
  int old_rank = 0;  ///< 1-based; 0 = not shown then
};

}  // namespace

int main(int argc, char** argv) try {
  CLI::App app{"kb-replay: replay logged searches against an index and report how the wanted articles moved"};
  std::string data = "var", index;
  int depth = 50, show = 15;
  app.add_option("--data", data, "kb-server's data directory (kb.sqlite)")->capture_default_str();
  std::string stats_db;
  app.add_option("--stats-db", stats_db, "kb-server's --stats-db (postgresql://...) instead of --data");
  app.add_option("--index", index, "The index to judge (e.g. built with a changed ranking)")->required();
  app.add_option("--depth", depth, "How deep to look for the wanted article")->capture_default_str();
  app.add_option("--show", show, "How many of the biggest moves to list")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  const auto store = kb::open_stats_store(stats_db.empty() ? (std::filesystem::path(data) / "kb.sqlite").string() : stats_db);
  const auto sessions = store->sessions_between(0, kb::now_ms() + 1);
  std::vector<Case> cases;
  for (const auto& [row, events] : sessions) {
    std::map<std::string, const kb::Event*> searches;
    const kb::Event* last_search = nullptr;
    for (const auto& e : events) {
      if (e.kind == kb::event_kind::kSearch) {
        searches[e.search_id] = &e;
        last_search = &e;
      } else if (e.kind == kb::event_kind::kClick && searches.count(e.search_id)) {
        cases.push_back({searches[e.search_id]->query, e.slug, e.rank});
      } else if (e.kind == kb::event_kind::kVote && e.helpful == 1 && last_search) {
        const auto& shown = last_search->slugs;
        const auto at = std::find(shown.begin(), shown.end(), e.slug);
        cases.push_back({last_search->query, e.slug, at == shown.end() ? 0 : static_cast<int>(at - shown.begin()) + 1});
      }
    }
  }
  if (cases.empty()) {
    std::printf("kb-replay: no clicked or helpful searches in %s\n", data.c_str());
    return 0;
  }
  kb::Searcher searcher(index);
  double old_rr = 0, new_rr = 0;
  int up = 0, down = 0, same = 0, lost = 0;
  struct Move {
    int delta;
    Case c;
    int new_rank;
  };
  std::vector<Move> moves;
  for (const auto& c : cases) {
    kb::SearchRequest r;
    r.query = c.query.substr(0, kb::kMaxQueryBytes);
    r.per_page = kb::kMaxPerPage;
    int new_rank = 0;
    for (r.page = 1; r.page <= (depth + kb::kMaxPerPage - 1) / kb::kMaxPerPage && !new_rank; ++r.page) {
      const auto res = searcher.search(r);
      for (std::size_t i = 0; i < res.hits.size(); ++i) {
        if (res.hits[i].slug == c.slug) new_rank = (r.page - 1) * kb::kMaxPerPage + static_cast<int>(i) + 1;
      }
      if (res.hits.size() < static_cast<std::size_t>(kb::kMaxPerPage)) break;
    }
    if (new_rank > depth) new_rank = 0;
    old_rr += c.old_rank ? 1.0 / c.old_rank : 0;
    new_rr += new_rank ? 1.0 / new_rank : 0;
    const int o = c.old_rank ? c.old_rank : depth + 1, n = new_rank ? new_rank : depth + 1;
    if (!new_rank) ++lost;
    if (n < o) ++up;
    else if (n > o) ++down;
    else ++same;
    moves.push_back({n - o, c, new_rank});
  }
  const double count = static_cast<double>(cases.size());
  std::printf("| replayed | MRR then | MRR now | moved up | moved down | same | not found now |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  std::printf("| %zu | %.3f | %.3f | %d | %d | %d | %d |\n\n", cases.size(), old_rr / count, new_rr / count, up, down, same, lost);
  std::sort(moves.begin(), moves.end(), [](const Move& a, const Move& b) { return std::abs(a.delta) > std::abs(b.delta); });
  std::printf("| query | article | rank then | rank now |\n|---|---|---|---|\n");
  for (int i = 0; i < show && i < static_cast<int>(moves.size()); ++i) {
    if (moves[static_cast<std::size_t>(i)].delta == 0) break;
    const auto& m = moves[static_cast<std::size_t>(i)];
    std::printf("| %s | %s | %s | %s |\n", m.c.query.c_str(), m.c.slug.c_str(),
                m.c.old_rank ? std::to_string(m.c.old_rank).c_str() : "-", m.new_rank ? std::to_string(m.new_rank).c_str() : "-");
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "kb-replay: error: %s\n", e.what());
  return 2;
}
