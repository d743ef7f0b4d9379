/** @file searcher.cpp
 *  @brief The search ladder, pins, language preference, facets, section
 *  snippets and explanations; articles, aliases and related articles.
 */
#include "kb/searcher.h"

#include "kb/article.h"
#include "kb/asset_store.h"

#include "kb/bm25_weight.h"
#include "kb/document_builder.h"
#include "kb/events.h"
#include "kb/facet_table.h"
#include "kb/markdown.h"
#include "kb/prepared_hit.h"
#include "kb/quoted_phrases.h"
#include "kb/reply_text.h"
#include "kb/rerank.h"
#include "kb/schema.h"
#include "kb/section_terms.h"
#include "kb/stored_hit.h"
#include "kb/text.h"
#include "kb/title_match.h"
#include "kb/word_scan.h"

#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <xapian.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <iterator>
#include <limits>
#include <chrono>
#include <cmath>
#include <memory>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace kb {

namespace {

std::vector<std::string> split_lines(std::string_view v) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < v.size()) {
    const std::size_t end = v.find('\n', pos);
    const std::size_t stop = end == std::string::npos ? v.size() : end;
    if (stop > pos) out.emplace_back(v.substr(pos, stop - pos));
    pos = stop + 1;
  }
  return out;
}

/// Terms that describe an article's content, for "related articles".
class ContentTermDecider : public Xapian::ExpandDecider {
 public:
  bool operator()(const std::string& term) const override {
    if (term.empty() || term.size() < 3) return false;
    const auto c = static_cast<unsigned char>(term[0]);
    if (c >= 'A' && c <= 'Z') return false;
    return !std::all_of(term.begin(), term.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
  }
};

SearchHit hit_of(const StoredHit& stored) {
  SearchHit hit;
  hit.slug = std::string(stored.slug);
  hit.title = std::string(stored.title);
  hit.summary = std::string(stored.summary);
  hit.url = "/articles/" + hit.slug;
  hit.category = std::string(stored.category);
  hit.tags = split_lines(stored.tags);
  hit.lang = std::string(stored.lang);
  hit.updated = std::string(stored.updated);
  return hit;
}

/// What a single-word synonym's idf counts for, next to the person's own
/// words, in choosing a result's section: where the typed word is, is
/// where the answer is most likely written in their terms.
constexpr double kSynonymShare = 0.5;

/// A term's inverse document frequency among @p n articles, from the
/// frequency @p mset gathered for it (0 counts as 1).
double idf_of(const Xapian::MSet& mset, double n, const std::string& term) {
  return std::log(1.0 + n / static_cast<double>(std::max<Xapian::doccount>(mset.get_termfreq(term), 1)));
}

/// The synonym phrases of @p origins with the weight each counts for in
/// choosing a section: kSynonymShare of its words' mean idf (from @p mset).
std::vector<std::pair<std::vector<std::string>, double>> synonym_phrases(const QueryBuilder::WordOrigins& origins,
                                                                          const Xapian::MSet& mset, const Xapian::Database& db) {
  std::vector<std::pair<std::vector<std::string>, double>> out;
  const double n = static_cast<double>(std::max<Xapian::doccount>(db.get_doccount(), 1));
  for (const auto& words : origins.synonym_phrases) {
    double idf = 0;
    for (const auto& word : words) idf += idf_of(mset, n, word);
    // One synonym, however many words: their mean, as one word would count.
    out.emplace_back(words, idf / static_cast<double>(words.size()) * kSynonymShare);
  }
  return out;
}

/// Whether every letter of @p text is Latin (below U+0250).
bool latin_letters_only(const std::string& text) {
  for (Xapian::Utf8Iterator c(text); c != Xapian::Utf8Iterator(); ++c) {
    if (*c >= 0x250 && Xapian::Unicode::is_wordchar(*c)) return false;
  }
  return true;
}

bool single_cjk_character(const std::string& term) {
  Xapian::Utf8Iterator it(term);
  return it != Xapian::Utf8Iterator() && is_cjk(*it) && ++it == Xapian::Utf8Iterator();
}

/// The words a query looks for, as the index spells them (unprefixed and
/// "Z"-stemmed), with their inverse document frequency; words of synonym
/// phrases left out, and single-word synonyms at kSynonymShare (see
/// QueryBuilder::WordOrigins). The frequencies come from @p mset, which
/// ran @p query: it gathered them for the match, where
/// Database::get_termfreq would look each up in the B-tree again.
std::unordered_map<std::string, double> content_terms(const Xapian::Query& query, const Xapian::MSet& mset,
                                                      const Xapian::Database& db, const QueryBuilder::WordOrigins& origins) {
  std::unordered_map<std::string, double> out;
  const double n = static_cast<double>(std::max<Xapian::doccount>(db.get_doccount(), 1));
  bool cjk_pairs = false;
  // The query's own terms, and what a half-typed last word was expanded to.
  std::vector<std::string> candidates(query.get_unique_terms_begin(), query.get_unique_terms_end());
  candidates.insert(candidates.end(), origins.completions.begin(), origins.completions.end());
  for (const std::string& candidate : candidates) {
    std::string term = candidate;
    if (term.empty()) continue;
    const auto c = static_cast<unsigned char>(term[0]);
    if (c >= 'A' && c <= 'Z' && !(term[0] == 'Z' && term.size() > 1 && !(term[1] >= 'A' && term[1] <= 'Z'))) continue;
    const bool typed = origins.typed.count(term) > 0;
    if (!typed && origins.synonyms.count(term) == 0) continue;
    out[term] = idf_of(mset, n, term) * (typed ? 1.0 : kSynonymShare);
    Xapian::Utf8Iterator lead(term);
    if (lead != Xapian::Utf8Iterator() && is_cjk(*lead) && !single_cjk_character(term)) cjk_pairs = true;
  }
  // Xapian matches a CJK run by its characters and its pairs of them; the
  // characters alone (の, な, イ) are in nearly every section, and would
  // choose the section and be marked everywhere. The pairs say it.
  if (cjk_pairs) {
    for (auto it = out.begin(); it != out.end();) it = single_cjk_character(it->first) ? out.erase(it) : std::next(it);
  }
  return out;
}

/// Picks the section that matches the query's words best: sum over
/// matched terms of idf x (1 + log count), from the sections' word tables
/// (section_terms.h). Then finds the first match in that section's text,
/// and marks the query's words in snippets: words are scanned directly (no
/// TermGenerator), and only words that could stem to a query stem are
/// stemmed.
class SectionScorer {
 public:
  /// @p quoted: the query's quoted phrases; a section holding one comes
  /// before any without, whatever their counts.
  /// @p synonym_phrases: a synonym's words, which count, with the weight
  /// given, only in a section that has them all ("remote access" for
  /// "vpn": not every section that says "access").
  SectionScorer(const std::unordered_map<std::string, double>& terms, const Xapian::Stem& stem,
                const QuotedPhrases& quoted, const std::vector<std::pair<std::vector<std::string>, double>>& synonym_phrases = {})
      : terms_(terms), stem_(stem), quoted_(quoted) {
    for (const auto& [words, weight] : synonym_phrases) {
      std::vector<std::uint32_t> keys;
      for (const auto& word : words) keys.push_back(section_term_key("Z" + stem_(word)));
      synonym_phrase_keys_.emplace_back(std::move(keys), weight);
    }
    std::unordered_map<std::uint32_t, double> idf_of_key;
    for (const auto& [term, idf] : terms_) {
      Xapian::Utf8Iterator first(term);
      if (first != Xapian::Utf8Iterator() && is_cjk(*first)) {
        word_prefixes_.add(term);
        idf_of_key[section_term_key(term)] += idf;  // the tables count CJK n-grams as they are
        continue;
      }
      // A word the query kept as written ("Outlook", a quoted phrase's
      // word) is looked up by its stem, as the tables count words, and
      // marked wherever a word stems the same way.
      const bool stemmed = term.size() > 1 && term[0] == 'Z';
      if (!stemmed) word_prefixes_.add(term);
      const std::string stem_term = stemmed ? term : "Z" + stem_(term);
      idf_of_key[section_term_key(stem_term)] += idf;
      stem_prefixes_.add(std::string_view(stem_term).substr(1));
      word_prefixes_.add(std::string_view(stem_term).substr(1));
      wanted_stems_.insert(stem_term);
    }
    keys_.assign(idf_of_key.begin(), idf_of_key.end());
    // A section can hold a phrase only if its table counts every word of
    // it: only such sections' texts are read for the phrase.
    for (const auto& phrase : quoted_.phrases()) {
      std::vector<std::uint32_t> keys;
      for (const auto& word : phrase) {
        Xapian::Utf8Iterator first(word);
        keys.push_back(section_term_key(first != Xapian::Utf8Iterator() && is_cjk(*first) ? word : "Z" + stem_(word)));
      }
      phrase_keys_.push_back(std::move(keys));
    }
  }

