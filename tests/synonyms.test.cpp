/** @file synonyms.test.cpp
 *  @brief Synonym files: parsing, errors, merging, matching, appending.
 */
#include "kb/synonyms.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace kb;
using Catch::Matchers::Contains;

TEST_CASE("groups are read, merged and matched longest first", "[synonyms]") {
  const Synonyms s = Synonyms::parse_yaml("# comment\n- [mfa, 2fa, two-factor]\n- [2FA, two step]\n- [wi-fi, wifi]\n", "f.yaml");
  REQUIRE(s.size() == 2);
  CHECK(s.groups()[0] == std::vector<std::string>{"mfa", "2fa", "two-factor", "two step"});
  const auto m = s.find(Synonyms::split_words("set up Two-Factor on wi-fi"));
  REQUIRE(m.size() == 2);
  CHECK(m[0].first == 2);
  CHECK(m[0].count == 2);
  CHECK(m[0].alternatives == std::vector<std::string>{"mfa", "2fa", "two step"});
  CHECK(m[1].alternatives == std::vector<std::string>{"wifi"});
  CHECK(Synonyms::from_json(s.to_json()).groups() == s.groups());
  CHECK(Synonyms::parse_yaml("groups:\n  - [a, b]\n", "f").size() == 1);
  CHECK(Synonyms::parse_yaml("", "f").empty());
}

TEST_CASE("a malformed synonym file names its line", "[synonyms]") {
  CHECK_THROWS_WITH(Synonyms::parse_yaml("- [a, b]\n- just-one\n", "articles/_synonyms.yaml"),
                    "articles/_synonyms.yaml:2: error: each synonym group must be a list, e.g. [mfa, 2fa, two-factor]");
  CHECK_THROWS_WITH(Synonyms::parse_yaml("- [lonely]\n", "s.yaml"), "s.yaml:1: error: a synonym group needs at least two members");
  CHECK_THROWS_WITH(Synonyms::parse_yaml("- [a, [b]]\n", "s.yaml"), "s.yaml:1: error: a synonym must be a word or phrase");
  CHECK_THROWS_WITH(Synonyms::parse_yaml("- [a, b\n", "s.yaml"), Contains("s.yaml:2: error:"));
}

TEST_CASE("accepting a proposal appends a line and keeps the file's comments", "[synonyms]") {
  test::TempDir dir;
  const auto file = dir.write("_synonyms.yaml", "# keep me\n- [a, b]");
  Synonyms::append_group(file.string(), {"vpn drops", "vpn \"disconnects\""});
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  CHECK(text.str() == "# keep me\n- [a, b]\n- [\"vpn drops\", \"vpn \\\"disconnects\\\"\"]\n");
  const Synonyms s = Synonyms::parse_yaml(text.str(), "f");
  CHECK(s.groups().back() == std::vector<std::string>{"vpn drops", "vpn \"disconnects\""});
}
