/** @file searcher.cpp
 *  @brief Query parsing, the fallback ladder, snippets and facets.
 */
#include "kb/searcher.h"

#include "kb/document_builder.h"
#include "kb/schema.h"
#include "kb/text.h"

#include <nlohmann/json.hpp>
#include <xapian.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <unordered_map>

namespace kb {

namespace {

/// Words that carry no meaning in a question ("how do I ..."). With AND
/// as the first rung, keeping them would demand they appear in the answer.
const Xapian::Stopper& english_stopper() {
  static const auto* stopper = [] {
    auto* s = new Xapian::SimpleStopper;  // lives for the whole process
    for (const char* w :
         {"a", "about", "an", "and", "are", "as", "at", "be", "been", "but", "by", "can", "could", "do", "does",
          "doing", "for", "from", "had", "has", "have", "how", "i", "i'm", "if", "in", "into", "is", "it", "its",
          "me", "my", "of", "on", "or", "our", "please", "should", "so", "that", "the", "their", "them", "then",
          "there", "these", "this", "to", "was", "we", "were", "what", "when", "where", "which", "who", "why",
          "will", "with", "would", "you", "your"}) {
      s->add(w);
    }
    return s;
  }();
  return *stopper;
}

constexpr unsigned kParseFlags = Xapian::QueryParser::FLAG_PHRASE | Xapian::QueryParser::FLAG_BOOLEAN |
                                 Xapian::QueryParser::FLAG_LOVEHATE | Xapian::QueryParser::FLAG_WILDCARD |
                                 Xapian::QueryParser::FLAG_CJK_NGRAM;

/// Counts each tag of a multi-tag value (tags are stored joined by '\n').
class TagCountSpy : public Xapian::MatchSpy {
 public:
  explicit TagCountSpy(Xapian::valueno slot) : slot_(slot) {}
  void operator()(const Xapian::Document& doc, double) override {
    const std::string v = doc.get_value(slot_);
    std::size_t pos = 0;
    while (pos < v.size()) {
      const std::size_t end = v.find('\n', pos);
      const std::size_t stop = end == std::string::npos ? v.size() : end;
      if (stop > pos) ++counts_[v.substr(pos, stop - pos)];
      pos = stop + 1;
    }
  }
  FacetCounts top(std::size_t n) const { return sorted(counts_, n); }

  static FacetCounts sorted(const std::unordered_map<std::string, std::uint64_t>& counts, std::size_t n) {
    FacetCounts out(counts.begin(), counts.end());
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    if (out.size() > n) out.resize(n);
    return out;
  }

 private:
  Xapian::valueno slot_;
  std::unordered_map<std::string, std::uint64_t> counts_;
};

FacetCounts value_counts(const Xapian::ValueCountMatchSpy& spy, std::size_t n) {
  std::unordered_map<std::string, std::uint64_t> counts;
  for (auto it = spy.values_begin(); it != spy.values_end(); ++it) {
    if (!(*it).empty()) counts[*it] = it.get_termfreq();
  }
  return TagCountSpy::sorted(counts, n);
}

std::vector<std::string> split_lines(const std::string& v) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < v.size()) {
    const std::size_t end = v.find('\n', pos);
    const std::size_t stop = end == std::string::npos ? v.size() : end;
    if (stop > pos) out.push_back(v.substr(pos, stop - pos));
    pos = stop + 1;
  }
  return out;
}

std::string primary_subtag(const std::string& lang) { return to_lower(lang.substr(0, lang.find('-'))); }

/// Terms that describe an article's content, for "related articles".
class ContentTermDecider : public Xapian::ExpandDecider {
 public:
  bool operator()(const std::string& term) const override {
    if (term.empty() || term.size() < 3) return false;
    const auto c = static_cast<unsigned char>(term[0]);
    if (c >= 'A' && c <= 'Z') return false;
    return !std::all_of(term.begin(), term.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
  }
};

}  // namespace

