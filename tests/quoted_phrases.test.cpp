/** @file quoted_phrases.test.cpp
 *  @brief Finding the phrases a person quoted in a section's text.
 */
#include "kb/quoted_phrases.h"

#include <catch2/catch.hpp>

#include <string>

using kb::QuotedPhrases;

namespace {

constexpr std::size_t npos = std::string_view::npos;

}  // namespace

TEST_CASE("a quoted phrase is found with its words in order, case and punctuation aside", "[quoted_phrases]") {
  const QuotedPhrases phrases("guest \"no passwords\" wifi");
  REQUIRE_FALSE(phrases.empty());
  const std::string text = "A password is required. Guests have No\nPasswords, and only browse.";
  CHECK(phrases.find(text) == text.find("No\nPasswords"));
  CHECK(phrases.find("No, passwords are never stored.") == 0);
  // The words apart, out of order, or in another form are not the phrase.
  CHECK(phrases.find("no strong passwords") == npos);
  CHECK(phrases.find("passwords no") == npos);
  CHECK(phrases.find("no password") == npos);
  CHECK(phrases.find("nopasswords") == npos);
}

TEST_CASE("several phrases, typographic quotes and a quote left open", "[quoted_phrases]") {
  const QuotedPhrases typographic("\xE2\x80\x9C" "file not found" "\xE2\x80\x9D" " or \"access denied");
  CHECK(typographic.find("Error: access denied (5)") == 7);
  CHECK(typographic.find("The file not found page") == 4);
  CHECK(typographic.find("access was denied") == npos);
}

TEST_CASE("a hostile query's phrases are bounded: the first 16, their first 32 words", "[quoted_phrases]") {
  std::string many, words;
  for (int i = 1; i <= 20; ++i) many += "\"w" + std::to_string(i) + "\" ";
  for (int i = 1; i <= 40; ++i) words += "w" + std::to_string(i) + " ";
  const QuotedPhrases first16(many);
  CHECK(first16.find("x w16 y") == 2);
  CHECK(first16.find("x w17 y") == npos);
  // A 40-word phrase is looked for by its first 32 words.
  const QuotedPhrases long_one("\"" + words + "\"");
  std::string first32;
  for (int i = 1; i <= 32; ++i) first32 += "w" + std::to_string(i) + " ";
  CHECK(long_one.find("start: " + first32 + "and then something else") == 7);
}

TEST_CASE("no quotes, or only empty ones, is no phrase", "[quoted_phrases]") {
  CHECK(QuotedPhrases("no passwords").empty());
  CHECK(QuotedPhrases("\"\" \" ,; \"").empty());
  CHECK(QuotedPhrases("").find("anything") == npos);
}

TEST_CASE("CJK characters in quotes are found character by character", "[quoted_phrases]") {
  const QuotedPhrases phrases("\"비밀번호\"");
  const std::string text = "계정의 비밀번호를 재설정";
  CHECK(phrases.find(text) == text.find("비밀번호"));
  CHECK(phrases.find("비밀 번호") == 0);  // the same characters, one by one
  CHECK(phrases.find("번호") == npos);
}
