/** @file metrics.test.cpp
 *  @brief The metrics registry and its exact Prometheus text exposition.
 */
#include "kb/metrics.h"

#include <catch2/catch.hpp>

#include <thread>
#include <vector>

using namespace kb::metrics;
using Catch::Matchers::Contains;

TEST_CASE("metrics: text exposition of each type", "[metrics]") {
  Registry r;
  auto& requests = r.counter("kb_requests_total", "Requests by route.\nSecond line \\ here.", {"route", "status"});
  requests.with({"/search", "200"}).inc(3);
  requests.with({"/a\"b\\c\nd", "404"}).inc();
  r.gauge("kb_depth", "Queue depth.").with({}).set(2.5);
  auto& h = r.histogram("kb_seconds", "Latency.", {}, {0.1, 1}).with({});
  h.observe(0.05);
  h.observe(0.1);  // on a bound: counted in that bucket (le = less or equal)
  h.observe(7);
  r.callback("kb_age_seconds", "Age.", "gauge", [] { return 42.0; });
  r.callback("kb_broken", "Left out when it throws.", "gauge", []() -> double { throw std::runtime_error("x"); });

  CHECK(r.expose() ==
        "# HELP kb_requests_total Requests by route.\\nSecond line \\\\ here.\n"
        "# TYPE kb_requests_total counter\n"
        "kb_requests_total{route=\"/a\\\"b\\\\c\\nd\",status=\"404\"} 1\n"
        "kb_requests_total{route=\"/search\",status=\"200\"} 3\n"
        "# HELP kb_depth Queue depth.\n"
        "# TYPE kb_depth gauge\n"
        "kb_depth 2.5\n"
        "# HELP kb_seconds Latency.\n"
        "# TYPE kb_seconds histogram\n"
        "kb_seconds_bucket{le=\"0.1\"} 2\n"
        "kb_seconds_bucket{le=\"1\"} 2\n"
        "kb_seconds_bucket{le=\"+Inf\"} 3\n"
        "kb_seconds_sum 7.15\n"
        "kb_seconds_count 3\n"
        "# HELP kb_age_seconds Age.\n"
        "# TYPE kb_age_seconds gauge\n"
        "kb_age_seconds 42\n");
}

TEST_CASE("metrics: values", "[metrics]") {
  CHECK(format_value(3) == "3");
  CHECK(format_value(0.25) == "0.25");
  CHECK(format_value(1.0 / 0.0) == "+Inf");
  CHECK(format_value(-1.0 / 0.0) == "-Inf");
  CHECK(format_value(0.0 / 0.0) == "NaN");
  CHECK(escape_label_value("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
}

TEST_CASE("metrics: misuse is refused", "[metrics]") {
  Registry r;
  r.counter("kb_x_total", "x");
  CHECK_THROWS_AS(r.counter("kb_x_total", "again"), std::logic_error);
  CHECK_THROWS_AS(r.gauge("0bad", "name"), std::logic_error);
  CHECK_THROWS_AS(r.counter("kb_y_total", "y", {"a"}).with({}), std::logic_error);
}

TEST_CASE("metrics: concurrent updates are not lost", "[metrics]") {
  Registry r;
  auto& family = r.counter("kb_n_total", "n", {"t"});
  auto& h = r.histogram("kb_h", "h", {}, latency_buckets()).with({});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        family.with({"same"}).inc();
        h.observe(0.001);
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(family.with({"same"}).value() == 40000);
  CHECK(h.snapshot().count == 40000);
  CHECK_THAT(r.expose(), Contains("kb_h_count 40000\n"));
}

TEST_CASE("metrics: process figures come from /proc", "[metrics]") {
  CHECK(process_resident_bytes() > 1024 * 1024);
  CHECK(process_open_fds() >= 3);
}
