/** @file query_builder.cpp
 *  @brief The ladder's queries.
 */
#include "kb/query_builder.h"

#include "kb/error_tokens.h"
#include "kb/schema.h"
#include "kb/spelling_dictionary.h"
#include "kb/text.h"
#include "kb/title_match.h"

#include <algorithm>
#include <cctype>

namespace kb {

namespace {

constexpr unsigned kParseFlags = Xapian::QueryParser::FLAG_PHRASE | Xapian::QueryParser::FLAG_BOOLEAN |
                                 Xapian::QueryParser::FLAG_LOVEHATE | Xapian::QueryParser::FLAG_WILDCARD |
                                 Xapian::QueryParser::FLAG_CJK_NGRAM;

/// Words a wildcard ("print*") or a half-typed last word stands for, at
/// most: the commonest ones.
constexpr Xapian::termcount kMaxExpansion = 50;

Xapian::Query scaled(const Xapian::Query& q, double factor) {
  return Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, q, factor);
}

bool ascii_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/// Calls on_plain(begin, end) for each whitespace-separated token of
/// @p text that is plain words: not inside quotes (a phrase the person
/// asked for) and not a field or filter ("tag:wi-fi", "title:sign-in"),
/// which the query parser must see as written.
template <class OnPlain>
void plain_tokens(const std::string& text, OnPlain&& on_plain) {
  bool quoted = false;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r') {
      ++i;
      continue;
    }
    std::size_t end = i;
    bool special = quoted;
    while (end < text.size() && text[end] != ' ' && text[end] != '\t' && text[end] != '\n' && text[end] != '\r') {
      if (text[end] == '"') {
        quoted = !quoted;
        special = true;
      }
      // "title:vpn", "C:\\Windows", an address; not "VPN:" ending a word.
      if (text[end] == ':' && end + 1 < text.size() && text[end + 1] != ' ' && text[end + 1] != '\t' &&
          text[end + 1] != '\n' && text[end + 1] != '\r') {
        special = true;
      }
      ++end;
    }
    if (!special) on_plain(i, end);
    i = end;
  }
}

bool constrains(const Xapian::Query& q) {
  const auto type = q.get_type();
  return (type == Xapian::Query::OP_FILTER || type == Xapian::Query::OP_AND_NOT) && q.get_num_subqueries() >= 2;
}

/// What a parsed query scores with: the left side of its filters
/// (OP_FILTER) and exclusions (OP_AND_NOT), all the way down.
Xapian::Query scoring_part(const Xapian::Query& parsed) {
  return constrains(parsed) ? scoring_part(parsed.get_subquery(0)) : parsed;
}

/// @p parsed with @p scoring in place of its scoring part: the same
/// filters and exclusions around it.
Xapian::Query with_scoring(const Xapian::Query& parsed, const Xapian::Query& scoring) {
  if (!constrains(parsed)) return scoring;
  std::vector<Xapian::Query> subqueries{with_scoring(parsed.get_subquery(0), scoring)};
  for (std::size_t i = 1; i < parsed.get_num_subqueries(); ++i) subqueries.push_back(parsed.get_subquery(i));
  return Xapian::Query(parsed.get_type(), subqueries.begin(), subqueries.end());
}

bool ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/// Whether the dots of the plain token text[begin, end) may join words: a
/// name such as "asp.net" or "node.js" has one, and no '@', '/' or '\\'.
/// E-mail and web addresses, paths and dotted versions stay whole (the
/// query parser's phrase; error_tokens keeps many of them exactly).
bool dots_may_join(const std::string& text, std::size_t begin, std::size_t end) {
  std::size_t dots = 0;
  for (std::size_t i = begin; i < end; ++i) {
    const char c = text[i];
    if (c == '@' || c == '/' || c == '\\') return false;
    // A dot that ends a sentence ("fails in asp.net.") does not count.
    if (c == '.' && i > begin && i + 1 < end && ascii_alnum(text[i - 1]) && ascii_alnum(text[i + 1])) ++dots;
  }
  return dots == 1;
}

