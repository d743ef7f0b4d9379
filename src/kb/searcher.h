/** @file searcher.h
 *  @brief Read side of the index: search with snippets, facets and spelling
 *  correction, article lookup, aliases, related articles.
 *
 *  A Searcher owns one Xapian::Database and is not thread-safe: give each
 *  thread its own, and call refresh() before serving a request so that a
 *  newly committed revision is picked up.
 */
#pragma once

#include <xapian.h>

#include <cstdint>
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "kb/markdown.h"
#include "kb/query_builder.h"
#include "kb/synonyms.h"

#include <memory>
#include <nlohmann/json.hpp>
#include <unordered_map>

namespace kb {

class FacetTable;
class HitCache;
class PreparedHit;

/// The request itself is wrong (too long, not UTF-8, bad page): a 4xx.
class BadRequest : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The index cannot be opened or is of another schema version.
class IndexUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Room for a pasted error message or a few lines of a log.
inline constexpr std::size_t kMaxQueryBytes = 4096;
inline constexpr int kMaxPerPage = 50;
inline constexpr int kMaxPage = 100;

struct SearchRequest {
  std::string query;
  int page = 1;       ///< 1-based
  int per_page = 10;
  std::string lang;   ///< filter: primary language subtag
  std::string category;
  std::vector<std::string> tags;  ///< all must match
  /// The person's languages, best first (from Accept-Language); used when
  /// the query's script does not say. Not a filter.
  std::vector<std::string> accept_languages;
  bool explain = false;  ///< fill SearchHit::explain
  /// The words as typed, never spelling-corrected: where "Search instead
  /// for ..." leads (`as_typed=1`).
  bool as_typed = false;
  /// The query is still being typed (the page's instant results,
  /// `partial=1`): its last word, unless a space follows it, matches as
  /// the start of words, as /api/suggest completes it ("keyb" finds
  /// "keyboard"), and is not spelling-corrected while words start so.
  bool partial = false;
};

struct SearchHit {
  std::string slug;
  std::string title;
  std::string summary;
  std::string url;
  std::string snippet_html;  ///< escaped text, matches in <mark>
  std::string category;
  std::vector<std::string> tags;
  std::string lang;
  std::string updated;
  double score = 0;
  /// The section that matches best; empty for the lead (before any heading).
  std::string section_heading;
  std::string section_anchor;
  bool pinned = false;  ///< shown first because of promote_for
  nlohmann::json explain;  ///< with SearchRequest::explain: terms, weights, fields, boosts
  /// The article URL with the section's anchor, when a section matched.
  std::string section_url() const { return section_anchor.empty() ? url : url + "#" + section_anchor; }
};

using FacetCounts = std::vector<std::pair<std::string, std::uint64_t>>;  ///< most frequent first

/// Where one search's time went, in milliseconds: what the speed
/// benchmark's profile table and an explained search report.
struct SearchStages {
  double words_ms = 0;    ///< languages, pins, spelling, building the queries
  double ladder_ms = 0;   ///< the ladder's existence probes
  double match_ms = 0;    ///< Xapian's match with facets and the total
  double reorder_ms = 0;  ///< weighing the first matches again (length, bonus, proximity)
  double hits_ms = 0;     ///< reading the shown hits, best sections, snippets

  SearchStages& operator+=(const SearchStages& other) {
    words_ms += other.words_ms;
    ladder_ms += other.ladder_ms;
    match_ms += other.match_ms;
    reorder_ms += other.reorder_ms;
    hits_ms += other.hits_ms;
    return *this;
  }
};

struct SearchResponse {
  std::string query;
  std::uint64_t total = 0;
  double took_ms = 0;
  SearchStages stages;
  int page = 1;
  int per_page = 10;
  std::vector<SearchHit> hits;
  /// The query with misspelt words corrected; empty when none were.
  std::string corrected_query;
  /// Which rung of the ladder answered: "all" (every word), "corrected"
  /// (spelling-corrected, every word), "synonyms" (every word or a
  /// synonym), "any" (some words), "browse" (no words), or "none".
  std::string rung = "none";
  /// Whether the hits are for corrected_query rather than the words as
  /// typed: the corrected rung, and the any rung, which ranks the
  /// correction's words too. Else a correction is only offered.
  bool results_corrected() const { return !corrected_query.empty() && (rung == "corrected" || rung == "any"); }
  /// The language results were preferred in ("" when none was known).
  std::string language;
  FacetCounts category_facets;
  FacetCounts tag_facets;
  FacetCounts lang_facets;
};

struct ArticleRecord {
  Xapian::docid docid = 0;
  std::string slug, title, summary, category, lang, updated, path;
  std::vector<std::string> tags, aliases;
  std::string html;
  std::string markdown;
  std::vector<Heading> headings;
};

struct ArticleLink {
  std::string slug, title, summary;
  std::string lang;  ///< BCP 47 tag of the article's language
};

struct IndexStatus {
  std::uint64_t documents = 0;
  std::uint64_t revision = 0;
  std::string indexed_at;
  int schema_version = 0;
};

class Searcher {
 public:
  /// Opens the index; throws IndexUnavailable.
  explicit Searcher(const std::filesystem::path& index_dir);

  /// Picks up a newly committed revision; cheap when there is none.
  void refresh();

  /// Throws BadRequest for invalid requests.
  SearchResponse search(const SearchRequest& request);

  std::optional<ArticleRecord> find_article(const std::string& slug);

  /// The articles and sections that best answer a ticket: the subject
  /// weighs more than the body; error codes and identifiers pasted into
  /// either weigh most. Long bodies are cut to kMaxQueryBytes.
  std::vector<SearchHit> suggest_for_ticket(const std::string& subject, const std::string& body, std::size_t count);

