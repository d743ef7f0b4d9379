/** @file pg_stats_store.cpp
 *  @brief PostgreSQL schema and queries for statistics and tickets; the
 *  same tables and meaning as the SQLite backend.
 */
#include "kb/pg_stats_store.h"

#include "kb/text.h"

#include <algorithm>
#include <map>

namespace kb {

namespace {

constexpr int kSchemaVersion = 4;  // kept equal to the SQLite backend's

// Any constant both replicas agree on: "kb" in ASCII (0x6b62), then 1 for migrations.
constexpr const char* kMigrationLock = "SELECT pg_advisory_xact_lock(27490, 1)";

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS sessions (
  id TEXT PRIMARY KEY,
  started_at BIGINT NOT NULL,
  last_seen BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_started ON sessions(started_at);
CREATE TABLE IF NOT EXISTS events (
  id BIGSERIAL PRIMARY KEY,
  session TEXT NOT NULL,
  at BIGINT NOT NULL,
  kind TEXT NOT NULL,
  search_id TEXT, query TEXT, norm_query TEXT, result_count INTEGER, corrected INTEGER, rung TEXT,
  slugs TEXT, slug TEXT, rank INTEGER, source TEXT, helpful INTEGER, comment TEXT, ticket_id BIGINT,
  ref TEXT
);
CREATE INDEX IF NOT EXISTS events_session ON events(session, at, id);
CREATE INDEX IF NOT EXISTS events_at ON events(at);
CREATE TABLE IF NOT EXISTS tickets (
  id BIGSERIAL PRIMARY KEY,
  reference TEXT UNIQUE,
  session TEXT,
  created_at BIGINT NOT NULL,
  subject TEXT NOT NULL,
  description TEXT NOT NULL,
  email TEXT NOT NULL,
  context TEXT NOT NULL,
  delivery TEXT NOT NULL DEFAULT 'stored',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT,
  delivered_at BIGINT,
  last_error TEXT,
  submission TEXT
);
CREATE INDEX IF NOT EXISTS tickets_created ON tickets(created_at);
CREATE INDEX IF NOT EXISTS tickets_outbox ON tickets(delivery, next_attempt_at);
ALTER TABLE tickets ADD COLUMN IF NOT EXISTS submission TEXT;
CREATE UNIQUE INDEX IF NOT EXISTS tickets_submission ON tickets(submission);
CREATE TABLE IF NOT EXISTS revoked_sign_ins (
  digest TEXT PRIMARY KEY,
  expires_at BIGINT NOT NULL
);
)sql";

constexpr const char* kEventColumns =
    "session, at, kind, search_id, query, norm_query, result_count, corrected, rung, slugs, slug, rank, source, "
    "helpful, comment, ticket_id, ref";
constexpr const char* kEventColumnsPrefixed =
    "e.session, e.at, e.kind, e.search_id, e.query, e.norm_query, e.result_count, e.corrected, e.rung, e.slugs, "
    "e.slug, e.rank, e.source, e.helpful, e.comment, e.ticket_id, e.ref";
constexpr const char* kTicketColumns =
    "id, reference, session, created_at, subject, description, email, context, delivery, attempts, "
    "coalesce(last_error, '')";

/// PostgreSQL text holds valid UTF-8 without NUL; SQLite takes any bytes.
/// What a visitor typed is cleaned here rather than failing the batch it
/// arrived in (which would be retried, and refused, forever).
std::string clean(const std::string& s) {
  std::string out;
  std::string_view rest(s);
  while (!rest.empty()) {
    const auto bad = find_invalid_utf8(rest);
    const std::size_t good = bad ? *bad : rest.size();
    out.append(rest.data(), good);
    if (!bad) break;
    out += "\xEF\xBF\xBD";  // U+FFFD for the offending byte
    rest.remove_prefix(good + 1);
  }
  out.erase(std::remove(out.begin(), out.end(), '\0'), out.end());
  return out;
}

pg::Param opt_text(const std::string& s) { return s.empty() ? pg::null() : pg::text(clean(s)); }

Event read_event(const pg::Result& r, int row) {
  Event e;
  e.session = r.text(row, 0);
  e.at_ms = r.int64(row, 1);
  e.kind = r.text(row, 2);
  e.search_id = r.text(row, 3);
  e.query = r.text(row, 4);
  e.norm_query = r.text(row, 5);
  e.result_count = r.is_null(row, 6) ? -1 : static_cast<int>(r.int64(row, 6));
  e.corrected = r.int64(row, 7) != 0;
  e.rung = r.text(row, 8);
  e.slugs = stats_detail::slugs_from_json(r.text(row, 9));
  e.slug = r.text(row, 10);
  e.rank = static_cast<int>(r.int64(row, 11));
  e.source = r.text(row, 12);
  e.helpful = r.is_null(row, 13) ? -1 : static_cast<int>(r.int64(row, 13));
  e.comment = r.text(row, 14);
  e.ticket_id = r.int64(row, 15);
  e.ref = r.text(row, 16);
  return e;
}

Ticket read_ticket(const pg::Result& r, int row) {
  Ticket t;
  t.id = r.int64(row, 0);
  t.reference = r.text(row, 1);
  t.session = r.text(row, 2);
  t.created_at_ms = r.int64(row, 3);
  t.subject = r.text(row, 4);
  t.description = r.text(row, 5);
  t.email = r.text(row, 6);
  t.context = nlohmann::json::parse(r.text(row, 7), nullptr, false);
  t.delivery = r.text(row, 8);
  t.attempts = static_cast<int>(r.int64(row, 9));
  t.last_error = r.text(row, 10);
  return t;
}

std::vector<Ticket> read_tickets(const pg::Result& r) {
  std::vector<Ticket> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(read_ticket(r, i));
  return out;
}

std::vector<pg::Param> event_params(const Event& e) {
  return {pg::text(clean(e.session)), pg::int64(e.at_ms), pg::text(clean(e.kind)), opt_text(e.search_id),
          opt_text(e.query), opt_text(e.norm_query), e.result_count >= 0 ? pg::int64(e.result_count) : pg::null(),
          pg::int64(e.corrected ? 1 : 0), opt_text(e.rung),
          e.slugs.empty() ? pg::null() : pg::text(clean(stats_detail::slugs_to_json(e.slugs))), opt_text(e.slug),
          pg::int64(e.rank), opt_text(e.source), e.helpful >= 0 ? pg::int64(e.helpful) : pg::null(),
          opt_text(e.comment), pg::int64(e.ticket_id), opt_text(e.ref)};
}

/// "($1,...,$k),($k+1,...)": @p rows rows of @p columns parameters.
std::string placeholders(std::size_t rows, std::size_t columns) {
  std::string out;
  for (std::size_t r = 0; r < rows; ++r) {
    out += r ? ",(" : "(";
    for (std::size_t c = 0; c < columns; ++c) out += (c ? ",$" : "$") + std::to_string(r * columns + c + 1);
    out += ')';
  }
  return out;
}

}  // namespace

PgStatsStore::PgStatsStore(const std::string& uri)
    : db_([&] {
        try {
          return pg::Connection(uri);
        } catch (const pg::Error& e) {
          throw StoreError(e.what());
        }
      }()) {
  try {
    migrate();
  } catch (const pg::Error& e) {
    throw StoreError(std::string("cannot prepare the statistics schema: ") + e.what());
  }
}

void PgStatsStore::migrate() {
  pg::Transaction tx(db_);
  // Two replicas starting together: the second waits here, then finds the
  // tables made (CREATE ... IF NOT EXISTS is not safe when run concurrently).
  db_.exec(kMigrationLock);
  db_.exec("CREATE TABLE IF NOT EXISTS kb_schema (version INTEGER NOT NULL)");
  const pg::Result v = db_.exec("SELECT max(version) FROM kb_schema");
  const std::int64_t version = v.int64(0, 0);
  if (version > kSchemaVersion) {
    throw StoreError("statistics database has schema version " + std::to_string(version) +
                     ", newer than this kb-server (" + std::to_string(kSchemaVersion) + ")");
  }
  db_.exec(kSchema);
  if (version != kSchemaVersion) {
    db_.exec("DELETE FROM kb_schema");
    db_.exec("INSERT INTO kb_schema(version) VALUES($1)", {pg::int64(kSchemaVersion)});
  }
  tx.commit();
}

void PgStatsStore::insert_events(const Event* events, std::size_t count) {
  // One statement per chunk, not per event: a batch is a few round trips.
  constexpr std::size_t kColumns = 17, kChunk = 500;
  for (std::size_t done = 0; done < count; done += kChunk) {
    const std::size_t n = std::min(kChunk, count - done);
    std::vector<pg::Param> params;
    params.reserve(n * kColumns);
    for (std::size_t i = 0; i < n; ++i) {
      for (auto& p : event_params(events[done + i])) params.push_back(std::move(p));
    }
    db_.exec(std::string("INSERT INTO events(") + kEventColumns + ") VALUES" + placeholders(n, kColumns), params);
  }
}

void PgStatsStore::upsert_sessions(const std::map<std::string, std::pair<std::int64_t, std::int64_t>>& spans) {
  constexpr std::size_t kChunk = 1000;
  auto it = spans.begin();
  while (it != spans.end()) {
    std::vector<pg::Param> params;
    std::size_t n = 0;
    for (; it != spans.end() && n < kChunk; ++it, ++n) {
      params.push_back(pg::text(clean(it->first)));
      params.push_back(pg::int64(it->second.first));
      params.push_back(pg::int64(it->second.second));
    }
    db_.exec("INSERT INTO sessions(id, started_at, last_seen) VALUES" + placeholders(n, 3) +
                 " ON CONFLICT(id) DO UPDATE SET last_seen = greatest(sessions.last_seen, excluded.last_seen), "
                 "started_at = least(sessions.started_at, excluded.started_at)",
             params);
  }
}

void PgStatsStore::write_events(const std::vector<Event>& events) {
  if (events.empty()) return;
  // Sessions first and in id order: two replicas writing batches that touch
  // the same sessions then lock their rows in the same order (no deadlock).
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> spans;
  for (const auto& e : events) {
    auto [it, fresh] = spans.try_emplace(e.session, e.at_ms, e.at_ms);
    if (!fresh) {
      it->second.first = std::min(it->second.first, e.at_ms);
      it->second.second = std::max(it->second.second, e.at_ms);
    }
  }
  try {
    pg::Transaction tx(db_);
    upsert_sessions(spans);
    insert_events(events.data(), events.size());
    tx.commit();
  } catch (const pg::Error& e) {
    throw StoreError(e.what());
  }
}

void PgStatsStore::open_session(const std::string& id, std::int64_t at_ms) {
  try {
    db_.exec("INSERT INTO sessions(id, started_at, last_seen) VALUES($1, $2, $2) ON CONFLICT(id) DO NOTHING",
             {pg::text(clean(id)), pg::int64(at_ms)});
  } catch (const pg::Error& e) {
    throw StoreError(e.what());
  }
}

Ticket PgStatsStore::insert_ticket(Ticket t, bool deliver) {
  try {
    pg::Transaction tx(db_);
    // The id comes from the table's sequence, shared by every replica, so
    // the reference derived from it is unique across them.
    t.id = db_.exec("SELECT nextval(pg_get_serial_sequence('tickets', 'id'))").int64(0, 0);
    t.reference = ticket_reference(t.id);
    t.delivery = deliver ? "pending" : "stored";
    // A repeated submission, on this replica or another, inserts nothing
    // (the unique index decides, after waiting for the first to commit)
    // and reads the ticket stored for it.
    const pg::Result inserted = db_.exec(
        "INSERT INTO tickets(id, reference, session, created_at, subject, description, email, context, delivery, "
        "next_attempt_at, submission) VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) "
        "ON CONFLICT (submission) DO NOTHING RETURNING id",
        {pg::int64(t.id), pg::text(t.reference), pg::text(clean(t.session)), pg::int64(t.created_at_ms),
         pg::text(clean(t.subject)), pg::text(clean(t.description)), pg::text(clean(t.email)),
         pg::text(t.context.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)), pg::text(t.delivery),
         deliver ? pg::int64(t.created_at_ms) : pg::null(), t.submission.empty() ? pg::null() : pg::text(clean(t.submission))});
    if (inserted.rows() == 0) {
      const pg::Result seen = db_.exec(std::string("SELECT ") + kTicketColumns + " FROM tickets WHERE submission = $1",
                                       {pg::text(clean(t.submission))});
      if (seen.rows() == 0) throw StoreError("a repeated ticket submission was not found");
      Ticket stored = read_ticket(seen, 0);
      stored.submission = t.submission;
      stored.repeated = true;
      return stored;
    }
    if (!t.session.empty()) {
      Event e;
      e.session = t.session;
      e.at_ms = t.created_at_ms;
      e.kind = event_kind::kTicket;
      e.ticket_id = t.id;
      db_.exec(
          "INSERT INTO sessions(id, started_at, last_seen) VALUES($1, $2, $2) "
          "ON CONFLICT(id) DO UPDATE SET last_seen = greatest(sessions.last_seen, excluded.last_seen)",
          {pg::text(clean(t.session)), pg::int64(t.created_at_ms)});
      insert_events(&e, 1);
    }
    tx.commit();
  } catch (const pg::Error& e) {
    throw StoreError(e.what());
  }
  return t;
}

