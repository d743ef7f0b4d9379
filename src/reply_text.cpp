/** @file reply_text.cpp
 *  @brief Plain text for ticket replies, written block by block from the
 *  article's tree, each line behind the markers of the lists and quotes
 *  it is in.
 */
#include "kb/reply_text.h"

#include "kb/disclosure.h"
#include "kb/markdown_tree.h"
#include "kb/text.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>
#include <xapian.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

namespace kb {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t end = std::min(text.find('\n', pos), text.size());
    lines.emplace_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return lines;
}

/// Columns @p text takes in a fixed-width font: East Asian wide and
/// full-width characters take two (a Korean or Japanese table lines up
/// too), combining marks none.
std::size_t display_width(std::string_view text) {
  std::size_t width = 0;
  for (Xapian::Utf8Iterator it(text.data(), text.size()); it != Xapian::Utf8Iterator(); ++it) {
    const unsigned cp = *it;
    const auto category = Xapian::Unicode::get_category(cp);
    if (category == Xapian::Unicode::NON_SPACING_MARK || category == Xapian::Unicode::ENCLOSING_MARK ||
        category == Xapian::Unicode::FORMAT) {
      continue;
    }
    const bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) || (cp >= 0x3041 && cp <= 0xA4CF) ||
                      (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
                      (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
                      (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x3FFFD);
    width += wide ? 2 : 1;
  }
  return width;
}

struct IterDeleter {
  void operator()(cmark_iter* i) const { cmark_iter_free(i); }
};
using IterPtr = std::unique_ptr<cmark_iter, IterDeleter>;

/// The words under @p node as written, without link targets: walked with
/// an iterator, so no depth of nesting can exhaust the stack.
std::string flat_text(cmark_node* node) {
  std::string out;
  IterPtr iter(cmark_iter_new(node));
  cmark_event_type ev;
  while ((ev = cmark_iter_next(iter.get())) != CMARK_EVENT_DONE) {
    cmark_node* cur = cmark_iter_get_node(iter.get());
    if (ev != CMARK_EVENT_ENTER) continue;
    switch (cmark_node_get_type(cur)) {
      case CMARK_NODE_TEXT:
      case CMARK_NODE_CODE:
        if (const char* literal = cmark_node_get_literal(cur)) out += literal;
        break;
      case CMARK_NODE_SOFTBREAK:
      case CMARK_NODE_LINEBREAK:
        out += ' ';
        break;
      default:
        break;
    }
  }
  return out;
}

/// The lines of a code block, indented: it reads as code in plain text
/// and in a help desk that renders Markdown.
std::vector<std::string> code_lines(cmark_node* code_block) {
  std::string_view code = cmark_node_get_literal(code_block) ? cmark_node_get_literal(code_block) : "";
  if (!code.empty() && code.back() == '\n') code.remove_suffix(1);
  std::vector<std::string> lines;
  for (const std::string& line : lines_of(code)) lines.push_back("    " + line);
  return lines;
}

/// The length of the "scheme:" a URL starts with, or 0.
std::size_t scheme_length(std::string_view url) {
  const std::size_t colon = url.find(':');
  if (colon == std::string_view::npos || colon == 0 || url.find_first_of("/?#") < colon) return 0;
  for (std::size_t i = 0; i < colon; ++i) {
    const auto c = static_cast<unsigned char>(url[i]);
    if (!(std::isalnum(c) || ((c == '+' || c == '-' || c == '.') && i > 0))) return 0;
  }
  return colon + 1;
}

/// @p path with "." and ".." segments resolved (RFC 3986, 5.2.4).
std::string without_dot_segments(std::string_view path) {
  std::vector<std::string_view> kept;
  std::size_t pos = 1;  // after the leading '/'
  while (pos <= path.size()) {
    const std::size_t end = std::min(path.find('/', pos), path.size());
    const std::string_view segment = path.substr(pos, end - pos);
    const bool last = end == path.size();
    if (segment == "..") {
      if (!kept.empty()) kept.pop_back();
      if (last) kept.emplace_back();
    } else if (segment == ".") {
      if (last) kept.emplace_back();
    } else {
      kept.push_back(segment);
    }
    pos = end + 1;
  }
  std::string out;
  for (const auto& segment : kept) {
    out += '/';
    out += segment;
  }
  return out.empty() ? "/" : out;
}

/// Writes one article's blocks as plain text into parts: the lead, then
/// one part per heading, so that a section is a run of parts.
class ReplyWriter {
 public:
  struct Part {
    std::string text;
    std::vector<std::string> footnotes;  ///< labels referenced, in order
  };

  ReplyWriter(const ReplyTextOptions& options, const std::unordered_map<cmark_node*, std::size_t>& heading_index,
              const std::unordered_map<cmark_node*, std::string>& summaries)
      : options_(options), heading_index_(heading_index), summaries_(summaries), parts_(heading_index.size() + 1) {}

  void blocks(cmark_node* parent) {
    for (cmark_node* child = cmark_node_first_child(parent); child; child = cmark_node_next(child)) block(child);
  }

  const std::vector<Part>& parts() const { return parts_; }
  const std::map<std::string, std::string>& footnotes() const { return footnotes_; }

 private:
  /// A list item's or quote's marker for its first line, and the indent
  /// (or marker) of the lines after it.
  struct Container {
    std::string first, rest;
    bool started = false;
  };

  void block(cmark_node* node) {
    if (depth_ >= kMaxNesting) {
      flat_blocks(node);
      return;
    }
    const Nested nested(depth_);
    switch (cmark_node_get_type(node)) {
      case CMARK_NODE_HEADING:
        if (const auto it = heading_index_.find(node); it != heading_index_.end()) part_ = it->second + 1;
        write_block({inlines(node)});
        return;
      case CMARK_NODE_PARAGRAPH:
        write_block(lines_of(inlines(node)));
        return;
      case CMARK_NODE_CODE_BLOCK:
        write_block(code_lines(node));
        return;
      case CMARK_NODE_THEMATIC_BREAK:
        write_block({"---"});
        return;
      case CMARK_NODE_BLOCK_QUOTE:
        containers_.push_back({"> ", "> "});
        blocks(node);
        containers_.pop_back();
        return;
      case CMARK_NODE_LIST:
        list(node);
        return;
      case CMARK_NODE_HTML_BLOCK:
        return;  // never passed through, as on the page
      case CMARK_NODE_FOOTNOTE_DEFINITION:
        footnote_definition(node);
        return;
      default:
        break;
    }
    if (node_type_name(node) == "table") {
      table(node);
      return;
    }
    // A <details> fold (disclosure.h): its summary, then what it folds.
    if (const auto summary = summaries_.find(node); summary != summaries_.end() && !summary->second.empty()) {
      write_block({summary->second});
    }
    blocks(node);
  }

  /// The blocks under @p node, each one flat line (a code block's lines
  /// as they are), found with an iterator: what is nested deeper than
  /// kMaxNesting is written so.
  void flat_blocks(cmark_node* node) {
    IterPtr iter(cmark_iter_new(node));
    cmark_event_type ev;
    while ((ev = cmark_iter_next(iter.get())) != CMARK_EVENT_DONE) {
      cmark_node* cur = cmark_iter_get_node(iter.get());
      if (ev != CMARK_EVENT_ENTER) continue;
      const cmark_node_type type = cmark_node_get_type(cur);
      if (type == CMARK_NODE_HEADING) {
        if (const auto it = heading_index_.find(cur); it != heading_index_.end()) part_ = it->second + 1;
      }
      if (type == CMARK_NODE_HEADING || type == CMARK_NODE_PARAGRAPH || node_type_name(cur) == "table_row" ||
          node_type_name(cur) == "table_header") {
        write_block({flat_text(cur)});
      } else if (type == CMARK_NODE_CODE_BLOCK) {
        write_block(code_lines(cur));
      } else if (type != CMARK_NODE_FOOTNOTE_DEFINITION && type != CMARK_NODE_HTML_BLOCK) {
        continue;
      }
      cmark_iter_reset(iter.get(), cur, CMARK_EVENT_EXIT);  // its inner nodes are written
    }
  }

  void list(cmark_node* list) {
    const bool ordered = cmark_node_get_list_type(list) == CMARK_ORDERED_LIST;
    const bool tight = cmark_node_get_list_tight(list) != 0;
    const char* delimiter = cmark_node_get_list_delim(list) == CMARK_PAREN_DELIM ? ") " : ". ";
    int number = cmark_node_get_list_start(list);
    std::size_t i = 0;
    for (cmark_node* item = cmark_node_first_child(list); item; item = cmark_node_next(item), ++i) {
      std::string marker = ordered ? std::to_string(number++) + delimiter : std::string("- ");
      const std::string indent(marker.size(), ' ');
      if (node_type_name(item) == "tasklist") marker += cmark_gfm_extensions_get_tasklist_item_checked(item) ? "[x] " : "[ ] ";
      containers_.push_back({marker, indent});
      std::size_t k = 0;
      for (cmark_node* child = cmark_node_first_child(item); child; child = cmark_node_next(child), ++k) {
        // A tight list's items, and the blocks in them, follow each
        // other line by line; the list itself still stands apart.
        if (tight && (i > 0 || k > 0)) join_next_ = true;
        block(child);
      }
      if (!containers_.back().started) write_line("");  // an empty item still shows its marker
      containers_.pop_back();
    }
  }

  void table(cmark_node* table) {
    std::vector<std::vector<std::string>> rows;
    bool header = false;
    for (cmark_node* row = cmark_node_first_child(table); row; row = cmark_node_next(row)) {
      if (rows.empty()) header = node_type_name(row) == "table_header";
      std::vector<std::string>& cells = rows.emplace_back();
      for (cmark_node* cell = cmark_node_first_child(row); cell; cell = cmark_node_next(cell)) {
        std::string text = inlines(cell);
        std::replace(text.begin(), text.end(), '\n', ' ');
        cells.push_back(collapse_whitespace(text));
      }
    }
    std::vector<std::size_t> widths;
    for (const auto& cells : rows) {
      if (widths.size() < cells.size()) widths.resize(cells.size(), 1);
      for (std::size_t c = 0; c < cells.size(); ++c) widths[c] = std::max(widths[c], display_width(cells[c]));
    }
    auto line_of = [&](const std::vector<std::string>& cells) {
      std::string line;
      for (std::size_t c = 0; c < widths.size(); ++c) {
        const std::string& cell = c < cells.size() ? cells[c] : std::string();
        if (c > 0) line += " | ";
        line += cell;
        if (c + 1 < widths.size()) line.append(widths[c] - display_width(cell), ' ');
      }
      return std::string(trim_right(line));
    };
    std::vector<std::string> lines;
    for (std::size_t r = 0; r < rows.size(); ++r) {
      lines.push_back(line_of(rows[r]));
      if (r == 0 && header) {
        std::string rule;
        for (std::size_t c = 0; c < widths.size(); ++c) rule += (c > 0 ? " | " : "") + std::string(widths[c], '-');
        lines.push_back(rule);
      }
    }
    write_block(lines);
  }

  /// Kept aside and listed under the text that refers to it: cmark puts
  /// the definitions at the end of the article, after the last section,
  /// in the order of their numbers, and leaves each reference its number
  /// (the page shows the same). A definition's own label is not exported.
  void footnote_definition(cmark_node* node) {
    static const std::unordered_map<cmark_node*, std::size_t> kNoSections;
    ReplyWriter definition(options_, kNoSections, summaries_);
    definition.blocks(node);
    std::string text = definition.parts_[0].text;
    while (!text.empty() && text.back() == '\n') text.pop_back();
    footnotes_.emplace(std::to_string(footnotes_.size() + 1), std::move(text));
  }

  /// Writes @p lines as one block: after a blank line, unless it follows
  /// the block before line by line (join_next_).
  void write_block(const std::vector<std::string>& lines) {
    if (!parts_[part_].text.empty() && !join_next_) {
      std::string blank;
      for (const Container& c : containers_) blank += c.started ? c.rest : "";
      parts_[part_].text += trim_right(blank);
      parts_[part_].text += '\n';
    }
    join_next_ = false;
    for (const std::string& line : lines) write_line(line);
  }

  void write_line(std::string_view line) {
    std::string out;
    for (Container& c : containers_) {
      out += c.started ? c.rest : c.first;
      c.started = true;
    }
    out += line;
    parts_[part_].text += trim_right(out);
    parts_[part_].text += '\n';
  }

  std::string inlines(cmark_node* parent) {
    std::string out;
    for (cmark_node* child = cmark_node_first_child(parent); child; child = cmark_node_next(child)) inline_node(child, out);
    return out;
  }

  void inline_node(cmark_node* node, std::string& out) {
    if (depth_ >= kMaxNesting) {
      out += flat_text(node);
      return;
    }
    const Nested nested(depth_);
    switch (cmark_node_get_type(node)) {
      case CMARK_NODE_TEXT:
      case CMARK_NODE_CODE:
        if (const char* literal = cmark_node_get_literal(node)) out += literal;
        return;
      case CMARK_NODE_SOFTBREAK:
        out += ' ';
        return;
      case CMARK_NODE_LINEBREAK:
        out += '\n';
        return;
      case CMARK_NODE_HTML_INLINE:
        return;
      case CMARK_NODE_LINK: {
        fix_relative_md_link(node, options_.render.source_path);
        const char* url = cmark_node_get_url(node);
        out += linked(inlines(node), url ? url : "");
        return;
      }
      case CMARK_NODE_IMAGE: {
        std::vector<std::string> served;
        serve_relative_image(node, options_.render.source_path, served);
        const char* url = cmark_node_get_url(node);
        const std::string alt = inlines(node);
        if (!url || !*url || is_unsafe_url(url)) {
          out += alt;
        } else {
          out += alt.empty() ? target_of(url) : alt + " (" + target_of(url) + ")";
        }
        return;
      }
      case CMARK_NODE_FOOTNOTE_REFERENCE: {
        const std::string label = cmark_node_get_literal(node) ? cmark_node_get_literal(node) : "";
        out += "[" + label + "]";
        auto& referenced = parts_[part_].footnotes;
        if (std::find(referenced.begin(), referenced.end(), label) == referenced.end()) referenced.push_back(label);
        return;
      }
      default:  // emphasis, strong, strikethrough: their words
        for (cmark_node* child = cmark_node_first_child(node); child; child = cmark_node_next(child)) inline_node(child, out);
        return;
    }
  }

  /// A link as a reader of the reply needs it: its words and where it leads.
  std::string linked(const std::string& text, std::string_view url) const {
    if (url.empty() || is_unsafe_url(url)) return text;  // the page shows such a link as its text too
    const std::string target = target_of(url);
    if (text.empty() || text == target || text == url) return target;
    // Autolinks: an address or e-mail written out is not written twice.
    if (target == "http://" + text || target == "https://" + text) return target;
    if (url == "mailto:" + text) return text;
    return text + " (" + target + ")";
  }

  /// @p url absolute, and a link to an article's file by its slug.
  std::string target_of(std::string_view url) const {
    std::string path(url);
    if (starts_with(url, kByPathPrefix) && options_.slug_of_path) {
      const std::string_view rest = url.substr(std::string_view(kByPathPrefix).size());
      const std::size_t cut = std::min(rest.find_first_of("?#"), rest.size());
      if (const auto slug = options_.slug_of_path(percent_decoded(rest.substr(0, cut)))) {
        path = "/articles/" + *slug + std::string(rest.substr(cut));
      }
    }
    return absolute_url(path, options_.page_url);
  }

  /// Deeper than this, blocks and inline spans are written flat: no
  /// reply nests so deep, and a walk that recursed on could run out of
  /// stack (a 1 MiB article can nest quotes 500,000 deep).
  static constexpr int kMaxNesting = 48;
  /// One level deeper while it lives.
  struct Nested {
    explicit Nested(int& depth) : depth_(++depth) {}
    ~Nested() { --depth_; }
    Nested(const Nested&) = delete;
    Nested& operator=(const Nested&) = delete;
    int& depth_;
  };

  const ReplyTextOptions& options_;
  const std::unordered_map<cmark_node*, std::size_t>& heading_index_;
  const std::unordered_map<cmark_node*, std::string>& summaries_;
  std::vector<Part> parts_;
  std::map<std::string, std::string> footnotes_;  ///< by number
  std::vector<Container> containers_;
  std::size_t part_ = 0;
  bool join_next_ = false;
  int depth_ = 0;  ///< blocks and inline spans being written, one inside another
};

}  // namespace

