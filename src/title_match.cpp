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
                                   const std::vector<std::string>& terms, double k1, double b)
    : table_(std::move(table)), k1_(k1), b_(b), average_length_(std::max(1.0, table_->average_title_length())) {
  const double n_docs = std::max<double>(1, db.get_doccount());
  double bound = 0;
  for (const auto& name : terms) {
    const Xapian::doccount df = db.get_termfreq(name);
    if (df == 0) continue;
    Term term;
    term.name = name;
    term.idf = idf_of(n_docs, df);
    terms_.push_back(std::move(term));
    // wdf (k1 + 1) / (wdf + k1 norm) < k1 + 1 for any wdf and length.
    bound += terms_.back().idf * (k1 + 1);
    termfreq_min_ = std::max(termfreq_min_, df);
    termfreq_max_ = std::min(db.get_doccount(), termfreq_max_ + df);
  }
  max_weight_ = bound;
  set_maxweight(max_weight_);
}

void TitleMatchSource::init(const Xapian::Database& db) {
  for (auto& term : terms_) {
    term.at = db.postlist_begin(term.name);
    term.end = db.postlist_end(term.name);
  }
  current_ = 0;
  started_ = false;
  set_maxweight(max_weight_);
}

void TitleMatchSource::settle() {
  current_ = 0;
  for (const auto& term : terms_) {
    if (term.at != term.end && (current_ == 0 || *term.at < current_)) current_ = *term.at;
  }
}

void TitleMatchSource::next(double) {
  if (started_) {
    for (auto& term : terms_) {
      if (term.at != term.end && *term.at == current_) ++term.at;
    }
  }
  started_ = true;
  settle();
}

void TitleMatchSource::skip_to(Xapian::docid did, double) {
  started_ = true;
  for (auto& term : terms_) {
    if (term.at != term.end && *term.at < did) term.at.skip_to(did);
  }
  settle();
}

double TitleMatchSource::get_weight() const {
  const double length = table_->title_length(current_);
  double weight = 0;
  for (const auto& term : terms_) {
    if (term.at != term.end && *term.at == current_) weight += bm25_part(term.idf, term.at.get_wdf(), length, average_length_, k1_, b_);
  }
  return weight;
}

}  // namespace kb