/// Whether @p text[i] joins two parts of one written word: a hyphen
/// between ASCII letters or digits ("sign-in", "wi-fi"), or, where
/// @p dots_join, a dot between letters ("asp.net"; not "10.0").
bool inner_joiner(const std::string& text, std::size_t i, bool dots_join) {
  if (i == 0 || i + 1 >= text.size()) return false;
  if (text[i] == '-') return ascii_alnum(text[i - 1]) && ascii_alnum(text[i + 1]);
  return dots_join && text[i] == '.' && ascii_alpha(text[i - 1]) && ascii_alpha(text[i + 1]);
}

/// The joined words of @p text's plain tokens ("sign-in", "asp.net"),
/// each once, at most @p limit of them.
std::vector<std::string> joined_words(const std::string& text, std::size_t limit) {
  std::vector<std::string> out;
  plain_tokens(text, [&](std::size_t begin, std::size_t end) {
    const bool dots_join = dots_may_join(text, begin, end);
    std::size_t i = begin;
    while (i < end && out.size() < limit) {
      if (!ascii_alnum(text[i])) {
        ++i;
        continue;
      }
      std::size_t stop = i;
      bool joined = false;
      while (stop < end && (ascii_alnum(text[stop]) || (stop + 1 < end && inner_joiner(text, stop, dots_join)))) {
        joined = joined || !ascii_alnum(text[stop]);
        ++stop;
      }
      std::string word = text.substr(i, stop - i);
      if (joined && std::find(out.begin(), out.end(), word) == out.end()) out.push_back(std::move(word));
      i = stop;
    }
  });
  return out;
}

}  // namespace

// The query parser would make "sign-in" a phrase, which Xapian checks
// against the positions of every article holding both words ("in" is in
// all of them): 18 ms of a 20 ms search at 100,000 articles, and
// "asp.net" 8 ms. The phrase still counts, in the reordering (bonus()).
std::string without_inner_joiners(std::string text) {
  const std::string original = text;
  plain_tokens(original, [&](std::size_t begin, std::size_t end) {
    const bool dots_join = dots_may_join(original, begin, end);
    for (std::size_t i = begin; i < end; ++i) {
      if (inner_joiner(original, i, dots_join)) text[i] = ' ';
    }
  });
  return text;
}

namespace {

/// Whether @p token is one of the query parser's operators as it wants them
/// written (FLAG_BOOLEAN): "AND", "NEAR/3".
bool boolean_operator(std::string_view token) {
  for (const std::string_view op : {"AND", "OR", "NOT", "XOR"}) {
    if (token == op) return true;
  }
  for (const std::string_view op : {"NEAR", "ADJ"}) {
    if (token.substr(0, op.size()) == op && (token.size() == op.size() || token[op.size()] == '/')) return true;
  }
  return false;
}

/// @p text with the capitalised words no article has as written lower-cased.
/// The query parser stems only words written in lower case (a capital
/// marks a name, kept as written), so "Disconnects", as a phone capitalises
/// a query's first word, looked for that exact word, found no article
/// (they say "disconnect", "disconnected") and nothing rescued it. A word
/// some article has as written ("Windows", or "Drucker" in a German
/// article, which an English stem would miss) keeps its capital.
/// Boolean operators ("AND", "NEAR/3") stay as they are.
std::string lower_case_unknown_words(const std::string& text, const Xapian::Database& db) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t end = std::min(text.find_first_of(" \t\r\n", i), text.size());
    const std::string_view token(text.data() + i, end - i);
    std::size_t core_begin = 0, core_end = token.size();
    while (core_begin < core_end && std::ispunct(static_cast<unsigned char>(token[core_begin]))) ++core_begin;
    while (core_end > core_begin && std::ispunct(static_cast<unsigned char>(token[core_end - 1]))) --core_end;
    const std::string core_lower = to_lower(token.substr(core_begin, core_end - core_begin));
    const bool as_written = boolean_operator(token) || core_lower == token.substr(core_begin, core_end - core_begin) ||
                            db.term_exists(core_lower);
    out += as_written ? std::string(token) : to_lower(token);
    if (end < text.size()) out += text[end];
    i = end + 1;
  }
  return out;
}

