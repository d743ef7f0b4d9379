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

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace kb {

/// The @p Table for @p db's current revision: from the process-wide cache
/// when another Searcher built it already, else made by build(db). A newer
/// revision replaces an index's older entry; holders of the old table
/// keep it alive.
template <class Table, class Build>
std::shared_ptr<const Table> per_revision(const Xapian::Database& db, Build&& build) {
  struct Entry {
    Xapian::rev revision = 0;
    std::shared_ptr<const Table> table;
  };
  static std::mutex mutex;
  static auto* entries = new std::unordered_map<std::string, Entry>;  // lives for the whole process
  const std::string uuid = db.get_uuid();
  const Xapian::rev revision = db.get_revision();
  {
    std::lock_guard<std::mutex> lock(mutex);
    const auto found = entries->find(uuid);
    if (found != entries->end() && found->second.revision == revision) return found->second.table;
  }
  // Built outside the lock: two threads may both build one, which is
  // cheaper than making every search wait behind a build.
  std::shared_ptr<const Table> table = build(db);
  std::lock_guard<std::mutex> lock(mutex);
  Entry& entry = (*entries)[uuid];
  if (!entry.table || entry.revision < revision) entry = {revision, table};
  return table;
}

}  // namespace kb
