/** @file admin_views.h
 *  @brief The admin's statistics dashboard: numbers, charts as SVG
 *  geometry (no JavaScript needed), and the lists that say what to fix.
 */
#pragma once

#include "kb/views.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>

namespace kb {

mstch::map stats_login_page(const PageBase& base, const std::string& error);

/// @p stats is the /api/stats document for [from, to]; @p rungs counts the
/// searches answered by each rung of the ladder.
mstch::map stats_page(const PageBase& base, const nlohmann::json& stats, const std::string& from, const std::string& to,
                      const std::map<std::string, std::uint64_t>& rungs = {});

/// One search result on the agent view, with every section of its article.
struct AgentResult {
  SearchHit hit;
  std::vector<Heading> headings;
};

/// The agent view: a compact search whose results offer, per article and
/// per section, the link, a Markdown link and the section's text to copy.
/// Links are absolute (@p origin) and end in @p link_query, the signed
/// "?ref=agent&ticket=…" the article page counts as an agent link.
/// @p corrected: the search's spelling correction ("" for none);
/// @p showing_corrected: whether the results are the correction's.
mstch::map agent_page(const PageBase& base, const std::string& query, const std::string& ticket,
                      const std::vector<AgentResult>& results, const std::string& origin,
                      const std::string& link_query, const std::string& corrected = "",
                      bool showing_corrected = false);

/// A sign-in form that asks for a token (@p token_label) and sends it to
/// @p action; @p error says why the last one was refused ("" for none).
mstch::map login_page(const PageBase& base, const std::string& title, const std::string& token_label,
                      const std::string& action, const std::string& error);

/// The agent view's sign-in, in the page's language.
mstch::map agent_login_page(const PageBase& base, const std::string& error);

}  // namespace kb