std::string sanitise_query(const std::string& raw) {
  if (raw.size() > kMaxQueryBytes) {
    throw BadRequest("query is " + std::to_string(raw.size()) + " bytes; the limit is " +
                     std::to_string(kMaxQueryBytes));
  }
  if (!is_valid_utf8(raw)) throw BadRequest("query is not valid UTF-8");
  std::string out = raw;
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return collapse_whitespace(out);
}

Searcher::Searcher(const std::filesystem::path& index_dir) : dir_(index_dir) {
  try {
    db_ = Xapian::Database(index_dir.string());
  } catch (const Xapian::Error& e) {
    throw IndexUnavailable("cannot open index " + index_dir.string() + ": " + e.get_description() +
                           " (build it with kb-index)");
  }
  const std::string version = db_.get_metadata(schema::kMetaSchemaVersion);
  if (version != std::to_string(schema::kSchemaVersion)) {
    throw IndexUnavailable("index " + index_dir.string() + " has schema version '" + version + "', this kb-server needs " +
                           std::to_string(schema::kSchemaVersion) + " (re-run kb-index)");
  }
}

void Searcher::refresh() {
  try {
    db_.reopen();
  } catch (const Xapian::Error& e) {
    throw IndexUnavailable("cannot reopen index " + dir_.string() + ": " + e.get_description());
  }
}

template <class F>
auto Searcher::with_retry(F&& f) -> decltype(f()) {
  // A writer that commits twice during one read can make the revision we
  // hold disappear; reopen and try again.
  for (int attempt = 0;; ++attempt) {
    try {
      return f();
    } catch (const Xapian::DatabaseModifiedError&) {
      if (attempt >= 3) throw;
      db_.reopen();
    }
  }
}

SearchResponse Searcher::search(const SearchRequest& request) {
  const auto start = std::chrono::steady_clock::now();
  if (request.page < 1 || request.page > kMaxPage) {
    throw BadRequest("page must be between 1 and " + std::to_string(kMaxPage));
  }
  if (request.per_page < 1 || request.per_page > kMaxPerPage) {
    throw BadRequest("per_page must be between 1 and " + std::to_string(kMaxPerPage));
  }
  for (const auto* field : {&request.lang, &request.category}) {
    if (field->size() > 200 || !is_valid_utf8(*field)) throw BadRequest("filter value is too long or not UTF-8");
  }
  for (const auto& tag : request.tags) {
    if (tag.size() > 200 || !is_valid_utf8(tag)) throw BadRequest("tag filter is too long or not UTF-8");
  }
  if (request.tags.size() > 20) throw BadRequest("at most 20 tag filters");
  SearchRequest clean = request;
  clean.query = sanitise_query(request.query);
  SearchResponse response = with_retry([&] { return run_search(clean); });
  response.took_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return response;
}

