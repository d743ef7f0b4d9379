/** @file per_revision.h
 *  @brief One in-memory table per index revision, shared by every
 *  Searcher of the process.
 *
 *  Tables built from a whole revision (facet values, the spelling
 *  dictionary) cost milliseconds and megabytes: the server's threads each
 *  hold a Searcher, and must not each build and keep their own copy.
 */
#pragma once

#include <xapian.h>

#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace kb {

/// The @p Table for @p db's current revision: from the process-wide cache
/// when another Searcher built it already, else made by build(db). The
/// first thread to ask builds; threads asking meanwhile wait for it rather
/// than each building a copy (a server's threads all start at once). A
/// newer revision replaces an index's older entry; holders of the old
/// table keep it alive. A build that throws is not kept, and a thread that
/// waited for it builds its own.
template <class Table, class Build>
std::shared_ptr<const Table> per_revision(const Xapian::Database& db, Build&& build) {
  using Shared = std::shared_future<std::shared_ptr<const Table>>;
  struct Entry {
    Xapian::rev revision = 0;
    Shared table;
  };
  static std::mutex mutex;
  static auto* entries = new std::unordered_map<std::string, Entry>;  // lives for the whole process
  const std::string uuid = db.get_uuid();
  const Xapian::rev revision = db.get_revision();
  std::promise<std::shared_ptr<const Table>> promise;
  Shared built_by_another;
  bool registered = false;
  {
    std::lock_guard<std::mutex> lock(mutex);
    Entry& entry = (*entries)[uuid];
    if (entry.table.valid() && entry.revision == revision) {
      built_by_another = entry.table;
    } else if (!entry.table.valid() || entry.revision < revision) {
      entry = {revision, promise.get_future().share()};
      registered = true;
    }
    // Else the cache holds a newer revision than this handle has: this one
    // builds its own table and keeps it to itself until it reopens.
  }
  if (built_by_another.valid()) {
    try {
      return built_by_another.get();
    } catch (...) {
      // The builder failed: build here, so that each thread throws its own
      // error object (one shared Xapian::Error would be read by all at once).
      return build(db);
    }
  }
  try {
    std::shared_ptr<const Table> table = build(db);
    promise.set_value(table);
    return table;
  } catch (...) {
    promise.set_exception(std::current_exception());
    if (registered) {
      std::lock_guard<std::mutex> lock(mutex);
      const auto found = entries->find(uuid);
      if (found != entries->end() && found->second.revision == revision) entries->erase(found);
    }
    throw;
  }
}

}  // namespace kb
