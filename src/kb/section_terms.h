/** @file section_terms.h
 *  @brief The words of each heading section of an article, counted at
 *  index time, so that a search picks the section of a hit that matches
 *  best without reading and stemming the hit's whole text.
 *
 *  Reading every section of the ten hits shown was a quarter of a search's
 *  time at 10,000 articles (bench/speed). Now a search looks up each query
 *  word in each section's sorted table and reads the text of the chosen
 *  section only, up to its first match, for the snippet.
 *
 *  A section's table holds, per distinct word, a 24-bit hash of the term
 *  the index has for it ("Z" + stem; CJK characters and bigrams as they
 *  are) and how often it occurs, heading words counting twice. A word
 *  the query kept as written (capitalised, quoted) is looked up by its
 *  stem too: a section with "password" counts for "Passwords". Two words
 *  with the same hash in one section are counted together: with a few
 *  hundred words a section, that is rare, and it can only change which
 *  section is shown, never which articles match.
 */
#pragma once

#include <xapian.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace kb {

/// Where a section talks about the query shows early: text beyond these
/// many bytes of a section, or of an article, is not counted.
inline constexpr std::size_t kMaxScanSection = 6000;
inline constexpr std::size_t kMaxScanArticle = 40000;

/// The key of an index term ("Zpassword", "パス") in a section's table.
std::uint32_t section_term_key(std::string_view term);

/// Counts the words of an article's sections, in order.
class SectionTermsBuilder {
 public:
  /// Words are counted by @p article_stem's stems, as the article's index
  /// terms were made, and by English ones when that differs: a query is
  /// stemmed as English unless it is filtered to one language, and its
  /// words are looked up as it stemmed them.
  explicit SectionTermsBuilder(const Xapian::Stem& article_stem);

  void add_section(std::string_view heading, std::string_view text);

  /// Every section's table so far, for StoredHit::section_terms.
  const std::string& encoded() const { return out_; }

 private:
  void count(std::unordered_map<std::uint32_t, unsigned>& counts, std::string_view text, unsigned weight);

  std::vector<Xapian::Stem> stemmers_;
  /// word -> the keys of its stems (one per distinct stem), for this article
  std::unordered_map<std::string, std::vector<std::uint32_t>> keys_;
  std::size_t budget_ = kMaxScanArticle;
  std::string out_;
};

/// One section's table, viewing the stored value.
class SectionTerms {
 public:
  SectionTerms() = default;
  explicit SectionTerms(std::string_view entries) : entries_(entries) {}

  /// How often the word with @p key occurs (headings twice); 0 if not.
  unsigned count(std::uint32_t key) const;

 private:
  std::string_view entries_;  ///< 4 bytes an entry: key (big-endian, sorted), count
};

/// The tables of StoredHit::section_terms, one per section; empty when the
/// value is damaged.
std::vector<SectionTerms> decode_section_terms(std::string_view encoded);
std::vector<SectionTerms> decode_section_terms(std::string&& encoded) = delete;  // the views would dangle

}  // namespace kb
