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

}  // namespace kb