/// Whether the plain token text[begin, end) excludes a word ("-vpn",
/// FLAG_LOVEHATE's hate): a dash before a letter. "-2147467259" (an
/// HRESULT as COM prints it) is a number pasted, not excluded.
bool excluding(const std::string& text, std::size_t begin, std::size_t end) {
  if (end - begin < 2 || text[begin] != '-') return false;
  const auto next = static_cast<unsigned char>(text[begin + 1]);
  return std::isalpha(next) || next >= 0x80;
}

/// @p text with the dash before each plain token's number made a space
/// ("-2147467259"), so the query parser does not exclude it either.
std::string without_number_dashes(std::string text) {
  const std::string original = text;
  plain_tokens(original, [&](std::size_t begin, std::size_t end) {
    if (end - begin > 1 && original[begin] == '-' && std::isdigit(static_cast<unsigned char>(original[begin + 1]))) text[begin] = ' ';
  });
  return text;
}

/// What a plain token does in a query (the query parser's FLAG_LOVEHATE
/// and FLAG_BOOLEAN): the operator "NOT", a word excluded ("-vpn", or the
/// one after "NOT"), or a word wanted.
enum class TokenRole { kNot, kExcluded, kWanted };

/// Calls on_token(begin, end, role) for each plain token of @p text.
template <class OnToken>
void plain_words(const std::string& text, OnToken&& on_token) {
  bool after_not = false;
  plain_tokens(text, [&](std::size_t begin, std::size_t end) {
    const bool is_not = text.compare(begin, end - begin, "NOT") == 0;
    on_token(begin, end, is_not ? TokenRole::kNot
                                : after_not || excluding(text, begin, end) ? TokenRole::kExcluded : TokenRole::kWanted);
    after_not = is_not;
  });
}

/// @p text without its excluded words and "NOT": what the query looks for.
std::string wanted_part(const std::string& text) {
  std::string out = text;
  plain_words(text, [&](std::size_t begin, std::size_t end, TokenRole role) {
    if (role != TokenRole::kWanted) std::fill(out.begin() + static_cast<std::ptrdiff_t>(begin), out.begin() + static_cast<std::ptrdiff_t>(end), ' ');
  });
  return out;
}

/// The plain words @p text looks for: no exclusions, fields ("title:vpn",
/// "tag:wi-fi") or quoted phrases, which ask for exactly what they say.
std::string plain_wanted_part(const std::string& text) {
  std::string out(text.size(), ' ');
  plain_words(text, [&](std::size_t begin, std::size_t end, TokenRole role) {
    if (role == TokenRole::kWanted) std::copy(text.begin() + static_cast<std::ptrdiff_t>(begin), text.begin() + static_cast<std::ptrdiff_t>(end), out.begin() + static_cast<std::ptrdiff_t>(begin));
  });
  return out;
}

/// The words @p text excludes ("-vpn", "NOT vpn"), without the dash,
/// space-separated.
std::string excluded_part(const std::string& text) {
  std::string out;
  plain_words(text, [&](std::size_t begin, std::size_t end, TokenRole role) {
    if (role != TokenRole::kExcluded) return;
    if (text[begin] == '-') ++begin;
    out += (out.empty() ? "" : " ") + text.substr(begin, end - begin);
  });
  return out;
}

}  // namespace

