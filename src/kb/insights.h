/** @file insights.h
 *  @brief What the statistics teach the search: queries that lead people to
 *  an answer (for autocomplete), each article's record of success (for the
 *  bounded learned boost), and synonym proposals from reformulations.
 */
#pragma once

#include "kb/deflection.h"
#include "kb/synonyms.h"

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace kb {

struct PopularQuery {
  std::string query;       ///< normalised
  std::uint64_t sessions;  ///< sessions where it led to a read, without a ticket
};

/// Normalised queries followed, in sessions that ended without a ticket,
/// by an article view before the next search; most sessions first.
std::vector<PopularQuery> successful_queries(const std::vector<SessionEvents>& sessions, const DeflectionOptions& options,
                                             std::size_t limit);

/// Per article, in [0, 1]: (ended sessions that viewed it without a ticket
/// afterwards + "yes" votes) / (sessions that viewed it + votes + 1).
std::unordered_map<std::string, double> article_success(const std::vector<SessionEvents>& sessions,
                                                        const DeflectionOptions& options);

struct SynonymProposal {
  std::string from;  ///< the query that found nothing useful
  std::string to;    ///< the reformulation whose result was read
  std::uint64_t sessions = 0;
};

/// A query with no click, followed in the same session by a reformulation
/// whose result was read, in a session that ended without a ticket,
/// proposes the pair of words the reformulation replaced: "wlan broken"
/// then "wifi broken" proposes wlan = wifi. Only a single word replaced by
/// a single word is proposed: a synonym's alternative is searched as an
/// exact phrase, so whole reworded queries ("get rid of fb" = "delete
/// facebook account") would only ever match an article that has the whole
/// query. Pairs already one group in @p known (accepted) are left out.
std::vector<SynonymProposal> synonym_proposals(const std::vector<SessionEvents>& sessions,
                                               const DeflectionOptions& options, std::size_t min_sessions = 1,
                                               const Synonyms& known = Synonyms());

/// Completions for @p typed from @p popular: all typed words but the last
/// appear as words, the last as the start of a word.
std::vector<std::string> complete_queries(const std::vector<PopularQuery>& popular, const std::string& typed,
                                          std::size_t count);

}  // namespace kb
