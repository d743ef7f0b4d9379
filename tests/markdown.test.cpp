/** @file markdown.test.cpp
 *  @brief Markdown rendering: anchors, GFM extensions, safety, plain text.
 */
#include "kb/markdown.h"

#include <catch2/catch.hpp>

using namespace kb;
using Catch::Matchers::Contains;

TEST_CASE("headings get unique GitHub-style anchors with a visible link", "[markdown]") {
  const RenderedMarkdown md = render_markdown("## Step 1: Restart\ntext\n## Step 1: Restart\n### Step 1: Restart-1\n");
  REQUIRE(md.headings.size() == 3);
  CHECK(md.headings[0].anchor == "step-1-restart");
  CHECK(md.headings[1].anchor == "step-1-restart-1");
  CHECK(md.headings[2].anchor == "step-1-restart-1-1");
  CHECK(md.headings[2].level == 3);
  CHECK_THAT(md.html, Contains("<h2><a class=\"anchor\" id=\"step-1-restart\" href=\"#step-1-restart\""));
  // The heading's name is its words alone: the "#" shortcut is not read out.
  CHECK_THAT(md.html, Contains("href=\"#step-1-restart\" aria-hidden=\"true\" tabindex=\"-1\">#</a>"));
  CHECK_THAT(md.html, !Contains("aria-label"));
  CHECK_THAT(md.html, Contains("id=\"step-1-restart-1\""));
}

TEST_CASE("a heading with an inline <a name> tag has the anchor GitHub gives it", "[markdown]") {
  // GitHub makes the id from the heading's text as the page shows it: the
  // tag leaves no text, but the space before it stays, and becomes '-'.
  const RenderedMarkdown md = render_markdown(
      "## Step 2 <a name=\"step2\"></a>\n"
      "## Step 2 <a name=\"again\"></a>\n"
      "## Step 2\n"
      "## Mid <a name=\"m\"></a> word\n"
      "## <a name=\"lead\"></a> Lead\n"
      "## Tight<a name=\"t\"></a>\n"
      "## Two  spaces\n");
  REQUIRE(md.headings.size() == 7);
  CHECK(md.headings[0].anchor == "step-2-");
  CHECK(md.headings[1].anchor == "step-2--1");
  CHECK(md.headings[2].anchor == "step-2");
  CHECK(md.headings[3].anchor == "mid--word");
  CHECK(md.headings[4].anchor == "-lead");
  CHECK(md.headings[5].anchor == "tight");
  CHECK(md.headings[6].anchor == "two-spaces");  // as before: kb's ids of plain headings do not move
  CHECK(md.headings[0].text == "Step 2");  // what the contents list shows
  CHECK_THAT(md.html, Contains("id=\"step-2-\" href=\"#step-2-\""));
}

TEST_CASE("an anchor does not depend on other headings' text", "[markdown]") {
  const auto before = render_markdown("## Symptoms\n## Resolution\n");
  const auto after = render_markdown("## Symptoms seen on Windows 11\n## Resolution\n");
  CHECK(before.headings[1].anchor == after.headings[1].anchor);
}

TEST_CASE("GFM tables, strikethrough, task lists and autolinks render", "[markdown]") {
  const RenderedMarkdown md = render_markdown(
      "| Code | Meaning |\n|---|---|\n| `0x80070005` | Access denied |\n\n~~old~~\n\n- [x] done\n\nSee https://help.example.com\n");
  CHECK_THAT(md.html, Contains("<div class=\"table-scroll\">\n<table>"));
  CHECK_THAT(md.html, Contains("<td><code>0x80070005</code></td>"));
  CHECK_THAT(md.html, Contains("<del>old</del>"));
  CHECK_THAT(md.html, Contains("type=\"checkbox\""));
  CHECK_THAT(md.html, Contains("<a href=\"https://help.example.com\">"));
  CHECK_THAT(md.plain_text, Contains("0x80070005"));
  CHECK_THAT(md.plain_text, Contains("Access denied"));
}

