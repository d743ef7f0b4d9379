/** @file templates.cpp
 *  @brief Loading and rendering Mustache templates.
 */
#include "kb/templates.h"

#include "kb/text.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <mutex>
#include <sstream>

namespace kb {

namespace {

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw TemplateError("cannot read " + p.string());
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

}  // namespace

TemplateSet::TemplateSet(const std::filesystem::path& dir) {
  // mstch's escaping is process-wide; make sure it is ours (which also
  // escapes quotes, so values are safe inside attributes).
  static std::once_flag escape_set;
  std::call_once(escape_set, [] { mstch::config::escape = [](const std::string& s) { return html_escape(s); }; });
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".html") continue;
    templates_[entry.path().stem().string()] = read_text(entry.path());
  }
  if (ec) throw TemplateError("cannot read templates in " + dir.string() + ": " + ec.message());
  if (templates_.empty()) throw TemplateError("no templates (*.html) in " + dir.string());
}

std::string TemplateSet::render(const std::string& name, const mstch::map& context) const {
  const auto it = templates_.find(name);
  if (it == templates_.end()) throw TemplateError("no template named '" + name + "'");
  return mstch::render(it->second, context, templates_);
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
