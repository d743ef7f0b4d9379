/** @file facet_table.cpp
 *  @brief Builds facet tables from value streams and counts matches.
 */
#include "kb/facet_table.h"

#include "kb/per_revision.h"
#include "kb/schema.h"
#include "kb/text.h"

#include <algorithm>
#include <cctype>
#include <unordered_map>

namespace kb {

namespace {

std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return x;
}

}  // namespace

std::shared_ptr<const FacetTable> FacetTable::for_database(const Xapian::Database& db) {
  return per_revision<FacetTable>(db, [](const Xapian::Database& d) {
    auto table = std::make_shared<FacetTable>();
    table->load(d);
    return table;
  });
}

void FacetTable::load(const Xapian::Database& db) {
  const std::size_t size = static_cast<std::size_t>(db.get_lastdocid()) + 1;
  group_.assign(size, 0);
  category_.assign(size, 0);
  lang_.assign(size, 0);
  // Value -> id (1-based) while building one vocabulary.
  std::unordered_map<std::string, std::uint32_t> ids_of;
  auto intern = [&ids_of](const std::string& value, std::vector<std::string>& names) {
    const auto [it, fresh] = ids_of.emplace(value, static_cast<std::uint32_t>(names.size() + 1));
    if (fresh) names.push_back(value);
    return it->second;
  };
  auto fill = [&](Xapian::valueno slot, std::vector<std::uint32_t>& ids, std::vector<std::string>& names) {
    ids_of.clear();
    for (auto v = db.valuestream_begin(slot); v != db.valuestream_end(slot); ++v) {
      if (!(*v).empty()) ids[v.get_docid()] = intern(*v, names);
    }
  };
  fill(schema::kSlotGroup, group_, groups_);
  std::vector<std::uint32_t> members(groups_.size() + 1, 0);
  for (const std::uint32_t g : group_) {
    if (g && ++members[g] > 1) has_translation_groups_ = true;
  }
  fill(schema::kSlotCategory, category_, categories_);
  fill(schema::kSlotLang, lang_, langs_);
  if (has_translation_groups_) {
    for (std::size_t d = 1; d < size; ++d) {
      if (group_[d] && members[group_[d]] > 1) members_[group_[d]].push_back(static_cast<Xapian::docid>(d));
      if (!group_[d] || members[group_[d]] < 2 || !lang_[d]) continue;
      const std::string primary = primary_subtag(langs_[lang_[d] - 1]);
      const auto [id, fresh] = primary_ids_.emplace(primary, static_cast<std::uint32_t>(primary_ids_.size() + 1));
      // Two versions in one language (pt-br, pt-pt): the first stands for both.
      versions_.emplace((std::uint64_t{group_[d]} << 32) | id->second, static_cast<Xapian::docid>(d));
    }
  }
  std::vector<std::vector<std::uint32_t>> tags(size);
  ids_of.clear();
  for (auto v = db.valuestream_begin(schema::kSlotTags); v != db.valuestream_end(schema::kSlotTags); ++v) {
    const std::string& joined = *v;
    std::size_t pos = 0;
    while (pos < joined.size()) {
      const std::size_t end = std::min(joined.find('\n', pos), joined.size());
      if (end > pos) tags[v.get_docid()].push_back(intern(joined.substr(pos, end - pos), tags_));
      pos = end + 1;
    }
  }
  title_length_.assign(size, 0);
  auto count_words = [](const std::string& text) {
    unsigned n = 0;
    bool in_word = false;
    for (const char c : text) {
      const bool word_char = std::isalnum(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) >= 0x80;
      if (word_char && !in_word) ++n;
      in_word = word_char;
    }
    return n;
  };
  for (Xapian::valueno slot : {schema::kSlotTitle, schema::kSlotTags}) {
    for (auto v = db.valuestream_begin(slot); v != db.valuestream_end(slot); ++v) {
      auto& length = title_length_[v.get_docid()];
      length = static_cast<std::uint16_t>(std::min<unsigned>(65535, length + count_words(*v)));
    }
  }
  double total = 0;
  for (const auto n : title_length_) total += n;
  if (db.get_doccount() > 0 && total > 0) average_title_length_ = total / db.get_doccount();
  length_.assign(size, 0);
  for (auto p = db.postlist_begin(""); p != db.postlist_end(""); ++p) length_[*p] = p.get_doclength();
  auto suffixes = [&db](const std::string& prefix, std::unordered_set<std::string>& into) {
    for (auto t = db.allterms_begin(prefix); t != db.allterms_end(prefix); ++t) into.insert((*t).substr(prefix.size()));
  };
  suffixes(schema::kPrefixLang, language_terms_);
  suffixes(schema::kPrefixPinned, pin_terms_);
  tags_begin_.assign(size + 1, 0);
  for (std::size_t d = 0; d < size; ++d) {
    tags_begin_[d + 1] = tags_begin_[d] + static_cast<std::uint32_t>(tags[d].size());
    tag_ids_.insert(tag_ids_.end(), tags[d].begin(), tags[d].end());
  }
}

