/** @file kb_stats_write.cpp
 *  @brief kb-stats-write: how long the statistics store takes to write what
 *  kb-server writes: a batch of events (the writer thread, every flush
 *  interval) and a ticket (while the person waits for the 201). Same code
 *  for SQLite and PostgreSQL, so the two can be compared on one machine.
 */
#include "kb/stats_store.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

namespace {

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

template <class F>
std::vector<double> timed(int runs, F&& f) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    f(i);
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  return ms;
}

void report(const char* what, const std::vector<double>& ms) {
  std::printf("%-28s p50 %7.2f ms   p95 %7.2f ms   (%zu runs)\n", what, percentile(ms, 0.5), percentile(ms, 0.95), ms.size());
}

}  // namespace

int main(int argc, char** argv) try {
  CLI::App app{"kb-stats-write: latency of statistics writes, SQLite or PostgreSQL"};
  std::string where;
  int runs = 200, batch = 50;
  app.add_option("store", where, "An SQLite file (created) or a postgresql:// URI")->required();
  app.add_option("--runs", runs, "How many of each")->capture_default_str();
  app.add_option("--batch", batch, "Events per batch")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  const auto store = kb::open_stats_store(where);
  const std::int64_t t0 = kb::now_ms();
  report("event batch", timed(runs, [&](int i) {
           std::vector<kb::Event> events;
           for (int j = 0; j < batch; ++j) {
             kb::Event e;
             e.session = "bench" + std::to_string(i * batch + j);
             e.at_ms = t0 + j;
             e.kind = kb::event_kind::kSearch;
             e.query = "printer offline";
             e.norm_query = "printer offline";
             e.result_count = 3;
             e.slugs = {"printer-offline", "keyboard"};
             events.push_back(e);
           }
           store->write_events(events);
         }));
  report("ticket", timed(runs, [&](int i) {
           kb::Ticket t;
           t.session = "bench" + std::to_string(i);
           t.created_at_ms = t0 + i;
           t.subject = "Printer offline";
           t.description = "Still offline after the article.";
           t.email = "a@b.co";
           t.context = nlohmann::json::object();
           store->insert_ticket(t, false);
         }));
  report("session lookup", timed(runs, [&](int i) { store->session("bench" + std::to_string(i)); }));
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "kb-stats-write: error: %s\n", e.what());
  return 2;
}
