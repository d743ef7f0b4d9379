/** @file stored_hit.h
 *  @brief What a results page shows of an article, kept in one value slot
 *  (schema::kSlotHit).
 *
 *  Xapian reads each value slot of a document with its own B-tree lookup,
 *  and a hit needs nine of them (slug, title, summary, category, tags,
 *  language, date, sections and their words): a tenth of a search's time at 10,000
 *  articles (callgrind, bench/speed). Stored together they cost one. The
 *  small fields stay in their own slots too, where sorting, collapsing and
 *  the facet table read them.
 */
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kb {

/// Views into the stored value they were decoded from, which must outlive
/// them.
struct StoredHit {
  std::string_view slug, title, summary, category;
  std::string_view tags;      ///< joined by '\n'
  std::string_view lang, updated;
  std::string_view sections;  ///< as described at schema::kSlotHit
  std::string_view section_terms;  ///< each section's words (section_terms.h)
};

/// Each field as its decimal length, ':', and its bytes: any byte may
/// appear in a field.
std::string encode_stored_hit(const StoredHit& hit);

/// nullopt when @p value is not a whole record (an index written by
/// another schema is refused before this is reached).
std::optional<StoredHit> decode_stored_hit(std::string_view value);
std::optional<StoredHit> decode_stored_hit(std::string&& value) = delete;  // the views would dangle

}  // namespace kb
