/** @file index_writer.cpp
 *  @brief The indexing pipeline: scan, hash, parse what changed, resolve
 *  slug ownership, upsert, delete the unseen, commit once.
 */
#include "kb/index_writer.h"

#include "kb/article.h"
#include "kb/article_files.h"
#include "kb/asset_store.h"
#include "kb/document_builder.h"
#include "kb/schema.h"
#include "kb/synonyms.h"
#include "kb/text.h"

#include <xapian.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <cstdio>
#include <cstdint>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <unordered_map>

namespace kb {

namespace fs = std::filesystem;

std::string IndexReport::summary_line() const {
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.2f", seconds);
  return "added " + std::to_string(added) + ", updated " + std::to_string(updated) + ", moved " +
         std::to_string(moved) + ", renamed " + std::to_string(renamed) + ", removed " +
         std::to_string(removed) + ", unchanged " + std::to_string(unchanged) + ", skipped " +
         std::to_string(skipped) + " in " + secs + " s";
}

namespace {

/// What the index holds for one article before this run: the two values
/// every run compares with the files (path and stat). Its slug and hash
/// are read from its document only when its file needs them.
struct StoredArticle {
  Xapian::docid docid = 0;
  std::uint32_t path_offset = 0, path_size = 0;
  std::uint32_t stat_offset = 0, stat_size = 0;
  bool present = false;    ///< its path was found this run
  bool unchanged = false;  ///< same stat or same bytes: its document stays as it is
  bool keep = false;       ///< its file failed this run: this version stays published
  bool released = false;   ///< its file now claims another slug: this one is free
};

/// Every stored article, its strings in one buffer: an incremental run
/// over 100,000 articles built (and freed) several maps of strings for
/// this and spent most of its time there.
class StoredArticles {
 public:
  /// Reads the path and stat value streams (sequential reads, not one
  /// document fetch per article).
  void load(const Xapian::Database& db) {
    by_docid_.assign(static_cast<std::size_t>(db.get_lastdocid()) + 1, 0);
    for (auto v = db.valuestream_begin(schema::kSlotPath); v != db.valuestream_end(schema::kSlotPath); ++v) {
      StoredArticle a;
      a.docid = v.get_docid();
      const std::string path = *v;
      a.path_offset = static_cast<std::uint32_t>(text_.size());
      a.path_size = static_cast<std::uint32_t>(path.size());
      text_ += path;
      articles_.push_back(a);
      by_docid_[a.docid] = static_cast<std::uint32_t>(articles_.size());
    }
    for (auto v = db.valuestream_begin(schema::kSlotFileStat); v != db.valuestream_end(schema::kSlotFileStat); ++v) {
      const std::uint32_t i = by_docid_[v.get_docid()];
      if (i == 0) continue;
      const std::string stat = *v;
      articles_[i - 1].stat_offset = static_cast<std::uint32_t>(text_.size());
      articles_[i - 1].stat_size = static_cast<std::uint32_t>(stat.size());
      text_ += stat;
    }
    by_path_.reserve(articles_.size());
    for (std::size_t i = 0; i < articles_.size(); ++i) by_path_.emplace(path(articles_[i]), static_cast<std::uint32_t>(i));
  }

  std::string_view path(const StoredArticle& a) const { return std::string_view(text_).substr(a.path_offset, a.path_size); }
  std::string_view file_stat(const StoredArticle& a) const {
    return std::string_view(text_).substr(a.stat_offset, a.stat_size);
  }
  StoredArticle* find_path(std::string_view path) {
    const auto it = by_path_.find(path);
    return it == by_path_.end() ? nullptr : &articles_[it->second];
  }
  /// The stored article of @p docid, if it existed before this run.
  StoredArticle* find_docid(Xapian::docid docid) {
    return docid < by_docid_.size() && by_docid_[docid] != 0 ? &articles_[by_docid_[docid] - 1] : nullptr;
  }
  std::vector<StoredArticle>& all() { return articles_; }

 private:
  std::string text_;
  std::vector<StoredArticle> articles_;
  std::vector<std::uint32_t> by_docid_;  ///< index in articles_ + 1; 0: no document
  std::unordered_map<std::string_view, std::uint32_t> by_path_;
};

/// "size:mtime" of a scanned file, or "" when it cannot be read or was
/// modified in the last two seconds (@p now): file times are coarser than
/// writes, so a file rewritten right after it was indexed could keep its
/// size and time (git calls this "racily clean"); such files are read and
/// hashed next time. Written into @p buf: no allocation per file.
std::string_view file_stat_of(const ArticleFileStat& f, std::time_t now, char (&buf)[80]) {
  if (!f.stat_ok || f.mtime.tv_sec + 2 >= now) return {};
  char* p = buf;
  char* const end = buf + sizeof buf;
  // Each number then its separator; 80 bytes hold three 64-bit numbers.
  for (const auto& [number, separator] : {std::pair<long long, char>{f.size, ':'},
                                          std::pair<long long, char>{f.mtime.tv_sec, '.'},
                                          std::pair<long long, char>{f.mtime.tv_nsec, '\0'}}) {
    const auto r = std::to_chars(p, end, number);
    if (r.ec != std::errc() || r.ptr == end) return {};
    p = r.ptr;
    if (separator != '\0') *p++ = separator;
  }
  return std::string_view(buf, static_cast<std::size_t>(p - buf));
}

/// One file found in the articles directory, after reading it.
struct Candidate {
  std::string path;  ///< relative, '/' separated
  std::string hash;
  std::string file_stat;
  fs::path file;  ///< absolute, for the builder to read again
  /// Parsed (changed files only), without its text (body and source): a
  /// large corpus would otherwise sit in memory whole until it is written.
  /// On the heap: an Article is large, and an incremental run over 100,000
  /// unchanged files spent a third of its time zeroing pages for empty ones.
  std::unique_ptr<Article> article;
  std::string slug;
  std::size_t slug_line = 1;
  StoredArticle* stored = nullptr;  ///< what the index holds for this path, if anything
  bool reread = false;  ///< unchanged, read again for an alias it waits for
};

std::string now_iso8601() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

/// Builds the Xapian documents of changed articles on a second thread, in
/// order, while the caller writes the ones before: rendering Markdown and
/// tokenising text cost about as much as Xapian's own indexing, so on two
/// cores a full build takes about half as long again instead of twice.
class DocumentBuilderThread {
 public:
  DocumentBuilderThread(const std::vector<Candidate>& candidates, std::size_t capacity)
      : candidates_(candidates), capacity_(capacity), thread_([this] { run(); }) {}
  ~DocumentBuilderThread() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }
  DocumentBuilderThread(const DocumentBuilderThread&) = delete;
  DocumentBuilderThread& operator=(const DocumentBuilderThread&) = delete;

