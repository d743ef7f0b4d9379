/** @file synonyms.cpp
 *  @brief Synonym groups: parsing, storage, matching.
 */
#include "kb/synonyms.h"

#include "kb/text.h"

#include <nlohmann/json.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>
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

void Synonyms::append_group(const std::string& path, const std::vector<std::string>& members) {
  std::string existing;
  {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream buf;
    buf << in.rdbuf();
    existing = buf.str();
  }
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
  line += "]\n";
  if (!existing.empty() && existing.back() != '\n') existing += '\n';
  // Written next to the file and renamed over it: a reader never sees half.
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << existing << line;
    if (!out) throw std::runtime_error("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw std::runtime_error("cannot replace " + path);
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
