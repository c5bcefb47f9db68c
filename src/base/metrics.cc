#include "base/metrics.h"

#include <charconv>
#include <cmath>
#include <mutex>
#include <set>

#include "base/status.h"

namespace cairn::metrics {
namespace {

bool ValidName(std::string_view name, bool allow_colon) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (allow_colon && c == ':') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::string EscapeHelp(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// LabelText renders {a="x",b="y"} plus an optional extra label (le for histogram buckets).
std::string LabelText(const std::vector<std::string>& names, const std::vector<std::string>& values,
                      std::string_view extra_name = {}, std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i];
    out += "=\"";
    out += EscapeLabelValue(values[i]);
    out += '"';
  }
  if (!extra_name.empty()) {
    if (!names.empty()) out += ',';
    out += extra_name;
    out += "=\"";
    out += extra_value;
    out += '"';
  }
  out += '}';
  return out;
}

void Header(std::string& out, const std::string& name, const std::string& help,
            std::string_view type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += EscapeHelp(help);
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

}  // namespace

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    auto r = std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(v));
    return std::string(buf, r.ptr);
  }
  // Shortest round-trip form, fixed notation for ordinary magnitudes (0.0001, not 1e-04).
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general);
  return std::string(buf, r.ptr);
}

std::string EscapeLabelValue(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {
  for (size_t i = 0; i < bounds_.size(); ++i) {
    CAIRN_CHECK(std::isfinite(bounds_[i]));
    CAIRN_CHECK(i == 0 || bounds_[i - 1] < bounds_[i]);
  }
}

void Histogram::Observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  std::vector<double> out;
  double v = start;
  for (int i = 0; i < count; ++i, v *= factor) out.push_back(v);
  return out;
}

std::vector<double> LatencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
}

