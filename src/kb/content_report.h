/** @file content_report.h
 *  @brief What writers should do next: content gaps (what people looked
 *  for and did not find, grouped) and article health (which articles fail,
 *  and why).
 */
#pragma once

#include "kb/checker.h"
#include "kb/deflection.h"
#include "kb/stats_store.h"

#include <cstdint>
#include <string>
#include <vector>

namespace kb {

struct GapCluster {
  std::string label;                 ///< the cluster's most frequent query
  std::vector<std::string> queries;  ///< its members, most frequent first
  std::uint64_t zero_result = 0;     ///< searches that found nothing
  std::uint64_t exits = 0;           ///< searches that ended a session
  std::uint64_t tickets = 0;         ///< tickets filed after one of these failed searches
  std::vector<std::string> ticket_subjects;
  std::uint64_t volume() const { return zero_result + exits + tickets; }
};

/// Zero-result queries, searches that ended their session, and ticket
/// subjects that followed a failed search, grouped by shared stemmed words
/// and spelling variants (one edit apart), largest volume first.
std::vector<GapCluster> content_gaps(const std::vector<SessionEvents>& sessions, const std::vector<Ticket>& tickets,
                                     const DeflectionOptions& options);

std::string gaps_csv(const std::vector<GapCluster>& gaps);

struct ArticleHealthInput {
  std::string slug, title, path, updated;
};

struct ArticleHealth {
  std::string slug, title;
  int score = 100;                  ///< 0 (fix first) .. 100
  std::vector<std::string> reasons;
};

/// One score and its reasons per article: broken links and other check
/// errors, staleness, low helpfulness, tickets after views, weak deflection,
/// and zero-result queries that share a title word. Worst first.
std::vector<ArticleHealth> article_health(const std::vector<ArticleHealthInput>& articles, const CheckReport& check,
                                          const std::vector<SessionEvents>& sessions, const DeflectionOptions& options,
                                          int stale_days, const std::string& today);

/// A link agents sent (copied from /agent) that the index no longer has.
struct LostLink {
  std::string slug, anchor;
  std::uint64_t copies = 0;
  std::string reason;  ///< "article" or "anchor"
};

class Searcher;

/// Checks every article and section agents copied links to (from the
/// statistics) against @p index; returns those that disappeared.
std::vector<LostLink> lost_agent_links(const std::vector<SessionEvents>& sessions, Searcher& index);

}  // namespace kb
