/** @file article.h
 *  @brief An article as a writer wrote it: YAML front matter plus a Markdown
 *  body, parsed and validated with messages that say file and line.
 */
#pragma once

#include <cstddef>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace kb {

/// Largest article file accepted; larger files are reported and skipped.
inline constexpr std::size_t kMaxArticleBytes = 1024 * 1024;

/// A problem with one article. what() is "path:line: error: message", the
/// form editors and CI annotate.
class ArticleError : public std::runtime_error {
 public:
  ArticleError(std::string path, std::size_t line, const std::string& message);
  const std::string& path() const { return path_; }
  std::size_t line() const { return line_; }
  const std::string& message() const { return message_; }

 private:
  std::string path_;
  std::size_t line_;
  std::string message_;
};

struct Article {
  std::string path;      ///< relative to the articles directory, '/' separated
  std::string slug;      ///< front matter `slug`, else derived from the file name
  std::size_t slug_line = 1;  ///< line the slug came from (for duplicate reports)
  bool slug_from_file_name = false;  ///< no `slug:`; may be disambiguated by folder
  std::string title;
  bool title_from_heading = false;  ///< no front matter title; taken from the first '# ' heading
  std::string summary;   ///< `summary`, or `description` as real corpora name it
  std::vector<std::string> tags;
  std::string category;
  std::string lang = "en";  ///< BCP 47, lower-cased, e.g. "en", "ko", "pt-br"
  std::string updated;      ///< "YYYY-MM-DD" or empty
  std::vector<std::string> aliases;
  /// Line of each alias: its list item, or the key when the list is one
  /// comma-separated value. Messages about an alias point there.
  std::map<std::string, std::size_t> alias_lines;
  std::string translation_of;  ///< slug of the article this one translates (groups translations)
  std::size_t translation_of_line = 1;
  std::vector<std::string> promote_for;  ///< queries for which this article is pinned first
  std::string review_by;  ///< "YYYY-MM-DD": kb-index --check warns after it
  std::size_t review_by_line = 0;
  std::size_t updated_line = 0;
  /// Problems that do not stop the article: (line, message).
  std::vector<std::pair<std::size_t, std::string>> warnings;
  bool draft = false;
  std::string body;            ///< Markdown after the front matter
  std::size_t body_line = 1;   ///< line of the file where body starts
  std::string source;          ///< the whole file as read

  /// The line @p alias was written at (1 when it is not one of aliases).
  std::size_t alias_line(const std::string& alias) const {
    const auto it = alias_lines.find(alias);
    return it == alias_lines.end() ? 1 : it->second;
  }
};

/// Parses one article. @p path is only used for messages and the slug
/// fallback. Throws ArticleError for anything that makes the article
/// unpublishable: invalid UTF-8, oversize, bad YAML, missing title,
/// invalid slug/lang/date/tags.
Article parse_article(std::string_view path, std::string_view text);

/// Normalises a date written as YYYY-MM-DD, YYYY-MM-DDThh:mm..., or
/// MM/DD/YYYY (as Microsoft's docs write `ms.date`) to YYYY-MM-DD; empty
/// when it is not a real date.
std::string normalise_date(std::string_view text);

/// A new article with complete front matter and a troubleshooting skeleton
/// (Symptoms / Cause / Resolution), for `kb-index new`.
std::string article_skeleton(const std::string& title, const std::string& slug, const std::string& category,
                             const std::string& lang, const std::string& date);

/// Normalises a BCP 47 language tag ("pt_BR" -> "pt-br"); empty when invalid.
std::string normalise_lang(std::string_view text);

}  // namespace kb
