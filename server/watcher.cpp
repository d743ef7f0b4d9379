/** @file watcher.cpp
 *  @brief inotify loop with a short settle time.
 */
#include "watcher.h"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cstdio>
#include <stdexcept>

namespace kb::server {

namespace {
constexpr std::uint32_t kMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE;
}

ArticleWatcher::ArticleWatcher(std::filesystem::path articles, std::function<void()> reindex)
    : articles_(std::move(articles)), reindex_(std::move(reindex)) {
  fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd_ < 0 || pipe(stop_pipe_) != 0) throw std::runtime_error("--watch: cannot start inotify");
  watch_tree(articles_);
  thread_ = std::thread([this] { run(); });
}

ArticleWatcher::~ArticleWatcher() {
  if (stop_pipe_[1] >= 0) {
    const char c = 'x';
    (void)!write(stop_pipe_[1], &c, 1);
  }
  if (thread_.joinable()) thread_.join();
  for (int fd : {fd_, stop_pipe_[0], stop_pipe_[1]}) {
    if (fd >= 0) close(fd);
  }
}

void ArticleWatcher::watch_tree(const std::filesystem::path& dir) {
  inotify_add_watch(fd_, dir.c_str(), kMask);
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec); it != std::filesystem::recursive_directory_iterator();
       it.increment(ec)) {
    if (ec) break;
    if (it->is_directory(ec) && !it->is_symlink(ec)) inotify_add_watch(fd_, it->path().c_str(), kMask);
  }
}

void ArticleWatcher::run() {
  bool pending = false;
  alignas(inotify_event) char buf[16384];
  while (true) {
    pollfd fds[2] = {{fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    // Wait for changes; once some arrived, wait until 250 ms pass quietly
    // (an editor saves in several steps) and re-index once.
    const int ready = poll(fds, 2, pending ? 250 : -1);
    if (ready < 0) continue;
    if (fds[1].revents) return;
    if (ready == 0) {
      pending = false;
      try {
        reindex_();
      } catch (const std::exception& e) {
        std::fprintf(stderr, "kb-server: warning: --watch re-index failed: %s\n", e.what());
      }
      continue;
    }
    ssize_t n;
    while ((n = read(fd_, buf, sizeof buf)) > 0) {
      for (char* p = buf; p < buf + n;) {
        const auto* ev = reinterpret_cast<const inotify_event*>(p);
        if ((ev->mask & IN_ISDIR) && (ev->mask & (IN_CREATE | IN_MOVED_TO))) watch_tree(articles_);
        pending = true;
        p += sizeof(inotify_event) + ev->len;
      }
    }
  }
}

}  // namespace kb::server
