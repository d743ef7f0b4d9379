/** @file sqlite_stats_store.h
 *  @brief The embedded statistics backend: one SQLite file in WAL mode,
 *  written by one kb-server.
 */
#pragma once

#include "kb/sqlite.h"
#include "kb/stats_store.h"

#include <filesystem>

namespace kb {

class SqliteStatsStore final : public StatsStore {
 public:
  /// Opens or creates @p path (and its folder). Throws sql::Error.
  explicit SqliteStatsStore(const std::filesystem::path& path);

  void write_events(const std::vector<Event>& events) override;
  void open_session(const std::string& id, std::int64_t at_ms) override;
  Ticket insert_ticket(Ticket ticket, bool deliver) override;
  std::optional<SessionRow> session(const std::string& id) override;
  std::vector<Event> session_events(const std::string& id) override;
  std::vector<std::pair<SessionRow, std::vector<Event>>> sessions_between(std::int64_t from_ms,
                                                                          std::int64_t to_ms) override;
  std::vector<Ticket> tickets(std::int64_t from_ms, std::int64_t to_ms, std::size_t limit, std::size_t offset) override;
  std::uint64_t ticket_count(std::int64_t from_ms, std::int64_t to_ms) override;
  std::vector<Ticket> due_deliveries(std::int64_t now_ms, std::size_t limit) override;
  void mark_delivered(std::int64_t ticket_id, std::int64_t now_ms) override;
  void mark_failed(std::int64_t ticket_id, const std::string& error, std::int64_t next_attempt_ms) override;
  void revoke_sign_in(const std::string& digest, std::int64_t expires_ms, std::int64_t now_ms) override;
  std::vector<std::pair<std::string, std::int64_t>> revoked_sign_ins(std::int64_t now_ms) override;
  bool shared() const override { return false; }

 private:
  void migrate();
  sql::Connection db_;
};

}  // namespace kb