TEST_CASE("raw HTML and dangerous URLs never pass through", "[markdown]") {
  const RenderedMarkdown md = render_markdown(
      "<script>alert(1)</script>\n\nHello <img src=x onerror=alert(2)> world\n\n"
      "[click](javascript:alert(3))\n\n## <b>bold</b> heading\n");
  CHECK_THAT(md.html, !Contains("<script"));
  CHECK_THAT(md.html, !Contains("onerror"));
  CHECK_THAT(md.html, !Contains("javascript:"));
  CHECK_THAT(md.html, !Contains("<b>"));
  CHECK_THAT(md.html, Contains("raw HTML omitted"));
}

TEST_CASE("a link to an unsafe URL is its text alone, not a link to nowhere", "[markdown]") {
  // Safe mode blanks the URL; an <a href=""> would still look like a link
  // and, clicked, reload the page.
  const struct {
    const char* markdown;
    const char* html;
  } cases[] = {
      {"[js](javascript:alert(3))", "<p>js</p>\n"},
      {"See [the *fix*](JavaScript:alert(1)) now", "<p>See the <em>fix</em> now</p>\n"},
      {"[vb](vbscript:msgbox) [file](file:///etc/passwd) [data](data:text/html,x)", "<p>vb file data</p>\n"},
      {"<javascript:alert(1)>", "<p>javascript:alert(1)</p>\n"},
      {"## Step [one](javascript:x)", "<h2><a class=\"anchor\" id=\"step-one\" href=\"#step-one\" aria-hidden=\"true\" "
                                      "tabindex=\"-1\">#</a>Step one</h2>\n"},
      {"| a |\n|---|\n| [x](javascript:y) |", "<td>x</td>"},
      // Safe links stay links.
      {"[ok](https://example.com) [png](data:image/png;base64,AA==)",
       "<p><a href=\"https://example.com\">ok</a> <a href=\"data:image/png;base64,AA==\">png</a></p>\n"},
  };
  for (const auto& c : cases) {
    INFO(c.markdown);
    const RenderedMarkdown md = render_markdown(c.markdown);
    CHECK_THAT(md.html, Contains(c.html));
    CHECK_THAT(md.html, !Contains("href=\"\""));
  }
}

TEST_CASE("<details> written around Markdown is a disclosure whose inside is rendered", "[markdown]") {
  const RenderedMarkdown md = render_markdown(
      "Lead.\n\n"
      "<details>\n<summary>Show the *full* log &amp; more</summary>\n\n"
      "Run `dmesg`.\n\n"
      "## Inside\n\ntext\n\n"
      "</details>\n\n"
      "After.\n");
  CHECK_THAT(md.html, Contains("<p>Lead.</p>\n<details><summary>Show the full log &amp; more</summary>\n"
                               "<p>Run <code>dmesg</code>.</p>\n"));
  CHECK_THAT(md.html, Contains("<p>text</p>\n</details>\n<p>After.</p>"));
  CHECK_THAT(md.html, !Contains("raw HTML omitted"));
  CHECK(md.warnings.empty());
  REQUIRE(md.headings.size() == 1);  // a heading inside has its anchor, as any other
  CHECK(md.headings[0].anchor == "inside");
  CHECK_THAT(md.plain_text, Contains("Show the full log & more\nRun dmesg."));  // the summary is searched too
}

TEST_CASE("<details> keeps 'open' and nothing else, nests, and never passes other HTML", "[markdown]") {
  const RenderedMarkdown md = render_markdown(
      "<DETAILS open ontoggle=alert(1) class=x><summary><script>alert(2)</script>Steps</summary>\n\n"
      "- one\n\n"
      "  <details>\n  <summary>Inner</summary>\n\n  nested\n\n  </details>\n\n"
      "</details>\n\n"
      "<details>\n\nno summary\n\n</details>\n");
  CHECK_THAT(md.html, Contains("<details open><summary>alert(2)Steps</summary>\n<ul>\n<li>\n<p>one</p>\n"
                               "<details><summary>Inner</summary>\n<p>nested</p>\n</details>\n</li>\n</ul>\n</details>"));
  CHECK_THAT(md.html, Contains("<details>\n<p>no summary</p>\n</details>"));
  CHECK_THAT(md.html, !Contains("<script"));
  CHECK_THAT(md.html, !Contains("ontoggle"));
  CHECK_THAT(md.html, !Contains("class=x"));
  CHECK(md.warnings.empty());
}

