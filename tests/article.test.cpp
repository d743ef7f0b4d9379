/** @file article.test.cpp
 *  @brief Front matter: every accepted form, every failure with its exact
 *  path:line message.
 */
#include "kb/article.h"
#include "kb/article_files.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <vector>

using namespace kb;

namespace {

std::string error_of(const std::string& text, const std::string& path = "docs/a.md") {
  try {
    parse_article(path, text);
  } catch (const ArticleError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("a complete front matter is read field by field", "[article]") {
  const Article a = parse_article("accounts/reset.md",
                                  "---\n"
                                  "title: \"How to reset your password\"\n"
                                  "slug: reset-password\n"
                                  "summary: Reset it yourself in two minutes.\n"
                                  "tags: [password, login]\n"
                                  "category: accounts\n"
                                  "lang: en-GB\n"
                                  "updated: 2026-10-14\n"
                                  "aliases: [forgot-password]\n"
                                  "draft: false\n"
                                  "---\n"
                                  "Body text.\n");
  CHECK(a.title == "How to reset your password");
  CHECK(a.slug == "reset-password");
  CHECK(a.slug_line == 3);
  CHECK_FALSE(a.slug_from_file_name);
  CHECK(a.summary == "Reset it yourself in two minutes.");
  CHECK(a.tags == std::vector<std::string>{"password", "login"});
  CHECK(a.category == "accounts");
  CHECK(a.lang == "en-gb");
  CHECK(a.updated == "2026-10-14");
  CHECK(a.aliases == std::vector<std::string>{"forgot-password"});
  CHECK_FALSE(a.draft);
  CHECK(a.body == "Body text.\n");
  CHECK(a.body_line == 12);
}

TEST_CASE("defaults and the forms real corpora use", "[article]") {
  SECTION("slug from the file name, lang en, description as summary, ms.date as updated") {
    const Article a = parse_article("network/VPN Setup.md",
                                    "---\ntitle: VPN\ndescription: Connect from home.\nms.date: 01/13/2023\n---\nx\n");
    CHECK(a.slug == "vpn-setup");
    CHECK(a.slug_from_file_name);
    CHECK(a.lang == "en");
    CHECK(a.summary == "Connect from home.");
    CHECK(a.updated == "2023-01-13");
  }
  SECTION("a date field that is no date: a warning at its line, and no date") {
    const Article a = parse_article("a.md", "---\ntitle: T\nms.date: 13/45/2024\n---\nx\n");
    CHECK(a.updated.empty());
    REQUIRE(a.warnings.size() == 1);
    CHECK(a.warnings[0].first == 3);
    CHECK(a.warnings[0].second == "'ms.date' is not a date: '13/45/2024'; the article has no date");
    CHECK(parse_article("a.md", "---\ntitle: T\ndate: notadate\nms.date: 01/13/2023\n---\n").updated == "2023-01-13");
  }
  SECTION("a key given twice, or mistyped, is a warning at its line") {
    const Article a = parse_article("a.md", "---\ntitle: First\nslgu: x\ntitle: Second\ntag: vpn\nms.author: someone\n---\n");
    CHECK(a.title == "First");
    using Warnings = std::vector<std::pair<std::size_t, std::string>>;
    CHECK(a.warnings == Warnings{{3, "unknown key 'slgu' (did you mean 'slug'?); ignored"},
                                 {4, "'title' is given twice; the first value is used"},
                                 {5, "unknown key 'tag' (did you mean 'tags'?); ignored"}});
  }
  SECTION("comma-separated tags") {
    CHECK(parse_article("a.md", "---\ntitle: T\ntags: vpn, wifi ,  \n---\n").tags ==
          std::vector<std::string>{"vpn", "wifi"});
  }
  SECTION("no front matter: the first '# ' heading is the title") {
    const Article a = parse_article("a.md", "Intro\n\n```\n# not a heading\n```\n# Printer offline #\n\nText\n");
    CHECK(a.title == "Printer offline");
    CHECK(a.title_from_heading);
  }
  SECTION("CRLF line endings and a byte-order mark") {
    const Article a = parse_article("a.md", "\xEF\xBB\xBF---\r\ntitle: Windows file\r\n---\r\nBody\r\n");
    CHECK(a.title == "Windows file");
    CHECK(a.body == "Body\r\n");
  }
  SECTION("an old date is a date") {
    CHECK(parse_article("a.md", "---\ntitle: T\nupdated: 1899-12-31\n---\n").updated == "1899-12-31");
    CHECK(error_of("---\ntitle: T\nupdated: 2024-01-05 junk\n---\n") ==
          "docs/a.md:3: error: front matter: 'updated' is not a date (YYYY-MM-DD): '2024-01-05 junk'");
  }
  SECTION("draft: true") { CHECK(parse_article("a.md", "---\ntitle: T\ndraft: true\n---\n").draft); }
  SECTION("quoted values that span lines, or hold quotes and colons") {
    const Article a = parse_article(
        "a.md", "---\ntitle: 'It''s: a\n  long title'\nsummary: \"Say \\\"hi\\\"\"\ncategory: accounts\n---\n");
    CHECK(a.title == "It's: a long title");
    CHECK(a.summary == "Say \"hi\"");
    CHECK(a.category == "accounts");
  }
  SECTION("an empty front matter block with a heading") {
    CHECK(parse_article("a.md", "---\n---\n# From heading\n").title == "From heading");
  }
}

TEST_CASE("every failure names file and line", "[article]") {
  struct Row {
    const char* name;
    std::string text;
    const char* message;
  };
  const Row rows[] = {
      {"missing title", "---\nsummary: s\n---\nbody\n", "docs/a.md:2: error: front matter: missing 'title'"},
      {"empty title", "---\nsummary: s\ntitle: \"\"\n---\nbody\n", "docs/a.md:3: error: front matter: missing 'title'"},
      {"no front matter, no heading", "just text\n",
       "docs/a.md:1: error: no front matter and no '# ' heading to take a title from"},
      {"unclosed front matter", "---\ntitle: T\nbody\n",
       "docs/a.md:1: error: front matter: opening '---' has no closing '---'"},
      {"unclosed list", "---\ntitle: T\ntags: [a, b\n---\n",
       "docs/a.md:3: error: front matter: this list or mapping is never closed"},
      {"unclosed list after a closed one, quotes and a comment", "---\ntags: [\"a]\", b] # [x\naliases: [c,\n  d\n---\n",
       "docs/a.md:3: error: front matter: this list or mapping is never closed"},
      {"bad YAML", "---\ntitle: T\nsummary: a: b: c\n---\n", "docs/a.md:3: error: front matter: illegal map value"},
      {"bad YAML after a list with an apostrophe", "---\ntags: [don't, x]\nsummary: a: b: c\n---\n",
       "docs/a.md:3: error: front matter: illegal map value"},
      {"not a mapping", "---\n- a\n- b\n---\n", "docs/a.md:2: error: front matter: must be a mapping of 'key: value' lines"},
      {"title is a list", "---\ntitle:\n  - a\n---\n", "docs/a.md:3: error: front matter: 'title' must be a single value"},
      {"tags is a map", "---\ntitle: T\ntags:\n  a: b\n---\n", "docs/a.md:4: error: front matter: 'tags' must be a list"},
      {"nested tag", "---\ntitle: T\ntags: [a, [b]]\n---\n",
       "docs/a.md:3: error: front matter: every item of 'tags' must be a single value"},
      {"bad lang", "---\ntitle: T\nlang: english!\n---\n",
       "docs/a.md:3: error: front matter: 'lang' is not a BCP 47 language tag: 'english!'"},
      {"bad date", "---\ntitle: T\nupdated: 2026-02-30\n---\n",
       "docs/a.md:3: error: front matter: 'updated' is not a date (YYYY-MM-DD): '2026-02-30'"},
      {"bad slug", "---\ntitle: T\nslug: Not/A/Slug\n---\n",
       "docs/a.md:3: error: front matter: 'slug' must be lower-case letters, digits, '-' or '_': 'Not/A/Slug'"},
      {"bad alias", "---\ntitle: T\naliases: [ok, \"../x\"]\n---\n",
       "docs/a.md:3: error: front matter: alias is not a valid slug: '../x'"},
      {"bad alias in a list of one item per line", "---\ntitle: T\naliases:\n  - ok\n  - \"../x\"\n---\n",
       "docs/a.md:5: error: front matter: alias is not a valid slug: '../x'"},
      {"bad draft", "---\ntitle: T\ndraft: maybe\n---\n", "docs/a.md:3: error: front matter: 'draft' must be true or false"},
      {"unclosed single quote", "---\ntitle: 'Reset password\nslug: q2-x\ncategory: accounts\n---\nbody\n",
       "docs/a.md:2: error: front matter: this quoted value is never closed"},
      {"unclosed quote after a tab", "---\ntitle:\t\"Reset password\nslug: q2-x\n---\nbody\n",
       "docs/a.md:2: error: front matter: this quoted value is never closed"},
      {"unclosed quote after a tag", "---\ntitle: !!str 'Reset password\nslug: q2-x\n---\nbody\n",
       "docs/a.md:2: error: front matter: this quoted value is never closed"},
      {"unclosed double quote after a closed one", "---\ntitle: \"It's \\\" fine\"\nsummary: \"Not\n---\n",
       "docs/a.md:3: error: front matter: this quoted value is never closed"},
      {"invalid UTF-8", "---\ntitle: T\n---\nline 4\nbad \xff byte\n", "docs/a.md:5: error: invalid UTF-8 at byte 28"},
      {"NUL byte", std::string("---\ntitle: T\n---\nA\0B\n", 20), "docs/a.md:4: error: NUL byte in file"},
  };
  for (const auto& row : rows) {
    INFO(row.name);
    CHECK(error_of(row.text) == row.message);
  }
}

TEST_CASE("oversized files and list bombs are refused", "[article]") {
  CHECK(error_of(std::string(kMaxArticleBytes + 1, 'a')) ==
        "docs/a.md:1: error: file is 1048577 bytes, over the limit of 1048576 bytes");
  std::string many = "---\ntitle: T\ntags: [";
  for (int i = 0; i < 101; ++i) many += "t" + std::to_string(i) + ",";
  many += "x]\n---\n";
  CHECK(error_of(many) == "docs/a.md:3: error: front matter: 'tags' has more than 100 items");
  // A YAML alias bomb: only scalars are read, so expansion never happens.
  const std::string bomb =
      "---\ntitle: T\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
      "tags: [*d]\n---\n";
  CHECK(error_of(bomb) == "docs/a.md:7: error: front matter: every item of 'tags' must be a single value");
}

TEST_CASE("dates and languages normalise", "[article]") {
  CHECK(normalise_date("2026-01-31") == "2026-01-31");
  CHECK(normalise_date("2026-01-31T10:00:00Z") == "2026-01-31");
  CHECK(normalise_date("1/2/2024") == "2024-01-02");
  CHECK(normalise_date("2024-02-29") == "2024-02-29");
  CHECK(normalise_date("2023-02-29").empty());
  CHECK(normalise_date("yesterday").empty());
  // A time may follow the date, nothing else.
  CHECK(normalise_date("2024-01-05 10:00:00") == "2024-01-05");
  CHECK(normalise_date("2024-01-05 junk").empty());
  CHECK(normalise_date("2024-01-05T").empty());
  // Any Gregorian date with a four-digit year: old records and the
  // calendar's own rules, not a cut-off at 1900.
  CHECK(normalise_date("1899-12-31") == "1899-12-31");
  CHECK(normalise_date("0001-01-01") == "0001-01-01");
  CHECK(normalise_date("12/31/1899") == "1899-12-31");
  CHECK(normalise_date("1600-02-29") == "1600-02-29");
  CHECK(normalise_date("1700-02-29").empty());
  CHECK(normalise_date("0000-01-01").empty());  // there is no year 0
  CHECK(normalise_date("2024-13-01").empty());
  CHECK(normalise_date("2024-00-10").empty());
  CHECK(normalise_date("2024-01-00").empty());
  CHECK(normalise_date("10000-01-01").empty());
  CHECK(normalise_date("-001-01-01").empty());
  CHECK(normalise_lang("pt_BR") == "pt-br");
  CHECK(normalise_lang("ko") == "ko");
  CHECK(normalise_lang("zh-Hant-TW") == "zh-hant-tw");
  CHECK(normalise_lang("e").empty());
  CHECK(normalise_lang("12").empty());
}

TEST_CASE("relative_article_path: the scan's paths relative to its root, '/' separated", "[article]") {
  using kb::relative_article_path;
  namespace fs = std::filesystem;
  struct Case {
    const char* root;
    const char* path;
  };
  for (const Case c : {Case{"articles", "articles/vpn/setup.md"}, Case{"articles/", "articles/vpn/setup.md"},
                       Case{".", "./a.md"}, Case{"/srv/kb/articles", "/srv/kb/articles/x/y/z.md"}, Case{"/", "/a.md"},
                       Case{"articles/.", "articles/./b.md"}, Case{"a/../articles", "a/../articles/c.md"},
                       Case{"articles", "articles//d.md"}, Case{"art", "articles/e.md"}}) {
    INFO(c.root << " " << c.path);
    CHECK(relative_article_path(c.root, c.path) == fs::path(c.path).lexically_relative(c.root).generic_string());
  }
  CHECK(relative_article_path("articles", "articles/vpn/setup.md") == "vpn/setup.md");
}

TEST_CASE("the article scan: *.md files in path order, folder by folder, links to folders not followed", "[article]") {
  namespace fs = std::filesystem;
  kb::test::TempDir dir;
  for (const char* rel : {"b.md", "a.md", "a/x.md", "a-b.md", "A.MD", "ab/y.md", "notes.txt", ".hidden.md", ".git/z.md",
                          "folder.md/inner.md", "deep/er/est.md"}) {
    dir.write(std::string("articles/") + rel, "x");
  }
  fs::create_directory_symlink(dir / "articles" / "a", dir / "articles" / "link");
  fs::create_directory_symlink(dir / "articles" / "a", dir / "articles" / "linked-folder.md");
  fs::create_symlink(dir / "articles" / "b.md", dir / "articles" / "linked-file.md");
  fs::create_symlink(dir / "articles" / "nowhere.md", dir / "articles" / "dangling.md");
  std::vector<std::string> warnings;
  const ArticleFileList list = scan_article_files(dir / "articles", [&](const std::string& w) { warnings.push_back(w); });
  std::vector<std::string> paths;
  for (std::size_t i = 0; i < list.files.size(); ++i) paths.emplace_back(list.path(i));
  // The order of fs::path comparison: "a/x.md" before "a-b.md" and "a.md".
  const std::vector<std::string> expected = {"A.MD",   "a/x.md",        "a-b.md",         "a.md",
                                             "ab/y.md", "b.md",         "dangling.md",    "deep/er/est.md",
                                             "folder.md/inner.md", "linked-file.md"};
  CHECK(paths == expected);
  std::vector<fs::path> sorted;
  for (const auto& p : paths) sorted.push_back(fs::path(p));
  CHECK(std::is_sorted(sorted.begin(), sorted.end()));
  // Links to folders are not followed, and said so.
  const std::string not_followed =
      ":1: warning: a link to a folder is not followed, so its articles are not published (copy or move the folder here)";
  std::sort(warnings.begin(), warnings.end());
  CHECK(warnings == std::vector<std::string>{"link" + not_followed, "linked-folder.md" + not_followed});
  for (std::size_t i = 0; i < list.files.size(); ++i) {
    INFO(paths[i]);
    CHECK(list.files[i].stat_ok == (paths[i] != "dangling.md"));
    if (list.files[i].stat_ok) CHECK(list.files[i].size == 1);
  }
  const std::vector<fs::path> files = find_article_files(dir / "articles", [](const std::string&) {});
  REQUIRE(files.size() == paths.size());
  CHECK(files[1] == dir / "articles" / "a" / "x.md");
  CHECK_THROWS_AS(scan_article_files(dir / "articles" / "b.md", [](const std::string&) {}), ArticlesDirError);
}

TEST_CASE("an 'updated' date in the future is a warning", "[article]") {
  const Article a = parse_article("future.md", "---\ntitle: Future\nupdated: 2099-01-01\n---\nbody\n");
  CHECK(a.updated == "2099-01-01");
  REQUIRE(a.warnings.size() == 1);
  CHECK(a.warnings[0].first == 3);
  CHECK(a.warnings[0].second == "'updated' 2099-01-01 is in the future");
  CHECK(parse_article("past.md", "---\ntitle: Past\nupdated: 2020-01-01\n---\nbody\n").warnings.empty());
}

TEST_CASE("a tag written twice, in any case, is one tag", "[article]") {
  const Article a = parse_article("t.md", "---\ntitle: T\ntags: [VPN, vpn, Remote Access, \"remote  access\", \"\"]\n---\nx\n");
  CHECK(a.tags == std::vector<std::string>{"VPN", "Remote Access"});
}
