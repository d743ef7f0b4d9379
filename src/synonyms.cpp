/** @file synonyms.cpp
 *  @brief Synonym groups: parsing, storage, matching.
 */
#include "kb/synonyms.h"

#include "kb/text.h"

#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xapian.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <mutex>
#include <optional>
#include <system_error>

namespace kb {

Synonyms::Words Synonyms::split_words(std::string_view text) {
  Words out;
  std::string current;
  const std::string lower = to_lower(text);
  for (Xapian::Utf8Iterator it(lower); it != Xapian::Utf8Iterator(); ++it) {
    if (Xapian::Unicode::is_wordchar(*it)) {
      Xapian::Unicode::append_utf8(current, *it);
    } else if (!current.empty()) {
      out.push_back(std::move(current));
      current.clear();
    }
  }
  if (!current.empty()) out.push_back(std::move(current));
  return out;
}

namespace {

std::string join(const Synonyms::Words& w, std::size_t first, std::size_t count) {
  std::string out;
  for (std::size_t i = first; i < first + count; ++i) {
    if (!out.empty()) out += ' ';
    out += w[i];
  }
  return out;
}

}  // namespace

void Synonyms::index() {
  // Groups that share a member are one group ([a, b] and [b, c] -> [a, b, c]).
  std::vector<std::size_t> parent(groups_.size());
  for (std::size_t i = 0; i < parent.size(); ++i) parent[i] = i;
  auto root = [&](std::size_t i) {
    while (parent[i] != i) i = parent[i] = parent[parent[i]];
    return i;
  };
  std::unordered_map<std::string, std::size_t> owner;
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    for (const auto& member : groups_[g]) {
      const Words w = split_words(member);
      if (w.empty()) continue;
      const auto [it, fresh] = owner.emplace(join(w, 0, w.size()), g);
      if (!fresh) parent[root(g)] = root(it->second);
    }
  }
  std::vector<std::vector<std::string>> merged;
  std::unordered_map<std::size_t, std::size_t> slot;
  std::unordered_map<std::string, bool> kept;
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    const std::size_t r = root(g);
    if (!slot.count(r)) {
      slot[r] = merged.size();
      merged.emplace_back();
    }
    for (const auto& member : groups_[g]) {
      const Words w = split_words(member);
      if (w.empty() || kept.count(join(w, 0, w.size()))) continue;
      kept[join(w, 0, w.size())] = true;
      merged[slot[r]].push_back(member);
    }
  }
  groups_.clear();
  for (auto& m : merged) {
    if (m.size() >= 2) groups_.push_back(std::move(m));
  }
  member_group_.clear();
  longest_ = 0;
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    for (const auto& member : groups_[g]) {
      const Words w = split_words(member);
      member_group_.emplace(join(w, 0, w.size()), g);
      longest_ = std::max(longest_, w.size());
    }
  }
}

namespace {

namespace fs = std::filesystem;

/// "cannot WHAT PATH: reason", for errno @p err.
[[noreturn]] void fail(const std::string& what, const fs::path& path, int err) {
  throw std::runtime_error("cannot " + what + " " + path.string() + ": " + std::generic_category().message(err));
}

/// An open file descriptor, closed when it goes.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  /// Closes now, reporting what close() says (a late write error on some
  /// file systems).
  int close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

/// An exclusive flock() on @p path (created when missing), held while it
/// lives. Advisory: it serialises those who take it (every accept), not
/// a writer's editor. Read-only is enough for flock(), so kb-index run by
/// another user can take the lock file kb-server created.
class FileLock {
 public:
  explicit FileLock(const fs::path& path) : fd_(::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0644)) {
    if (fd_.get() < 0) fail("create the lock file", path, errno);
    while (::flock(fd_.get(), LOCK_EX) != 0) {
      if (errno != EINTR) fail("lock", path, errno);
    }
  }

 private:
  Fd fd_;  // closing it releases the lock
};

/// The file's text, and its status when it exists.
struct FileText {
  std::string text;
  std::optional<struct stat> status;
};

FileText read_if_present(const fs::path& path) {
  FileText out;
  const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return out;
    fail("read", path, errno);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) fail("read", path, errno);
  out.status = st;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("read", path, errno);
    }
    out.text.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

