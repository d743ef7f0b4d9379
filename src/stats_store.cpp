/** @file stats_store.cpp
 *  @brief What both statistics backends share: choosing one, ticket
 *  references, the slug list encoding and query normalisation.
 */
#include "kb/stats_store.h"

#include "kb/pg_stats_store.h"
#include "kb/sqlite_stats_store.h"
#include "kb/text.h"

#include <chrono>
#include <cstdio>

namespace kb {

bool is_postgresql_uri(const std::string& location) {
  return location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0;
}

std::unique_ptr<StatsStore> open_stats_store(const std::string& location) {
  if (is_postgresql_uri(location)) return std::make_unique<PgStatsStore>(location);
  try {
    return std::make_unique<SqliteStatsStore>(location);
  } catch (const std::exception& e) {
    throw StoreError("cannot open statistics database " + location + ": " + e.what());
  }
}

std::string ticket_reference(std::int64_t id) {
  char ref[32];
  std::snprintf(ref, sizeof ref, "KB-%06lld", static_cast<long long>(id));
  return ref;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string normalise_query(const std::string& query) {
  std::string spaced;
  for (char c : to_lower(query)) {
    const auto u = static_cast<unsigned char>(c);
    // ASCII punctuation separates words; multi-byte characters are kept.
    spaced += (u < 0x80 && !std::isalnum(u) && c != '_' && c != '-' && c != '.') ? ' ' : c;
  }
  return collapse_whitespace(spaced);
}

namespace stats_detail {

std::string slugs_to_json(const std::vector<std::string>& slugs) { return nlohmann::json(slugs).dump(); }

std::vector<std::string> slugs_from_json(const std::string& s) {
  if (s.empty()) return {};
  const auto j = nlohmann::json::parse(s, nullptr, false);
  std::vector<std::string> out;
  if (j.is_array()) {
    for (const auto& v : j) {
      if (v.is_string()) out.push_back(v.get<std::string>());
    }
  }
  return out;
}

}  // namespace stats_detail

}  // namespace kb
