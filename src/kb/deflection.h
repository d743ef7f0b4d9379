/** @file deflection.h
 *  @brief Deflection statistics computed exactly from recorded sessions.
 *  The definitions are the README's "Deflection statistics", word for word.
 */
#pragma once

#include "kb/events.h"
#include "kb/stats_store.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace kb {

using SessionEvents = std::pair<SessionRow, std::vector<Event>>;

struct DeflectionOptions {
  std::int64_t now_ms = 0;
  std::int64_t session_timeout_ms = 1800 * 1000;
  std::size_t top = 20;  ///< length of the top_* lists
};

/// The /api/stats document for @p sessions (those that started in the
/// requested range, with all their events in time order). Rates whose
/// denominator is zero are null.
nlohmann::json deflection_stats(const std::vector<SessionEvents>& sessions, const DeflectionOptions& options);

/// The events the search and article tallies count: a page reloaded is
/// not a second search or a second reading. A search identical to the
/// session's previous search (same normalised query and the same results
/// shown, so the same filters and page) is that search again: dropped, its
/// clicks count for the first. A view of the article the session's
/// previous event showed, with only the click that opened it between, is
/// that reading again: dropped, with that click.
std::vector<Event> counted_events(const std::vector<Event>& all);

/// A session has ended when its last activity is more than the session
/// timeout before now. The one rule every statistic uses.
bool session_ended(const SessionEvents& session, const DeflectionOptions& options);

/// Whole days from @p from to @p to (both "YYYY-MM-DD"; to - from); 0 when
/// either is not a date.
long days_between(const std::string& from, const std::string& to);

/// "YYYY-MM-DD" (UTC) of @p ms.
std::string utc_date(std::int64_t ms);

/// Milliseconds at 00:00 UTC of "YYYY-MM-DD" (negative before 1970);
/// nothing when it is not a date.
std::optional<std::int64_t> parse_utc_date(const std::string& date);

}  // namespace kb