/// Replaces @p path with @p text: written to a new file beside it, synced,
/// given @p original's mode and owner (as far as this process may), and
/// renamed over it. A crash leaves the old file or the new one, never a
/// mix; on failure nothing but the new file's remains are removed.
void replace_file(const fs::path& path, const std::string& text, const std::optional<struct stat>& original) {
  const fs::path folder = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  // A name of its own per write: two writers never share a temporary file.
  std::string temp = (folder / ("." + path.filename().string() + ".XXXXXX")).string();
  Fd fd(::mkostemp(temp.data(), O_CLOEXEC));
  if (fd.get() < 0) fail("create a new file in the folder of", path, errno);
  bool renamed = false;
  struct RemoveUnlessRenamed {
    const std::string& temp;
    const bool& renamed;
    ~RemoveUnlessRenamed() {
      if (!renamed) ::unlink(temp.c_str());
    }
  } cleanup{temp, renamed};
  for (std::size_t done = 0; done < text.size();) {
    const ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write", temp, errno);
    }
    done += static_cast<std::size_t>(n);
  }
  // mkstemp makes 0600; the writers' file keeps its mode (0644 when new).
  if (::fchmod(fd.get(), original ? original->st_mode & 07777 : 0644) != 0) fail("set the mode of", temp, errno);
  if (original && (original->st_uid != ::geteuid() || original->st_gid != ::getegid())) {
    // Only root may give a file away; a group of our own is kept at least.
    if (::fchown(fd.get(), original->st_uid, original->st_gid) != 0) (void)::fchown(fd.get(), static_cast<uid_t>(-1), original->st_gid);
  }
  if (::fsync(fd.get()) != 0) fail("write", temp, errno);
  if (fd.close() != 0) fail("write", temp, errno);
  if (::rename(temp.c_str(), path.c_str()) != 0) fail("replace", path, errno);
  renamed = true;
  // The rename itself survives a power cut once the folder is synced.
  const Fd dir(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() >= 0) (void)::fsync(dir.get());
}

/// One line of YAML: - ["a", "b"].
std::string group_line(const std::vector<std::string>& members) {
  std::string line = "- [";
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (i) line += ", ";
    line += '"';
    for (char c : members[i]) {
      if (c == '"' || c == '\\') line += '\\';
      if (c != '\n' && c != '\r') line += c;
    }
    line += '"';
  }
  return line + "]\n";
}

}  // namespace

fs::path Synonyms::file_in(const fs::path& articles_dir) {
  // In the order kb-index looks for them (index_writer.cpp, read_synonyms).
  for (const char* name : {"_synonyms.yaml", "_synonyms.yml"}) {
    std::error_code ec;
    if (fs::exists(articles_dir / name, ec)) return articles_dir / name;
  }
  return articles_dir / "_synonyms.yaml";
}

Synonyms Synonyms::load(const fs::path& file) { return parse_yaml(read_if_present(file).text, file.string()); }

const std::vector<std::string>* Synonyms::group_of(std::string_view phrase) const {
  const Words w = split_words(phrase);
  const auto it = member_group_.find(join(w, 0, w.size()));
  return it == member_group_.end() ? nullptr : &groups_[it->second];
}

bool Synonyms::same_group(std::string_view a, std::string_view b) const {
  const Words wa = split_words(a), wb = split_words(b);
  if (wa == wb) return true;
  const auto ga = member_group_.find(join(wa, 0, wa.size()));
  const auto gb = member_group_.find(join(wb, 0, wb.size()));
  return ga != member_group_.end() && gb != member_group_.end() && ga->second == gb->second;
}

