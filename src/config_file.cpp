/** @file config_file.cpp
 *  @brief The "key = value" configuration file reader.
 */
#include "kb/config_file.h"

#include <algorithm>

#include "kb/text.h"

#include <fstream>
#include <set>
#include <sstream>

namespace kb {

namespace {

bool is_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

[[noreturn]] void fail(const std::string& source, int line, const std::string& message) {
  throw ConfigError(source + ":" + std::to_string(line) + ": " + message);
}

/// The value after '=': quoted (no escapes but \" and \\), or bare up to a
/// " #" comment.
std::string parse_value(std::string_view raw, const std::string& source, int line) {
  raw = trim(raw);
  if (raw.empty() || raw.front() != '"') {
    const std::size_t comment = raw.find(" #");
    return std::string(trim(raw.substr(0, comment)));
  }
  std::string out;
  std::size_t i = 1;
  for (; i < raw.size() && raw[i] != '"'; ++i) {
    if (raw[i] == '\\' && i + 1 < raw.size() && (raw[i + 1] == '"' || raw[i + 1] == '\\')) ++i;
    out += raw[i];
  }
  if (i >= raw.size()) fail(source, line, "unterminated quoted value");
  const std::string_view rest = trim(raw.substr(i + 1));
  if (!rest.empty() && rest.front() != '#') fail(source, line, "text after the closing quote");
  return out;
}

}  // namespace

std::vector<ConfigEntry> parse_config_text(std::string_view text, const std::string& source) {
  if (const auto bad = find_invalid_utf8(text)) {
    fail(source, static_cast<int>(line_of_offset(text, *bad)), "not UTF-8");
  }
  std::vector<ConfigEntry> entries;
  std::set<std::string> seen;
  int line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    line = trim(line);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) fail(source, line_no, "expected \"key = value\"");
    const std::string key(trim(line.substr(0, eq)));
    if (key.empty()) fail(source, line_no, "missing key before '='");
    for (const char c : key) {
      if (!is_key_char(c)) fail(source, line_no, "invalid key \"" + key + "\" (use lower-case option names)");
    }
    if (!seen.insert(key).second) fail(source, line_no, "key \"" + key + "\" is given twice");
    entries.push_back({key, parse_value(line.substr(eq + 1), source, line_no), line_no, source});
  }
  return entries;
}

std::string ConfigEntry::option() const {
  std::string out = key;
  std::replace(out.begin(), out.end(), '_', '-');
  return out;
}

std::string ConfigEntry::where() const { return source + ":" + std::to_string(line) + ": "; }

ConfigError bad_config_value(const ConfigEntry& entry, std::string why) {
  const std::string prefix = "--" + entry.option() + ": ";
  if (why.rfind(prefix, 0) == 0) why.erase(0, prefix.size());
  return ConfigError(entry.where() + "bad value for \"" + entry.option() + "\": " + why);
}

std::vector<ConfigEntry> parse_config_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path.string() + ": cannot read the configuration file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config_text(text.str(), path.string());
}

}  // namespace kb
