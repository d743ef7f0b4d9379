/** @file metrics.h
 *  @brief A small metrics registry with Prometheus text exposition
 *  (version 0.0.4): counters, gauges and histograms, each a family of
 *  series told apart by label values.
 *
 *  Updates are lock-free atomics on a series the caller already holds;
 *  finding a series by its label values takes the family's mutex once
 *  (callers on hot paths keep the reference: series are never removed, so
 *  it stays valid for the registry's life). Nothing here knows about HTTP.
 */
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace kb::metrics {

class Counter {
 public:
  void inc(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  /// @p bounds: the buckets' upper bounds, ascending (+Inf is implied).
  explicit Histogram(std::vector<double> bounds);
  void observe(double v);
  struct Snapshot {
    std::vector<std::uint64_t> cumulative;  ///< one per bound, then +Inf
    double sum = 0;
    std::uint64_t count = 0;
  };
  Snapshot snapshot() const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  ///< not cumulative; the last is +Inf
  std::atomic<double> sum_{0};
};

/// Latency buckets in seconds, 0.5 ms to 10 s.
std::vector<double> latency_buckets();

/// Series of one metric by label values, in label_names order.
template <typename Series>
class Family {
 public:
  Family(std::vector<std::string> label_names, std::function<std::unique_ptr<Series>()> make)
      : label_names_(std::move(label_names)), make_(std::move(make)) {}
  /// The series for these label values (as many as label names), created on first use.
  Series& with(const std::vector<std::string>& values);
  const std::vector<std::string>& label_names() const { return label_names_; }
  /// Calls @p f(values, series) for every series, ordered by label values.
  template <typename F>
  void for_each(F f) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& [values, series] : series_) f(values, *series);
  }

 private:
  std::vector<std::string> label_names_;
  std::function<std::unique_ptr<Series>()> make_;
  mutable std::mutex mutex_;
  std::map<std::vector<std::string>, std::unique_ptr<Series>> series_;
};

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;
  /// Names follow Prometheus: [a-zA-Z_:][a-zA-Z0-9_:]*; counters end in _total.
  /// Registering a name twice is a programming error (std::logic_error).
  Family<Counter>& counter(const std::string& name, const std::string& help, std::vector<std::string> labels = {});
  Family<Gauge>& gauge(const std::string& name, const std::string& help, std::vector<std::string> labels = {});
  Family<Histogram>& histogram(const std::string& name, const std::string& help, std::vector<std::string> labels,
                               std::vector<double> bounds);
  /// A value read when scraped (index age, queue depth, memory); @p type is
  /// "gauge" or "counter". A callback that throws leaves the metric out of
  /// that scrape.
  void callback(const std::string& name, const std::string& help, const std::string& type,
                std::function<double()> read);

  /// Every metric in the text exposition format, in registration order.
  std::string expose() const;

 private:
  struct Entry;
  Entry& add(const std::string& name, const std::string& help, const std::string& type);
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Entry>> entries_;
};

/// Escapes a label value: backslash, double quote and line feed.
std::string escape_label_value(const std::string& v);
/// Escapes HELP text: backslash and line feed.
std::string escape_help(const std::string& v);
/// A sample value as Prometheus writes it: integers plainly, +Inf, -Inf, NaN.
std::string format_value(double v);

/// The process's resident memory in bytes and open file descriptors, read
/// from /proc (0 when unavailable).
double process_resident_bytes();
double process_open_fds();

}  // namespace kb::metrics

namespace kb::metrics {

template <typename Series>
Series& Family<Series>::with(const std::vector<std::string>& values) {
  if (values.size() != label_names_.size()) throw std::logic_error("metrics: wrong number of label values");
  std::lock_guard<std::mutex> lock(mutex_);
  auto& slot = series_[values];
  if (!slot) slot = make_();
  return *slot;
}

}  // namespace kb::metrics
