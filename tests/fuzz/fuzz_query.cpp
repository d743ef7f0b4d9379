/** @file fuzz_query.cpp
 *  @brief libFuzzer target: a request's query string, decoded the way
 *  kb-server decodes it (server/http_util.cpp), through everything a search
 *  request reaches: the search ladder with its filters and paging, title
 *  completion, ticket suggestions, article and alias lookup, and the
 *  Accept-Language parser. Runs on a real index of tests/fixtures/search.
 *
 *  Properties: nothing but BadRequest (a 400) ever escapes; a response
 *  never has more hits than it was asked for.
 */
#include "fuzz_input.h"

#include "http_util.h"
#include "kb/index_writer.h"
#include "kb/searcher.h"

#include <charconv>
#include <filesystem>
#include <memory>

namespace {

struct FixtureSearcher {
  FixtureSearcher() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "kb-fuzz-query-").string() + "XXXXXX";
    if (!mkdtemp(tmpl.data())) kb::fuzz::fail("mkdtemp");
    dir = tmpl;
    kb::IndexOptions opt;
    opt.articles_dir = std::filesystem::path(KB_FIXTURES_DIR) / "search";
    opt.index_dir = dir / "index";
    if (kb::build_index(opt).skipped != 0) kb::fuzz::fail("fixture articles did not index");
    searcher = std::make_unique<kb::Searcher>(opt.index_dir);
  }
  ~FixtureSearcher() {
    searcher.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  std::filesystem::path dir;
  std::unique_ptr<kb::Searcher> searcher;
};

kb::Searcher& searcher() {
  static FixtureSearcher s;
  return *s.searcher;
}

/// As kb-server reads whole-number parameters: anything else is a 400.
bool whole_number(const std::string& text, int fallback, int& out) {
  if (text.empty()) {
    out = fallback;
    return true;
  }
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

template <class F>
void allowing_bad_request(F&& f) {
  try {
    f();
  } catch (const kb::BadRequest&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  searcher();  // index once, before the first input
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = kb::fuzz::as_text(data, size);
  // The query string as the server sees it in a request target.
  httplib::Request req;
  req.target = "/search?" + std::string(text);
  const kb::server::QueryParams params(req);

  kb::SearchRequest r;
  r.query = params.get("q");
  if (!whole_number(params.get("page"), 1, r.page) || !whole_number(params.get("per_page"), 10, r.per_page)) return 0;
  r.lang = params.get("lang");
  r.category = params.get("category");
  for (auto& tag : params.all("tag")) {
    if (!tag.empty()) r.tags.push_back(std::move(tag));
  }
  r.accept_languages = kb::server::accept_languages(params.get("al"));
  r.explain = params.has("explain");

  kb::Searcher& s = searcher();
  allowing_bad_request([&] {
    const kb::SearchResponse response = s.search(r);
    if (response.hits.size() > static_cast<std::size_t>(r.per_page)) kb::fuzz::fail("more hits than per_page");
  });
  allowing_bad_request([&] { s.complete_titles(r.query, 8, r.lang); });
  allowing_bad_request([&] { s.suggest_for_ticket(r.query, params.get("body"), 5); });
  allowing_bad_request([&] {
    if (const auto article = s.find_article(r.query)) s.related(*article, 3);
    s.resolve_alias(r.query);
    s.section_text(r.query, params.get("anchor"), "https://kb.example.com");
  });
  return 0;
}
