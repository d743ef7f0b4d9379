/** @file stored_hit.cpp
 *  @brief The results-page record of an article, encoded and decoded.
 */
#include "kb/stored_hit.h"

#include <array>

namespace kb {

namespace {

constexpr std::size_t kFields = 9;

std::array<std::string_view StoredHit::*, kFields> fields() {
  return {&StoredHit::slug, &StoredHit::title,   &StoredHit::summary, &StoredHit::category,
          &StoredHit::tags, &StoredHit::lang,    &StoredHit::updated, &StoredHit::sections,
          &StoredHit::section_terms};
}

}  // namespace

std::string encode_stored_hit(const StoredHit& hit) {
  std::string out;
  std::size_t size = 0;
  for (const auto field : fields()) size += (hit.*field).size() + 8;
  out.reserve(size);
  for (const auto field : fields()) {
    out += std::to_string((hit.*field).size());
    out += ':';
    out += hit.*field;
  }
  return out;
}

std::optional<StoredHit> decode_stored_hit(std::string_view value) {
  StoredHit hit;
  std::size_t pos = 0;
  for (const auto field : fields()) {
    std::size_t length = 0, digits = 0;
    while (pos < value.size() && value[pos] >= '0' && value[pos] <= '9' && digits < 10) {
      length = length * 10 + static_cast<std::size_t>(value[pos] - '0');
      ++pos;
      ++digits;
    }
    if (digits == 0 || pos >= value.size() || value[pos] != ':') return std::nullopt;
    ++pos;
    if (length > value.size() - pos) return std::nullopt;
    hit.*field = value.substr(pos, length);
    pos += length;
  }
  if (pos != value.size()) return std::nullopt;
  return hit;
}

}  // namespace kb
