#include "kb/search_cache.h"

#include <catch2/catch.hpp>

using kb::SearchCache;
using kb::SearchRequest;
using kb::SearchResponse;

namespace {

std::shared_ptr<const SearchResponse> response_for(const std::string& query, std::size_t snippet_bytes = 10) {
  auto r = std::make_shared<SearchResponse>();
  r->query = query;
  kb::SearchHit hit;
  hit.slug = "slug-" + query;
  hit.snippet_html = std::string(snippet_bytes, 'x');
  r->hits.push_back(hit);
  return r;
}

SearchRequest request_for(const std::string& query) {
  SearchRequest r;
  r.query = query;
  return r;
}

}  // namespace

TEST_CASE("search cache keys tell every field that changes a response apart", "[search_cache]") {
  const std::string base = SearchCache::key_of(request_for("vpn"));
  SearchRequest page2 = request_for("vpn");
  page2.page = 2;
  SearchRequest ko = request_for("vpn");
  ko.accept_languages = {"ko"};
  SearchRequest tagged = request_for("vpn");
  tagged.tags = {"network"};
  SearchRequest category = request_for("vpn");
  category.category = "network";
  SearchRequest lang = request_for("vpn");
  lang.lang = "en";
  for (const auto& other : {page2, ko, tagged, category, lang}) CHECK(SearchCache::key_of(other) != base);
  // A value cannot forge a field boundary.
  SearchRequest a = request_for("a");
  a.category = "b";
  SearchRequest b = request_for("a1:b");
  CHECK(SearchCache::key_of(a) != SearchCache::key_of(b));
  SearchRequest explained = request_for("vpn");
  explained.explain = true;
  CHECK(SearchCache::key_of(explained).empty());
}

TEST_CASE("search cache answers repeats within a generation only", "[search_cache]") {
  SearchCache cache(1 << 20);
  const std::string key = SearchCache::key_of(request_for("vpn"));
  CHECK(cache.find("rev1", key) == nullptr);
  cache.store("rev1", key, response_for("vpn"));
  const auto hit = cache.find("rev1", key);
  REQUIRE(hit != nullptr);
  CHECK(hit->hits.at(0).slug == "slug-vpn");
  CHECK(cache.find("rev2", key) == nullptr);  // the index moved on
  cache.store("rev2", SearchCache::key_of(request_for("wifi")), response_for("wifi"));
  CHECK(cache.stats().entries == 1);  // the old generation was dropped whole
  CHECK(cache.find("rev1", key) == nullptr);
  CHECK(cache.stats().hits == 1);
  CHECK(cache.find("rev2", "") == nullptr);  // uncacheable requests never match
  cache.store("rev2", "", response_for("x"));
  CHECK(cache.stats().entries == 1);
}

TEST_CASE("search cache evicts the least recently used beyond its budget", "[search_cache]") {
  SearchCache cache(20000);
  const auto k = [](int i) { return SearchCache::key_of(request_for("q" + std::to_string(i))); };
  for (int i = 0; i < 3; ++i) cache.store("g", k(i), response_for("q" + std::to_string(i), 2000));
  REQUIRE(cache.find("g", k(0)) != nullptr);  // 0 is now the most recently used
  for (int i = 3; i < 12; ++i) cache.store("g", k(i), response_for("q" + std::to_string(i), 2000));
  CHECK(cache.stats().bytes <= 20000);
  CHECK(cache.find("g", k(1)) == nullptr);
  CHECK(cache.find("g", k(11)) != nullptr);
  // An answer bigger than a quarter of the budget is not kept.
  cache.store("g", k(99), response_for("big", 9000));
  CHECK(cache.find("g", k(99)) == nullptr);
}
