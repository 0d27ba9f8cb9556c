#include "runtime/metrics.h"

#include <gtest/gtest.h>

namespace mdo::runtime {
namespace {

TEST(MetricsRegistryTest, RendersCountersAndGaugesWithEscapedLabels) {
  MetricsRegistry r;
  r.Declare("maildomain_ready", MetricsRegistry::Type::kGauge, "1 when Ready.");
  r.Declare("maildomain_dns_queries_total", MetricsRegistry::Type::kCounter, "DNS queries.");
  r.Set("maildomain_ready", {{"name", "a\"b"}, {"namespace", "mail"}}, 1);
  r.Add("maildomain_dns_queries_total", {{"type", "TXT"}, {"outcome", "data"}});
  r.Add("maildomain_dns_queries_total", {{"type", "TXT"}, {"outcome", "data"}}, 2);
  const std::string text = r.Render();
  EXPECT_NE(text.find("# TYPE maildomain_ready gauge\n"), std::string::npos) << text;
  EXPECT_NE(text.find("maildomain_ready{name=\"a\\\"b\",namespace=\"mail\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("maildomain_dns_queries_total{type=\"TXT\",outcome=\"data\"} 3\n"),
            std::string::npos)
      << text;
}

TEST(MetricsRegistryTest, RendersCumulativeHistogramBuckets) {
  MetricsRegistry r;
  r.Declare("d_seconds", MetricsRegistry::Type::kHistogram, "Durations.", {0.1, 1});
  r.Observe("d_seconds", {}, 0.05);
  r.Observe("d_seconds", {}, 0.5);
  r.Observe("d_seconds", {}, 5);
  const std::string text = r.Render();
  EXPECT_NE(text.find("d_seconds_bucket{le=\"0.10000000000000001\"} 1\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("d_seconds_bucket{le=\"1\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("d_seconds_bucket{le=\"+Inf\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("d_seconds_count 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("d_seconds_sum 5.5499999999999998\n"), std::string::npos) << text;
}

TEST(MetricsRegistryTest, RemovesSeriesOfADeletedObject) {
  MetricsRegistry r;
  r.Declare("g", MetricsRegistry::Type::kGauge, "g");
  r.Set("g", {{"namespace", "x"}, {"name", "a"}}, 1);
  r.Set("g", {{"namespace", "y"}, {"name", "a"}}, 1);
  r.Set("g", {{"namespace", "x"}, {"name", "b"}}, 1);
  r.RemoveMatching("g", {{"namespace", "x"}, {"name", "a"}});
  EXPECT_EQ(r.Value("g", {{"namespace", "x"}, {"name", "a"}}), 0);
  EXPECT_EQ(r.Value("g", {{"namespace", "y"}, {"name", "a"}}), 1);
  EXPECT_EQ(r.Value("g", {{"namespace", "x"}, {"name", "b"}}), 1);
  r.RemoveMatching("g", {{"name", "a"}});
  EXPECT_EQ(r.Render().find("name=\"a\""), std::string::npos);
  EXPECT_NE(r.Render().find("name=\"b\""), std::string::npos);
}

TEST(MetricsRegistryTest, RemoveMatchingComparesWholeLabelValues) {
  MetricsRegistry r;
  r.Declare("g", MetricsRegistry::Type::kGauge, "g");
  r.Set("g", {{"name", "a"}}, 1);
  r.Set("g", {{"name", "ab"}}, 1);
  r.Set("g", {{"xname", "a"}}, 1);
  // A value that contains the text of another pair is not that pair.
  r.Set("g", {{"note", "x\",name=\"a"}}, 1);
  r.RemoveMatching("g", {{"name", "a"}});
  EXPECT_EQ(r.Value("g", {{"name", "a"}}), 0);
  EXPECT_EQ(r.Value("g", {{"name", "ab"}}), 1);
  EXPECT_EQ(r.Value("g", {{"xname", "a"}}), 1);
  EXPECT_EQ(r.Value("g", {{"note", "x\",name=\"a"}}), 1);
}

TEST(MetricsRegistryTest, RemoveDropsExactlyOneSeries) {
  MetricsRegistry r;
  r.Declare("g", MetricsRegistry::Type::kGauge, "g");
  r.Set("g", {{"namespace", "x"}, {"name", "a"}, {"check", "spf"}}, 1);
  r.Set("g", {{"namespace", "x"}, {"name", "a"}, {"check", "mx"}}, 1);
  r.Remove("g", {{"namespace", "x"}, {"name", "a"}, {"check", "spf"}});
  const std::string text = r.Render();
  EXPECT_EQ(text.find("check=\"spf\""), std::string::npos) << text;
  EXPECT_NE(text.find("g{namespace=\"x\",name=\"a\",check=\"mx\"} 1\n"), std::string::npos) << text;
}

TEST(MetricsRegistryTest, HistogramBucketsAppendLeToTheSeriesLabels) {
  MetricsRegistry r;
  r.Declare("d_seconds", MetricsRegistry::Type::kHistogram, "Durations.", {1});
  r.Observe("d_seconds", {{"result", "ok"}}, 0.5);
  std::string text = "prefix\n";
  r.RenderTo(text);
  EXPECT_EQ(text.rfind("prefix\n", 0), 0u);
  EXPECT_NE(text.find("d_seconds_bucket{result=\"ok\",le=\"1\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("d_seconds_bucket{result=\"ok\",le=\"+Inf\"} 1\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("d_seconds_sum{result=\"ok\"} 0.5\n"), std::string::npos) << text;
  EXPECT_NE(text.find("d_seconds_count{result=\"ok\"} 1\n"), std::string::npos) << text;
  EXPECT_EQ(r.Value("d_seconds", {{"result", "ok"}}), 1);
}

}  // namespace
}  // namespace mdo::runtime
