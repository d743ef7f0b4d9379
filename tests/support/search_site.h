/** @file search_site.h
 *  @brief A temporary folder whose index/ holds tests/fixtures/search,
 *  indexed by the real kb-index as an operator would build it: the site the
 *  server integration tests start kb-server on.
 */
#pragma once

#include "support/server_process.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace kb::test {

struct SearchSite {
  TempDir dir;
  SearchSite() {
    std::string out;
    REQUIRE(run_program({KB_INDEX_BIN, "--articles", std::string(KB_FIXTURES_DIR) + "/search", "--index",
                         (dir / "index").string(), "-q"},
                        out) == 0);
  }
  /// kb-server's arguments for this site (data in data/, four threads),
  /// then @p extra.
  std::vector<std::string> args(std::vector<std::string> extra = {}) const {
    std::vector<std::string> a{"--index", (dir / "index").string(), "--data", (dir / "data").string(), "--threads", "4"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
};

}  // namespace kb::test
