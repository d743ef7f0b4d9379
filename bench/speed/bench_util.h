/** @file bench_util.h
 *  @brief What every speed benchmark program shares: reading a corpus the
 *  simple way (for the floors), reading query files, and summarising
 *  latencies as one JSON line that bench/speed/run.py collects.
 */
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace kb::bench {

struct PlainArticle {
  std::string path;
  std::string title;
  std::string body;
};

/// Every *.md file under @p dir, sorted by path. The title is the front
/// matter's `title:` (else empty) and the body everything after the front
/// matter: what a plain full-text engine would be given.
inline std::vector<PlainArticle> read_plain_articles(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().extension() == ".md") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<PlainArticle> out;
  out.reserve(files.size());
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    PlainArticle a;
    a.path = std::filesystem::relative(f, dir).string();
    if (text.rfind("---", 0) == 0) {
      const std::size_t end = text.find("\n---", 3);
      if (end != std::string::npos) {
        const std::string front = text.substr(3, end - 3);
        const std::size_t t = front.find("\ntitle:");
        if (t != std::string::npos) {
          std::size_t s = t + 7;
          const std::size_t e = front.find('\n', s);
          a.title = front.substr(s, e == std::string::npos ? std::string::npos : e - s);
          a.title.erase(0, a.title.find_first_not_of(" \t'\""));
          while (!a.title.empty() && std::string(" \t'\"\r").find(a.title.back()) != std::string::npos) a.title.pop_back();
        }
        const std::size_t body = text.find('\n', end + 4);
        text = body == std::string::npos ? std::string() : text.substr(body + 1);
      }
    }
    a.body = std::move(text);
    out.push_back(std::move(a));
  }
  return out;
}

/// Queries, one per line ("qid<TAB>query" or just the query).
inline std::vector<std::string> read_queries(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    const std::size_t tab = line.find('\t');
    if (tab != std::string::npos) line = line.substr(tab + 1);
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

using Clock = std::chrono::steady_clock;

inline double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

/// Nearest-rank percentile of @p sorted (ascending), p in [0, 100].
inline double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  std::size_t rank = static_cast<std::size_t>(p / 100.0 * static_cast<double>(sorted.size()) + 0.999999);
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

/// Prints {"engine":..., "op":"search", "queries":N, "p50_ms":..., ...}.
inline void print_latencies(const std::string& engine, const std::string& op, std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  double sum = 0;
  for (double m : ms) sum += m;
  std::printf("{\"engine\":\"%s\",\"op\":\"%s\",\"queries\":%zu,\"mean_ms\":%.4f,\"p50_ms\":%.4f,\"p95_ms\":%.4f,"
              "\"p99_ms\":%.4f,\"max_ms\":%.4f}\n",
              engine.c_str(), op.c_str(), ms.size(), ms.empty() ? 0.0 : sum / static_cast<double>(ms.size()),
              percentile(ms, 50), percentile(ms, 95), percentile(ms, 99), ms.empty() ? 0.0 : ms.back());
  std::fflush(stdout);
}

}  // namespace kb::bench
