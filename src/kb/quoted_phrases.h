/** @file quoted_phrases.h
 *  @brief The phrases a person put in double quotes, found in a text.
 *
 *  A search's best section is chosen by its words' counts (section_terms.h),
 *  stemmed: for `"no passwords"` a section that says "password" ten times
 *  would beat the one that says "no passwords" once. Quotes ask for these
 *  words in this order, so the section that has them is the one to show.
 */
#pragma once

#include "kb/word_scan.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace kb {

class QuotedPhrases {
 public:
  /// The quoted parts of @p query, as the words the indexer sees
  /// (word_scan.h). Quotes are '"', '“' and '”', as Xapian's query parser
  /// reads them; one left open runs to the end of the query.
  explicit QuotedPhrases(std::string_view query) { add(query); }

  /// Adds the quoted parts of another text (a ticket's body after its
  /// subject): a quote left open there does not run into this one.
  void add(std::string_view text);

  bool empty() const { return phrases_.empty(); }

  /// Each phrase's words, as the indexer splits them.
  const std::vector<std::vector<std::string>>& phrases() const { return phrases_; }

  /// The byte offset in @p text where one of the phrases starts, its words
  /// in order with only spaces or punctuation between them; npos if none.
  std::size_t find(std::string_view text) const;

 private:
  std::vector<std::vector<std::string>> phrases_;
  std::size_t longest_ = 0;  ///< words in the longest phrase
  WordPrefixes word_prefixes_;  ///< of every phrase word
};

}  // namespace kb
