/** @file sqlite_stats_store.cpp
 *  @brief SQLite schema and queries for statistics and tickets.
 */
#include "kb/sqlite_stats_store.h"

namespace kb {

namespace {

constexpr int kSchemaVersion = 4;  // 2: events.ref; 3: tickets.submission; 4: revoked_sign_ins

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS sessions (
  id TEXT PRIMARY KEY,
  started_at INTEGER NOT NULL,
  last_seen INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_started ON sessions(started_at);
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY,
  session TEXT NOT NULL,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  search_id TEXT, query TEXT, norm_query TEXT, result_count INTEGER, corrected INTEGER, rung TEXT,
  slugs TEXT, slug TEXT, rank INTEGER, source TEXT, helpful INTEGER, comment TEXT, ticket_id INTEGER,
  ref TEXT
);
CREATE INDEX IF NOT EXISTS events_session ON events(session, at, id);
CREATE INDEX IF NOT EXISTS events_at ON events(at);
CREATE TABLE IF NOT EXISTS tickets (
  id INTEGER PRIMARY KEY,
  reference TEXT UNIQUE,
  session TEXT,
  created_at INTEGER NOT NULL,
  subject TEXT NOT NULL,
  description TEXT NOT NULL,
  email TEXT NOT NULL,
  context TEXT NOT NULL,
  delivery TEXT NOT NULL DEFAULT 'stored',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  delivered_at INTEGER,
  last_error TEXT,
  submission TEXT
);
CREATE INDEX IF NOT EXISTS tickets_created ON tickets(created_at);
CREATE INDEX IF NOT EXISTS tickets_outbox ON tickets(delivery, next_attempt_at);
CREATE TABLE IF NOT EXISTS revoked_sign_ins (
  digest TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
);
)sql";

using stats_detail::slugs_from_json;
using stats_detail::slugs_to_json;

constexpr const char* kEventColumns =
    "session, at, kind, search_id, query, norm_query, result_count, corrected, rung, slugs, slug, rank, source, "
    "helpful, comment, ticket_id, ref";
constexpr const char* kEventColumnsPrefixed =
    "e.session, e.at, e.kind, e.search_id, e.query, e.norm_query, e.result_count, e.corrected, e.rung, e.slugs, "
    "e.slug, e.rank, e.source, e.helpful, e.comment, e.ticket_id, e.ref";

Event read_event(const sql::Statement& st) {
  Event e;
  e.session = st.text(0);
  e.at_ms = st.int64(1);
  e.kind = st.text(2);
  e.search_id = st.text(3);
  e.query = st.text(4);
  e.norm_query = st.text(5);
  e.result_count = st.is_null(6) ? -1 : static_cast<int>(st.int64(6));
  e.corrected = st.int64(7) != 0;
  e.rung = st.text(8);
  e.slugs = slugs_from_json(st.text(9));
  e.slug = st.text(10);
  e.rank = static_cast<int>(st.int64(11));
  e.source = st.text(12);
  e.helpful = st.is_null(13) ? -1 : static_cast<int>(st.int64(13));
  e.comment = st.text(14);
  e.ticket_id = st.int64(15);
  e.ref = st.text(16);
  return e;
}

void insert_event(sql::Statement& st, const Event& e) {
  st.bind(1, e.session).bind(2, e.at_ms).bind(3, e.kind);
  auto opt_text = [&](int i, const std::string& v) {
    if (v.empty()) {
      st.bind_null(i);
    } else {
      st.bind(i, v);
    }
  };
  opt_text(4, e.search_id);
  opt_text(5, e.query);
  opt_text(6, e.norm_query);
  if (e.result_count >= 0) {
    st.bind(7, e.result_count);
  } else {
    st.bind_null(7);
  }
  st.bind(8, e.corrected ? 1 : 0);
  opt_text(9, e.rung);
  if (e.slugs.empty()) {
    st.bind_null(10);
  } else {
    st.bind(10, slugs_to_json(e.slugs));
  }
  opt_text(11, e.slug);
  st.bind(12, e.rank);
  opt_text(13, e.source);
  if (e.helpful >= 0) {
    st.bind(14, e.helpful);
  } else {
    st.bind_null(14);
  }
  opt_text(15, e.comment);
  st.bind(16, e.ticket_id);
  opt_text(17, e.ref);
  st.run();
}

Ticket read_ticket(const sql::Statement& st) {
  Ticket t;
  t.id = st.int64(0);
  t.reference = st.text(1);
  t.session = st.text(2);
  t.created_at_ms = st.int64(3);
  t.subject = st.text(4);
  t.description = st.text(5);
  t.email = st.text(6);
  t.context = nlohmann::json::parse(st.text(7), nullptr, false);
  t.delivery = st.text(8);
  t.attempts = static_cast<int>(st.int64(9));
  t.last_error = st.text(10);
  return t;
}

constexpr const char* kTicketColumns =
    "id, reference, session, created_at, subject, description, email, context, delivery, attempts, "
    "coalesce(last_error, '')";

}  // namespace

