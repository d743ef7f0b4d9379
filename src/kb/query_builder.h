/** @file query_builder.h
 *  @brief Turns what a person typed into the Xapian queries of the search
 *  ladder: every word, every word or a synonym, and the ranking query
 *  (any word, title field, all-words bonus, synonyms, exact identifiers).
 */
#pragma once

#include "kb/synonyms.h"

#include <xapian.h>

#include <string>
#include <unordered_set>
#include <vector>

namespace kb {

/// Global ranking parameters. Tuned on the StackFAQ tuning queries
/// (bench/relevance) as a whole, never for single queries.
struct RankingParams {
  double bm25_k1 = 1.8;            ///< term-frequency saturation
  double bm25_b = 0.9;             ///< length normalisation: long articles do not win by size
  /// An article shorter than this share of the normal length counts as
  /// this long. 0.3 and k1 1.8 since length is measured against the first
  /// matches (length_from_matches): with 0.5 and 1.5 the distractor costs
  /// were 0.033 and 0.024, with 0.3 and 1.8 0.029 and 0.017
  /// (bench/relevance: thread MRR@10, pair nDCG@10).
  double bm25_min_normlen = 0.3;
  /// The reordering of the first matches measures each article's length
  /// against theirs (their median) instead of the whole index's average
  /// (bm25_weight.h). Off, the distractor costs are 0.037 and 0.035.
  bool length_from_matches = true;
  double title_weight = 1.0;       ///< title-field BM25 added to the whole-text BM25
  double title_k1 = 1.2;           ///< the title field's own BM25 (title_match.h)
  double title_b = 0.75;
  /// When no article has every word, the first matches whose titles
  /// resemble the best match's title gain this much of that likeness:
  /// several answers to one question come together.
  double similar_title_weight = 0.3;
  double all_words_boost = 0.3;    ///< extra weight for articles with every word
  double synonym_weight = 0.5;     ///< a synonym counts this much of the word it stands for
  double proximity_weight = 0.2;   ///< bonus for consecutive query words found close together
  unsigned proximity_window = 10;
  /// Consecutive pairs weighed, from the query's start. Each pair reads
  /// its two words' positions in the first page's articles: a pasted log
  /// line with 16 pairs spent 1.2 ms on them at 10,000 articles, with 8
  /// 0.5 ms, and the tuning queries scored the same (thread MRR@10 0.8512
  /// against 0.8502, pair nDCG@10 0.7842 against 0.7841; bench/relevance).
  std::size_t proximity_pairs = 8;
  double compound_weight = 0.2;    ///< a joined word found as written ("sign-in", "asp.net")
  double error_token_weight = 3.0; ///< exact identifiers outrank loose word matches
  double language_boost = 2.0;     ///< the person's language first within a translation group
  /// Preferred when neither the query's script nor Accept-Language says
  /// (kb-server --default-lang).
  std::string default_language = "en";
  double learned_boost_max = 0.1;  ///< behaviour can move a score by at most 10%
  /// Queries with more words than this are read as pasted text (logs,
  /// whole sentences): the every-word rungs are skipped.
  std::size_t max_strict_words = 12;
  /// Such pasted text is matched on this many of its words, the most
  /// selective (Xapian's OP_ELITE_SET); 0: all of them.
  std::size_t pasted_text_words = 12;
  /// Spelling correction: words shorter than this are never corrected
  /// ("kid" is not "did"); shorter than two_edit_letters, only to a word
  /// one edit away ("crowd" is not "cross", "viable" not "able"). With 5
  /// and 9 (Meilisearch's defaults) a typo in a four-letter word ("mial")
  /// went uncorrected: typos cost thread MRR@10 0.008 and pair nDCG@10
  /// 0.012, against 0.004 and 0.005 with 4 (bench/relevance).
  std::size_t one_edit_letters = 4;
  std::size_t two_edit_letters = 9;
};

/// English words that carry no meaning in a question ("how do I ...",
/// "is there a way to ...", "I'd like to ...").
const Xapian::Stopper& english_stopper();

/// @p text with the hyphens and dots inside the words of its plain tokens
/// (not quoted, not fields) made spaces: "sign-in" and "asp.net" match as
/// two words, and "wi-f" completes "Wi-Fi" as "wi f".
std::string without_inner_joiners(std::string text);

class QueryBuilder {
 public:
  QueryBuilder(const Xapian::Database& db, const Xapian::Stem& stem, const Synonyms& synonyms,
               const RankingParams& params);

