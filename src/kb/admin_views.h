/** @file admin_views.h
 *  @brief The admin's statistics dashboard: numbers, charts as SVG
 *  geometry (no JavaScript needed), and the lists that say what to fix.
 */
#pragma once

#include "kb/views.h"

#include <nlohmann/json.hpp>

namespace kb {

mstch::map stats_login_page(const PageBase& base, const std::string& error);

/// @p stats is the /api/stats document for [from, to].
mstch::map stats_page(const PageBase& base, const nlohmann::json& stats, const std::string& from, const std::string& to);

}  // namespace kb
