/** @file fuzz_article.cpp
 *  @brief libFuzzer target: one article file through everything kb-index
 *  does to it: front matter, Markdown rendering, the Xapian document, and
 *  writing that document to a real (glass) database.
 *
 *  Properties: parse_article throws nothing but ArticleError; rendering
 *  never lets raw HTML through (no "<script" in the body HTML); a built
 *  document carries the article's slug and is accepted by the database
 *  (Xapian refuses terms over 245 bytes: one such term would make kb-index
 *  give up on the whole run).
 */
#include "fuzz_input.h"

#include "kb/article.h"
#include "kb/document_builder.h"
#include "kb/markdown.h"
#include "kb/schema.h"

#include <xapian.h>

#include <filesystem>
#include <memory>
#include <string>

namespace {

/// One database for the whole run, in a temp folder removed at exit.
struct ScratchDatabase {
  ScratchDatabase() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "kb-fuzz-article-").string() + "XXXXXX";
    if (!mkdtemp(tmpl.data())) kb::fuzz::fail("mkdtemp");
    dir = tmpl;
    db = Xapian::WritableDatabase(dir + "/index", Xapian::DB_CREATE_OR_OVERWRITE | Xapian::DB_NO_SYNC);
  }
  ~ScratchDatabase() {
    db.close();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  std::string dir;
  Xapian::WritableDatabase db;
  unsigned writes = 0;
};

ScratchDatabase& scratch() {
  static ScratchDatabase s;
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = kb::fuzz::as_text(data, size);

  // The body alone, as cmark sees any text: raw HTML must never survive.
  const kb::RenderedMarkdown md = kb::render_markdown(text);
  if (kb::fuzz::script_tags(md.html) != 0) kb::fuzz::fail("<script in rendered Markdown");

  kb::Article article;
  try {
    article = kb::parse_article("fuzz/input.md", text);
  } catch (const kb::ArticleError&) {
    return 0;  // reported and skipped, as kb-index does
  }
  const Xapian::Document doc = kb::build_document(article, "0123456789abcdef");
  if (doc.get_value(kb::schema::kSlotSlug) != article.slug) kb::fuzz::fail("slug value differs from the article's");

  ScratchDatabase& s = scratch();
  s.db.replace_document(std::string(kb::schema::kPrefixId) + article.slug, doc);
  if (++s.writes % 256 == 0) s.db.commit();  // keeps memory flat; glass checks terms here too
  return 0;
}
