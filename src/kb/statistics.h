/** @file statistics.h
 *  @brief The statistics service the server records into: help sessions,
 *  a bounded event queue flushed by a writer thread, typing-burst merging,
 *  and serialised access to the store (SQLite, or PostgreSQL shared by
 *  several replicas).
 *
 *  Request threads never wait for SQLite to record an event: they push to
 *  a bounded queue that a writer thread flushes at least every
 *  flush_interval and on stop(). Tickets are the exception: they are
 *  committed before the caller answers.
 *
 *  A database that cannot be opened or written (locked by another
 *  process, read-only, disk full) degrades the service instead of failing
 *  it: events wait in memory (up to queue_capacity) and are retried, the
 *  writer keeps trying to open the database, health() says what is wrong,
 *  and only what must be stored to be true (a ticket) fails, with
 *  StatisticsUnavailable.
 */
#pragma once

#include "kb/events.h"
#include "kb/stats_store.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace kb {

/// The database cannot store anything right now (see Statistics::health()).
class StatisticsUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Whether events and tickets are being written, and if not, why.
struct StatisticsHealth {
  bool writable = true;
  std::string problem;          ///< the last failure, "" while writable
  std::size_t waiting = 0;      ///< events queued or waiting for a retry
  std::uint64_t dropped = 0;    ///< events given up because the queue was full
};

struct StatisticsOptions {
  std::filesystem::path database;                    ///< DATA/kb.sqlite
  std::string stats_db;                              ///< a PostgreSQL URI instead of `database`; "" = SQLite
  std::chrono::milliseconds flush_interval{200};
  std::size_t queue_capacity = 100000;               ///< events beyond this are dropped (and counted)
  std::chrono::milliseconds burst_window{1500};      ///< keystroke searches closer than this are one search
  std::chrono::seconds session_timeout{1800};
  /// Live sessions remembered in memory (about 64 bytes each). Past this,
  /// the least recently seen are forgotten: a cookieless client (a script,
  /// a load test: a new session per request) would otherwise grow the map
  /// for a whole timeout. A forgotten session that comes back is looked up
  /// in the store, where its events put it.
  std::size_t max_remembered_sessions = 200000;
  /// Called after each batch of events is written, with how long the write
  /// took in seconds (for the server's metrics); may be empty.
  std::function<void(double seconds)> on_batch_written;
  /// Receives warnings (a batch not written yet); empty: stderr.
  std::function<void(const std::string& message)> on_warning;
  std::chrono::milliseconds reopen_interval{2000};   ///< between attempts to open an unavailable database
};

class Statistics {
 public:
  explicit Statistics(StatisticsOptions options);
  ~Statistics();
  Statistics(const Statistics&) = delete;
  Statistics& operator=(const Statistics&) = delete;

  /// The session a request belongs to: @p cookie_id when it names a live
  /// session, else a new random 128-bit id. Updates its last activity.
  /// A session is live for session_timeout after its last activity, or
  /// for @p resume_within when that is longer (a ticket resumes the
  /// session it is about: see the server's kTicketResumeWindow).
  struct SessionRef {
    std::string id;
    bool is_new = false;
  };
  SessionRef touch_session(const std::string& cookie_id,
                           std::chrono::milliseconds resume_within = std::chrono::milliseconds(0));

  /// Queues an event (stamped now unless at_ms is set). A pending typing
  /// burst of the same session is written first, so order is kept.
  void record(Event event);

  /// A search sent while typing: within burst_window of the session's last
  /// live search it replaces that search and keeps its id. Returns the
  /// search id to hand back to the page.
  std::string record_live_search(Event event);

  /// Writes every queued event and pending burst before returning (tests,
  /// tools; the server uses the two below).
  void flush();

  /// Writes the queue, forcing out only @p session's pending typing burst:
  /// what that session has done so far must be read back, and another
  /// visitor still typing must not have their burst cut in two.
  void flush_session(const std::string& session);

  /// Writes the queue and the bursts that are due (quiet for burst_window):
  /// for reading statistics without splitting anyone's burst.
  void flush_due();

  /// Stores a ticket (flushing the session's events first so its context
  /// is complete) and returns it with id and reference. Throws
  /// StatisticsUnavailable when it could not be committed.
  Ticket submit_ticket(Ticket ticket, bool deliver);