  struct Best {
    std::size_t section = 0;  ///< the first when none matches
    std::size_t first_match = std::string::npos;  ///< byte offset in its text
  };

  /// @p tables: the sections' word tables, one for each of @p sections
  /// (else the first section is chosen).
  Best best(const std::vector<StoredSection>& sections, const std::vector<SectionTerms>& tables) {
    Best best;
    if (tables.size() != sections.size()) return best;
    std::vector<std::pair<double, std::size_t>> matching;  // score, section
    for (std::size_t i = 0; i < tables.size(); ++i) {
      double score = 0;
      for (const auto& [key, idf] : keys_) {
        if (const unsigned count = tables[i].count(key)) score += idf * (1.0 + std::log(count));
      }
      for (const auto& [keys, weight] : synonym_phrase_keys_) {
        unsigned fewest = std::numeric_limits<unsigned>::max();
        for (const std::uint32_t key : keys) fewest = std::min(fewest, tables[i].count(key));
        if (fewest > 0) score += weight * (1.0 + std::log(fewest));
      }
      if (score > 0) matching.emplace_back(score, i);
    }
    if (matching.empty()) return best;
    // Best first; of equals, the earlier section.
    std::stable_sort(matching.begin(), matching.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    best.section = matching.front().second;
    // Quotes ask for the words in that order: the best section that has
    // them wins, and its snippet starts there.
    for (const auto& [score, i] : matching) {
      if (!may_hold_phrase(tables[i])) continue;
      const std::size_t at = quoted_.find(utf8_prefix(sections[i].text, kMaxScanSection));
      if (at == std::string_view::npos && quoted_.find(sections[i].heading) == std::string_view::npos) continue;
      best.section = i;
      best.first_match = at;
      break;
    }
    if (best.first_match == std::string_view::npos) {
      best.first_match = first_match(utf8_prefix(sections[best.section].text, kMaxScanSection));
    }
    return best;
  }

  /// Whether @p title holds every word the person typed (@p typed, as
  /// "Z" + stem): the whole article is about the query, best read from its
  /// start ("vpn" opens the VPN guide at its beginning, not at step 3).
  /// False for quoted phrases, and for no words.
  bool title_holds_all(std::string_view title, const std::vector<std::string>& typed) {
    if (!quoted_.phrases().empty() || typed.empty()) return false;
    std::vector<bool> seen(typed.size(), false);
    std::size_t found = 0;
    // Title words no query word starts like are passed over unstemmed.
    scan_words(
        title, [this](unsigned char a, unsigned char b) { return rejects(a, b); },
        [&](std::size_t, std::size_t, const std::string& w) {
          const std::string& stemmed = stem_of(w);
          for (std::size_t i = 0; i < typed.size(); ++i) {
            if (!seen[i] && typed[i] == stemmed) {
              seen[i] = true;
              ++found;
            }
          }
          return found == typed.size();
        },
        [](std::size_t, std::size_t, unsigned, unsigned) { return false; });
    return found == typed.size();
  }

  /// The first section's choice, its first match for the snippet.
  Best lead(const std::vector<StoredSection>& sections) {
    Best b;
    b.first_match = first_match(utf8_prefix(sections[0].text, kMaxScanSection));
    return b;
  }

 private:
  std::vector<std::pair<std::vector<std::uint32_t>, double>> synonym_phrase_keys_;

  bool may_hold_phrase(const SectionTerms& table) const {
    return std::any_of(phrase_keys_.begin(), phrase_keys_.end(), [&](const std::vector<std::uint32_t>& keys) {
      return std::all_of(keys.begin(), keys.end(), [&](std::uint32_t key) { return table.count(key) > 0; });
    });
  }

  bool rejects(unsigned char first, unsigned char second) const {
    return !word_prefixes_.has(first, second);
  }

  /// Whether a word (lower-cased) is a query term as written or stemmed.
  bool word(const std::string& w) {
    // Most words of a text share no first two bytes with any query word
    // or stem: one table look-up rejects them without hashing.
    if (!word_prefixes_.has(w)) return false;
    if (terms_.count(w)) return true;
    if (!stem_prefixes_.has(w)) return false;
    return wanted_stems_.count(stem_of(w)) > 0;
  }

  /// "Z" + the stem of @p w, remembered.
  const std::string& stem_of(const std::string& w) {
    auto memo = stems_.find(w);
    if (memo == stems_.end()) memo = stems_.emplace(w, "Z" + stem_(w)).first;
    return memo->second;
  }

  /// One CJK character, indexed as a unigram and a bigram with the one before.
  bool cjk(unsigned ch, unsigned previous) const {
    std::string uni;
    Xapian::Unicode::append_utf8(uni, ch);
    if (terms_.count(uni)) return true;
    if (!previous) return false;
    std::string bi;
    Xapian::Unicode::append_utf8(bi, previous);
    return terms_.count(bi + uni) > 0;
  }

  std::size_t first_match(std::string_view text) {
    std::size_t found = std::string::npos;
    scan_words(
        text, [this](unsigned char a, unsigned char b) { return rejects(a, b); },
        [&](std::size_t begin, std::size_t, const std::string& w) {
          if (!word(w)) return false;
          found = begin;
          return true;
        },
        [&](std::size_t begin, std::size_t, unsigned ch, unsigned previous) {
          if (!cjk(ch, previous)) return false;
          found = begin;
          return true;
        });
    return found;
  }

 public:
  /// About @p length bytes of @p text from a little before @p first_match,
  /// HTML-escaped, with the query's words in <mark>: what the snippet
  /// generator did, without stemming every word of the passage.
  std::string snippet(std::string_view text, std::size_t first_match, std::size_t length) {
    constexpr std::size_t kContext = 60;
    std::size_t from = first_match == std::string::npos || first_match < kContext ? 0 : first_match - kContext;
    if (from > 0) {  // start after a space, not inside a word
      const std::size_t space = text.find_first_of(" \n", from);
      from = space != std::string::npos && space < first_match ? space + 1 : first_match;
    }
    std::string_view window = utf8_prefix(text.substr(from), length);
    const bool cut = from + window.size() < text.size();
    if (cut) {  // end at a word boundary
      const std::size_t space = window.find_last_of(" \n");
      if (space != std::string_view::npos && space > window.size() / 2) window = window.substr(0, space);
    }
    std::vector<std::pair<std::size_t, std::size_t>> marks;
    unsigned pending_cjk = 0;  // a CJK char whose bigram with the next may match
    std::size_t pending_begin = 0;
    scan_words(
        window,
        [this, &pending_cjk](unsigned char a, unsigned char b) {
          // A word passed over is never marked; it only breaks a CJK run.
          if (!rejects(a, b)) return false;
          pending_cjk = 0;
          return true;
        },
        [&](std::size_t begin, std::size_t end, const std::string& w) {
          pending_cjk = 0;
          if (word(w)) marks.emplace_back(begin, end);
          return false;
        },
        [&](std::size_t begin, std::size_t end, unsigned ch, unsigned previous) {
          std::string uni;
          Xapian::Unicode::append_utf8(uni, ch);
          bool matched = terms_.count(uni) > 0;
          if (previous) {
            std::string bi;
            Xapian::Unicode::append_utf8(bi, previous);
            if (terms_.count(bi + uni)) {
              matched = true;
              if (pending_cjk && (marks.empty() || marks.back().second <= pending_begin)) {
                marks.emplace_back(pending_begin, begin);
              }
            }
          }
          if (matched) marks.emplace_back(begin, end);
          pending_cjk = ch;
          pending_begin = begin;
          return false;
        });
    std::string out;
    out.reserve(window.size() + window.size() / 8 + marks.size() * 13 + 8);
    if (from > 0) out += "…";
    std::size_t at = 0;
    for (std::size_t i = 0; i < marks.size(); ++i) {
      const auto [begin, end] = marks[i];
      append_html_escaped(out, window.substr(at, begin - at));
      // Adjacent marks (CJK runs) become one.
      std::size_t last = end;
      while (i + 1 < marks.size() && marks[i + 1].first == last) last = marks[++i].second;
      out += "<mark>";
      append_html_escaped(out, window.substr(begin, last - begin));
      out += "</mark>";
      at = last;
    }
    append_html_escaped(out, window.substr(at));
    if (cut) out += "…";
    return out;
  }

 private:
  const std::unordered_map<std::string, double>& terms_;
  const Xapian::Stem& stem_;
  const QuotedPhrases& quoted_;
  std::vector<std::vector<std::uint32_t>> phrase_keys_;  ///< of each quoted phrase's words, as the tables key them
  WordPrefixes stem_prefixes_;  ///< of every query stem
  WordPrefixes word_prefixes_;  ///< of every query word and stem
  std::vector<std::pair<std::uint32_t, double>> keys_;  ///< the query's words as the tables key them, with idf
  std::unordered_map<std::string, std::string> stems_;
  std::unordered_set<std::string> wanted_stems_;  ///< "Z" + stem of every query word, stemmed or kept as written
};

const char* field_of(const std::string& term) {
  if (term.rfind(schema::kPrefixErrorToken, 0) == 0) return "exact identifier";
  if (term.rfind(schema::kPrefixHeading, 0) == 0 || term.rfind("ZXH", 0) == 0) return "heading";
  if (term.rfind(schema::kPrefixTitle, 0) == 0 || term.rfind("ZS", 0) == 0) return "title";
  if (term.rfind("Z", 0) == 0) return "text (stemmed)";
  return "text";
}

constexpr std::size_t kSnippetBytes = 240;
constexpr Xapian::doccount kExactMatchesChecked = 500;
/// How many of the best matches are reordered (QueryBuilder::bonus, similar
/// titles, length measured against theirs). The deeper the list, the lower
/// the weight Xapian must keep looking for, so the less it can skip, and
/// each is weighed a second time: at 10,000 articles 30 took 0.409 ms at
/// the median and 1.005 ms at p99, 25 0.395 and 0.99 ms, for the same
/// relevance (thread MRR@10 0.8515 both, pair nDCG@10 0.7836 against
/// 0.7814; bench/relevance). 20 lowered thread MRR@10 to 0.8499.
constexpr Xapian::doccount kRerankDepth = 25;
/// How many of those the proximity of the query's words reorders. OP_NEAR
/// reads positions and, for each pair of words, their lists again: over
/// 30 articles it read more blocks than the whole first pass (123 against
/// 27 for an AND of the same pairs, a five-word query at 10,000 articles).
/// Over the best 10 the median search took 0.401 ms instead of 0.431 and
/// p99 0.95 instead of 1.10, and the tuning queries scored the same or
/// better (thread MRR@10 0.8514 against 0.8529, pair nDCG@10 0.7858
/// against 0.7864, distractor costs 0.039 and 0.037 against 0.044 and
/// 0.038; bench/relevance).
constexpr std::size_t kProximityDepth = 10;
/// What a title in the person's language gains among completions: more
/// than BM25 gives any title, so their titles come first.
constexpr double kPreferredTitleBoost = 1000.0;


}  // namespace

std::string sanitise_query(const std::string& raw) {
  if (raw.size() > kMaxQueryBytes) {
    throw BadRequest("query is " + std::to_string(raw.size()) + " bytes; the limit is " + std::to_string(kMaxQueryBytes));
  }
  if (!is_valid_utf8(raw)) throw BadRequest("query is not valid UTF-8");
  std::string out = raw;
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return collapse_whitespace(out);
}

std::string language_of_script(const std::string& query) {
  bool hangul = false, kana = false;
  for (Xapian::Utf8Iterator it(query); it != Xapian::Utf8Iterator(); ++it) {
    const unsigned cp = *it;
    if ((cp >= 0xAC00 && cp <= 0xD7AF) || (cp >= 0x1100 && cp <= 0x11FF) || (cp >= 0x3130 && cp <= 0x318F)) hangul = true;
    if ((cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0x31F0 && cp <= 0x31FF) || (cp >= 0xFF66 && cp <= 0xFF9F)) kana = true;
  }
  if (hangul && !kana) return "ko";
  if (kana && !hangul) return "ja";
  return {};
}

Searcher::Searcher(const std::filesystem::path& index_dir) : dir_(index_dir) { open(); }

std::string Searcher::read_stub() const {
  std::ifstream in(dir_ / "XAPIANDB", std::ios::binary);
  return in ? std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()) : std::string();
}

