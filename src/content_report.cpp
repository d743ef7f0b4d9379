/** @file content_report.cpp
 *  @brief Gap clustering and article health.
 */
#include "kb/content_report.h"

#include "kb/query_builder.h"
#include "kb/searcher.h"
#include "kb/synonyms.h"
#include "kb/text.h"

#include <xapian.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <map>
#include <set>
#include <unordered_map>

namespace kb {

namespace {

/// Meaningful stemmed words of a query.
std::set<std::string> stems_of(const std::string& query) {
  static const Xapian::Stem stem("en");
  std::set<std::string> out;
  for (const auto& w : Synonyms::split_words(query)) {
    if (w.size() < 3 || english_stopper()(w)) continue;
    out.insert(stem(w));
  }
  return out;
}

/// True when a and b are one insertion, deletion, substitution or
/// transposition apart ("pasword" / "password").
bool one_edit(const std::string& a, const std::string& b) {
  if (a == b) return true;
  const std::size_t la = a.size(), lb = b.size();
  if (la + 1 < lb || lb + 1 < la || std::min(la, lb) < 4) return false;
  std::size_t i = 0;
  while (i < la && i < lb && a[i] == b[i]) ++i;
  if (la == lb) {
    if (a.compare(i + 1, std::string::npos, b, i + 1, std::string::npos) == 0) return true;  // substitution
    return i + 1 < la && a[i] == b[i + 1] && a[i + 1] == b[i] && a.compare(i + 2, std::string::npos, b, i + 2, std::string::npos) == 0;
  }
  const std::string& longer = la > lb ? a : b;
  const std::string& shorter = la > lb ? b : a;
  return longer.compare(i + 1, std::string::npos, shorter, i, std::string::npos) == 0;
}

struct QueryTally {
  std::uint64_t zero = 0, exits = 0, tickets = 0;
  std::vector<std::string> subjects;
};

}  // namespace

std::vector<GapCluster> content_gaps(const std::vector<SessionEvents>& sessions, const std::vector<Ticket>& tickets,
                                     const DeflectionOptions& opt) {
  std::map<std::string, QueryTally> tally;
  // A failed search found nothing, or nothing the person opened before
  // searching again or filing a ticket.
  std::map<std::string, std::string> failed_query_of_session;  ///< the last failed query
  for (const auto& s : sessions) {
    const auto& [row, events] = s;
    const bool ended = session_ended(s, opt);
    const Event* open_search = nullptr;  ///< the latest search, until an article is opened
    for (std::size_t i = 0; i < events.size(); ++i) {
      const Event& e = events[i];
      if (e.kind == event_kind::kView) open_search = nullptr;
      if (e.kind == event_kind::kTicket && open_search) failed_query_of_session[row.id] = open_search->norm_query;
      if (e.kind != event_kind::kSearch || e.norm_query.empty()) continue;
      open_search = &e;
      if (e.result_count == 0) ++tally[e.norm_query].zero;
      if (ended && i + 1 == events.size()) ++tally[e.norm_query].exits;
    }
  }
  for (const auto& t : tickets) {
    const auto failed = failed_query_of_session.find(t.session);
    if (failed == failed_query_of_session.end()) continue;
    QueryTally& q = tally[failed->second];
    ++q.tickets;
    if (q.subjects.size() < 5) q.subjects.push_back(t.subject);
  }

  // Union queries that share a stemmed word or have words one edit apart.
  std::vector<std::string> queries;
  std::vector<std::set<std::string>> stems;
  for (const auto& [q, t] : tally) {
    if (t.zero + t.exits + t.tickets == 0) continue;
    queries.push_back(q);
    stems.push_back(stems_of(q));
  }
  std::vector<std::size_t> parent(queries.size());
  for (std::size_t i = 0; i < parent.size(); ++i) parent[i] = i;
  auto root = [&](std::size_t i) {
    while (parent[i] != i) i = parent[i] = parent[parent[i]];
    return i;
  };
  for (std::size_t i = 0; i < queries.size(); ++i) {
    for (std::size_t j = i + 1; j < queries.size(); ++j) {
      bool related = false;
      for (const auto& a : stems[i]) {
        for (const auto& b : stems[j]) {
          if (one_edit(a, b)) {
            related = true;
            break;
          }
        }
        if (related) break;
      }
      if (related) parent[root(j)] = root(i);
    }
  }
  std::map<std::size_t, GapCluster> clusters;
  for (std::size_t i = 0; i < queries.size(); ++i) {
    GapCluster& c = clusters[root(i)];
    const QueryTally& t = tally.at(queries[i]);
    c.zero_result += t.zero;
    c.exits += t.exits;
    c.tickets += t.tickets;
    c.queries.push_back(queries[i]);
    for (const auto& s : t.subjects) {
      if (c.ticket_subjects.size() < 5) c.ticket_subjects.push_back(s);
    }
  }
  std::vector<GapCluster> out;
  for (auto& [r, c] : clusters) {
    std::stable_sort(c.queries.begin(), c.queries.end(), [&](const std::string& a, const std::string& b) {
      const auto& ta = tally.at(a);
      const auto& tb = tally.at(b);
      return ta.zero + ta.exits + ta.tickets > tb.zero + tb.exits + tb.tickets;
    });
    c.label = c.queries.front();
    out.push_back(std::move(c));
  }
  std::stable_sort(out.begin(), out.end(), [](const GapCluster& a, const GapCluster& b) {
    return a.volume() != b.volume() ? a.volume() > b.volume() : a.label < b.label;
  });
  return out;
}

std::string gaps_csv(const std::vector<GapCluster>& gaps) {
  std::string out = "label,volume,zero_result,exits,tickets,queries,ticket_subjects\r\n";
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : " | ") + x;
    return s;
  };
  for (const auto& g : gaps) {
    out += csv_field(g.label) + "," + std::to_string(g.volume()) + "," + std::to_string(g.zero_result) + "," +
           std::to_string(g.exits) + "," + std::to_string(g.tickets) + "," + csv_field(join(g.queries)) + "," +
           csv_field(join(g.ticket_subjects)) + "\r\n";
  }
  return out;
}