Xapian::docid FacetTable::version_in(Xapian::docid d, const std::string& primary) const {
  if (versions_.empty() || d >= group_.size() || !group_[d]) return 0;
  const auto id = primary_ids_.find(primary);
  if (id == primary_ids_.end()) return 0;
  const auto found = versions_.find((std::uint64_t{group_[d]} << 32) | id->second);
  return found == versions_.end() ? 0 : found->second;
}

std::vector<Xapian::docid> FacetTable::translations_of(Xapian::docid d) const {
  if (d >= group_.size() || !group_[d]) return {};
  const auto found = members_.find(group_[d]);
  if (found == members_.end()) return {};
  std::vector<Xapian::docid> out;
  for (const Xapian::docid other : found->second) {
    if (other != d) out.push_back(other);
  }
  return out;
}

FacetTable::Counter::Counter(std::shared_ptr<const FacetTable> table)
    : table_(std::move(table)),
      category_counts_(table_->categories_.size() + 1, 0),
      tag_counts_(table_->tags_.size() + 1, 0),
      lang_counts_(table_->langs_.size() + 1, 0),
      seen_(1024, 0) {}

bool FacetTable::Counter::insert_seen(std::uint64_t key) {
  // Open addressing over non-zero keys; grown at half full.
  if ((seen_size_ + 1) * 2 > seen_.size()) {
    std::vector<std::uint64_t> old(seen_.size() * 2, 0);
    old.swap(seen_);
    seen_size_ = 0;
    for (std::uint64_t k : old) {
      if (k) insert_seen(k);
    }
  }
  const std::size_t mask = seen_.size() - 1;
  for (std::size_t i = mix(key) & mask;; i = (i + 1) & mask) {
    if (seen_[i] == key) return false;
    if (seen_[i] == 0) {
      seen_[i] = key;
      ++seen_size_;
      return true;
    }
  }
}

void FacetTable::Counter::operator()(const Xapian::Document& doc, double) {
  const Xapian::docid d = doc.get_docid();
  const FacetTable& t = *table_;
  if (d >= t.group_.size()) return;  // added after this table's revision: cannot happen within one search
  const std::uint64_t group = t.group_[d] ? t.group_[d] : (std::uint64_t{1} << 31) + d;  // no group: its own
  if (const std::uint32_t lang = t.lang_[d]) ++lang_counts_[lang];
  // Keys: kind in the top bits, then value id, then group.
  if (const std::uint32_t category = t.category_[d]; category && insert_seen((std::uint64_t{1} << 62) | (std::uint64_t{category} << 32) | group)) {
    ++category_counts_[category];
  }
  for (std::uint32_t i = t.tags_begin_[d]; i < t.tags_begin_[d + 1]; ++i) {
    const std::uint32_t tag = t.tag_ids_[i];
    if (insert_seen((std::uint64_t{2} << 62) | (std::uint64_t{tag} << 32) | group)) ++tag_counts_[tag];
  }
}

FacetCounts FacetTable::Counter::top(const std::vector<std::uint32_t>& counts, std::size_t n) const {
  const std::vector<std::string>& names = &counts == &category_counts_ ? table_->categories_
                                          : &counts == &tag_counts_    ? table_->tags_
                                                                       : table_->langs_;
  FacetCounts out;
  for (std::size_t id = 1; id < counts.size(); ++id) {
    if (counts[id]) out.emplace_back(names[id - 1], counts[id]);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (out.size() > n) out.resize(n);
  return out;
}

FacetCounts FacetTable::Counter::categories(std::size_t n) const { return top(category_counts_, n); }
FacetCounts FacetTable::Counter::tags(std::size_t n) const { return top(tag_counts_, n); }
FacetCounts FacetTable::Counter::langs(std::size_t n) const { return top(lang_counts_, n); }

}  // namespace kb
