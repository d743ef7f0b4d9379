/** @file rerank.h
 *  @brief Weighing a query over a few chosen documents only.
 *
 *  Some parts of the ranking are costly for Xapian to evaluate on every
 *  candidate: OP_NEAR reads the positions of each article that has both
 *  words, and an all-words AND walks every list to the end. They only
 *  reorder articles that are already near the top, so they are weighed
 *  for the first few dozen matches of the cheaper query instead (OP_NEAR,
 *  which reads the most, for the best ten of those: searcher.cpp).
 */
#pragma once

#include <xapian.h>

#include <string>
#include <vector>

namespace kb {

/// Matches exactly the given documents, with no weight of its own: the
/// filter that confines a query to them.
class DocidSetSource : public Xapian::PostingSource {
 public:
  /// @p docids in any order; duplicates are ignored.
  explicit DocidSetSource(std::vector<Xapian::docid> docids);

  void init(const Xapian::Database& db) override;
  void next(double min_wt) override;
  void skip_to(Xapian::docid did, double min_wt) override;
  bool at_end() const override { return at_ >= docids_.size(); }
  Xapian::docid get_docid() const override { return docids_[at_]; }
  Xapian::doccount get_termfreq_min() const override { return size(); }
  Xapian::doccount get_termfreq_est() const override { return size(); }
  Xapian::doccount get_termfreq_max() const override { return size(); }
  PostingSource* clone() const override { return new DocidSetSource(docids_); }
  std::string get_description() const override { return "kb::DocidSetSource"; }

 private:
  Xapian::doccount size() const { return static_cast<Xapian::doccount>(docids_.size()); }

  std::vector<Xapian::docid> docids_;  ///< sorted, unique
  std::size_t at_ = 0;
  bool started_ = false;
};

/// The weight @p query gives each of @p docids (0 where it does not match),
/// under @p weighting, with the whole database's statistics: the same
/// figure the query would add if it were part of the main search.
std::vector<double> weights_of(const Xapian::Database& db, const Xapian::Weight& weighting, const Xapian::Query& query,
                               const std::vector<Xapian::docid>& docids);

}  // namespace kb
