/** @file markdown.cpp
 *  @brief cmark-gfm wrapped in RAII, with heading anchors and link fixing.
 */
#include "kb/markdown.h"

#include "kb/disclosure.h"
#include "kb/text.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>

#include <algorithm>
#include <cctype>
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

/// A node's inline text, split where inline HTML stands (which shows no
/// text): one piece when there is none. Line breaks are blanks.
std::vector<std::string> text_between_inline_html(cmark_node* node) {
  std::vector<std::string> pieces(1);
  IterPtr iter(cmark_iter_new(node));
  cmark_event_type ev;
  while ((ev = cmark_iter_next(iter.get())) != CMARK_EVENT_DONE) {
    if (ev != CMARK_EVENT_ENTER) continue;
    cmark_node* cur = cmark_iter_get_node(iter.get());
    switch (cmark_node_get_type(cur)) {
      case CMARK_NODE_TEXT:
      case CMARK_NODE_CODE:
        if (const char* lit = cmark_node_get_literal(cur)) pieces.back() += lit;
        break;
      case CMARK_NODE_SOFTBREAK:
      case CMARK_NODE_LINEBREAK:
        pieces.back() += ' ';
        break;
      case CMARK_NODE_HTML_INLINE:
        pieces.emplace_back();
        break;
      default:
        break;
    }
  }
  return pieces;
}

/// Plain text of a node's inline content.
std::string inline_text(cmark_node* node) {
  std::string out;
  for (const std::string& piece : text_between_inline_html(node)) out += piece;
  return collapse_whitespace(out);
}

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

/// The text GitHub makes a heading's id from. Inline HTML ("Step 2 <a
/// name="s2"></a>") shows no text, but the blank before or after it stays
/// ("Step 2 ", so GitHub's id is step-2-). Between such tags, a run of
/// blanks is one space, as in inline_text: a heading without inline HTML
/// keeps the id it always had.
std::string anchor_text(cmark_node* heading) {
  const std::vector<std::string> pieces = text_between_inline_html(heading);
  if (pieces.size() == 1) return collapse_whitespace(pieces[0]);
  std::string out;
  for (const std::string& piece : pieces) {
    const std::string words = collapse_whitespace(piece);
    const bool blank_before = !piece.empty() && is_blank(piece.front());
    const bool blank_after = !piece.empty() && is_blank(piece.back());
    if (blank_before) out += ' ';
    out += words;
    if (blank_after && !words.empty()) out += ' ';
  }
  return out;
}