  /// A changed candidate's document, and what its page will not show as
  /// written: (line, message), for the writing thread to report in order.
  struct Built {
    Xapian::Document doc;
    std::vector<std::pair<std::size_t, std::string>> warnings;
  };

  /// The next changed candidate's (in order); rethrows what building it threw.
  Built next() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [this] { return !ready_.empty() || failure_; });
    if (ready_.empty()) std::rethrow_exception(failure_);
    Built built = std::move(ready_.front());
    ready_.pop_front();
    changed_.notify_all();
    return built;
  }

 private:
  /// The candidate's article read and parsed again with its text, under
  /// the slug and aliases the run decided.
  static Article full_article(const Candidate& c) {
    std::string why;
    const std::optional<std::string> text = read_article_file(c.file, c.path, [&why](const std::string& line) { why = line; });
    if (!text) throw IndexFatalError(c.path + " could not be read again while indexing: " + why);
    Article a;
    try {
      a = parse_article(c.path, *text);
    } catch (const ArticleError& e) {
      throw IndexFatalError(c.path + " changed while it was being indexed: " + e.what());
    }
    a.slug = c.article->slug;
    a.aliases = c.article->aliases;
    return a;
  }

  void run() {
    try {
      for (const Candidate& c : candidates_) {
        Built built;
        built.doc = build_document(full_article(c), c.hash, &built.warnings);
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [this] { return ready_.size() < capacity_ || stopping_; });
        if (stopping_) return;
        ready_.push_back(std::move(built));
        changed_.notify_all();
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      failure_ = std::current_exception();
      changed_.notify_all();
    }
  }

  const std::vector<Candidate>& candidates_;
  const std::size_t capacity_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Built> ready_;
  std::exception_ptr failure_;
  bool stopping_ = false;
  std::thread thread_;  ///< last: starts after the members it uses exist
};

/// Documents between commits of a first build (see Run::go).
constexpr std::size_t kFreshFlushEvery = 2000;

class Run {
 public:
  explicit Run(const IndexOptions& options) : opt_(options) {}

  IndexReport go() {
    const auto start = std::chrono::steady_clock::now();
    const ArticleFileList files = scan();
    std::vector<Candidate> candidates;
    // An empty mount point (a volume for the index) cannot be replaced by
    // a rename: the first build goes into it, as one transaction.
    if (is_new_index() && !is_mount_point(opt_.index_dir)) {
      // Nobody reads an index that does not exist yet, so the first build
      // goes to a folder beside it, committed every kFreshFlushEvery
      // documents (memory stays flat however large the corpus), and is
      // renamed into place when complete: a crash leaves no index, never
      // half of one. Xapian's lock is on the folder being built, which the
      // next run would delete as left over: a lock beside it keeps a
      // second first build out meanwhile.
      const FirstBuildLock lock(building_dir(), opt_.index_dir);
      const fs::path building = building_dir();
      std::error_code ec;
      fs::remove_all(building, ec);  // left by a crashed first build
      {
        Xapian::WritableDatabase db = open_index(building);
        db_ = &db;
        candidates = read_changed(files);
        keep_unread(files);
        read_synonyms();
        resolve_owners(candidates);
        apply(db, candidates, false);
        db.close();
      }
      fs::remove(opt_.index_dir, ec);  // an empty folder may stand there
      fs::rename(building, opt_.index_dir, ec);
      if (ec) throw IndexFatalError("cannot move the new index into " + opt_.index_dir.string() + ": " + ec.message());
    } else {
      refuse_foreign_folder();
      Xapian::WritableDatabase db = open_index(opt_.index_dir);
      db_ = &db;
      stored_.load(db);
      if (files.files.empty() && files.unreadable_dirs.empty() && !stored_.all().empty() && !opt_.allow_empty) {
        throw IndexFatalError("the articles folder " + opt_.articles_dir.string() + " has no articles, but the index holds " +
                              std::to_string(stored_.all().size()) +
                              ": nothing was removed (is a folder not mounted?). Pass --allow-empty to unpublish them all");
      }
      for (const std::string& path : metadata_lines(db, schema::kMetaAliasWaiting)) waiting_.insert(path);
      for (const std::string& line : metadata_lines(db, schema::kMetaFailing)) {
        const std::size_t tab = line.find('\t');
        failing_before_.emplace(line.substr(0, tab), tab == std::string::npos ? "" : line.substr(tab + 1));
      }
      candidates = read_changed(files);
      keep_unread(files);
      reread_alias_waiting(candidates);
      read_synonyms();
      resolve_owners(candidates);
      apply(db, candidates, true);
    }
    report_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return report_;
  }

