/** @file search_cache.cpp
 *  @brief An LRU of search responses by request, per generation.
 */
#include "kb/search_cache.h"

namespace kb {

namespace {

std::size_t approximate_bytes(const std::string& key, const SearchResponse& r) {
  std::size_t n = sizeof(SearchResponse) + key.size() + r.query.size() + r.corrected_query.size();
  for (const auto& h : r.hits) {
    n += sizeof(SearchHit) + h.slug.size() + h.title.size() + h.summary.size() + h.url.size() + h.snippet_html.size() +
         h.category.size() + h.lang.size() + h.updated.size() + h.section_heading.size() + h.section_anchor.size();
    for (const auto& t : h.tags) n += t.size() + sizeof(std::string);
  }
  for (const auto* facets : {&r.category_facets, &r.tag_facets, &r.lang_facets}) {
    for (const auto& [value, count] : *facets) n += value.size() + sizeof(std::string) + sizeof(count);
  }
  return n + 128;  // list and map nodes
}

void append_field(std::string& key, const std::string& value) {
  // Length-prefixed: no value can forge another field's boundary.
  key += std::to_string(value.size());
  key += ':';
  key += value;
}

}  // namespace

std::string SearchCache::key_of(const SearchRequest& request) {
  if (request.explain) return {};
  std::string key;
  append_field(key, request.query);
  append_field(key, std::to_string(request.page));
  append_field(key, std::to_string(request.per_page));
  append_field(key, request.lang);
  append_field(key, request.category);
  key += 'T';
  for (const auto& tag : request.tags) append_field(key, tag);
  key += 'A';
  for (const auto& lang : request.accept_languages) append_field(key, lang);
  return key;
}

std::shared_ptr<const SearchResponse> SearchCache::find(const std::string& generation, const std::string& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (key.empty() || generation != generation_) {
    ++misses_;
    return nullptr;
  }
  const auto found = by_key_.find(key);
  if (found == by_key_.end()) {
    ++misses_;
    return nullptr;
  }
  order_.splice(order_.begin(), order_, found->second);
  ++hits_;
  return found->second->response;
}

void SearchCache::store(const std::string& generation, const std::string& key,
                        std::shared_ptr<const SearchResponse> response) {
  if (key.empty() || !response || budget_ == 0) return;
  const std::size_t bytes = approximate_bytes(key, *response);
  if (bytes > budget_ / 4) return;  // one huge answer must not flush everything
  std::lock_guard<std::mutex> lock(mutex_);
  if (generation != generation_) {
    clear_locked();
    generation_ = generation;
  }
  if (by_key_.count(key)) return;  // another thread computed it meanwhile
  order_.push_front(Entry{key, std::move(response), bytes});
  by_key_.emplace(key, order_.begin());
  bytes_ += bytes;
  while (bytes_ > budget_ && !order_.empty()) {
    bytes_ -= order_.back().bytes;
    by_key_.erase(order_.back().key);
    order_.pop_back();
  }
}

void SearchCache::clear_locked() {
  order_.clear();
  by_key_.clear();
  bytes_ = 0;
}

SearchCache::Stats SearchCache::stats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return {by_key_.size(), bytes_, hits_, misses_};
}

}  // namespace kb