/// A <summary>'s text as written (Markdown, entities, tags) as plain
/// text: shown escaped, so nothing in it is ever markup. Tags go first: a
/// line that starts with one would be an HTML block to cmark, all dropped.
std::string summary_text(const std::string& source) {
  std::string text;
  for (std::size_t i = 0; i < source.size(); ++i) {
    const bool tag = source[i] == '<' && i + 1 < source.size() &&
                     (std::isalpha(static_cast<unsigned char>(source[i + 1])) || source[i + 1] == '/');
    const std::size_t end = tag ? source.find('>', i) : std::string::npos;
    if (end == std::string::npos) {
      text += source[i];
    } else {
      i = end;
    }
  }
  NodePtr doc(cmark_parse_document(text.data(), text.size(), CMARK_OPT_DEFAULT));
  return doc ? inline_text(doc.get()) : std::string();
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
/// article page of that file instead: by its path when the article's own
/// is known (the server finds the slug it is published under, which may be
/// folder-qualified or set in its front matter), else by its file name.
void fix_relative_md_link(cmark_node* link, std::string_view source_path) {
  const char* url_c = cmark_node_get_url(link);
  if (!url_c) return;
  const std::string_view url(url_c);
  if (url.empty() || url[0] == '/' || url[0] == '#' || url.find(':') != std::string_view::npos) return;
  const std::size_t hash = url.find('#');
  std::string_view path = url.substr(0, hash);
  path = path.substr(0, path.find('?'));
  if (path.size() < 4 || path.substr(path.size() - 3) != ".md") return;
  const std::string fragment = hash == std::string_view::npos ? "" : std::string(url.substr(hash));
  if (!source_path.empty()) {
    const std::string target = resolve_article_path(source_path, url);
    if (target.empty() || target.size() > kMaxLinkedPath) return;  // outside the articles: left as written
    cmark_node_set_url(link, (kByPathPrefix + path_encoded(target) + fragment).c_str());
    return;
  }
  const std::size_t slash = path.rfind('/');
  const std::string_view stem = path.substr(slash == std::string_view::npos ? 0 : slash + 1,
                                            path.size() - 3 - (slash == std::string_view::npos ? 0 : slash + 1));
  const std::string slug = slug_from_file_stem(stem);
  if (slug.empty()) return;
  cmark_node_set_url(link, ("/articles/" + slug + fragment).c_str());
}

/// Ids the article page's own elements have (web/templates: article.html,
/// header.html, footer.html; web/static/kb.js): a heading "Main" or
/// "Feedback" must not take them, or the skip link and the jump back to the
/// vote would land on the heading. Such a heading gets the next free id.
bool is_page_element_id(std::string_view id) {
  static constexpr std::string_view kTaken[] = {"main",        "q",           "feedback",         "feedback-title",
                                                "comment",     "kb-strings",  "related-title",    "still-stuck-title",
                                                "toc-title",   "kb-suggestions"};
  // Exact ids only: a rule on a prefix ("kb-suggestion-N", the open list's
  // items) would take every numbered id the loop below tries, for ever.
  return std::find(std::begin(kTaken), std::end(kTaken), id) != std::end(kTaken);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// An image beside the article ("img/shot.png") is shown from /assets/,
/// where kb-server serves the copy kb-index stored; others stay as written.
void serve_relative_image(cmark_node* image, std::string_view source_path, std::vector<std::string>& images) {
  const char* url = cmark_node_get_url(image);
  if (!url || source_path.empty()) return;
  const std::string path = resolve_article_path(source_path, url);
  if (path.empty() || path.size() > kMaxLinkedPath || image_media_type(path).empty()) return;
  const std::string served = "/assets/" + path_encoded(path);
  cmark_node_set_url(image, served.c_str());
  if (std::find(images.begin(), images.end(), path) == images.end()) images.push_back(path);
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

  // <details> around Markdown: a fold kb writes itself (disclosure.h).
  std::unordered_map<cmark_node*, std::string> summaries;
  for (const Disclosure& d : make_disclosures(doc.get(), out.warnings)) {
    const std::string summary = summary_text(d.summary_source);
    std::string open_tag = d.open ? "<details open>" : "<details>";
    if (!summary.empty()) open_tag += "<summary>" + html_escape(summary) + "</summary>";
    cmark_node_set_on_enter(d.block, open_tag.c_str());
    cmark_node_set_on_exit(d.block, "</details>");
    summaries.emplace(d.block, summary);
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
          std::string base = heading_anchor(anchor_text(node));
          if (base.empty()) base = "section";
          // GitHub's rule: the second "Step 1" becomes step-1-1, and so on,
          // skipping ids another heading already has.
          std::string anchor = base;
          int& n = anchor_counts[base];
          while (used_anchors.count(anchor) || is_page_element_id(anchor)) anchor = base + "-" + std::to_string(++n);
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
        if (type == CMARK_NODE_LINK) fix_relative_md_link(node, options.source_path);
        if (type == CMARK_NODE_LINK || type == CMARK_NODE_IMAGE) {
          const char* url = cmark_node_get_url(node);
          out.links.push_back(LinkRef{url ? url : "", cmark_node_get_start_line(node), type == CMARK_NODE_IMAGE});
        }
        if (type == CMARK_NODE_IMAGE) serve_relative_image(node, options.source_path, out.images);
        if (type_name(node) == "table") tables.push_back(node);
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
