/** @file reply_text.test.cpp
 *  @brief Plain text for ticket replies: structure kept, links absolute,
 *  sections cut at the anchors the page shows, no markup.
 */
#include "kb/reply_text.h"

#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

using namespace kb;
using Catch::Matchers::Contains;

namespace {

ReplyTextOptions options_for(const std::string& slug = "vpn") {
  ReplyTextOptions options;
  options.page_url = "https://kb.example.com/articles/" + slug;
  return options;
}

/// The whole article, without a title line.
std::string text_of(const std::string& markdown, const ReplyTextOptions& options = options_for()) {
  const auto text = reply_text(markdown, "", options);
  REQUIRE(text);
  return *text;
}

}  // namespace

TEST_CASE("a table keeps its columns apart and lined up", "[reply_text]") {
  CHECK(text_of("| Setting | Value |\n|---|---|\n| Port | 443 |\n| Protocol | [IKEv2](/articles/ikev2) |\n") ==
        "Setting  | Value\n"
        "-------- | ---------------------------------------------\n"
        "Port     | 443\n"
        "Protocol | IKEv2 (https://kb.example.com/articles/ikev2)");
  // Hangul and kana take two columns in a fixed-width font; an empty cell keeps its place.
  CHECK(text_of("| 항목 | 값 |\n|---|---|\n| 포트 | 443 |\n| ab |  |\n| | x |\n") ==
        "항목 | 값\n"
        "---- | ---\n"
        "포트 | 443\n"
        "ab   |\n"
        "     | x");
}

TEST_CASE("lists keep their markers, numbers and nesting", "[reply_text]") {
  CHECK(text_of("Steps:\n\n1. Open **Settings**.\n2. Choose *Network*:\n   - Wi-Fi\n   - Ethernet\n     1. Cable\n3. Save.\n\nDone.\n") ==
        "Steps:\n"
        "\n"
        "1. Open Settings.\n"
        "2. Choose Network:\n"
        "   - Wi-Fi\n"
        "   - Ethernet\n"
        "     1. Cable\n"
        "3. Save.\n"
        "\n"
        "Done.");
  // A loose list keeps its blank lines; numbering starts where the writer started it.
  CHECK(text_of("3) First\n\n   more on first\n\n4) Second\n") == "3) First\n\n   more on first\n\n4) Second");
  CHECK(text_of("- [x] VPN installed\n- [ ] Signed in\n") == "- [x] VPN installed\n- [ ] Signed in");
  CHECK(text_of("> Note:\n> - one\n>\n> Two\n") == "> Note:\n>\n> - one\n>\n> Two");
}

TEST_CASE("links and images keep their targets, as absolute URLs", "[reply_text]") {
  ReplyTextOptions options = options_for("vpn");
  options.render.source_path = "network/vpn.md";
  options.slug_of_path = [](const std::string& path) -> std::optional<std::string> {
    if (path == "network/proxy.md") return "proxy-settings";
    return std::nullopt;
  };
  const std::vector<std::pair<std::string, std::string>> cases{
      {"see [the VPN guide](/articles/vpn#setup)", "see the VPN guide (https://kb.example.com/articles/vpn#setup)"},
      {"[below](#step-2)", "below (https://kb.example.com/articles/vpn#step-2)"},
      {"[proxy](proxy.md#ports)", "proxy (https://kb.example.com/articles/proxy-settings#ports)"},
      {"[old](../old/gone.md)", "old (https://kb.example.com/articles/by-path/old/gone.md)"},
      {"[status page](https://status.example.com/vpn?x=1)", "status page (https://status.example.com/vpn?x=1)"},
      {"[other](other-article)", "other (https://kb.example.com/articles/other-article)"},
      {"https://help.example.com/x", "https://help.example.com/x"},
      {"www.example.com", "http://www.example.com"},
      {"<help@example.com>", "help@example.com"},
      {"[write to us](mailto:help@example.com)", "write to us (mailto:help@example.com)"},
      {"[click](javascript:alert(1))", "click"},
      {"![The VPN icon](img/icon.png)", "The VPN icon (https://kb.example.com/assets/network/img/icon.png)"},
      {"![](https://cdn.example.com/a.png)", "https://cdn.example.com/a.png"},
  };
  for (const auto& [markdown, expected] : cases) {
    INFO(markdown);
    CHECK(text_of(markdown, options) == expected);
  }
}

