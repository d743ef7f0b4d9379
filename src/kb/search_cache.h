/** @file search_cache.h
 *  @brief Recent search responses, shared by the server's threads, for
 *  one index revision at a time.
 *
 *  Help-centre queries repeat ("reset password", "vpn"); answering a
 *  repeat from memory costs a hash lookup instead of a search. A response
 *  depends only on the request and on what the index and the learned
 *  boost were when it was computed, so entries are keyed by the request
 *  and dropped whole when either changes (the "generation"). Least
 *  recently used entries go first once the byte budget is spent.
 */
#pragma once

#include "kb/searcher.h"

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace kb {

class SearchCache {
 public:
  explicit SearchCache(std::size_t budget_bytes) : budget_(budget_bytes) {}

  /// The key of a request: every field that changes the response. Empty
  /// for requests that must not be cached (explanations).
  static std::string key_of(const SearchRequest& request);

  /// The cached response for @p key under @p generation, or nullptr.
  std::shared_ptr<const SearchResponse> find(const std::string& generation, const std::string& key);

  /// Stores a response computed under @p generation; a newer generation
  /// empties the cache first.
  void store(const std::string& generation, const std::string& key, std::shared_ptr<const SearchResponse> response);

  struct Stats {
    std::size_t entries = 0, bytes = 0;
    std::uint64_t hits = 0, misses = 0;
  };
  Stats stats() const;

 private:
  struct Entry {
    std::string key;
    std::shared_ptr<const SearchResponse> response;
    std::size_t bytes = 0;
  };
  void clear_locked();

  const std::size_t budget_;
  mutable std::mutex mutex_;
  std::string generation_;
  std::list<Entry> order_;  ///< most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> by_key_;
  std::size_t bytes_ = 0;
  std::uint64_t hits_ = 0, misses_ = 0;
};

}  // namespace kb