  /// One section ("" anchor: the whole article) as plain text for agents
  /// to paste into a reply (reply_text.h), its links absolute on
  /// @p site_origin ("https://kb.example.com"); nullopt when there is no
  /// such article or section.
  std::optional<std::string> section_text(const std::string& slug, const std::string& anchor,
                                          const std::string& site_origin);

  /// Articles whose title (or tags) start with what was typed so far: all
  /// words but the last must match, the last as a prefix ("reset pass").
  /// Without @p lang, titles in the person's language (as for a search:
  /// the script typed, else @p accept_languages) come first, and of an
  /// article's translations the one they read is offered.
  std::vector<ArticleLink> complete_titles(const std::string& typed, std::size_t count, const std::string& lang = "",
                                           const std::vector<std::string>& accept_languages = {});

  /// The bytes of an image an article shows (asset_store.h), by its path
  /// relative to the articles folder; nullopt when no article shows one there.
  std::optional<std::string> asset(const std::string& path);

  /// The slug of the article whose source file is @p path (relative to the
  /// articles folder), for links written to files (markdown.h).
  std::optional<std::string> slug_of_path(const std::string& path);

  /// The articles @p slugs name, each as its version in @p lang (a BCP 47
  /// tag) when it has one, one per article (translation group), at most
  /// @p count, in the order given; slugs no longer published are skipped.
  std::vector<ArticleLink> versions_in(const std::vector<std::string>& slugs, const std::string& lang, std::size_t count);

  /// The other language versions of @p article (its translation group:
  /// the articles whose translation_of names the same original, and that
  /// original), by language tag.
  std::vector<ArticleLink> translations(const ArticleRecord& article);

  /// The canonical slug for an old slug listed in some article's aliases.
  std::optional<std::string> resolve_alias(const std::string& slug);

  /// Articles most like @p article (same language), best first.
  std::vector<ArticleLink> related(const ArticleRecord& article, std::size_t count);

  IndexStatus status();

  /// Names the revision this Searcher reads ("uuid:revision"): a response
  /// computed under one key stays right until the key changes.
  std::string revision_key() const { return db_.get_uuid() + ":" + std::to_string(db_.get_revision()); }

  struct ListedArticle {
    std::string slug, title, updated, path;
  };
  /// Every article (for the sitemap and the health report), by slug.
  std::vector<ListedArticle> list_articles();

  /// Per-article success in [0, 1] learned from the statistics (views that
  /// end sessions without a ticket, "yes" votes); nullptr switches the
  /// boost off. Shared between threads, replaced whole.
  using LearnedBoost = std::unordered_map<std::string, double>;
  void set_learned_boost(std::shared_ptr<const LearnedBoost> boost) { learned_ = std::move(boost); }

  /// Keeps results' records (prepared_hit.h) in @p cache, which the
  /// Searchers of a process share; nullptr (the default): each search reads
  /// them from the index.
  void set_hit_cache(std::shared_ptr<HitCache> cache) { hit_cache_ = std::move(cache); }

  const RankingParams& params() const { return params_; }
  RankingParams& params() { return params_; }
  const Synonyms& synonyms() const { return synonyms_; }

 private:
  template <class F>
  auto with_retry(F&& f) -> decltype(f());
  SearchResponse run_search(const SearchRequest& request);
  /// The person's language: the filter, else the query's script, else the
  /// first Accept-Language the knowledge base has articles in, else the
  /// default language if it has articles in it; "" when none applies.
  std::string preferred_language(const FacetTable& table, const std::string& lang, const std::string& query,
                                 const std::vector<std::string>& accept_languages) const;

  /// The results-page record of @p doc, from hit_cache_ when there is one.
  /// @p revision: revision_key(), taken once per search rather than per hit.
  std::shared_ptr<const PreparedHit> prepared_hit(const Xapian::Document& doc, const std::string& revision);

  void load_synonyms();
  void open();
  /// Whether the index folder now holds another database than the one
  /// open (a rebuild moved in), whatever its revision.
  bool replaced() const;
  std::string read_stub() const;

  std::filesystem::path dir_;
  Xapian::Database db_;
  Xapian::rev synonyms_revision_ = 0;
  /// dir_/XAPIANDB as read when opened, for a replica kept by
  /// xapian-replicate ("auto replica_0"): a full copy switches it to the
  /// other folder and deletes the one we hold. Empty for a plain index.
  std::string stub_;
  /// The version file (and stub) as last seen: while both look the same,
  /// nothing was committed and refresh() skips Xapian's reopen() (two
  /// opens and reads per request, ~7% of an article page's CPU). Inode
  /// and mtime can repeat when two commits fall in one clock tick, so a
  /// real reopen still happens at least every kFullCheckEvery.
  struct FileStamp {
    unsigned long long inode = 0, size = 0;
    long long mtime_ns = 0;
    bool present = false;
    bool operator==(const FileStamp& o) const {
      return inode == o.inode && size == o.size && mtime_ns == o.mtime_ns && present == o.present;
    }
  };
  static FileStamp stamp_of(const std::filesystem::path& file);
  static constexpr std::chrono::milliseconds kFullCheckEvery{1000};
  FileStamp version_stamp_, stub_stamp_;
  std::chrono::steady_clock::time_point last_full_check_{};
  Synonyms synonyms_;
  RankingParams params_;
  std::shared_ptr<const LearnedBoost> learned_;
  std::shared_ptr<HitCache> hit_cache_;
};

/// The language a query is written in when its script says so unambiguously
/// (Hangul: "ko"; kana: "ja"), else "".
std::string language_of_script(const std::string& query);

/// Rejects what a search request must never contain; normalises control
/// characters to spaces. Throws BadRequest.
std::string sanitise_query(const std::string& raw);

}  // namespace kb
