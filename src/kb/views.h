/** @file views.h
 *  @brief The data each page template receives, built from search results
 *  and articles. Kept out of the server so pages can be tested (and
 *  golden-filed) without HTTP.
 */
#pragma once

#include "kb/searcher.h"

#include <mstch/mstch.hpp>

#include <string>
#include <vector>

namespace kb {

/// What every page needs: UI strings and the search box's text.
struct PageBase {
  mstch::map strings;     ///< {{t.key}}
  std::string ui_lang = "en";
  std::string query;      ///< prefilled in the search box
};

/// Links that keep the current query and filters, with one parameter changed.
std::string search_url(const SearchRequest& request, int page);

mstch::map search_page(const PageBase& base, const SearchRequest& request, const SearchResponse& response);

/// The home page: no query yet; shows categories and the newest articles.
mstch::map home_page(const PageBase& base, const SearchResponse& newest);

mstch::map article_page(const PageBase& base, const ArticleRecord& article, const std::vector<ArticleLink>& related);

/// 404 for an unknown slug: the search box is prefilled from the slug.
mstch::map not_found_page(const PageBase& base, const std::string& slug);

mstch::map error_page(const PageBase& base, int status, const std::string& message);

/// "vpn-keeps-disconnecting" -> "vpn keeps disconnecting"
std::string words_from_slug(const std::string& slug);

}  // namespace kb
