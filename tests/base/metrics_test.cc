#include "base/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace cairn::metrics {
namespace {

using ::testing::HasSubstr;

TEST(MetricsTest, CounterFamilyRendersOneLinePerLabelSetInOrder) {
  Registry r;
  auto& requests =
      r.AddCounter("cairn_http_requests_total", "HTTP requests answered.", {"route", "code"});
  requests.With({"/sign", "201"}).Inc();
  requests.With({"/sign", "201"}).Inc(2);
  requests.With({"/health", "200"}).Inc();
  EXPECT_EQ(r.Render(),
            "# HELP cairn_http_requests_total HTTP requests answered.\n"
            "# TYPE cairn_http_requests_total counter\n"
            "cairn_http_requests_total{route=\"/health\",code=\"200\"} 1\n"
            "cairn_http_requests_total{route=\"/sign\",code=\"201\"} 3\n");
}

TEST(MetricsTest, UnlabelledFamilyWithNoSampleYetRendersOnlyItsHeader) {
  Registry r;
  r.AddCounter("x_total", "X.");
  EXPECT_EQ(r.Render(), "# HELP x_total X.\n# TYPE x_total counter\n");
}

TEST(MetricsTest, HistogramBucketsAreCumulativeWithSumAndCount) {
  Registry r;
  auto& h = r.AddHistogram("lat_seconds", "Latency.", {"route"}, {0.001, 0.01, 0.1});
  auto& sign = h.With({"/sign"});
  sign.Observe(0.0005);  // first bucket
  sign.Observe(0.001);   // le is inclusive
  sign.Observe(0.05);
  sign.Observe(3);  // only +Inf
  EXPECT_EQ(r.Render(),
            "# HELP lat_seconds Latency.\n"
            "# TYPE lat_seconds histogram\n"
            "lat_seconds_bucket{route=\"/sign\",le=\"0.001\"} 2\n"
            "lat_seconds_bucket{route=\"/sign\",le=\"0.01\"} 2\n"
            "lat_seconds_bucket{route=\"/sign\",le=\"0.1\"} 3\n"
            "lat_seconds_bucket{route=\"/sign\",le=\"+Inf\"} 4\n"
            "lat_seconds_sum{route=\"/sign\"} 3.0515\n"
            "lat_seconds_count{route=\"/sign\"} 4\n");
}

TEST(MetricsTest, GaugesAndFunctions) {
  Registry r;
  auto& g = r.AddGauge("open_connections", "Open.").With({});
  g.Add(3);
  g.Add(-1);
  r.AddGaugeFunc("uptime_seconds", "Up.", [] { return 12.5; });
  r.AddCounterFunc("cpu_seconds_total", "CPU.", [] { return 7; });
  std::string text = r.Render();
  EXPECT_THAT(text, HasSubstr("# TYPE open_connections gauge\nopen_connections 2\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE uptime_seconds gauge\nuptime_seconds 12.5\n"));
  EXPECT_THAT(text, HasSubstr("# TYPE cpu_seconds_total counter\ncpu_seconds_total 7\n"));
}

TEST(MetricsTest, LabelValuesAndHelpAreEscaped) {
  Registry r;
  r.AddCounter("c_total", "a \\ help\nline", {"p"}).With({"we\"ird\\na\nme"}).Inc();
  EXPECT_EQ(r.Render(),
            "# HELP c_total a \\\\ help\\nline\n"
            "# TYPE c_total counter\n"
            "c_total{p=\"we\\\"ird\\\\na\\nme\"} 1\n");
}

TEST(MetricsTest, FormatValue) {
  EXPECT_EQ(FormatValue(0), "0");
  EXPECT_EQ(FormatValue(42), "42");
  EXPECT_EQ(FormatValue(-3), "-3");
  EXPECT_EQ(FormatValue(0.0001), "0.0001");
  EXPECT_EQ(FormatValue(2.5), "2.5");
  EXPECT_EQ(FormatValue(1.0 / 0.0), "+Inf");
  EXPECT_EQ(FormatValue(-1.0 / 0.0), "-Inf");
  EXPECT_EQ(FormatValue(std::nan("")), "NaN");
}

TEST(MetricsTest, ConcurrentIncrementsAreAllCounted) {
  Registry r;
  auto& fam = r.AddCounter("n_total", "N.", {"k"});
  auto& hist = r.AddHistogram("h", "H.", {}, ExponentialBuckets(1, 2, 4)).With({});
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10000; ++i) {
        fam.With({t % 2 ? "odd" : "even"}).Inc();
        hist.Observe(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(fam.With({"odd"}).value(), 40000u);
  EXPECT_EQ(fam.With({"even"}).value(), 40000u);
  EXPECT_EQ(hist.count(), 80000u);
  EXPECT_EQ(hist.sum(), 80000.0);
  EXPECT_EQ(hist.bucket_count(0), 80000u);
}

TEST(MetricsDeathTest, MisuseIsAProgrammingError) {
  Registry r;
  auto& fam = r.AddCounter("a_total", "A.", {"x"});
  EXPECT_DEATH(fam.With({"1", "2"}), "");
  EXPECT_DEATH(r.AddCounter("a_total", "again"), "");
  EXPECT_DEATH(r.AddCounter("bad-name", "B."), "");
  EXPECT_DEATH(r.AddCounter("b_total", "B.", {"le"}), "");
  EXPECT_DEATH(r.AddHistogram("h", "H.", {}, {2, 1}), "");
}

}  // namespace
}  // namespace cairn::metrics
