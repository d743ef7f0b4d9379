/** @file prepared_hit.cpp
 *  @brief Results-page records, split once and kept per index revision.
 */
#include "kb/prepared_hit.h"

#include "kb/schema.h"

#include <optional>

namespace kb {

std::vector<StoredSection> parse_sections(std::string_view value) {
  std::vector<StoredSection> out;
  std::size_t pos = 0;
  while (pos <= value.size() && !value.empty()) {
    std::size_t end = value.find(schema::kSectionSeparator, pos);
    if (end == std::string_view::npos) end = value.size();
    const std::string_view record = value.substr(pos, end - pos);
    const std::size_t a = record.find(schema::kFieldSeparator);
    const std::size_t b = a == std::string_view::npos ? a : record.find(schema::kFieldSeparator, a + 1);
    if (b != std::string_view::npos) out.push_back({record.substr(0, a), record.substr(a + 1, b - a - 1), record.substr(b + 1)});
    pos = end + 1;
  }
  return out;
}

PreparedHit::PreparedHit(std::string record) : record_(std::move(record)) {
  // From here on record_ is not touched: the views below point into it.
  const std::optional<StoredHit> decoded = decode_stored_hit(record_);
  if (!decoded) return;
  stored_ = *decoded;
  sections_ = parse_sections(stored_.sections);
  section_terms_ = decode_section_terms(stored_.section_terms);
}

std::size_t PreparedHit::bytes() const {
  return sizeof(*this) + record_.capacity() + sections_.capacity() * sizeof(StoredSection) +
         section_terms_.capacity() * sizeof(SectionTerms);
}

std::shared_ptr<const PreparedHit> read_prepared_hit(const Xapian::Document& doc) {
  return std::make_shared<const PreparedHit>(doc.get_value(schema::kSlotHit));
}

HitCache::HitCache(std::size_t budget_bytes)
    : cache_(budget_bytes, [](const PreparedHit& hit) { return hit.bytes(); }) {}

std::shared_ptr<const PreparedHit> HitCache::get(const std::string& revision, const Xapian::Document& doc) {
  if (!cache_.keeps_entries()) return read_prepared_hit(doc);
  const std::string key = std::to_string(doc.get_docid());
  if (auto kept = cache_.find(revision, key)) return kept;
  std::shared_ptr<const PreparedHit> fresh = read_prepared_hit(doc);
  cache_.store(revision, key, fresh);
  return fresh;
}

}  // namespace kb
