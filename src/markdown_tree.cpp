/** @file markdown_tree.cpp
 *  @brief The parse every renderer shares: options, extensions, the title
 *  heading dropped, heading anchors, and links fixed for the web.
 */
#include "kb/markdown_tree.h"

#include "kb/text.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <mutex>
#include <set>
#include <unordered_map>

namespace kb {
namespace {

struct IterDeleter {
  void operator()(cmark_iter* i) const { cmark_iter_free(i); }
};
struct DocumentDeleter {
  void operator()(cmark_node* n) const { cmark_node_free(n); }
};
using IterPtr = std::unique_ptr<cmark_iter, IterDeleter>;

// Safe mode is cmark-gfm's default: raw HTML becomes a comment and
// javascript:/vbscript:/file:/data: URLs are dropped (a link's text is kept
// as plain text, see unwrap_unsafe_links in markdown.cpp).
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

/// Ids the article page's own elements have (web/templates: article.html,
/// header.html, footer.html; web/static/kb.js): a heading "Main" or
/// "Feedback" must not take them, or the skip link and the jump back to the
/// vote would land on the heading. Such a heading gets the next free id.
bool is_page_element_id(std::string_view id) {
  static constexpr std::string_view kTaken[] = {"main",        "q",           "feedback",         "feedback-title",
                                                "comment",     "kb-strings",  "related-title",    "still-stuck-title",
                                                "toc-title",   "kb-suggestions"};
  // Exact ids only: a rule on a prefix ("kb-suggestion-N", the open list's
  // items) would take every numbered id the loop in name_headings tries,
  // for ever.
  return std::find(std::begin(kTaken), std::end(kTaken), id) != std::end(kTaken);
}

/// Every heading under @p doc, in document order, with its anchor; their
/// nodes go to @p nodes.
std::vector<Heading> name_headings(cmark_node* doc, std::vector<cmark_node*>& nodes) {
  std::vector<Heading> out;
  std::set<std::string> used_anchors;
  std::unordered_map<std::string, int> anchor_counts;
  IterPtr iter(cmark_iter_new(doc));
  cmark_event_type ev;
  while ((ev = cmark_iter_next(iter.get())) != CMARK_EVENT_DONE) {
    cmark_node* node = cmark_iter_get_node(iter.get());
    if (ev != CMARK_EVENT_ENTER || cmark_node_get_type(node) != CMARK_NODE_HEADING) continue;
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
    out.push_back(std::move(h));
    nodes.push_back(node);
  }
  return out;
}

}  // namespace

void MarkdownTree::NodeDeleter::operator()(cmark_node* n) const { cmark_node_free(n); }
void MarkdownTree::ParserDeleter::operator()(cmark_parser* p) const { cmark_parser_free(p); }

MarkdownTree::MarkdownTree(std::string_view markdown, const RenderOptions& options) : parser_(cmark_parser_new(kOptions)) {
  attach_extensions(parser_.get());
  cmark_parser_feed(parser_.get(), markdown.data(), markdown.size());
  doc_.reset(cmark_parser_finish(parser_.get()));

  // The page prints the title as <h1>; a body that repeats it would show it twice.
  if (cmark_node* first = cmark_node_first_child(doc_.get());
      first && cmark_node_get_type(first) == CMARK_NODE_HEADING && cmark_node_get_heading_level(first) == 1 &&
      to_lower(inline_text(first)) == to_lower(collapse_whitespace(options.title))) {
    cmark_node_unlink(first);
    cmark_node_free(first);
  }
  headings_ = name_headings(doc_.get(), heading_nodes_);
}

MarkdownTree::~MarkdownTree() = default;

std::string MarkdownTree::html() const {
  char* html = cmark_render_html(doc_.get(), kOptions, cmark_parser_get_syntax_extensions(parser_.get()));
  if (!html) return {};
  std::string out(html);
  std::free(html);
  return out;
}

std::string_view node_type_name(cmark_node* node) {
  const char* s = cmark_node_get_type_string(node);
  return s ? std::string_view(s) : std::string_view();
}

std::string inline_text(cmark_node* node) {
  std::string out;
  for (const std::string& piece : text_between_inline_html(node)) out += piece;
  return collapse_whitespace(out);
}

std::string summary_text(const std::string& source) {
  // Shown escaped, so nothing in it is ever markup. Tags go first: a line
  // that starts with one would be an HTML block to cmark, all dropped.
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
  std::unique_ptr<cmark_node, DocumentDeleter> doc(cmark_parse_document(text.data(), text.size(), CMARK_OPT_DEFAULT));
  return doc ? inline_text(doc.get()) : std::string();
}

void fix_relative_md_link(cmark_node* link, std::string_view source_path) {
  // The server finds the slug a file is published under by its path, which
  // may be folder-qualified or set in its front matter.
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

void serve_relative_image(cmark_node* image, std::string_view source_path, std::vector<std::string>& images) {
  const char* url = cmark_node_get_url(image);
  if (!url || source_path.empty()) return;
  const std::string path = resolve_article_path(source_path, url);
  if (path.empty() || path.size() > kMaxLinkedPath || image_media_type(path).empty()) return;
  const std::string served = "/assets/" + path_encoded(path);
  cmark_node_set_url(image, served.c_str());
  if (std::find(images.begin(), images.end(), path) == images.end()) images.push_back(path);
}

bool is_unsafe_url(std::string_view url) {
  // cmark-gfm's own scanner (_scan_dangerous_url) is not exported.
  const std::string lower = to_lower(url.substr(0, 16));
  const auto starts = [&](std::string_view prefix) { return lower.compare(0, prefix.size(), prefix) == 0; };
  if (starts("data:image/png") || starts("data:image/gif") || starts("data:image/jpeg") || starts("data:image/webp")) {
    return false;
  }
  return starts("javascript:") || starts("vbscript:") || starts("file:") || starts("data:");
}

}  // namespace kb