 private:
  void problem(const std::string& line) {
    if (opt_.on_problem) opt_.on_problem(line);
  }
  void error(const std::string& path, std::size_t line, const std::string& msg) {
    problem(path + ":" + std::to_string(line) + ": error: " + msg);
  }
  void warning(const std::string& path, std::size_t line, const std::string& msg) {
    ++report_.warnings;
    problem(path + ":" + std::to_string(line) + ": warning: " + msg);
  }

  ArticleFileList scan() {
    try {
      return scan_article_files(opt_.articles_dir, [this](const std::string& line) {
        if (line.find(": error: ") == std::string::npos) ++report_.warnings;
        problem(line);
      });
    } catch (const ArticlesDirError& e) {
      throw IndexFatalError(e.what());
    }
  }

  /// Held while a first build writes beside the index (Run::go).
  class FirstBuildLock {
   public:
    FirstBuildLock(const fs::path& building, const fs::path& index_dir) : fd_(open_beside(building)) {
      if (fd_ < 0) {
        throw IndexFatalError("cannot create " + building.string() + ".lock: " + std::strerror(errno));
      }
      if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd_);
        throw IndexFatalError("index " + index_dir.string() + " is locked: another kb-index is writing to it");
      }
    }
    ~FirstBuildLock() { ::close(fd_); }  // the lock goes with the descriptor
    static int open_beside(const fs::path& building) {
      std::error_code ec;
      if (building.has_parent_path()) fs::create_directories(building.parent_path(), ec);  // "var/index": var/ may be new
      return ::open((building.string() + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    }
    FirstBuildLock(const FirstBuildLock&) = delete;
    FirstBuildLock& operator=(const FirstBuildLock&) = delete;

   private:
    int fd_;
  };

  /// Whether @p dir is a file system mounted there (its device differs
  /// from its parent's).
  static bool is_mount_point(const fs::path& dir) {
    struct stat here {}, parent {};
    fs::path d = dir;
    if (!d.has_filename()) d = d.parent_path();
    const fs::path up = d.has_parent_path() ? d.parent_path() : fs::path(".");
    return ::stat(d.c_str(), &here) == 0 && ::stat(up.c_str(), &parent) == 0 && here.st_dev != parent.st_dev;
  }

  /// No index yet: the folder is missing or empty.
  bool is_new_index() const {
    std::error_code ec;
    if (!fs::exists(opt_.index_dir, ec)) return true;
    return fs::is_directory(opt_.index_dir, ec) && fs::is_empty(opt_.index_dir, ec);
  }

  /// A folder that holds files but no Xapian database (the articles
  /// folder given as --index by mistake) is not written into.
  /// Dot-files (.gitkeep) and a mount point's lost+found are no reason.
  void refuse_foreign_folder() const {
    std::error_code ec;
    for (const char* stub : {"iamglass", "iamhoney", "iamchert"}) {
      if (fs::exists(opt_.index_dir / stub, ec)) return;  // the usual case, without opening it twice
    }
    try {
      Xapian::Database probe(opt_.index_dir.string());  // any database Xapian opens, stubs too
      return;
    } catch (const Xapian::DatabaseOpeningError&) {
      // no database here: look at what is
    } catch (const Xapian::Error&) {
      return;  // a database, in trouble: opening it for writing says how
    }
    for (const auto& entry : fs::directory_iterator(opt_.index_dir, ec)) {
      const std::string name = entry.path().filename().string();
      if (name.empty() || name[0] == '.' || name == "lost+found") continue;
      throw IndexFatalError(opt_.index_dir.string() +
                            " holds files but no index: nothing was written into it (give an empty or new folder as --index)");
    }
  }

  fs::path building_dir() const {
    fs::path dir = opt_.index_dir;
    if (!dir.has_filename()) dir = dir.parent_path();  // "index/" -> "index"
    return dir.parent_path() / ("." + dir.filename().string() + ".building");
  }

  Xapian::WritableDatabase open_index(const fs::path& path) {
    std::error_code ec;
    fs::create_directories(path, ec);
    if (ec) throw IndexFatalError("cannot create index directory " + path.string() + ": " + ec.message());
    try {
      Xapian::WritableDatabase db(path.string(), Xapian::DB_CREATE_OR_OPEN);
      const std::string version = db.get_metadata(schema::kMetaSchemaVersion);
      // An index of another schema version is rebuilt document by document:
      // every stored hash is treated as stale.
      // So is one whose articles were rendered by older code (none kept: 1).
      const std::string render = db.get_metadata(schema::kMetaRenderVersion);
      rebuild_all_ = !version.empty() && (version != std::to_string(schema::kSchemaVersion) ||
                                          (render.empty() ? "1" : render) != std::to_string(schema::kRenderVersion));
      return db;
    } catch (const Xapian::DatabaseLockError&) {
      throw IndexFatalError("index " + path.string() + " is locked: another kb-index is writing to it");
    } catch (const Xapian::Error& e) {
      throw IndexFatalError("cannot open index " + path.string() + ": " + e.get_description());
    }
  }

  std::optional<std::string> read_file(const fs::path& p, const std::string& rel) {
    return read_article_file(p, rel, [this](const std::string& line) { problem(line); });
  }

  /// The non-empty lines of metadata @p key.
  static std::vector<std::string> metadata_lines(const Xapian::Database& db, const char* key) {
    const std::string text = db.get_metadata(key);
    std::vector<std::string> out;
    for (std::size_t at = 0, end; at < text.size(); at = end + 1) {
      end = std::min(text.find('\n', at), text.size());
      if (end > at) out.push_back(text.substr(at, end - at));
    }
    return out;
  }

  /// What identifies a file's bytes under this schema: a new schema makes
  /// every stored hash stale.
  static std::string content_hash(const std::string& text) {
    static const std::uint64_t salt = fnv1a64("kb-schema-" + std::to_string(schema::kSchemaVersion) + "\n");
    return to_hex(fnv1a64(text, salt));
  }

  /// The files that need indexing: new, changed, or not indexed yet.
  /// Every other file is only compared with what is stored (a lookup and a
  /// string compare): that is all an incremental run does per unchanged file.
  std::vector<Candidate> read_changed(const ArticleFileList& files) {
    std::vector<Candidate> out;
    const std::time_t now = std::time(nullptr);
    char stat_buf[80];
    for (std::size_t i = 0; i < files.files.size(); ++i) {
      if (opt_.on_progress) opt_.on_progress(i + 1, files.files.size());
      const std::string_view rel_view = files.path(i);
      const std::string_view file_stat = file_stat_of(files.files[i], now, stat_buf);
      StoredArticle* stored = stored_.find_path(rel_view);
      if (stored) stored->present = true;
      if (stored && !rebuild_all_ && !file_stat.empty() && stored_.file_stat(*stored) == file_stat) {
        // Same size and modification time as when it was indexed: unchanged
        // without reading it (what make and rsync trust too).
        stored->unchanged = true;
        ++report_.unchanged;
        continue;
      }
      const std::string rel(rel_view);
      const fs::path p = opt_.articles_dir / rel;
      const std::optional<std::string> text = read_file(p, rel);
      if (!text) {
        failed(stored, rel);
        continue;
      }
      Candidate c;
      c.path = rel;
      c.file_stat = std::string(file_stat);
      c.hash = content_hash(*text);
      // Same bytes (a touched or checked-out file): unchanged. Its new stat
      // is stored (a value, not its document), so it is trusted again next
      // time: after a `git checkout` or a copy without -a, only the next
      // run reads every file, not every run from then on.
      if (stored && !rebuild_all_ && db_->get_document(stored->docid).get_value(schema::kSlotHash) == c.hash) {
        stored->unchanged = true;
        ++report_.unchanged;
        if (!file_stat.empty()) restamp_.emplace_back(stored->docid, std::string(file_stat));
        continue;
      }
      parse_candidate(std::move(c), *text, stored, out);
    }
    return out;
  }

  /// Adds @p c, whose file holds @p text, to @p out, parsed; a draft is
  /// left out, a broken article reported.
  void parse_candidate(Candidate c, const std::string& text, StoredArticle* stored, std::vector<Candidate>& out) {
    try {
      Article a = parse_article(c.path, text);
      if (a.draft) return;  // unpublished: as if the file were not there
      for (const auto& [line, message] : a.warnings) warning(c.path, line, message);
      c.slug = a.slug;
      c.slug_line = a.slug_line;
      c.file = opt_.articles_dir / c.path;
      c.stored = stored;
      a.body = std::string();
      a.source = std::string();
      c.article = std::make_unique<Article>(std::move(a));
      out.push_back(std::move(c));
    } catch (const ArticleError& e) {
      problem(e.what());
      failed(stored, c.path);
    }
  }

  /// Articles whose declared alias was ignored last time (another article
  /// held it) are read again, though unchanged, when anything else changed
  /// this run: the alias may be free now. A fresh build has nothing here.
  void reread_alias_waiting(std::vector<Candidate>& candidates) {
    if (!db_ || waiting_.empty()) return;
    // Anything that goes or changes: a file gone, a draft, a new slug.
    bool changes = !candidates.empty();
    for (const StoredArticle& a : stored_.all()) changes = changes || (!a.unchanged && !a.keep);
    if (!changes) return;
    for (StoredArticle& a : stored_.all()) {
      if (!a.unchanged || !waiting_.count(std::string(stored_.path(a)))) continue;
      Candidate c;
      c.path = std::string(stored_.path(a));
      c.file_stat = std::string(stored_.file_stat(a));
      const std::optional<std::string> text = read_file(opt_.articles_dir / c.path, c.path);
      if (!text) continue;  // it stays as it was
      c.hash = content_hash(*text);
      c.reread = true;
      a.unchanged = false;
      --report_.unchanged;
      parse_candidate(std::move(c), *text, &a, candidates);
    }
  }

  /// The waiting list after this run: those read this run are on it only
  /// if an alias of theirs was ignored again; those gone are off it.
  std::string alias_waiting_after(const std::vector<Candidate>& candidates) {
    std::set<std::string> next;
    std::unordered_set<std::string> read;
    for (const Candidate& c : candidates) read.insert(c.path);
    if (!waiting_.empty()) {  // else a loop over every stored article for nothing
      for (const StoredArticle& a : stored_.all()) {
        const std::string path(stored_.path(a));
        if ((a.present || a.keep) && waiting_.count(path) && !read.count(path)) next.insert(path);
      }
    }
    next.insert(waiting_now_.begin(), waiting_now_.end());
    std::string out;
    for (const std::string& path : next) out += path + "\n";
    return out;
  }

  /// articles/_synonyms.yaml. A broken file is reported and the synonyms
  /// already in the index stay as they were.
  void read_synonyms() {
    for (const char* name : {"_synonyms.yaml", "_synonyms.yml"}) {
      const fs::path p = opt_.articles_dir / name;
      std::error_code ec;
      if (!fs::is_regular_file(p, ec)) continue;
      const std::optional<std::string> text = read_file(p, name);
      if (!text) {
        ++report_.skipped;
        return;
      }
      try {
        synonyms_json_ = Synonyms::parse_yaml(*text, name).to_json();
      } catch (const std::exception& e) {
        problem(e.what());
        ++report_.skipped;
      }
      return;
    }
    synonyms_json_ = "[]";  // no file: no synonyms
  }

  /// Keeps the published articles whose files could not be read this run,
  /// though their paths are gone: those in a folder the scan could not
  /// list (not seen, not deleted; the run is incomplete, skipped), and one
  /// whose file was moved (same file name, another folder) and cannot be
  /// indexed at its new place.
  ///
  /// A failing new path stands for the vanished article of its file name
  /// only from the run where it first failed (a move), and then for as
  /// long as it fails (kMetaFailing): a file broken for long does not
  /// keep an article of the same name alive once that one is deleted.
  void keep_unread(const ArticleFileList& files) {
    report_.skipped += files.unreadable_dirs.size();
    if (!files.unreadable_dirs.empty()) {
      for (StoredArticle& a : stored_.all()) {
        if (a.present) continue;
        const std::string_view path = stored_.path(a);
        for (const std::string& dir : files.unreadable_dirs) {
          if (path.substr(0, dir.size()) == dir) a.keep = true;
        }
      }
    }
    if (failed_new_.empty()) return;
    std::unordered_map<std::string, StoredArticle*> vanished_by_name;
    for (StoredArticle& a : stored_.all()) {
      if (!a.present && !a.keep) vanished_by_name.emplace(file_name(stored_.path(a)), &a);
    }
    for (const std::string& path : failed_new_) {
      StoredArticle* stands_for = nullptr;
      const auto before = failing_before_.find(path);
      if (before != failing_before_.end()) {
        stands_for = before->second.empty() ? nullptr : stored_by_slug(before->second);
        if (stands_for && stands_for->present) stands_for = nullptr;
      } else if (const auto same = vanished_by_name.find(std::string(file_name(path))); same != vanished_by_name.end()) {
        stands_for = same->second;
      }
      if (stands_for) stands_for->keep = true;
      failing_after_ += path + "\t" +
                        (stands_for ? db_->get_document(stands_for->docid).get_value(schema::kSlotSlug) : "") + "\n";
    }
  }

  static std::string_view file_name(std::string_view path) {
    const std::size_t slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
  }

  /// A file that could not be indexed this run: if it was indexed before,
  /// that version stays published; if it is new, it may be one moved.
  void failed(StoredArticle* stored, const std::string& path) {
    ++report_.skipped;
    if (stored) stored->keep = true;
    else failed_new_.push_back(path);
  }

  /// A file refused this run: counted as skipped, and the version of it
  /// published before, if any, stays published with its slug.
  void drop_keeping_published(Candidate& c, std::vector<bool>::reference dropped) {
    ++report_.skipped;
    dropped = true;
    if (c.stored) {
      c.stored->keep = true;
      c.stored->released = false;
    }
  }

  /// Whether @p c is the published article @p stored, moved: its old path
  /// is gone (not merely unreadable) and it has the same bytes or, with
  /// @p by_name, the same file name.
  bool moved_here(const StoredArticle& stored, const Candidate& c, bool by_name) const {
    if (stored.present || stored.keep) return false;
    if (db_->get_document(stored.docid).get_value(schema::kSlotHash) == c.hash) return true;
    return by_name && file_name(stored_.path(stored)) == file_name(c.path);
  }

  /// The article that published @p slug before this run, if any: Xapian's
  /// own term index answers, so no map of every slug is built.
  StoredArticle* stored_by_slug(const std::string& slug) {
    if (stored_.all().empty()) return nullptr;  // a first build: nothing to look up
    const std::string term = std::string(schema::kPrefixId) + slug;
    const auto it = db_->postlist_begin(term);
    return it == db_->postlist_end(term) ? nullptr : stored_.find_docid(*it);
  }

  /// Decides which file owns each slug. The file that owned it in the
  /// index keeps it (a newcomer cannot unseat a published article), else
  /// the first path in sorted order. A slug taken from a file name that is
  /// already owned is made unique with the names of the folders above it
  /// ("security/overview.md" -> "security-overview"), because real
  /// knowledge bases reuse file names such as overview.md per folder. A
  /// slug whose file now sets another one is free (two articles can swap
  /// explicit slugs in one run; before, both were refused and unpublished).
  ///
  /// Only the files read this run are candidates: an unchanged file keeps
  /// its slug, and its stored article (present, path differs from any
  /// candidate's) makes that slug taken without being listed here.
  void resolve_owners(std::vector<Candidate>& candidates) {
    std::unordered_map<std::string, std::size_t> owner;
    std::vector<bool> incumbent(candidates.size(), false);
    // A file that now claims another slug releases the one it had. A slug
    // from the file name may still end up as the folder-qualified slug the
    // file holds ("security-overview"): that one is not released.
    for (const Candidate& c : candidates) {
      if (!c.stored) continue;
      const std::string held = db_->get_document(c.stored->docid).get_value(schema::kSlotSlug);
      const std::vector<std::string> claims =
          c.article->slug_from_file_name ? folder_qualified_slugs(c.slug, c.path) : std::vector<std::string>{};
      if (held != c.slug && std::find(claims.begin(), claims.end(), held) == claims.end()) c.stored->released = true;
    }
    // The owner keeps its slug, also when it was moved in this run: first
    // the file at its path, then one with its bytes, then one with its name.
    for (int pass = 0; pass < 3; ++pass) {
      for (std::size_t i = 0; i < candidates.size(); ++i) {
        const StoredArticle* stored = stored_by_slug(candidates[i].slug);
        if (!stored || owner.count(candidates[i].slug)) continue;
        const bool same = pass == 0 ? stored_.path(*stored) == candidates[i].path
                                    : moved_here(*stored, candidates[i], pass == 2);
        if (same) {
          owner.emplace(candidates[i].slug, i);
          incumbent[i] = true;
        }
      }
    }
    auto is_free = [&](const std::string& slug, const std::string& path) {
      if (owner.count(slug)) return false;
      const StoredArticle* stored = stored_by_slug(slug);
      if (!stored) return true;
      if (stored->keep) return false;
      return stored_.path(*stored) == path || !stored->present || stored->released;
    };
    std::vector<bool> drop(candidates.size(), false);
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      if (incumbent[i]) continue;
      Candidate& c = candidates[i];
      const std::string slug = published_slug(c.slug, c.path, c.article && c.article->slug_from_file_name,
                                              [&](const std::string& s) { return is_free(s, c.path); });
      if (slug == c.slug) {
        owner.emplace(c.slug, i);
        continue;
      }
      const std::string taken_by =
          owner.count(c.slug) ? candidates[owner.at(c.slug)].path : std::string(stored_.path(*stored_by_slug(c.slug)));
      if (!slug.empty()) {
        warning(c.path, 1, "slug '" + c.slug + "' is taken by " + taken_by + "; published as '" + slug +
                               "' (set 'slug:' to choose another)");
        c.slug = slug;
        c.article->slug = slug;
        owner.emplace(slug, i);
        continue;
      }
      error(c.path, c.slug_line, "duplicate slug '" + c.slug + "': already used by " + taken_by);
      drop_keeping_published(c, drop[i]);
    }
    // A dropped file's published version stays, and with it its slug: a
    // file given that slug above has to wait for it (and so on).
    for (bool changed = true; changed;) {
      changed = false;
      for (std::size_t i = 0; i < candidates.size(); ++i) {
        if (!drop[i] || !candidates[i].stored) continue;
        const std::string held = db_->get_document(candidates[i].stored->docid).get_value(schema::kSlotSlug);
        const auto taker = owner.find(held);
        if (taker == owner.end() || taker->second == i || drop[taker->second]) continue;
        Candidate& c = candidates[taker->second];
        error(c.path, c.slug_line, "duplicate slug '" + c.slug + "': already used by " + candidates[i].path +
                                       " (its new version was not indexed, so the published one stays)");
        drop_keeping_published(c, drop[taker->second]);
        changed = true;
      }
    }
    std::vector<Candidate> kept;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      if (!drop[i]) kept.push_back(std::move(candidates[i]));
    }
    candidates.swap(kept);

    // Aliases must not shadow a real slug or another article's alias:
    // this run's, or that of an article not read this run, which keeps it.
    std::map<std::string, std::string> alias_owner;
    std::unordered_set<const StoredArticle*> rewritten;
    for (const Candidate& c : candidates) rewritten.insert(c.stored);
    // What stays as it is after this run: not read (unchanged) or kept.
    const auto stays = [&](const StoredArticle* a) { return a && (a->unchanged || a->keep) && !rewritten.count(a); };
    for (auto& c : candidates) {
      if (!c.article) continue;
      auto& aliases = c.article->aliases;
      for (auto a = aliases.begin(); a != aliases.end();) {
        const std::size_t line = c.article->alias_line(*a);
        if (*a == c.slug) {
          if (!c.reread) warning(c.path, line, "alias '" + *a + "' is this article's own slug; ignored");
          a = aliases.erase(a);
        } else if (owner.count(*a) || stays(stored_by_slug(*a))) {
          if (!c.reread) warning(c.path, line, "alias '" + *a + "' is the slug of another article; ignored");
          waiting_now_.insert(c.path);
          a = aliases.erase(a);
        } else if (const std::string held_by = alias_held_by(*a, stays); !held_by.empty()) {
          if (!c.reread) warning(c.path, line, "alias '" + *a + "' is also an alias in " + held_by + "; ignored");
          waiting_now_.insert(c.path);
          a = aliases.erase(a);
        } else if (const auto [it, fresh] = alias_owner.emplace(*a, c.path); !fresh) {
          if (!c.reread) warning(c.path, line, "alias '" + *a + "' is also an alias in " + it->second + "; ignored");
          waiting_now_.insert(c.path);
          a = aliases.erase(a);
        } else {
          ++a;
        }
      }
    }
    // A new slug that an article left as it is lists as an alias: the page
    // now shows this article, and that alias's redirect is gone. Say so.
    for (const Candidate& c : candidates) {
      if (!c.article || c.reread) continue;
      const std::string held_by = alias_held_by(c.slug, stays);
      if (!held_by.empty() && held_by != c.path) {
        warning(c.path, c.slug_line, "slug '" + c.slug + "' is also an alias in " + held_by + ": /articles/" + c.slug +
                                         " now shows this article instead of redirecting (remove the alias there)");
      }
    }
    // A file read again only for a waiting alias that is still held: as
    // it was, so not rewritten, and counted unchanged.
    std::vector<Candidate> still;
    for (Candidate& c : candidates) {
      if (c.reread && same_aliases(c)) {
        c.stored->unchanged = true;
        ++report_.unchanged;
        continue;
      }
      still.push_back(std::move(c));
    }
    candidates.swap(still);
  }

  /// The path of an article not rewritten this run that holds @p alias
  /// (stays() says which count), or "".
  template <class Stays>
  std::string alias_held_by(const std::string& alias, const Stays& stays) {
    if (stored_.all().empty()) return {};
    const std::string term = std::string(schema::kPrefixAlias) + alias;
    for (auto it = db_->postlist_begin(term); it != db_->postlist_end(term); ++it) {
      const StoredArticle* holder = stored_.find_docid(*it);
      if (stays(holder)) return std::string(stored_.path(*holder));
    }
    return {};
  }

  /// Whether @p c, after resolution, has the aliases its stored document has.
  bool same_aliases(const Candidate& c) const {
    std::set<std::string> stored_aliases;
    const Xapian::Document doc = db_->get_document(c.stored->docid);
    const std::string prefix = schema::kPrefixAlias;
    for (auto t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
      if ((*t).compare(0, prefix.size(), prefix) == 0) stored_aliases.insert((*t).substr(prefix.size()));
    }
    return stored_aliases == std::set<std::string>(c.article->aliases.begin(), c.article->aliases.end());
  }

  void written() {
    ++written_;
    if (opt_.on_document_written) opt_.on_document_written(written_);
  }

  static void remove_spellings(Xapian::WritableDatabase& db, const Xapian::Document& doc) {
    for (auto t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
      if (is_spelling_term(*t)) db.remove_spelling(*t);
    }
  }
  static void add_spellings(Xapian::WritableDatabase& db, const Xapian::Document& doc) {
    // Frequency = number of articles with the word, so corrections prefer
    // words many articles use.
    for (auto t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
      if (is_spelling_term(*t)) db.add_spelling(*t);
    }
  }
  /// A changed article's words: only those it gained or lost change a
  /// frequency. Taking all the old ones off and putting all the new ones
  /// back rewrote the spelling table's entry of every word in the article,
  /// and the commit then had to write and sync those blocks.
  static void update_spellings(Xapian::WritableDatabase& db, const Xapian::Document& old_doc,
                               const Xapian::Document& doc) {
    // Both term lists are sorted: one merge walk.
    auto o = old_doc.termlist_begin(), n = doc.termlist_begin();
    const auto o_end = old_doc.termlist_end(), n_end = doc.termlist_end();
    while (o != o_end || n != n_end) {
      if (n == n_end || (o != o_end && *o < *n)) {
        if (is_spelling_term(*o)) db.remove_spelling(*o);
        ++o;
      } else if (o == o_end || *n < *o) {
        if (is_spelling_term(*n)) db.add_spelling(*n);
        ++n;
      } else {
        ++o;
        ++n;
      }
    }
  }

  /// The published articles this run deletes, for telling a renamed one
  /// from one removed.
  struct Going {
    std::unordered_set<const StoredArticle*> articles;
    std::unordered_map<std::string, const StoredArticle*> by_slug;
    std::unordered_map<std::string, const StoredArticle*> vanished_by_hash;  ///< those whose file is gone
  };

  /// The published article that @p c, written under a slug nothing had,
  /// continues under that new slug, if any: the article of its own file
  /// (its slug changed), or one whose file is gone and that @p c names
  /// in its aliases or has the bytes of (moved, its slug changed).
  const StoredArticle* renamed_from(const Candidate& c, const Going& going) const {
    if (c.stored && going.articles.count(c.stored)) return c.stored;
    if (c.article) {
      for (const std::string& alias : c.article->aliases) {
        const auto it = going.by_slug.find(alias);
        if (it != going.by_slug.end() && !it->second->present) return it->second;
      }
    }
    const auto same_bytes = going.vanished_by_hash.find(c.hash);
    return same_bytes == going.vanished_by_hash.end() ? nullptr : same_bytes->second;
  }

  /// @p atomic: in one unflushed transaction, so that nothing is visible
  /// to readers, or survives a crash, until commit_transaction() returns.
  /// Else (a first build nobody reads yet) committed every
  /// kFreshFlushEvery documents to keep memory flat.
  void apply(Xapian::WritableDatabase& db, std::vector<Candidate>& candidates, bool atomic) {
    try {
      if (atomic) db.begin_transaction(false);
      // Looked up before anything is written: what each slug was, and the
      // articles that may go (not unchanged, not kept), with their slugs.
      std::unordered_set<std::string> seen;
      std::vector<const StoredArticle*> previous;
      previous.reserve(candidates.size());
      for (const auto& c : candidates) {
        seen.insert(c.slug);
        previous.push_back(stored_by_slug(c.slug));
      }
      std::vector<const StoredArticle*> gone;
      Going going;
      for (const StoredArticle& a : stored_.all()) {
        if (a.unchanged || a.keep) continue;
        const Xapian::Document doc = db.get_document(a.docid);
        std::string slug = doc.get_value(schema::kSlotSlug);
        if (seen.count(slug)) continue;
        gone.push_back(&a);
        going.articles.insert(&a);
        if (!a.present) going.vanished_by_hash.emplace(doc.get_value(schema::kSlotHash), &a);
        going.by_slug.emplace(std::move(slug), &a);
      }
      std::unordered_set<const StoredArticle*> renamed;
      DocumentBuilderThread builder(candidates, 64);
      for (std::size_t i = 0; i < candidates.size(); ++i) {
        Candidate& c = candidates[i];
        auto [doc, page_warnings] = builder.next();
        for (const auto& [line, message] : page_warnings) warning(c.path, line, message);
        doc.add_value(schema::kSlotFileStat, c.file_stat);
        if (previous[i]) {
          update_spellings(db, db.get_document(previous[i]->docid), doc);
          // Moved: its file left the old path for this one (same bytes
          // or same file name); not another file that took its slug.
          const bool moved = stored_.path(*previous[i]) != c.path && moved_here(*previous[i], c, true);
          ++(moved ? report_.moved : report_.updated);
        } else {
          add_spellings(db, doc);  // the old document's go with it, below
          const StoredArticle* before = renamed_from(c, going);
          if (before && renamed.insert(before).second) {
            ++report_.renamed;
          } else {
            ++report_.added;
          }
        }
        db.replace_document(std::string(schema::kPrefixId) + c.slug, doc);
        written();
        c.article.reset();  // the builder thread is past it: free the text early
        if (!atomic && written_ % kFreshFlushEvery == 0) db.commit();
      }
      for (const auto& [docid, file_stat] : restamp_) {
        // Only a value changes: Xapian rewrites the values, not the terms.
        Xapian::Document doc = db.get_document(docid);
        doc.add_value(schema::kSlotFileStat, file_stat);
        db.replace_document(docid, doc);
      }
      for (const StoredArticle* a : gone) {
        remove_spellings(db, db.get_document(a->docid));
        db.delete_document(a->docid);
        if (!renamed.count(a)) ++report_.removed;
        written();
      }
      bool metadata_changed = sync_assets(db, opt_.articles_dir, [this](const std::string& line) {
        ++report_.warnings;
        problem(line);
      });
      if (synonyms_json_ && db.get_metadata(schema::kMetaSynonyms) != *synonyms_json_) {
        db.set_metadata(schema::kMetaSynonyms, *synonyms_json_);
        metadata_changed = true;
      }
      const std::string waiting = alias_waiting_after(candidates);
      if (db.get_metadata(schema::kMetaAliasWaiting) != waiting) {
        db.set_metadata(schema::kMetaAliasWaiting, waiting);
        metadata_changed = true;
      }
      if (db.get_metadata(schema::kMetaFailing) != failing_after_) {
        db.set_metadata(schema::kMetaFailing, failing_after_);
        metadata_changed = true;
      }
      // New stats alone make a revision only when there are many (a
      // checkout): a few touched or just-written files are re-read until
      // the next commit takes their stats along, and a run over an
      // unchanged folder still leaves the revision as it is.
      if (report_.changed() || metadata_changed || restamp_.size() >= kRestampOnTheirOwn || rebuild_all_ ||
          db.get_metadata(schema::kMetaSchemaVersion).empty()) {
        db.set_metadata(schema::kMetaSchemaVersion, std::to_string(schema::kSchemaVersion));
        db.set_metadata(schema::kMetaRenderVersion, std::to_string(schema::kRenderVersion));
        db.set_metadata(schema::kMetaIndexedAt, now_iso8601());
        if (atomic) db.commit_transaction();
        else db.commit();
      } else if (atomic) {
        db.cancel_transaction();  // nothing changed: leave the revision as it is
      }
    } catch (const Xapian::Error& e) {
      throw IndexFatalError("writing index " + opt_.index_dir.string() + " failed: " + e.get_description() +
                            " (the previous revision is intact)");
    }
  }

  const IndexOptions& opt_;
  IndexReport report_;
  bool rebuild_all_ = false;
  Xapian::WritableDatabase* db_ = nullptr;  ///< the index being written, once open
  StoredArticles stored_;
  std::size_t written_ = 0;
  std::optional<std::string> synonyms_json_;  ///< unset: keep what the index has
  /// Read this run for a new stat, found with the same bytes: the stat to store.
  std::vector<std::pair<Xapian::docid, std::string>> restamp_;
  std::unordered_set<std::string> waiting_;      ///< kMetaAliasWaiting before this run
  std::unordered_set<std::string> waiting_now_;  ///< read this run, an alias ignored
  std::vector<std::string> failed_new_;  ///< new paths that failed this run (moved and broken?)
  std::unordered_map<std::string, std::string> failing_before_;  ///< kMetaFailing: path -> slug
  std::string failing_after_;                                    ///< kMetaFailing to store
  static constexpr std::size_t kRestampOnTheirOwn = 64;
};

}  // namespace

IndexReport build_index(const IndexOptions& options) { return Run(options).go(); }

}  // namespace kb
