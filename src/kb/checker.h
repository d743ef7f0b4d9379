/** @file checker.h
 *  @brief kb-index --check: everything a writer should fix before
 *  publishing, without touching the index.
 */
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace kb {

struct CheckProblem {
  std::string path;
  std::size_t line = 1;
  bool error = true;  ///< false: a warning
  std::string message;
  /// "path:line: error|warning: message"
  std::string text() const;
};

struct CheckOptions {
  std::filesystem::path articles_dir;
  /// Warn about articles whose `updated` is older than this many days (0: off).
  int stale_days = 0;
  /// "YYYY-MM-DD" to compare review_by and staleness with; today when empty.
  std::string today;
};

struct CheckedArticle {
  std::string slug, title, path, updated;
};

struct CheckReport {
  std::vector<CheckProblem> problems;  ///< in file, then line order
  std::vector<CheckedArticle> parsed;  ///< every article that parsed
  std::size_t articles = 0;
  std::size_t errors() const;
  std::size_t warnings() const;
  std::string to_json() const;  ///< {"articles","errors","warnings","problems":[{path,line,severity,message}]}
};

/// Checks front matter, duplicate slugs and aliases, links between articles
/// and to their anchors, images, empty sections, review dates and staleness.
CheckReport check_articles(const CheckOptions& options);

/// An article that holds a slug already, as its own or as an alias.
struct SlugHolder {
  std::string path;  ///< relative to the articles folder
  std::size_t line = 1;
  bool alias = false;
};

/// The article in @p articles_dir whose slug or alias is @p slug, drafts
/// included (they will be published): what `kb-index new` asks before it
/// writes an article that kb-index would refuse as a duplicate. Nothing
/// when none does or the folder does not exist; files that do not parse
/// hold nothing.
std::optional<SlugHolder> find_slug_holder(const std::filesystem::path& articles_dir, const std::string& slug);

}  // namespace kb
