/** @file index_writer.h
 *  @brief Incremental, atomic indexing of an articles directory into Xapian.
 *
 *  One run is one Xapian transaction: readers see the previous revision
 *  until the commit, and a run killed at any point leaves that revision
 *  intact. Unchanged files (same bytes, same schema version) are not
 *  touched; an article that fails to parse is reported and, if an earlier
 *  version of it is in the index, that version stays published.
 */
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace kb {

struct IndexOptions {
  std::filesystem::path articles_dir;
  std::filesystem::path index_dir;
  /// Called with each "path:line: error|warning: message" line as found.
  std::function<void(const std::string&)> on_problem;
  /// Called after each file with (files done, files in all).
  std::function<void(std::size_t, std::size_t)> on_progress;
  /// Called after each document added, replaced or deleted inside the
  /// (uncommitted) transaction, with the count so far.
  std::function<void(std::size_t)> on_document_written;
  /// An articles folder with no article may empty an index that holds
  /// some. Off: refused, since a folder not mounted would unpublish all.
  bool allow_empty = false;
};

struct IndexReport {
  std::size_t added = 0;
  std::size_t updated = 0;
  std::size_t moved = 0;     ///< published articles whose file moved to another path (edited or not)
  std::size_t renamed = 0;   ///< published articles that now have another slug (same file, or moved and
                             ///< listing the old slug as an alias, or moved with the same bytes)
  std::size_t removed = 0;
  std::size_t unchanged = 0;
  std::size_t skipped = 0;   ///< files reported with an error
  std::size_t warnings = 0;
  double seconds = 0;
  bool changed() const { return added + updated + moved + renamed + removed > 0; }
  /// "added N, updated N, moved N, renamed N, removed N, unchanged N, skipped N in T s"
  std::string summary_line() const;
};

/// A problem that stops the whole run (unreadable directory, locked or
/// corrupt index). Article problems are never thrown; they are reported.
class IndexFatalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

IndexReport build_index(const IndexOptions& options);

}  // namespace kb
