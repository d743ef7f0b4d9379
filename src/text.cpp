/** @file text.cpp
 *  @brief Implementation of the shared text helpers.
 */
#include "kb/text.h"

#include <xapian.h>

#include <cctype>
#include <vector>

namespace kb {

std::optional<std::size_t> find_invalid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07u;
    } else {
      return i;
    }
    if (i + len > n) return i;
    for (std::size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0u) != 0x80u) return i;
      cp = (cp << 6) | (p[i + k] & 0x3Fu);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return i;
    }
    i += len;
  }
  return std::nullopt;
}

std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto escape = [&out](unsigned char c) {
    static const char* const digits = "0123456789ABCDEF";
    out += "\\x";
    out += digits[c >> 4];
    out += digits[c & 0xF];
  };
  while (!s.empty()) {
    const std::size_t valid = find_invalid_utf8(s).value_or(s.size());
    for (std::size_t i = 0; i < valid; ++i) {
      const auto u = static_cast<unsigned char>(s[i]);
      const bool c1_control = u == 0xC2 && i + 1 < valid && static_cast<unsigned char>(s[i + 1]) < 0xA0;
      if (c1_control) {
        escape(u);
        escape(static_cast<unsigned char>(s[++i]));
      } else if (u < 0x20 || u == 0x7F || u == '\\') {
        escape(u);  // a backslash too, so that "\\xE9" is never a file's own name
      } else {
        out += s[i];
      }
    }
    if (valid == s.size()) break;
    escape(static_cast<unsigned char>(s[valid]));
    s.remove_prefix(valid + 1);
  }
  return out;
}

std::size_t line_of_offset(std::string_view s, std::size_t offset) {
  std::size_t line = 1;
  for (std::size_t i = 0; i < offset && i < s.size(); ++i) {
    if (s[i] == '\n') ++line;
  }
  return line;
}

void append_html_escaped(std::string& out, std::string_view s) {
  // Runs of ordinary bytes are copied at once: most text has no character
  // to escape, and snippets and pages escape a lot of it.
  std::size_t run = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char* entity = nullptr;
    switch (s[i]) {
      case '&': entity = "&amp;"; break;
      case '<': entity = "&lt;"; break;
      case '>': entity = "&gt;"; break;
      case '"': entity = "&quot;"; break;
      case '\'': entity = "&#39;"; break;
      default: continue;
    }
    out.append(s.data() + run, i - run);
    out += entity;
    run = i + 1;
  }
  out.append(s.data() + run, s.size() - run);
}

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 8);
  append_html_escaped(out, s);
  return out;
}

std::string to_lower(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (Xapian::Utf8Iterator it(s.data(), s.size()); it != Xapian::Utf8Iterator(); ++it) {
    Xapian::Unicode::append_utf8(out, Xapian::Unicode::tolower(*it));
  }
  return out;
}

std::string_view trim(std::string_view s) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string heading_anchor(std::string_view heading_text) {
  using namespace Xapian::Unicode;
  std::string out;
  for (Xapian::Utf8Iterator it(heading_text.data(), heading_text.size()); it != Xapian::Utf8Iterator();
       ++it) {
    const unsigned ch = *it;
    if (ch == ' ') {
      out += '-';
      continue;
    }
    if (ch == '-') {
      out += '-';
      continue;
    }
    switch (get_category(ch)) {
      case UPPERCASE_LETTER:
      case LOWERCASE_LETTER:
      case TITLECASE_LETTER:
      case MODIFIER_LETTER:
      case OTHER_LETTER:
      case NON_SPACING_MARK:
      case ENCLOSING_MARK:
      case COMBINING_SPACING_MARK:
      case DECIMAL_DIGIT_NUMBER:
      case LETTER_NUMBER:
      case OTHER_NUMBER:
      case CONNECTOR_PUNCTUATION:
        append_utf8(out, tolower(ch));
        break;
      default:
        break;
    }
  }
  return out;
}

bool is_valid_slug(std::string_view slug) {
  if (slug.empty() || slug.size() > 200) return false;
  const auto ok = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  };
  if (slug.front() == '-' || slug.front() == '_') return false;
  for (char c : slug) {
    if (!ok(c)) return false;
  }
  return true;
}