void Searcher::open() {
  // The stub first: if it changes between the two reads, the next refresh
  // sees a difference and opens again.
  std::string stub = read_stub();
  try {
    db_ = Xapian::Database(dir_.string());
  } catch (const Xapian::Error& e) {
    throw IndexUnavailable("cannot open index " + dir_.string() + ": " + e.get_description() + " (build it with kb-index)");
  }
  const std::string version = db_.get_metadata(schema::kMetaSchemaVersion);
  if (version != std::to_string(schema::kSchemaVersion)) {
    throw IndexUnavailable("index " + dir_.string() + " has schema version '" + version + "', this kb-server needs " +
                           std::to_string(schema::kSchemaVersion) + " (re-run kb-index)");
  }
  stub_ = std::move(stub);
  load_synonyms();
}

std::shared_ptr<const PreparedHit> Searcher::prepared_hit(const Xapian::Document& doc, const std::string& revision) {
  return hit_cache_ ? hit_cache_->get(revision, doc) : read_prepared_hit(doc);
}

void Searcher::load_synonyms() {
  synonyms_ = Synonyms::from_json(db_.get_metadata(schema::kMetaSynonyms));
  synonyms_revision_ = db_.get_revision();
}

Searcher::FileStamp Searcher::stamp_of(const std::filesystem::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return {};
  return {static_cast<unsigned long long>(st.st_ino), static_cast<unsigned long long>(st.st_size),
          static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec, true};
}

bool Searcher::replaced() const {
  try {
    return Xapian::Database(dir_.string()).get_uuid() != db_.get_uuid();
  } catch (const Xapian::Error&) {
    return false;  // mid-swap: reopen() below decides, and the next request looks again
  }
}

void Searcher::refresh() {
  const auto now = std::chrono::steady_clock::now();
  const FileStamp stub_now = stamp_of(dir_ / "XAPIANDB");
  const FileStamp version_now = stamp_of(dir_ / "iamglass");
  // Only for a plain index: a replica's version file is in the copy its
  // stub names, which xapian-replicate may update in place.
  if (!stub_now.present && version_now.present && stub_now == stub_stamp_ && version_now == version_stamp_ &&
      now - last_full_check_ < kFullCheckEvery) {
    return;
  }
  // A replica whose stub now names the other copy: open that copy whole
  // (reopen() would keep reading the deleted one). The switch is atomic:
  // this thread serves the old revision or the new one, never a mixture.
  if (!stub_.empty() && read_stub() != stub_) {
    open();
    return;
  }
  try {
    if (stub_.empty() && version_now.present && !(version_now == version_stamp_) && replaced()) {
      // A rebuilt or swapped-in index: reopen() compares revision numbers
      // only, and a new index's revision can equal the one held (every
      // first build of a small folder is revision 1); it would go on
      // reading the deleted files. Open it whole.
      open();
    } else if (db_.reopen() || db_.get_revision() != synonyms_revision_) {
      load_synonyms();
    }
    // Stamps taken before the reopen: a commit in between is seen next time.
    stub_stamp_ = stub_now;
    version_stamp_ = version_now;
    last_full_check_ = now;
  } catch (const Xapian::Error& e) {
    // The copy we hold may have gone between the stub check and reopen().
    if (!stub_.empty()) {
      open();
      return;
    }
    throw IndexUnavailable("cannot reopen index " + dir_.string() + ": " + e.get_description());
  }
}

