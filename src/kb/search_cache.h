/** @file search_cache.h
 *  @brief The caches the server keeps per index revision: search
 *  responses by request, and article records (with their related
 *  articles) by slug.
 */
#pragma once

#include "kb/revision_cache.h"
#include "kb/searcher.h"

#include <string>
#include <vector>

namespace kb {

class SearchCache : public RevisionCache<SearchResponse> {
 public:
  explicit SearchCache(std::size_t budget_bytes);

  /// The key of a request: every field that changes the response. Empty
  /// for requests that must not be cached (explanations).
  static std::string key_of(const SearchRequest& request);
};

/// What an article page shows that comes from the index.
struct CachedArticle {
  ArticleRecord article;
  std::vector<ArticleLink> related;
  std::vector<ArticleLink> translations;  ///< its other language versions
};

class ArticleCache : public RevisionCache<CachedArticle> {
 public:
  explicit ArticleCache(std::size_t budget_bytes);
};

}  // namespace kb
