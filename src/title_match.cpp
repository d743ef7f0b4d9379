/** @file title_match.cpp
 *  @brief Title-field BM25 with the title's own length.
 */
#include "kb/title_match.h"

#include <algorithm>
#include <cmath>

namespace kb {

namespace {

// The "+ 1" keeps a word found in most titles positive (Lucene's form).
double idf_of(double n_docs, double df) { return std::log(1 + (n_docs - df + 0.5) / (df + 0.5)); }

double bm25_part(double idf, double wdf, double length, double average, double k1, double b) {
  const double norm = 1 - b + b * length / average;
  return idf * wdf * (k1 + 1) / (wdf + k1 * norm);
}

}  // namespace

double TitleMatchSource::term_weight(const Xapian::Database& db, const FacetTable& table, const std::string& term,
                                     Xapian::docid did, Xapian::termcount wdf, double k1, double b) {
  const Xapian::doccount df = db.get_termfreq(term);
  if (df == 0 || wdf == 0) return 0;
  return bm25_part(idf_of(std::max<double>(1, db.get_doccount()), df), wdf, table.title_length(did),
                   std::max(1.0, table.average_title_length()), k1, b);
}

std::vector<double> TitleMatchSource::weights(const Xapian::Database& db, const FacetTable& table,
                                              const std::vector<std::string>& terms,
                                              const std::vector<Xapian::docid>& docids, double k1, double b) {
  std::vector<double> out(docids.size(), 0);
  std::vector<std::size_t> order(docids.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) { return docids[x] < docids[y]; });
  const double n_docs = std::max<double>(1, db.get_doccount());
  const double average = std::max(1.0, table.average_title_length());
  for (const auto& term : terms) {
    const Xapian::doccount df = db.get_termfreq(term);
    if (df == 0) continue;
    const double idf = idf_of(n_docs, df);
    auto p = db.postlist_begin(term);
    const auto end = db.postlist_end(term);
    for (const std::size_t i : order) {
      p.skip_to(docids[i]);
      if (p == end) break;
      if (*p == docids[i]) out[i] += bm25_part(idf, p.get_wdf(), table.title_length(docids[i]), average, k1, b);
    }
  }
  return out;
}

TitleMatchSource::TitleMatchSource(const Xapian::Database& db, std::shared_ptr<const FacetTable> table,
                                   std::string term, double k1, double b, double scale)
    : table_(std::move(table)), term_(std::move(term)), k1_(k1), b_(b), scale_(scale),
      average_length_(std::max(1.0, table_->average_title_length())) {
  termfreq_ = term_.empty() ? 0 : db.get_termfreq(term_);
  if (termfreq_ > 0) {
    idf_ = idf_of(std::max<double>(1, db.get_doccount()), termfreq_);
    // wdf (k1 + 1) / (wdf + k1 norm) < k1 + 1 for any wdf and length.
    bound_ = idf_ * (k1 + 1) * scale;
  }
  set_maxweight(bound_);
}

void TitleMatchSource::init(const Xapian::Database& db) {
  at_ = termfreq_ > 0 ? db.postlist_begin(term_) : Xapian::PostingIterator();
  end_ = termfreq_ > 0 ? db.postlist_end(term_) : Xapian::PostingIterator();
  started_ = false;
  ended_ = termfreq_ == 0;
  set_maxweight(bound_);
}

void TitleMatchSource::settle(double min_wt) {
  ended_ = at_ == end_ || min_wt > bound_;
}

void TitleMatchSource::next(double min_wt) {
  if (started_ && !ended_) ++at_;
  started_ = true;
  settle(min_wt);
}

void TitleMatchSource::skip_to(Xapian::docid did, double min_wt) {
  if (!started_ || (!ended_ && *at_ < did)) at_.skip_to(did);
  started_ = true;
  settle(min_wt);
}

double TitleMatchSource::get_weight() const {
  return bm25_part(idf_, at_.get_wdf(), table_->title_length(*at_), average_length_, k1_, b_) * scale_;
}

}  // namespace kb
