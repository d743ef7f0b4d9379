/** @file spelling_dictionary.h
 *  @brief The index's spelling words in memory, for corrections one edit
 *  away.
 *
 *  Xapian's get_spelling_suggestion() merges the on-disk lists of every
 *  trigram of the word and measures each candidate: 1.3 to 2 ms a word on
 *  the 10,000-article benchmark corpus, about half of a misspelt query's
 *  whole search. Most typing mistakes are one edit (a letter doubled,
 *  dropped, changed or two swapped), and every word one edit away from a
 *  typed word shares one of its single-letter deletions with it ("desktop"
 *  and "deskttop" both become "desktop" with a letter dropped). So the
 *  dictionary keeps, for each word, the hashes of the word and of each of
 *  its one-letter deletions, sorted: the candidates for a typed word are a
 *  few binary searches away. Words with no candidate within one edit are
 *  left to Xapian, which also looks two edits away.
 */
#pragma once

#include <xapian.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kb {

class SpellingDictionary {
 public:
  /// The dictionary of @p db's current revision (shared, per_revision.h).
  static std::shared_ptr<const SpellingDictionary> for_database(const Xapian::Database& db);

  /// Builds from (word, frequency) pairs; words over kMaxWordBytes or with
  /// bytes outside ASCII are left out (Xapian handles them).
  void add(const std::string& word, Xapian::doccount frequency);
  /// Sorts the deletion table; call once after the last add().
  void finish();

  /// The correction of @p typed (lower-case) the way Xapian chooses one:
  /// the word fewest edits away (a swap of two neighbours counts as one),
  /// the most frequent among equals, here alphabetically first among
  /// equally frequent. "" when @p typed is itself a word. nullopt when no
  /// word is within one edit, or @p typed is not plain ASCII: ask Xapian.
  std::optional<std::string> suggest(const std::string& typed) const;

  std::size_t size() const { return words_.size(); }

  static constexpr std::size_t kMaxWordBytes = 32;

 private:
  struct Variant {
    std::uint64_t hash;  ///< of the word or one of its one-letter deletions
    std::uint32_t word;  ///< index into words_
    bool operator<(const Variant& o) const { return hash < o.hash || (hash == o.hash && word < o.word); }
  };

  std::vector<std::string> words_;
  std::vector<Xapian::doccount> frequency_;
  std::vector<Variant> variants_;
};

/// Edits from @p a to @p b (insert, delete, substitute, or swap two
/// neighbouring bytes, each one edit), or @p limit + 1 when more than
/// @p limit.
unsigned edit_distance(const std::string& a, const std::string& b, unsigned limit);

}  // namespace kb
