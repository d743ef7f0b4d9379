/** @file ranking_param.h
 *  @brief `--param NAME=VALUE` for the benchmark programs: the relevance
 *  benchmark tunes ranking with it, and the speed benchmark measures what
 *  each part of the ranking costs with the same names.
 */
#pragma once

#include "kb/query_builder.h"

#include <stdexcept>
#include <string>

namespace kb::bench {

inline constexpr const char* kRankingParamNames =
    "k1, b, title, title_k1, title_b, similar, all, synonym, exact, minnorm, lengthpivot, edit1, edit2, near, window, pairs, compound, pasted";

/// Sets the parameter @p assignment ("near=0") names; throws on an unknown name.
inline void apply_ranking_param(RankingParams& p, const std::string& assignment) {
  const std::size_t eq = assignment.find('=');
  const std::string name = assignment.substr(0, eq);
  const double v = eq == std::string::npos ? 0 : std::stod(assignment.substr(eq + 1));
  if (name == "k1") p.bm25_k1 = v;
  else if (name == "b") p.bm25_b = v;
  else if (name == "title") p.title_weight = v;
  else if (name == "title_k1") p.title_k1 = v;
  else if (name == "title_b") p.title_b = v;
  else if (name == "similar") p.similar_title_weight = v;
  else if (name == "all") p.all_words_boost = v;
  else if (name == "synonym") p.synonym_weight = v;
  else if (name == "exact") p.error_token_weight = v;
  else if (name == "minnorm") p.bm25_min_normlen = v;
  else if (name == "edit1") p.one_edit_letters = static_cast<std::size_t>(v);
  else if (name == "edit2") p.two_edit_letters = static_cast<std::size_t>(v);
  else if (name == "lengthpivot") p.length_from_matches = v != 0;
  else if (name == "near") p.proximity_weight = v;
  else if (name == "window") p.proximity_window = static_cast<unsigned>(v);
  else if (name == "pairs") p.proximity_pairs = static_cast<std::size_t>(v);
  else if (name == "compound") p.compound_weight = v;
  else if (name == "pasted") p.pasted_text_words = static_cast<std::size_t>(v);
  else throw std::runtime_error("unknown --param " + name + " (known: " + kRankingParamNames + ")");
}

}  // namespace kb::bench