template <class F>
auto Searcher::with_retry(F&& f) -> decltype(f()) {
  // A writer that commits twice during one read can make the revision we
  // hold disappear; reopen and try again.
  for (int attempt = 0;; ++attempt) {
    try {
      return f();
    } catch (const Xapian::DatabaseModifiedError&) {
      if (attempt >= 3) throw;
      db_.reopen();
    } catch (const Xapian::DatabaseError& e) {
      // The files under the handles went away some other way: open the
      // folder again once, else say the index cannot be read (a 503).
      if (attempt >= 1) throw IndexUnavailable("cannot read index " + dir_.string() + ": " + e.get_description());
      open();
    }
  }
}

SearchResponse Searcher::search(const SearchRequest& request) {
  const auto start = std::chrono::steady_clock::now();
  if (request.page < 1 || request.page > kMaxPage) {
    throw BadRequest("page must be between 1 and " + std::to_string(kMaxPage));
  }
  if (request.per_page < 1 || request.per_page > kMaxPerPage) {
    throw BadRequest("per_page must be between 1 and " + std::to_string(kMaxPerPage));
  }
  for (const auto* field : {&request.lang, &request.category}) {
    if (field->size() > 200 || !is_valid_utf8(*field)) throw BadRequest("filter value is too long or not UTF-8");
  }
  for (const auto& tag : request.tags) {
    if (tag.size() > 200 || !is_valid_utf8(tag)) throw BadRequest("tag filter is too long or not UTF-8");
  }
  if (request.tags.size() > 20) throw BadRequest("at most 20 tag filters");
  SearchRequest clean = request;
  clean.query = sanitise_query(request.query);
  // A space after the last word ends it: only a word the text ends in is
  // still being typed (the space is gone once sanitised).
  const unsigned char last = request.query.empty() ? ' ' : static_cast<unsigned char>(request.query.back());
  clean.partial = request.partial && last > ' ' && last != 0x7f;
  SearchResponse response = with_retry([&] { return run_search(clean); });
  response.took_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return response;
}

