/** @file search_cache.cpp
 *  @brief Keys and sizes for the per-revision caches.
 */
#include "kb/search_cache.h"

namespace kb {

namespace {

std::size_t response_bytes(const SearchResponse& r) {
  std::size_t n = sizeof(SearchResponse) + r.query.size() + r.corrected_query.size();
  for (const auto& h : r.hits) {
    n += sizeof(SearchHit) + h.slug.size() + h.title.size() + h.summary.size() + h.url.size() + h.snippet_html.size() +
         h.category.size() + h.lang.size() + h.updated.size() + h.section_heading.size() + h.section_anchor.size();
    for (const auto& t : h.tags) n += t.size() + sizeof(std::string);
  }
  for (const auto* facets : {&r.category_facets, &r.tag_facets, &r.lang_facets}) {
    for (const auto& [value, count] : *facets) n += value.size() + sizeof(std::string) + sizeof(count);
  }
  return n;
}

std::size_t article_bytes(const CachedArticle& a) {
  const ArticleRecord& r = a.article;
  std::size_t n = sizeof(CachedArticle) + r.slug.size() + r.title.size() + r.summary.size() + r.category.size() +
                  r.lang.size() + r.updated.size() + r.path.size() + r.html.size() + r.markdown.size();
  for (const auto& h : r.headings) n += sizeof(h) + h.text.size() + h.anchor.size();
  for (const auto* list : {&r.tags, &r.aliases}) {
    for (const auto& s : *list) n += sizeof(s) + s.size();
  }
  for (const auto* links : {&a.related, &a.translations}) {
    for (const auto& l : *links) n += sizeof(l) + l.slug.size() + l.title.size() + l.summary.size() + l.lang.size();
  }
  return n;
}

void append_field(std::string& key, const std::string& value) {
  // Length-prefixed: no value can forge another field's boundary.
  key += std::to_string(value.size());
  key += ':';
  key += value;
}

}  // namespace

SearchCache::SearchCache(std::size_t budget_bytes) : RevisionCache(budget_bytes, response_bytes) {}

ArticleCache::ArticleCache(std::size_t budget_bytes) : RevisionCache(budget_bytes, article_bytes) {}

std::string SearchCache::key_of(const SearchRequest& request) {
  if (request.explain) return {};
  std::string key;
  append_field(key, request.query);
  append_field(key, std::to_string(request.page));
  append_field(key, std::to_string(request.per_page));
  append_field(key, request.lang);
  append_field(key, request.category);
  append_field(key, request.as_typed ? "as_typed" : "");
  append_field(key, request.partial ? "partial" : "");
  key += 'T';
  for (const auto& tag : request.tags) append_field(key, tag);
  key += 'A';
  for (const auto& lang : request.accept_languages) append_field(key, lang);
  return key;
}

}  // namespace kb
