/** @file section_terms.test.cpp
 *  @brief The per-section word tables the indexer writes and a search
 *  reads to pick a hit's best section.
 */
#include "kb/section_terms.h"

#include <catch2/catch.hpp>

#include <string>

using kb::section_term_key;

namespace {

std::vector<kb::SectionTerms> build(const std::vector<std::pair<std::string, std::string>>& sections,
                                    std::string& encoded) {
  kb::SectionTermsBuilder builder{Xapian::Stem("en")};
  for (const auto& [heading, text] : sections) builder.add_section(heading, text);
  encoded = builder.encoded();
  return kb::decode_section_terms(encoded);
}

}  // namespace

TEST_CASE("a section's table counts its words by their index stems, heading words twice", "[section_terms]") {
  std::string encoded;
  const auto tables = build({{"", "Intro text only."}, {"Reset passwords", "Resetting the PASSWORD: reset it twice."}}, encoded);
  REQUIRE(tables.size() == 2);
  CHECK(tables[0].count(section_term_key("Zintro")) == 1);
  CHECK(tables[0].count(section_term_key("Zpassword")) == 0);
  // "passwords" in the heading (2) and "PASSWORD" in the text (1).
  CHECK(tables[1].count(section_term_key("Zpassword")) == 3);
  // "Reset" (2), "Resetting" and "reset" (1 each).
  CHECK(tables[1].count(section_term_key("Zreset")) == 4);
  CHECK(tables[1].count(section_term_key("Zintro")) == 0);
  // Unstemmed terms are not in the tables: a search looks words up by stem.
  CHECK(tables[1].count(section_term_key("passwords")) == 0);
}

TEST_CASE("an article in another language counts its words by its own stems and by English ones", "[section_terms]") {
  kb::SectionTermsBuilder builder{Xapian::Stem("de")};
  builder.add_section("", "Drucker druckt");
  const std::string encoded = builder.encoded();
  const auto tables = kb::decode_section_terms(encoded);
  REQUIRE(tables.size() == 1);
  CHECK(tables[0].count(section_term_key("Z" + Xapian::Stem("de")("drucker"))) >= 1);
  CHECK(tables[0].count(section_term_key("Zdrucker")) == 1);  // English leaves it whole
  // A word both stemmers agree on counts once, not twice.
  CHECK(tables[0].count(section_term_key("Zdruckt")) == 1);
}

TEST_CASE("CJK text counts as unigrams and bigrams, as the index has it", "[section_terms]") {
  std::string encoded;
  const auto tables = build({{"", "パスワードを変更"}}, encoded);
  REQUIRE(tables.size() == 1);
  CHECK(tables[0].count(section_term_key("パ")) == 1);
  CHECK(tables[0].count(section_term_key("パス")) == 1);
  CHECK(tables[0].count(section_term_key("変更")) == 1);
  CHECK(tables[0].count(section_term_key("パ変")) == 0);
}

TEST_CASE("text past the scan limits is not counted, headings always are", "[section_terms]") {
  const std::string filler(kb::kMaxScanSection, 'x');
  std::string encoded;
  std::vector<std::pair<std::string, std::string>> sections{{"Early", filler + " late"}};
  // Enough long sections to spend the article's budget.
  for (std::size_t spent = kb::kMaxScanSection; spent < kb::kMaxScanArticle; spent += kb::kMaxScanSection) {
    sections.emplace_back("Filler", filler);
  }
  sections.emplace_back("Printer", "toner");
  const auto tables = build(sections, encoded);
  REQUIRE(tables.size() == sections.size());
  CHECK(tables.front().count(section_term_key("Zearli")) == 2);
  CHECK(tables.front().count(section_term_key("Zlate")) == 0);
  CHECK(tables.back().count(section_term_key("Zprinter")) == 2);
  CHECK(tables.back().count(section_term_key("Ztoner")) == 0);
}

TEST_CASE("a word's count is capped, not wrapped", "[section_terms]") {
  std::string text;
  for (int i = 0; i < 300; ++i) text += "error ";
  std::string encoded;
  const auto tables = build({{"", text}}, encoded);
  REQUIRE(tables.size() == 1);
  CHECK(tables[0].count(section_term_key("Zerror")) == 255);
}

TEST_CASE("a damaged table decodes to none, not to a wrong one", "[section_terms]") {
  std::string encoded;
  REQUIRE(build({{"Reset", "password"}, {"Other", "words here"}}, encoded).size() == 2);
  CHECK(kb::decode_section_terms(std::string_view(encoded).substr(0, encoded.size() - 1)).empty());
  CHECK(kb::decode_section_terms(std::string_view(encoded).substr(0, 2)).empty());
  const std::string too_many("\xff\xff\xff\xff", 4);
  CHECK(kb::decode_section_terms(std::string_view(too_many)).empty());
  CHECK(kb::decode_section_terms(std::string_view()).empty());
}
