/** @file search_gate.h
 *  @brief Lets at most a fixed number of searches run at once, first come
 *  first served.
 *
 *  Every keep-alive connection holds a worker thread (connection_pool.h),
 *  so 32 clients mean 32 searches on two cores at once. The kernel then
 *  shares the cores among all of them: each search takes as long as the
 *  slowest ones in flight, and they evict each other's index blocks from
 *  the CPU caches. Admitted in arrival order, a few at a time, each search
 *  runs at nearly full speed and waits only for those that came before it.
 *
 *  kb-server lets two per core in: one per core leaves a core idle while
 *  its search is preempted by the connections' HTTP work. At 10,000
 *  articles, caches off, wrk -t2 -c32 on 2 cores: no gate 2,800 req/s,
 *  p99 39 ms; 4 slots 2,700 req/s, p99 18 ms; 2 slots 2,150-2,550 req/s.
 */
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>

namespace kb {

class SearchGate {
 public:
  /// @p slots searches run at once; 0: no limit.
  explicit SearchGate(std::size_t slots) : slots_(slots) {}

  /// Held while one search runs; its end lets the next one in.
  class Pass {
   public:
    Pass(Pass&& other) noexcept : gate_(other.gate_) { other.gate_ = nullptr; }
    Pass(const Pass&) = delete;
    Pass& operator=(const Pass&) = delete;
    Pass& operator=(Pass&&) = delete;
    ~Pass() {
      if (gate_) gate_->leave();
    }

   private:
    friend class SearchGate;
    /// Only enter() makes passes: each one frees the slot it was given.
    explicit Pass(SearchGate* gate) : gate_(gate) {}

    SearchGate* gate_;
  };

  /// Waits for a free slot, after every caller that came earlier.
  Pass enter();

  std::size_t slots() const { return slots_; }
  /// Callers waiting for their turn now.
  std::size_t waiting() const;

 private:
  void leave();

  /// One waiting caller. Each has its own condition variable, so a freed
  /// slot wakes only the caller it goes to: waking all of them (one shared
  /// variable) cost more context switches than the searches took, and
  /// halved the searches served under load.
  struct Waiter {
    std::condition_variable turn;
    bool admitted = false;
  };

  const std::size_t slots_;
  mutable std::mutex mutex_;
  std::size_t running_ = 0;
  std::deque<Waiter*> queue_;  ///< in arrival order; each lives on its caller's stack
};

}  // namespace kb
