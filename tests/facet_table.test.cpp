#include "kb/facet_table.h"

#include "kb/index_writer.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>

using kb::FacetTable;

namespace {

void write_article(kb::test::TempDir& dir, const std::string& name, const std::string& front) {
  dir.write("articles/" + name + ".md", "---\n" + front + "\n---\nSome text about " + name + ".\n");
}

void index(const kb::test::TempDir& dir) {
  kb::IndexOptions opt;
  opt.articles_dir = dir / "articles";
  opt.index_dir = dir / "index";
  REQUIRE(kb::build_index(opt).skipped == 0);
}

struct Counted {
  kb::FacetCounts categories, tags, langs;
};

/// Counts facets over every document, as a search matching all would.
Counted count_all(const Xapian::Database& db, std::size_t top = 10) {
  FacetTable::Counter counter(FacetTable::for_database(db));
  Xapian::Enquire enquire(db);
  enquire.set_query(Xapian::Query::MatchAll);
  enquire.add_matchspy(&counter);
  enquire.get_mset(0, 10, db.get_doccount());
  return {counter.categories(top), counter.tags(top), counter.langs(top)};
}

}  // namespace

TEST_CASE("facet table counts categories and tags once per translation group, languages per version", "[facet_table]") {
  kb::test::TempDir dir;
  write_article(dir, "sso", "title: SSO\ncategory: Accounts\ntags: [password, sso]");
  write_article(dir, "sso-ko", "title: SSO ko\nlang: ko\ntranslation_of: sso\ncategory: Accounts\ntags: [password]");
  write_article(dir, "vpn", "title: VPN\ncategory: Network\ntags: [vpn, password]");
  index(dir);
  Xapian::Database db((dir / "index").string());
  const auto table = FacetTable::for_database(db);
  CHECK(table->has_translation_groups());
  CHECK(table->language_count() == 2);

  const Counted counted = count_all(db);
  CHECK(counted.categories == kb::FacetCounts{{"Accounts", 1}, {"Network", 1}});
  CHECK(counted.tags == kb::FacetCounts{{"password", 2}, {"sso", 1}, {"vpn", 1}});
  CHECK(counted.langs == kb::FacetCounts{{"en", 2}, {"ko", 1}});
  CHECK(count_all(db, 1).tags == kb::FacetCounts{{"password", 2}});
}

TEST_CASE("facet table is shared within a revision and rebuilt for the next", "[facet_table]") {
  kb::test::TempDir dir;
  write_article(dir, "a", "title: A\ncategory: One");
  write_article(dir, "b", "title: B\ncategory: Two");
  index(dir);
  Xapian::Database db((dir / "index").string());
  const auto first = FacetTable::for_database(db);
  CHECK(FacetTable::for_database(db) == first);
  CHECK_FALSE(first->has_translation_groups());  // nothing to collapse
  CHECK(first->language_count() == 1);

  write_article(dir, "c", "title: C\ncategory: Two");
  index(dir);
  REQUIRE(db.reopen());
  const auto second = FacetTable::for_database(db);
  CHECK(second != first);
  CHECK(count_all(db).categories == kb::FacetCounts{{"Two", 2}, {"One", 1}});
}