  /// The last query the session searched for, or "" (also when the
  /// database cannot be read).
  std::string last_query(const std::string& session);

  /// The search-context packet for a ticket: queries with result counts,
  /// articles read, votes.
  nlohmann::json session_context(const std::string& session);

  /// Runs @p f with exclusive access to the store. Throws
  /// StatisticsUnavailable while the database is not open.
  template <class F>
  auto with_store(F&& f) {
    std::lock_guard<std::mutex> lock(store_mutex_);
    if (!store_) throw StatisticsUnavailable("statistics database is not open: " + health().problem);
    return f(*store_);
  }

  StatisticsHealth health() const;
  std::size_t queue_depth() const;
  std::size_t remembered_sessions() const;
  std::uint64_t dropped() const { return dropped_.load(); }
  std::chrono::seconds session_timeout() const { return options_.session_timeout; }

  /// Stops the writer thread after a final flush. Idempotent.
  void stop();

  /// 32 hex digits, 128 bits from the kernel's CSPRNG.
  static std::string new_id();
  /// 32 hex digits: the creation time in milliseconds (48 bits), then 80
  /// random bits. The time first makes the store's session keys, and the
  /// events indexed by session, grow at one end of their B-trees.
  static std::string new_session_id();

 private:
  struct Burst {
    Event event;
    std::chrono::steady_clock::time_point last;
  };
  void run();
  void enqueue_locked(Event event);
  void take_due_bursts_locked(bool all);
  /// Queues @p session's pending burst, if any, due or not.
  void take_burst_locked(const std::string& session);
  /// Writes the queue after @p take_bursts chose which bursts join it.
  void write_queue(const std::function<void()>& take_bursts);
  /// Forgets all but the @p keep most recently seen sessions (with
  /// sessions_mutex_ held).
  void forget_least_recent(std::size_t keep);
  void write_batch(std::vector<Event>& batch);
  /// Opens the database if it is not open (at most every reopen_interval).
  void open_store(bool log_failure);
  /// flush_session(@p session), but never throws.
  void try_flush_session(const std::string& session);
  /// Drops the oldest events beyond queue_capacity, counting them.
  void bound(std::vector<Event>& batch);
  /// Health transitions, logged once each (not once per attempt).
  void failed(const std::string& problem);
  void succeeded();
  /// The statistics database: the PostgreSQL URI, else the SQLite path.
  std::string location() const;
  /// To options_.on_warning, else stderr.
  void warn(const std::string& message) const;
  /// Whether the store is shared with other replicas (PostgreSQL).
  bool is_shared();

  StatisticsOptions options_;
  std::unique_ptr<StatsStore> store_;  ///< null while the database cannot be opened
  std::mutex store_mutex_;
  std::chrono::steady_clock::time_point next_open_;

  mutable std::mutex health_mutex_;
  std::string problem_;
  std::atomic<std::size_t> retrying_{0};  ///< events the writer holds for a retry

  mutable std::mutex queue_mutex_;
  std::condition_variable wake_;
  std::deque<Event> queue_;
  std::unordered_map<std::string, Burst> bursts_;  ///< by session
  bool stopping_ = false;
  std::atomic<std::uint64_t> dropped_{0};

  /// A session id (32 hex digits) as its 16 bytes. A visitor without the
  /// cookie starts a session per page, and under load the map keyed by the
  /// ids as strings (two allocations each) became most of the server's
  /// memory.
  struct SessionKey {
    std::uint64_t hi = 0, lo = 0;
    bool operator==(const SessionKey& o) const { return hi == o.hi && lo == o.lo; }
  };
  struct SessionKeyHash {
    std::size_t operator()(const SessionKey& k) const;
  };
  /// The key of an id that is_session_id() accepted.
  static SessionKey session_key(const std::string& id);

  mutable std::mutex sessions_mutex_;
  std::unordered_map<SessionKey, std::int64_t, SessionKeyHash> last_seen_;  ///< session -> ms
  std::size_t purge_at_ = 10000;  ///< size of last_seen_ that triggers the next scan for ended sessions

  std::thread writer_;
};

}  // namespace kb
