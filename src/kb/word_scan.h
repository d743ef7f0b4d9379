/** @file word_scan.h
 *  @brief Splitting text into words as the indexer does, fast: shared by
 *  the indexer (section_terms.h) and the search (best section, snippets),
 *  so both sides see the same words.
 */
#pragma once

#include "kb/text.h"

#include <xapian.h>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kb {

/// Each byte lower-cased if it is an ASCII word character, else 0: one
/// look-up per byte of text.
inline constexpr std::array<char, 256> kAsciiWordChars = [] {
  std::array<char, 256> table{};
  for (int c = 'a'; c <= 'z'; ++c) table[static_cast<std::size_t>(c)] = static_cast<char>(c);
  for (int c = 'A'; c <= 'Z'; ++c) table[static_cast<std::size_t>(c)] = static_cast<char>(c + 32);
  for (int c = '0'; c <= '9'; ++c) table[static_cast<std::size_t>(c)] = static_cast<char>(c);
  table['_'] = '_';
  return table;
}();

inline char ascii_word_char(unsigned char byte) { return kAsciiWordChars[byte]; }

/// A set of words' first two bytes (lower-cased; 0 for a one-byte word):
/// stemmers change endings, so a word can only be, or stem to, a wanted
/// word that starts the same way. Readers that look for a few words in a
/// long text reject most of its words with one look-up (scan_words' skip).
class WordPrefixes {
 public:
  void add(std::string_view word) {
    // Allocated at the first word: a reader with none to look for pays nothing.
    if (seen_.empty()) seen_.assign(1 << 16, false);
    seen_[key(word)] = true;
  }
  bool has(unsigned char first, unsigned char second) const {
    return !seen_.empty() && seen_[static_cast<std::size_t>(first) << 8 | second];
  }
  bool has(std::string_view word) const { return !seen_.empty() && seen_[key(word)]; }

 private:
  static std::size_t key(std::string_view w) {
    const auto first = w.empty() ? 0u : static_cast<unsigned char>(w[0]);
    const auto second = w.size() < 2 ? 0u : static_cast<unsigned char>(w[1]);
    return static_cast<std::size_t>(first) << 8 | second;
  }

  std::vector<bool> seen_;
};

/// Splits @p text into lower-cased words and CJK characters, calling
/// on_word(begin, end, word) and on_cjk(begin, end, char, previous char or
/// 0) with byte offsets into @p text; a callback returning true stops the
/// scan. An all-ASCII word for which skip(first byte, second byte or 0)
/// (both lower-cased) is true is passed over before it is copied: a reader
/// that looks for a few words rejects most of a text that way.
template <class Skip, class Word, class Cjk>
void scan_words(std::string_view text, Skip&& skip, Word&& on_word, Cjk&& on_cjk) {
  std::string current;
  std::size_t start = 0;  // of the current word
  unsigned previous_cjk = 0;
  auto end_word = [&](std::size_t end) {
    if (current.empty()) return false;
    const bool stop = on_word(start, end, current);
    current.clear();
    return stop;
  };
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto byte = static_cast<unsigned char>(text[pos]);
    if (byte < 0x80 && current.empty() && ascii_word_char(byte)) {
      // A word starts: read its ASCII run at once.
      previous_cjk = 0;
      std::size_t end = pos + 1;
      while (end < text.size() && ascii_word_char(static_cast<unsigned char>(text[end]))) ++end;
      const bool whole = end == text.size() || static_cast<unsigned char>(text[end]) < 0x80;
      if (whole) {
        const auto first = static_cast<unsigned char>(ascii_word_char(byte));
        const unsigned char second =
            end - pos > 1 ? static_cast<unsigned char>(ascii_word_char(static_cast<unsigned char>(text[pos + 1]))) : 0;
        if (skip(first, second)) {
          pos = end;
          continue;
        }
      }
      start = pos;
      for (std::size_t i = pos; i < end; ++i) current += ascii_word_char(static_cast<unsigned char>(text[i]));
      pos = end;
      if (whole && end_word(end)) return;
      continue;
    }
    if (byte < 0x80) {  // ASCII: no Unicode tables needed
      previous_cjk = 0;
      const char lower = ascii_word_char(byte);
      if (lower) {
        if (current.empty()) start = pos;
        current += lower;
      } else if (end_word(pos)) {
        return;
      }
      ++pos;
      continue;
    }
    Xapian::Utf8Iterator it(text.data() + pos, text.size() - pos);
    const unsigned ch = Xapian::Unicode::tolower(*it);
    const std::size_t here = pos;
    ++it;
    pos = it == Xapian::Utf8Iterator() ? text.size() : static_cast<std::size_t>(it.raw() - text.data());
    if (is_cjk(ch)) {
      if (end_word(here) || on_cjk(here, pos, ch, previous_cjk)) return;
      previous_cjk = ch;
      continue;
    }
    previous_cjk = 0;
    if (Xapian::Unicode::is_wordchar(ch)) {
      if (current.empty()) start = here;
      Xapian::Unicode::append_utf8(current, ch);
    } else if (end_word(here)) {
      return;
    }
  }
  end_word(text.size());
}

/// Every word of @p text, none passed over.
template <class Word, class Cjk>
void scan_words(std::string_view text, Word&& on_word, Cjk&& on_cjk) {
  scan_words(text, [](unsigned char, unsigned char) { return false; }, std::forward<Word>(on_word),
             std::forward<Cjk>(on_cjk));
}

}  // namespace kb