TEST_CASE("tags are found in bytes: a summary whose lower case has another length is read whole", "[markdown]") {
  // Lower-cased, "İ" (2 bytes) is "i" (1 byte) and "Ⱥ" (2 bytes) is "ⱥ" (3
  // bytes): offsets found in a lower-cased copy cut the summary short, or
  // pointed past the end of the text (an exception that stopped kb-index).
  for (const std::string summary : {"İstanbul office", "Ⱥ", "ȺȺȺ and more"}) {
    INFO(summary);
    RenderedMarkdown md;
    REQUIRE_NOTHROW(md = render_markdown("<details>\n<summary>" + summary + "</summary>\n\nx\n\n</details>\n"));
    CHECK_THAT(md.html, Contains("<details><summary>" + summary + "</summary>\n<p>x</p>\n</details>"));
    CHECK(md.warnings.empty());
  }
}

TEST_CASE("a <details> kb cannot render is a warning at its line, not a silent gap", "[markdown]") {
  struct Row {
    const char* name;
    const char* markdown;
    std::vector<std::string> warnings;  ///< "line: message"
  };
  const Row rows[] = {
      {"text inside the same HTML block", "Intro\n\n<details><summary>Tight</summary>\nhidden text\n</details>\n",
       {"3: <details> with text in the same HTML block is not shown (raw HTML is not passed through): leave a blank "
        "line after its <summary> and before </details>"}},
      {"a closing tag with nothing open", "a\n\n</details>\n", {"3: </details> closes no <details>; ignored"}},
      {"never closed", "<details>\n<summary>S</summary>\n\nbody\n",
       {"1: <details> has no </details> at the same level; it ends where its list item, quote or the article ends"}},
  };
  for (const auto& row : rows) {
    INFO(row.name);
    std::vector<std::string> got;
    for (const auto& w : render_markdown(row.markdown).warnings) got.push_back(std::to_string(w.line) + ": " + w.message);
    CHECK(got == row.warnings);
  }
  // Unclosed, it still shows what it holds.
  CHECK_THAT(render_markdown("<details>\n<summary>S</summary>\n\nbody\n").html,
             Contains("<details><summary>S</summary>\n<p>body</p>\n</details>"));
}

TEST_CASE("code blocks keep their language and text", "[markdown]") {
  const RenderedMarkdown md = render_markdown("```powershell\nipconfig /flushdns\n```\n");
  CHECK_THAT(md.html, Contains("<pre><code class=\"language-powershell\">ipconfig /flushdns"));
  CHECK_THAT(md.plain_text, Contains("ipconfig /flushdns"));
}

TEST_CASE("sections split the text at every heading", "[markdown]") {
  const RenderedMarkdown md = render_markdown("Lead text.\n\n## Cause\nThe cause.\n\n## Fix\n1. Do this.\n2. Then that.\n");
  REQUIRE(md.sections.size() == 3);
  CHECK(md.sections[0].heading_index == -1);
  CHECK(md.sections[0].text == "Lead text.\n");
  CHECK(md.sections[1].text == "The cause.\n");
  CHECK(md.sections[2].text == "Do this.\nThen that.\n");
  CHECK(md.plain_text == "Lead text.\nCause\nThe cause.\nFix\nDo this.\nThen that.\n");
}

TEST_CASE("a leading h1 that repeats the title is dropped", "[markdown]") {
  RenderOptions opt;
  opt.title = "Printer offline";
  CHECK_THAT(render_markdown("# Printer  Offline\n\nText\n", opt).html, !Contains("<h1"));
  CHECK_THAT(render_markdown("# Something else\n\nText\n", opt).html, Contains("<h1"));
}

TEST_CASE("links to .md files point at article pages", "[markdown]") {
  const RenderedMarkdown md =
      render_markdown("[a](../vpn/VPN-Setup.md#step-2) [b](other.md) [c](https://x.example/a.md) [d](/articles/x)\n");
  CHECK_THAT(md.html, Contains("href=\"/articles/vpn-setup#step-2\""));
  CHECK_THAT(md.html, Contains("href=\"/articles/other\""));
  CHECK_THAT(md.html, Contains("href=\"https://x.example/a.md\""));
  CHECK_THAT(md.html, Contains("href=\"/articles/x\""));
}