SearchResponse Searcher::run_search(const SearchRequest& request) {
  SearchResponse response;
  response.query = request.query;
  response.page = request.page;
  response.per_page = request.per_page;

  const Xapian::Stem stem = stemmer_for(request.lang.empty() ? "en" : request.lang);
  Xapian::QueryParser qp;
  qp.set_database(db_);
  qp.set_stemmer(stem);
  qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
  qp.set_stopper(&english_stopper());
  qp.add_prefix("title", schema::kPrefixTitle);
  qp.add_prefix("heading", schema::kPrefixHeading);
  qp.add_boolean_prefix("tag", schema::kPrefixTag);
  qp.add_boolean_prefix("category", schema::kPrefixCategory);
  qp.set_max_expansion(50, Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT);

  // A query that is not valid syntax ("AND", "\"unclosed") is read as plain words.
  auto parse = [&](const std::string& text, Xapian::Query::op default_op, unsigned extra) {
    qp.set_default_op(default_op);
    try {
      return qp.parse_query(text, kParseFlags | extra);
    } catch (const Xapian::QueryParserError&) {
      return qp.parse_query(text, Xapian::QueryParser::FLAG_CJK_NGRAM | extra);
    }
  };

  std::vector<Xapian::Query> filters;
  if (!request.lang.empty()) filters.emplace_back(schema::kPrefixLang + primary_subtag(request.lang));
  if (!request.category.empty()) filters.emplace_back(schema::kPrefixCategory + to_lower(request.category));
  for (const auto& tag : request.tags) filters.emplace_back(schema::kPrefixTag + to_lower(tag));
  auto filtered = [&](const Xapian::Query& q) {
    if (filters.empty()) return q;
    return Xapian::Query(Xapian::Query::OP_FILTER, q,
                         Xapian::Query(Xapian::Query::OP_AND, filters.begin(), filters.end()));
  };

  Xapian::Enquire enquire(db_);
  const Xapian::doccount check = std::min<Xapian::doccount>(db_.get_doccount(), 10000);
  const auto first = static_cast<Xapian::doccount>((request.page - 1) * request.per_page);
  const auto count = static_cast<Xapian::doccount>(request.per_page);

  struct Spies {
    Xapian::ValueCountMatchSpy category{schema::kSlotCategory};
    Xapian::ValueCountMatchSpy lang{schema::kSlotLang};
    TagCountSpy tags{schema::kSlotTags};
  };
  std::unique_ptr<Spies> spies;
  auto run = [&](const Xapian::Query& q, bool browse) {
    // Each rung counts facets afresh: only the answering rung's counts are shown.
    enquire.clear_matchspies();
    spies = std::make_unique<Spies>();
    enquire.add_matchspy(&spies->category);
    enquire.add_matchspy(&spies->lang);
    enquire.add_matchspy(&spies->tags);
    enquire.set_query(filtered(q));
    if (browse) {
      enquire.set_sort_by_value_then_relevance(schema::kSlotUpdated, true);
    } else {
      enquire.set_sort_by_relevance();
    }
    return enquire.get_mset(first, count, check);
  };

  Xapian::MSet mset;
  Xapian::Query used;
  if (request.query.empty()) {
    // No words: browse, newest first (used with filters, e.g. a category).
    used = Xapian::Query::MatchAll;
    mset = run(used, true);
    response.rung = mset.get_matches_estimated() ? "browse" : "none";
  } else {
    used = parse(request.query, Xapian::Query::OP_AND, Xapian::QueryParser::FLAG_SPELLING_CORRECTION);
    response.corrected_query = qp.get_corrected_query_string();
    mset = run(used, false);
    response.rung = "all";
    if (mset.empty() && !response.corrected_query.empty()) {
      used = parse(response.corrected_query, Xapian::Query::OP_AND, 0);
      mset = run(used, false);
      response.rung = "corrected";
    }
    if (mset.empty()) {
      const std::string& text = response.corrected_query.empty() ? request.query : response.corrected_query;
      used = parse(cjk_bigrams(text), Xapian::Query::OP_OR, 0);
      mset = run(used, false);
      response.rung = "any";
    }
    if (mset.empty()) response.rung = "none";
  }

  response.total = mset.get_matches_estimated();
  response.category_facets = value_counts(spies->category, 30);
  response.lang_facets = value_counts(spies->lang, 30);
  response.tag_facets = spies->tags.top(30);

  for (auto it = mset.begin(); it != mset.end(); ++it) {
    const Xapian::Document doc = it.get_document();
    SearchHit hit;
    hit.slug = doc.get_value(schema::kSlotSlug);
    hit.title = doc.get_value(schema::kSlotTitle);
    hit.summary = doc.get_value(schema::kSlotSummary);
    hit.url = "/articles/" + hit.slug;
    hit.category = doc.get_value(schema::kSlotCategory);
    hit.tags = split_lines(doc.get_value(schema::kSlotTags));
    hit.lang = doc.get_value(schema::kSlotLang);
    hit.updated = doc.get_value(schema::kSlotUpdated);
    hit.score = it.get_weight();
    const std::string text = doc.get_value(schema::kSlotText);
    hit.snippet_html = mset.snippet(text, 240, stem,
                                    Xapian::MSet::SNIPPET_BACKGROUND_MODEL | Xapian::MSet::SNIPPET_EXHAUSTIVE |
                                        Xapian::MSet::SNIPPET_CJK_NGRAM,
                                    "<mark>", "</mark>", "…");
    // CJK n-grams are highlighted one character at a time; join the runs.
    for (std::size_t pos; (pos = hit.snippet_html.find("</mark><mark>")) != std::string::npos;) {
      hit.snippet_html.erase(pos, 13);
    }
    response.hits.push_back(std::move(hit));
  }
  return response;
}

