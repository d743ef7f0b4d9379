/** @file statistics.cpp
 *  @brief Event queue, writer thread, bursts and sessions.
 */
#include "kb/statistics.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <random>
#include <set>

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

std::string Statistics::new_id() {
  // 128 random bits from the kernel's CSPRNG.
  unsigned char bytes[16];
  std::ifstream urandom("/dev/urandom", std::ios::binary);
  if (!urandom.read(reinterpret_cast<char*>(bytes), sizeof bytes)) {
    std::random_device rd;
    for (auto& b : bytes) b = static_cast<unsigned char>(rd());
  }
  static const char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += hex[b >> 4];
    out += hex[b & 0xFu];
  }
  return out;
}

Statistics::Statistics(StatisticsOptions options)
    : options_(std::move(options)),
      store_(open_stats_store(options_.stats_db.empty() ? options_.database.string() : options_.stats_db)) {
  writer_ = std::thread([this] { run(); });
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

Statistics::SessionRef Statistics::touch_session(const std::string& cookie_id) {
  const std::int64_t now = now_ms();
  const std::int64_t timeout = std::chrono::duration_cast<std::chrono::milliseconds>(options_.session_timeout).count();
  std::lock_guard<std::mutex> lock(sessions_mutex_);
  if (is_session_id(cookie_id)) {
    auto it = last_seen_.find(cookie_id);
    // Unknown here: known from before a restart, or started by another
    // replica? Expired here: did another replica see it since? The store
    // knows (for a shared store within one flush interval).
    const bool ask_store = it == last_seen_.end() || (store_->shared() && now - it->second > timeout);
    if (ask_store) {
      std::optional<SessionRow> row;
      try {
        row = with_store([&](StatsStore& s) { return s.session(cookie_id); });
      } catch (const std::exception& e) {
        // The store is unreachable (PostgreSQL restarting): serve the page
        // in a new session rather than fail it.
        std::fprintf(stderr, "kb-server: warning: session lookup failed: %s\n", e.what());
      }
      if (row && it == last_seen_.end()) {
        it = last_seen_.emplace(cookie_id, row->last_seen_ms).first;
      } else if (row) {
        it->second = std::max(it->second, row->last_seen_ms);
      }
    }
    if (it != last_seen_.end() && now - it->second <= timeout) {
      it->second = now;
      return {cookie_id, false};
    }
  }
  // Forget sessions that can no longer continue, so the map stays small.
  if (last_seen_.size() > 10000) {
    for (auto it = last_seen_.begin(); it != last_seen_.end();) {
      it = now - it->second > timeout ? last_seen_.erase(it) : std::next(it);
    }
  }
  std::string id = new_id();
  last_seen_[id] = now;
  // The next request of this session may reach another replica before the
  // writer thread flushes: make the session known there now.
  if (store_->shared()) {
    try {
      with_store([&](StatsStore& s) {
        s.open_session(id, now);
        return 0;
      });
    } catch (const std::exception& e) {
      // This replica still serves the session; its events will create it.
      std::fprintf(stderr, "kb-server: warning: session not shared with other replicas yet: %s\n", e.what());
    }
  }
  return {std::move(id), true};
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

void Statistics::write_batch(std::vector<Event>& batch) {
  if (batch.empty()) return;
  try {
    const auto started = std::chrono::steady_clock::now();
    with_store([&](StatsStore& s) {
      s.write_events(batch);
      return 0;
    });
    batch.clear();
    if (options_.on_batch_written) {
      options_.on_batch_written(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
  } catch (const std::exception& e) {
    // Keep the batch and try again on the next tick (the database may be
    // locked by a backup); say so once per failure.
    const std::string message =
        "statistics not written yet (" + std::to_string(batch.size()) + " events waiting): " + e.what();
    if (options_.on_warning) {
      options_.on_warning(message);
    } else {
      std::fprintf(stderr, "kb-server: warning: %s\n", message.c_str());
    }
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
    write_batch(batch);
    if (last && !batch.empty()) write_batch(batch);  // one more try at shutdown
    lock.lock();
    if (last) break;
  }
}

void Statistics::flush() {
  std::vector<Event> batch;
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    take_due_bursts_locked(true);
    batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
    queue_.clear();
  }
  const auto started = std::chrono::steady_clock::now();
  with_store([&](StatsStore& s) {
    s.write_events(batch);
    return 0;
  });
  if (options_.on_batch_written && !batch.empty()) {
    options_.on_batch_written(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  }
}

std::size_t Statistics::queue_depth() const {
  std::lock_guard<std::mutex> lock(queue_mutex_);
  return queue_.size() + bursts_.size();
}

Ticket Statistics::submit_ticket(Ticket ticket, bool deliver) {
  flush();
  if (ticket.created_at_ms == 0) ticket.created_at_ms = now_ms();
  return with_store([&](StatsStore& s) { return s.insert_ticket(std::move(ticket), deliver); });
}

std::string Statistics::last_query(const std::string& session) {
  flush();
  const std::vector<Event> events = with_store([&](StatsStore& s) { return s.session_events(session); });
  for (auto it = events.rbegin(); it != events.rend(); ++it) {
    if (it->kind == event_kind::kSearch) return it->query;
  }
  return {};
}

nlohmann::json Statistics::session_context(const std::string& session) {
  flush();
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
