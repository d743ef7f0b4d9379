/** @file stats_store.h
 *  @brief The embedded statistics database (SQLite, WAL): sessions, events
 *  and tickets, with the durable webhook outbox in the tickets table.
 *
 *  One StatsStore is one connection and is not thread-safe; the server
 *  guards it with a mutex (writes are batched, so contention is low).
 */
#pragma once

#include "kb/events.h"
#include "kb/sqlite.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace kb {

struct Ticket {
  std::int64_t id = 0;
  std::string reference;  ///< "KB-000042": what the person quotes
  std::string session;
  std::int64_t created_at_ms = 0;
  std::string subject;
  std::string description;
  std::string email;
  nlohmann::json context;  ///< the search-context packet
  std::string delivery = "stored";  ///< stored | pending | delivered
  int attempts = 0;
  std::string last_error;
};

/// A session as stored: events belong to exactly one.
struct SessionRow {
  std::string id;
  std::int64_t started_at_ms = 0;
  std::int64_t last_seen_ms = 0;
};

class StatsStore {
 public:
  /// Opens or creates @p path (and its folder). Throws sql::Error.
  explicit StatsStore(const std::filesystem::path& path);

  /// Writes events (and the sessions they touch) in one transaction.
  void write_events(const std::vector<Event>& events);

  /// Stores a ticket and its "ticket" event in one transaction and returns
  /// it with id and reference. @p deliver: whether a webhook must send it.
  Ticket insert_ticket(Ticket ticket, bool deliver);

  std::optional<SessionRow> session(const std::string& id);
  std::vector<Event> session_events(const std::string& id);

  /// Sessions that started in [from, to) and all their events, in order.
  std::vector<std::pair<SessionRow, std::vector<Event>>> sessions_between(std::int64_t from_ms, std::int64_t to_ms);

  std::vector<Ticket> tickets(std::int64_t from_ms, std::int64_t to_ms, std::size_t limit, std::size_t offset);

  /// Webhook outbox: tickets not yet delivered whose next attempt is due.
  std::vector<Ticket> due_deliveries(std::int64_t now_ms, std::size_t limit);
  void mark_delivered(std::int64_t ticket_id, std::int64_t now_ms);
  void mark_failed(std::int64_t ticket_id, const std::string& error, std::int64_t next_attempt_ms);

 private:
  void migrate();
  sql::Connection db_;
};

std::int64_t now_ms();

}  // namespace kb
