/** @file deflection.cpp
 *  @brief Session classification and the statistics built on it.
 */
#include "kb/deflection.h"

#include "kb/article.h"

#include <algorithm>
#include <ctime>
#include <map>
#include <optional>
#include <set>

namespace kb {

namespace {

using nlohmann::json;

json rate(std::uint64_t num, std::uint64_t den) {
  if (den == 0) return nullptr;
  return static_cast<double>(num) / static_cast<double>(den);
}

/// What one session did, reduced to what the definitions need.
struct SessionFacts {
  bool help = false;
  bool viewed = false;
  bool ticket = false;
  bool ended = false;
  bool helpful_yes_or_solved = false;
  bool form_deflection = false;
  std::string date;

  bool self_service() const { return help && viewed; }
  bool escalated() const { return help && ticket; }
  bool deflected() const { return self_service() && ended && !ticket; }
  bool open() const { return help && !ended && !ticket; }
};

SessionFacts facts_of(const SessionEvents& s, const DeflectionOptions& opt) {
  SessionFacts f;
  f.date = utc_date(s.first.started_at_ms);
  f.ended = session_ended(s, opt);
  bool form_open = false;
  bool suggestion_clicked_after_form = false;
  bool solved = false;
  std::map<std::string, int> last_vote;  ///< as the article tallies count: a changed mind counts once
  for (const Event& e : s.second) {
    // Someone who followed the link an agent put in a ticket reply already
    // has a ticket: whatever they do from there on is not self-service,
    // deflected or not. What they did before (the search that found
    // nothing, the ticket they then filed) still counts.
    if (e.kind == event_kind::kView && e.source == view_source::kAgent) break;
    if (e.kind == event_kind::kSearch) f.help = true;
    if (e.kind == event_kind::kView) f.help = f.viewed = true;
    if (e.kind == event_kind::kTicket) f.ticket = true;
    if (e.kind == event_kind::kVote && e.helpful >= 0) last_vote[e.slug] = e.helpful;
    if (e.kind == event_kind::kSolved) solved = true;
    if (e.kind == event_kind::kTicketForm) form_open = true;
    if (e.kind == event_kind::kSuggestionClick && form_open) suggestion_clicked_after_form = true;
  }
  f.helpful_yes_or_solved =
      solved || std::any_of(last_vote.begin(), last_vote.end(), [](const auto& vote) { return vote.second == 1; });
  f.form_deflection = f.help && form_open && suggestion_clicked_after_form && f.ended && !f.ticket;
  return f;
}


struct QueryTally {
  std::uint64_t searches = 0;
  std::uint64_t zero_results = 0;
  std::set<std::size_t> sessions;  ///< indexes into the session list
};

struct ArticleTally {
  std::uint64_t views = 0, yes = 0, no = 0, tickets_after_view = 0;
};

struct AgentTally {
  std::uint64_t copied = 0, views = 0, tickets_after = 0;
};

struct DayTally {
  std::uint64_t help = 0, deflected = 0, escalated = 0, searches = 0, zero = 0, tickets = 0;
};

}  // namespace

std::vector<Event> counted_events(const std::vector<Event>& all) {
  std::vector<Event> out;
  out.reserve(all.size());
  std::map<std::string, std::string> same_search;  ///< a dropped search's id -> the kept one's
  std::optional<std::size_t> last_search;  ///< in out
  for (std::size_t i = 0; i < all.size(); ++i) {
    Event e = all[i];
    if (e.kind == event_kind::kSearch) {
      if (last_search) {
        const Event& previous = out[*last_search];
        if (previous.norm_query == e.norm_query && previous.result_count == e.result_count && previous.slugs == e.slugs) {
          if (e.search_id != previous.search_id) same_search[e.search_id] = previous.search_id;
          continue;
        }
      }
      last_search = out.size();
      out.push_back(std::move(e));
      continue;
    }
    if (e.kind == event_kind::kClick) {
      if (const auto alias = same_search.find(e.search_id); alias != same_search.end()) e.search_id = alias->second;
      // The click of a reloaded result: the view after it repeats the one
      // before it.
      const bool reload = i + 1 < all.size() && all[i + 1].kind == event_kind::kView && all[i + 1].slug == e.slug &&
                          !out.empty() && out.back().kind == event_kind::kView && out.back().slug == e.slug;
      if (reload) {
        ++i;  // and its view
        continue;
      }
    } else if (e.kind == event_kind::kView && !out.empty() && out.back().kind == event_kind::kView &&
               out.back().slug == e.slug) {
      continue;
    }
    out.push_back(std::move(e));
  }
  return out;
}

bool session_ended(const SessionEvents& s, const DeflectionOptions& opt) {
  const std::int64_t last = s.second.empty() ? s.first.last_seen_ms : std::max(s.first.last_seen_ms, s.second.back().at_ms);
  return opt.now_ms - last > opt.session_timeout_ms;
}

long days_between(const std::string& from, const std::string& to) {
  constexpr std::int64_t kDayMs = 24LL * 3600 * 1000;
  const auto to_ms = parse_utc_date(to), from_ms = parse_utc_date(from);
  if (!to_ms || !from_ms) return 0;
  return static_cast<long>((*to_ms - *from_ms) / kDayMs);
}

std::string utc_date(std::int64_t ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

std::optional<std::int64_t> parse_utc_date(const std::string& date) {
  const std::string norm = normalise_date(date);
  if (norm.empty() || norm != date) return std::nullopt;
  std::tm tm{};
  tm.tm_year = std::stoi(norm.substr(0, 4)) - 1900;
  tm.tm_mon = std::stoi(norm.substr(5, 2)) - 1;
  tm.tm_mday = std::stoi(norm.substr(8, 2));
  return static_cast<std::int64_t>(timegm(&tm)) * 1000;
}

json deflection_stats(const std::vector<SessionEvents>& sessions, const DeflectionOptions& opt) {
  std::uint64_t help = 0, self_service = 0, deflected = 0, escalated = 0, open = 0, explicit_deflections = 0,
                form_deflections = 0, ticket_sessions = 0;
  std::uint64_t searches = 0, zero = 0, clicked = 0, exits = 0, tickets = 0;
  std::map<std::string, QueryTally> queries;
  std::map<std::string, ArticleTally> articles;
  std::map<std::string, AgentTally> agent;
  std::map<std::string, DayTally> days;
  std::vector<SessionFacts> facts;
  facts.reserve(sessions.size());

  for (std::size_t si = 0; si < sessions.size(); ++si) {
    const std::vector<Event> events = counted_events(sessions[si].second);
    const SessionFacts f = facts_of(sessions[si], opt);
    facts.push_back(f);
    DayTally& day = days[f.date];
    if (f.help) ++help, ++day.help;
    if (f.self_service()) ++self_service;
    if (f.deflected()) ++deflected, ++day.deflected;
    if (f.escalated()) ++escalated, ++day.escalated;
    if (f.open()) ++open;
    if (f.deflected() && f.helpful_yes_or_solved) ++explicit_deflections;
    if (f.form_deflection) ++form_deflections;
    if (f.ticket) ++ticket_sessions;

    std::set<std::string> viewed_before;
    std::set<std::string> agent_viewed;
    std::set<std::string> agent_ticket_counted;
    std::map<std::string, int> last_vote;  ///< a person who changes their mind counts once
    std::set<std::string> counted_ticket_after_view;
    for (std::size_t i = 0; i < events.size(); ++i) {
      const Event& e = events[i];
      if (e.kind == event_kind::kSearch) {
        ++searches;
        ++day.searches;
        if (e.result_count == 0) ++zero, ++day.zero;
        QueryTally& q = queries[e.norm_query];
        ++q.searches;
        if (e.result_count == 0) ++q.zero_results;
        q.sessions.insert(si);
        bool has_click = false;
        for (std::size_t j = i + 1; j < events.size() && events[j].kind != event_kind::kSearch; ++j) {
          if (events[j].kind == event_kind::kClick && events[j].search_id == e.search_id) has_click = true;
        }
        if (has_click) ++clicked;
        if (i + 1 == events.size() && f.ended) ++exits;
      } else if (e.kind == event_kind::kView) {
        ++articles[e.slug].views;
        viewed_before.insert(e.slug);
        if (e.source == view_source::kAgent) {
          ++agent[e.slug].views;
          agent_viewed.insert(e.slug);
        }
      } else if (e.kind == event_kind::kAgentCopy) {
        ++agent[e.slug].copied;
      } else if (e.kind == event_kind::kVote && e.helpful >= 0) {
        last_vote[e.slug] = e.helpful;
      } else if (e.kind == event_kind::kTicket) {
        ++tickets;
        ++day.tickets;
        for (const auto& slug : viewed_before) {
          if (counted_ticket_after_view.insert(slug).second) ++articles[slug].tickets_after_view;
        }
        for (const auto& slug : agent_viewed) {
          if (agent_ticket_counted.insert(slug).second) ++agent[slug].tickets_after;
        }
      }
    }
    for (const auto& [slug, helpful] : last_vote) {
      ArticleTally& a = articles[slug];
      ++(helpful == 1 ? a.yes : a.no);
    }
  }

  // Top queries: most searched first; per-query deflection over the
  // sessions that searched it and ended deflected or escalated.
  std::vector<std::pair<std::string, const QueryTally*>> ranked;
  for (const auto& [q, t] : queries) ranked.emplace_back(q, &t);
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    return a.second->searches != b.second->searches ? a.second->searches > b.second->searches : a.first < b.first;
  });
  auto outcomes = [&facts](const QueryTally& t) {
    std::pair<std::uint64_t, std::uint64_t> deflected_escalated{0, 0};
    for (std::size_t si : t.sessions) {
      if (facts[si].deflected()) ++deflected_escalated.first;
      if (facts[si].escalated()) ++deflected_escalated.second;
    }
    return deflected_escalated;
  };
  json top_queries = json::array();
  for (std::size_t i = 0; i < ranked.size() && i < opt.top; ++i) {
    const auto [d, e] = outcomes(*ranked[i].second);
    top_queries.push_back({{"query", ranked[i].first},
                           {"searches", ranked[i].second->searches},
                           {"zero_results", ranked[i].second->zero_results},
                           {"deflection_rate", rate(d, d + e)}});
  }
  // Searches most often followed by a ticket, among every query, not only
  // the most searched: a rare query that always ends in a ticket is what
  // needs an article. Lowest deflection rate first, then most escalated.
  struct Escalating {
    const std::string* query;
    std::uint64_t searches, escalated;
    double rate;
  };
  std::vector<Escalating> escalating;
  for (const auto& [q, t] : ranked) {
    const auto [d, e] = outcomes(*t);
    if (e > 0) escalating.push_back({&q, t->searches, e, static_cast<double>(d) / static_cast<double>(d + e)});
  }
  std::sort(escalating.begin(), escalating.end(), [](const Escalating& a, const Escalating& b) {
    if (a.rate != b.rate) return a.rate < b.rate;
    if (a.escalated != b.escalated) return a.escalated > b.escalated;
    return *a.query < *b.query;
  });
  json escalating_queries = json::array();
  for (std::size_t i = 0; i < escalating.size() && i < opt.top; ++i) {
    escalating_queries.push_back({{"query", *escalating[i].query},
                                  {"searches", escalating[i].searches},
                                  {"escalated_sessions", escalating[i].escalated},
                                  {"deflection_rate", escalating[i].rate}});
  }
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    return a.second->zero_results != b.second->zero_results ? a.second->zero_results > b.second->zero_results
                                                             : a.first < b.first;
  });
  json top_zero = json::array();
  for (std::size_t i = 0; i < ranked.size() && top_zero.size() < opt.top; ++i) {
    if (ranked[i].second->zero_results == 0) break;
    top_zero.push_back({{"query", ranked[i].first}, {"searches", ranked[i].second->zero_results}});
  }

  std::vector<std::pair<std::string, ArticleTally>> arts(articles.begin(), articles.end());
  std::sort(arts.begin(), arts.end(), [](const auto& a, const auto& b) {
    return a.second.views != b.second.views ? a.second.views > b.second.views : a.first < b.first;
  });
  json article_list = json::array();
  for (const auto& [slug, a] : arts) {
    article_list.push_back({{"slug", slug},
                            {"views", a.views},
                            {"helpful_yes", a.yes},
                            {"helpful_no", a.no},
                            {"helpfulness", rate(a.yes, a.yes + a.no)},
                            {"tickets_after_view", a.tickets_after_view}});
  }

  json daily = json::array();
  for (const auto& [date, d] : days) {
    daily.push_back({{"date", date},
                     {"help_sessions", d.help},
                     {"deflection_rate", rate(d.deflected, d.deflected + d.escalated)},
                     {"searches", d.searches},
                     {"zero_result_rate", rate(d.zero, d.searches)},
                     {"tickets", d.tickets}});
  }

  json agent_links = json::array();
  for (const auto& [slug, a] : agent) {
    agent_links.push_back({{"slug", slug},
                           {"links_copied", a.copied},
                           {"views", a.views},
                           {"sessions_with_ticket_after", a.tickets_after}});
  }

  return {{"help_sessions", help},
          {"self_service_sessions", self_service},
          {"deflected_sessions", deflected},
          {"escalated_sessions", escalated},
          {"open_sessions", open},
          {"deflection_rate", rate(deflected, deflected + escalated)},
          {"explicit_deflections", explicit_deflections},
          {"form_deflections", form_deflections},
          {"self_service_score", rate(help, ticket_sessions)},
          {"searches", searches},
          {"zero_result_searches", zero},
          {"zero_result_rate", rate(zero, searches)},
          {"click_through_rate", rate(clicked, searches)},
          {"search_exit_rate", rate(exits, searches)},
          {"tickets", tickets},
          {"top_queries", top_queries},
          {"escalating_queries", escalating_queries},
          {"top_zero_result_queries", top_zero},
          {"articles", article_list},
          {"daily", daily},
          {"agent_links", agent_links}};
}

}  // namespace kb