SqliteStatsStore::SqliteStatsStore(const std::filesystem::path& path)
    : db_([&] {
        std::filesystem::create_directories(path.parent_path().empty() ? "." : path.parent_path());
        return path.string();
      }(),
          5000) {
  db_.exec("PRAGMA journal_mode=WAL");
  // FULL: a ticket whose 201 was sent survives a power cut, not only a crash.
  db_.exec("PRAGMA synchronous=FULL");
  db_.exec("PRAGMA foreign_keys=ON");
  migrate();
}

void SqliteStatsStore::migrate() {
  sql::Statement v = db_.prepare("PRAGMA user_version");
  v.step();
  const auto version = v.int64(0);
  if (version > kSchemaVersion) {
    throw sql::Error("statistics database has schema version " + std::to_string(version) +
                         ", newer than this kb-server (" + std::to_string(kSchemaVersion) + ")",
                     SQLITE_ERROR);
  }
  // Up to date: nothing to write, so a database locked by another process
  // (a backup) can still be opened and read.
  if (version == kSchemaVersion) return;
  sql::Transaction tx(db_);
  db_.exec(kSchema);
  if (version == 1) db_.exec("ALTER TABLE events ADD COLUMN ref TEXT");  // agent links' ticket reference
  if (version == 1 || version == 2) db_.exec("ALTER TABLE tickets ADD COLUMN submission TEXT");
  // After the column exists in every version's table. NULLs do not collide.
  db_.exec("CREATE UNIQUE INDEX IF NOT EXISTS tickets_submission ON tickets(submission)");
  db_.exec(("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str());
  tx.commit();
}

void SqliteStatsStore::write_events(const std::vector<Event>& events) {
  if (events.empty()) return;
  sql::Transaction tx(db_);
  sql::Statement ins = db_.prepare(std::string("INSERT INTO events(") + kEventColumns +
                                   ") VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  sql::Statement sess = db_.prepare(
      "INSERT INTO sessions(id, started_at, last_seen) VALUES(?1, ?2, ?2) "
      "ON CONFLICT(id) DO UPDATE SET last_seen = max(last_seen, excluded.last_seen), "
      "started_at = min(started_at, excluded.started_at)");
  for (const auto& e : events) {
    insert_event(ins, e);
    sess.bind(1, e.session).bind(2, e.at_ms).run();
  }
  tx.commit();
}

Ticket SqliteStatsStore::insert_ticket(Ticket t, bool deliver) {
  sql::Transaction tx(db_);
  if (!t.submission.empty()) {
    // Inside the write transaction: a second post of the same form waits
    // for the first to commit, then finds it.
    sql::Statement seen = db_.prepare(std::string("SELECT ") + kTicketColumns + " FROM tickets WHERE submission = ?");
    seen.bind(1, t.submission);
    if (seen.step()) {
      Ticket stored = read_ticket(seen);
      stored.submission = t.submission;
      stored.repeated = true;
      return stored;
    }
  }
  sql::Statement ins = db_.prepare(
      "INSERT INTO tickets(session, created_at, subject, description, email, context, delivery, next_attempt_at, "
      "submission) VALUES(?,?,?,?,?,?,?,?,?)");
  t.delivery = deliver ? "pending" : "stored";
  ins.bind(1, t.session)
      .bind(2, t.created_at_ms)
      .bind(3, t.subject)
      .bind(4, t.description)
      .bind(5, t.email)
      .bind(6, t.context.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
      .bind(7, t.delivery);
  if (deliver) {
    ins.bind(8, t.created_at_ms);
  } else {
    ins.bind_null(8);
  }
  if (t.submission.empty()) {
    ins.bind_null(9);
  } else {
    ins.bind(9, t.submission);
  }
  ins.run();
  t.id = db_.last_insert_rowid();
  t.reference = ticket_reference(t.id);
  db_.prepare("UPDATE tickets SET reference = ? WHERE id = ?").bind(1, t.reference).bind(2, t.id).run();
  if (!t.session.empty()) {
    Event e;
    e.session = t.session;
    e.at_ms = t.created_at_ms;
    e.kind = event_kind::kTicket;
    e.ticket_id = t.id;
    sql::Statement ev = db_.prepare(std::string("INSERT INTO events(") + kEventColumns +
                                    ") VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    insert_event(ev, e);
    db_.prepare(
           "INSERT INTO sessions(id, started_at, last_seen) VALUES(?1, ?2, ?2) "
           "ON CONFLICT(id) DO UPDATE SET last_seen = max(last_seen, excluded.last_seen)")
        .bind(1, t.session)
        .bind(2, t.created_at_ms)
        .run();
  }
  tx.commit();
  return t;
}

void SqliteStatsStore::open_session(const std::string& id, std::int64_t at_ms) {
  db_.prepare("INSERT INTO sessions(id, started_at, last_seen) VALUES(?1, ?2, ?2) ON CONFLICT(id) DO NOTHING")
      .bind(1, id)
      .bind(2, at_ms)
      .run();
}

std::optional<SessionRow> SqliteStatsStore::session(const std::string& id) {
  sql::Statement st = db_.prepare("SELECT id, started_at, last_seen FROM sessions WHERE id = ?");
  st.bind(1, id);
  if (!st.step()) return std::nullopt;
  return SessionRow{st.text(0), st.int64(1), st.int64(2)};
}

std::vector<Event> SqliteStatsStore::session_events(const std::string& id) {
  sql::Statement st =
      db_.prepare(std::string("SELECT ") + kEventColumns + " FROM events WHERE session = ? ORDER BY at, id");
  st.bind(1, id);
  std::vector<Event> out;
  while (st.step()) out.push_back(read_event(st));
  return out;
}

std::vector<std::pair<SessionRow, std::vector<Event>>> SqliteStatsStore::sessions_between(std::int64_t from_ms,
                                                                                     std::int64_t to_ms) {
  std::vector<std::pair<SessionRow, std::vector<Event>>> out;
  sql::Statement q = db_.prepare(std::string("SELECT ") + kEventColumnsPrefixed +
                                 ", s.started_at, s.last_seen FROM sessions s JOIN events e ON e.session = s.id "
                                 "WHERE s.started_at >= ? AND s.started_at < ? ORDER BY s.started_at, s.id, e.at, e.id");
  q.bind(1, from_ms).bind(2, to_ms);
  while (q.step()) {
    Event e = read_event(q);
    if (out.empty() || out.back().first.id != e.session) {
      out.push_back({SessionRow{e.session, q.int64(17), q.int64(18)}, {}});
    }
    out.back().second.push_back(std::move(e));
  }
  return out;
}

std::vector<Ticket> SqliteStatsStore::tickets(std::int64_t from_ms, std::int64_t to_ms, std::size_t limit, std::size_t offset) {
  sql::Statement st = db_.prepare(std::string("SELECT ") + kTicketColumns +
                                  " FROM tickets WHERE created_at >= ? AND created_at < ? ORDER BY id DESC LIMIT ? OFFSET ?");
  st.bind(1, from_ms).bind(2, to_ms).bind(3, static_cast<std::int64_t>(limit)).bind(4, static_cast<std::int64_t>(offset));
  std::vector<Ticket> out;
  while (st.step()) out.push_back(read_ticket(st));
  return out;
}

std::uint64_t SqliteStatsStore::ticket_count(std::int64_t from_ms, std::int64_t to_ms) {
  sql::Statement st = db_.prepare("SELECT count(*) FROM tickets WHERE created_at >= ? AND created_at < ?");
  st.bind(1, from_ms).bind(2, to_ms);
  return st.step() ? static_cast<std::uint64_t>(st.int64(0)) : 0;
}

std::vector<Ticket> SqliteStatsStore::due_deliveries(std::int64_t now, std::size_t limit) {
  sql::Statement st = db_.prepare(std::string("SELECT ") + kTicketColumns +
                                  " FROM tickets WHERE delivery = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?");
  st.bind(1, now).bind(2, static_cast<std::int64_t>(limit));
  std::vector<Ticket> out;
  while (st.step()) out.push_back(read_ticket(st));
  return out;
}

void SqliteStatsStore::mark_delivered(std::int64_t ticket_id, std::int64_t now) {
  db_.prepare("UPDATE tickets SET delivery = 'delivered', delivered_at = ?, attempts = attempts + 1, last_error = NULL "
              "WHERE id = ?")
      .bind(1, now)
      .bind(2, ticket_id)
      .run();
}

void SqliteStatsStore::mark_failed(std::int64_t ticket_id, const std::string& error, std::int64_t next_attempt_ms) {
  db_.prepare("UPDATE tickets SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?")
      .bind(1, error)
      .bind(2, next_attempt_ms)
      .bind(3, ticket_id)
      .run();
}

void SqliteStatsStore::revoke_sign_in(const std::string& digest, std::int64_t expires_ms, std::int64_t now) {
  sql::Transaction tx(db_);
  db_.prepare("DELETE FROM revoked_sign_ins WHERE expires_at <= ?").bind(1, now).run();
  db_.prepare("INSERT INTO revoked_sign_ins(digest, expires_at) VALUES(?1, ?2) "
              "ON CONFLICT(digest) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at)")
      .bind(1, digest)
      .bind(2, expires_ms)
      .run();
  tx.commit();
}

std::vector<std::pair<std::string, std::int64_t>> SqliteStatsStore::revoked_sign_ins(std::int64_t now) {
  sql::Statement st = db_.prepare("SELECT digest, expires_at FROM revoked_sign_ins WHERE expires_at > ? ORDER BY digest");
  st.bind(1, now);
  std::vector<std::pair<std::string, std::int64_t>> out;
  while (st.step()) out.emplace_back(st.text(0), st.int64(1));
  return out;
}

}  // namespace kb
