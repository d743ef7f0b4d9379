/** @file search_gate.cpp
 *  @brief First come, first served admission of searches.
 */
#include "kb/search_gate.h"

namespace kb {

SearchGate::Pass SearchGate::enter() {
  if (slots_ == 0) return Pass(nullptr);
  std::unique_lock<std::mutex> lock(mutex_);
  if (running_ < slots_ && queue_.empty()) {
    ++running_;
    return Pass(this);
  }
  Waiter me;
  queue_.push_back(&me);
  me.turn.wait(lock, [&] { return me.admitted; });
  return Pass(this);  // the slot was handed over: running_ already counts it
}

void SearchGate::leave() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (queue_.empty()) {
    --running_;
    return;
  }
  Waiter* next = queue_.front();
  queue_.pop_front();
  next->admitted = true;
  // Under the lock: once it sees `admitted`, the waiter returns and its
  // Waiter is gone.
  next->turn.notify_one();
}

std::size_t SearchGate::waiting() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return queue_.size();
}

}  // namespace kb
