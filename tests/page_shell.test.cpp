/** @file page_shell.test.cpp
 *  @brief PageShell: filling the holes, and gzip built from pre-deflated
 *  parts decoding to exactly the filled page.
 */
#include "kb/page_shell.h"

#include <catch2/catch.hpp>

#include <random>
#include <stdexcept>

using kb::PageShell;

namespace {

const std::vector<std::string> kMarkers{"kbcsrf0123abcd", "kbquery4567ef", "kblinks89ab"};

}  // namespace

TEST_CASE("gzip_compress and gzip_decompress round-trip, broken input is refused", "[page_shell]") {
  std::string text;
  std::mt19937 random(7);
  for (int i = 0; i < 50000; ++i) text += static_cast<char>('a' + random() % 7);
  const std::string gz = kb::gzip_compress(text);
  CHECK(gz.size() < text.size() / 2);
  CHECK(gz.substr(0, 2) == "\x1f\x8b");
  CHECK(kb::gzip_decompress(gz) == text);
  CHECK(kb::gzip_decompress(kb::gzip_compress("")).empty());
  CHECK_THROWS_AS(kb::gzip_decompress("not gzip at all"), std::runtime_error);
  CHECK_THROWS_AS(kb::gzip_decompress(gz.substr(0, gz.size() / 2)), std::runtime_error);
  CHECK_THROWS_AS(kb::gzip_decompress(gz + "trailing"), std::runtime_error);
}

TEST_CASE("a shell is filled with each request's values, escaped, wherever its marker was", "[page_shell]") {
  const PageShell shell("<form><input name=\"csrf\" value=\"kbcsrf0123abcd\"><input value=\"kbquery4567ef\"></form>"
                        "<a href=\"kblinks89abui=en\">en</a> <a href=\"kblinks89abui=ko\">ko</a>"
                        "<form><input name=\"csrf\" value=\"kbcsrf0123abcd\"></form>",
                        kMarkers);
  const std::string page = shell.fill({"tokenA", "a<b\"c'&", "/articles/x?q=1&"});
  CHECK(page ==
        "<form><input name=\"csrf\" value=\"tokenA\"><input value=\"a&lt;b&quot;c&#39;&amp;\"></form>"
        "<a href=\"/articles/x?q=1&amp;ui=en\">en</a> <a href=\"/articles/x?q=1&amp;ui=ko\">ko</a>"
        "<form><input name=\"csrf\" value=\"tokenA\"></form>");
  // Another request's values: nothing of the first one stays.
  const std::string other = shell.fill({"tokenB", "", "/?"});
  CHECK(other.find("tokenA") == std::string::npos);
  CHECK(other.find("a&lt;b") == std::string::npos);
  CHECK(other.find("value=\"tokenB\"") != std::string::npos);
  CHECK(other.find("value=\"\"") != std::string::npos);
  // Missing values are empty.
  CHECK(shell.fill({}).find("kbcsrf") == std::string::npos);
  CHECK(shell.bytes() > 0);
}

TEST_CASE("a shell's gzip decodes to the same bytes as the filled page", "[page_shell]") {
  std::string big_value(70000, 'v');  // more than one stored block (65,535 bytes)
  big_value[1234] = '<';
  struct Case {
    std::string rendered;
    std::vector<std::string> values;
  };
  const std::vector<Case> cases{
      {"no markers at all", {"x"}},
      {"", {}},
      {"kbcsrf0123abcd", {"only a value"}},
      {"kbcsrf0123abcdkbquery4567efkblinks89ab", {"a", "b", "c"}},
      {"start kbcsrf0123abcd middle kbquery4567ef end", {"", ""}},
      {"<p>kbquery4567ef</p>", {"", big_value}},
      {std::string(100000, 'p') + "kbcsrf0123abcd" + std::string(3, 'q'), {"t&k"}},
  };
  for (const auto& c : cases) {
    INFO(c.rendered.substr(0, 60));
    const PageShell shell(c.rendered, kMarkers);
    const std::string gz = shell.fill_gzip(c.values);
    CHECK(gz.substr(0, 2) == "\x1f\x8b");
    CHECK(kb::gzip_decompress(gz) == shell.fill(c.values));
  }
  // Text that repeats across holes still decodes (no part refers back
  // into another), and a page with a few holes compresses as a page does.
  std::string page;
  for (int i = 0; i < 200; ++i) page += "<li class=\"repeated item\">" + std::string(i % 50 == 0 ? "kbquery4567ef" : "") + "</li>\n";
  const PageShell shell(page, kMarkers);
  const std::vector<std::string> values{"", "a value that differs per request"};
  CHECK(kb::gzip_decompress(shell.fill_gzip(values)) == shell.fill(values));
  CHECK(shell.fill_gzip(values).size() < shell.fill(values).size() / 3);
}
