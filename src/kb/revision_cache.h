/** @file revision_cache.h
 *  @brief Recent answers computed from one index revision, shared by the
 *  server's threads: search responses by request, article pages' records
 *  by slug.
 *
 *  Help-centre traffic repeats ("reset password", the same few articles);
 *  answering a repeat from memory costs a hash lookup instead of a search
 *  or a document read. An answer depends only on its key and on what the
 *  index (and the learned boost) were when it was computed, so entries are
 *  dropped whole when that "generation" changes. Least recently used
 *  entries go first once the byte budget is spent.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

namespace kb {

template <class Value>
class RevisionCache {
 public:
  /// @p size_of: the approximate bytes an entry holds.
  RevisionCache(std::size_t budget_bytes, std::function<std::size_t(const Value&)> size_of)
      : budget_(budget_bytes), size_of_(std::move(size_of)) {}

  /// The cached value for @p key under @p generation, or nullptr. An
  /// empty key never matches.
  std::shared_ptr<const Value> find(const std::string& generation, const std::string& key) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto found = key.empty() || generation != generation_ ? by_key_.end() : by_key_.find(key);
    if (found == by_key_.end()) {
      ++misses_;
      return nullptr;
    }
    order_.splice(order_.begin(), order_, found->second);
    ++hits_;
    return found->second->value;
  }

  /// Stores a value computed under @p generation; a newer generation
  /// empties the cache first. Values over a quarter of the budget are not
  /// kept: one huge answer must not flush everything else.
  void store(const std::string& generation, const std::string& key, std::shared_ptr<const Value> value) {
    if (key.empty() || !value || budget_ == 0) return;
    const std::size_t bytes = size_of_(*value) + key.size() + 128;  // + list and map nodes
    if (bytes > budget_ / 4) return;
    std::lock_guard<std::mutex> lock(mutex_);
    if (generation != generation_) {
      order_.clear();
      by_key_.clear();
      bytes_ = 0;
      generation_ = generation;
    }
    if (by_key_.count(key)) return;  // another thread computed it meanwhile
    order_.push_front(Entry{key, std::move(value), bytes});
    by_key_.emplace(key, order_.begin());
    bytes_ += bytes;
    while (bytes_ > budget_ && !order_.empty()) {
      bytes_ -= order_.back().bytes;
      by_key_.erase(order_.back().key);
      order_.pop_back();
    }
  }

  /// False when the budget is zero: store() keeps nothing.
  bool keeps_entries() const { return budget_ > 0; }

  struct Stats {
    std::size_t entries = 0, bytes = 0;
    std::uint64_t hits = 0, misses = 0;
  };
  Stats stats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return {by_key_.size(), bytes_, hits_, misses_};
  }

 private:
  struct Entry {
    std::string key;
    std::shared_ptr<const Value> value;
    std::size_t bytes = 0;
  };

  const std::size_t budget_;
  const std::function<std::size_t(const Value&)> size_of_;
  mutable std::mutex mutex_;
  std::string generation_;
  std::list<Entry> order_;  ///< most recently used first
  std::unordered_map<std::string, typename std::list<Entry>::iterator> by_key_;
  std::size_t bytes_ = 0;
  std::uint64_t hits_ = 0, misses_ = 0;
};

}  // namespace kb
