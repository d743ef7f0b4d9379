/** @file text.h
 *  @brief Small text helpers shared by the indexer and the server: UTF-8
 *  validation, HTML escaping, GitHub-style heading anchors, stable hashing.
 */
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kb {

/// Byte offset of the first invalid UTF-8 sequence, or nullopt when @p s is
/// valid. Overlong forms, surrogates and code points past U+10FFFF are invalid.
std::optional<std::size_t> find_invalid_utf8(std::string_view s);

inline bool is_valid_utf8(std::string_view s) { return !find_invalid_utf8(s); }

/// @p s for a terminal or a log line: bytes that are not UTF-8 (a file
/// name from another system), control characters (a newline in a file
/// name would break the "path:line: error" form) and backslashes as "\xNN".
std::string printable(std::string_view s);

/// 1-based line number of byte @p offset in @p s.
std::size_t line_of_offset(std::string_view s, std::size_t offset);

/// Escapes & < > " ' for use in HTML text and attribute values.
std::string html_escape(std::string_view s);
/// html_escape(@p s) appended to @p out, without a string of its own.
void append_html_escaped(std::string& out, std::string_view s);

/// Lower-cases every code point (Unicode-aware).
std::string to_lower(std::string_view s);

/// A BCP 47 tag's primary subtag, lower-cased: "pt-BR" -> "pt".
inline std::string primary_subtag(std::string_view lang) { return to_lower(lang.substr(0, lang.find('-'))); }

std::string_view trim(std::string_view s);

/// GitHub's heading anchor: lower-case, drop everything but letters, marks,
/// numbers, connector punctuation, spaces and hyphens, then spaces to
/// hyphens. Kept identical to GitHub so links copied from a rendered
/// repository keep working here.
std::string heading_anchor(std::string_view heading_text);

/// Slugs name articles in URLs: lower-case ASCII letters, digits, '-' and
/// '_', starting with a letter or digit, at most 200 bytes.
bool is_valid_slug(std::string_view slug);

/// Turns a file name (without .md) into a slug: lower-cases ASCII, folds
/// accented Latin letters to plain ones ("café" -> "cafe"), maps every
/// other character run to '-', trims '-'. Empty when nothing is left.
std::string slug_from_file_stem(std::string_view stem);

/// The slugs a file whose own slug @p slug is taken may be published under,
/// nearest folder of @p path (relative, '/' separated) first:
/// "security/overview.md" -> "security-overview". kb-index takes the first
/// free one; kb-index --check knows them.
std::vector<std::string> folder_qualified_slugs(const std::string& slug, std::string_view path);

/// The slug the article at @p path is published under, given which slugs
/// are still free: its own @p slug, else, when that came from the file
/// name (@p from_file_name), the first valid folder-qualified one that is
/// free; "" when none is (a duplicate slug). kb-index, kb-index --check
/// and kb-index new all decide it here, so they agree on who holds what.
std::string published_slug(const std::string& slug, std::string_view path, bool from_file_name,
                           const std::function<bool(const std::string&)>& is_free);

/// 64-bit FNV-1a: stable across builds and platforms, so a stored hash
/// still means the same thing after an upgrade.
std::uint64_t fnv1a64(std::string_view s, std::uint64_t seed = 14695981039346656037ULL);

std::string to_hex(std::uint64_t v);

/// True for code points of scripts written without spaces between words
/// (Han, Hiragana, Katakana) and for Hangul: the ones Xapian indexes as
/// n-grams.
bool is_cjk(unsigned code_point);

/// Rewrites every CJK run as its overlapping bigrams separated by spaces
/// ("パスワード" -> "パス スワ ワー ード"), leaving other text alone. Parsed
/// with OR, this matches articles sharing most of the run, where the plain
/// n-gram query demands every n-gram.
std::string cjk_bigrams(std::string_view text);

/// Percent-encodes a URL query component (space becomes '+').
std::string url_encode(std::string_view s);

/// One CSV field for a spreadsheet: quoted when it holds , ; " CR LF or a
/// tab; a formula start (= + - @ tab CR) at its start or right after any
/// , ; tab CR or LF in it is prefixed with ' so that no importer, however
/// it splits cells, runs it; NUL and other control characters are dropped.
std::string csv_field(const std::string& value);

/// Collapses runs of white space to one space and trims.
std::string collapse_whitespace(std::string_view s);

/// The number of Unicode characters in valid UTF-8.
std::size_t utf8_length(std::string_view s);

/// Cuts @p s to at most @p max_bytes without splitting a UTF-8 sequence.
std::string_view utf8_prefix(std::string_view s, std::size_t max_bytes);

}  // namespace kb