  /// The last word of the text is still being typed (SearchRequest::
  /// partial): all_words(), ranked() and bonus() match it as the start of
  /// words too (the query parser's FLAG_PARTIAL, expanded to its 50
  /// commonest completions, as /api/suggest does), and the correction
  /// leaves it alone while some word starts with it.
  void set_partial(bool partial) { partial_ = partial; }
  /// The word of @p text being typed: its last word when set_partial(),
  /// nothing follows it, and it is no stop word, at least two letters and
  /// not CJK (n-grams, not words); else "".
  std::string partial_word(const std::string& text) const;

  /// Every word must match, literally. Also computes correction().
  Xapian::Query all_words(const std::string& text);
  /// The query with each misspelt word (one in no article) corrected, or
  /// "" when there was nothing to correct. Valid after all_words().
  const std::string& correction() const { return correction_; }

  /// Every word must match, itself or through a synonym; an empty query
  /// when no synonym applies to @p text.
  Xapian::Query all_words_or_synonyms(const std::string& text);

  /// The ranking query: matches any word; scores add title matches,
  /// synonyms and exact identifiers.
  Xapian::Query ranked(const std::string& text);

  /// What reorders the first matches of ranked() (rerank.h): joined words
  /// ("sign-in", "asp.net") found as written, and every word present.
  /// Costly to weigh on every candidate (lists read to their ends), cheap
  /// on a few dozen.
  Xapian::Query bonus(const std::string& text);

  /// Consecutive words of the query found close together (OP_NEAR): what
  /// reorders the best few of those (positions are costlier still).
  /// Empty when the query has no such pair.
  Xapian::Query proximity(const std::string& text);

  /// The title-field terms of @p title, as a title search would use them.
  std::vector<std::string> title_terms_of(const std::string& title);

  /// The title-field terms of the last ranked() query (for explanations).
  const std::vector<std::string>& title_terms() const { return title_terms_; }

  /// Where the words of the ranked() queries so far came from, for what a
  /// result shows (its section, snippet and marks): the person's own words
  /// first, then single-word synonyms. The single words of a synonym phrase
  /// ("remote" of "remote access") are in neither: alone they are not
  /// what was asked for.
  struct WordOrigins {
    std::unordered_set<std::string> typed;
    std::unordered_set<std::string> synonyms;
    std::vector<std::vector<std::string>> synonym_phrases;  ///< their words, as split_words() gives them
    /// The words the half-typed last word matched as (set_partial()), as
    /// the query parser expands it; typed words too.
    std::vector<std::string> completions;
  };
  const WordOrigins& word_origins() const { return word_origins_; }

  /// What @p text requires of an article whatever its words: the filters
  /// ("tag:vpn") and exclusions ("-vpn", "NOT vpn") it holds, around every
  /// article.
  Xapian::Query constraints(const std::string& text);

  /// Words of @p text after stop words are removed (for the long-query rule).
  std::size_t word_count(const std::string& text) const;

 private:
  Xapian::Query parse(const std::string& text, Xapian::Query::op op, unsigned extra_flags);
  /// FLAG_PARTIAL when @p text ends in a partial_word(), else 0.
  unsigned partial_flag(const std::string& text) const;
  std::string correct_spelling(const std::string& text) const;
  Xapian::Query parse_title(const std::string& text);
  Xapian::Query title_match(const std::string& text, std::vector<std::string>* terms_out);
  Xapian::Query phrase_or_word(const std::string& text);
  /// Every article but those @p text excludes, when it has no other word
  /// ("-vpn"); else empty.
  Xapian::Query only_exclusions(const std::string& text);
  /// @p query without the articles @p text excludes.
  Xapian::Query with_exclusions(const std::string& text, const Xapian::Query& query);

  const Xapian::Database& db_;
  const Synonyms& synonyms_;
  const RankingParams& params_;
  Xapian::Stem stem_;
  Xapian::QueryParser qp_;
  Xapian::QueryParser title_qp_;
  bool partial_ = false;
  std::string correction_;
  std::vector<std::string> title_terms_;
  WordOrigins word_origins_;
};

}  // namespace kb