const Xapian::Stopper& english_stopper() {
  static const auto* stopper = [] {
    auto* s = new Xapian::SimpleStopper;  // lives for the whole process
    for (const char* w :
         {"a", "about", "an", "and", "are", "as", "at", "be", "been", "but", "by", "can", "could", "do", "does",
          "doing", "for", "from", "had", "has", "have", "how", "i", "i'm", "if", "in", "into", "is", "it", "its",
          "me", "my", "of", "on", "or", "our", "please", "should", "so", "that", "the", "their", "them", "then",
          "there", "these", "this", "to", "was", "we", "were", "what", "when", "where", "which", "who", "why",
          "will", "with", "would", "you", "your",
          // Contractions and pronouns.
          "am", "being", "did", "don't", "doesn't", "didn't", "can't", "isn't", "aren't", "i'd", "i'll", "i've",
          "it's", "there's", "what's", "won't", "wasn't", "weren't", "couldn't", "wouldn't", "shouldn't",
          "haven't", "hasn't", "he", "him", "his", "she", "her", "they", "us",
          // The same contractions as people type them without the apostrophe:
          // otherwise "cant" would be "corrected" to "can" and "dont" to
          // "done". ("id" and "ill" stay words: "user id".)
          "dont", "doesnt", "didnt", "cant", "isnt", "arent", "im", "ive", "wont", "wasnt", "werent", "couldnt",
          "wouldnt", "shouldnt", "havent", "hasnt",
          // How people frame a question, whatever it is about.
          "anyone", "anybody", "someone", "somebody", "somehow", "possible", "possibly", "way", "ways", "want",
          "wanted", "wants", "really", "thanks", "hi", "hello", "maybe", "perhaps", "wonder", "wondering"}) {
      s->add(w);
    }
    return s;
  }();
  return *stopper;
}

QueryBuilder::QueryBuilder(const Xapian::Database& db, const Xapian::Stem& stem, const Synonyms& synonyms,
                           const RankingParams& params)
    : db_(db), synonyms_(synonyms), params_(params), stem_(stem) {
  for (Xapian::QueryParser* qp : {&qp_, &title_qp_}) {
    qp->set_database(db_);
    qp->set_stemmer(stem);
    qp->set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
    qp->set_stopper(&english_stopper());
    qp->set_max_expansion(kMaxExpansion, Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT);
  }
  qp_.add_prefix("title", schema::kPrefixTitle);
  qp_.add_prefix("heading", schema::kPrefixHeading);
  qp_.add_boolean_prefix("tag", schema::kPrefixTag);
  qp_.add_boolean_prefix("category", schema::kPrefixCategory);
  title_qp_.add_prefix("", schema::kPrefixTitle);
  title_qp_.set_default_op(Xapian::Query::OP_OR);
}

Xapian::Query QueryBuilder::parse(const std::string& written, Xapian::Query::op op, unsigned extra_flags) {
  qp_.set_default_op(op);
  const std::string text = lower_case_unknown_words(without_number_dashes(written), db_);
  // Text that is not valid syntax ("AND", "\"unclosed") is read as words.
  try {
    return qp_.parse_query(text, kParseFlags | extra_flags);
  } catch (const Xapian::QueryParserError&) {
  }
  try {
    return qp_.parse_query(text, Xapian::QueryParser::FLAG_CJK_NGRAM | extra_flags);
  } catch (const Xapian::QueryParserError&) {
  }
  // Xapian 1.4 refuses a lone CJK character between two other words with
  // FLAG_CJK_NGRAM ("wifi で 2"): read it as plain words (the index holds
  // single CJK characters too). Found by fuzz_query.
  return qp_.parse_query(text, extra_flags);
}

Xapian::Query QueryBuilder::parse_title(const std::string& text) {
  try {
    return title_qp_.parse_query(lower_case_unknown_words(text, db_), Xapian::QueryParser::FLAG_CJK_NGRAM);
  } catch (const Xapian::QueryParserError&) {
    return Xapian::Query();
  }
}

