#include "kb/bm25_weight.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <string>

namespace {

/// An in-memory index: document i holds "printer" wdf[i] times among
/// filler words, so lengths and counts differ.
Xapian::Database small_index() {
  Xapian::WritableDatabase db(std::string(), Xapian::DB_BACKEND_INMEMORY);
  const int printers[] = {1, 2, 3, 1, 0, 0, 4};
  const int fillers[] = {5, 40, 12, 200, 30, 8, 60};
  for (int i = 0; i < 7; ++i) {
    Xapian::Document doc;
    for (int n = 0; n < printers[i]; ++n) doc.add_term("printer");
    for (int n = 0; n < fillers[i]; ++n) doc.add_term("filler" + std::to_string(n % 9));
    db.add_document(doc);
  }
  return db;
}

std::map<Xapian::docid, double> weights(const Xapian::Database& db, const Xapian::Weight& weight, double* bound = nullptr) {
  Xapian::Enquire enquire(db);
  enquire.set_weighting_scheme(weight);
  enquire.set_query(Xapian::Query("printer"));
  const Xapian::MSet mset = enquire.get_mset(0, 100);
  if (bound) *bound = mset.get_max_possible();
  std::map<Xapian::docid, double> out;
  for (auto it = mset.begin(); it != mset.end(); ++it) out[*it] = it.get_weight();
  return out;
}

}  // namespace

TEST_CASE("without a pivot the weights are Xapian's BM25", "[bm25_weight]") {
  const Xapian::Database db = small_index();
  const auto xapian = weights(db, Xapian::BM25Weight(1.8, 0, 1, 0.9, 0.3));
  const auto ours = weights(db, kb::Bm25Weight(1.8, 0.9, 0.3));
  REQUIRE(xapian.size() == 5);
  REQUIRE(ours.size() == xapian.size());
  for (const auto& [docid, weight] : xapian) CHECK(ours.at(docid) == Approx(weight).epsilon(1e-12));
}

TEST_CASE("a pivot replaces the average length, and the bound still holds", "[bm25_weight]") {
  const Xapian::Database db = small_index();
  const double k1 = 1.8, b = 0.9, min_normlen = 0.3, pivot = 25;
  double bound = 0;
  const auto ours = weights(db, kb::Bm25Weight(k1, b, min_normlen, pivot), &bound);
  // 7 documents, 5 with the word: odds (7 - 5 + 0.5) / 5.5 < 2, so Xapian's
  // softened form (odds / 2 + 1).
  const double idf = std::log((2.5 / 5.5) * 0.5 + 1);
  auto expected = [&](double wdf, double length) {
    const double normlen = std::max(length / pivot, min_normlen);
    return idf * (k1 + 1) * wdf / (k1 * (normlen * b + 1 - b) + wdf);
  };
  CHECK(ours.at(1) == Approx(expected(1, 6)));    // shorter than 0.3 x 25: counts as 7.5 words
  CHECK(ours.at(2) == Approx(expected(2, 42)));
  CHECK(ours.at(4) == Approx(expected(1, 201)));
  CHECK(ours.at(7) == Approx(expected(4, 64)));
  for (const auto& [docid, weight] : ours) CHECK(weight <= bound);
  // The same article weighs differently once the normal length differs.
  CHECK(weights(db, kb::Bm25Weight(k1, b, min_normlen, 400)).at(4) > ours.at(4));
}
