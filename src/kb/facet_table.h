/** @file facet_table.h
 *  @brief Facet values (and title and text lengths) of every document of one index
 *  revision, in memory, so that counting facets costs an array lookup per
 *  match instead of a read of the document's values; and which languages
 *  and pinned queries the revision has, asked by every search.
 *
 *  Reading a value through Xapian::Document is a B-tree lookup (and a
 *  pread) per match; a search that counts facets over its first 2,000
 *  matches spent most of its time there. The table is built once per
 *  revision from the value streams (sequential reads) and shared by every
 *  Searcher of the process that holds the same revision.
 */
#pragma once

#include "kb/searcher.h"

#include <xapian.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

namespace kb {

class FacetTable {
 public:
  /// The table for @p db's current revision, from the process-wide cache
  /// when another Searcher built it already.
  static std::shared_ptr<const FacetTable> for_database(const Xapian::Database& db);

  /// Whether two documents share a translation group: else collapsing
  /// results by group cannot change them and is skipped.
  bool has_translation_groups() const { return has_translation_groups_; }
  /// How many languages the articles are in.
  std::size_t language_count() const { return langs_.size(); }
  /// Whether an article is in language @p primary (a primary subtag, as the
  /// language term holds it): Database::term_exists without its B-tree
  /// lookups, which every search made once or twice.
  bool has_language(const std::string& primary) const { return language_terms_.count(primary) > 0; }
  /// Whether an article's promote_for lists @p normalised (as the pinned
  /// term holds it).
  bool has_pin(const std::string& normalised) const { return pin_terms_.count(normalised) > 0; }
  /// The version of document @p d's translation group in language
  /// @p primary (a primary subtag), or 0 when the group has none (or @p d
  /// is in no group with others).
  Xapian::docid version_in(Xapian::docid d, const std::string& primary) const;
  /// The other documents of document @p d's translation group (its
  /// translations, or the original it translates), by docid; none when it
  /// is in no group with others.
  std::vector<Xapian::docid> translations_of(Xapian::docid d) const;
  /// Words in a document's title and tags (the title field's length).
  unsigned title_length(Xapian::docid d) const { return d < title_length_.size() ? title_length_[d] : 0; }
  double average_title_length() const { return average_title_length_; }
  /// Words in a document's whole text (Xapian's document length), without
  /// the B-tree lookup of Database::get_doclength.
  Xapian::termcount length(Xapian::docid d) const { return d < length_.size() ? length_[d] : 0; }

  /// Counts one matching document: categories and tags once per
  /// translation group (results collapse to one version per group, so the
  /// counts must too), languages once per version.
  class Counter : public Xapian::MatchSpy {
   public:
    explicit Counter(std::shared_ptr<const FacetTable> table);
    void operator()(const Xapian::Document& doc, double weight) override;
    FacetCounts categories(std::size_t n) const;
    FacetCounts tags(std::size_t n) const;
    FacetCounts langs(std::size_t n) const;

   private:
    FacetCounts top(const std::vector<std::uint32_t>& counts, std::size_t n) const;
    std::shared_ptr<const FacetTable> table_;
    std::vector<std::uint32_t> category_counts_, tag_counts_, lang_counts_;
    std::vector<std::uint64_t> seen_;  ///< (value id, group id) pairs already counted, as a hash set
    std::size_t seen_size_ = 0;
    bool insert_seen(std::uint64_t key);
  };

 private:
  void load(const Xapian::Database& db);

  bool has_translation_groups_ = false;
  // One entry per docid (index 0 unused). Value ids are 1-based; 0 = none.
  std::vector<std::uint32_t> group_, category_, lang_;
  std::vector<std::uint32_t> tags_begin_;  ///< tags of docid d: tag_ids_[tags_begin_[d] .. tags_begin_[d+1])
  std::vector<std::uint32_t> tag_ids_;
  std::vector<std::uint16_t> title_length_;
  std::vector<Xapian::termcount> length_;
  double average_title_length_ = 1;
  std::vector<std::string> categories_, tags_, langs_, groups_;  ///< value id - 1 -> value
  std::unordered_set<std::string> language_terms_, pin_terms_;  ///< the terms without their prefixes
  /// (group id << 32 | primary language id) -> docid, for groups of more than one.
  std::unordered_map<std::uint64_t, Xapian::docid> versions_;
  /// group id -> its documents, for groups of more than one.
  std::unordered_map<std::uint32_t, std::vector<Xapian::docid>> members_;
  std::unordered_map<std::string, std::uint32_t> primary_ids_;  ///< primary subtag -> id (1-based)
};

}  // namespace kb