SearchResponse Searcher::run_search(const SearchRequest& request) {
  SearchResponse response;
  // Each stage's time goes to its own counter: a few clock reads a search.
  auto lap = std::chrono::steady_clock::now();
  auto add_time = [&lap](double& to) {
    const auto now = std::chrono::steady_clock::now();
    to += std::chrono::duration<double, std::milli>(now - lap).count();
    lap = now;
  };
  response.query = request.query;
  response.page = request.page;
  response.per_page = request.per_page;

  const std::shared_ptr<const FacetTable> facet_table = FacetTable::for_database(db_);
  const std::string preferred = preferred_language(*facet_table, request.lang, request.query, request.accept_languages);
  response.language = preferred;
  // Query words are stemmed for the language they are written in: a filter
  // or an unambiguous script says which; otherwise English.
  const std::string stem_lang = !request.lang.empty() ? request.lang : language_of_script(request.query);
  const Xapian::Stem stem = stemmer_for(stem_lang.empty() ? "en" : stem_lang);
  QueryBuilder qb(db_, stem, synonyms_, params_);
  qb.set_partial(request.partial);

  std::vector<Xapian::Query> filter_terms;
  if (!request.lang.empty()) filter_terms.emplace_back(schema::kPrefixLang + primary_subtag(request.lang));
  if (!request.category.empty()) filter_terms.emplace_back(filing_term(schema::kPrefixCategory, request.category));
  for (const auto& tag : request.tags) filter_terms.emplace_back(filing_term(schema::kPrefixTag, tag));
  auto filtered = [&](const Xapian::Query& q) {
    if (filter_terms.empty()) return q;
    return Xapian::Query(Xapian::Query::OP_FILTER, q, Xapian::Query(Xapian::Query::OP_AND, filter_terms.begin(), filter_terms.end()));
  };
  auto has_match = [&](const Xapian::Query& q) {
    if (q.empty()) return false;
    add_time(response.stages.words_ms);
    Xapian::Enquire probe(db_);
    // Existence only: unweighted, the matcher stops at the first match
    // instead of looking for the best one.
    probe.set_weighting_scheme(Xapian::BoolWeight());
    probe.set_query(filtered(q));
    const bool found = !probe.get_mset(0, 1).empty();
    add_time(response.stages.ladder_ms);
    return found;
  };

  // Pins: articles whose promote_for lists this query come first.
  std::vector<Xapian::docid> pinned;
  Xapian::Query pin_term;
  if (!request.query.empty()) {
    const std::string norm = normalise_query(request.query);
    const std::string pinned_as(utf8_prefix(norm, 200));
    pin_term = Xapian::Query(schema::kPrefixPinned + pinned_as);
    if (!norm.empty() && facet_table->has_pin(pinned_as)) {
      Xapian::Enquire pins(db_);
      pins.set_query(filtered(pin_term));
      const Xapian::MSet found = pins.get_mset(0, 10);
      for (auto it = found.begin(); it != found.end(); ++it) pinned.push_back(*it);
    }
  }

  Xapian::Query used;
  Xapian::Query bonus;  // weighed on the first matches only (rerank.h)
  Xapian::Query proximity;
  std::string text = request.query;
  const bool browse = request.query.empty();
  if (browse) {
    // Not Xapian::Query::MatchAll: copying that global bumps a reference
    // count that is not atomic, from every thread at once (ThreadSanitizer
    // under wrk). An empty term is the same query, owned by this search.
    used = Xapian::Query(std::string());
  } else {
    const bool short_enough = qb.word_count(request.query) <= params_.max_strict_words;
    const Xapian::Query strict = qb.all_words(request.query);
    if (!request.as_typed) response.corrected_query = qb.correction();
    if (short_enough && has_match(strict)) {
      response.rung = "all";
    } else if (short_enough && !response.corrected_query.empty() && has_match(qb.all_words(response.corrected_query))) {
      response.rung = "corrected";
      text = response.corrected_query;
    } else if (short_enough && has_match(qb.all_words_or_synonyms(request.query))) {
      response.rung = "synonyms";
    } else {
      response.rung = "any";
      if (!response.corrected_query.empty()) text = response.corrected_query;
    }
    used = qb.ranked(text);
    bonus = qb.bonus(text);
    proximity = qb.proximity(text);
  }
  if (!pinned.empty()) used = Xapian::Query(Xapian::Query::OP_AND_NOT, used, pin_term);
  // With one language the boost would add the same to every article.
  if (!preferred.empty() && request.lang.empty() && !browse && facet_table->language_count() > 1) {
    // Within a translation group the version in the person's language wins
    // the collapse below.
    auto* source = new Xapian::ValueMapPostingSource(schema::kSlotLang);
    source->add_mapping(preferred, params_.language_boost);
    source->set_default_weight(0);
    used = Xapian::Query(Xapian::Query::OP_AND_MAYBE, used, Xapian::Query(source->release()));
  }

  add_time(response.stages.words_ms);
  const Bm25Weight bm25(params_.bm25_k1, params_.bm25_b, params_.bm25_min_normlen);
  Xapian::Enquire enquire(db_);
  enquire.set_weighting_scheme(bm25);
  if (facet_table->has_translation_groups()) enquire.set_collapse_key(schema::kSlotGroup);
  FacetTable::Counter facets(facet_table);
  enquire.add_matchspy(&facets);
  enquire.set_query(filtered(used));
  if (browse) enquire.set_sort_by_value_then_relevance(schema::kSlotUpdated, true);

  // Page 1 starts with the pins; later pages continue after them.
  const auto pins = static_cast<Xapian::doccount>(pinned.size());
  const auto wanted_first = static_cast<Xapian::doccount>((request.page - 1) * request.per_page);
  const auto first = request.page == 1 ? 0 : wanted_first - std::min(pins, wanted_first);
  const auto count = static_cast<Xapian::doccount>(request.per_page) - (request.page == 1 ? std::min(pins, static_cast<Xapian::doccount>(request.per_page)) : 0);
  // Facets and the total are exact up to kExactMatchesChecked matches,
  // estimated beyond: weighing every match of a broad query would dominate
  // the search time (2,000 cost 4 ms a query more than 500 on the 5,878
  // support articles; bench/speed).
  const Xapian::doccount check = std::min<Xapian::doccount>(db_.get_doccount(), std::max<Xapian::doccount>(first + count, kExactMatchesChecked));
  // The first kRerankDepth matches are reordered by what is too costly to
  // weigh on every candidate (QueryBuilder::bonus). And when no article has
  // every word (the any rung), the person's words and the articles' differ:
  // the best match's own question, its title, says what the other answers
  // to it are called, so matches also gain how much their titles share
  // with it.
  const bool rerank = !browse;
  const bool similar_titles = rerank && response.rung == "any" && params_.similar_title_weight > 0;
  const Xapian::MSet mset = rerank ? enquire.get_mset(0, std::max(first + count, kRerankDepth), check)
                                   : enquire.get_mset(first, count, check);
  struct Ranked {
    Xapian::MSetIterator it;
    double weight;
    double bonus = 0;         ///< of it, what the reordering added
    double length_pivot = 0;  ///< the normal length it was weighed against; 0: the index's average
  };
  std::vector<Ranked> page;
  for (auto it = mset.begin(); it != mset.end(); ++it) page.push_back({it, it.get_weight()});
  add_time(response.stages.match_ms);
  if (rerank && !page.empty()) {
    // Always the same first kRerankDepth, whatever page was asked for: the
    // pages of one search must neither repeat nor skip an article. Deeper
    // matches keep Xapian's order.
    const std::size_t reordered = std::min<std::size_t>(page.size(), kRerankDepth);
    std::vector<Xapian::docid> docids;
    for (std::size_t i = 0; i < reordered; ++i) docids.push_back(*page[i].it);
    // Length is measured against these matches (bm25_weight.h): the
    // median, which a few much longer or shorter ones cannot move. The
    // query is weighed again with it, with the bonus, in one pass.
    double pivot = 0;
    if (params_.length_from_matches) {
      std::vector<Xapian::termcount> lengths;
      for (const Xapian::docid d : docids) lengths.push_back(facet_table->length(d));
      std::nth_element(lengths.begin(), lengths.begin() + static_cast<std::ptrdiff_t>(lengths.size() / 2), lengths.end());
      pivot = lengths[lengths.size() / 2];
    }
    const Bm25Weight reweigh(params_.bm25_k1, params_.bm25_b, params_.bm25_min_normlen, pivot);
    std::vector<double> added(reordered, 0.0);
    if (pivot > 0) {
      const std::vector<double> again = weights_of(db_, reweigh, Xapian::Query(Xapian::Query::OP_OR, filtered(used), bonus), docids);
      // What the bonus added is told apart only for an explanation: 0
      // exactly where it added nothing.
      if (request.explain) added = weights_of(db_, reweigh, bonus, docids);
      for (std::size_t i = 0; i < reordered; ++i) {
        page[i].weight = again[i] - added[i];
        page[i].length_pivot = pivot;
      }
    } else {
      added = weights_of(db_, reweigh, bonus, docids);
    }
    if (!proximity.empty()) {
      // Words close together decide the order among the first page's
      // worth of the reordered matches (kProximityDepth).
      std::vector<std::size_t> order(reordered);
      for (std::size_t i = 0; i < reordered; ++i) order[i] = i;
      std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return page[a].weight + added[a] > page[b].weight + added[b];
      });
      order.resize(std::min(order.size(), kProximityDepth));
      std::vector<Xapian::docid> first_page;
      for (const std::size_t i : order) first_page.push_back(docids[i]);
      const std::vector<double> near = weights_of(db_, reweigh, proximity, first_page);
      for (std::size_t k = 0; k < order.size(); ++k) added[order[k]] += near[k];
    }
    if (similar_titles) {
      std::size_t best = 0;
      for (std::size_t i = 1; i < reordered; ++i) {
        if (page[i].weight + added[i] > page[best].weight + added[best]) best = i;
      }
      const std::vector<double> likeness = TitleMatchSource::weights(
          db_, *facet_table, qb.title_terms_of(page[best].it.get_document().get_value(schema::kSlotTitle)), docids,
          params_.title_k1, params_.title_b);
      for (std::size_t i = 0; i < reordered; ++i) added[i] += params_.similar_title_weight * likeness[i];
    }
    for (std::size_t i = 0; i < reordered; ++i) {
      page[i].weight += added[i];
      page[i].bonus = added[i];
    }
    // Weighed again, a reordered match may score less than the first match
    // after them: lift them together, so that every later step that orders
    // by score (the learned boost) still finds them above the rest.
    if (reordered < page.size()) {
      double lowest = page[0].weight;
      for (std::size_t i = 1; i < reordered; ++i) lowest = std::min(lowest, page[i].weight);
      const double lift = page[reordered].weight - lowest;
      if (lift > 0) {
        for (std::size_t i = 0; i < reordered; ++i) page[i].weight += lift;
      }
    }
    std::stable_sort(page.begin(), page.begin() + static_cast<std::ptrdiff_t>(reordered),
                     [](const Ranked& a, const Ranked& b) { return a.weight > b.weight; });
    const std::size_t from = std::min<std::size_t>(first, page.size());
    page.erase(page.begin(), page.begin() + static_cast<std::ptrdiff_t>(from));
    if (page.size() > count) page.resize(count);
  }

  add_time(response.stages.reorder_ms);
  // With translation groups collapsed Xapian only estimates the count,
  // unless every candidate was examined: then its lower bound is exact.
  response.total = (mset.get_uncollapsed_matches_upper_bound() <= check ? mset.get_matches_lower_bound()
                                                                         : mset.get_matches_estimated()) + pins;
  if (browse) response.rung = response.total ? "browse" : "none";
  if (!browse && response.total == 0) response.rung = "none";
  response.category_facets = facets.categories(30);
  response.lang_facets = facets.langs(30);
  response.tag_facets = facets.tags(30);

  const auto terms = content_terms(used, mset, db_, qb.word_origins());
  // Query words are looked up as the query stemmed them.
  const QuotedPhrases quoted(browse ? std::string_view() : std::string_view(text));
  SectionScorer scorer(terms, stem, quoted, synonym_phrases(qb.word_origins(), mset, db_));
  // The words typed (or their correction), not their synonyms; none when
  // one is CJK (its matches are n-grams, not words).
  std::vector<std::string> typed_stems;
  if (!browse) {
    for (const auto& w : Synonyms::split_words(text)) {
      if (english_stopper()(w)) continue;
      Xapian::Utf8Iterator lead_char(w);
      if (lead_char != Xapian::Utf8Iterator() && is_cjk(*lead_char)) {
        typed_stems.clear();
        break;
      }
      typed_stems.push_back("Z" + stem(w));
    }
    // A word still being typed is not one the title must hold as typed.
    if (!qb.partial_word(text).empty() && !typed_stems.empty()) typed_stems.pop_back();
  }
  const std::string revision = revision_key();  // the same for every hit of this pass
  auto make_hit = [&](const Xapian::Document& doc, double weight) {
    const std::shared_ptr<const PreparedHit> prepared = prepared_hit(doc, revision);
    SearchHit hit = hit_of(prepared->stored());
    hit.score = weight;
    const std::vector<StoredSection>& sections = prepared->sections();
    if (!sections.empty()) {
      SectionScorer::Best best;
      if (!browse) {
        best = scorer.best(sections, prepared->section_terms());
        if (best.section != 0 && scorer.title_holds_all(hit.title, typed_stems)) {
          best = scorer.lead(sections);
        }
      }
      const StoredSection& section = sections[best.section];
      hit.section_anchor = std::string(section.anchor);
      hit.section_heading = std::string(section.heading);
      hit.snippet_html = section.text.empty() ? scorer.snippet(section.heading, std::string::npos, kSnippetBytes)
                                              : scorer.snippet(section.text, best.first_match, kSnippetBytes);
    }
    return hit;
  };

  if (request.page == 1) {
    for (std::size_t i = 0; i < pinned.size() && response.hits.size() < static_cast<std::size_t>(request.per_page); ++i) {
      SearchHit hit = make_hit(db_.get_document(pinned[i]), 0);
      hit.pinned = true;
      response.hits.push_back(std::move(hit));
    }
  }
  // The words may match only a translation ("spooler" is in the Korean
  // version alone): the person is shown the version they can read, if it
  // passes the query's filters and exclusions too. Not when the query is
  // in another script than the language guessed for them (kanji,
  // Cyrillic: the words are theirs).
  std::unordered_map<Xapian::docid, Xapian::docid> own_version;  // matched -> shown
  if (request.lang.empty() && !preferred.empty() && !browse && facet_table->has_translation_groups() &&
      (latin_letters_only(request.query) || !language_of_script(request.query).empty())) {
    for (const auto& ranked_hit : page) {
      const Xapian::docid own = facet_table->version_in(*ranked_hit.it, preferred);
      if (own && own != *ranked_hit.it) own_version[*ranked_hit.it] = own;
    }
    if (!own_version.empty()) {
      std::vector<Xapian::docid> candidates;
      for (const auto& [matched, own] : own_version) candidates.push_back(own);
      Xapian::Enquire allowed(db_);
      allowed.set_weighting_scheme(Xapian::BoolWeight());
      allowed.set_query(Xapian::Query(Xapian::Query::OP_FILTER, filtered(qb.constraints(text)),
                                      Xapian::Query((new DocidSetSource(candidates))->release())));
      const Xapian::MSet passing = allowed.get_mset(0, static_cast<Xapian::doccount>(candidates.size()));
      std::unordered_set<Xapian::docid> passes;
      for (auto p = passing.begin(); p != passing.end(); ++p) passes.insert(*p);
      for (auto v = own_version.begin(); v != own_version.end();) v = passes.count(v->second) ? std::next(v) : own_version.erase(v);
    }
  }
  std::vector<SearchHit> ranked;
  for (const auto& [it, weight, reordering, length_pivot] : page) {
    Xapian::docid shown = *it;
    if (const auto own = own_version.find(*it); own != own_version.end()) shown = own->second;
    SearchHit hit = make_hit(shown == *it ? it.get_document() : db_.get_document(shown), weight);
    if (request.explain) {
      nlohmann::json matched = nlohmann::json::array();
      const Xapian::Document doc = it.get_document();
      for (auto t = enquire.get_matching_terms_begin(it); t != enquire.get_matching_terms_end(it); ++t) {
        Xapian::Enquire one(db_);
        one.set_weighting_scheme(Bm25Weight(params_.bm25_k1, params_.bm25_b, params_.bm25_min_normlen, length_pivot));
        one.set_query(Xapian::Query(Xapian::Query::OP_FILTER, Xapian::Query(*t), Xapian::Query(schema::kPrefixId + hit.slug)));
        const Xapian::MSet m = one.get_mset(0, 1);
        Xapian::termcount wdf = 0;
        auto tl = doc.termlist_begin();
        tl.skip_to(*t);
        if (tl != doc.termlist_end() && *tl == *t) wdf = tl.get_wdf();
        matched.push_back({{"term", *t},
                           {"field", field_of(*t)},
                           {"termfreq", db_.get_termfreq(*t)},
                           {"wdf", wdf},
                           {"weight", m.empty() ? 0.0 : m.begin().get_weight()}});
      }
      // The title field is weighed by kb's own source (title_match.h), not
      // by a term Xapian reports as matching.
      for (const auto& term : qb.title_terms()) {
        auto tl = doc.termlist_begin();
        tl.skip_to(term);
        if (tl == doc.termlist_end() || *tl != term) continue;
        const double title_part = params_.title_weight * TitleMatchSource::term_weight(db_, *facet_table, term, *it, tl.get_wdf(),
                                                                                        params_.title_k1, params_.title_b);
        matched.push_back({{"term", term}, {"field", "title"}, {"termfreq", db_.get_termfreq(term)},
                           {"wdf", tl.get_wdf()}, {"weight", title_part}});
      }
      hit.explain = {{"weight", weight}, {"rung", response.rung}, {"matched_terms", matched},
                     {"section", hit.section_anchor}, {"section_heading", hit.section_heading}, {"pinned", false},
                     {"language_preference", preferred}, {"learned_boost", 1.0},
                     {"reordering_bonus", reordering}, {"length_pivot", length_pivot}};
      if (shown != *it) hit.explain["matched_version"] = it.get_document().get_value(schema::kSlotSlug);
    }
    ranked.push_back(std::move(hit));
  }
  // Behaviour may reorder a page by at most learned_boost_max of a score:
  // it never overturns a clearly better text match.
  if (const auto learned = learned_; learned && !browse) {
    for (auto& hit : ranked) {
      const auto found = learned->find(hit.slug);
      const double factor = 1.0 + params_.learned_boost_max * (found == learned->end() ? 0.0 : std::clamp(found->second, 0.0, 1.0));
      hit.score *= factor;
      if (request.explain) hit.explain["learned_boost"] = factor;
    }
    std::stable_sort(ranked.begin(), ranked.end(), [](const SearchHit& a, const SearchHit& b) { return a.score > b.score; });
  }
  for (auto& hit : ranked) response.hits.push_back(std::move(hit));
  if (request.explain) {
    for (auto& hit : response.hits) {
      if (hit.pinned) hit.explain = {{"pinned", true}, {"reason", "promote_for lists this query"}};
    }
  }
  add_time(response.stages.hits_ms);
  return response;
}

