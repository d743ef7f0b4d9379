/** @file synonyms.h
 *  @brief Writer-maintained synonym groups (articles/_synonyms.yaml): each
 *  group lists words or phrases that mean the same thing to the people
 *  searching, e.g. [mfa, 2fa, two-factor, multi-factor].
 */
#pragma once

#include <cstddef>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace kb {

/// Accepting a pair needs a person: its two words belong to two different
/// groups (accepting would merge them), or the file does not parse.
class SynonymConflict : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Synonyms {
 public:
  /// A phrase as a sequence of lower-case words ("Wi-Fi" -> wi, fi).
  using Words = std::vector<std::string>;

  /// Parses the YAML file: a list of groups, each a list of strings (or a
  /// mapping `groups: [...]`). Throws std::runtime_error with
  /// "path:line: error: ..." on a malformed file.
  static Synonyms parse_yaml(std::string_view text, const std::string& path);

  /// The groups in the YAML file @p file; none when there is no such file.
  /// Throws as parse_yaml() does, or std::runtime_error when it cannot be read.
  static Synonyms load(const std::filesystem::path& file);

  /// The stored form (JSON array of arrays), as kept in the index.
  static Synonyms from_json(const std::string& json);
  std::string to_json() const;

  bool empty() const { return groups_.empty(); }
  std::size_t size() const { return groups_.size(); }
  const std::vector<std::vector<std::string>>& groups() const { return groups_; }

  /// The group @p phrase is a member of (its words compared as
  /// split_words() gives them: "Wi-Fi" is "wi fi"), or nullptr.
  const std::vector<std::string>* group_of(std::string_view phrase) const;
  /// Whether @p a and @p b are the same words or members of one group.
  bool same_group(std::string_view a, std::string_view b) const;

  /// A run of query words that is a member of some group.
  struct Match {
    std::size_t first = 0;   ///< index of the first word
    std::size_t count = 0;   ///< number of words
    std::vector<std::string> alternatives;  ///< the other members, as written in the file
  };
  /// Longest matches, left to right, over @p words.
  std::vector<Match> find(const Words& words) const;

  static Words split_words(std::string_view text);

  /// The synonym file kb-index reads in @p articles_dir: _synonyms.yaml,
  /// else _synonyms.yml, else (neither is there) _synonyms.yaml.
  static std::filesystem::path file_in(const std::filesystem::path& articles_dir);

  enum class Accepted { added, already };
  /// Adds the pair @p from = @p to to the synonym file @p file (created
  /// when missing) as one line, keeping the writer's comments and layout.
  /// Nothing is written, and Accepted::already returned, when the two are
  /// the same words or already one group. When both are members of two
  /// different groups, throws SynonymConflict (the groups would merge:
  /// "wlan = mfa" would make every Wi-Fi search an MFA search); also when
  /// the file does not parse. std::invalid_argument when either has no
  /// word at all.
  /// Safe to call at the same time from several threads and processes
  /// (kb-server's workers, `kb-index synonyms --accept`): accepts are
  /// serialised by a lock file beside @p file (".NAME.lock"), and the file
  /// is replaced whole (a new file beside it, synced, renamed over it, with
  /// the old one's mode and owner), so a reader never sees half of it and
  /// no accept overwrites another's.
  /// Throws std::runtime_error naming the file and the reason when it
  /// cannot be read or written (nothing is changed then).
  static Accepted accept_pair(const std::filesystem::path& file, const std::string& from, const std::string& to);

 private:
  std::vector<std::vector<std::string>> groups_;
  std::unordered_map<std::string, std::size_t> member_group_;  ///< joined words -> group
  std::size_t longest_ = 0;
  void index();
};

}  // namespace kb
