/** @file main.cpp
 *  @brief kb-index: turns a directory of Markdown articles into the Xapian
 *  index kb-server reads.
 *
 *  Exit codes: 0 every article indexed, 1 some articles were skipped (each
 *  reported as path:line: error: ...), 2 usage or fatal error (index left
 *  at its previous revision).
 */
#include "kb/index_writer.h"

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>

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

}  // namespace

int main(int argc, char** argv) try {
  CLI::App app{
      "kb-index: index a directory of Markdown articles (YAML front matter) for kb-server.\n"
      "Incremental (unchanged files are skipped) and atomic (one commit; an interrupted run\n"
      "leaves the previous index intact). Ends with one line:\n"
      "  added N, updated N, removed N, unchanged N, skipped N in T s\n"
      "Exit codes: 0 all indexed, 1 some articles skipped, 2 usage or fatal error."};
  std::string articles = "articles";
  std::string index = "var/index";
  bool quiet = false;
  app.add_option("--articles", articles, "Directory of *.md articles, searched recursively")
      ->envname("KB_ARTICLES")
      ->capture_default_str();
  app.add_option("--index", index, "Index directory to create or update")->envname("KB_INDEX")->capture_default_str();
  app.add_flag("-q,--quiet", quiet, "No progress bar");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  ProgressBar bar;
  kb::IndexOptions options;
  options.articles_dir = articles;
  options.index_dir = index;
  options.on_problem = [&](const std::string& line) {
    if (isatty(2) && !quiet) std::fputs("\r\033[K", stderr);
    std::fprintf(stderr, "%s\n", line.c_str());
  };
  if (isatty(2) && !quiet) options.on_progress = [&](std::size_t done, std::size_t total) { bar.update(done, total); };

  const kb::IndexReport report = kb::build_index(options);
  std::printf("%s\n", report.summary_line().c_str());
  return report.skipped > 0 ? 1 : 0;
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
