// SearchGate: at most N searches at once, admitted in arrival order.
#include "kb/search_gate.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

using kb::SearchGate;

namespace {

/// Polls until @p done holds or five seconds pass.
template <typename F>
bool eventually(F done) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

}  // namespace

TEST_CASE("a gate lets no more searches run at once than it has slots", "[search_gate]") {
  for (const std::size_t slots : {1U, 2U, 3U}) {
    SearchGate gate(slots);
    std::atomic<int> inside{0}, most{0};
    std::vector<std::thread> callers;
    for (int i = 0; i < 12; ++i) {
      callers.emplace_back([&] {
        const SearchGate::Pass pass = gate.enter();
        const int now = ++inside;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        --inside;
      });
    }
    for (auto& t : callers) t.join();
    CAPTURE(slots);
    CHECK(most.load() == static_cast<int>(slots));
    CHECK(gate.waiting() == 0);
  }
}

TEST_CASE("a gate admits waiting searches in the order they came", "[search_gate]") {
  SearchGate gate(1);
  std::vector<int> order;
  std::mutex order_mutex;
  std::vector<std::thread> callers;
  {
    const SearchGate::Pass held = gate.enter();
    for (int i = 0; i < 5; ++i) {
      callers.emplace_back([&, i] {
        const SearchGate::Pass pass = gate.enter();
        std::lock_guard<std::mutex> lock(order_mutex);
        order.push_back(i);
      });
      // Caller i draws its number before caller i + 1 starts.
      REQUIRE(eventually([&] { return gate.waiting() == static_cast<std::size_t>(i + 1); }));
    }
  }
  for (auto& t : callers) t.join();
  CHECK(order == std::vector<int>{0, 1, 2, 3, 4});
}

TEST_CASE("a gate without slots never makes a search wait", "[search_gate]") {
  SearchGate gate(0);
  std::vector<SearchGate::Pass> passes;
  for (int i = 0; i < 100; ++i) passes.push_back(gate.enter());
  CHECK(gate.waiting() == 0);
}

TEST_CASE("a pass that is moved frees its slot once", "[search_gate]") {
  SearchGate gate(1);
  {
    SearchGate::Pass first = gate.enter();
    SearchGate::Pass moved = std::move(first);
  }  // both destroyed: one slot freed, not two
  std::optional<SearchGate::Pass> again(gate.enter());
  std::atomic<bool> entered{false};
  std::thread other([&] {
    const SearchGate::Pass pass = gate.enter();
    entered = true;
  });
  CHECK(eventually([&] { return gate.waiting() == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK_FALSE(entered.load());
  again.reset();
  other.join();
  CHECK(entered.load());
}