TEST_CASE("a relative address is read as the page reads it", "[reply_text]") {
  const std::string page = "http://127.0.0.1:8080/articles/vpn?ref=agent#top";
  const std::vector<std::pair<std::string, std::string>> cases{
      {"/articles/x", "http://127.0.0.1:8080/articles/x"},
      {"#a", "http://127.0.0.1:8080/articles/vpn?ref=agent#a"},
      {"?q=1", "http://127.0.0.1:8080/articles/vpn?q=1"},
      {"x", "http://127.0.0.1:8080/articles/x"},
      {"../search?q=a#b", "http://127.0.0.1:8080/search?q=a#b"},
      {"../../../x", "http://127.0.0.1:8080/x"},
      {"//cdn.example.com/a", "http://cdn.example.com/a"},
      {"tel:+15551234", "tel:+15551234"},
      {"", "http://127.0.0.1:8080/articles/vpn?ref=agent"},
  };
  for (const auto& [url, expected] : cases) {
    INFO(url);
    CHECK(absolute_url(url, page) == expected);
  }
}

TEST_CASE("code blocks are kept verbatim, indented", "[reply_text]") {
  CHECK(text_of("Run:\n\n```powershell\nif ($x) {\n  Restart-Service -Name Spooler\n\n}\n```\n\nThen `ipconfig /all`.\n") ==
        "Run:\n"
        "\n"
        "    if ($x) {\n"
        "      Restart-Service -Name Spooler\n"
        "\n"
        "    }\n"
        "\n"
        "Then ipconfig /all.");
  CHECK(text_of("- Run:\n\n      net stop spooler\n") == "- Run:\n\n      net stop spooler");
}

TEST_CASE("a section runs to the next heading of its level or higher, its subsections included", "[reply_text]") {
  ReplyTextOptions options = options_for();
  options.render.title = "Connect to the VPN";
  const std::string markdown =
      "# Connect to the VPN\n\nIntro.\n\n"
      "## Step 1\n\nInstall.\n\n"
      "#### Note\n\nAdmins only.\n\n"
      "## Step 1\n\nAgain.\n\n"
      "### Detail\n\nDeeper.\n\n"
      "## Last\n\nBye.\n";
  CHECK(reply_text(markdown, "step-1", options) == std::optional<std::string>("Step 1\n\nInstall.\n\nNote\n\nAdmins only."));
  // The anchors are the page's: the second "Step 1" is step-1-1.
  CHECK(reply_text(markdown, "step-1-1", options) == std::optional<std::string>("Step 1\n\nAgain.\n\nDetail\n\nDeeper."));
  CHECK(reply_text(markdown, "detail", options) == std::optional<std::string>("Detail\n\nDeeper."));
  CHECK(reply_text(markdown, "note", options) == std::optional<std::string>("Note\n\nAdmins only."));
  CHECK(reply_text(markdown, "last", options) == std::optional<std::string>("Last\n\nBye."));
  CHECK_FALSE(reply_text(markdown, "nope", options));
  CHECK(reply_text(markdown, "", options) ==
        std::optional<std::string>("Connect to the VPN\n\nIntro.\n\nStep 1\n\nInstall.\n\nNote\n\nAdmins only.\n\n"
                                   "Step 1\n\nAgain.\n\nDetail\n\nDeeper.\n\nLast\n\nBye."));
  // Every anchor the page gives a heading finds its section.
  for (const Heading& h : render_markdown(markdown, options.render).headings) {
    INFO(h.anchor);
    CHECK(reply_text(markdown, h.anchor, options));
  }
}

TEST_CASE("raw HTML is never copied as markup", "[reply_text]") {
  const std::string text = text_of(
      "Press <kbd>Ctrl</kbd>+<kbd>C</kbd>.<br>\n\n<div onclick=\"x()\">hidden</div>\n\n<script>alert(1)</script>\n\n"
      "<details>\n<summary>Logs <b>here</b></summary>\n\n`C:\\logs`\n\n</details>\n");
  CHECK(text == "Press Ctrl+C.\n\nLogs here\n\nC:\\logs");
  CHECK(text.find('<') == std::string::npos);
}

TEST_CASE("footnotes follow the section that refers to them", "[reply_text]") {
  const std::string markdown = "## A\n\nSee this[^1].\n\n## B\n\nNothing.\n\n[^1]: The [manual](/articles/manual).\n";
  CHECK(reply_text(markdown, "a", options_for()).value_or("none") ==
        "A\n\nSee this[1].\n\n[1] The manual (https://kb.example.com/articles/manual).");
  CHECK(reply_text(markdown, "b", options_for()) == std::optional<std::string>("B\n\nNothing."));
}

TEST_CASE("deeply nested input is copied without crashing", "[reply_text]") {
  std::string lists;
  for (int i = 0; i < 50000; ++i) lists += "- ";
  const std::string markdown = std::string(100000, '>') + " deep quote\n\n" + lists + "deep item\n\n" +
                               std::string(50000, '*') + "deep words" + std::string(50000, '*') + "\n\n" +
                               std::string(10000, '[') + "x" + std::string(10000, ']') + "(/y)\n";
  const std::string text = text_of(markdown);
  CHECK_THAT(text, Contains("deep quote"));
  CHECK_THAT(text, Contains("deep item"));
  CHECK_THAT(text, Contains("deep words"));
}
