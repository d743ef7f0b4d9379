/** @file markdown.cpp
 *  @brief cmark-gfm wrapped in RAII, with heading anchors and link fixing.
 */
#include "kb/markdown.h"

#include "kb/text.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>

#include <memory>
#include <mutex>
#include <set>
#include <unordered_map>

namespace kb {
namespace {

struct NodeDeleter {
  void operator()(cmark_node* n) const { cmark_node_free(n); }
};
struct ParserDeleter {
  void operator()(cmark_parser* p) const { cmark_parser_free(p); }
};
struct IterDeleter {
  void operator()(cmark_iter* i) const { cmark_iter_free(i); }
};
struct CharDeleter {
  void operator()(char* s) const { std::free(s); }
};
using NodePtr = std::unique_ptr<cmark_node, NodeDeleter>;
using ParserPtr = std::unique_ptr<cmark_parser, ParserDeleter>;
using IterPtr = std::unique_ptr<cmark_iter, IterDeleter>;

// Safe mode is cmark-gfm's default: raw HTML becomes a comment and
// javascript:/vbscript:/file:/data: URLs are dropped (a link's text is kept
// as plain text, see unwrap_unsafe_links).
// No GITHUB_PRE_LANG: it writes the code language into an HTML lang attribute
// (<pre lang="bash">), which is not a human language and fails accessibility checks.
constexpr int kOptions = CMARK_OPT_DEFAULT | CMARK_OPT_FOOTNOTES;

void attach_extensions(cmark_parser* parser) {
  static std::once_flag registered;
  std::call_once(registered, [] { cmark_gfm_core_extensions_ensure_registered(); });
  for (const char* name : {"table", "strikethrough", "autolink", "tasklist", "tagfilter"}) {
    if (cmark_syntax_extension* ext = cmark_find_syntax_extension(name)) {
      cmark_parser_attach_syntax_extension(parser, ext);
    }
  }
}

std::string_view type_name(cmark_node* node) {
  const char* s = cmark_node_get_type_string(node);
  return s ? std::string_view(s) : std::string_view();
}

/// Plain text of a node's inline content.
std::string inline_text(cmark_node* node) {
  std::string out;
  IterPtr iter(cmark_iter_new(node));
  cmark_event_type ev;
  while ((ev = cmark_iter_next(iter.get())) != CMARK_EVENT_DONE) {
    if (ev != CMARK_EVENT_ENTER) continue;
    cmark_node* cur = cmark_iter_get_node(iter.get());
    switch (cmark_node_get_type(cur)) {
      case CMARK_NODE_TEXT:
      case CMARK_NODE_CODE:
        if (const char* lit = cmark_node_get_literal(cur)) out += lit;
        break;
      case CMARK_NODE_SOFTBREAK:
      case CMARK_NODE_LINEBREAK:
        out += ' ';
        break;
      default:
        break;
    }
  }
  return collapse_whitespace(out);
}

bool is_block_boundary(cmark_node* node) {
  switch (cmark_node_get_type(node)) {
    case CMARK_NODE_PARAGRAPH:
    case CMARK_NODE_ITEM:
    case CMARK_NODE_CODE_BLOCK:
    case CMARK_NODE_BLOCK_QUOTE:
    case CMARK_NODE_HEADING:
      return true;
    default: {
      const std::string_view t = type_name(node);
      return t == "table_row" || t == "table_header";
    }
  }
}

/// Links written for a file tree ("../vpn/setup.md#step-2") point at the
/// article page of that file instead.
void fix_relative_md_link(cmark_node* link) {
  const char* url_c = cmark_node_get_url(link);
  if (!url_c) return;
  const std::string_view url(url_c);
  if (url.empty() || url[0] == '/' || url[0] == '#' || url.find("://") != std::string_view::npos ||
      url.find(':') != std::string_view::npos) {
    return;
  }
  const std::size_t hash = url.find('#');
  std::string_view path = url.substr(0, hash);
  const std::size_t query = path.find('?');
  path = path.substr(0, query);
  if (path.size() < 4 || path.substr(path.size() - 3) != ".md") return;
  const std::size_t slash = path.rfind('/');
  const std::string_view stem = path.substr(slash == std::string_view::npos ? 0 : slash + 1,
                                            path.size() - 3 - (slash == std::string_view::npos ? 0 : slash + 1));
  const std::string slug = slug_from_file_stem(stem);
  if (slug.empty()) return;
  std::string fixed = "/articles/" + slug;
  if (hash != std::string_view::npos) fixed += std::string(url.substr(hash));
  cmark_node_set_url(link, fixed.c_str());
}

/// What cmark-gfm's safe mode blanks (its scanner _scan_dangerous_url, not
/// exported): javascript:, vbscript:, file: and data:, except the raster
/// image types, in any case.
bool is_unsafe_url(std::string_view url) {
  const std::string lower = to_lower(url.substr(0, 16));
  const auto starts = [&](std::string_view prefix) { return lower.compare(0, prefix.size(), prefix) == 0; };
  if (starts("data:image/png") || starts("data:image/gif") || starts("data:image/jpeg") || starts("data:image/webp")) {
    return false;
  }
  return starts("javascript:") || starts("vbscript:") || starts("file:") || starts("data:");
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

RenderedMarkdown render_markdown(std::string_view markdown, const RenderOptions& options) {
  RenderedMarkdown out;
  ParserPtr parser(cmark_parser_new(kOptions));
  attach_extensions(parser.get());
  cmark_parser_feed(parser.get(), markdown.data(), markdown.size());
  NodePtr doc(cmark_parser_finish(parser.get()));

  // The page prints the title as <h1>; a body that repeats it would show it twice.
  if (cmark_node* first = cmark_node_first_child(doc.get());
      first && cmark_node_get_type(first) == CMARK_NODE_HEADING && cmark_node_get_heading_level(first) == 1 &&
      to_lower(inline_text(first)) == to_lower(collapse_whitespace(options.title))) {
    cmark_node_unlink(first);
    cmark_node_free(first);
  }

  std::vector<cmark_node*> headings;
  std::vector<cmark_node*> tables;
  std::set<std::string> used_anchors;
  std::unordered_map<std::string, int> anchor_counts;
  out.sections.push_back(Section{});

  {
    IterPtr iter(cmark_iter_new(doc.get()));
    cmark_event_type ev;
    while ((ev = cmark_iter_next(iter.get())) != CMARK_EVENT_DONE) {
      cmark_node* node = cmark_iter_get_node(iter.get());
      const cmark_node_type type = cmark_node_get_type(node);
      if (ev == CMARK_EVENT_ENTER) {
        if (type == CMARK_NODE_HEADING) {
          Heading h;
          h.level = cmark_node_get_heading_level(node);
          h.text = inline_text(node);
          h.line = cmark_node_get_start_line(node);
          std::string base = heading_anchor(h.text);
          if (base.empty()) base = "section";
          // GitHub's rule: the second "Step 1" becomes step-1-1, and so on,
          // skipping ids another heading already has.
          std::string anchor = base;
          int& n = anchor_counts[base];
          while (used_anchors.count(anchor)) anchor = base + "-" + std::to_string(++n);
          used_anchors.insert(anchor);
          h.anchor = anchor;
          headings.push_back(node);
          out.headings.push_back(std::move(h));
          Section s;
          s.heading_index = static_cast<int>(out.headings.size()) - 1;
          out.sections.push_back(std::move(s));
          // Resume after this heading: its inline content is in h.text.
          cmark_iter_reset(iter.get(), node, CMARK_EVENT_EXIT);
          continue;
        }
        if (type == CMARK_NODE_LINK) fix_relative_md_link(node);
        if (type == CMARK_NODE_LINK || type == CMARK_NODE_IMAGE) {
          const char* url = cmark_node_get_url(node);
          out.links.push_back(LinkRef{url ? url : "", cmark_node_get_start_line(node), type == CMARK_NODE_IMAGE});
        }
        if (type_name(node) == "table") tables.push_back(node);
        std::string& text = out.sections.back().text;
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
            if (type_name(node) == "table_cell" && !text.empty() && text.back() != '\n') text += " \t ";
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

  unwrap_unsafe_links(doc.get());
  std::unique_ptr<char, CharDeleter> html(
      cmark_render_html(doc.get(), kOptions, cmark_parser_get_syntax_extensions(parser.get())));
  if (html) out.html = html.get();

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