std::optional<SessionRow> PgStatsStore::session(const std::string& id) {
  try {
    const pg::Result r = db_.exec("SELECT id, started_at, last_seen FROM sessions WHERE id = $1", {pg::text(clean(id))});
    if (r.rows() == 0) return std::nullopt;
    return SessionRow{r.text(0, 0), r.int64(0, 1), r.int64(0, 2)};
  } catch (const pg::Error& e) {
    throw StoreError(e.what());
  }
}

std::vector<Event> PgStatsStore::session_events(const std::string& id) {
  try {
    const pg::Result r = db_.exec(std::string("SELECT ") + kEventColumns + " FROM events WHERE session = $1 ORDER BY at, id",
                                  {pg::text(clean(id))});
    std::vector<Event> out;
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_event(r, i));
    return out;
  } catch (const pg::Error& e) {
    throw StoreError(e.what());
  }
}

std::vector<std::pair<SessionRow, std::vector<Event>>> PgStatsStore::sessions_between(std::int64_t from_ms,
                                                                                       std::int64_t to_ms) {
  std::vector<std::pair<SessionRow, std::vector<Event>>> out;
  try {
    // COLLATE "C": the byte order SQLite uses, whatever the database's locale.
    const pg::Result r = db_.exec(std::string("SELECT ") + kEventColumnsPrefixed +
                                      ", s.started_at, s.last_seen FROM sessions s JOIN events e ON e.session = s.id "
                                      "WHERE s.started_at >= $1 AND s.started_at < $2 "
                                      "ORDER BY s.started_at, s.id COLLATE \"C\", e.at, e.id",
                                  {pg::int64(from_ms), pg::int64(to_ms)});
    for (int i = 0; i < r.rows(); ++i) {
      Event e = read_event(r, i);
      if (out.empty() || out.back().first.id != e.session) {
        out.push_back({SessionRow{e.session, r.int64(i, 17), r.int64(i, 18)}, {}});
      }
      out.back().second.push_back(std::move(e));
    }
  } catch (const pg::Error& e) {
    throw StoreError(e.what());
  }
  return out;
}

