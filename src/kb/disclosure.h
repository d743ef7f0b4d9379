/** @file disclosure.h
 *  @brief <details>/<summary> written as raw HTML around Markdown, turned
 *  into disclosure elements kb writes itself (markdown.cpp's helper).
 *
 *  Raw HTML is never passed through, so GitHub's way of folding a long log
 *  or an optional step ("<details>", "<summary>Logs</summary>", a blank
 *  line, Markdown, "</details>") lost its summary and fold. The tags are
 *  recognised instead, and only them: the opening tag keeps its `open`
 *  attribute alone, the summary becomes escaped text, and the Markdown in
 *  between is rendered as everywhere else.
 */
#pragma once

#include "kb/markdown.h"

#include <string>
#include <vector>

struct cmark_node;

namespace kb {

/// One <details> kb shows: the custom block that now holds what was
/// written between its tags (its on_enter and on_exit are for the caller
/// to set), whether it was open, and its <summary>'s text as written
/// (Markdown; "" without one).
struct Disclosure {
  cmark_node* block = nullptr;
  bool open = false;
  std::string summary_source;
};

/// Replaces, in the whole tree under @p doc, each HTML block that holds
/// only <details>, <summary>…</summary> and </details> tags with the
/// custom blocks they open and close (matched among the children of one
/// list item, quote or the document). An HTML block that mixes those tags
/// with other text, a </details> with nothing open and a <details> never
/// closed are added to @p warnings; the first two stay raw HTML (not
/// shown), the last ends where its container does.
std::vector<Disclosure> make_disclosures(cmark_node* doc, std::vector<MarkdownWarning>& warnings);

}  // namespace kb
