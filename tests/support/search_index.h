/** @file search_index.h
 *  @brief Builds a real index from a fixture folder into a temp directory.
 */
#pragma once

#include "kb/index_writer.h"
#include "kb/searcher.h"
#include "support/temp_dir.h"

#include <stdexcept>

namespace kb::test {

/// An index of tests/fixtures/<name>, built once per test.
class FixtureIndex {
 public:
  explicit FixtureIndex(const std::string& fixture = "search",
                        const std::filesystem::path& base = KB_FIXTURES_DIR) {
    IndexOptions opt;
    opt.articles_dir = base / fixture;
    opt.index_dir = dir_ / "index";
    const IndexReport r = build_index(opt);
    if (r.skipped != 0) throw std::runtime_error("fixture " + fixture + " has broken articles");
  }
  std::filesystem::path index() const { return dir_ / "index"; }
  const TempDir& dir() const { return dir_; }

 private:
  TempDir dir_;
};

/// The slugs of a response's hits, in order.
inline std::vector<std::string> slugs(const SearchResponse& r) {
  std::vector<std::string> out;
  for (const auto& h : r.hits) out.push_back(h.slug);
  return out;
}

}  // namespace kb::test
