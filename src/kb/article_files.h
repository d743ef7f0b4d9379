/** @file article_files.h
 *  @brief Finding and reading article files: shared by the indexer and the
 *  checker so both see exactly the same files.
 */
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace kb {

/// The articles directory itself is unusable.
class ArticlesDirError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Every *.md file under @p dir, sorted; dot-files and dot-folders are
/// skipped and directory symlinks are not followed (a link loop cannot trap
/// the scan). Unreadable entries are reported through @p warn.
std::vector<std::filesystem::path> find_article_files(const std::filesystem::path& dir,
                                                      const std::function<void(const std::string&)>& warn);

/// Reads one article file. On failure reports "rel:1: error: ..." through
/// @p error (not a regular file, over the size limit, unreadable).
std::optional<std::string> read_article_file(const std::filesystem::path& path, const std::string& rel,
                                             const std::function<void(const std::string&)>& error);

/// @p path relative to @p root, '/' separated.
std::string relative_article_path(const std::filesystem::path& root, const std::filesystem::path& path);

}  // namespace kb