std::optional<ArticleRecord> Searcher::find_article(const std::string& slug) {
  if (!is_valid_slug(slug)) return std::nullopt;
  return with_retry([&]() -> std::optional<ArticleRecord> {
    const std::string term = schema::kPrefixId + slug;
    auto p = db_.postlist_begin(term);
    if (p == db_.postlist_end(term)) return std::nullopt;
    const Xapian::Document doc = db_.get_document(*p);
    ArticleRecord a;
    a.docid = *p;
    a.slug = doc.get_value(schema::kSlotSlug);
    a.title = doc.get_value(schema::kSlotTitle);
    a.summary = doc.get_value(schema::kSlotSummary);
    a.category = doc.get_value(schema::kSlotCategory);
    a.tags = split_lines(doc.get_value(schema::kSlotTags));
    a.lang = doc.get_value(schema::kSlotLang);
    a.updated = doc.get_value(schema::kSlotUpdated);
    a.path = doc.get_value(schema::kSlotPath);
    const auto data = nlohmann::json::parse(doc.get_data(), nullptr, false);
    if (data.is_object()) {
      a.html = data.value("html", "");
      a.markdown = data.value("markdown", "");
      for (const auto& alias : data.value("aliases", nlohmann::json::array())) a.aliases.push_back(alias.get<std::string>());
      for (const auto& h : data.value("headings", nlohmann::json::array())) {
        a.headings.push_back(Heading{h.value("level", 2), h.value("text", ""), h.value("anchor", "")});
      }
    }
    return a;
  });
}

std::optional<std::string> Searcher::resolve_alias(const std::string& slug) {
  if (!is_valid_slug(slug)) return std::nullopt;
  return with_retry([&]() -> std::optional<std::string> {
    const std::string term = schema::kPrefixAlias + slug;
    auto p = db_.postlist_begin(term);
    if (p == db_.postlist_end(term)) return std::nullopt;
    return db_.get_document(*p).get_value(schema::kSlotSlug);
  });
}

std::vector<ArticleLink> Searcher::related(const ArticleRecord& article, std::size_t count) {
  return with_retry([&] {
    std::vector<ArticleLink> out;
    Xapian::Enquire enquire(db_);
    Xapian::RSet rset;
    rset.add_document(article.docid);
    const ContentTermDecider decider;
    const Xapian::ESet eset = enquire.get_eset(20, rset, &decider);
    if (eset.empty()) return out;
    Xapian::Query q(Xapian::Query::OP_OR, eset.begin(), eset.end());
    q = Xapian::Query(Xapian::Query::OP_AND_NOT, q, Xapian::Query(schema::kPrefixId + article.slug));
    q = Xapian::Query(Xapian::Query::OP_FILTER, q, Xapian::Query(schema::kPrefixLang + primary_subtag(article.lang)));
    enquire.set_query(q);
    const Xapian::MSet mset = enquire.get_mset(0, static_cast<Xapian::doccount>(count));
    for (auto it = mset.begin(); it != mset.end(); ++it) {
      const Xapian::Document doc = it.get_document();
      out.push_back(ArticleLink{doc.get_value(schema::kSlotSlug), doc.get_value(schema::kSlotTitle),
                                doc.get_value(schema::kSlotSummary)});
    }
    return out;
  });
}

IndexStatus Searcher::status() {
  return with_retry([&] {
    IndexStatus s;
    s.documents = db_.get_doccount();
    s.revision = db_.get_revision();
    s.indexed_at = db_.get_metadata(schema::kMetaIndexedAt);
    const std::string v = db_.get_metadata(schema::kMetaSchemaVersion);
    s.schema_version = v.empty() ? 0 : std::stoi(v);
    return s;
  });
}

}  // namespace kb
