/** @file checker.test.cpp
 *  @brief kb-index --check on a fixture with every kind of breakage.
 */
#include "kb/checker.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace kb;

TEST_CASE("every kind of breakage is reported at its line", "[checker]") {
  CheckOptions opt;
  opt.articles_dir = std::filesystem::path(KB_FIXTURES_DIR) / "check";
  opt.stale_days = 365;
  opt.today = "2026-11-21";
  const CheckReport report = check_articles(opt);
  std::vector<std::string> lines;
  for (const auto& p : report.problems) lines.push_back(p.text());
  CHECK(lines == std::vector<std::string>{
                     "broken.md:2: error: front matter: this list or mapping is never closed",
                     "guides/links.md:7: error: broken link: no article has the slug 'nowhere'",
                     "guides/links.md:7: error: broken link: good.md has no heading with the anchor '#no-such-heading'",
                     "guides/links.md:8: error: no heading here has the anchor '#nothing-here'",
                     "guides/links.md:8: error: image not found: images/none.png",
                     "guides/links.md:10: warning: section 'Empty' is empty",
                     "stale.md:3: warning: updated 2020-01-01, more than 365 days ago",
                     "stale.md:4: warning: review_by 2026-01-01 has passed",
                     "z-duplicate.md:3: error: duplicate slug 'good': already used by good.md",
                     "z-duplicate.md:4: error: alias 'stale' is the slug of stale.md",
                     "z-duplicate.md:4: error: alias 'old-good' is also an alias in good.md",
                     "z-duplicate.md:5: error: translation_of 'ghost' is not the slug of any article",
                 });
  CHECK(report.articles == 5);
  CHECK(report.errors() == 9);
  CHECK(report.warnings() == 3);

  const auto json = nlohmann::json::parse(report.to_json());
  CHECK(json["errors"] == 9);
  CHECK(json["problems"][0] == nlohmann::json{{"path", "broken.md"}, {"line", 2}, {"severity", "error"},
                                              {"message", "front matter: this list or mapping is never closed"}});
}

TEST_CASE("the bundled knowledge base checks clean", "[checker]") {
  CheckOptions opt;
  opt.articles_dir = KB_ARTICLES_DIR;
  const CheckReport report = check_articles(opt);
  for (const auto& p : report.problems) INFO(p.text());
  CHECK(report.errors() == 0);
  CHECK(report.warnings() == 0);
  CHECK(report.articles >= 46);
}

TEST_CASE("without --stale-days or a past review date there are no warnings for age", "[checker]") {
  CheckOptions opt;
  opt.articles_dir = std::filesystem::path(KB_FIXTURES_DIR) / "check";
  opt.today = "2025-12-31";
  const CheckReport report = check_articles(opt);
  for (const auto& p : report.problems) {
    CHECK(p.message.find("days ago") == std::string::npos);
    CHECK(p.message.find("has passed") == std::string::npos);
  }
}

namespace {

/// What kb-index --check says of the articles in @p articles, one line each.
std::vector<std::string> problem_lines(const std::filesystem::path& articles) {
  CheckOptions opt;
  opt.articles_dir = articles;
  opt.today = "2026-11-21";
  std::vector<std::string> lines;
  for (const auto& p : check_articles(opt).problems) lines.push_back(p.text());
  return lines;
}

}  // namespace

TEST_CASE("images are checked as kb-index publishes them", "[checker]") {
  test::TempDir dir;
  dir.write("articles/net/a.md", "---\ntitle: A\n---\n![ok](img/my%20shot.png)\n![out](../../x.png)\n![txt](img/notes.txt)\n");
  dir.write("articles/net/img/my shot.png", "png");
  dir.write("articles/net/img/notes.txt", "text");
  CHECK(problem_lines(dir / "articles") == std::vector<std::string>{
                     "net/a.md:5: error: image outside the articles folder (not published): ../../x.png",
                     "net/a.md:6: warning: not an image type kb serves (PNG, JPEG, GIF, WebP, AVIF, SVG): img/notes.txt",
                 });
}