std::string absolute_url(std::string_view url, std::string_view page_url) {
  if (scheme_length(url) > 0) return std::string(url);
  const std::size_t scheme = scheme_length(page_url);
  const bool has_authority = page_url.substr(scheme, 2) == "//";
  const std::size_t path_start = has_authority ? std::min(page_url.find('/', scheme + 2), page_url.size()) : scheme;
  const std::string_view origin = page_url.substr(0, path_start);
  const std::string_view without_fragment = page_url.substr(0, page_url.find('#'));
  const std::string_view without_query = without_fragment.substr(0, without_fragment.find('?'));
  if (url.empty()) return std::string(without_fragment);
  if (starts_with(url, "//")) return std::string(page_url.substr(0, scheme)) + std::string(url);
  if (url[0] == '#') return std::string(without_fragment) + std::string(url);
  if (url[0] == '?') return std::string(without_query) + std::string(url);
  const std::size_t cut = std::min(url.find_first_of("?#"), url.size());
  std::string path;
  if (url[0] == '/') {
    path = std::string(url.substr(0, cut));
  } else {
    const std::string_view page_path = without_query.substr(path_start);
    const std::size_t slash = page_path.rfind('/');
    path = (slash == std::string_view::npos ? std::string("/") : std::string(page_path.substr(0, slash + 1))) +
           std::string(url.substr(0, cut));
  }
  return std::string(origin) + without_dot_segments(path) + std::string(url.substr(cut));
}