std::vector<ArticleHealth> article_health(const std::vector<ArticleHealthInput>& articles, const CheckReport& check,
                                          const std::vector<SessionEvents>& sessions, const DeflectionOptions& opt,
                                          int stale_days, const std::string& today) {
  const nlohmann::json stats = deflection_stats(sessions, opt);
  std::map<std::string, nlohmann::json> by_slug;
  for (const auto& a : stats["articles"]) by_slug[a["slug"].get<std::string>()] = a;
  // Sessions that viewed an article and ended deflected: its contribution.
  std::map<std::string, std::uint64_t> deflected_views;
  for (const auto& s : sessions) {
    const auto& events = s.second;
    const bool ended = session_ended(s, opt);
    const bool ticket = std::any_of(events.begin(), events.end(), [](const Event& e) { return e.kind == event_kind::kTicket; });
    if (!ended || ticket) continue;
    std::set<std::string> seen;
    for (const auto& e : events) {
      if (e.kind == event_kind::kView && seen.insert(e.slug).second) ++deflected_views[e.slug];
    }
  }
  std::vector<std::string> zero_queries;
  for (const auto& q : stats["top_zero_result_queries"]) zero_queries.push_back(q["query"]);

  auto days_since = [&](const std::string& date) { return days_between(date, today); };

  std::vector<ArticleHealth> out;
  for (const auto& a : articles) {
    ArticleHealth h{a.slug, a.title, 100, {}};
    int broken = 0;
    for (const auto& p : check.problems) {
      if (p.path == a.path && p.error) ++broken;
    }
    if (broken) {
      h.score -= std::min(45, 15 * broken);
      h.reasons.push_back(std::to_string(broken) + " problem(s) from kb-index --check (broken links, images, front matter)");
    }
    if (stale_days > 0 && !a.updated.empty() && days_since(a.updated) > stale_days) {
      h.score -= 20;
      h.reasons.push_back("not updated for " + std::to_string(days_since(a.updated)) + " days");
    }
    const auto s = by_slug.find(a.slug);
    if (s != by_slug.end()) {
      const auto yes = s->second["helpful_yes"].get<std::uint64_t>();
      const auto no = s->second["helpful_no"].get<std::uint64_t>();
      const auto views = s->second["views"].get<std::uint64_t>();
      const auto tickets = s->second["tickets_after_view"].get<std::uint64_t>();
      if (yes + no >= 3 && no > yes) {
        h.score -= 25;
        h.reasons.push_back("helpful for " + std::to_string(yes) + " of " + std::to_string(yes + no) + " votes");
      }
      if (views >= 3 && tickets * 10 >= views * 3) {
        h.score -= 20;
        h.reasons.push_back(std::to_string(tickets) + " of " + std::to_string(views) + " views were followed by a ticket");
      }
      const auto deflected = deflected_views.count(a.slug) ? deflected_views.at(a.slug) : 0;
      if (views >= 5 && deflected * 2 < views) {
        h.score -= 10;
        h.reasons.push_back("only " + std::to_string(deflected) + " of " + std::to_string(views) + " views ended a session without a ticket");
      }
    }
    const auto title_stems = stems_of(a.title);
    int nearby = 0;
    for (const auto& q : zero_queries) {
      const auto qs = stems_of(q);
      if (std::any_of(qs.begin(), qs.end(), [&](const std::string& w) { return title_stems.count(w) != 0; })) {
        if (++nearby <= 3) h.reasons.push_back("zero-result query nearby: \"" + q + "\"");
      }
    }
    h.score -= std::min(15, 5 * nearby);
    h.score = std::max(0, h.score);
    out.push_back(std::move(h));
  }
  std::stable_sort(out.begin(), out.end(), [](const ArticleHealth& x, const ArticleHealth& y) {
    return x.score != y.score ? x.score < y.score : x.slug < y.slug;
  });
  return out;
}

}  // namespace kb

namespace kb {

std::vector<LostLink> lost_agent_links(const std::vector<SessionEvents>& sessions, Searcher& index) {
  std::map<std::pair<std::string, std::string>, std::uint64_t> copied;
  for (const auto& [row, events] : sessions) {
    for (const auto& e : events) {
      if (e.kind == event_kind::kAgentCopy) ++copied[{e.slug, e.query}];
    }
  }
  std::vector<LostLink> out;
  for (const auto& [target, count] : copied) {
    const auto& [slug, anchor] = target;
    std::optional<ArticleRecord> article = index.find_article(slug);
    if (!article) {
      // A rename with an alias keeps the link working.
      if (const auto canonical = index.resolve_alias(slug)) article = index.find_article(*canonical);
    }
    if (!article) {
      out.push_back({slug, anchor, count, "article"});
      continue;
    }
    // C++17 lambdas cannot capture a structured binding (clang refuses).
    const std::string& wanted = anchor;
    if (!wanted.empty() && std::none_of(article->headings.begin(), article->headings.end(),
                                        [&](const Heading& h) { return h.anchor == wanted; })) {
      out.push_back({slug, anchor, count, "anchor"});
    }
  }
  return out;
}

}  // namespace kb
