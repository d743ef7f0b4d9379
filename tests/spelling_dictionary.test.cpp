#include "kb/spelling_dictionary.h"

#include "support/search_index.h"

#include <catch2/catch.hpp>

#include <map>

TEST_CASE("edit distance counts insertions, deletions, substitutions and swaps of neighbours", "[spelling]") {
  CHECK(kb::edit_distance("desktop", "desktop", 2) == 0);
  CHECK(kb::edit_distance("deskttop", "desktop", 2) == 1);   // a letter doubled
  CHECK(kb::edit_distance("dsktop", "desktop", 2) == 1);     // dropped
  CHECK(kb::edit_distance("deskrop", "desktop", 2) == 1);    // changed
  CHECK(kb::edit_distance("oepration", "operation", 2) == 1);  // swapped
  CHECK(kb::edit_distance("ifnormaton", "information", 2) == 2);
  CHECK(kb::edit_distance("printer", "desktop", 2) == 3);    // over the limit: limit + 1
  CHECK(kb::edit_distance("", "abc", 5) == 3);
  CHECK(kb::edit_distance("abcdef", "ab", 1) == 2);
}

TEST_CASE("the dictionary corrects one edit to the most frequent word and leaves the rest to Xapian", "[spelling]") {
  kb::SpellingDictionary d;
  d.add("printer", 40);
  d.add("pointer", 3);
  d.add("painter", 3);
  d.add("print", 90);
  d.add("cafe", 5);
  d.add("caf\xc3\xa9", 5);  // not plain ASCII: left out
  d.finish();
  CHECK(d.size() == 5);  // all but the accented word

  CHECK(d.suggest("printre") == std::optional<std::string>("printer"));  // swap
  CHECK(d.suggest("prrinter") == std::optional<std::string>("printer"));  // doubled
  CHECK(d.suggest("prnter") == std::optional<std::string>("printer"));    // dropped
  // "pinter" is one edit from printer, pointer and painter: the most frequent.
  CHECK(d.suggest("pinter") == std::optional<std::string>("printer"));
  CHECK(d.suggest("printer") == std::optional<std::string>(""));  // a word already
  CHECK_FALSE(d.suggest("prointre").has_value());  // two edits: Xapian's turn
  CHECK_FALSE(d.suggest("caf\xc3\xa8").has_value());  // not ASCII
  CHECK_FALSE(d.suggest(std::string(40, 'a')).has_value());  // too long
  CHECK_FALSE(d.suggest("").has_value());

  kb::SpellingDictionary ties;
  ties.add("bat", 2);
  ties.add("cat", 2);
  ties.finish();
  CHECK(ties.suggest("aat") == std::optional<std::string>("bat"));  // equal: alphabetical
}

TEST_CASE("the dictionary agrees with Xapian's own suggestion one edit away", "[spelling]") {
  const kb::test::FixtureIndex fixture;
  const Xapian::Database db(fixture.index().string());
  const auto dictionary = kb::SpellingDictionary::for_database(db);
  REQUIRE(dictionary->size() > 50);
  CHECK(kb::SpellingDictionary::for_database(db) == dictionary);  // shared per revision

  std::map<std::string, Xapian::doccount> frequency;
  for (auto it = db.spellings_begin(); it != db.spellings_end(); ++it) frequency[*it] = it.get_termfreq();
  std::size_t answered = 0, compared = 0;
  for (const auto& [word, unused] : frequency) {
    if (word.size() < 5) continue;
    for (const std::string& typed : {word.substr(0, 2) + word.substr(1), word.substr(0, 2) + word.substr(3)}) {
      if (db.term_exists(typed)) continue;  // the typo is itself a word
      ++compared;
      const std::optional<std::string> ours = dictionary->suggest(typed);
      if (!ours) continue;
      ++answered;
      const std::string xapians = db.get_spelling_suggestion(typed);
      INFO(typed << ": kb " << *ours << ", xapian " << xapians);
      REQUIRE(!xapians.empty());
      // The same distance; equally or more frequent (Xapian may pick
      // another of equal frequency).
      CHECK(kb::edit_distance(typed, *ours, 2) == kb::edit_distance(typed, xapians, 2));
      CHECK(frequency.at(*ours) >= frequency.at(xapians));
    }
  }
  CHECK(compared > 100);
  CHECK(answered == compared);  // every one-edit typo of a word is answered from memory
}
