/** @file article_files.h
 *  @brief Finding and reading article files: shared by the indexer and the
 *  checker so both see exactly the same files.
 */
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace kb {

/// The articles directory itself is unusable.
class ArticlesDirError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One *.md file found by scan_article_files, with what stat() said of it.
struct ArticleFileStat {
  std::uint32_t path_offset = 0;  ///< of its relative path in ArticleFileList::paths
  std::uint32_t path_size = 0;
  bool stat_ok = false;  ///< false: stat() failed (a dangling link); reading it will say why
  off_t size = 0;
  struct timespec mtime {};
};

/// The result of one scan: every relative path in one buffer, so that
/// 100,000 files cost a few growing buffers, not 100,000 allocations.
struct ArticleFileList {
  std::string paths;
  std::vector<ArticleFileStat> files;
  /// Folders that could not be listed ("team/"): what they hold is unknown,
  /// not gone, so articles published from them must stay.
  std::vector<std::string> unreadable_dirs;
  std::string_view path(std::size_t i) const { return std::string_view(paths).substr(files[i].path_offset, files[i].path_size); }
};

/// Every *.md file under @p dir with its stat, in find_article_files'
/// order; paths are relative and '/' separated. One open directory and one
/// fstatat() per entry: an incremental run over 100,000 files spends its
/// time here, so the scan builds no std::filesystem objects.
ArticleFileList scan_article_files(const std::filesystem::path& dir, const std::function<void(const std::string&)>& warn);

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