std::optional<std::string> reply_text(std::string_view markdown, std::string_view anchor, const ReplyTextOptions& options) {
  MarkdownTree tree(markdown, options.render);
  const std::vector<Heading>& headings = tree.headings();
  std::size_t first = 0, last = headings.size() + 1;  // the parts shown: [first, last)
  if (!anchor.empty()) {
    const auto found = std::find_if(headings.begin(), headings.end(), [&](const Heading& h) { return h.anchor == anchor; });
    if (found == headings.end()) return std::nullopt;
    const auto i = static_cast<std::size_t>(found - headings.begin());
    // Its subsections too: "Troubleshooting" copied for a reply is all of
    // its steps, not the line that introduces them.
    std::size_t j = i + 1;
    while (j < headings.size() && headings[j].level > found->level) ++j;
    first = i + 1;
    last = j + 1;
  }

  std::unordered_map<cmark_node*, std::size_t> heading_index;
  for (std::size_t i = 0; i < tree.heading_nodes().size(); ++i) heading_index.emplace(tree.heading_nodes()[i], i);
  std::vector<MarkdownWarning> shown_on_the_page_only;
  std::unordered_map<cmark_node*, std::string> summaries;
  for (const Disclosure& d : make_disclosures(tree.root(), shown_on_the_page_only)) {
    summaries.emplace(d.block, summary_text(d.summary_source));
  }
  ReplyWriter writer(options, heading_index, summaries);
  writer.blocks(tree.root());

  std::string out;
  if (anchor.empty() && !trim(options.render.title).empty()) out = collapse_whitespace(options.render.title) + "\n";
  std::vector<std::string> footnotes;
  for (std::size_t p = first; p < last; ++p) {
    const ReplyWriter::Part& part = writer.parts()[p];
    if (part.text.empty()) continue;
    if (!out.empty()) out += '\n';
    out += part.text;
    for (const std::string& label : part.footnotes) {
      if (std::find(footnotes.begin(), footnotes.end(), label) == footnotes.end()) footnotes.push_back(label);
    }
  }
  bool listed_footnotes = false;
  for (const std::string& label : footnotes) {
    const auto text = writer.footnotes().find(label);
    if (text == writer.footnotes().end()) continue;
    if (!listed_footnotes) out += '\n';
    listed_footnotes = true;
    out += "[" + label + "] " + text->second + "\n";
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace kb
