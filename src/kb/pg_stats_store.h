/** @file pg_stats_store.h
 *  @brief The shared statistics backend: PostgreSQL, written by every
 *  kb-server replica, so a session is one session whichever replica
 *  answers and each ticket gets a reference no other replica hands out.
 */
#pragma once

#include "kb/pg.h"
#include "kb/stats_store.h"

#include <map>

namespace kb {

class PgStatsStore final : public StatsStore {
 public:
  /// Connects to @p uri and brings the schema up to date (one replica at a
  /// time, under an advisory lock). Throws StoreError.
  explicit PgStatsStore(const std::string& uri);

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
  bool shared() const override { return true; }

 private:
  void migrate();
  void insert_events(const Event* events, std::size_t count);
  /// Sessions in id order (see write_events): id -> (first, last) event time.
  void upsert_sessions(const std::map<std::string, std::pair<std::int64_t, std::int64_t>>& spans);
  pg::Connection db_;
};

}  // namespace kb