std::optional<ArticleRecord> Searcher::find_article(const std::string& slug) {
  if (!is_valid_slug(slug)) return std::nullopt;
  return with_retry([&]() -> std::optional<ArticleRecord> {
    const std::string term = schema::kPrefixId + slug;
    auto p = db_.postlist_begin(term);
    if (p == db_.postlist_end(term)) return std::nullopt;
    const Xapian::Document doc = db_.get_document(*p);
    ArticleRecord a;
    a.docid = *p;
    a.slug = doc.get_value(schema::kSlotSlug);
    a.title = doc.get_value(schema::kSlotTitle);
    a.summary = doc.get_value(schema::kSlotSummary);
    a.category = doc.get_value(schema::kSlotCategory);
    a.tags = split_lines(doc.get_value(schema::kSlotTags));
    a.lang = doc.get_value(schema::kSlotLang);
    a.updated = doc.get_value(schema::kSlotUpdated);
    a.path = doc.get_value(schema::kSlotPath);
    const auto data = nlohmann::json::parse(doc.get_data(), nullptr, false);
    if (data.is_object()) {
      a.html = data.value("html", "");
      a.markdown = data.value("markdown", "");
      for (const auto& alias : data.value("aliases", nlohmann::json::array())) a.aliases.push_back(alias.get<std::string>());
      for (const auto& h : data.value("headings", nlohmann::json::array())) {
        a.headings.push_back(Heading{h.value("level", 2), h.value("text", ""), h.value("anchor", "")});
      }
    }
    return a;
  });
}