Synonyms::Accepted Synonyms::accept_pair(const fs::path& file, const std::string& from, const std::string& to) {
  for (const std::string* member : {&from, &to}) {
    // What parse_yaml() keeps: a member it would drop leaves a group of one,
    // and the file would no longer load.
    const bool control = std::any_of(member->begin(), member->end(), [](char c) {
      return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    });
    if (!is_valid_utf8(*member) || control || member->size() > 100 || split_words(*member).empty()) {
      throw std::invalid_argument("a synonym is a word or phrase of at most 100 bytes of text, with a letter or a digit: '" +
                                  printable(*member) + "'");
    }
  }
  // A writer's symlinked file stays a symlink: its target is replaced.
  std::error_code ec;
  fs::path target = fs::is_symlink(file, ec) ? fs::canonical(file, ec) : file;
  if (ec) target = file;
  // Each accept reads, decides and writes under the lock: concurrent
  // accepts (worker threads, kb-index) follow one another and each sees
  // the lines the others added. flock() alone would serialise threads too
  // (each opens the lock file anew); the mutex saves them the descriptors.
  static std::mutex one_thread;
  const std::lock_guard<std::mutex> in_process(one_thread);
  const FileLock across_processes(target.parent_path() / ("." + target.filename().string() + ".lock"));
  FileText current = read_if_present(target);
  Synonyms known;
  try {
    known = parse_yaml(current.text, target.string());
  } catch (const std::runtime_error& e) {
    throw SynonymConflict(std::string(e.what()) + " (fix the file first; nothing was added)");
  }
  if (known.same_group(from, to)) return Accepted::already;
  const auto* from_group = known.group_of(from);
  const auto* to_group = known.group_of(to);
  if (from_group && to_group) {
    auto list = [](const std::vector<std::string>& members) {
      std::string out;
      for (const auto& m : members) out += (out.empty() ? "" : ", ") + m;
      return "[" + out + "]";
    };
    throw SynonymConflict("'" + from + "' is in the group " + list(*from_group) + " and '" + to + "' in " + list(*to_group) +
                          ": accepting the pair would merge the two groups. If they mean the same, edit " +
                          target.string() + " by hand.");
  }
  // One of them in a group: the new line joins the other to it (groups
  // that share a member merge when the file is read).
  if (!current.text.empty() && current.text.back() != '\n') current.text += '\n';
  const std::string text = current.text + group_line({from, to});
  parse_yaml(text, target.string());  // never write a file kb-index would refuse
  replace_file(target, text, current.status);
  return Accepted::added;
}

Synonyms Synonyms::parse_yaml(std::string_view text, const std::string& path) {
  auto fail = [&](const YAML::Mark& mark, const std::string& msg) {
    const int line = mark.line >= 0 ? mark.line + 1 : 1;
    throw std::runtime_error(path + ":" + std::to_string(line) + ": error: " + msg);
  };
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    fail(e.mark, e.msg);
  }
  Synonyms s;
  if (root.IsNull()) return s;
  if (root.IsMap() && root["groups"]) root = root["groups"];
  if (!root.IsSequence()) fail(root.Mark(), "synonyms must be a list of groups, e.g. - [wifi, wi-fi, wireless]");
  if (root.size() > 10000) fail(root.Mark(), "more than 10000 synonym groups");
  for (const auto& group : root) {
    if (!group.IsSequence()) fail(group.Mark(), "each synonym group must be a list, e.g. [mfa, 2fa, two-factor]");
    std::vector<std::string> members;
    for (const auto& m : group) {
      if (!m.IsScalar()) fail(m.Mark(), "a synonym must be a word or phrase");
      const std::string v = collapse_whitespace(m.Scalar());
      if (!v.empty() && is_valid_utf8(v) && v.size() <= 100) members.push_back(v);
    }
    if (members.size() < 2) fail(group.Mark(), "a synonym group needs at least two members");
    s.groups_.push_back(std::move(members));
  }
  s.index();
  return s;
}

Synonyms Synonyms::from_json(const std::string& json) {
  Synonyms s;
  const auto j = nlohmann::json::parse(json, nullptr, false);
  if (!j.is_array()) return s;
  for (const auto& g : j) {
    if (!g.is_array()) continue;
    std::vector<std::string> members;
    for (const auto& m : g) {
      if (m.is_string()) members.push_back(m.get<std::string>());
    }
    if (members.size() >= 2) s.groups_.push_back(std::move(members));
  }
  s.index();
  return s;
}

std::string Synonyms::to_json() const { return nlohmann::json(groups_).dump(); }

std::vector<Synonyms::Match> Synonyms::find(const Words& words) const {
  std::vector<Match> out;
  std::size_t i = 0;
  while (i < words.size()) {
    bool matched = false;
    for (std::size_t n = std::min(longest_, words.size() - i); n >= 1; --n) {
      const auto it = member_group_.find(join(words, i, n));
      if (it == member_group_.end()) continue;
      Match m;
      m.first = i;
      m.count = n;
      const std::string self = join(words, i, n);
      for (const auto& member : groups_[it->second]) {
        const Words w = split_words(member);
        if (join(w, 0, w.size()) != self) m.alternatives.push_back(member);
      }
      out.push_back(std::move(m));
      i += n;
      matched = true;
      break;
    }
    if (!matched) ++i;
  }
  return out;
}

}  // namespace kb
