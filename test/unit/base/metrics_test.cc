// The Prometheus registry: text format, escaping, histograms, hooks.
#include "base/metrics.h"

#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>
#include <thread>
#include <vector>

namespace mb::base {
namespace {

TEST(MetricsTest, RendersGoldenText) {
  Registry r;
  auto& requests = r.counter("http_requests_total", "Requests served.\nBy code.", {"code", "path"});
  requests.counter({"200", "/b"}).inc(3);
  requests.counter({"200", "/a"}).inc();
  requests.counter({"500", "a\"b\\c\nd"}).inc(0.5);
  r.gauge("a_temperature", "Degrees").gauge({}).set(-2.25);
  auto& latency = r.histogram("latency_seconds", "Back\\slash", {"op"}, {0.1, 1, 10});
  latency.histogram({"get"}).observe(0.05);
  latency.histogram({"get"}).observe(1);
  latency.histogram({"get"}).observe(30);
  r.counter("unused_total", "Never touched", {"x"});  // no series: not rendered

  EXPECT_EQ(r.text(),
            "# HELP a_temperature Degrees\n"
            "# TYPE a_temperature gauge\n"
            "a_temperature -2.25\n"
            "# HELP http_requests_total Requests served.\\nBy code.\n"
            "# TYPE http_requests_total counter\n"
            "http_requests_total{code=\"200\",path=\"/a\"} 1\n"
            "http_requests_total{code=\"200\",path=\"/b\"} 3\n"
            "http_requests_total{code=\"500\",path=\"a\\\"b\\\\c\\nd\"} 0.5\n"
            "# HELP latency_seconds Back\\\\slash\n"
            "# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{op=\"get\",le=\"0.1\"} 1\n"
            "latency_seconds_bucket{op=\"get\",le=\"1\"} 2\n"
            "latency_seconds_bucket{op=\"get\",le=\"10\"} 2\n"
            "latency_seconds_bucket{op=\"get\",le=\"+Inf\"} 3\n"
            "latency_seconds_sum{op=\"get\"} 31.05\n"
            "latency_seconds_count{op=\"get\"} 3\n");
}

TEST(MetricsTest, FormatsSpecialValues) {
  EXPECT_EQ(formatValue(0), "0");
  EXPECT_EQ(formatValue(-0.0), "0");
  EXPECT_EQ(formatValue(1e-8), "1e-08");
  EXPECT_EQ(formatValue(1e20), "1e+20");
  EXPECT_EQ(formatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(formatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(formatValue(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

TEST(MetricsTest, CountersOnlyGoUp) {
  Registry r;
  Counter& c = r.counter("c_total", "c").counter({});
  c.inc(2);
  c.inc(-1);
  EXPECT_EQ(c.value(), 2);
}

TEST(MetricsTest, SameNameSameShapeIsTheSameFamily) {
  Registry r;
  Family& a = r.counter("x_total", "x", {"l"});
  Family& b = r.counter("x_total", "x", {"l"});
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(&a.counter({"1"}), &b.counter({"1"}));
}

TEST(MetricsTest, RejectsMisuse) {
  Registry r;
  r.counter("x_total", "x", {"l"});
  EXPECT_THROW(r.gauge("x_total", "x", {"l"}), std::invalid_argument);
  EXPECT_THROW(r.counter("x_total", "x", {"other"}), std::invalid_argument);
  EXPECT_THROW(r.counter("x_total", "x", {"l"}).counter({}), std::invalid_argument);
  EXPECT_THROW(r.counter("x_total", "x", {"l"}).gauge({"1"}), std::invalid_argument);
  EXPECT_THROW(r.counter("bad-name", "x"), std::invalid_argument);
  EXPECT_THROW(r.counter("y_total", "y", {"__reserved"}), std::invalid_argument);
  EXPECT_THROW(r.histogram("h", "h", {"le"}, {1}), std::invalid_argument);
  EXPECT_THROW(r.histogram("h", "h", {}, {2, 1}), std::invalid_argument);
}

TEST(MetricsTest, CollectHookRunsOnScrapeUntilDestroyed) {
  Registry r;
  Gauge& g = r.gauge("age_seconds", "age").gauge({});
  int calls = 0;
  {
    CollectHook hook = r.onCollect([&] { g.set(++calls); });
    EXPECT_NE(r.text().find("age_seconds 1\n"), std::string::npos);
  }
  EXPECT_NE(r.text().find("age_seconds 1\n"), std::string::npos);
  EXPECT_EQ(calls, 1);
}

TEST(MetricsTest, ConcurrentIncrementsAreNotLost) {
  Registry r;
  Family& family = r.counter("n_total", "n", {"t"});
  Histogram& h = r.histogram("h_seconds", "h", {}, {1}).histogram({});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        family.counter({"shared"}).inc();
        h.observe(0.5);
        (void)r.text();  // rendering races with updates
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(family.counter({"shared"}).value(), 4000);
  EXPECT_EQ(h.count(), 4000u);
  EXPECT_EQ(h.sum(), 2000);
}

}  // namespace
}  // namespace mb::base
