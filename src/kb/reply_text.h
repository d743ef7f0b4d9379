/** @file reply_text.h
 *  @brief An article, or one section of it, as plain text to paste into a
 *  ticket reply: the words, the structure a reader needs (paragraphs,
 *  lists, code, tables) and every link's full address, and no markup.
 *
 *  Rendered from the article's Markdown through the same tree as its page
 *  (markdown_tree.h), so a section is found by the anchor the page and the
 *  agent view show.
 */
#pragma once

#include "kb/markdown.h"

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace kb {

/// The deepest heading level the agent view lists as a section to copy;
/// a deeper heading is copied with the section it is in.
inline constexpr int kDeepestListedHeading = 3;

struct ReplyTextOptions {
  /// As the article was indexed: its title (a first heading repeating it
  /// is dropped, and the whole article opens with it) and its path
  /// (links and images written relative to its file).
  RenderOptions render;
  /// The article page's absolute address ("https://kb.example.com/articles/vpn"):
  /// every other address is made absolute as the page would resolve it.
  std::string page_url;
  /// The slug the article file at a path (relative to the articles folder)
  /// is published under, for links written to a file; without an answer
  /// the link keeps its /articles/by-path/ address, which redirects.
  std::function<std::optional<std::string>(const std::string& path)> slug_of_path;
};

/// The section of @p markdown (an article body) under the heading whose
/// anchor is @p anchor, as plain text: from that heading to the next one of
/// its own level or higher, its subsections included. An empty @p anchor:
/// the whole article, title first. nullopt when no heading has that anchor.
///
/// Headings are lines, blocks are separated by blank lines, list items
/// start with "- " or "1. " and nest by indentation, code is indented by
/// four spaces, table cells are separated by " | " and padded to line up,
/// and links read "text (absolute URL)". Raw HTML is left out.
std::optional<std::string> reply_text(std::string_view markdown, std::string_view anchor, const ReplyTextOptions& options);

/// @p url as read on the page at @p page_url (an absolute http(s) URL):
/// kept when it has a scheme, else resolved against the page's address.
std::string absolute_url(std::string_view url, std::string_view page_url);

}  // namespace kb