Xapian::Query QueryBuilder::title_match(const std::string& text, std::vector<std::string>* terms_out) {
  const Xapian::Query parsed = parse_title(text);
  if (parsed.empty()) return parsed;
  const std::vector<std::string> terms(parsed.get_unique_terms_begin(), parsed.get_unique_terms_end());
  if (terms_out) *terms_out = terms;
  const auto table = FacetTable::for_database(db_);
  // One source per term, OR-ed: Xapian's OR can then stop reading the
  // title list of a common word ("error", "server") once that word alone
  // cannot lift an article into the top matches. One source for all terms
  // had one large upper bound, which kept the matcher from pruning the
  // rest of the query too (7 of 9 ms on such queries at 100,000 articles).
  std::vector<Xapian::Query> each;
  for (const auto& term : terms) {
    auto* source = new TitleMatchSource(db_, table, term, params_.title_k1, params_.title_b, params_.title_weight);
    each.emplace_back(source->release());
  }
  return Xapian::Query(Xapian::Query::OP_OR, each.begin(), each.end());
}

std::vector<std::string> QueryBuilder::title_terms_of(const std::string& title) {
  const Xapian::Query parsed = parse_title(title);
  return {parsed.get_unique_terms_begin(), parsed.get_unique_terms_end()};
}

Xapian::Query QueryBuilder::phrase_or_word(const std::string& text) {
  const Synonyms::Words words = Synonyms::split_words(text);
  std::string joined;
  for (const auto& w : words) joined += (joined.empty() ? "" : " ") + w;
  return parse(words.size() > 1 ? "\"" + joined + "\"" : joined, Xapian::Query::OP_AND, 0);
}

Xapian::Query QueryBuilder::constraints(const std::string& text) {
  if (Xapian::Query only = only_exclusions(text); !only.empty()) return only;
  // An empty term matches every article (see only_exclusions).
  return with_scoring(parse(without_inner_joiners(cjk_bigrams(text)), Xapian::Query::OP_OR, 0), Xapian::Query(std::string()));
}

std::string QueryBuilder::partial_word(const std::string& text) const {
  if (!partial_) return {};
  // The run of word characters the text ends in, if it ends in one.
  std::string word;
  for (Xapian::Utf8Iterator it(text); it != Xapian::Utf8Iterator(); ++it) {
    if (Xapian::Unicode::is_wordchar(*it)) {
      Xapian::Unicode::append_utf8(word, *it);
    } else {
      word.clear();
    }
  }
  const std::string lower = to_lower(word);
  // One letter or a stop word ("how do i") would be expanded to the
  // commonest words of the index, which every article has.
  if (utf8_length(lower) < 2 || english_stopper()(lower) || cjk_bigrams(lower) != lower) return {};
  return lower;
}

unsigned QueryBuilder::partial_flag(const std::string& text) const {
  return partial_word(text).empty() ? 0 : Xapian::QueryParser::FLAG_PARTIAL;
}

std::size_t QueryBuilder::word_count(const std::string& text) const {
  std::size_t n = 0;
  for (const auto& w : Synonyms::split_words(text)) {
    if (!english_stopper()(w)) ++n;
  }
  return n;
}

