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
                                   const std::vector<std::string>& terms, double k1, double b, double scale)
    : table_(std::move(table)), k1_(k1), b_(b), scale_(scale), average_length_(std::max(1.0, table_->average_title_length())) {
  const double n_docs = std::max<double>(1, db.get_doccount());
  for (const auto& name : terms) {
    const Xapian::doccount df = db.get_termfreq(name);
    if (df == 0) continue;
    Term term;
    term.name = name;
    term.idf = idf_of(n_docs, df);
    // wdf (k1 + 1) / (wdf + k1 norm) < k1 + 1 for any wdf and length.
    term.bound = term.idf * (k1 + 1) * scale;
    terms_.push_back(std::move(term));
    termfreq_min_ = std::max(termfreq_min_, df);
    termfreq_max_ = std::min(db.get_doccount(), termfreq_max_ + df);
  }
  // Weakest first: move_to leaves out a prefix of them.
  std::sort(terms_.begin(), terms_.end(), [](const Term& x, const Term& y) { return x.bound < y.bound; });
  double bound = 0;
  for (auto& term : terms_) {
    term.bound_below = bound;
    bound += term.bound;
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

void TitleMatchSource::move_to(Xapian::docid target, double min_wt) {
  // Max-score: an article whose title holds only the weakest terms, whose
  // bounds together stay under min_wt, cannot weigh enough, so only the
  // other ("essential") terms' lists say where to stop. On common words
  // ("error", "server" in 100,000 titles) this skips most of their lists;
  // walking them whole kept the matcher from pruning the rest of the query.
  std::size_t essential = 0;
  while (essential < terms_.size() && terms_[essential].bound_below + terms_[essential].bound < min_wt) ++essential;
  current_ = 0;
  for (std::size_t i = essential; i < terms_.size(); ++i) {
    Term& term = terms_[i];
    if (term.at != term.end && *term.at < target) term.at.skip_to(target);
    if (term.at != term.end && (current_ == 0 || *term.at < current_)) current_ = *term.at;
  }
  if (current_ == 0) return;
  // The weak terms still count where an essential one matched.
  for (std::size_t i = 0; i < essential; ++i) {
    Term& term = terms_[i];
    if (term.at != term.end && *term.at < current_) term.at.skip_to(current_);
  }
}

void TitleMatchSource::next(double min_wt) {
  const Xapian::docid target = started_ ? current_ + 1 : 1;
  started_ = true;
  move_to(target, min_wt);
}

void TitleMatchSource::skip_to(Xapian::docid did, double min_wt) {
  if (started_ && did <= current_) return;
  started_ = true;
  move_to(did, min_wt);
}

double TitleMatchSource::get_weight() const {
  const double length = table_->title_length(current_);
  double weight = 0;
  for (const auto& term : terms_) {
    if (term.at != term.end && *term.at == current_) weight += bm25_part(term.idf, term.at.get_wdf(), length, average_length_, k1_, b_);
  }
  return weight * scale_;
}

}  // namespace kb
