/** @file bm25_weight.h
 *  @brief BM25 whose length normalisation compares a document with a given
 *  length instead of the whole index's average.
 *
 *  BM25 divides a word's count by how long the article is next to a
 *  "normal" length, the index's average. Articles of another kind change
 *  that average: 5,878 long support articles added to 719 short answers
 *  (bench/relevance, distractors) move it from 290 to 1,693 words, and the
 *  answers, all far below it, lose their length normalisation. Their order
 *  among themselves changes although nothing about them did. The reordering
 *  of the first matches (searcher.cpp) measures length against the matches
 *  themselves instead.
 */
#pragma once

#include <xapian.h>

#include <string>

namespace kb {

/// Xapian::BM25Weight's formula with k2 = 0 and k3 = 1 (Xapian's defaults),
/// and a length pivot.
class Bm25Weight : public Xapian::Weight {
 public:
  /// @p pivot: the document length that counts as normal; 0 for the
  /// index's average length, which gives Xapian::BM25Weight's weights.
  Bm25Weight(double k1, double b, double min_normlen, double pivot = 0);

  Bm25Weight* clone() const override;
  void init(double factor) override;
  double get_sumpart(Xapian::termcount wdf, Xapian::termcount doclen, Xapian::termcount uniqterms) const override;
  double get_maxpart() const override;
  double get_sumextra(Xapian::termcount, Xapian::termcount) const override { return 0; }
  double get_maxextra() const override { return 0; }
  std::string name() const override { return "kb::Bm25Weight"; }

 private:
  double part(double wdf, double normlen) const;

  double k1_, b_, min_normlen_, pivot_;
  double termweight_ = 0;      ///< idf × (k1 + 1) × the query's factor
  double inverse_length_ = 0;  ///< 1 / the length that counts as normal
};

}  // namespace kb
