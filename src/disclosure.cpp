/** @file disclosure.cpp
 *  @brief <details> blocks: recognising their tags in raw HTML blocks and
 *  moving what they enclose into custom blocks.
 */
#include "kb/disclosure.h"

#include <cmark-gfm.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string_view>
#include <unordered_set>

namespace kb {
namespace {

/// One tag of a disclosure, in the order written.
struct DisclosureTag {
  enum Kind { kOpen, kSummary, kClose } kind = kOpen;
  bool open = false;    ///< kOpen: has the `open` attribute
  std::string summary;  ///< kSummary: the text between the tags
};

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Tag names are ASCII, so they are matched byte by byte, folding ASCII case
// only: a lower-cased copy of the text (to_lower) may be shorter or longer
// ("İ" is one byte less, "Ⱥ" one more), and offsets found in it pointed
// elsewhere in the text, or past its end.
char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

/// Whether @p text at @p pos holds @p lower (lower-case ASCII), in any case.
bool matches_at(std::string_view text, std::size_t pos, std::string_view lower) {
  if (pos > text.size() || text.size() - pos < lower.size()) return false;
  for (std::size_t i = 0; i < lower.size(); ++i) {
    if (ascii_lower(text[pos + i]) != lower[i]) return false;
  }
  return true;
}

/// The first offset from @p from where @p text holds @p lower, in any case.
std::size_t find_nocase(std::string_view text, std::string_view lower, std::size_t from = 0) {
  for (std::size_t pos = from; pos < text.size(); ++pos) {
    if (matches_at(text, pos, lower)) return pos;
  }
  return std::string_view::npos;
}

/// Whether @p html at @p pos starts with @p tag ("<details"), in any case,
/// followed by '>' or a blank (so "<detailsx>" is another tag).
bool tag_at(std::string_view html, std::size_t pos, std::string_view tag) {
  if (!matches_at(html, pos, tag) || pos + tag.size() == html.size()) return false;
  const char next = html[pos + tag.size()];
  return next == '>' || is_blank(next);
}

/// Whether the attributes of an opening tag (the text between its name and
/// '>') name `open`.
bool has_open_attribute(std::string_view attributes) {
  std::size_t pos = 0;
  while (pos < attributes.size()) {
    while (pos < attributes.size() && is_blank(attributes[pos])) ++pos;
    std::size_t end = pos;
    while (end < attributes.size() && !is_blank(attributes[end]) && attributes[end] != '=') ++end;
    if (end - pos == 4 && matches_at(attributes, pos, "open")) return true;
    if (end < attributes.size() && attributes[end] == '=') {
      // Skip the value, quoted or not.
      ++end;
      const char quote = end < attributes.size() ? attributes[end] : ' ';
      if (quote == '"' || quote == '\'') {
        end = attributes.find(quote, end + 1);
        end = end == std::string_view::npos ? attributes.size() : end + 1;
      } else {
        while (end < attributes.size() && !is_blank(attributes[end])) ++end;
      }
    }
    pos = std::max(end, pos + 1);
  }
  return false;
}

/// The disclosure tags an HTML block holds, when it holds nothing else.
std::optional<std::vector<DisclosureTag>> disclosure_tags(std::string_view html) {
  std::vector<DisclosureTag> tags;
  std::size_t pos = 0;
  while (true) {
    while (pos < html.size() && is_blank(html[pos])) ++pos;
    if (pos == html.size()) return tags;
    DisclosureTag tag;
    if (tag_at(html, pos, "<details")) {
      const std::size_t close = html.find('>', pos);
      if (close == std::string_view::npos) return std::nullopt;
      tag.open = has_open_attribute(html.substr(pos + 8, close - pos - 8));
      pos = close + 1;
    } else if (tag_at(html, pos, "<summary")) {
      const std::size_t text = html.find('>', pos);
      if (text == std::string_view::npos) return std::nullopt;
      const std::size_t end = find_nocase(html, "</summary>", text);
      if (end == std::string_view::npos) return std::nullopt;
      tag.kind = DisclosureTag::kSummary;
      tag.summary = std::string(html.substr(text + 1, end - text - 1));
      pos = end + 10;
    } else if (tag_at(html, pos, "</details")) {
      std::size_t close = pos + 9;
      while (close < html.size() && is_blank(html[close])) ++close;
      if (close == html.size() || html[close] != '>') return std::nullopt;
      tag.kind = DisclosureTag::kClose;
      pos = close + 1;
    } else {
      return std::nullopt;
    }
    tags.push_back(std::move(tag));
  }
}

bool mentions_disclosure(std::string_view html) {
  return find_nocase(html, "<details") != std::string_view::npos || find_nocase(html, "</details") != std::string_view::npos ||
         find_nocase(html, "<summary") != std::string_view::npos;
}

/// A <details> being filled while the children of one container are read.
struct OpenDisclosure {
  std::size_t index;          ///< in the list make_disclosures returns
  bool takes_summary = true;  ///< nothing inside it yet
  int line = 0;
};

/// Matches the tags among the children of @p parent and moves each
/// disclosure's children into its block.
void make_disclosures_in(cmark_node* parent, std::vector<Disclosure>& out, std::vector<MarkdownWarning>& warnings) {
  std::vector<cmark_node*> children;
  for (cmark_node* c = cmark_node_first_child(parent); c; c = cmark_node_next(c)) children.push_back(c);
  std::vector<OpenDisclosure> open;
  for (cmark_node* child : children) {
    std::optional<std::vector<DisclosureTag>> tags;
    const int line = cmark_node_get_start_line(child);
    if (cmark_node_get_type(child) == CMARK_NODE_HTML_BLOCK) {
      const char* literal = cmark_node_get_literal(child);
      const std::string_view html = literal ? literal : "";
      if (mentions_disclosure(html)) {
        tags = disclosure_tags(html);
        if (!tags) {
          warnings.push_back({line, "<details> with text in the same HTML block is not shown (raw HTML is not passed "
                                    "through): leave a blank line after its <summary> and before </details>"});
        }
      }
    }
    if (!tags) {
      if (!open.empty()) {
        open.back().takes_summary = false;
        cmark_node_append_child(out[open.back().index].block, child);
      }
      continue;
    }
    for (DisclosureTag& tag : *tags) {
      if (tag.kind == DisclosureTag::kOpen) {
        cmark_node* block = cmark_node_new(CMARK_NODE_CUSTOM_BLOCK);
        const bool placed = open.empty() ? cmark_node_insert_before(child, block)
                                         : cmark_node_append_child(out[open.back().index].block, block);
        if (!placed) {
          cmark_node_free(block);
          continue;
        }
        if (!open.empty()) open.back().takes_summary = false;
        out.push_back(Disclosure{block, tag.open, ""});
        open.push_back(OpenDisclosure{out.size() - 1, true, line});
      } else if (tag.kind == DisclosureTag::kSummary) {
        if (open.empty() || !open.back().takes_summary) {
          warnings.push_back({line, "<summary> not right after a <details> is not shown"});
          continue;
        }
        out[open.back().index].summary_source = std::move(tag.summary);
        open.back().takes_summary = false;
      } else if (open.empty()) {
        warnings.push_back({line, "</details> closes no <details>; ignored"});
      } else {
        open.pop_back();
      }
    }
    cmark_node_unlink(child);
    cmark_node_free(child);
  }
  for (const OpenDisclosure& d : open) {
    warnings.push_back(
        {d.line, "<details> has no </details> at the same level; it ends where its list item, quote or the article ends"});
  }
}

}  // namespace

std::vector<Disclosure> make_disclosures(cmark_node* doc, std::vector<MarkdownWarning>& warnings) {
  // The containers of HTML blocks that name the tags, in document order,
  // each once; changed after the walk, which must not see the tree change.
  std::vector<cmark_node*> parents;
  {
    std::unordered_set<cmark_node*> seen;
    const std::unique_ptr<cmark_iter, void (*)(cmark_iter*)> iter(cmark_iter_new(doc), cmark_iter_free);
    cmark_event_type ev;
    while ((ev = cmark_iter_next(iter.get())) != CMARK_EVENT_DONE) {
      cmark_node* node = cmark_iter_get_node(iter.get());
      if (ev != CMARK_EVENT_ENTER || cmark_node_get_type(node) != CMARK_NODE_HTML_BLOCK) continue;
      const char* literal = cmark_node_get_literal(node);
      if (literal && mentions_disclosure(literal) && seen.insert(cmark_node_parent(node)).second) {
        parents.push_back(cmark_node_parent(node));
      }
    }
  }
  std::vector<Disclosure> out;
  std::vector<MarkdownWarning> found;
  for (cmark_node* parent : parents) make_disclosures_in(parent, out, found);
  std::stable_sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.line < b.line; });
  warnings.insert(warnings.end(), found.begin(), found.end());
  return out;
}

}  // namespace kb
