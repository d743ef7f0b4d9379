/** @file templates.h
 *  @brief HTML pages from Mustache templates (mstch) under web/templates/.
 *
 *  Every template file is also available as a partial by its name without
 *  ".html" ("{{> header}}"). {{x}} is HTML-escaped; only values built by
 *  kb itself from safe sources (rendered Markdown, snippets) use {{{x}}}.
 */
#pragma once

#include <mstch/mstch.hpp>

#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace kb {

class TemplateError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class TemplateSet {
 public:
  /// Loads every *.html in @p dir; throws TemplateError when the directory
  /// is missing or has no templates.
  explicit TemplateSet(const std::filesystem::path& dir);
  /// Loads @p dirs in order; a template in a later folder (a theme)
  /// replaces the one of the same name. Missing later folders are skipped.
  explicit TemplateSet(const std::vector<std::filesystem::path>& dirs);

  /// Renders template @p name ("search" for search.html). Throws
  /// TemplateError for an unknown name.
  std::string render(const std::string& name, const mstch::map& context) const;

  bool has(const std::string& name) const { return templates_.count(name) != 0; }

 private:
  std::map<std::string, std::string> templates_;
  /// Per template, the partials it uses (directly or through another
  /// partial): mstch parses every partial it is handed on every render,
  /// so handing it all of them cost more than rendering the page.
  std::map<std::string, std::map<std::string, std::string>> partials_;
};

/// UI strings for one language, loaded from web/strings/<lang>.json as a
/// flat object of key -> text; exposed to templates as {{t.key}}.
mstch::map load_strings(const std::filesystem::path& file);

/// UI strings per language from every <lang>.json in @p dirs (later
/// folders override earlier ones key by key); every language falls back to
/// English for keys it lacks. Throws TemplateError when en.json is missing.
std::map<std::string, mstch::map> load_all_strings(const std::vector<std::filesystem::path>& dirs);

}  // namespace kb
