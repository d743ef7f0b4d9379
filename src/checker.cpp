/** @file checker.cpp
 *  @brief The writer's pre-publication check.
 */
#include "kb/checker.h"

#include "kb/article.h"
#include "kb/article_files.h"
#include "kb/deflection.h"
#include "kb/markdown.h"
#include "kb/text.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <ctime>
#include <map>
#include <set>

namespace kb {

namespace fs = std::filesystem;

std::string CheckProblem::text() const {
  return path + ":" + std::to_string(line) + ": " + (error ? "error: " : "warning: ") + message;
}

std::size_t CheckReport::errors() const {
  return static_cast<std::size_t>(std::count_if(problems.begin(), problems.end(), [](const auto& p) { return p.error; }));
}

std::size_t CheckReport::warnings() const { return problems.size() - errors(); }

std::string CheckReport::to_json() const {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& p : problems) {
    list.push_back({{"path", p.path}, {"line", p.line}, {"severity", p.error ? "error" : "warning"}, {"message", p.message}});
  }
  return nlohmann::json{{"articles", articles}, {"errors", errors()}, {"warnings", warnings()}, {"problems", list}}
      .dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

struct Checked {
  Article article;
  RenderedMarkdown md;
};

bool is_external(const std::string& url) {
  return url.find("://") != std::string::npos || url.rfind("mailto:", 0) == 0 || url.rfind("tel:", 0) == 0;
}

}  // namespace

