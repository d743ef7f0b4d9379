/** @file markdown_tree.h
 *  @brief An article body's cmark-gfm node tree as kb reads it, for the
 *  library's renderers (markdown.cpp: HTML and search text; reply_text.cpp:
 *  plain text for replies).
 *
 *  Both must agree on which headings there are, what each one's anchor is
 *  and where a link points: an agent copies a section by the anchor the
 *  page shows. So the parse, the anchors and the link fixing live here
 *  once, and each renderer only walks the tree.
 */
#pragma once

#include "kb/markdown.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct cmark_node;
struct cmark_parser;

namespace kb {

class MarkdownTree {
 public:
  /// Parses @p markdown as GitHub Flavored Markdown with footnotes (and
  /// cmark-gfm's safe mode), drops a first level-1 heading that repeats
  /// @p options.title, and names every heading left, in document order.
  MarkdownTree(std::string_view markdown, const RenderOptions& options);
  ~MarkdownTree();
  MarkdownTree(const MarkdownTree&) = delete;
  MarkdownTree& operator=(const MarkdownTree&) = delete;

  cmark_node* root() const { return doc_.get(); }
  /// The tree as it is now as HTML, with the options and extensions it
  /// was parsed with (safe mode: raw HTML becomes a comment).
  std::string html() const;

  /// Every heading in document order (as a full walk from root() meets
  /// them), with its GitHub-style anchor, unique within the body.
  const std::vector<Heading>& headings() const { return headings_; }
  /// The node of each of headings(), at the same index.
  const std::vector<cmark_node*>& heading_nodes() const { return heading_nodes_; }

 private:
  struct NodeDeleter {
    void operator()(cmark_node* n) const;
  };
  struct ParserDeleter {
    void operator()(cmark_parser* p) const;
  };
  std::unique_ptr<cmark_parser, ParserDeleter> parser_;
  std::unique_ptr<cmark_node, NodeDeleter> doc_;
  std::vector<Heading> headings_;
  std::vector<cmark_node*> heading_nodes_;
};

/// "heading", "table_cell", ...: the type of @p node, extensions' included.
std::string_view node_type_name(cmark_node* node);

/// Plain text of a node's inline content (inline HTML shows none), blanks
/// collapsed; line breaks are blanks.
std::string inline_text(cmark_node* node);

/// A <summary>'s text as written (Markdown, entities, tags) as plain text.
std::string summary_text(const std::string& source);

/// Points a link written for a file tree ("../vpn/setup.md#step-2") at the
/// article page of that file: by its path (kByPathPrefix) when
/// @p source_path is known, else by its file name's slug.
void fix_relative_md_link(cmark_node* link, std::string_view source_path);

/// Shows an image beside the article ("img/shot.png") from /assets/, where
/// kb-server serves the copy kb-index stored, adding its path to @p images
/// once; other images stay as written.
void serve_relative_image(cmark_node* image, std::string_view source_path, std::vector<std::string>& images);

/// What cmark-gfm's safe mode blanks: javascript:, vbscript:, file: and
/// data: URLs, except the raster image types, in any case.
bool is_unsafe_url(std::string_view url);

}  // namespace kb
