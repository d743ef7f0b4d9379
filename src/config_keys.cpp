/** @file config_keys.cpp
 *  @brief The two key lists, and the nearest key by edit distance.
 */
#include "kb/config_keys.h"

#include <algorithm>

namespace kb {

namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

bool contains(const std::vector<std::string_view>& keys, std::string_view key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

}  // namespace

const std::vector<std::string_view>& server_config_keys() {
  static const std::vector<std::string_view> keys{
      "index", "data", "stats-db", "port", "bind", "web", "watch", "theme", "threads", "session-timeout",
      "max-sessions", "admin-token", "agent-token", "ticket-webhook", "public-url", "ticket-redirect", "tickets-per-session-hour",
      "tickets-per-address-hour", "trusted-proxy", "max-threads", "read-timeout", "searches-per-address-minute",
      "feedback-per-address-hour", "flush-interval-ms", "learned-boost", "insights-interval", "cache-mb", "search-slots",
      "default-lang", "articles", "log-format", "access-log", "metrics-token"};
  return keys;
}

const std::vector<std::string_view>& index_config_keys() {
  static const std::vector<std::string_view> keys{"index", "articles", "data", "stats-db", "session-timeout",
                                                  "changesets"};
  return keys;
}

bool is_server_config_key(std::string_view key) { return contains(server_config_keys(), key); }
bool is_index_config_key(std::string_view key) { return contains(index_config_keys(), key); }

std::string closest_config_key(std::string_view key) {
  std::string_view best;
  std::size_t best_distance = 3;  // at most two edits away
  for (const auto* keys : {&server_config_keys(), &index_config_keys()}) {
    for (std::string_view name : *keys) {
      const std::size_t d = edit_distance(key, name);
      if (d < best_distance) {
        best_distance = d;
        best = name;
      }
    }
  }
  return std::string(best);
}

std::string unknown_config_key_message(const std::string& written) {
  std::string key = written;
  std::replace(key.begin(), key.end(), '_', '-');
  const std::string hint = closest_config_key(key);
  return "unknown key \"" + written + "\"" + (hint.empty() ? std::string() : " (did you mean \"" + hint + "\"?)");
}

}  // namespace kb
