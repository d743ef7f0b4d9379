/** @file insights.cpp
 *  @brief Learning from sessions: successful queries, article success,
 *  synonym proposals.
 */
#include "kb/insights.h"

#include "kb/synonyms.h"

#include <algorithm>
#include <map>
#include <set>

namespace kb {

namespace {

bool ended(const SessionEvents& s, const DeflectionOptions& opt) { return session_ended(s, opt); }

bool has_ticket(const SessionEvents& s) {
  return std::any_of(s.second.begin(), s.second.end(), [](const Event& e) { return e.kind == event_kind::kTicket; });
}

/// For each search of a session: whether an article was viewed after it
/// and before the next search.
std::vector<std::pair<const Event*, bool>> searches_with_reads(const SessionEvents& s) {
  std::vector<std::pair<const Event*, bool>> out;
  for (const Event& e : s.second) {
    if (e.kind == event_kind::kSearch) {
      out.emplace_back(&e, false);
    } else if (e.kind == event_kind::kView && !out.empty()) {
      out.back().second = true;
    }
  }
  return out;
}

/// The words of @p failed that @p next replaced, and those it replaced
/// them with: each query's words less those the other has (as often as it
/// has them), in order.
std::pair<Synonyms::Words, Synonyms::Words> replaced_words(const Synonyms::Words& failed, const Synonyms::Words& next) {
  auto without = [](const Synonyms::Words& words, Synonyms::Words others) {
    Synonyms::Words out;
    for (const auto& w : words) {
      const auto it = std::find(others.begin(), others.end(), w);
      if (it == others.end()) {
        out.push_back(w);
      } else {
        others.erase(it);
      }
    }
    return out;
  };
  return {without(failed, next), without(next, failed)};
}

}  // namespace

std::vector<PopularQuery> successful_queries(const std::vector<SessionEvents>& sessions, const DeflectionOptions& opt,
                                             std::size_t limit) {
  std::map<std::string, std::uint64_t> counts;
  for (const auto& s : sessions) {
    if (!ended(s, opt) || has_ticket(s)) continue;
    std::set<std::string> seen;
    for (const auto& [search, read] : searches_with_reads(s)) {
      if (read && !search->norm_query.empty() && seen.insert(search->norm_query).second) ++counts[search->norm_query];
    }
  }
  std::vector<PopularQuery> out;
  for (const auto& [q, n] : counts) out.push_back({q, n});
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.sessions != b.sessions ? a.sessions > b.sessions : a.query < b.query;
  });
  if (out.size() > limit) out.resize(limit);
  return out;
}

std::unordered_map<std::string, double> article_success(const std::vector<SessionEvents>& sessions,
                                                        const DeflectionOptions& opt) {
  struct Tally {
    double good = 0, seen = 0;
  };
  std::unordered_map<std::string, Tally> t;
  for (const auto& s : sessions) {
    const bool done = ended(s, opt);
    std::set<std::string> viewed;
    std::map<std::string, int> votes;
    bool ticket_after = false;
    for (auto it = s.second.rbegin(); it != s.second.rend(); ++it) {
      if (it->kind == event_kind::kTicket) ticket_after = true;
      if (it->kind == event_kind::kView && viewed.insert(it->slug).second) {
        t[it->slug].seen += 1;
        if (done && !ticket_after) t[it->slug].good += 1;
      }
      if (it->kind == event_kind::kVote && it->helpful >= 0 && !votes.count(it->slug)) votes[it->slug] = it->helpful;
    }
    for (const auto& [slug, helpful] : votes) {
      t[slug].seen += 1;
      if (helpful == 1) t[slug].good += 1;
    }
  }
  std::unordered_map<std::string, double> out;
  for (const auto& [slug, x] : t) out[slug] = x.good / (x.seen + 1.0);
  return out;
}

std::vector<SynonymProposal> synonym_proposals(const std::vector<SessionEvents>& sessions, const DeflectionOptions& opt,
                                               std::size_t min_sessions, const Synonyms& known) {
  std::map<std::pair<std::string, std::string>, std::uint64_t> counts;
  for (const auto& s : sessions) {
    if (!ended(s, opt) || has_ticket(s)) continue;
    // Clicks name their search; a search without one was not useful.
    std::set<std::string> clicked;
    for (const Event& e : s.second) {
      if (e.kind == event_kind::kClick) clicked.insert(e.search_id);
    }
    const auto searches = searches_with_reads(s);
    std::set<std::pair<std::string, std::string>> seen;
    for (std::size_t i = 0; i + 1 < searches.size(); ++i) {
      const Event& failed = *searches[i].first;
      const Event& next = *searches[i + 1].first;
      if (clicked.count(failed.search_id) || searches[i].second || !searches[i + 1].second) continue;
      if (failed.norm_query.empty() || next.norm_query.empty() || failed.norm_query == next.norm_query) continue;
      const auto [from, to] =
          replaced_words(Synonyms::split_words(failed.norm_query), Synonyms::split_words(next.norm_query));
      if (from.size() != 1 || to.size() != 1 || known.same_group(from[0], to[0])) continue;
      if (seen.insert({from[0], to[0]}).second) ++counts[{from[0], to[0]}];
    }
  }
  std::vector<SynonymProposal> out;
  for (const auto& [pair, n] : counts) {
    if (n >= min_sessions) out.push_back({pair.first, pair.second, n});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.sessions != b.sessions ? a.sessions > b.sessions : std::tie(a.from, a.to) < std::tie(b.from, b.to);
  });
  return out;
}

std::vector<std::string> complete_queries(const std::vector<PopularQuery>& popular, const std::string& typed,
                                          std::size_t count) {
  const Synonyms::Words want = Synonyms::split_words(typed);
  std::vector<std::string> out;
  if (want.empty()) return out;
  const bool last_complete = !typed.empty() && (typed.back() == ' ');
  for (const auto& p : popular) {
    const Synonyms::Words have = Synonyms::split_words(p.query);
    bool ok = true;
    for (std::size_t i = 0; i < want.size() && ok; ++i) {
      const bool is_last = i + 1 == want.size() && !last_complete;
      ok = std::any_of(have.begin(), have.end(), [&](const std::string& w) {
        return is_last ? w.compare(0, want[i].size(), want[i]) == 0 : w == want[i];
      });
    }
    if (ok) out.push_back(p.query);
    if (out.size() >= count) break;
  }
  return out;
}

}  // namespace kb