std::string QueryBuilder::correct_spelling(const std::string& text) const {
  // Xapian's own FLAG_SPELLING_CORRECTION also "corrects" words that are in
  // the index when a more frequent word is one edit away (trello -> tell,
  // way -> may); only words no article contains are corrected here, in
  // no form with the same stem either: "crossed" is not "closed" where an
  // article says "cross", since the stemmed search finds it already.
  std::string out;
  bool changed = false;
  std::string word;
  std::shared_ptr<const SpellingDictionary> dictionary;  // read only when a word is unknown
  // The word still being typed is a start, not a misspelling, while some
  // word of the articles starts with it ("keyb").
  const std::string typing = partial_word(text);
  auto completes = [this](const std::string& start) { return db_.allterms_begin(start) != db_.allterms_end(start); };
  auto flush = [&](bool last) {
    if (word.empty()) return;
    const std::string lower = to_lower(word);
    std::string replacement = word;
    if (last && !typing.empty() && lower == typing && completes(lower)) {
      out += replacement;
      word.clear();
      return;
    }
    // A word with an apostrophe ("doesn't", "doesn’t") is never corrected.
    const bool letters_only = std::all_of(lower.begin(), lower.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || static_cast<unsigned char>(c) >= 0x80;
    }) && lower.find("\u2019") == std::string::npos;
    // A word the writers listed as a synonym is known, even when no article
    // uses it: the synonym rung answers it, not a "correction".
    const std::size_t letters = utf8_length(lower);
    if (letters_only && letters >= params_.one_edit_letters && !english_stopper()(lower) && cjk_bigrams(lower) == lower &&
        !db_.term_exists(lower) && !db_.term_exists("Z" + stem_(lower)) && synonyms_.find({lower}).empty()) {
      if (!dictionary) dictionary = SpellingDictionary::for_database(db_);
      // One edit away from the memory table, else Xapian's slower search
      // up to two edits away.
      const std::optional<std::string> near = dictionary->suggest(lower);
      const std::string suggestion = near ? *near : db_.get_spelling_suggestion(lower, letters >= params_.two_edit_letters ? 2 : 1);
      if (!suggestion.empty() && suggestion != lower) {
        replacement = suggestion;
        changed = true;
      }
    }
    out += replacement;
    word.clear();
  };
  auto is_word = [](unsigned c) { return Xapian::Unicode::is_wordchar(c) && !is_cjk(c); };
  auto word_follows = [&is_word](Xapian::Utf8Iterator it) { return ++it != Xapian::Utf8Iterator() && is_word(*it); };
  for (Xapian::Utf8Iterator it(text); it != Xapian::Utf8Iterator(); ++it) {
    const unsigned ch = *it;
    if (is_word(ch)) {
      Xapian::Unicode::append_utf8(word, ch);
    } else if ((ch == '\'' || ch == 0x2019) && !word.empty() && word_follows(it)) {
      // An apostrophe inside a word keeps it whole, as the query parser
      // does: "doesn't" is one (stop) word, not "doesn" to correct to "does".
      Xapian::Unicode::append_utf8(word, ch);
    } else {
      flush(false);
      Xapian::Unicode::append_utf8(out, ch);
    }
  }
  flush(true);
  return changed ? out : std::string();
}

