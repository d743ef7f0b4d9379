/** @file templates.cpp
 *  @brief Loading and rendering Mustache templates.
 */
#include "kb/templates.h"

#include "kb/text.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <mutex>
#include <sstream>
#include <vector>

namespace kb {

namespace {

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw TemplateError("cannot read " + p.string());
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

/// The names in a template's partial tags ("{{> header}}", "{{>footer}}").
std::vector<std::string> partial_names(const std::string& text) {
  std::vector<std::string> out;
  for (std::size_t pos = text.find("{{>"); pos != std::string::npos; pos = text.find("{{>", pos + 3)) {
    const std::size_t end = text.find("}}", pos + 3);
    if (end == std::string::npos) break;
    std::string name = text.substr(pos + 3, end - pos - 3);
    name.erase(0, name.find_first_not_of(" \t"));
    name.erase(name.find_last_not_of(" \t") + 1);
    out.push_back(name);
  }
  return out;
}

}  // namespace

TemplateSet::TemplateSet(const std::filesystem::path& dir) : TemplateSet(std::vector<std::filesystem::path>{dir}) {}

TemplateSet::TemplateSet(const std::vector<std::filesystem::path>& dirs) {
  // mstch's escaping is process-wide; make sure it is ours (which also
  // escapes quotes, so values are safe inside attributes).
  static std::once_flag escape_set;
  std::call_once(escape_set, [] { mstch::config::escape = [](const std::string& s) { return html_escape(s); }; });
  for (std::size_t i = 0; i < dirs.size(); ++i) {
    std::error_code ec;
    if (i > 0 && !std::filesystem::is_directory(dirs[i], ec)) continue;
    for (const auto& entry : std::filesystem::directory_iterator(dirs[i], ec)) {
      if (entry.path().extension() != ".html") continue;
      templates_[entry.path().stem().string()] = read_text(entry.path());
    }
    if (ec) throw TemplateError("cannot read templates in " + dirs[i].string() + ": " + ec.message());
  }
  if (templates_.empty()) throw TemplateError("no templates (*.html) in " + (dirs.empty() ? std::string() : dirs[0].string()));
  for (const auto& [name, text] : templates_) {
    auto& used = partials_[name];
    std::vector<std::string> pending{text};
    while (!pending.empty()) {
      const std::string body = std::move(pending.back());
      pending.pop_back();
      for (const std::string& partial : partial_names(body)) {
        const auto found = templates_.find(partial);
        if (found != templates_.end() && used.emplace(partial, found->second).second) pending.push_back(found->second);
      }
    }
  }
}

std::string TemplateSet::render(const std::string& name, const mstch::map& context) const {
  const auto it = templates_.find(name);
  if (it == templates_.end()) throw TemplateError("no template named '" + name + "'");
  return mstch::render(it->second, context, partials_.at(name));
}

mstch::map load_strings(const std::filesystem::path& file) {
  const auto json = nlohmann::json::parse(read_text(file), nullptr, false);
  if (!json.is_object()) throw TemplateError(file.string() + ": not a JSON object of strings");
  mstch::map out;
  for (const auto& [key, value] : json.items()) {
    if (!value.is_string()) throw TemplateError(file.string() + ": value of '" + key + "' is not a string");
    out.emplace(key, value.get<std::string>());
  }
  return out;
}

}  // namespace kb

namespace kb {

std::map<std::string, mstch::map> load_all_strings(const std::vector<std::filesystem::path>& dirs) {
  std::map<std::string, std::map<std::string, std::string>> by_lang;
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) continue;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      if (entry.path().extension() != ".json") continue;
      const auto json = nlohmann::json::parse(read_text(entry.path()), nullptr, false);
      if (!json.is_object()) throw TemplateError(entry.path().string() + ": not a JSON object of strings");
      auto& strings = by_lang[entry.path().stem().string()];
      for (const auto& [key, value] : json.items()) {
        if (!value.is_string()) throw TemplateError(entry.path().string() + ": value of '" + key + "' is not a string");
        strings[key] = value.get<std::string>();
      }
    }
  }
  if (!by_lang.count("en")) throw TemplateError("no en.json among the UI strings");
  std::map<std::string, mstch::map> out;
  for (const auto& [lang, strings] : by_lang) {
    mstch::map m;
    for (const auto& [key, value] : by_lang.at("en")) m[key] = value;
    for (const auto& [key, value] : strings) m[key] = value;
    out.emplace(lang, std::move(m));
  }
  return out;
}

}  // namespace kb
