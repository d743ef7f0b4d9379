/** @file title_match.h
 *  @brief BM25 over the title field, normalised by the title's own length.
 *
 *  Xapian 1.4's BM25 normalises every term, prefixed or not, by the length
 *  of the whole document, so a title match in an article with a long body
 *  counts for less than the same match in a short one. For problems written
 *  as titles ("How do I forward several emails in Gmail?") the title's own
 *  length is what matters: a short title that the query covers is a better
 *  answer than a long one that shares the same words.
 */
#pragma once

#include "kb/facet_table.h"

#include <xapian.h>

#include <memory>
#include <string>
#include <vector>

namespace kb {

/// Matches the articles whose titles (or tags) hold one term, weighed by
/// BM25 with the title field's length. A query ORs one source per term
/// (QueryBuilder::title_match), so that Xapian's OR can stop reading a
/// common word's list once that word alone cannot lift an article into
/// the top matches.
class TitleMatchSource : public Xapian::PostingSource {
 public:
  /// @p term: a title-field term (as the title query parser makes it).
  /// @p table: the revision's title lengths. @p scale multiplies the weight
  /// (not OP_SCALE_WEIGHT: Xapian would pass the source the weight it
  /// needs unscaled, and the source would end early by the wrong amount).
  TitleMatchSource(const Xapian::Database& db, std::shared_ptr<const FacetTable> table, std::string term, double k1,
                   double b, double scale);

  /// What @p term adds to document @p did's weight (for explanations).
  static double term_weight(const Xapian::Database& db, const FacetTable& table, const std::string& term,
                            Xapian::docid did, Xapian::termcount wdf, double k1, double b);

  /// The title weight of each of @p docids (any order) for @p terms: what
  /// their sources would give them together, without walking the lists.
  static std::vector<double> weights(const Xapian::Database& db, const FacetTable& table,
                                     const std::vector<std::string>& terms, const std::vector<Xapian::docid>& docids,
                                     double k1, double b);

  void init(const Xapian::Database& db) override;
  void next(double min_wt) override;
  void skip_to(Xapian::docid did, double min_wt) override;
  bool at_end() const override { return ended_; }
  Xapian::docid get_docid() const override { return *at_; }
  double get_weight() const override;
  Xapian::doccount get_termfreq_min() const override { return termfreq_; }
  Xapian::doccount get_termfreq_est() const override { return termfreq_; }
  Xapian::doccount get_termfreq_max() const override { return termfreq_; }
  std::string get_description() const override { return "kb::TitleMatchSource " + term_; }

 private:
  /// Ends the walk when the matcher needs more than any article can get
  /// from this term, or the list is done.
  void settle(double min_wt);

  std::shared_ptr<const FacetTable> table_;
  std::string term_;
  double idf_ = 0, k1_, b_, scale_, average_length_;
  double bound_ = 0;  ///< the most the term can give: idf (k1 + 1) scale
  Xapian::doccount termfreq_ = 0;
  Xapian::PostingIterator at_, end_;
  bool started_ = false, ended_ = true;
};

}  // namespace kb
