#include "kb/prepared_hit.h"

#include "kb/schema.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>

#include <string>

namespace {

std::string record(const std::string& slug, const std::string& sections) {
  const std::string title = "Title of " + slug;  // StoredHit only views it
  kb::StoredHit hit;
  hit.slug = slug;
  hit.title = title;
  hit.lang = "en";
  hit.sections = sections;
  return kb::encode_stored_hit(hit);
}

/// An index of @p n documents, the i-th (docid i) holding record("a<i>").
Xapian::WritableDatabase index_of(const kb::test::TempDir& dir, int n) {
  Xapian::WritableDatabase db((dir / "index").string(), Xapian::DB_CREATE_OR_OPEN);
  for (int i = 1; i <= n; ++i) {
    Xapian::Document doc;
    doc.add_value(kb::schema::kSlotHit, record("a" + std::to_string(i), "\x1f\x1fLead of " + std::to_string(i)));
    db.add_document(doc);
  }
  db.commit();
  return db;
}

}  // namespace

TEST_CASE("sections split into anchor, heading and text, and a record missing a field is skipped", "[prepared_hit]") {
  const auto sections = kb::parse_sections(std::string_view("\x1f\x1fLead\x1estep-1\x1fStep 1\x1fRestart it.\x1e" "broken\x1e" "end\x1f" "End\x1f"));
  REQUIRE(sections.size() == 3);
  CHECK(sections[0].anchor.empty());
  CHECK(sections[0].text == "Lead");
  CHECK(sections[1].anchor == "step-1");
  CHECK(sections[1].heading == "Step 1");
  CHECK(sections[1].text == "Restart it.");
  CHECK(sections[2].anchor == "end");
  CHECK(sections[2].text.empty());
  CHECK(kb::parse_sections(std::string_view()).empty());
}

TEST_CASE("a prepared hit owns its record: its fields and sections stay readable after the source is gone", "[prepared_hit]") {
  std::shared_ptr<const kb::PreparedHit> hit;
  {
    std::string source = record("vpn-drops", "\x1f\x1fLead\x1ereconnect\x1fReconnect\x1fTurn it off and on.");
    hit = std::make_shared<const kb::PreparedHit>(source);
    source.assign(source.size(), '#');  // a view into the caller's string would now read '#'
  }
  CHECK(hit->stored().slug == "vpn-drops");
  CHECK(hit->stored().title == "Title of vpn-drops");
  REQUIRE(hit->sections().size() == 2);
  CHECK(hit->sections()[1].heading == "Reconnect");
  CHECK(hit->sections()[1].text == "Turn it off and on.");
  CHECK(hit->section_terms().empty());  // this record has no word tables
  CHECK(hit->bytes() > std::string("Turn it off and on.").size());
}

TEST_CASE("a damaged record prepares as an empty hit, not an error", "[prepared_hit]") {
  const kb::PreparedHit hit(std::string("12:not a record"));
  CHECK(hit.stored().slug.empty());
  CHECK(hit.stored().title.empty());
  CHECK(hit.sections().empty());
  CHECK(hit.section_terms().empty());
}

TEST_CASE("the hit cache answers a document's repeat from memory, and only within one revision", "[prepared_hit]") {
  const kb::test::TempDir dir;
  Xapian::WritableDatabase db = index_of(dir, 3);
  kb::HitCache cache(1 << 20);
  const auto first = cache.get("r1", db.get_document(2));
  CHECK(first->stored().slug == "a2");
  CHECK(cache.get("r1", db.get_document(2)) == first);  // the same object: not read again
  CHECK(cache.get("r1", db.get_document(3)) != first);
  CHECK(cache.stats().hits == 1);
  CHECK(cache.stats().misses == 2);

  // A later revision may have given docid 2 other text.
  Xapian::Document changed;
  changed.add_value(kb::schema::kSlotHit, record("a2-changed", "\x1f\x1fNew lead"));
  db.replace_document(2, changed);
  db.commit();
  const auto after = cache.get("r2", db.get_document(2));
  CHECK(after != first);
  CHECK(after->stored().slug == "a2-changed");
  CHECK(first->stored().slug == "a2");  // a search still holding the old one reads it whole
}

TEST_CASE("the hit cache keeps no more than its budget, and nothing with a budget of 0", "[prepared_hit]") {
  const kb::test::TempDir dir;
  Xapian::WritableDatabase db = index_of(dir, 40);
  const std::size_t one = kb::PreparedHit(record("a1", "\x1f\x1fLead of 1")).bytes();
  kb::HitCache small(one * 40);  // room for a few entries (each is also charged its key and nodes)
  for (Xapian::docid d = 1; d <= 40; ++d) small.get("r", db.get_document(d));
  CHECK(small.stats().bytes <= one * 40);
  CHECK(small.stats().entries < 40);
  CHECK(small.stats().entries > 0);

  kb::HitCache none(0);
  const auto a = none.get("r", db.get_document(1));
  CHECK(a->stored().slug == "a1");
  CHECK(none.get("r", db.get_document(1)) != a);
  CHECK(none.stats().entries == 0);
}
