/** @file connection_pool.h
 *  @brief httplib's task queue for kb-server: a core of worker threads that
 *  grows, up to a cap, when every worker is busy.
 *
 *  httplib gives each connection to one worker until it closes, and a
 *  connection that never sends a byte holds its worker for the whole
 *  keep-alive timeout. With a fixed pool, a few thousand idle connections
 *  (a careless client or an attack) queue every real request behind them
 *  for minutes. Here a connection that finds no idle worker gets a thread
 *  of its own; extra threads end after a short idle spell.
 */
#pragma once

#include <httplib.h>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <thread>

namespace kb::server {

class ConnectionPool : public httplib::TaskQueue {
 public:
  /// @p core threads always run; up to @p max run at once (past that,
  /// connections wait in order).
  ConnectionPool(std::size_t core, std::size_t max);
  ~ConnectionPool() override;

  void enqueue(std::function<void()> fn) override;
  void shutdown() override;

  /// Threads running now (for tests and diagnostics).
  std::size_t threads() const;

 private:
  void work(bool core);
  void start_thread(bool core);  ///< mutex_ held

  const std::size_t core_;
  const std::size_t max_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  std::list<std::thread> threads_;
  std::list<std::thread> finished_;  ///< extra threads that ended, joined later
  std::size_t running_ = 0;
  std::size_t idle_ = 0;
  bool stopping_ = false;
};

}  // namespace kb::server
