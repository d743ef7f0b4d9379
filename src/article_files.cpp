/** @file article_files.cpp
 *  @brief Directory scan and bounded file reading.
 */
#include "kb/article_files.h"

#include "kb/article.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

namespace kb {

namespace fs = std::filesystem;

namespace {

bool has_md_extension(std::string_view name) {
  if (name.size() < 4) return false;
  const std::string_view ext = name.substr(name.size() - 3);
  return ext[0] == '.' && (ext[1] == 'm' || ext[1] == 'M') && (ext[2] == 'd' || ext[2] == 'D');
}

/// Closes a directory stream (and its descriptor) on every way out.
struct DirCloser {
  void operator()(DIR* d) const { ::closedir(d); }
};

class Scanner {
 public:
  Scanner(const fs::path& root, const std::function<void(const std::string&)>& warn) : root_(root), warn_(warn) {}

  ArticleFileList run() {
    const int fd = ::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOTDIR || errno == ENOENT) {
        throw ArticlesDirError("articles directory " + root_.string() + " does not exist or is not a directory");
      }
      throw ArticlesDirError("cannot read " + root_.string() + ": " + std::strerror(errno));
    }
    std::string prefix;
    walk(fd, prefix);
    return std::move(out_);
  }

 private:
  struct Entry {
    std::string name;
    bool is_dir;
  };

  /// "<rel>:1: error: ..." for a folder that cannot be listed (errno says
  /// why), which is remembered so that its articles are not taken for deleted.
  void unreadable(const std::string& rel) {
    const std::string why = std::strerror(errno);
    std::string dir = rel;
    if (!dir.empty() && dir.back() == '/') dir.pop_back();
    // The root itself (a listing that failed part way) holds every path.
    out_.unreadable_dirs.push_back(dir.empty() ? std::string() : dir + "/");
    warn_((dir.empty() ? root_.string() : dir) + ":1: error: cannot read this folder: " + why +
          " (articles published from it stay as they are)");
  }

  /// Lists the folder open on @p fd (taking it over), then visits its
  /// entries in order, descending into sub-folders as they come.
  void walk(int fd, std::string& prefix) {
    std::unique_ptr<DIR, DirCloser> dir(::fdopendir(fd));
    if (!dir) {
      const int why = errno;  // close() may change it
      ::close(fd);
      errno = why;
      unreadable(prefix);
      return;
    }
    std::vector<Entry> entries;
    for (;;) {
      errno = 0;
      const dirent* e = ::readdir(dir.get());
      if (!e) break;
      const std::string_view name = e->d_name;
      if (name.empty() || name[0] == '.') continue;  // ., .., .git, editor swap files
      bool is_dir = e->d_type == DT_DIR;
      if (e->d_type == DT_UNKNOWN) {  // some filesystems do not say: ask, without following links
        struct stat st {};
        is_dir = ::fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
      }
      if (is_dir || has_md_extension(name)) {
        entries.push_back({std::string(name), is_dir});
      } else if (e->d_type == DT_LNK || e->d_type == DT_UNKNOWN) {
        // Links to folders are not followed (a link loop, or a folder
        // outside the articles, would be walked): say so, not silently.
        struct stat target {};
        if (::fstatat(fd, e->d_name, &target, 0) == 0 && S_ISDIR(target.st_mode)) {
          warn_(prefix + std::string(name) +
                ":1: warning: a link to a folder is not followed, so its articles are not published (copy or move the folder here)");
        }
      }
    }
    if (errno != 0) unreadable(prefix);  // readdir failed part way: the listing is incomplete
    // fs::path order, folder by folder, is the order of the names: a name
    // holds no '/', so "a/x.md" before "a.md" is just "a" before "a.md".
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.name < b.name; });
    const std::size_t prefix_size = prefix.size();
    for (const Entry& e : entries) {
      prefix.resize(prefix_size);
      prefix += e.name;
      if (e.is_dir) {
        // O_NOFOLLOW: a folder replaced by a link since the listing is not
        // followed either.
        const int sub = ::openat(fd, e.name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0) {
          // A file system's own lost+found is no articles folder.
          if (e.name != "lost+found") unreadable(prefix);
          continue;
        }
        prefix += '/';
        walk(sub, prefix);
        continue;
      }
      add_file(fd, e.name, prefix);
    }
    prefix.resize(prefix_size);
  }

  void add_file(int fd, const std::string& name, const std::string& rel) {
    ArticleFileStat f;
    struct stat st {};
    if (::fstatat(fd, name.c_str(), &st, 0) == 0) {  // follows links, as reading does
      if (S_ISDIR(st.st_mode)) {  // a link to a folder named *.md
        warn_(rel + ":1: warning: a link to a folder is not followed, so its articles are not published (copy or move the folder here)");
        return;
      }
      f.stat_ok = true;
      f.size = st.st_size;
      f.mtime = st.st_mtim;
    }
    f.path_offset = static_cast<std::uint32_t>(out_.paths.size());
    f.path_size = static_cast<std::uint32_t>(rel.size());
    out_.paths += rel;
    out_.files.push_back(f);
  }

  const fs::path& root_;
  const std::function<void(const std::string&)>& warn_;
  ArticleFileList out_;
};

}  // namespace

ArticleFileList scan_article_files(const fs::path& dir, const std::function<void(const std::string&)>& warn) {
  return Scanner(dir, warn).run();
}

std::vector<fs::path> find_article_files(const fs::path& dir, const std::function<void(const std::string&)>& warn) {
  const ArticleFileList list = scan_article_files(dir, warn);
  std::vector<fs::path> files;
  files.reserve(list.files.size());
  for (std::size_t i = 0; i < list.files.size(); ++i) files.push_back(dir / std::string(list.path(i)));
  return files;
}

std::optional<std::string> read_article_file(const fs::path& p, const std::string& rel,
                                             const std::function<void(const std::string&)>& error) {
  auto fail = [&](const std::string& msg) {
    error(rel + ":1: error: " + msg);
    return std::nullopt;
  };
  std::error_code ec;
  const auto status = fs::status(p, ec);
  if (ec) return fail("cannot read: " + ec.message());
  if (!fs::is_regular_file(status)) return fail("not a regular file");
  const auto size = fs::file_size(p, ec);
  if (ec) return fail("cannot read: " + ec.message());
  if (size > kMaxArticleBytes) {
    return fail("file is " + std::to_string(size) + " bytes, over the limit of " + std::to_string(kMaxArticleBytes) + " bytes");
  }
  errno = 0;  // what open() or read() leaves here says why a read failed
  std::ifstream in(p, std::ios::binary);
  std::ostringstream buf;
  buf << in.rdbuf();
  if (!in && !in.eof()) return fail(std::string("cannot read: ") + (errno ? std::strerror(errno) : "read error"));
  return buf.str();
}

std::string relative_article_path(const fs::path& root, const fs::path& path) {
  // The scan builds every path as root / rest: cutting the prefix gives
  // the same answer as lexically_relative, which splits both paths into
  // components (a twentieth of an incremental run).
  const std::string& r = root.native();
  const std::string& p = path.native();
  const std::size_t cut = !r.empty() && r.back() == '/' ? r.size() : r.size() + 1;
  if (!r.empty() && p.size() > cut && p.compare(0, r.size(), r) == 0 && p[cut - 1] == '/' &&
      p.find("/./") == std::string::npos && p.find("/../") == std::string::npos && p[cut] != '/') {
    return p.substr(cut);
  }
  return path.lexically_relative(root).generic_string();
}

}  // namespace kb