CheckReport check_articles(const CheckOptions& options) {
  CheckReport report;
  auto add = [&](const std::string& path, std::size_t line, bool error, const std::string& message) {
    report.problems.push_back(CheckProblem{path, line, error, message});
  };
  auto add_line = [&](const std::string& text) {
    // "path:line: error|warning: message" from the shared file readers.
    const std::size_t a = text.find(':');
    const std::size_t b = a == std::string::npos ? a : text.find(':', a + 1);
    const std::size_t c = b == std::string::npos ? b : text.find(": ", b + 1);
    if (c == std::string::npos) {
      add(options.articles_dir.string(), 1, false, text);
      return;
    }
    const bool error = text.compare(b + 2, 5, "error") == 0;
    add(text.substr(0, a), std::stoul(text.substr(a + 1, b - a - 1)), error, text.substr(text.find(": ", b + 2) + 2));
  };
  const std::string today = options.today.empty() ? utc_date(now_ms()) : options.today;

  std::vector<Checked> checked;
  for (const auto& file : find_article_files(options.articles_dir, add_line)) {
    const std::string rel = relative_article_path(options.articles_dir, file);
    const auto text = read_article_file(file, rel, add_line);
    if (!text) continue;
    ++report.articles;
    try {
      Checked c{parse_article(rel, *text), {}};
      for (const auto& [line, message] : c.article.warnings) add(rel, line, false, message);
      RenderOptions ro;
      ro.title = c.article.title;
      ro.source_path = c.article.path;
      c.md = render_markdown(c.article.body, ro);
      for (const MarkdownWarning& w : c.md.warnings) {
        add(rel, c.article.body_line + static_cast<std::size_t>(std::max(w.line, 1)) - 1, false, w.message);
      }
      report.parsed.push_back(CheckedArticle{c.article.slug, c.article.title, c.article.path, c.article.updated});
      checked.push_back(std::move(c));
    } catch (const ArticleError& e) {
      add(e.path(), e.line(), true, e.message());
    }
  }

  // Slugs and aliases: what links may point at.
  std::map<std::string, const Checked*> by_slug;
  std::map<std::string, const Checked*> by_alias;
  std::map<std::string, const Checked*> by_path;
  for (const auto& c : checked) by_path.emplace(c.article.path, &c);
  for (const auto& c : checked) {
    // As kb-index does: a file name used twice is published under a
    // folder-qualified slug, which links may name.
    const std::string slug = published_slug(c.article.slug, c.article.path, c.article.slug_from_file_name,
                                            [&](const std::string& s) { return !by_slug.count(s); });
    if (!slug.empty()) by_slug.emplace(slug, &c);
    if (slug == c.article.slug) continue;
    const std::string& taken_by = by_slug.at(c.article.slug)->article.path;
    if (c.article.slug_from_file_name) {
      add(c.article.path, 1, false,
          "file name also used by " + taken_by + "; published under a folder-qualified slug (set 'slug:')");
    } else {
      add(c.article.path, c.article.slug_line, true, "duplicate slug '" + c.article.slug + "': already used by " + taken_by);
    }
  }
  for (const auto& c : checked) {
    for (const auto& alias : c.article.aliases) {
      const std::size_t line = c.article.alias_line(alias);
      if (alias == c.article.slug) {
        add(c.article.path, line, false, "alias '" + alias + "' is this article's own slug; ignored");
      } else if (by_slug.count(alias)) {
        add(c.article.path, line, true, "alias '" + alias + "' is the slug of " + by_slug.at(alias)->article.path);
      } else if (const auto [it, fresh] = by_alias.emplace(alias, &c); !fresh) {
        add(c.article.path, line, true, "alias '" + alias + "' is also an alias in " + it->second->article.path);
      }
    }
    if (!c.article.translation_of.empty() && !by_slug.count(c.article.translation_of)) {
      add(c.article.path, c.article.translation_of_line, true,
          "translation_of '" + c.article.translation_of + "' is not the slug of any article");
    }
  }

  for (const auto& c : checked) {
    const Article& a = c.article;
    auto body_line = [&](int line) { return a.body_line + static_cast<std::size_t>(std::max(line, 1)) - 1; };
    std::set<std::string> own_anchors;
    for (const auto& h : c.md.headings) own_anchors.insert(h.anchor);
    for (const auto& link : c.md.links) {
      const std::string& url = link.url;
      if (url.empty() || is_external(url)) continue;
      if (link.image) {
        if (url[0] == '/' || url.rfind("data:", 0) == 0) continue;
        const std::string resolved = resolve_article_path(a.path, url);
        std::error_code ec;
        if (resolved.empty()) {
          add(a.path, body_line(link.line), true, "image outside the articles folder (not published): " + url);
        } else if (!fs::exists(fs::path(options.articles_dir) / resolved, ec)) {
          add(a.path, body_line(link.line), true, "image not found: " + url);
        } else if (image_media_type(resolved).empty()) {
          add(a.path, body_line(link.line), false, "not an image type kb serves (PNG, JPEG, GIF, WebP, AVIF, SVG): " + url);
        }
        continue;
      }
      const std::size_t hash = url.find('#');
      const std::string anchor = hash == std::string::npos ? "" : url.substr(hash + 1);
      if (url[0] == '#') {
        if (!own_anchors.count(anchor)) add(a.path, body_line(link.line), true, "no heading here has the anchor '#" + anchor + "'");
        continue;
      }
      if (url.rfind("/articles/", 0) != 0) continue;  // other pages of the site
      const Checked* target = nullptr;
      if (url.rfind(kByPathPrefix, 0) == 0) {
        // A link written to another article's file.
        const std::size_t from = std::string_view(kByPathPrefix).size();
        const std::string path = percent_decoded(url.substr(from, hash == std::string::npos ? std::string::npos : hash - from));
        if (const auto p = by_path.find(path); p != by_path.end()) target = p->second;
        if (!target) {
          add(a.path, body_line(link.line), true, "broken link: no article file at " + path);
          continue;
        }
      } else {
        std::string slug = url.substr(10, hash == std::string::npos ? std::string::npos : hash - 10);
        slug = slug.substr(0, slug.find('?'));
        if (const auto s = by_slug.find(slug); s != by_slug.end()) target = s->second;
        if (const auto al = by_alias.find(slug); !target && al != by_alias.end()) target = al->second;
        if (!target) {
          add(a.path, body_line(link.line), true, "broken link: no article has the slug '" + slug + "'");
          continue;
        }
      }
      if (target->article.draft) {
        add(a.path, body_line(link.line), true, "broken link: " + target->article.path + " is a draft, which is not published");
        continue;
      }
      if (!anchor.empty()) {
        const auto& hs = target->md.headings;
        if (std::none_of(hs.begin(), hs.end(), [&](const Heading& h) { return h.anchor == anchor; })) {
          add(a.path, body_line(link.line), true, "broken link: " + target->article.path + " has no heading with the anchor '#" + anchor + "'");
        }
      }
    }
    // Empty sections: a heading with no text and nothing under it.
    for (const auto& section : c.md.sections) {
      if (section.heading_index < 0 || !section.text.empty()) continue;
      const auto i = static_cast<std::size_t>(section.heading_index);
      const bool has_children = i + 1 < c.md.headings.size() && c.md.headings[i + 1].level > c.md.headings[i].level;
      if (!has_children) {
        add(a.path, body_line(c.md.headings[i].line), false, "section '" + c.md.headings[i].text + "' is empty");
      }
    }
    if (!a.review_by.empty() && a.review_by < today) {
      add(a.path, a.review_by_line, false, "review_by " + a.review_by + " has passed");
    }
    if (options.stale_days > 0 && !a.updated.empty() && days_between(a.updated, today) > options.stale_days) {
      add(a.path, a.updated_line ? a.updated_line : 1, false,
          "updated " + a.updated + ", more than " + std::to_string(options.stale_days) + " days ago");
    }
  }
  std::stable_sort(report.problems.begin(), report.problems.end(), [](const CheckProblem& x, const CheckProblem& y) {
    return x.path != y.path ? x.path < y.path : x.line < y.line;
  });
  return report;
}

std::optional<SlugHolder> find_slug_holder(const fs::path& articles_dir, const std::string& slug) {
  std::error_code ec;
  if (!fs::is_directory(articles_dir, ec)) return std::nullopt;
  const auto ignore = [](const std::string&) {};
  // The slugs the files are published under, in kb-index's order: a
  // file name used twice gives a folder-qualified slug, held as well.
  std::set<std::string> published;
  for (const auto& file : find_article_files(articles_dir, ignore)) {
    const std::string rel = relative_article_path(articles_dir, file);
    const auto text = read_article_file(file, rel, ignore);
    if (!text) continue;
    try {
      const Article a = parse_article(rel, *text);
      const std::string own = published_slug(a.slug, rel, a.slug_from_file_name,
                                             [&](const std::string& s) { return !published.count(s); });
      if (!own.empty()) published.insert(own);
      if (a.slug == slug || own == slug) return SlugHolder{rel, a.slug_line, false};
      if (std::find(a.aliases.begin(), a.aliases.end(), slug) != a.aliases.end()) {
        return SlugHolder{rel, a.alias_line(slug), true};
      }
    } catch (const ArticleError&) {
      // --check reports it; it holds no slug meanwhile.
    }
  }
  return std::nullopt;
}

}  // namespace kb
