/** @file markdown.cpp
 *  @brief An article body's tree (markdown_tree.h) rendered to safe HTML,
 *  with the plain text of each section for the index.
 */
#include "kb/markdown.h"

#include "kb/disclosure.h"
#include "kb/markdown_tree.h"
#include "kb/text.h"

#include <cmark-gfm.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <unordered_map>

namespace kb {
namespace {

struct IterDeleter {
  void operator()(cmark_iter* i) const { cmark_iter_free(i); }
};
using IterPtr = std::unique_ptr<cmark_iter, IterDeleter>;

bool is_block_boundary(cmark_node* node) {
  switch (cmark_node_get_type(node)) {
    case CMARK_NODE_PARAGRAPH:
    case CMARK_NODE_ITEM:
    case CMARK_NODE_CODE_BLOCK:
    case CMARK_NODE_BLOCK_QUOTE:
    case CMARK_NODE_HEADING:
      return true;
    default: {
      const std::string_view t = node_type_name(node);
      return t == "table_row" || t == "table_header";
    }
  }
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// A link whose URL safe mode would blank becomes its text: cmark-gfm
/// writes <a href="">, which still looks like a link and, clicked,
/// reloads the page.
void unwrap_unsafe_links(cmark_node* doc) {
  std::vector<cmark_node*> unsafe;
  {
    IterPtr iter(cmark_iter_new(doc));
    cmark_event_type ev;
    while ((ev = cmark_iter_next(iter.get())) != CMARK_EVENT_DONE) {
      cmark_node* node = cmark_iter_get_node(iter.get());
      if (ev != CMARK_EVENT_ENTER || cmark_node_get_type(node) != CMARK_NODE_LINK) continue;
      const char* url = cmark_node_get_url(node);
      if (url && is_unsafe_url(url)) unsafe.push_back(node);
    }
  }
  // Changed after the walk: an iterator must not see the tree change under it.
  for (cmark_node* link : unsafe) {
    while (cmark_node* child = cmark_node_first_child(link)) cmark_node_insert_before(link, child);
    cmark_node_unlink(link);
    cmark_node_free(link);
  }
}

}  // namespace

std::string percent_decoded(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_digit(s[i + 1]) >= 0 && hex_digit(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string path_encoded(std::string_view path) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  for (const char raw : path) {
    const auto c = static_cast<unsigned char>(raw);
    if ((std::isalnum(c) && c < 0x80) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      out += raw;
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xFu];
    }
  }
  return out;
}

std::string resolve_article_path(std::string_view source_path, std::string_view relative) {
  if (relative.empty() || relative[0] == '/' || relative[0] == '#' || relative[0] == '?' ||
      relative.find(':') != std::string_view::npos) {
    return "";  // absolute, an anchor, or with a scheme (https:, data:, mailto:)
  }
  relative = relative.substr(0, relative.find_first_of("?#"));
  const std::string decoded = percent_decoded(relative);
  if (decoded.find('\0') != std::string::npos || decoded.find('\\') != std::string::npos) return "";
  std::vector<std::string> parts;
  const std::size_t slash = source_path.rfind('/');
  const std::string joined = slash == std::string_view::npos ? decoded : std::string(source_path.substr(0, slash + 1)) + decoded;
  std::size_t pos = 0;
  while (pos <= joined.size()) {
    const std::size_t end = std::min(joined.find('/', pos), joined.size());
    const std::string part = joined.substr(pos, end - pos);
    if (part == "..") {
      if (parts.empty()) return "";  // above the articles folder
      parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    pos = end + 1;
  }
  std::string out;
  for (const auto& part : parts) {
    if (part[0] == '.') return "";  // hidden files and folders are not published
    out += (out.empty() ? "" : "/") + part;
  }
  return out;
}

std::string image_media_type(std::string_view path) {
  const std::size_t dot = path.rfind('.');
  if (dot == std::string_view::npos || path.find('/', dot) != std::string_view::npos) return "";
  const std::string ext = to_lower(path.substr(dot + 1));
  if (ext == "png") return "image/png";
  if (ext == "jpg" || ext == "jpeg") return "image/jpeg";
  if (ext == "gif") return "image/gif";
  if (ext == "webp") return "image/webp";
  if (ext == "avif") return "image/avif";
  if (ext == "svg") return "image/svg+xml";
  return "";
}

RenderedMarkdown render_markdown(std::string_view markdown, const RenderOptions& options) {
  RenderedMarkdown out;
  MarkdownTree tree(markdown, options);
  cmark_node* const doc = tree.root();
  out.headings = tree.headings();

  // <details> around Markdown: a fold kb writes itself (disclosure.h).
  std::unordered_map<cmark_node*, std::string> summaries;
  for (const Disclosure& d : make_disclosures(doc, out.warnings)) {
    const std::string summary = summary_text(d.summary_source);
    std::string open_tag = d.open ? "<details open>" : "<details>";
    if (!summary.empty()) open_tag += "<summary>" + html_escape(summary) + "</summary>";
    cmark_node_set_on_enter(d.block, open_tag.c_str());
    cmark_node_set_on_exit(d.block, "</details>");
    summaries.emplace(d.block, summary);
  }

  std::vector<cmark_node*> headings;
  std::vector<cmark_node*> tables;
  out.sections.push_back(Section{});

  {
    IterPtr iter(cmark_iter_new(doc));
    cmark_event_type ev;
    while ((ev = cmark_iter_next(iter.get())) != CMARK_EVENT_DONE) {
      cmark_node* node = cmark_iter_get_node(iter.get());
      const cmark_node_type type = cmark_node_get_type(node);
      if (ev == CMARK_EVENT_ENTER) {
        if (type == CMARK_NODE_HEADING) {
          // The tree named the headings in this same order.
          headings.push_back(node);
          Section s;
          s.heading_index = static_cast<int>(headings.size()) - 1;
          out.sections.push_back(std::move(s));
          // Resume after this heading: its inline content is in its Heading's text.
          cmark_iter_reset(iter.get(), node, CMARK_EVENT_EXIT);
          continue;
        }
        if (type == CMARK_NODE_LINK) fix_relative_md_link(node, options.source_path);
        if (type == CMARK_NODE_LINK || type == CMARK_NODE_IMAGE) {
          const char* url = cmark_node_get_url(node);
          out.links.push_back(LinkRef{url ? url : "", cmark_node_get_start_line(node), type == CMARK_NODE_IMAGE});
        }
        if (type == CMARK_NODE_IMAGE) serve_relative_image(node, options.source_path, out.images);
        if (node_type_name(node) == "table") tables.push_back(node);
        std::string& text = out.sections.back().text;
        if (const auto summary = summaries.find(node); summary != summaries.end() && !summary->second.empty()) {
          text += summary->second + '\n';  // searched like the text it folds
        }
        switch (type) {
          case CMARK_NODE_TEXT:
          case CMARK_NODE_CODE:
          case CMARK_NODE_CODE_BLOCK:
            if (const char* lit = cmark_node_get_literal(node)) text += lit;
            if (type == CMARK_NODE_CODE_BLOCK) text += '\n';
            break;
          case CMARK_NODE_SOFTBREAK:
          case CMARK_NODE_LINEBREAK:
            text += ' ';
            break;
          default:
            if (node_type_name(node) == "table_cell" && !text.empty() && text.back() != '\n') text += " \t ";
            break;
        }
      } else if (ev == CMARK_EVENT_EXIT && is_block_boundary(node)) {
        std::string& text = out.sections.back().text;
        if (!text.empty() && text.back() != '\n') text += '\n';
      }
    }
  }

  for (std::size_t i = 0; i < headings.size(); ++i) {
    const std::string id = html_escape(out.headings[i].anchor);
    // A pointer's shortcut to the section's address: kept out of the
    // heading's spoken name ("Link to this section Step 3 ...") and out of
    // the Tab order, where the contents list already links every section.
    const std::string link = "<a class=\"anchor\" id=\"" + id + "\" href=\"#" + id +
                             "\" aria-hidden=\"true\" tabindex=\"-1\">#</a>";
    cmark_node* anchor = cmark_node_new(CMARK_NODE_CUSTOM_INLINE);
    cmark_node_set_on_enter(anchor, link.c_str());
    cmark_node_set_on_exit(anchor, "");
    if (!cmark_node_prepend_child(headings[i], anchor)) cmark_node_free(anchor);
  }
  // Wide tables scroll inside their own box instead of widening the page.
  for (cmark_node* table : tables) {
    cmark_node* wrap = cmark_node_new(CMARK_NODE_CUSTOM_BLOCK);
    cmark_node_set_on_enter(wrap, "<div class=\"table-scroll\">");
    cmark_node_set_on_exit(wrap, "</div>");
    if (cmark_node_insert_before(table, wrap) && cmark_node_append_child(wrap, table)) continue;
    cmark_node_unlink(wrap);
    cmark_node_free(wrap);
  }

  unwrap_unsafe_links(doc);
  out.html = tree.html();

  for (auto& section : out.sections) {
    // Keep line structure (snippets read better) but drop blank runs.
    std::string cleaned;
    std::size_t pos = 0;
    while (pos < section.text.size()) {
      const std::size_t end = section.text.find('\n', pos);
      const std::string line = collapse_whitespace(
          std::string_view(section.text).substr(pos, end == std::string::npos ? std::string::npos : end - pos));
      if (!line.empty()) {
        cleaned += line;
        cleaned += '\n';
      }
      pos = end == std::string::npos ? section.text.size() : end + 1;
    }
    section.text = std::move(cleaned);
    // Headings go into the plain text too: a snippet reads better with them.
    if (section.heading_index >= 0) {
      out.plain_text += out.headings[static_cast<std::size_t>(section.heading_index)].text;
      out.plain_text += '\n';
    }
    out.plain_text += section.text;
  }
  return out;
}

}  // namespace kb