namespace {

/// U+00C0..U+017F (Latin-1 letters, Latin Extended-A) as the plain letters
/// a URL can hold: "café" is "cafe", "straße" "strasse", not "caf". Empty:
/// not a letter (× ÷), a separator.
constexpr const char* kLatinFold[0x180 - 0xC0] = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e",
    "i", "i", "i", "i", "d", "n", "o", "o", "o", "o", "o", "",
    "o", "u", "u", "u", "u", "y", "th", "ss", "a", "a", "a", "a",
    "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
    "d", "n", "o", "o", "o", "o", "o", "", "o", "u", "u", "u",
    "u", "y", "th", "y", "a", "a", "a", "a", "a", "a", "c", "c",
    "c", "c", "c", "c", "c", "c", "d", "d", "d", "d", "e", "e",
    "e", "e", "e", "e", "e", "e", "e", "e", "g", "g", "g", "g",
    "g", "g", "g", "g", "h", "h", "h", "h", "i", "i", "i", "i",
    "i", "i", "i", "i", "i", "i", "ij", "ij", "j", "j", "k", "k",
    "k", "l", "l", "l", "l", "l", "l", "l", "l", "l", "l", "n",
    "n", "n", "n", "n", "n", "n", "n", "n", "o", "o", "o", "o",
    "o", "o", "oe", "oe", "r", "r", "r", "r", "r", "r", "s", "s",
    "s", "s", "s", "s", "s", "s", "t", "t", "t", "t", "t", "t",
    "u", "u", "u", "u", "u", "u", "u", "u", "u", "u", "u", "u",
    "w", "w", "y", "y", "y", "z", "z", "z", "z", "z", "z", "s",
};

/// The code point of the UTF-8 sequence at @p s[i] (advancing @p i past
/// it), or 0 for a byte that starts no valid sequence of two bytes.
unsigned two_byte_code_point(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if ((b0 & 0xE0) != 0xC0 || i + 1 >= s.size()) return 0;
  const auto b1 = static_cast<unsigned char>(s[i + 1]);
  if ((b1 & 0xC0) != 0x80) return 0;
  ++i;
  return ((b0 & 0x1Fu) << 6) | (b1 & 0x3Fu);
}

}  // namespace

std::vector<std::string> folder_qualified_slugs(const std::string& slug, std::string_view path) {
  std::vector<std::string> out;
  std::string alt = slug;
  std::size_t end = path.rfind('/');
  while (end != std::string_view::npos && end > 0) {
    const std::size_t start = path.rfind('/', end - 1);
    const std::size_t from = start == std::string_view::npos ? 0 : start + 1;
    alt = slug_from_file_stem(path.substr(from, end - from)) + "-" + alt;
    out.push_back(alt);
    if (start == std::string_view::npos) break;
    end = start;
  }
  return out;
}

std::string published_slug(const std::string& slug, std::string_view path, bool from_file_name,
                           const std::function<bool(const std::string&)>& is_free) {
  if (is_free(slug)) return slug;
  if (!from_file_name) return {};
  for (const std::string& alt : folder_qualified_slugs(slug, path)) {
    if (is_valid_slug(alt) && is_free(alt)) return alt;
  }
  return {};
}

std::string slug_from_file_stem(std::string_view stem) {
  std::string out;
  bool pending_dash = false;
  for (std::size_t i = 0; i < stem.size(); ++i) {
    const auto c = static_cast<unsigned char>(stem[i]);
    const unsigned cp = c >= 0x80 ? two_byte_code_point(stem, i) : 0;
    const char* folded = cp >= 0xC0 && cp < 0x180 ? kLatinFold[cp - 0xC0] : "";
    if (*folded) {
      if (pending_dash && !out.empty()) out += '-';
      pending_dash = false;
      out += folded;
    } else if (std::isalnum(c) && c < 0x80) {
      if (pending_dash && !out.empty()) out += '-';
      pending_dash = false;
      out += static_cast<char>(std::tolower(c));
    } else if (c == '_' && !out.empty()) {
      if (pending_dash) out += '-';
      pending_dash = false;
      out += '_';
    } else {
      pending_dash = true;
    }
  }
  if (out.size() > 200) out.resize(200);
  while (!out.empty() && (out.back() == '-' || out.back() == '_')) out.pop_back();
  return out;
}

