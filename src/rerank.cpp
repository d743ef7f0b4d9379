/** @file rerank.cpp
 *  @brief Weighing a query over a few chosen documents only.
 */
#include "kb/rerank.h"

#include <algorithm>
#include <unordered_map>

namespace kb {

DocidSetSource::DocidSetSource(std::vector<Xapian::docid> docids) : docids_(std::move(docids)) {
  std::sort(docids_.begin(), docids_.end());
  docids_.erase(std::unique(docids_.begin(), docids_.end()), docids_.end());
}

void DocidSetSource::init(const Xapian::Database&) {
  at_ = 0;
  started_ = false;
}

void DocidSetSource::next(double) {
  // The matcher calls next() once before reading the first document.
  if (!started_) {
    started_ = true;
    return;
  }
  ++at_;
}

void DocidSetSource::skip_to(Xapian::docid did, double) {
  started_ = true;
  const auto from = docids_.begin() + static_cast<std::ptrdiff_t>(std::min(at_, docids_.size()));
  at_ = static_cast<std::size_t>(std::lower_bound(from, docids_.end(), did) - docids_.begin());
}

std::vector<double> weights_of(const Xapian::Database& db, const Xapian::Weight& weighting, const Xapian::Query& query,
                               const std::vector<Xapian::docid>& docids) {
  std::vector<double> out(docids.size(), 0.0);
  if (query.empty() || docids.empty()) return out;
  // Owned by the query from here on, whatever throws later.
  const Xapian::Query only((new DocidSetSource(docids))->release());
  Xapian::Enquire enquire(db);
  enquire.set_weighting_scheme(weighting);
  enquire.set_query(Xapian::Query(Xapian::Query::OP_FILTER, query, only));
  const Xapian::MSet found = enquire.get_mset(0, static_cast<Xapian::doccount>(docids.size()));
  std::unordered_map<Xapian::docid, double> weight;
  for (auto it = found.begin(); it != found.end(); ++it) weight[*it] = it.get_weight();
  for (std::size_t i = 0; i < docids.size(); ++i) {
    const auto w = weight.find(docids[i]);
    if (w != weight.end()) out[i] = w->second;
  }
  return out;
}

}  // namespace kb
