/** @file spelling_dictionary.cpp
 *  @brief The index's spelling words in memory, for corrections one edit
 *  away.
 */
#include "kb/spelling_dictionary.h"

#include "kb/per_revision.h"

#include <algorithm>
#include <string_view>

namespace kb {

namespace {

std::uint64_t hash_bytes(std::string_view s) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (const char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

/// @p word without its byte @p at.
std::string without(const std::string& word, std::size_t at) {
  std::string out = word;
  out.erase(at, 1);
  return out;
}

bool plain_ascii(const std::string& word) {
  return std::all_of(word.begin(), word.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

}  // namespace

std::shared_ptr<const SpellingDictionary> SpellingDictionary::for_database(const Xapian::Database& db) {
  return per_revision<SpellingDictionary>(db, [](const Xapian::Database& d) {
    auto dictionary = std::make_shared<SpellingDictionary>();
    for (auto it = d.spellings_begin(); it != d.spellings_end(); ++it) dictionary->add(*it, it.get_termfreq());
    dictionary->finish();
    return dictionary;
  });
}

void SpellingDictionary::add(const std::string& word, Xapian::doccount frequency) {
  if (word.empty() || word.size() > kMaxWordBytes || !plain_ascii(word)) return;
  const auto id = static_cast<std::uint32_t>(words_.size());
  words_.push_back(word);
  frequency_.push_back(frequency);
  variants_.push_back({hash_bytes(word), id});
  for (std::size_t i = 0; i < word.size(); ++i) {
    // Dropping either of two equal neighbours gives the same variant.
    if (i > 0 && word[i] == word[i - 1]) continue;
    variants_.push_back({hash_bytes(without(word, i)), id});
  }
}

void SpellingDictionary::finish() { std::sort(variants_.begin(), variants_.end()); }

std::optional<std::string> SpellingDictionary::suggest(const std::string& typed) const {
  if (typed.empty() || typed.size() > kMaxWordBytes || !plain_ascii(typed)) return std::nullopt;
  // Any word within one edit shares a variant with the typed word: the
  // word itself (substitution, swap), or one deletion of either.
  std::vector<std::uint32_t> candidates;
  auto collect = [&](std::string_view variant) {
    const std::uint64_t h = hash_bytes(variant);
    auto it = std::lower_bound(variants_.begin(), variants_.end(), Variant{h, 0});
    for (; it != variants_.end() && it->hash == h; ++it) candidates.push_back(it->word);
  };
  collect(typed);
  for (std::size_t i = 0; i < typed.size(); ++i) {
    if (i > 0 && typed[i] == typed[i - 1]) continue;
    collect(without(typed, i));
  }
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());

  std::optional<std::uint32_t> best;
  unsigned best_distance = 2;
  for (const std::uint32_t id : candidates) {
    const unsigned d = edit_distance(typed, words_[id], 1);
    if (d == 0) return std::string();  // a word: nothing to correct
    if (d > 1) continue;  // a hash collision or two edits away
    const bool better = !best || d < best_distance ||
                        (d == best_distance && (frequency_[id] > frequency_[*best] ||
                                                (frequency_[id] == frequency_[*best] && words_[id] < words_[*best])));
    if (better) {
      best = id;
      best_distance = d;
    }
  }
  if (!best) return std::nullopt;
  return words_[*best];
}

unsigned edit_distance(const std::string& a, const std::string& b, unsigned limit) {
  const std::size_t n = a.size(), m = b.size();
  if ((n > m ? n - m : m - n) > limit) return limit + 1;
  // Three rows of the optimal-string-alignment table.
  std::vector<unsigned> before(m + 1), previous(m + 1), current(m + 1);
  for (std::size_t j = 0; j <= m; ++j) previous[j] = static_cast<unsigned>(j);
  for (std::size_t i = 1; i <= n; ++i) {
    current[0] = static_cast<unsigned>(i);
    unsigned row_min = current[0];
    for (std::size_t j = 1; j <= m; ++j) {
      const unsigned cost = a[i - 1] == b[j - 1] ? 0 : 1;
      unsigned v = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) v = std::min(v, before[j - 2] + 1);
      current[j] = v;
      row_min = std::min(row_min, v);
    }
    if (row_min > limit) return limit + 1;
    std::swap(before, previous);
    std::swap(previous, current);
  }
  return std::min(previous[m], limit + 1);
}

}  // namespace kb
