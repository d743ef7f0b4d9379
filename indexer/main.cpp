/** @file main.cpp
 *  @brief kb-index: turns a directory of Markdown articles into the Xapian
 *  index kb-server reads.
 *
 *  Exit codes: 0 every article indexed, 1 some articles were skipped (each
 *  reported as path:line: error: ...), 2 usage or fatal error (index left
 *  at its previous revision).
 */
#include "config.h"

#include "kb/article.h"
#include "kb/article_files.h"
#include "kb/checker.h"
#include "kb/config_file.h"
#include "kb/content_report.h"
#include "kb/index_writer.h"
#include "kb/insights.h"
#include "kb/searcher.h"
#include "kb/stats_store.h"
#include "kb/synonyms.h"
#include "kb/text.h"

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <filesystem>
#include <cstdio>
#include <iostream>
#include <memory>

namespace {

/// A one-line progress bar on a terminal, redrawn at most 10 times a second.
class ProgressBar {
 public:
  void update(std::size_t done, std::size_t total) {
    const auto now = std::chrono::steady_clock::now();
    if (done != total && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    const std::size_t width = 30;
    const std::size_t filled = total ? done * width / total : width;
    std::fprintf(stderr, "\r[%s%s] %zu/%zu", std::string(filled, '#').c_str(), std::string(width - filled, ' ').c_str(),
                 done, total);
    if (done == total) std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
  }

 private:
  std::chrono::steady_clock::time_point last_{};
};

/// The statistics kb-server writes: @p stats_db (PostgreSQL) when given,
/// else DATA/kb.sqlite, which must exist. Null after saying why not.
std::unique_ptr<kb::StatsStore> open_statistics(const std::string& stats_db, const std::string& data) {
  if (!stats_db.empty()) return kb::open_stats_store(stats_db);
  const auto db = std::filesystem::path(data) / "kb.sqlite";
  if (!std::filesystem::exists(db)) {
    std::fprintf(stderr, "kb-index: error: no statistics at %s (kb-server --data %s writes them)\n", db.c_str(), data.c_str());
    return nullptr;
  }
  return kb::open_stats_store(db.string());
}

}  // namespace

int main(int argc, char** argv) try {
  CLI::App app{
      "kb-index: index a directory of Markdown articles (YAML front matter) for kb-server.\n"
      "Incremental (unchanged files are skipped) and atomic (one commit; an interrupted run\n"
      "leaves the previous index intact). Ends with one line:\n"
      "  added N, updated N, moved N, renamed N, removed N, unchanged N, skipped N in T s\n"
      "Exit codes: 0 all indexed, 1 some articles skipped, 2 usage or fatal error.\n"
      "Settings (index, articles, data, stats-db, session-timeout, changesets) can also come from KB_* environment\n"
      "variables or kb-server's configuration file (flags > environment > file > defaults)."};
  std::string config_file;
  app.add_option("--config", config_file,
                 std::string("Configuration file shared with kb-server (default ") + kb::indexer::kDefaultConfigFile +
                     " when it exists); kb-server's own keys are skipped")
      ->envname("KB_CONFIG");
  std::string articles = "articles";
  std::string index = "var/index";
  bool quiet = false;
  bool allow_empty = false;
  app.add_option("--articles", articles, "Directory of *.md articles, searched recursively")
      ->envname("KB_ARTICLES")
      ->capture_default_str();
  app.add_option("--index", index, "Index directory to create or update")->envname("KB_INDEX")->capture_default_str();
  app.add_flag("-q,--quiet", quiet, "No progress bar");
  app.add_flag("--allow-empty", allow_empty,
               "Let an articles folder with no article empty the index (refused otherwise: a folder not mounted "
               "would unpublish everything)");
  // The settings below are kb-index's own (subcommands take them too: they
  // fall through), each defined once: an option per subcommand bound to
  // the same variable would let an unused subcommand's KB_* variable
  // overwrite a flag.
  std::string data;
  std::string stats_db;
  int session_timeout = 1800;
  app.add_option("--data", data,
                 "kb-server's data directory (holds kb.sqlite): when indexing, warn when an article or anchor that "
                 "agents sent links to disappears; for synonyms, gaps and health, the statistics (default var)")
      ->envname("KB_DATA");
  app.add_option("--stats-db", stats_db, "kb-server's --stats-db (postgresql://...) instead of --data, for replicas")
      ->envname("KB_STATS_DB");
  app.add_option("--session-timeout", session_timeout, "As kb-server's --session-timeout (synonyms, gaps, health)")
      ->envname("KB_SESSION_TIMEOUT")
      ->check(CLI::Range(1, 7 * 24 * 3600))
      ->capture_default_str();
  int changesets = 0;
  app.add_option("--changesets", changesets,
                 "Keep this many changesets beside the index for xapian-replicate-server (sets XAPIAN_MAX_CHANGESETS)")
      ->envname("KB_CHANGESETS")
      ->check(CLI::Range(0, 1000000));

  // kb-index synonyms: proposals mined from the statistics, and accepting them.
  CLI::App* synonyms = app.add_subcommand(
      "synonyms",
      "List synonym proposals mined from behaviour (a search with no click, then a rewording whose result was read "
      "in a session that ended without a ticket), or accept one into <articles>/_synonyms.yaml");
  bool proposals = false;
  std::vector<std::string> accept;
  int min_sessions = 1;
  synonyms->add_flag("--proposals", proposals, "Print proposals: sessions<TAB>searched for<TAB>then found with");
  synonyms->add_option("--min-sessions", min_sessions, "Only pairs seen in at least this many sessions")->capture_default_str();
  synonyms->add_option("--accept", accept, "Add 'FROM=TO' as a synonym pair (repeatable); needs --articles. Already synonyms: nothing changes; "
                       "words in two different groups: refused, exit 1 (edit the file by hand)");
  // kb-index --check: validate without writing the index.
  bool check = false;
  std::string format = "text";
  int stale_days = 0;
  std::string today;
  app.add_flag("--check", check, "Validate the articles without writing the index; exit 1 on errors");
  app.add_option("--format", format, "Output of --check: text (path:line: error|warning: message) or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  app.add_option("--stale-days", stale_days, "With --check: warn about articles not updated for this many days");
  app.add_option("--today", today, "With --check: the date to compare with (YYYY-MM-DD; default today)");

  // kb-index new "Title": a new article with complete front matter.
  CLI::App* create = app.add_subcommand("new", "Write a new article with complete front matter and a troubleshooting "
                                               "skeleton (Symptoms / Cause / Resolution) under <articles>/<category>/");
  std::string new_title, new_category = "general", new_lang = "en", new_slug;
  create->add_option("title", new_title, "The article's title")->required();
  create->add_option("--category", new_category, "Category (also the folder)")->capture_default_str();
  create->add_option("--lang", new_lang, "BCP 47 language")->capture_default_str();
  create->add_option("--slug", new_slug, "Slug (default: from the title)");
  // kb-index suggest: articles for a ticket read from standard input.
  CLI::App* suggest = app.add_subcommand(
      "suggest", "Read a ticket on standard input (first line: subject, the rest: body) and print the best articles "
                 "and sections for it: score<TAB>/articles/slug#anchor<TAB>title › section");
  int suggest_count = 5;
  suggest->add_option("--count", suggest_count, "How many")->capture_default_str();
  // kb-index gaps / health: what to write and what to fix, from the statistics.
  CLI::App* gaps = app.add_subcommand("gaps", "Content gaps: zero-result and session-ending searches, and tickets that "
                                              "followed a failed search, grouped into clusters, largest first");
  CLI::App* health = app.add_subcommand("health", "Article health: one score per article with its reasons, worst first");
  std::string report_format = "text";
  for (CLI::App* sub : {gaps, health}) {
    sub->add_option("--format", report_format, "text or csv")->check(CLI::IsMember({"text", "csv"}))->capture_default_str();
  }
  health->add_option("--stale-days", stale_days, "Articles not updated for this many days lose points")->capture_default_str();
  // --articles, --index, --data, --stats-db and --session-timeout after a
  // subcommand's name are kb-index's own.
  for (CLI::App* sub : {synonyms, create, suggest, gaps, health}) sub->fallthrough();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One line, as kb-server says it (and as the configuration file's errors).
    std::fprintf(stderr, "kb-index: error: %s (see --help)\n", e.what());
    return 2;
  }
  try {
    if (config_file.empty() && std::filesystem::exists(kb::indexer::kDefaultConfigFile)) {
      config_file = kb::indexer::kDefaultConfigFile;
    }
    if (!config_file.empty()) kb::indexer::apply_config_file(app, config_file);
  } catch (const kb::ConfigError& e) {
    std::fprintf(stderr, "kb-index: error: %s\n", e.what());
    return 2;
  }

  if (*gaps || *health) {
    const auto store_ptr = open_statistics(stats_db, data.empty() ? "var" : data);
    if (!store_ptr) return 2;
    kb::StatsStore& store = *store_ptr;
    kb::DeflectionOptions opt;
    opt.now_ms = kb::now_ms();
    opt.session_timeout_ms = static_cast<std::int64_t>(session_timeout) * 1000;
    const auto sessions = store.sessions_between(0, opt.now_ms + 1);
    if (*gaps) {
      const auto clusters = kb::content_gaps(sessions, store.tickets(0, opt.now_ms + 1, 100000, 0), opt);
      if (report_format == "csv") {
        std::fputs(kb::gaps_csv(clusters).c_str(), stdout);
      } else {
        for (const auto& g : clusters) {
          std::string members;
          for (const auto& q : g.queries) members += (members.empty() ? "" : ", ") + q;
          std::printf("%llu\t%s\t(zero results %llu, exits %llu, tickets %llu)\t%s\n", static_cast<unsigned long long>(g.volume()),
                      g.label.c_str(), static_cast<unsigned long long>(g.zero_result), static_cast<unsigned long long>(g.exits),
                      static_cast<unsigned long long>(g.tickets), members.c_str());
        }
      }
      return 0;
    }
    kb::CheckOptions copt;
    copt.articles_dir = articles;
    const kb::CheckReport checked = kb::check_articles(copt);
    std::vector<kb::ArticleHealthInput> inputs;
    for (const auto& a : checked.parsed) inputs.push_back({a.slug, a.title, a.path, a.updated});
    const char* sep = report_format == "csv" ? "," : "\t";
    if (report_format == "csv") std::printf("score,slug,reasons\r\n");
    for (const auto& h : kb::article_health(inputs, checked, sessions, opt, stale_days, kb::utc_date(opt.now_ms))) {
      std::string reasons;
      for (const auto& r : h.reasons) reasons += (reasons.empty() ? "" : "; ") + r;
      if (report_format == "csv") reasons = kb::csv_field(reasons);
      std::printf("%d%s%s%s%s%s", h.score, sep, h.slug.c_str(), sep, reasons.c_str(), report_format == "csv" ? "\r\n" : "\n");
    }
    return 0;
  }

  if (*suggest) {
    std::string subject, line, body;
    std::getline(std::cin, subject);
    while (std::getline(std::cin, line)) body += line + "\n";
    kb::Searcher searcher(index);
    for (const auto& hit : searcher.suggest_for_ticket(subject, body, static_cast<std::size_t>(std::max(1, suggest_count)))) {
      std::printf("%.3f\t%s\t%s%s\n", hit.score, hit.section_url().c_str(), hit.title.c_str(),
                  hit.section_heading.empty() ? "" : (" › " + hit.section_heading).c_str());
    }
    return 0;
  }

  if (*create) {
    const std::string slug = new_slug.empty() ? kb::slug_from_file_stem(new_title) : new_slug;
    const std::string category = kb::slug_from_file_stem(new_category);
    if (!kb::is_valid_slug(slug) || category.empty() || kb::normalise_lang(new_lang).empty()) {
      std::fprintf(stderr, "kb-index: error: cannot make a slug from '%s' (give --slug), or bad --category/--lang\n",
                   new_title.c_str());
      return 2;
    }
    const auto path = std::filesystem::path(articles) / category / (slug + ".md");
    if (std::filesystem::exists(path)) {
      std::fprintf(stderr, "kb-index: error: %s already exists\n", path.c_str());
      return 2;
    }
    // kb-index would skip the new article as a duplicate slug, or let it
    // take over an old address that redirects to another article.
    if (const auto holder = kb::find_slug_holder(articles, slug)) {
      std::fprintf(stderr, "kb-index: error: slug '%s' is taken: it is %s %s (line %zu); choose another with --slug\n",
                   slug.c_str(), holder->alias ? "an alias in" : "the slug of", kb::printable(holder->path).c_str(),
                   holder->line);
      return 2;
    }
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << kb::article_skeleton(new_title, slug, category, kb::normalise_lang(new_lang),
                                                kb::utc_date(kb::now_ms()));
    std::printf("%s\n", path.c_str());
    return 0;
  }

  if (check) {
    kb::CheckOptions copt;
    copt.articles_dir = articles;
    copt.stale_days = stale_days;
    copt.today = kb::normalise_date(today);
    if (!today.empty() && copt.today != today) {
      // Dates are compared as text: "01/05/2026" would hide every warning.
      std::fprintf(stderr, "kb-index: error: --today must be a date written YYYY-MM-DD, not '%s'\n", today.c_str());
      return 2;
    }
    const kb::CheckReport report = kb::check_articles(copt);
    if (format == "json") {
      std::printf("%s\n", report.to_json().c_str());
    } else {
      for (const auto& p : report.problems) std::printf("%s\n", kb::printable(p.text()).c_str());
      std::fprintf(stderr, "%zu articles checked: %zu errors, %zu warnings\n", report.articles, report.errors(), report.warnings());
    }
    return report.errors() > 0 ? 1 : 0;
  }

  if (*synonyms) {
    if (!proposals && accept.empty()) {
      std::fprintf(stderr, "kb-index synonyms: say --proposals or --accept FROM=TO\n");
      return 2;
    }
    if (proposals) {
      const auto store_ptr = open_statistics(stats_db, data.empty() ? "var" : data);
      if (!store_ptr) return 2;
      kb::StatsStore& store = *store_ptr;
      const std::int64_t now = kb::now_ms();
      kb::DeflectionOptions opt;
      opt.now_ms = now;
      opt.session_timeout_ms = static_cast<std::int64_t>(session_timeout) * 1000;
      const auto sessions = store.sessions_between(0, now + 1);
      // Pairs accepted already (indexed or not) are no proposals.
      kb::Synonyms known;
      try {
        known = kb::Synonyms::load(kb::Synonyms::file_in(articles));
      } catch (const std::exception& e) {
        std::fprintf(stderr, "kb-index: warning: %s; pairs accepted there may be listed again\n", e.what());
      }
      for (const auto& p :
           kb::synonym_proposals(sessions, opt, static_cast<std::size_t>(std::max(1, min_sessions)), known)) {
        std::printf("%llu\t%s\t%s\n", static_cast<unsigned long long>(p.sessions), p.from.c_str(), p.to.c_str());
      }
    }
    int status = 0;
    for (const auto& pair : accept) {
      const std::size_t eq = pair.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == pair.size()) {
        std::fprintf(stderr, "kb-index: error: --accept takes FROM=TO, got '%s'\n", pair.c_str());
        return 2;
      }
      const std::string from = pair.substr(0, eq), to = pair.substr(eq + 1);
      const std::string file = kb::Synonyms::file_in(articles).string();
      // A file that cannot be written is an error (exit 2, main's catch);
      // a pair that needs a person (exit 1) does not stop the others.
      try {
        if (kb::Synonyms::accept_pair(file, from, to) == kb::Synonyms::Accepted::added) {
          std::printf("added [%s, %s] to %s\n", from.c_str(), to.c_str(), file.c_str());
        } else {
          std::printf("%s and %s are already synonyms in %s: nothing changed\n", from.c_str(), to.c_str(), file.c_str());
        }
      } catch (const kb::SynonymConflict& e) {
        std::fprintf(stderr, "kb-index: error: %s\n", e.what());
        status = 1;
      }
    }
    return status;
  }

  ProgressBar bar;
  kb::IndexOptions options;
  options.articles_dir = articles;
  options.index_dir = index;
  options.allow_empty = allow_empty;
  options.on_problem = [&](const std::string& line) {
    if (isatty(2) && !quiet) std::fputs("\r\033[K", stderr);
    std::fprintf(stderr, "%s\n", kb::printable(line).c_str());
  };
  if (isatty(2) && !quiet) options.on_progress = [&](std::size_t done, std::size_t total) { bar.update(done, total); };

  // Xapian reads this when the writer opens the index: changesets let
  // xapian-replicate ship only what changed to the replicas.
  if (changesets > 0) ::setenv("XAPIAN_MAX_CHANGESETS", std::to_string(changesets).c_str(), 1);
  const kb::IndexReport report = kb::build_index(options);
  // Links agents sent must keep working: warn about any that broke.
  if (!data.empty() || !stats_db.empty()) {
    const auto db = std::filesystem::path(data) / "kb.sqlite";
    if (!stats_db.empty() || std::filesystem::exists(db)) {
      const auto store = kb::open_stats_store(stats_db.empty() ? db.string() : stats_db);
      kb::Searcher searcher(index);
      for (const auto& l : kb::lost_agent_links(store->sessions_between(0, kb::now_ms() + 1), searcher)) {
        const std::string where = "/articles/" + l.slug + (l.anchor.empty() ? "" : "#" + l.anchor);
        std::fprintf(stderr, "%s: warning: agents sent links to %s (%llu times), but %s\n", index.c_str(), where.c_str(),
                     static_cast<unsigned long long>(l.copies),
                     l.reason == "article" ? "no article or alias has that slug now (add it to 'aliases')"
                                           : "the article has no heading with that anchor now");
      }
    }
  }
  std::printf("%s\n", report.summary_line().c_str());
  return report.skipped > 0 ? 1 : 0;
} catch (const kb::IndexUnavailable& e) {
  std::fprintf(stderr, "kb-index: error: %s\n", e.what());
  return 2;
} catch (const kb::ArticlesDirError& e) {
  std::fprintf(stderr, "kb-index: error: %s\n", e.what());
  return 2;
} catch (const kb::IndexFatalError& e) {
  std::fprintf(stderr, "kb-index: error: %s\n", e.what());
  return 2;
} catch (const std::exception& e) {
  std::fprintf(stderr, "kb-index: error: %s\n", e.what());
  return 2;
} catch (...) {
  std::fprintf(stderr, "kb-index: error: unknown failure\n");
  return 2;
}
