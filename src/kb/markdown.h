/** @file markdown.h
 *  @brief Markdown (GitHub Flavored, via cmark-gfm) to safe HTML, headings
 *  with stable anchors, and plain text per section for the index.
 */
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace kb {

struct Heading {
  int level = 0;
  std::string text;    ///< plain text of the heading
  std::string anchor;  ///< GitHub-style id, unique within the article
  int line = 0;        ///< line within the Markdown body (1-based)
};

/// A link or image destination as written, with its line in the body.
struct LinkRef {
  std::string url;     ///< after .md links were turned into /articles/ URLs (by path when the source path is known)
  int line = 0;
  bool image = false;
};

/// The text under one heading (up to the next heading of any level). The
/// first section holds what comes before any heading and has no heading.
struct Section {
  int heading_index = -1;  ///< index into RenderedMarkdown::headings, -1 for the lead
  std::string text;
};

/// Something in the Markdown that the page will not show as written.
struct MarkdownWarning {
  int line = 0;  ///< within the Markdown body (1-based)
  std::string message;
};

struct RenderedMarkdown {
  std::string html;  ///< body HTML; raw HTML and unsafe URLs removed
  std::vector<Heading> headings;
  std::vector<Section> sections;
  std::string plain_text;  ///< all section text, blocks separated by newlines
  std::vector<LinkRef> links;  ///< every link and image, for checking
  /// The images beside the article that the HTML shows from /assets/: their
  /// paths relative to the articles folder, each once (kb-index stores them).
  std::vector<std::string> images;
  std::vector<MarkdownWarning> warnings;
};

struct RenderOptions {
  /// When the body opens with a level-1 heading equal to this title, it is
  /// dropped: the page shows the title itself.
  std::string title;
  /// The article's path relative to the articles folder ("vpn/setup.md"):
  /// images written relative to it ("img/shot.png") are shown from
  /// /assets/vpn/img/shot.png. Empty: image addresses are left as written.
  std::string source_path;
};

/// The path, relative to the articles folder, that @p relative (a link or
/// image address as written in the article at @p source_path, percent
/// escapes allowed, "?query" and "#fragment" ignored) names; "" when it is
/// not a relative path or leaves the articles folder.
std::string resolve_article_path(std::string_view source_path, std::string_view relative);

/// Longest source path a link or image may name to be followed: each
/// becomes an index term.
inline constexpr std::size_t kMaxLinkedPath = 200;

/// Where a link to another article's file points: "/articles/by-path/" and
/// its path relative to the articles folder, percent-encoded.
inline constexpr const char* kByPathPrefix = "/articles/by-path/";

/// @p path percent-encoded for a URL path, its '/' kept.
std::string path_encoded(std::string_view path);

/// @p s with its %XX escapes decoded (a malformed one is kept as written).
std::string percent_decoded(std::string_view s);

/// Image file types served from /assets/, by extension, with their media
/// type; "" for any other file.
std::string image_media_type(std::string_view path);

/// Renders @p markdown. Never throws on any input: cmark accepts all text.
RenderedMarkdown render_markdown(std::string_view markdown, const RenderOptions& options = {});

}  // namespace kb