std::vector<SearchHit> Searcher::suggest_for_ticket(const std::string& subject, const std::string& body,
                                                   std::size_t count) {
  // A ticket is text, not a query: control characters and any length.
  auto clean = [](const std::string& raw) {
    std::string text = std::string(utf8_prefix(raw, kMaxQueryBytes));
    if (!is_valid_utf8(text)) throw BadRequest("ticket text is not valid UTF-8");
    return sanitise_query(text);
  };
  const std::string s = clean(subject);
  const std::string b = clean(body);
  if (s.empty() && b.empty()) return {};
  return with_retry([&] {
    const Xapian::Stem stem = stemmer_for(language_of_script(s + " " + b).empty() ? "en" : language_of_script(s + " " + b));
    QueryBuilder qb(db_, stem, synonyms_, params_);
    std::vector<Xapian::Query> parts;
    if (!s.empty()) parts.push_back(Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, qb.ranked(s), 2.0));
    if (!b.empty()) parts.push_back(qb.ranked(b));
    const Xapian::Query q(Xapian::Query::OP_OR, parts.begin(), parts.end());
    Xapian::Enquire enquire(db_);
    enquire.set_weighting_scheme(Bm25Weight(params_.bm25_k1, params_.bm25_b, params_.bm25_min_normlen));
    enquire.set_collapse_key(schema::kSlotGroup);
    enquire.set_query(q);
    const Xapian::MSet mset = enquire.get_mset(0, static_cast<Xapian::doccount>(count));
    const auto terms = content_terms(q, mset, db_, qb.word_origins());
    // A ticket quotes the error it shows: the section with those words.
    QuotedPhrases quoted(s);
    quoted.add(b);
    SectionScorer scorer(terms, stem, quoted, synonym_phrases(qb.word_origins(), mset, db_));
    std::vector<SearchHit> out;
    const std::string revision = revision_key();
    for (auto it = mset.begin(); it != mset.end(); ++it) {
      const std::shared_ptr<const PreparedHit> prepared = prepared_hit(it.get_document(), revision);
      SearchHit hit = hit_of(prepared->stored());
      hit.score = it.get_weight();
      const std::vector<StoredSection>& sections = prepared->sections();
      if (!sections.empty()) {
        const SectionScorer::Best best = scorer.best(sections, prepared->section_terms());
        const StoredSection& section = sections[best.section];
        hit.section_anchor = std::string(section.anchor);
        hit.section_heading = std::string(section.heading);
        hit.snippet_html = scorer.snippet(section.text, best.first_match, kSnippetBytes);
      }
      out.push_back(std::move(hit));
    }
    return out;
  });
}

std::optional<std::string> Searcher::section_text(const std::string& slug, const std::string& anchor,
                                                  const std::string& site_origin) {
  const auto article = find_article(slug);
  if (!article) return std::nullopt;
  // From the Markdown as indexed, not the search text: that has no list
  // markers, table columns or link targets.
  const Article source = parse_article(article->path, article->markdown);
  ReplyTextOptions options;
  options.render.title = source.title;
  options.render.source_path = article->path;
  options.page_url = site_origin + "/articles/" + article->slug;
  options.slug_of_path = [this](const std::string& path) { return slug_of_path(path); };
  return reply_text(source.body, anchor, options);
}

std::optional<std::string> Searcher::slug_of_path(const std::string& path) {
  if (path.empty() || path.size() > kMaxLinkedPath) return std::nullopt;
  return with_retry([&]() -> std::optional<std::string> {
    const std::string term = schema::kPrefixPath + path;
    const auto p = db_.postlist_begin(term);
    if (p == db_.postlist_end(term)) return std::nullopt;
    return db_.get_document(*p).get_value(schema::kSlotSlug);
  });
}

namespace {

/// The link to the article @p doc holds.
ArticleLink link_of(const Xapian::Document& doc) {
  return ArticleLink{doc.get_value(schema::kSlotSlug), doc.get_value(schema::kSlotTitle), doc.get_value(schema::kSlotSummary),
                     doc.get_value(schema::kSlotLang)};
}

}  // namespace

std::vector<ArticleLink> Searcher::versions_in(const std::vector<std::string>& slugs, const std::string& lang,
                                               std::size_t count) {
  return with_retry([&] {
    std::vector<ArticleLink> out;
    std::set<std::string> groups;
    const std::shared_ptr<const FacetTable> table = FacetTable::for_database(db_);
    const std::string primary = primary_subtag(lang);
    for (const std::string& slug : slugs) {
      if (out.size() >= count) break;
      const std::string id = schema::kPrefixId + slug;
      const auto p = db_.postlist_begin(id);
      if (p == db_.postlist_end(id)) continue;
      Xapian::docid shown = *p;
      if (!primary.empty()) {
        if (const Xapian::docid own = table->version_in(shown, primary)) shown = own;
      }
      const Xapian::Document doc = db_.get_document(shown);
      if (!groups.insert(doc.get_value(schema::kSlotGroup)).second) continue;
      out.push_back(link_of(doc));
    }
    return out;
  });
}

std::optional<std::string> Searcher::asset(const std::string& path) {
  if (path.empty() || path.size() > 1024) return std::nullopt;
  return with_retry([&] { return stored_asset(db_, path); });
}

std::string Searcher::preferred_language(const FacetTable& table, const std::string& lang, const std::string& query,
                                         const std::vector<std::string>& accept_languages) const {
  std::string preferred = lang.empty() ? language_of_script(query) : primary_subtag(lang);
  if (preferred.empty()) {
    for (const auto& tag : accept_languages) {
      const std::string p = primary_subtag(tag);
      if (!p.empty() && table.has_language(p)) return p;
    }
  }
  if (preferred.empty() && table.has_language(params_.default_language)) preferred = params_.default_language;
  return preferred;
}

std::vector<ArticleLink> Searcher::complete_titles(const std::string& typed, std::size_t count, const std::string& lang,
                                                   const std::vector<std::string>& accept_languages) {
  // "wi-f" as the query parser reads it is a phrase, which cannot end in a
  // partial word: as two words, "wi f" completes "Wi-Fi".
  const std::string text = without_inner_joiners(sanitise_query(typed));
  if (text.find_first_not_of(' ') == std::string::npos) return {};
  return with_retry([&] {
    std::vector<ArticleLink> out;
    const std::shared_ptr<const FacetTable> table = FacetTable::for_database(db_);
    const std::string preferred =
        lang.empty() && table->language_count() > 1 ? preferred_language(*table, lang, text, accept_languages) : "";
    // Every word as typed first ("how to res" is how the title starts);
    // then, if that leaves room, without stop words: "how do i res"
    // completes as "res", since titles seldom say "how do I".
    for (const bool stopped : {false, true}) {
      Xapian::QueryParser qp;
      qp.set_database(db_);
      if (stopped) qp.set_stopper(&english_stopper());
      qp.add_prefix("", schema::kPrefixTitle);
      qp.set_default_op(Xapian::Query::OP_AND);
      qp.set_max_expansion(100, Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT);
      Xapian::Query q;
      try {
        q = qp.parse_query(text, Xapian::QueryParser::FLAG_PARTIAL | Xapian::QueryParser::FLAG_CJK_NGRAM);
      } catch (const Xapian::QueryParserError&) {
        continue;
      }
      if (q.empty()) continue;
      if (!lang.empty()) q = Xapian::Query(Xapian::Query::OP_FILTER, q, Xapian::Query(schema::kPrefixLang + primary_subtag(lang)));
      if (!preferred.empty()) {
        // Above any title weight: the person's titles first, and of one
        // article's translations (collapsed below) the one they read.
        auto* source = new Xapian::ValueMapPostingSource(schema::kSlotLang);
        source->add_mapping(preferred, kPreferredTitleBoost);
        source->set_default_weight(0);
        q = Xapian::Query(Xapian::Query::OP_AND_MAYBE, q, Xapian::Query(source->release()));
      }
      Xapian::Enquire enquire(db_);
      enquire.set_query(q);
      enquire.set_collapse_key(schema::kSlotGroup);
      const Xapian::MSet mset = enquire.get_mset(0, static_cast<Xapian::doccount>(count));
      for (auto it = mset.begin(); it != mset.end() && out.size() < count; ++it) {
        const Xapian::Document doc = it.get_document();
        ArticleLink link = link_of(doc);
        if (std::any_of(out.begin(), out.end(), [&](const ArticleLink& a) { return a.slug == link.slug; })) continue;
        out.push_back(std::move(link));
      }
      if (out.size() >= count) break;
    }
    return out;
  });
}

std::vector<ArticleLink> Searcher::translations(const ArticleRecord& article) {
  return with_retry([&] {
    std::vector<ArticleLink> out;
    const std::shared_ptr<const FacetTable> table = FacetTable::for_database(db_);
    for (const Xapian::docid other : table->translations_of(article.docid)) out.push_back(link_of(db_.get_document(other)));
    std::stable_sort(out.begin(), out.end(), [](const ArticleLink& a, const ArticleLink& b) { return a.lang < b.lang; });
    return out;
  });
}