std::uint64_t fnv1a64(std::string_view s, std::uint64_t seed) {
  std::uint64_t h = seed;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

std::string to_hex(std::uint64_t v) {
  static const char digits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = digits[v & 0xFu];
    v >>= 4;
  }
  return out;
}

bool is_cjk(unsigned cp) {
  return (cp >= 0x1100 && cp <= 0x11FF) ||   // Hangul Jamo
         (cp >= 0x2E80 && cp <= 0x2FDF) ||   // CJK radicals
         (cp >= 0x3040 && cp <= 0x30FF) ||   // Hiragana, Katakana
         (cp >= 0x3130 && cp <= 0x318F) ||   // Hangul compatibility Jamo
         (cp >= 0x31F0 && cp <= 0x31FF) ||   // Katakana extensions
         (cp >= 0x3400 && cp <= 0x4DBF) ||   // CJK extension A
         (cp >= 0x4E00 && cp <= 0x9FFF) ||   // CJK unified ideographs
         (cp >= 0xAC00 && cp <= 0xD7AF) ||   // Hangul syllables
         (cp >= 0xF900 && cp <= 0xFAFF) ||   // CJK compatibility ideographs
         (cp >= 0xFF66 && cp <= 0xFF9F) ||   // half-width Katakana
         (cp >= 0x20000 && cp <= 0x2FA1F);   // CJK extensions B-F
}

std::string cjk_bigrams(std::string_view text) {
  std::string out;
  std::vector<unsigned> run;
  auto flush = [&] {
    if (run.size() == 1) {
      Xapian::Unicode::append_utf8(out, run[0]);
    }
    for (std::size_t i = 0; i + 1 < run.size(); ++i) {
      if (i) out += ' ';
      Xapian::Unicode::append_utf8(out, run[i]);
      Xapian::Unicode::append_utf8(out, run[i + 1]);
    }
    if (!run.empty()) out += ' ';
    run.clear();
  };
  for (Xapian::Utf8Iterator it(text.data(), text.size()); it != Xapian::Utf8Iterator(); ++it) {
    if (is_cjk(*it)) {
      if (run.empty()) out += ' ';
      run.push_back(*it);
    } else {
      flush();
      Xapian::Unicode::append_utf8(out, *it);
    }
  }
  flush();
  return collapse_whitespace(out);
}

std::string url_encode(std::string_view s) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3 / 2);
  for (char raw : s) {
    const auto c = static_cast<unsigned char>(raw);
    if (std::isalnum(c) && c < 0x80) {
      out += raw;
    } else if (c == '-' || c == '.' || c == '_' || c == '~') {
      out += raw;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xFu];
    }
  }
  return out;
}

std::string csv_field(const std::string& value) {
  // What spreadsheets read as a formula (OWASP's list, tab and CR included).
  auto formula_start = [](char c) { return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r'; };
  // Where a cell can start: the field's start, and after each character
  // some importer splits cells or rows at (a semicolon in many locales, a
  // tab in tab-separated files), quotes or not.
  auto splits = [](char c) { return c == ',' || c == ';' || c == '\t' || c == '\r' || c == '\n'; };
  std::string s;
  s.reserve(value.size() + 2);
  bool cell_start = true;
  bool quote = false;
  for (char c : value) {
    const auto u = static_cast<unsigned char>(c);
    // NUL and the other control characters are no text: a NUL ends the
    // cell in some readers, an escape sequence reaches a terminal.
    if ((u < 0x20 && c != '\t' && c != '\r' && c != '\n') || u == 0x7f) continue;
    if (cell_start && formula_start(c)) s += '\'';
    cell_start = splits(c);
    quote = quote || splits(c) || c == '"';
    s += c;
  }
  if (!quote) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string collapse_whitespace(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      space = !out.empty();
    } else {
      if (space) out += ' ';
      space = false;
      out += c;
    }
  }
  return out;
}

std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (const char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0u) != 0x80u) ++n;
  }
  return n;
}

std::string_view utf8_prefix(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0u) == 0x80u) --cut;
  return s.substr(0, cut);
}

}  // namespace kb
