/** @file stats_store.h
 *  @brief Where statistics live: sessions, events and tickets, with the
 *  durable webhook outbox in the tickets table. Two backends with one
 *  meaning: SQLite (WAL, the embedded default, one server) and PostgreSQL
 *  (shared by several kb-server replicas).
 *
 *  One StatsStore is one connection and is not thread-safe; the server
 *  guards it with a mutex (writes are batched, so contention is low).
 */
#pragma once

#include "kb/events.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
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
  /// Names one sending of one form (or an API client's Idempotency-Key):
  /// the same again gets the ticket already stored, not a second one.
  /// "" for none.
  std::string submission;
  /// Set by insert_ticket: this submission had been stored before, and this
  /// is that ticket, unchanged.
  bool repeated = false;
};

/// A session as stored: events belong to exactly one.
struct SessionRow {
  std::string id;
  std::int64_t started_at_ms = 0;
  std::int64_t last_seen_ms = 0;
};

/// The store cannot be opened, migrated or written (the message says why).
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class StatsStore {
 public:
  virtual ~StatsStore() = default;

  /// Writes events (and the sessions they touch) in one transaction.
  virtual void write_events(const std::vector<Event>& events) = 0;

  /// Records that session @p id exists (started now, no events yet), so
  /// that another replica sharing the store recognises its cookie at once.
  virtual void open_session(const std::string& id, std::int64_t at_ms) = 0;

  /// Stores a ticket and its "ticket" event in one transaction and returns
  /// it with id and reference. @p deliver: whether a webhook must send it.
  /// A submission stored before returns that ticket (repeated), and
  /// stores nothing.
  virtual Ticket insert_ticket(Ticket ticket, bool deliver) = 0;

  virtual std::optional<SessionRow> session(const std::string& id) = 0;
  virtual std::vector<Event> session_events(const std::string& id) = 0;

  /// Sessions that started in [from, to) and all their events, in order.
  virtual std::vector<std::pair<SessionRow, std::vector<Event>>> sessions_between(std::int64_t from_ms,
                                                                                  std::int64_t to_ms) = 0;

  virtual std::vector<Ticket> tickets(std::int64_t from_ms, std::int64_t to_ms, std::size_t limit,
                                      std::size_t offset) = 0;
  /// How many tickets were created in [from, to), with a session or not.
  virtual std::uint64_t ticket_count(std::int64_t from_ms, std::int64_t to_ms) = 0;

  /// Webhook outbox: tickets not yet delivered whose next attempt is due.
  /// A shared store claims them for a while, so one replica sends each.
  virtual std::vector<Ticket> due_deliveries(std::int64_t now_ms, std::size_t limit) = 0;
  virtual void mark_delivered(std::int64_t ticket_id, std::int64_t now_ms) = 0;
  virtual void mark_failed(std::int64_t ticket_id, const std::string& error, std::int64_t next_attempt_ms) = 0;

  /// Ends a staff sign-in before its cookie expires (sign-out): @p digest
  /// names the cookie, and is refused until @p expires_ms by every process
  /// sharing the store. Forgets revocations that have expired.
  virtual void revoke_sign_in(const std::string& digest, std::int64_t expires_ms, std::int64_t now_ms) = 0;
  /// The revoked sign-ins not yet expired at @p now_ms: digest, expiry.
  virtual std::vector<std::pair<std::string, std::int64_t>> revoked_sign_ins(std::int64_t now_ms) = 0;

  /// True when other processes write the same statistics (PostgreSQL):
  /// a session unknown here may have been started by another replica.
  virtual bool shared() const = 0;
};

/// "postgresql://..." or "postgres://..." (libpq's URI forms).
bool is_postgresql_uri(const std::string& location);

/// Opens the store at @p location: a PostgreSQL URI, else an SQLite file
/// path (created with its folder). Throws StoreError.
std::unique_ptr<StatsStore> open_stats_store(const std::string& location);

/// "KB-000042": the reference of ticket @p id, the same in every backend.
std::string ticket_reference(std::int64_t id);

std::int64_t now_ms();

namespace stats_detail {
std::string slugs_to_json(const std::vector<std::string>& slugs);
std::vector<std::string> slugs_from_json(const std::string& s);
}  // namespace stats_detail

}  // namespace kb
