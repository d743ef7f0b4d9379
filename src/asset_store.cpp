/** @file asset_store.cpp
 *  @brief Images kept in the index's metadata, in step with the articles.
 */
#include "kb/asset_store.h"

#include "kb/schema.h"

#include <sys/stat.h>

#include <ctime>
#include <fstream>
#include <iterator>
#include <vector>

namespace kb {
namespace fs = std::filesystem;

namespace {

/// "size:sec.nsec" of @p file, "" when it is not a readable regular file
/// inside @p root, or when it changed in the last two seconds (a rewrite
/// in the same clock tick could keep both: such a file is read again next
/// run, as articles are).
std::string stamp_of(const fs::path& root, const fs::path& file) {
  std::error_code ec;
  const fs::path real = fs::canonical(file, ec);
  if (ec) return "";
  const std::string inside = real.string();
  const std::string top = root.string() + "/";
  if (inside.compare(0, top.size(), top) != 0) return "";  // a link out of the articles folder
  struct stat st {};
  if (::stat(real.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return "";
  if (st.st_mtim.tv_sec + 2 >= std::time(nullptr)) return "recent";
  return std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
}

bool drop(Xapian::WritableDatabase& db, const std::string& path) {
  if (db.get_metadata(schema::kMetaAssetStat + path).empty() && db.get_metadata(schema::kMetaAsset + path).empty()) {
    return false;
  }
  db.set_metadata(schema::kMetaAsset + path, "");  // an empty value removes the key
  db.set_metadata(schema::kMetaAssetStat + path, "");
  return true;
}

}  // namespace

bool sync_assets(Xapian::WritableDatabase& db, const fs::path& articles_dir,
                 const std::function<void(const std::string&)>& on_problem) {
  bool changed = false;
  std::error_code ec;
  const fs::path root = fs::canonical(articles_dir, ec);
  if (ec) return false;
  const std::string prefix = schema::kPrefixAsset;
  std::vector<std::string> shown;
  for (auto t = db.allterms_begin(prefix); t != db.allterms_end(prefix); ++t) {
    if (t.get_termfreq() > 0) shown.push_back((*t).substr(prefix.size()));
  }
  for (const std::string& path : shown) {
    const fs::path file = root / path;
    const std::string stamp = stamp_of(root, file);
    if (stamp.empty()) {
      on_problem(path + ":1: warning: image shown by an article is missing or not a file inside the articles folder");
      changed |= drop(db, path);
      continue;
    }
    if (stamp != "recent" && db.get_metadata(schema::kMetaAssetStat + path) == stamp) continue;
    if (fs::file_size(file, ec) > kMaxAssetBytes || ec) {
      on_problem(path + ":1: warning: image is larger than " + std::to_string(kMaxAssetBytes >> 20) +
                 " MiB: not served (make it smaller)");
      changed |= drop(db, path);
      continue;
    }
    std::ifstream in(file, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) {
      on_problem(path + ":1: warning: image could not be read");
      continue;  // what is stored, if anything, stays
    }
    if (db.get_metadata(schema::kMetaAsset + path) != bytes) {
      db.set_metadata(schema::kMetaAsset + path, bytes);
      changed = true;
    }
    // A file changed just now keeps the stamp "recent": read again next run.
    if (db.get_metadata(schema::kMetaAssetStat + path) != stamp) {
      db.set_metadata(schema::kMetaAssetStat + path, stamp);
      changed = true;
    }
  }
  std::vector<std::string> unshown;
  const std::string stat_key = schema::kMetaAssetStat;
  for (auto k = db.metadata_keys_begin(stat_key); k != db.metadata_keys_end(stat_key); ++k) {
    const std::string path = (*k).substr(stat_key.size());
    if (!db.term_exists(prefix + path)) unshown.push_back(path);
  }
  for (const std::string& path : unshown) changed |= drop(db, path);
  return changed;
}

std::optional<std::string> stored_asset(const Xapian::Database& db, const std::string& path) {
  std::string bytes = db.get_metadata(schema::kMetaAsset + path);
  if (bytes.empty()) return std::nullopt;
  return bytes;
}

}  // namespace kb
