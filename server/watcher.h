/** @file watcher.h
 *  @brief Live preview for writers (kb-server --watch): re-indexes the
 *  articles folder within a second of a saved change (inotify).
 */
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <thread>

namespace kb::server {

class ArticleWatcher {
 public:
  /// Watches @p articles (and every folder below) and calls @p reindex at
  /// most every 250 ms after changes settle. Throws on inotify failure.
  ArticleWatcher(std::filesystem::path articles, std::function<void()> reindex);
  ~ArticleWatcher();
  ArticleWatcher(const ArticleWatcher&) = delete;
  ArticleWatcher& operator=(const ArticleWatcher&) = delete;

 private:
  void run();
  void watch_tree(const std::filesystem::path& dir);

  std::filesystem::path articles_;
  std::function<void()> reindex_;
  int fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
  std::thread thread_;
};

}  // namespace kb::server
