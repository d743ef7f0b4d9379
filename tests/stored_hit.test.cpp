#include "kb/stored_hit.h"

#include <catch2/catch.hpp>

#include <string>

TEST_CASE("a stored hit decodes to the fields it was encoded from, whatever bytes they hold", "[stored_hit]") {
  const std::string sections = std::string("\x1f\x1fLead text\x1e") + "step-1\x1fStep 1: 12:30\x1fRestart it.";
  kb::StoredHit hit;
  hit.slug = "vpn-drops";
  hit.title = "VPN drops: 3 fixes";  // digits and colons inside a field
  hit.summary = "";
  hit.category = "network";
  hit.tags = "vpn\nwifi";
  hit.lang = "en";
  hit.updated = "2026-05-01";
  hit.sections = sections;
  const std::string value = kb::encode_stored_hit(hit);
  const auto back = kb::decode_stored_hit(value);
  REQUIRE(back);
  CHECK(back->slug == "vpn-drops");
  CHECK(back->title == "VPN drops: 3 fixes");
  CHECK(back->summary.empty());
  CHECK(back->category == "network");
  CHECK(back->tags == "vpn\nwifi");
  CHECK(back->lang == "en");
  CHECK(back->updated == "2026-05-01");
  CHECK(back->sections == sections);
}

TEST_CASE("a damaged or foreign stored hit is refused, not read past its end", "[stored_hit]") {
  kb::StoredHit hit;
  hit.slug = "a";
  hit.title = "Title";
  const std::string value = kb::encode_stored_hit(hit);
  REQUIRE(kb::decode_stored_hit(value));
  using namespace std::string_view_literals;
  CHECK_FALSE(kb::decode_stored_hit(""sv));
  CHECK_FALSE(kb::decode_stored_hit("slug\x1ftitle"sv));  // not this encoding
  const std::string cut = value.substr(0, value.size() - 1);
  CHECK_FALSE(kb::decode_stored_hit(cut));
  const std::string extra = value + "x";
  CHECK_FALSE(kb::decode_stored_hit(extra));
  CHECK_FALSE(kb::decode_stored_hit("9999:x"sv));  // a length past the end
}
