/** @file events.h
 *  @brief What kb records of a help-seeking session. Recorded by the
 *  server from the requests it serves; nothing here trusts JavaScript.
 */
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kb {

/// Event kinds, as stored in the `kind` column.
namespace event_kind {
inline constexpr const char* kSearch = "search";              ///< a query answered (one per typing burst)
inline constexpr const char* kClick = "click";                ///< a result followed from a search
inline constexpr const char* kView = "view";                  ///< an article page shown
inline constexpr const char* kVote = "vote";                  ///< "Was this helpful?" answered
inline constexpr const char* kTicketForm = "ticket_form";     ///< the ticket form opened
inline constexpr const char* kSuggestionShown = "suggestion_shown";  ///< articles suggested on the form
inline constexpr const char* kSuggestionClick = "suggestion_click";  ///< a suggested article opened
inline constexpr const char* kSolved = "solved";              ///< "This solved my problem" on the form
inline constexpr const char* kTicket = "ticket";              ///< a ticket submitted
inline constexpr const char* kAgentCopy = "agent_copy";       ///< an agent copied a link or text (source: link|markdown|text)
}  // namespace event_kind

/// Where an article view came from.
namespace view_source {
inline constexpr const char* kSearch = "search";
inline constexpr const char* kRelated = "related";
inline constexpr const char* kTicketForm = "ticket_form";
inline constexpr const char* kAgent = "agent";
inline constexpr const char* kDirect = "direct";
}  // namespace view_source

struct Event {
  std::string session;
  std::int64_t at_ms = 0;  ///< UTC milliseconds since the epoch
  std::string kind;
  std::string search_id;   ///< search, click
  std::string query;       ///< search: as typed; agent_copy: the section anchor copied ("" = whole article)
  std::string norm_query;  ///< search: normalised (see normalise_query)
  int result_count = -1;   ///< search
  bool corrected = false;  ///< search: a spelling correction answered
  std::string rung;        ///< search: which rung of the ladder answered
  std::vector<std::string> slugs;  ///< search, suggestion_shown: slugs shown, in order
  std::string slug;        ///< click, view, vote, suggestion_click
  int rank = 0;            ///< click: 1-based position
  std::string source;      ///< view: see view_source
  int helpful = -1;        ///< vote: 1 yes, 0 no
  std::string comment;     ///< vote
  std::int64_t ticket_id = 0;  ///< ticket
  std::string ref;             ///< agent_copy, view from an agent link: the help desk's ticket id, if given
};

/// Lower-case, punctuation to spaces, spaces collapsed: "VPN  Disconnects!"
/// and "vpn disconnects" are one query in the statistics.
std::string normalise_query(const std::string& query);

}  // namespace kb
