/** @file bm25_weight.cpp
 *  @brief BM25 with a chosen length pivot.
 */
#include "kb/bm25_weight.h"

#include <algorithm>
#include <cmath>

namespace kb {

Bm25Weight::Bm25Weight(double k1, double b, double min_normlen, double pivot)
    : k1_(k1), b_(b), min_normlen_(min_normlen), pivot_(pivot) {
  need_stat(TERMFREQ);
  need_stat(COLLECTION_SIZE);
  need_stat(WDF);
  need_stat(WQF);
  need_stat(DOC_LENGTH);
  need_stat(DOC_LENGTH_MIN);
  need_stat(WDF_MAX);
  need_stat(AVERAGE_LENGTH);
}

Bm25Weight* Bm25Weight::clone() const { return new Bm25Weight(k1_, b_, min_normlen_, pivot_); }

void Bm25Weight::init(double factor) {
  const double df = get_termfreq();
  // Robertson-Sparck Jones odds without relevance information. A word in
  // more than about a third of the articles keeps a small positive weight
  // instead of a negative one, as in Xapian's BM25.
  double odds = (static_cast<double>(get_collection_size()) - df + 0.5) / (df + 0.5);
  if (odds < 2) odds = odds * 0.5 + 1;
  const double wqf = get_wqf();
  termweight_ = std::log(odds) * factor * (k1_ + 1) * (2 * wqf / (1 + wqf));
  const double pivot = pivot_ > 0 ? pivot_ : get_average_length();
  inverse_length_ = pivot > 0 ? 1 / pivot : 0;
}

double Bm25Weight::part(double wdf, double normlen) const {
  const double denominator = k1_ * (std::max(normlen, min_normlen_) * b_ + (1 - b_)) + wdf;
  return denominator > 0 ? termweight_ * (wdf / denominator) : 0;
}

double Bm25Weight::get_sumpart(Xapian::termcount wdf, Xapian::termcount doclen, Xapian::termcount) const {
  return part(wdf, doclen * inverse_length_);
}

double Bm25Weight::get_maxpart() const {
  // The most a match can score: the highest count in the shortest article
  // that can hold it. The tighter the bound, the more matches Xapian skips.
  const Xapian::termcount wdf = get_wdf_upper_bound();
  const double shortest = std::max<double>(wdf, get_doclength_lower_bound());
  return part(wdf, shortest * inverse_length_);
}

}  // namespace kb