Xapian::Query QueryBuilder::only_exclusions(const std::string& text) {
  if (word_count(wanted_part(text)) > 0) return Xapian::Query();
  const std::string excluded = excluded_part(text);
  // "-Recurse", "-WhatIf" alone: a PowerShell switch pasted, which the query
  // parser looks for (a lone "-word" is a word to it), not "everything but".
  if (excluded.empty() || std::any_of(excluded.begin(), excluded.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return Xapian::Query();
  }
  // The query parser reads a lone "-vpn" as "vpn": the opposite of what was
  // asked. Every article but those is the answer. (An empty term matches
  // every article: Query::MatchAll's shared copy is not thread-safe.)
  return Xapian::Query(Xapian::Query::OP_AND_NOT, Xapian::Query(std::string()), parse(excluded, Xapian::Query::OP_OR, 0));
}

Xapian::Query QueryBuilder::with_exclusions(const std::string& text, const Xapian::Query& query) {
  const std::string excluded = excluded_part(text);
  if (query.empty() || excluded.empty()) return query;
  return Xapian::Query(Xapian::Query::OP_AND_NOT, query, parse(excluded, Xapian::Query::OP_OR, 0));
}

Xapian::Query QueryBuilder::all_words(const std::string& text) {
  correction_ = correct_spelling(text);
  if (Xapian::Query only = only_exclusions(text); !only.empty()) return only;
  return parse(text, Xapian::Query::OP_AND, partial_flag(text));
}

Xapian::Query QueryBuilder::all_words_or_synonyms(const std::string& text) {
  if (synonyms_.empty()) return Xapian::Query();
  const Synonyms::Words words = Synonyms::split_words(plain_wanted_part(text));
  const std::vector<Synonyms::Match> matches = synonyms_.find(words);
  if (matches.empty()) return Xapian::Query();
  std::vector<Xapian::Query> units;
  std::size_t next = 0;
  auto add_word = [&](const std::string& w) {
    if (english_stopper()(w)) return;
    units.push_back(parse(w, Xapian::Query::OP_AND, 0));
  };
  for (const auto& m : matches) {
    for (; next < m.first; ++next) add_word(words[next]);
    std::string self;
    for (std::size_t i = m.first; i < m.first + m.count; ++i) self += (self.empty() ? "" : " ") + words[i];
    std::vector<Xapian::Query> either{phrase_or_word(self)};
    for (const auto& alt : m.alternatives) either.push_back(phrase_or_word(alt));
    units.emplace_back(Xapian::Query::OP_OR, either.begin(), either.end());
    next = m.first + m.count;
  }
  for (; next < words.size(); ++next) add_word(words[next]);
  return with_exclusions(text, Xapian::Query(Xapian::Query::OP_AND, units.begin(), units.end()));
}

Xapian::Query QueryBuilder::ranked(const std::string& text) {
  if (Xapian::Query only = only_exclusions(text); !only.empty()) return only;
  // The title and synonym parts look for the wanted words only: an
  // excluded word's synonyms are not what the person asked for either.
  const std::string wanted = wanted_part(text);
  const std::string ngrams = cjk_bigrams(text);
  const std::string joined = without_inner_joiners(ngrams);
  const Xapian::Query parsed = parse(joined, Xapian::Query::OP_OR, partial_flag(joined));
  Xapian::Query scoring = scoring_part(parsed);
  if (const std::string typing = partial_word(joined); !typing.empty() && partial_word(wanted) == typing) {
    // The words the parser expands it to (the 50 commonest that start so,
    // as its set_max_expansion) are not terms of the parsed query: listed
    // here, they choose sections and are marked as the words typed are.
    std::vector<std::pair<Xapian::doccount, std::string>> found;
    for (auto t = db_.allterms_begin(typing); t != db_.allterms_end(typing); ++t) found.emplace_back(t.get_termfreq(), *t);
    const std::size_t kept = std::min<std::size_t>(found.size(), kMaxExpansion);
    std::partial_sort(found.begin(), found.begin() + static_cast<std::ptrdiff_t>(kept), found.end(),
                      [](const auto& a, const auto& b) { return a.first > b.first; });
    for (std::size_t i = 0; i < kept; ++i) {
      word_origins_.typed.insert(found[i].second);
      word_origins_.completions.push_back(found[i].second);
    }
  }
  // Only filters ("tag:vpn"): every article they allow, as parsed.
  if (scoring.get_type() == Xapian::Query::OP_SCALE_WEIGHT) return parsed;
  if (params_.pasted_text_words > 0 && scoring.get_type() == Xapian::Query::OP_OR &&
      word_count(text) > params_.max_strict_words) {
    // Pasted text: an OR of 40 words walks the lists of the commonest ones
    // too (a 50-word log line took 50 ms at 100,000 articles). Its most
    // selective words say what it is about; error codes and paths still
    // match exactly through their own part below.
    std::vector<Xapian::Query> words;
    for (std::size_t i = 0; i < scoring.get_num_subqueries(); ++i) words.push_back(scoring.get_subquery(i));
    scoring = Xapian::Query(Xapian::Query::OP_ELITE_SET, words.begin(), words.end(),
                            static_cast<Xapian::termcount>(params_.pasted_text_words));
  }
  word_origins_.typed.insert(scoring.get_unique_terms_begin(), scoring.get_unique_terms_end());
  std::vector<Xapian::Query> parts{scoring};
  if (params_.title_weight > 0) {
    const Xapian::Query title = title_match(cjk_bigrams(wanted), &title_terms_);
    if (!title.empty()) parts.push_back(title);  // weighted by the sources (title_match)
  }
  if (!synonyms_.empty()) {
    // Each word and its synonyms weigh as one term (OP_SYNONYM), so a rare
    // synonym cannot outweigh the word the person actually typed. Not for
    // "title:vpn" or a quoted phrase: they ask for exactly those words.
    const Synonyms::Words words = Synonyms::split_words(plain_wanted_part(text));
    std::vector<Xapian::Query> groups;
    for (const auto& m : synonyms_.find(words)) {
      std::string self;
      for (std::size_t i = m.first; i < m.first + m.count; ++i) self += (self.empty() ? "" : " ") + words[i];
      std::vector<Xapian::Query> same{phrase_or_word(self)};
      for (const auto& alt : m.alternatives) {
        same.push_back(phrase_or_word(alt));
        Synonyms::Words alt_words = Synonyms::split_words(alt);
        if (alt_words.size() == 1) {
          word_origins_.synonyms.insert(same.back().get_unique_terms_begin(), same.back().get_unique_terms_end());
        } else if (alt_words.size() > 1) {
          word_origins_.synonym_phrases.push_back(std::move(alt_words));
        }
      }
      groups.emplace_back(Xapian::Query::OP_SYNONYM, same.begin(), same.end());
    }
    if (!groups.empty()) {
      parts.push_back(scaled(Xapian::Query(Xapian::Query::OP_OR, groups.begin(), groups.end()), params_.synonym_weight));
    }
  }
  std::vector<Xapian::Query> exact;
  for (const auto& token : error_tokens(text)) exact.emplace_back(schema::kPrefixErrorToken + token);
  if (!exact.empty()) {
    parts.push_back(scaled(Xapian::Query(Xapian::Query::OP_OR, exact.begin(), exact.end()), params_.error_token_weight));
  }
  // The filters and exclusions typed in the query ("tag:wi-fi",
  // "-printer") hold for every part, not only for the words they came with.
  return with_scoring(parsed, Xapian::Query(Xapian::Query::OP_OR, parts.begin(), parts.end()));
}

Xapian::Query QueryBuilder::proximity(const std::string& text) {
  if (params_.proximity_weight <= 0) return Xapian::Query();
  // Consecutive words of the query found near each other in the text.
  std::vector<std::string> words;
  for (auto& w : Synonyms::split_words(wanted_part(text))) {
    if (!english_stopper()(w) && cjk_bigrams(w) == w) words.push_back(std::move(w));
  }
  std::vector<Xapian::Query> pairs;
  for (std::size_t i = 0; i + 1 < words.size() && pairs.size() < params_.proximity_pairs; ++i) {
    const Xapian::Query two[] = {Xapian::Query(words[i]), Xapian::Query(words[i + 1])};
    pairs.emplace_back(Xapian::Query::OP_NEAR, std::begin(two), std::end(two), params_.proximity_window);
  }
  if (pairs.empty()) return Xapian::Query();
  return scaled(Xapian::Query(Xapian::Query::OP_OR, pairs.begin(), pairs.end()), params_.proximity_weight);
}

Xapian::Query QueryBuilder::bonus(const std::string& text) {
  std::vector<Xapian::Query> parts;
  std::vector<Xapian::Query> compounds;
  for (const auto& word : joined_words(text, 16)) compounds.push_back(parse(word, Xapian::Query::OP_AND, 0));
  if (!compounds.empty() && params_.compound_weight > 0) {
    parts.push_back(scaled(Xapian::Query(Xapian::Query::OP_OR, compounds.begin(), compounds.end()), params_.compound_weight));
  }
  if (params_.all_words_boost > 0 && word_count(text) <= params_.max_strict_words) {
    parts.push_back(scaled(parse(text, Xapian::Query::OP_AND, partial_flag(text)), params_.all_words_boost));
  }
  return Xapian::Query(Xapian::Query::OP_OR, parts.begin(), parts.end());
}

}  // namespace kb
