/** @file synonyms.test.cpp
 *  @brief Synonym files: parsing, errors, merging, matching, appending.
 */
#include "kb/synonyms.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

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
  std::filesystem::permissions(file, std::filesystem::perms(0640));
  CHECK(Synonyms::accept_pair(file, "vpn drops", "vpn \"disconnects\"") == Synonyms::Accepted::added);
  const std::string text = test::read_text(file);
  CHECK(text == "# keep me\n- [a, b]\n- [\"vpn drops\", \"vpn \\\"disconnects\\\"\"]\n");
  const Synonyms s = Synonyms::parse_yaml(text, "f");
  CHECK(s.groups().back() == std::vector<std::string>{"vpn drops", "vpn \"disconnects\""});
  // Written beside it and renamed over it, with the file's own mode.
  CHECK(std::filesystem::status(file).permissions() == std::filesystem::perms(0640));
  // A new file is created.
  CHECK(Synonyms::accept_pair(dir / "new.yaml", "x", "y") == Synonyms::Accepted::added);
  CHECK(test::read_text(dir / "new.yaml") == "- [\"x\", \"y\"]\n");
}

TEST_CASE("accepting is idempotent and never joins two groups", "[synonyms]") {
  test::TempDir dir;
  const std::string original = "# groups\n- [wifi, wi-fi, wireless]\n- [mfa, 2fa]\n";
  const auto file = dir.write("_synonyms.yaml", original);
  // Already one group (members, whatever their case or punctuation), or the same words.
  CHECK(Synonyms::accept_pair(file, "WIRELESS", "wi fi") == Synonyms::Accepted::already);
  CHECK(Synonyms::accept_pair(file, "Wi-Fi", "wi fi") == Synonyms::Accepted::already);
  CHECK(Synonyms::accept_pair(file, "vpn", "VPN") == Synonyms::Accepted::already);
  CHECK(test::read_text(file) == original);
  // One word in a group: the other joins it.
  CHECK(Synonyms::accept_pair(file, "wlan", "wifi") == Synonyms::Accepted::added);
  CHECK(Synonyms::accept_pair(file, "wifi", "wlan") == Synonyms::Accepted::already);
  const std::string with_wlan = test::read_text(file);
  CHECK(with_wlan == original + "- [\"wlan\", \"wifi\"]\n");
  CHECK_THROWS_AS(Synonyms::accept_pair(file, "wlan", "2fa"), SynonymConflict);
  CHECK_THROWS_WITH(Synonyms::accept_pair(file, "wlan", "2fa"),
                    "'wlan' is in the group [wifi, wi-fi, wireless, wlan] and '2fa' in [mfa, 2fa]: accepting the pair would "
                    "merge the two groups. If they mean the same, edit " + file.string() + " by hand.");
  CHECK(test::read_text(file) == with_wlan);
  // A file that does not parse is left for its writer to fix.
  const auto broken = dir.write("broken.yaml", "- [a, b\n");
  CHECK_THROWS_AS(Synonyms::accept_pair(broken, "c", "d"), SynonymConflict);
  CHECK(test::read_text(broken) == "- [a, b\n");
  // What the file could not hold is refused before anything is written.
  for (const std::string& bad : {std::string("!!"), std::string("a\x01" "b"), std::string(101, 'x'), std::string("\xff")}) {
    CHECK_THROWS_AS(Synonyms::accept_pair(file, bad, "wifi"), std::invalid_argument);
  }
  CHECK(test::read_text(file) == with_wlan);
}

TEST_CASE("accepts at the same moment are each kept", "[synonyms]") {
  test::TempDir dir;
  const std::string original = "# groups\n- [wifi, wi-fi, wireless]\n";
  const auto file = dir.write("_synonyms.yaml", original);
  constexpr int kThreads = 16, kEach = 5;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        try {
          const std::string n = std::to_string(t) + "x" + std::to_string(i);
          if (Synonyms::accept_pair(file, "from" + n, "to" + n) != Synonyms::Accepted::added) ++failures;
        } catch (const std::exception&) {
          ++failures;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failures == 0);
  const std::string text = test::read_text(file);
  CHECK(text.rfind(original, 0) == 0);
  CHECK(Synonyms::parse_yaml(text, "f").size() == 1 + kThreads * kEach);
  // Only the file and its lock are left in the folder.
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"._synonyms.yaml.lock", "_synonyms.yaml"});
}

TEST_CASE("the synonym file is the one kb-index reads", "[synonyms]") {
  test::TempDir dir;
  CHECK(Synonyms::file_in(dir.path()) == dir / "_synonyms.yaml");
  dir.write("_synonyms.yml", "- [a, b]\n");
  CHECK(Synonyms::file_in(dir.path()) == dir / "_synonyms.yml");
  dir.write("_synonyms.yaml", "- [a, b]\n");
  CHECK(Synonyms::file_in(dir.path()) == dir / "_synonyms.yaml");
}
