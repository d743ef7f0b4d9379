/** @file statistics.cpp
 *  @brief Event queue, writer thread, bursts and sessions.
 */
#include "kb/statistics.h"

#include <sys/random.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <set>
#include <string_view>

namespace kb {

namespace {

bool is_session_id(const std::string& s) {
  if (s.size() != 32) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

Statistics::SessionKey Statistics::session_key(const std::string& id) {
  auto half = [&id](std::size_t from) {
    std::uint64_t v = 0;
    for (std::size_t i = from; i < from + 16; ++i) {
      const char c = id[i];
      v = (v << 4) | static_cast<std::uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    return v;
  };
  return {half(0), half(16)};
}

std::size_t Statistics::SessionKeyHash::operator()(const SessionKey& k) const {
  // As the string map hashed its keys (ids may come from cookies).
  char bytes[16];
  std::memcpy(bytes, &k.hi, 8);
  std::memcpy(bytes + 8, &k.lo, 8);
  return std::hash<std::string_view>()(std::string_view(bytes, sizeof bytes));
}

namespace {

void random_bytes(unsigned char* bytes, std::size_t n) {
  // getrandom(2), not a stream on /dev/urandom: a new session per page
  // view from a cookieless client made opening the file and filling its
  // buffer a visible share of the page's cost.
  if (::getrandom(bytes, n, 0) == static_cast<ssize_t>(n)) return;
  std::random_device rd;
  for (std::size_t i = 0; i < n; ++i) bytes[i] = static_cast<unsigned char>(rd());
}

std::string hex_of(const unsigned char* bytes, std::size_t n) {
  static const char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    out += hex[bytes[i] >> 4];
    out += hex[bytes[i] & 0xFu];
  }
  return out;
}

}  // namespace

std::string Statistics::new_id() {
  unsigned char bytes[16];
  random_bytes(bytes, sizeof bytes);
  return hex_of(bytes, sizeof bytes);
}

std::string Statistics::new_session_id() {
  // Random ids put each new session, and each of its events, at a random
  // place in the sessions key and the events' session index: under a
  // stream of new visitors every flush dirtied pages all over both B-trees
  // (a fifth of kb-server's CPU on article pages under wrk went to SQLite's
  // reads and writes of them). Time-ordered ids append. 80 random bits
  // still make an id unguessable.
  unsigned char bytes[16];
  auto ms = static_cast<std::uint64_t>(now_ms());
  for (int i = 5; i >= 0; --i, ms >>= 8) bytes[i] = static_cast<unsigned char>(ms & 0xFFu);
  random_bytes(bytes + 6, sizeof bytes - 6);
  return hex_of(bytes, sizeof bytes);
}

Statistics::Statistics(StatisticsOptions options) : options_(std::move(options)) {
  open_store(true);
  writer_ = std::thread([this] { run(); });
}

void Statistics::open_store(bool log_failure) {
  {
    std::lock_guard<std::mutex> lock(store_mutex_);
    if (store_) return;
  }
  const auto now = std::chrono::steady_clock::now();
  if (now < next_open_) return;
  next_open_ = now + options_.reopen_interval;
  // Opened without holding the store's mutex: a locked database can keep
  // this waiting for the busy timeout, and requests must not wait with it.
  try {
    std::unique_ptr<StatsStore> store = open_stats_store(location());
    std::lock_guard<std::mutex> lock(store_mutex_);
    store_ = std::move(store);
  } catch (const std::exception& e) {
    if (log_failure) failed(std::string("cannot open ") + location() + ": " + e.what());
  }
}

std::string Statistics::location() const {
  return options_.stats_db.empty() ? options_.database.string() : options_.stats_db;
}

void Statistics::warn(const std::string& message) const {
  if (options_.on_warning) {
    options_.on_warning(message);
  } else {
    std::fprintf(stderr, "kb-server: warning: %s\n", message.c_str());
  }
}

bool Statistics::is_shared() {
  std::lock_guard<std::mutex> lock(store_mutex_);
  return store_ && store_->shared();
}

void Statistics::failed(const std::string& problem) {
  std::lock_guard<std::mutex> lock(health_mutex_);
  if (problem_.empty()) {
    warn("statistics degraded, search and articles keep working: " + problem +
         " (events wait in memory and are retried; tickets cannot be stored until this is fixed)");
  }
  problem_ = problem;
}

void Statistics::succeeded() {
  std::lock_guard<std::mutex> lock(health_mutex_);
  if (!problem_.empty()) warn("statistics are written again");
  problem_.clear();
}

StatisticsHealth Statistics::health() const {
  StatisticsHealth h;
  {
    std::lock_guard<std::mutex> lock(health_mutex_);
    h.writable = problem_.empty();
    h.problem = problem_;
  }
  h.waiting = queue_depth() + retrying_.load();
  h.dropped = dropped_.load();
  return h;
}

Statistics::~Statistics() { stop(); }

void Statistics::stop() {
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (writer_.joinable()) writer_.join();
}

Statistics::SessionRef Statistics::touch_session(const std::string& cookie_id, std::chrono::milliseconds resume_within) {
  const std::int64_t now = now_ms();
  const std::int64_t timeout = std::chrono::duration_cast<std::chrono::milliseconds>(options_.session_timeout).count();
  const std::int64_t live_for = std::max<std::int64_t>(timeout, resume_within.count());
  std::lock_guard<std::mutex> lock(sessions_mutex_);
  if (is_session_id(cookie_id)) {
    const SessionKey key = session_key(cookie_id);
    auto it = last_seen_.find(key);
    // Unknown here: known from before a restart, or started by another
    // replica? Expired here: did another replica see it since? The store
    // knows (for a shared store within one flush interval).
    const bool ask_store = it == last_seen_.end() || (is_shared() && now - it->second > live_for);
    if (ask_store) {
      try {
        const std::optional<SessionRow> row = with_store([&](StatsStore& s) { return s.session(cookie_id); });
        if (row && it == last_seen_.end()) {
          it = last_seen_.emplace(key, row->last_seen_ms).first;
        } else if (row) {
          it->second = std::max(it->second, row->last_seen_ms);
        }
      } catch (const std::exception&) {
        // The store cannot say (unavailable, or PostgreSQL restarting): keep
        // the session rather than split it.
        if (it == last_seen_.end()) it = last_seen_.emplace(key, now).first;
      }
    }
    if (it != last_seen_.end() && now - it->second <= live_for) {
      it->second = now;
      return {cookie_id, false};
    }
  }
  // Forget sessions that can no longer continue, so the map stays small;
  // scan again only once it has doubled, or a crowd of live sessions
  // would make every new visitor pay for a full scan.
  const std::size_t cap = std::max<std::size_t>(1, options_.max_remembered_sessions);
  if (last_seen_.size() >= std::min(purge_at_, cap)) {
    for (auto it = last_seen_.begin(); it != last_seen_.end();) {
      it = now - it->second > timeout ? last_seen_.erase(it) : std::next(it);
    }
    if (last_seen_.size() >= cap) forget_least_recent(cap / 2);
    purge_at_ = std::max<std::size_t>(10000, 2 * last_seen_.size());
  }
  std::string id = new_session_id();
  last_seen_[session_key(id)] = now;
  // The next request of this session may reach another replica before the
  // writer thread flushes: make the session known there now.
  if (is_shared()) {
    try {
      with_store([&](StatsStore& s) {
        s.open_session(id, now);
        return 0;
      });
    } catch (const std::exception& e) {
      // This replica still serves the session; its events will create it.
      warn(std::string("session not shared with other replicas yet: ") + e.what());
    }
  }
  return {std::move(id), true};
}

void Statistics::forget_least_recent(std::size_t keep) {
  if (last_seen_.size() <= keep) return;
  std::vector<std::int64_t> times;
  times.reserve(last_seen_.size());
  for (const auto& entry : last_seen_) times.push_back(entry.second);
  // The keep-th most recent time: what is older goes, then as many seen
  // at that very millisecond as needed (a flood makes dozens a ms).
  const auto nth = times.end() - static_cast<std::ptrdiff_t>(keep);
  std::nth_element(times.begin(), nth, times.end());
  const std::int64_t oldest_kept = *nth;
  for (auto it = last_seen_.begin(); it != last_seen_.end();) {
    it = it->second < oldest_kept ? last_seen_.erase(it) : std::next(it);
  }
  for (auto it = last_seen_.begin(); it != last_seen_.end() && last_seen_.size() > keep;) {
    it = it->second == oldest_kept ? last_seen_.erase(it) : std::next(it);
  }
}

std::size_t Statistics::remembered_sessions() const {
  std::lock_guard<std::mutex> lock(sessions_mutex_);
  return last_seen_.size();
}

void Statistics::enqueue_locked(Event event) {
  if (queue_.size() >= options_.queue_capacity) {
    ++dropped_;
    return;
  }
  queue_.push_back(std::move(event));
}

void Statistics::record(Event event) {
  if (event.at_ms == 0) event.at_ms = now_ms();
  std::lock_guard<std::mutex> lock(queue_mutex_);
  const auto burst = bursts_.find(event.session);
  if (burst != bursts_.end()) {
    enqueue_locked(std::move(burst->second.event));
    bursts_.erase(burst);
  }
  enqueue_locked(std::move(event));
}

std::string Statistics::record_live_search(Event event) {
  if (event.at_ms == 0) event.at_ms = now_ms();
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> lock(queue_mutex_);
  auto it = bursts_.find(event.session);
  if (it != bursts_.end() && now - it->second.last <= options_.burst_window) {
    event.search_id = it->second.event.search_id;
    it->second = Burst{std::move(event), now};
    return it->second.event.search_id;
  }
  if (it != bursts_.end()) {
    enqueue_locked(std::move(it->second.event));
    bursts_.erase(it);
  }
  if (event.search_id.empty()) event.search_id = new_id().substr(0, 16);
  std::string id = event.search_id;
  std::string key = event.session;  // not event.session: the Burst below moves it
  bursts_.emplace(std::move(key), Burst{std::move(event), now});
  return id;
}

void Statistics::take_due_bursts_locked(bool all) {
  const auto now = std::chrono::steady_clock::now();
  for (auto it = bursts_.begin(); it != bursts_.end();) {
    if (all || now - it->second.last > options_.burst_window) {
      enqueue_locked(std::move(it->second.event));
      it = bursts_.erase(it);
    } else {
      ++it;
    }
  }
}

void Statistics::bound(std::vector<Event>& batch) {
  if (batch.size() <= options_.queue_capacity) return;
  const std::size_t over = batch.size() - options_.queue_capacity;
  batch.erase(batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(over));
  dropped_ += over;
}

void Statistics::write_batch(std::vector<Event>& batch) {
  if (batch.empty()) return;
  try {
    const auto started = std::chrono::steady_clock::now();
    with_store([&](StatsStore& s) {
      s.write_events(batch);
      return 0;
    });
    if (options_.on_batch_written) {
      options_.on_batch_written(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
    batch.clear();
    succeeded();
  } catch (const std::exception& e) {
    // Keep the batch and try again on the next tick (the database may be
    // locked by a backup, or the disk full until someone makes room).
    failed(std::string("statistics not written (") + std::to_string(batch.size()) + " events waiting): " + e.what());
  }
}

void Statistics::run() {
  std::vector<Event> batch;
  std::unique_lock<std::mutex> lock(queue_mutex_);
  while (true) {
    wake_.wait_for(lock, options_.flush_interval, [this] { return stopping_; });
    const bool last = stopping_;
    take_due_bursts_locked(last);
    while (!queue_.empty()) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    lock.unlock();
    open_store(false);
    bound(batch);
    write_batch(batch);
    if (last && !batch.empty()) write_batch(batch);  // one more try at shutdown
    if (last && !batch.empty()) {
      warn(std::to_string(batch.size()) + " statistics events could not be written before stopping");
    }
    retrying_ = batch.size();
    lock.lock();
    if (last) break;
  }
}

void Statistics::take_burst_locked(const std::string& session) {
  const auto it = bursts_.find(session);
  if (it == bursts_.end()) return;
  enqueue_locked(std::move(it->second.event));
  bursts_.erase(it);
}

void Statistics::flush() {
  write_queue([this] { take_due_bursts_locked(true); });
}

void Statistics::flush_session(const std::string& session) {
  write_queue([this, &session] {
    take_due_bursts_locked(false);
    take_burst_locked(session);
  });
}

void Statistics::flush_due() {
  write_queue([this] { take_due_bursts_locked(false); });
}

void Statistics::write_queue(const std::function<void()>& take_bursts) {
  std::vector<Event> batch;
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    take_bursts();
    batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
    queue_.clear();
  }
  try {
    const auto started = std::chrono::steady_clock::now();
    with_store([&](StatsStore& s) {
      s.write_events(batch);
      return 0;
    });
    if (options_.on_batch_written && !batch.empty()) {
      options_.on_batch_written(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
  } catch (...) {
    // Not lost: back to the front of the queue, for the writer to retry.
    std::lock_guard<std::mutex> lock(queue_mutex_);
    bound(batch);
    const std::size_t room = options_.queue_capacity > queue_.size() ? options_.queue_capacity - queue_.size() : 0;
    if (batch.size() > room) {
      dropped_ += batch.size() - room;
      batch.erase(batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(batch.size() - room));
    }
    queue_.insert(queue_.begin(), std::make_move_iterator(batch.begin()), std::make_move_iterator(batch.end()));
    throw;
  }
}

void Statistics::try_flush_session(const std::string& session) {
  // While writes fail, do not make a request wait for the busy timeout
  // again: the writer thread retries.
  if (!health().writable) return;
  try {
    flush_session(session);
  } catch (const std::exception& e) {
    failed(e.what());
  }
}

std::size_t Statistics::queue_depth() const {
  std::lock_guard<std::mutex> lock(queue_mutex_);
  return queue_.size() + bursts_.size();
}

Ticket Statistics::submit_ticket(Ticket ticket, bool deliver) {
  try_flush_session(ticket.session);
  if (ticket.created_at_ms == 0) ticket.created_at_ms = now_ms();
  try {
    Ticket stored = with_store([&](StatsStore& s) { return s.insert_ticket(std::move(ticket), deliver); });
    succeeded();
    return stored;
  } catch (const StatisticsUnavailable&) {
    throw;
  } catch (const std::exception& e) {
    failed(std::string("ticket not stored: ") + e.what());
    throw StatisticsUnavailable(std::string("ticket not stored: ") + e.what());
  }
}

std::string Statistics::last_query(const std::string& session) {
  try_flush_session(session);
  std::vector<Event> events;
  try {
    events = with_store([&](StatsStore& s) { return s.session_events(session); });
  } catch (const std::exception&) {
    return {};  // only a convenience for the ticket form
  }
  for (auto it = events.rbegin(); it != events.rend(); ++it) {
    if (it->kind == event_kind::kSearch) return it->query;
  }
  return {};
}

nlohmann::json Statistics::session_context(const std::string& session) {
  try_flush_session(session);
  const std::vector<Event> events = with_store([&](StatsStore& s) { return s.session_events(session); });
  nlohmann::json queries = nlohmann::json::array();
  nlohmann::json articles = nlohmann::json::array();
  nlohmann::json votes = nlohmann::json::array();
  std::set<std::string> read;
  for (const auto& e : events) {
    if (e.kind == event_kind::kSearch) {
      queries.push_back({{"query", e.query}, {"results", e.result_count}, {"at_ms", e.at_ms}});
    } else if (e.kind == event_kind::kView && read.insert(e.slug).second) {
      articles.push_back({{"slug", e.slug}, {"at_ms", e.at_ms}});
    } else if (e.kind == event_kind::kVote) {
      votes.push_back({{"slug", e.slug}, {"helpful", e.helpful == 1}, {"comment", e.comment}});
    }
  }
  return {{"queries", queries}, {"articles", articles}, {"votes", votes}};
}

}  // namespace kb
