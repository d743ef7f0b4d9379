/** @file page_shell.h
 *  @brief A page rendered once, with holes for what differs per request,
 *  and gzip for responses.
 *
 *  Rendering an article page from its template cost more than everything
 *  else a request does together, yet only a few values in it belong to the
 *  person asking (the CSRF token of their session, the words in the search
 *  box, the address the language links point to, the site's address the
 *  request came to). A PageShell is the page
 *  rendered with a marker in place of each such value, split at the
 *  markers: filling it is a concatenation. Its literal parts are also
 *  deflated once, so a gzip response costs the same concatenation: the
 *  parts are deflate blocks that end byte-aligned (a sync flush), each
 *  value goes between them as a stored block, and the gzip trailer's CRC
 *  is combined from the parts' CRCs.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kb {

/// gzip (RFC 1952) of @p data at zlib's default level.
std::string gzip_compress(std::string_view data);

/// What a gzip stream decodes to; std::runtime_error when it is not one.
std::string gzip_decompress(std::string_view gz);

class PageShell {
 public:
  /// @p rendered: a page rendered with markers[i] wherever the i-th value
  /// goes (any number of times). Markers must be text no template escapes
  /// and no article can contain: letters and digits, random per process.
  PageShell(std::string_view rendered, const std::vector<std::string>& markers);

  /// The page with every marker i replaced by @p values[i], HTML-escaped
  /// (as the template would have escaped it). Missing values are "".
  std::string fill(const std::vector<std::string>& values) const;

  /// gzip of fill(@p values), from the parts deflated at construction.
  std::string fill_gzip(const std::vector<std::string>& values) const;

  /// Approximate bytes held (for cache budgets).
  std::size_t bytes() const { return bytes_; }

 private:
  struct Part {
    std::string text;       ///< literal page text
    std::string deflated;   ///< raw deflate of text, ending on a byte boundary
    std::uint32_t crc = 0;  ///< CRC-32 of text
    int slot = -1;          ///< the value after this text; -1 for the last part
  };
  std::vector<Part> parts_;
  std::size_t bytes_ = 0;
};

}  // namespace kb
