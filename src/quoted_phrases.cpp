/** @file quoted_phrases.cpp
 *  @brief Quoted phrases, split into words and looked for in a text.
 */
#include "kb/quoted_phrases.h"

#include "kb/word_scan.h"

#include <xapian.h>

#include <algorithm>
#include <deque>
#include <utility>

namespace kb {

namespace {

/// A query of 4 KiB could quote a thousand words one by one, or as one
/// phrase, and each is looked for in every section of every hit shown:
/// the first phrases, and a phrase's first words, say where it is.
constexpr std::size_t kMaxPhrases = 16;
constexpr std::size_t kMaxPhraseWords = 32;

bool is_double_quote(unsigned ch) { return ch == '"' || ch == 0x201C || ch == 0x201D; }

/// Each word of @p text as on_word(begin, word), until it returns true:
/// words as scan_words splits them, a CJK character as a word of its own.
/// An ASCII word for which skip(first byte, second byte) is true is passed
/// over (scan_words).
template <class Skip, class OnWord>
void each_word(std::string_view text, Skip&& skip, OnWord&& on_word) {
  scan_words(
      text, std::forward<Skip>(skip),
      [&](std::size_t begin, std::size_t, const std::string& w) { return on_word(begin, w); },
      [&](std::size_t begin, std::size_t, unsigned ch, unsigned) {
        std::string one;
        Xapian::Unicode::append_utf8(one, ch);
        return on_word(begin, one);
      });
}

}  // namespace

void QuotedPhrases::add(std::string_view query) {
  std::size_t open = std::string_view::npos;  // byte after the opening quote
  auto close = [&](std::size_t end) {
    std::vector<std::string> words;
    each_word(
        query.substr(open, end - open), [](unsigned char, unsigned char) { return false; },
        [&](std::size_t, const std::string& w) {
          words.push_back(w);
          return words.size() == kMaxPhraseWords;
        });
    if (!words.empty() && phrases_.size() < kMaxPhrases) {
      longest_ = std::max(longest_, words.size());
      for (const auto& w : words) word_prefixes_.add(w);
      phrases_.push_back(std::move(words));
    }
    open = std::string_view::npos;
  };
  for (Xapian::Utf8Iterator it(query.data(), query.size()); it != Xapian::Utf8Iterator(); ++it) {
    if (!is_double_quote(*it)) continue;
    const auto at = static_cast<std::size_t>(it.raw() - query.data());
    if (open == std::string_view::npos) {
      Xapian::Utf8Iterator after = it;
      ++after;
      open = after == Xapian::Utf8Iterator() ? query.size() : static_cast<std::size_t>(after.raw() - query.data());
    } else {
      close(at);
    }
  }
  if (open != std::string_view::npos) close(query.size());
}

std::size_t QuotedPhrases::find(std::string_view text) const {
  if (phrases_.empty()) return std::string_view::npos;
  // The last few words read, with where each began: a phrase is found
  // when the words it ends with are its words.
  std::deque<std::pair<std::size_t, std::string>> recent;
  std::size_t found = std::string_view::npos;
  // Most words of a text start unlike any phrase word: one look-up passes
  // them over, and the words read so far can no longer start a phrase.
  const auto skip = [&](unsigned char first, unsigned char second) {
    if (word_prefixes_.has(first, second)) return false;
    recent.clear();
    return true;
  };
  each_word(text, skip, [&](std::size_t begin, const std::string& w) {
    recent.emplace_back(begin, w);
    if (recent.size() > longest_) recent.pop_front();
    for (const auto& phrase : phrases_) {
      if (phrase.size() > recent.size()) continue;
      const std::size_t from = recent.size() - phrase.size();
      bool same = true;
      for (std::size_t i = 0; same && i < phrase.size(); ++i) same = recent[from + i].second == phrase[i];
      if (same) {
        found = recent[from].first;
        return true;
      }
    }
    return false;
  });
  return found;
}

}  // namespace kb
