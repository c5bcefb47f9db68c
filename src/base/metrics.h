#pragma once

// Prometheus-style metrics: counters, gauges and histograms, grouped in labelled families and
// rendered in the Prometheus text exposition format (version 0.0.4). The instruments are
// lock-free atomics, cheap enough for the issuance path; a family finds its labelled child
// under a shared lock. Names are the caller's: this file knows no metric of its own.

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace cairn::metrics {

// Counter only goes up. Thread-safe.
class Counter {
 public:
  void Inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// Gauge goes up and down. Thread-safe.
class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Add(double v) { value_.fetch_add(v, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Histogram counts observations into buckets with fixed upper bounds (`le`, inclusive), plus
// their count and sum. Thread-safe.
class Histogram {
 public:
  // Histogram takes strictly increasing finite upper bounds; +Inf is implicit.
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);

  const std::vector<double>& bounds() const { return bounds_; }
  // bucket_count(i) is the number of observations in bucket i alone (not cumulative); index
  // bounds().size() is the +Inf bucket.
  uint64_t bucket_count(size_t i) const { return buckets_[i].load(std::memory_order_relaxed); }
  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;
  std::atomic<uint64_t> count_{0};
  std::atomic<double> sum_{0};
};

// ExponentialBuckets returns `count` bounds start, start*factor, start*factor^2, ...
std::vector<double> ExponentialBuckets(double start, double factor, int count);
// LatencyBuckets are seconds from 100 µs to 10 s, for request and commit latencies.
std::vector<double> LatencyBuckets();

class Registry;

// Family is one metric name with a fixed list of label names and one child instrument per
// distinct list of label values, created on first use and never removed (so keep label values
// bounded: routes, status codes, provisioner names — never serials or addresses).
template <typename T>
class Family {
 public:
  // With returns the child for `values` (one per label name, in order). A wrong number of
  // values is a programming error and aborts. The reference stays valid for the family's life.
  T& With(std::initializer_list<std::string_view> values) {
    return With(std::vector<std::string_view>(values));
  }
  T& With(const std::vector<std::string_view>& values);

  const std::string& name() const { return name_; }

 private:
  friend class Registry;
  Family(std::string name, std::string help, std::vector<std::string> labels,
         std::function<std::unique_ptr<T>()> make)
      : name_(std::move(name)),
        help_(std::move(help)),
        labels_(std::move(labels)),
        make_(std::move(make)) {}

  std::string name_, help_;
  std::vector<std::string> labels_;
  std::function<std::unique_ptr<T>()> make_;
  mutable std::shared_mutex mu_;
  // Keyed by the label values joined with '\0'; ordered, so the output is stable.
  std::map<std::string, std::pair<std::vector<std::string>, std::unique_ptr<T>>, std::less<>>
      children_;
};

// Registry owns the families of one process (or one test) and renders them. Registering is
// done at start-up; With, the instruments and Render are thread-safe afterwards.
class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // AddCounter, AddGauge and AddHistogram register a family. A name that is not a valid
  // Prometheus metric name, a bad label name, or a name registered twice is a programming
  // error and aborts. Counter names should end in _total (Prometheus convention).
  Family<Counter>& AddCounter(std::string name, std::string help,
                              std::vector<std::string> labels = {});
  Family<Gauge>& AddGauge(std::string name, std::string help, std::vector<std::string> labels = {});
  Family<Histogram>& AddHistogram(std::string name, std::string help,
                                  std::vector<std::string> labels, std::vector<double> bounds);
  // AddGaugeFunc registers an unlabelled gauge whose value `fn` computes at each scrape.
  void AddGaugeFunc(std::string name, std::string help, std::function<double()> fn);
  // AddCounterFunc registers an unlabelled counter whose value `fn` computes at each scrape.
  void AddCounterFunc(std::string name, std::string help, std::function<double()> fn);

  // Render returns every family in the Prometheus text format, in registration order.
  std::string Render() const;

 private:
  struct Entry;
  void Register(std::unique_ptr<Entry> entry);
  std::vector<std::unique_ptr<Entry>> entries_;
};

// FormatValue renders a sample value as the text format wants it: integers without a
// fraction, "+Inf", "-Inf", "NaN". Exposed for tests.
std::string FormatValue(double v);

// EscapeLabelValue escapes backslash, double quote and newline. Exposed for tests.
std::string EscapeLabelValue(std::string_view v);

}  // namespace cairn::metrics
