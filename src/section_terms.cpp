/** @file section_terms.cpp
 *  @brief Per-section word tables: counted by the indexer, read by search.
 */
#include "kb/section_terms.h"

#include "kb/text.h"
#include "kb/word_scan.h"

#include <algorithm>

namespace kb {

namespace {

constexpr std::size_t kEntryBytes = 4;
constexpr unsigned kMaxCount = 255;

void put_u32(std::string& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((v >> shift) & 0xff);
}

std::uint32_t get_u32(std::string_view in, std::size_t at) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(in[at + i]);
  return v;
}

}  // namespace

std::uint32_t section_term_key(std::string_view term) {
  return static_cast<std::uint32_t>(fnv1a64(term) & 0xffffff);
}

void SectionTermsBuilder::count(std::unordered_map<std::uint32_t, unsigned>& counts, std::string_view text,
                                unsigned weight) {
  scan_words(
      text,
      [&](std::size_t, std::size_t, const std::string& word) {
        auto known = keys_.find(word);
        if (known == keys_.end()) {
          std::vector<std::uint32_t> keys;
          for (const auto& stem : stemmers_) {
            const std::uint32_t key = section_term_key("Z" + stem(word));
            if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
          }
          known = keys_.emplace(word, std::move(keys)).first;
        }
        for (const std::uint32_t key : known->second) counts[key] += weight;
        return false;
      },
      [&](std::size_t, std::size_t, unsigned ch, unsigned previous) {
        // Indexed as a unigram and as a bigram with the character before.
        std::string unigram;
        Xapian::Unicode::append_utf8(unigram, ch);
        counts[section_term_key(unigram)] += weight;
        if (previous) {
          std::string bigram;
          Xapian::Unicode::append_utf8(bigram, previous);
          counts[section_term_key(bigram + unigram)] += weight;
        }
        return false;
      });
}

SectionTermsBuilder::SectionTermsBuilder(const Xapian::Stem& article_stem) : stemmers_{article_stem} {
  static const Xapian::Stem english("en");
  if (article_stem.get_description() != english.get_description()) stemmers_.push_back(english);
}

void SectionTermsBuilder::add_section(std::string_view heading, std::string_view text) {
  std::unordered_map<std::uint32_t, unsigned> counts;
  count(counts, heading, 2);
  if (budget_ > 0) {
    const std::string_view counted = utf8_prefix(text, std::min(kMaxScanSection, budget_));
    budget_ -= counted.size();
    count(counts, counted, 1);
  }
  std::vector<std::uint32_t> entries;
  entries.reserve(counts.size());
  for (const auto& [key, n] : counts) entries.push_back(key << 8 | std::min(n, kMaxCount));
  std::sort(entries.begin(), entries.end());
  put_u32(out_, static_cast<std::uint32_t>(entries.size()));
  for (const std::uint32_t entry : entries) put_u32(out_, entry);
}

unsigned SectionTerms::count(std::uint32_t key) const {
  std::size_t low = 0, high = entries_.size() / kEntryBytes;
  while (low < high) {
    const std::size_t mid = (low + high) / 2;
    const std::uint32_t entry = get_u32(entries_, mid * kEntryBytes);
    if ((entry >> 8) < key) {
      low = mid + 1;
    } else if ((entry >> 8) > key) {
      high = mid;
    } else {
      return entry & 0xff;
    }
  }
  return 0;
}

std::vector<SectionTerms> decode_section_terms(std::string_view encoded) {
  std::vector<SectionTerms> out;
  std::size_t pos = 0;
  while (pos < encoded.size()) {
    if (encoded.size() - pos < 4) return {};
    const std::size_t n = get_u32(encoded, pos);
    pos += 4;
    if (n > (encoded.size() - pos) / kEntryBytes) return {};
    out.emplace_back(encoded.substr(pos, n * kEntryBytes));
    pos += n * kEntryBytes;
  }
  return out;
}

}  // namespace kb