std::vector<Ticket> PgStatsStore::tickets(std::int64_t from_ms, std::int64_t to_ms, std::size_t limit, std::size_t offset) {
  try {
    return read_tickets(db_.exec(std::string("SELECT ") + kTicketColumns +
                                     " FROM tickets WHERE created_at >= $1 AND created_at < $2 ORDER BY id DESC "
                                     "LIMIT $3 OFFSET $4",
                                 {pg::int64(from_ms), pg::int64(to_ms), pg::int64(static_cast<std::int64_t>(limit)),
                                  pg::int64(static_cast<std::int64_t>(offset))}));
  } catch (const pg::Error& e) {
    throw StoreError(e.what());
  }
}

std::uint64_t PgStatsStore::ticket_count(std::int64_t from_ms, std::int64_t to_ms) {
  try {
    const pg::Result r = db_.exec("SELECT count(*) FROM tickets WHERE created_at >= $1 AND created_at < $2",
                                  {pg::int64(from_ms), pg::int64(to_ms)});
    return r.rows() > 0 ? static_cast<std::uint64_t>(r.int64(0, 0)) : 0;
  } catch (const pg::Error& e) {
    throw StoreError(e.what());
  }
}

std::vector<Ticket> PgStatsStore::due_deliveries(std::int64_t now, std::size_t limit) {
  // Claimed, not only read: every replica runs the webhook outbox, and a
  // ticket must go out once. The claim pushes the next attempt past the
  // time the claimer needs for the whole lot (20 s timeouts each), so a
  // replica that dies holding it only delays that ticket.
  const std::int64_t lease_ms = 25000 * static_cast<std::int64_t>(std::max<std::size_t>(limit, 1));
  try {
    auto out = read_tickets(db_.exec(
        std::string("UPDATE tickets SET next_attempt_at = $1 + $3 WHERE id IN (SELECT id FROM tickets "
                    "WHERE delivery = 'pending' AND next_attempt_at <= $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED) "
                    "RETURNING ") + kTicketColumns,
        {pg::int64(now), pg::int64(static_cast<std::int64_t>(limit)), pg::int64(lease_ms)}));
    std::sort(out.begin(), out.end(), [](const Ticket& a, const Ticket& b) { return a.id < b.id; });
    return out;
  } catch (const pg::Error& e) {
    throw StoreError(e.what());
  }
}

