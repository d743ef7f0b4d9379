/** @file prepared_hit.h
 *  @brief An article's results-page record (schema::kSlotHit), read and
 *  split into sections once, and a cache of them shared by the server's
 *  searches while an index revision lasts.
 *
 *  Each result of a search needs its record: the article's sections, to
 *  choose the one to link to and cut the snippet from. Read from the index,
 *  a record of a few kilobytes spans several B-tree blocks, each a system
 *  call, and was then split and decoded again for every search that showed
 *  it: a fifth of a search's time at 10,000 articles (bench/speed). A help
 *  centre's results keep showing the same popular articles, so the split
 *  records are kept in memory, least recently shown dropped first.
 */
#pragma once

#include "kb/revision_cache.h"
#include "kb/section_terms.h"
#include "kb/stored_hit.h"

#include <xapian.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace kb {

/// One heading section of a stored record, viewing it (the record must
/// outlive it): nothing is copied until a hit keeps it.
struct StoredSection {
  std::string_view anchor, heading, text;
};

/// The sections of StoredHit::sections; none when it is empty or damaged.
std::vector<StoredSection> parse_sections(std::string_view value);
std::vector<StoredSection> parse_sections(std::string&& value) = delete;  // the views would dangle

/// A record and its parts. The parts view the record this object owns, so
/// it is neither copied nor moved: it lives behind a shared_ptr.
class PreparedHit {
 public:
  /// A damaged record gives empty fields and no sections, so that the hit
  /// shows no title or snippet instead of failing the whole search.
  explicit PreparedHit(std::string record);
  PreparedHit(const PreparedHit&) = delete;
  PreparedHit& operator=(const PreparedHit&) = delete;

  const StoredHit& stored() const { return stored_; }
  const std::vector<StoredSection>& sections() const { return sections_; }
  /// Each section's table of words, in the order of sections(); empty
  /// when the record has none.
  const std::vector<SectionTerms>& section_terms() const { return section_terms_; }

  /// About the memory it holds, for the cache's budget.
  std::size_t bytes() const;

 private:
  std::string record_;
  StoredHit stored_;
  std::vector<StoredSection> sections_;
  std::vector<SectionTerms> section_terms_;
};

/// Prepared records by document id, for one revision at a time (the key
/// Searcher::revision_key() gives): a new revision may have given an id
/// other text, so its first store() empties the cache.
class HitCache {
 public:
  /// @p budget_bytes 0: nothing is kept.
  explicit HitCache(std::size_t budget_bytes);

  /// The record of @p doc in revision @p revision: from memory when it was
  /// prepared before, else read from the index and kept.
  std::shared_ptr<const PreparedHit> get(const std::string& revision, const Xapian::Document& doc);

  RevisionCache<PreparedHit>::Stats stats() const { return cache_.stats(); }

 private:
  RevisionCache<PreparedHit> cache_;
};

/// The record of @p doc read from the index, with no cache.
std::shared_ptr<const PreparedHit> read_prepared_hit(const Xapian::Document& doc);

}  // namespace kb