TEST_CASE("deeply nested input renders without crashing", "[markdown]") {
  const std::string quotes(5000, '>');
  const std::string lists = [] {
    std::string s;
    for (int i = 0; i < 500; ++i) s += std::string(static_cast<std::size_t>(i) * 2, ' ') + "- item\n";
    return s;
  }();
  CHECK_NOTHROW(render_markdown(quotes + " deep\n" + lists + std::string(10000, '[') + std::string(10000, '*')));
}

TEST_CASE("images beside an article are shown from /assets/", "[markdown]") {
  RenderOptions ro;
  ro.source_path = "net/vpn.md";
  const RenderedMarkdown md = render_markdown(
      "![a](img/shot.png) ![b](../logo.SVG) ![c](./img/shot.png) ![d](https://example.com/x.png)\n"
      "![e](../../etc/x.png) ![f](img/notes.txt) ![g](img/my%20shot.jpg?v=2) ![h](.hidden/x.png)\n",
      ro);
  CHECK_THAT(md.html, Contains("src=\"/assets/net/img/shot.png\" alt=\"a\""));
  CHECK_THAT(md.html, Contains("src=\"/assets/logo.SVG\" alt=\"b\""));
  CHECK_THAT(md.html, Contains("src=\"https://example.com/x.png\""));  // not beside it
  CHECK_THAT(md.html, Contains("src=\"../../etc/x.png\""));            // outside the articles folder
  CHECK_THAT(md.html, Contains("src=\"img/notes.txt\""));              // not an image type
  CHECK_THAT(md.html, Contains("src=\"/assets/net/img/my%20shot.jpg\""));
  CHECK_THAT(md.html, Contains("src=\".hidden/x.png\""));              // hidden folders are not published
  CHECK(md.images == std::vector<std::string>{"net/img/shot.png", "logo.SVG", "net/img/my shot.jpg"});
  // The checker reads the addresses as written.
  CHECK(md.links.at(0).url == "img/shot.png");
  // Without the article's path nothing is rewritten.
  CHECK_THAT(render_markdown("![a](img/shot.png)").html, Contains("src=\"img/shot.png\""));
}

TEST_CASE("relative paths resolve inside the articles folder only", "[markdown]") {
  CHECK(resolve_article_path("a/b.md", "c.png") == "a/c.png");
  CHECK(resolve_article_path("b.md", "c/./d/../e.png") == "c/e.png");
  CHECK(resolve_article_path("a/b.md", "../../c.png").empty());
  CHECK(resolve_article_path("a/b.md", "/c.png").empty());
  CHECK(resolve_article_path("a/b.md", "data:image/png;base64,xx").empty());
  CHECK(resolve_article_path("a/b.md", "c.png#x").empty() == false);
  CHECK(image_media_type("x/y.JPG") == "image/jpeg");
  CHECK(image_media_type("x.png/y").empty());
}

TEST_CASE("a heading never takes the id of one of the page's own elements", "[markdown]") {
  const RenderedMarkdown md = render_markdown("## Main\n## Feedback\n## Q\n## Main\n## Mainly\n");
  REQUIRE(md.headings.size() == 5);
  CHECK(md.headings[0].anchor == "main-1");
  CHECK(md.headings[1].anchor == "feedback-1");
  CHECK(md.headings[2].anchor == "q-1");
  CHECK(md.headings[3].anchor == "main-2");
  CHECK(md.headings[4].anchor == "mainly");
  // Found by the fuzzer: a heading whose numbered ids were all taken looped for ever.
  const RenderedMarkdown numbered = render_markdown("## KB suggestion\n## KB suggestion\n## KB suggestion 0\n## KB suggestions\n");
  REQUIRE(numbered.headings.size() == 4);
  CHECK(numbered.headings[1].anchor == "kb-suggestion-1");
  CHECK(numbered.headings[2].anchor == "kb-suggestion-0");
  CHECK(numbered.headings[3].anchor == "kb-suggestions-1");
}
