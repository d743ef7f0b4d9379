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

/// Matches the articles whose titles (or tags) hold any of the terms, and
/// weighs each by BM25 with the title field's length. Walks the terms'
/// posting lists as the matcher asks, like an OR of them, skipping the
/// articles whose title terms cannot add the weight the matcher still
/// needs (max-score: see move_to).
class TitleMatchSource : public Xapian::PostingSource {
 public:
  /// @p terms: title-field terms (as the title query parser makes them).
  /// @p table: the revision's title lengths. @p scale multiplies every
  /// weight (not OP_SCALE_WEIGHT: Xapian would pass the source the weight
  /// it needs unscaled, and max-score would skip by the wrong amount).
  TitleMatchSource(const Xapian::Database& db, std::shared_ptr<const FacetTable> table,
                   const std::vector<std::string>& terms, double k1, double b, double scale);

  /// What @p term adds to document @p did's weight (for explanations).
  static double term_weight(const Xapian::Database& db, const FacetTable& table, const std::string& term,
                            Xapian::docid did, Xapian::termcount wdf, double k1, double b);

  /// The title weight of each of @p docids (any order) for @p terms: what
  /// the source would give them, without walking the whole lists.
  static std::vector<double> weights(const Xapian::Database& db, const FacetTable& table,
                                     const std::vector<std::string>& terms, const std::vector<Xapian::docid>& docids,
                                     double k1, double b);

  void init(const Xapian::Database& db) override;
  void next(double min_wt) override;
  void skip_to(Xapian::docid did, double min_wt) override;
  bool at_end() const override { return current_ == 0; }
  Xapian::docid get_docid() const override { return current_; }
  double get_weight() const override;
  Xapian::doccount get_termfreq_min() const override { return termfreq_min_; }
  Xapian::doccount get_termfreq_est() const override { return termfreq_max_; }
  Xapian::doccount get_termfreq_max() const override { return termfreq_max_; }
  std::string get_description() const override { return "kb::TitleMatchSource"; }

 private:
  struct Term {
    std::string name;
    double idf = 0;
    double bound = 0;        ///< the most this term can add: idf * (k1 + 1) * scale
    double bound_below = 0;  ///< the sum of the bounds of the terms before it
    Xapian::PostingIterator at, end;
  };
  /// Moves to the first article from @p target on that could weigh at
  /// least @p min_wt (current_ = 0 when there is none).
  void move_to(Xapian::docid target, double min_wt);

  std::shared_ptr<const FacetTable> table_;
  std::vector<Term> terms_;
  double k1_, b_, scale_, average_length_;
  double max_weight_ = 0;
  Xapian::doccount termfreq_min_ = 0, termfreq_max_ = 0;
  Xapian::docid current_ = 0;
  bool started_ = false;
};

}  // namespace kb