std::optional<std::string> Searcher::resolve_alias(const std::string& slug) {
  if (!is_valid_slug(slug)) return std::nullopt;
  return with_retry([&]() -> std::optional<std::string> {
    const std::string term = schema::kPrefixAlias + slug;
    auto p = db_.postlist_begin(term);
    if (p == db_.postlist_end(term)) return std::nullopt;
    return db_.get_document(*p).get_value(schema::kSlotSlug);
  });
}

namespace {

/// Words of the article worth matching on: written words (not prefixed
/// terms or numbers) that at least one other article also uses (a word
/// only this article has finds nothing), other than words with no
/// meaning of their own ("the", "how") and the words of its
/// category and tags (where it is filed is not what it is about).
class SharedWordDecider : public Xapian::ExpandDecider {
 public:
  SharedWordDecider(const Xapian::Database& db, const ArticleRecord& article) : db_(db) {
    std::vector<std::string> filed = article.tags;
    filed.push_back(article.category);
    for (const auto& name : filed) {
      for (auto& word : Synonyms::split_words(name)) filing_words_.insert(std::move(word));
    }
  }
  bool operator()(const std::string& term) const override {
    return ContentTermDecider()(term) && !english_stopper()(term) && filing_words_.count(term) == 0 &&
           db_.get_termfreq(term) >= 2;
  }

 private:
  const Xapian::Database& db_;
  std::unordered_set<std::string> filing_words_;
};

/// Articles @p html links to ("/articles/SLUG" and "/articles/by-path/PATH"
/// hrefs, as kb-index writes links between articles), in the order they
/// come, each once.
std::vector<std::string> linked_slugs(const std::string& html) {
  std::vector<std::string> out;
  static constexpr std::string_view kHref = "href=\"/articles/";
  for (std::size_t at = html.find(kHref); at != std::string::npos; at = html.find(kHref, at)) {
    at += kHref.size();
    const std::size_t end = html.find_first_of("\"?#", at);
    if (end == std::string::npos) break;
    std::string slug = html.substr(at, end - at);
    if (std::find(out.begin(), out.end(), slug) == out.end()) out.push_back(std::move(slug));
  }
  return out;
}

/// Weight @p weight for every article holding @p term (a boolean term).
Xapian::Query constant_for(const std::string& term, double weight) {
  // Owned by the query once released (else it would never be freed).
  return Xapian::Query(Xapian::Query::OP_FILTER, Xapian::Query((new Xapian::FixedWeightPostingSource(weight))->release()),
                       Xapian::Query(term));
}

}  // namespace

std::vector<ArticleLink> Searcher::related(const ArticleRecord& article, std::size_t count) {
  return with_retry([&] {
    std::vector<ArticleLink> out;
    const std::string lang_term = schema::kPrefixLang + primary_subtag(article.lang);
    std::vector<std::string> shown{article.slug};
    auto add = [&](const Xapian::Document& doc) {
      const std::string slug = doc.get_value(schema::kSlotSlug);
      if (std::find(shown.begin(), shown.end(), slug) != shown.end()) return;
      shown.push_back(slug);
      out.push_back(link_of(doc));
    };
    // The writer's own links come first, two at most: they name what to
    // read next, but a passing "see X" is not always the same topic.
    constexpr std::size_t kLinkedFirst = 2;
    for (const std::string& target : linked_slugs(article.html)) {
      if (out.size() >= std::min(count, kLinkedFirst)) break;
      // A link to a file ("by-path/vpn/setup.md") or to a slug.
      const std::string by_path = std::string(kByPathPrefix).substr(std::string_view("/articles/").size());
      const std::string id = target.rfind(by_path, 0) == 0
                                 ? schema::kPrefixPath + percent_decoded(target.substr(by_path.size()))
                                 : is_valid_slug(target) ? schema::kPrefixId + target : std::string();
      if (id.empty()) continue;
      auto p = db_.postlist_begin(id);
      if (p == db_.postlist_end(id)) continue;
      const Xapian::Document doc = db_.get_document(*p);
      if (primary_subtag(doc.get_value(schema::kSlotLang)) != primary_subtag(article.lang)) continue;
      add(doc);
    }
    // Then articles on the same topic: what the title (and tags) name
    // weighs most, in other titles and in text; then the words this article
    // uses more than the others do; the same tags and category count a
    // little, as writers filed them together.
    std::vector<Xapian::Query> parts;
    std::vector<Xapian::Query> title_words, title_stems;
    // The title's stems are the terms "ZS...": one run of the sorted term list.
    auto t = db_.termlist_begin(article.docid);
    for (t.skip_to("ZS"); t != db_.termlist_end(article.docid); ++t) {
      const std::string term = *t;
      if (term.rfind("ZS", 0) != 0) break;
      if (term.size() == 2) continue;
      title_words.emplace_back(term);                  // other titles
      title_stems.emplace_back("Z" + term.substr(2));  // other texts
    }
    if (!title_words.empty()) {
      parts.emplace_back(Xapian::Query::OP_SCALE_WEIGHT, Xapian::Query(Xapian::Query::OP_OR, title_words.begin(), title_words.end()), 2.0);
      parts.emplace_back(Xapian::Query::OP_OR, title_stems.begin(), title_stems.end());
    }
    {
      Xapian::Enquire expand(db_);
      Xapian::RSet rset;
      rset.add_document(article.docid);
      const SharedWordDecider decider(db_, article);
      const Xapian::ESet eset = expand.get_eset(20, rset, &decider);
      if (!eset.empty()) parts.emplace_back(Xapian::Query::OP_OR, eset.begin(), eset.end());
    }
    if (parts.empty()) return out;
    // Same tags and category add a little, never alone: a category is not a topic.
    std::vector<Xapian::Query> filed;
    for (const auto& tag : article.tags) filed.push_back(constant_for(filing_term(schema::kPrefixTag, tag), 1.0));
    if (!article.category.empty()) filed.push_back(constant_for(filing_term(schema::kPrefixCategory, article.category), 1.0));
    Xapian::Query q(Xapian::Query::OP_OR, parts.begin(), parts.end());
    if (!filed.empty()) q = Xapian::Query(Xapian::Query::OP_AND_MAYBE, q, Xapian::Query(Xapian::Query::OP_OR, filed.begin(), filed.end()));
    q = Xapian::Query(Xapian::Query::OP_AND_NOT, q, Xapian::Query(schema::kPrefixId + article.slug));
    q = Xapian::Query(Xapian::Query::OP_FILTER, q, Xapian::Query(lang_term));
    Xapian::Enquire enquire(db_);
    enquire.set_query(q);
    enquire.set_collapse_key(schema::kSlotGroup);
    const Xapian::MSet mset = enquire.get_mset(0, static_cast<Xapian::doccount>(count + shown.size()));
    // Far below the best, an article shares a few common words and no topic.
    const double floor = mset.empty() ? 0 : 0.3 * mset.begin().get_weight();
    for (auto it = mset.begin(); it != mset.end() && out.size() < count && it.get_weight() >= floor; ++it) {
      add(it.get_document());
    }
    return out;
  });
}

std::vector<Searcher::ListedArticle> Searcher::list_articles() {
  return with_retry([&] {
    std::vector<ListedArticle> out;
    const std::string prefix = schema::kPrefixId;
    for (auto t = db_.allterms_begin(prefix); t != db_.allterms_end(prefix); ++t) {
      auto p = db_.postlist_begin(*t);
      if (p == db_.postlist_end(*t)) continue;
      const Xapian::Document doc = db_.get_document(*p);
      out.push_back(ListedArticle{(*t).substr(prefix.size()), doc.get_value(schema::kSlotTitle),
                                  doc.get_value(schema::kSlotUpdated), doc.get_value(schema::kSlotPath)});
    }
    return out;
  });
}

IndexStatus Searcher::status() {
  return with_retry([&] {
    IndexStatus s;
    s.documents = db_.get_doccount();
    s.revision = db_.get_revision();
    s.indexed_at = db_.get_metadata(schema::kMetaIndexedAt);
    const std::string v = db_.get_metadata(schema::kMetaSchemaVersion);
    s.schema_version = v.empty() ? 0 : std::stoi(v);
    return s;
  });
}

}  // namespace kb
