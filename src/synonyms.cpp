/** @file synonyms.cpp
 *  @brief Synonym groups: parsing, storage, matching.
 */
#include "kb/synonyms.h"

#include "kb/text.h"

#include <nlohmann/json.hpp>
#include <xapian.h>
#include <yaml-cpp/yaml.h>

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
  member_group_.clear();
  longest_ = 0;
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    for (const auto& member : groups_[g]) {
      const Words w = split_words(member);
      if (w.empty()) continue;
      member_group_.emplace(join(w, 0, w.size()), g);
      longest_ = std::max(longest_, w.size());
    }
  }
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