template <typename T>
T& Family<T>::With(const std::vector<std::string_view>& values) {
  CAIRN_CHECK(values.size() == labels_.size());
  std::string key;
  for (std::string_view v : values) {
    key.append(v);
    key.push_back('\0');
  }
  {
    std::shared_lock lock(mu_);
    auto it = children_.find(key);
    if (it != children_.end()) return *it->second.second;
  }
  std::unique_lock lock(mu_);
  auto& slot = children_[key];
  if (!slot.second) {
    slot.first.assign(values.begin(), values.end());
    slot.second = make_();
  }
  return *slot.second;
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

struct Registry::Entry {
  std::string name, help;
  std::unique_ptr<Family<Counter>> counter;
  std::unique_ptr<Family<Gauge>> gauge;
  std::unique_ptr<Family<Histogram>> histogram;
  std::function<double()> fn;
  const char* fn_type = nullptr;  // "gauge" or "counter" for fn entries
};

Registry::Registry() = default;
Registry::~Registry() = default;

void Registry::Register(std::unique_ptr<Entry> entry) {
  CAIRN_CHECK(ValidName(entry->name, /*allow_colon=*/true));
  for (const auto& e : entries_) CAIRN_CHECK(e->name != entry->name);
  entries_.push_back(std::move(entry));
}

namespace {
void CheckLabels(const std::vector<std::string>& labels) {
  std::set<std::string> seen;
  for (const auto& l : labels) {
    CAIRN_CHECK(ValidName(l, /*allow_colon=*/false));
    CAIRN_CHECK(l.rfind("__", 0) != 0 && l != "le" && l != "quantile");
    CAIRN_CHECK(seen.insert(l).second);
  }
}
}  // namespace

Family<Counter>& Registry::AddCounter(std::string name, std::string help,
                                      std::vector<std::string> labels) {
  CheckLabels(labels);
  auto e = std::make_unique<Entry>();
  e->name = name;
  e->help = help;
  e->counter.reset(new Family<Counter>(std::move(name), std::move(help), std::move(labels),
                                       [] { return std::make_unique<Counter>(); }));
  auto& ref = *e->counter;
  Register(std::move(e));
  return ref;
}

Family<Gauge>& Registry::AddGauge(std::string name, std::string help,
                                  std::vector<std::string> labels) {
  CheckLabels(labels);
  auto e = std::make_unique<Entry>();
  e->name = name;
  e->help = help;
  e->gauge.reset(new Family<Gauge>(std::move(name), std::move(help), std::move(labels),
                                   [] { return std::make_unique<Gauge>(); }));
  auto& ref = *e->gauge;
  Register(std::move(e));
  return ref;
}

Family<Histogram>& Registry::AddHistogram(std::string name, std::string help,
                                          std::vector<std::string> labels,
                                          std::vector<double> bounds) {
  CheckLabels(labels);
  Histogram probe(bounds);  // validates the bounds once, at registration
  auto e = std::make_unique<Entry>();
  e->name = name;
  e->help = help;
  e->histogram.reset(
      new Family<Histogram>(std::move(name), std::move(help), std::move(labels),
                            [b = std::move(bounds)] { return std::make_unique<Histogram>(b); }));
  auto& ref = *e->histogram;
  Register(std::move(e));
  return ref;
}

void Registry::AddGaugeFunc(std::string name, std::string help, std::function<double()> fn) {
  auto e = std::make_unique<Entry>();
  e->name = std::move(name);
  e->help = std::move(help);
  e->fn = std::move(fn);
  e->fn_type = "gauge";
  Register(std::move(e));
}

void Registry::AddCounterFunc(std::string name, std::string help, std::function<double()> fn) {
  auto e = std::make_unique<Entry>();
  e->name = std::move(name);
  e->help = std::move(help);
  e->fn = std::move(fn);
  e->fn_type = "counter";
  Register(std::move(e));
}

std::string Registry::Render() const {
  std::string out;
  out.reserve(8192);
  for (const auto& e : entries_) {
    if (e->fn) {
      Header(out, e->name, e->help, e->fn_type);
      out += e->name + ' ' + FormatValue(e->fn()) + '\n';
    } else if (e->counter) {
      Header(out, e->name, e->help, "counter");
      std::shared_lock lock(e->counter->mu_);
      for (const auto& [key, child] : e->counter->children_) {
        out += e->name + LabelText(e->counter->labels_, child.first) + ' ' +
               FormatValue(static_cast<double>(child.second->value())) + '\n';
      }
    } else if (e->gauge) {
      Header(out, e->name, e->help, "gauge");
      std::shared_lock lock(e->gauge->mu_);
      for (const auto& [key, child] : e->gauge->children_) {
        out += e->name + LabelText(e->gauge->labels_, child.first) + ' ' +
               FormatValue(child.second->value()) + '\n';
      }
    } else if (e->histogram) {
      Header(out, e->name, e->help, "histogram");
      const auto& labels = e->histogram->labels_;
      std::shared_lock lock(e->histogram->mu_);
      for (const auto& [key, child] : e->histogram->children_) {
        const Histogram& h = *child.second;
        // Read the buckets first and derive the count from them, so a scrape racing an
        // Observe never shows a +Inf bucket that disagrees with _count.
        uint64_t cumulative = 0;
        for (size_t i = 0; i <= h.bounds().size(); ++i) {
          cumulative += h.bucket_count(i);
          std::string le = i < h.bounds().size() ? FormatValue(h.bounds()[i]) : "+Inf";
          out += e->name + "_bucket" + LabelText(labels, child.first, "le", le) + ' ' +
                 FormatValue(static_cast<double>(cumulative)) + '\n';
        }
        out +=
            e->name + "_sum" + LabelText(labels, child.first) + ' ' + FormatValue(h.sum()) + '\n';
        out += e->name + "_count" + LabelText(labels, child.first) + ' ' +
               FormatValue(static_cast<double>(cumulative)) + '\n';
      }
    }
  }
  return out;
}

}  // namespace cairn::metrics
