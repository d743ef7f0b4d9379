/** @file connection_pool.cpp
 *  @brief A worker pool that grows under many open connections.
 */
#include "connection_pool.h"

#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <cstdlib>
#include <filesystem>

#include <chrono>

namespace kb::server {

namespace {
/// How long an extra thread waits for another connection before ending.
constexpr std::chrono::seconds kExtraIdle{10};
}  // namespace

ConnectionPool::ConnectionPool(std::size_t core, std::size_t max) : core_(core == 0 ? 1 : core), max_(max < core_ ? core_ : max) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (std::size_t i = 0; i < core_; ++i) start_thread(true);
}

ConnectionPool::~ConnectionPool() { shutdown(); }

void ConnectionPool::start_thread(bool core) {
  ++running_;
  threads_.emplace_back([this, core] { work(core); });
}

void ConnectionPool::enqueue(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    jobs_.push_back(std::move(fn));
    // Every worker is busy with a connection: this one gets a new thread
    // rather than waiting behind them.
    if (idle_ < jobs_.size() && running_ < max_ && !stopping_) start_thread(false);
    // Join extra threads that have ended (cheap: they already returned).
    for (auto& t : finished_) t.join();
    finished_.clear();
  }
  wake_.notify_one();
}

void ConnectionPool::work(bool core) {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    const auto ready = [&] { return stopping_ || !jobs_.empty(); };
    ++idle_;
    if (core) {
      wake_.wait(lock, ready);
    } else {
      wake_.wait_for(lock, kExtraIdle, ready);
    }
    --idle_;
    if (jobs_.empty()) {
      if (stopping_ || !core) break;  // an extra thread idle for kExtraIdle ends
      continue;
    }
    std::function<void()> fn = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    fn();
    lock.lock();
  }
  --running_;
  if (!core && !stopping_) {
    // Move this thread's handle to finished_ so enqueue() can join it.
    for (auto it = threads_.begin(); it != threads_.end(); ++it) {
      if (it->get_id() == std::this_thread::get_id()) {
        finished_.splice(finished_.end(), threads_, it);
        break;
      }
    }
  }
}

void ConnectionPool::shutdown() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ && threads_.empty() && finished_.empty()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  // Threads do not leave threads_ once stopping_ is set, so the lists are
  // stable here.
  std::list<std::thread> all;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    all.splice(all.end(), threads_);
    all.splice(all.end(), finished_);
  }
  for (auto& t : all) {
    if (t.joinable()) t.join();
  }
}

std::size_t ConnectionPool::threads() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return running_;
}

}  // namespace kb::server