void PgStatsStore::mark_delivered(std::int64_t ticket_id, std::int64_t now) {
  try {
    db_.exec("UPDATE tickets SET delivery = 'delivered', delivered_at = $1, attempts = attempts + 1, last_error = NULL "
             "WHERE id = $2",
             {pg::int64(now), pg::int64(ticket_id)});
  } catch (const pg::Error& e) {
    throw StoreError(e.what());
  }
}

void PgStatsStore::mark_failed(std::int64_t ticket_id, const std::string& error, std::int64_t next_attempt_ms) {
  try {
    db_.exec("UPDATE tickets SET attempts = attempts + 1, last_error = $1, next_attempt_at = $2 WHERE id = $3",
             {pg::text(clean(error)), pg::int64(next_attempt_ms), pg::int64(ticket_id)});
  } catch (const pg::Error& e) {
    throw StoreError(e.what());
  }
}

void PgStatsStore::revoke_sign_in(const std::string& digest, std::int64_t expires_ms, std::int64_t now) {
  try {
    pg::Transaction tx(db_);
    db_.exec("DELETE FROM revoked_sign_ins WHERE expires_at <= $1", {pg::int64(now)});
    db_.exec("INSERT INTO revoked_sign_ins(digest, expires_at) VALUES($1, $2) "
             "ON CONFLICT(digest) DO UPDATE SET expires_at = greatest(revoked_sign_ins.expires_at, excluded.expires_at)",
             {pg::text(digest), pg::int64(expires_ms)});
    tx.commit();
  } catch (const pg::Error& e) {
    throw StoreError(e.what());
  }
}

std::vector<std::pair<std::string, std::int64_t>> PgStatsStore::revoked_sign_ins(std::int64_t now) {
  try {
    const pg::Result r =
        db_.exec("SELECT digest, expires_at FROM revoked_sign_ins WHERE expires_at > $1 ORDER BY digest", {pg::int64(now)});
    std::vector<std::pair<std::string, std::int64_t>> out;
    for (int i = 0; i < r.rows(); ++i) out.emplace_back(r.text(i, 0), r.int64(i, 1));
    return out;
  } catch (const pg::Error& e) {
    throw StoreError(e.what());
  }
}

}  // namespace kb