TEST_CASE("links to other articles' files are checked by path, folder-qualified slugs included", "[checker]") {
  test::TempDir dir;
  dir.write("articles/printing/overview.md", "---\ntitle: Printing\n---\n## Step 1\nx\n");
  dir.write("articles/vpn/overview.md", "---\ntitle: VPN\n---\n## Step 2\ny\n");
  dir.write("articles/acc/reset.md", "---\ntitle: Reset\nslug: reset-password\n---\nz\n");
  dir.write("articles/vpn/linker.md",
            "---\ntitle: Linker\n---\n[a](overview.md#step-2) [b](../acc/reset.md) [c](/articles/vpn-overview)\n"
            "[d](../printing/overview.md#step-2) [e](../gone.md)\n[f](../soon.md) [g](/articles/soon)\n");
  dir.write("articles/soon.md", "---\ntitle: Soon\ndraft: true\n---\nnot yet\n");
  CHECK(problem_lines(dir / "articles") == std::vector<std::string>{
                     "vpn/linker.md:5: error: broken link: printing/overview.md has no heading with the anchor '#step-2'",
                     "vpn/linker.md:5: error: broken link: no article file at gone.md",
                     "vpn/linker.md:6: error: broken link: soon.md is a draft, which is not published",
                     "vpn/linker.md:6: error: broken link: soon.md is a draft, which is not published",
                     "vpn/overview.md:1: warning: file name also used by printing/overview.md; published under a "
                     "folder-qualified slug (set 'slug:')",
                 });
}

TEST_CASE("an alias that is the article's own slug is a warning, not an error", "[checker]") {
  test::TempDir dir;
  dir.write("articles/c.md", "---\ntitle: C\naliases: [c]\n---\ntext\n");
  CHECK(problem_lines(dir / "articles") ==
        std::vector<std::string>{"c.md:3: warning: alias 'c' is this article's own slug; ignored"});
}

TEST_CASE("aliases and translation_of are reported at their own lines", "[checker]") {
  // A list written one item per line: each alias at its item's line; a
  // comma-separated one at its key's line.
  test::TempDir dir;
  dir.write("articles/a.md", "---\ntitle: A\n---\ntext\n");
  dir.write("articles/b.md",
            "---\ntitle: B\nsummary: s\ntranslation_of: ghost\naliases:\n  - b\n  - a\n  - old\n---\ntext\n");
  dir.write("articles/c.md", "---\ntitle: C\ncategory: x\naliases: new, old\n---\ntext\n");
  CHECK(problem_lines(dir / "articles") == std::vector<std::string>{
                     "b.md:4: error: translation_of 'ghost' is not the slug of any article",
                     "b.md:6: warning: alias 'b' is this article's own slug; ignored",
                     "b.md:7: error: alias 'a' is the slug of a.md",
                     "c.md:4: error: alias 'old' is also an alias in b.md",
                 });
}

TEST_CASE("a <details> that cannot be shown is a warning at its line in the file", "[checker]") {
  test::TempDir dir;
  dir.write("articles/d.md", "---\ntitle: D\n---\nIntro\n\n<details><summary>Logs</summary>\nhidden\n</details>\n");
  CHECK(problem_lines(dir / "articles") ==
        std::vector<std::string>{"d.md:6: warning: <details> with text in the same HTML block is not shown (raw HTML is "
                                 "not passed through): leave a blank line after its <summary> and before </details>"});
}

TEST_CASE("a folder-qualified slug a file name gives is held, as kb-index would publish it", "[checker]") {
  test::TempDir dir;
  dir.write("articles/printing/overview.md", "---\ntitle: Printing\n---\nx\n");
  dir.write("articles/vpn/overview.md", "---\ntitle: VPN\ndraft: true\n---\ny\n");
  dir.write("articles/vpn/setup.md", "---\ntitle: Setup\nslug: vpn-setup\n---\nz\n");
  const auto holder = find_slug_holder(dir / "articles", "vpn-overview");
  REQUIRE(holder);
  CHECK(holder->path == "vpn/overview.md");
  CHECK(holder->line == 1);
  CHECK_FALSE(holder->alias);
  const auto first = find_slug_holder(dir / "articles", "overview");
  REQUIRE(first);
  CHECK(first->path == "printing/overview.md");
  // The first file keeps the plain slug: no folder-qualified one is held for it.
  CHECK_FALSE(find_slug_holder(dir / "articles", "printing-overview"));
}
