/** @file fts5_peer.cpp
 *  @brief The SQLite FTS5 peer: title and body in one FTS5 table (porter
 *  tokenizer), top 10 by bm25(). Queries are run twice, with the words
 *  AND-ed (FTS5's default) and OR-ed, each word quoted so that FTS5
 *  syntax in a query is inert.
 *
 *    fts5-peer index DIR DB
 *    fts5-peer search DB QUERIES [REPEATS]
 */
#include "bench_util.h"

#include <sqlite3.h>

#include <cctype>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace {

void check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    throw std::runtime_error(std::string(what) + ": " + sqlite3_errmsg(db));
  }
}

int build(const char* dir, const char* path) {
  const auto start = kb::bench::Clock::now();
  const auto articles = kb::bench::read_plain_articles(dir);
  std::remove(path);
  sqlite3* db = nullptr;
  check(sqlite3_open(path, &db), db, "open");
  check(sqlite3_exec(db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;", nullptr, nullptr, nullptr), db, "pragma");
  check(sqlite3_exec(db, "CREATE VIRTUAL TABLE docs USING fts5(path UNINDEXED, title, body, tokenize='porter unicode61')",
                     nullptr, nullptr, nullptr),
        db, "create");
  check(sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr), db, "begin");
  sqlite3_stmt* insert = nullptr;
  check(sqlite3_prepare_v2(db, "INSERT INTO docs VALUES (?, ?, ?)", -1, &insert, nullptr), db, "prepare");
  for (const auto& a : articles) {
    sqlite3_bind_text(insert, 1, a.path.data(), static_cast<int>(a.path.size()), SQLITE_STATIC);
    sqlite3_bind_text(insert, 2, a.title.data(), static_cast<int>(a.title.size()), SQLITE_STATIC);
    sqlite3_bind_text(insert, 3, a.body.data(), static_cast<int>(a.body.size()), SQLITE_STATIC);
    check(sqlite3_step(insert), db, "insert");
    sqlite3_reset(insert);
  }
  sqlite3_finalize(insert);
  check(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db, "commit");
  sqlite3_close(db);
  std::printf("{\"engine\":\"fts5\",\"op\":\"index\",\"documents\":%zu,\"seconds\":%.3f}\n", articles.size(),
              kb::bench::ms_since(start) / 1000.0);
  return 0;
}

/// The query's words, quoted and joined with @p op (" " is AND in FTS5).
std::string match_expression(const std::string& query, const char* op) {
  std::string out, word;
  auto flush = [&] {
    if (word.empty()) return;
    if (!out.empty()) out += op;
    out += '"' + word + '"';
    word.clear();
  };
  for (const char ch : query) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c >= 0x80) word += ch;
    else flush();
  }
  flush();
  return out;
}

int search(const char* path, const char* queries_file, int repeats) {
  sqlite3* db = nullptr;
  check(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, nullptr), db, "open");
  sqlite3_stmt* stmt = nullptr;
  check(sqlite3_prepare_v2(db, "SELECT path FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT 10", -1, &stmt, nullptr),
        db, "prepare");
  const auto queries = kb::bench::read_queries(queries_file);
  std::size_t rows = 0;
  for (const auto& [mode, op] : {std::pair{"and", " "}, std::pair{"or", " OR "}}) {
    std::vector<double> ms;
    for (int r = 0; r <= repeats; ++r) {
      for (const auto& q : queries) {
        const std::string match = match_expression(q, op);
        if (match.empty()) continue;
        const auto start = kb::bench::Clock::now();
        sqlite3_bind_text(stmt, 1, match.data(), static_cast<int>(match.size()), SQLITE_TRANSIENT);
        while (sqlite3_step(stmt) == SQLITE_ROW) rows += sqlite3_column_bytes(stmt, 0) > 0;
        sqlite3_reset(stmt);
        if (r > 0) ms.push_back(kb::bench::ms_since(start));
      }
    }
    kb::bench::print_latencies(std::string("fts5-") + mode, "search", ms);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return rows == static_cast<std::size_t>(-1);
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc >= 4 && std::strcmp(argv[1], "index") == 0) return build(argv[2], argv[3]);
  if (argc >= 4 && std::strcmp(argv[1], "search") == 0) return search(argv[2], argv[3], argc > 4 ? std::atoi(argv[4]) : 1);
  std::fprintf(stderr, "usage: fts5-peer index DIR DB | search DB QUERIES [REPEATS]\n");
  return 2;
} catch (const std::exception& e) {
  std::fprintf(stderr, "fts5-peer: %s\n", e.what());
  return 1;
}
