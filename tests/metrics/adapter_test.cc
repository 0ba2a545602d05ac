// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Adapter rules: the prometheus-adapter config subset, its errors, and the
// per-pod values they produce from a SeriesStore, end to end through the
// engine.

#include "agentscale/metrics/adapter.h"

#include <string>
#include <vector>

#include "agentscale/config/presets.h"
#include "agentscale/engine/autoscaler.h"
#include "agentscale/metrics/exposition.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace agentscale::metrics {
namespace {

using ::agentscale_testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

const absl::Time kT0 = absl::FromUnixSeconds(1'700'000'000);

// The seed's adapter configuration: both agent gauges, averaged over 1m.
constexpr char kSeedConfig[] = R"(rules:
- seriesQuery: 'app_active_task_count{namespace!="",pod!=""}'
  resources:
    overrides:
      namespace: {resource: "namespace"}
      pod: {resource: "pod"}
  name:
    matches: "^(.*)$"
    as: "${1}"
  metricsQuery: 'avg_over_time(<<.Series>>{<<.LabelMatchers>>}[1m])'
- seriesQuery: 'app_active_request_count{namespace!="",pod!=""}'
  resources:
    overrides:
      namespace: {resource: "namespace"}
      pod: {resource: "pod"}
  name:
    matches: "^(.*)$"
    as: "${1}"
  metricsQuery: 'avg_over_time(<<.Series>>{<<.LabelMatchers>>}[1m])'
)";

TEST(AdapterConfigTest, LoadsTheSeedRules) {
  ASSERT_OK_AND_ASSIGN(MetricAdapter a, MetricAdapter::FromConfig(kSeedConfig));
  ASSERT_EQ(a.rules().size(), 2u);
  const MetricRule& r = a.rules()[0];
  EXPECT_EQ(r.series.metric, "app_active_task_count");
  ASSERT_EQ(r.series.matchers.size(), 2u);
  EXPECT_EQ(r.series.matchers[0].ToString(), "namespace!=\"\"");
  EXPECT_EQ(r.pod_label, "pod");
  EXPECT_EQ(r.namespace_label, "namespace");
  EXPECT_EQ(r.aggregation, Aggregation::kAvgOverTime);
  EXPECT_EQ(r.window, absl::Minutes(1));
  EXPECT_EQ(r.group, GroupAggregation::kNone);
}

struct QueryCase {
  std::string name;
  std::string query;
  Aggregation aggregation;
  absl::Duration window;
  GroupAggregation group;
  size_t extra_matchers;
  friend void PrintTo(const QueryCase& c, std::ostream* os) { *os << c.name; }
};
class MetricsQueryTest : public ::testing::TestWithParam<QueryCase> {};
TEST_P(MetricsQueryTest, Parses) {
  MetricRule rule;
  ASSERT_OK(ParseMetricsQuery(GetParam().query, &rule));
  EXPECT_EQ(rule.aggregation, GetParam().aggregation);
  EXPECT_EQ(rule.window, GetParam().window);
  EXPECT_EQ(rule.group, GetParam().group);
  EXPECT_EQ(rule.extra_matchers.size(), GetParam().extra_matchers);
}
INSTANTIATE_TEST_SUITE_P(
    Supported, MetricsQueryTest,
    ::testing::ValuesIn(std::vector<QueryCase>{
        {"seed", "avg_over_time(<<.Series>>{<<.LabelMatchers>>}[1m])",
         Aggregation::kAvgOverTime, absl::Minutes(1), GroupAggregation::kNone, 0},
        {"instant", "<<.Series>>{<<.LabelMatchers>>}", Aggregation::kLatest,
         absl::ZeroDuration(), GroupAggregation::kNone, 0},
        {"sum_rate_by",
         "sum(rate(<<.Series>>{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>)",
         Aggregation::kRate, absl::Minutes(2), GroupAggregation::kSum, 0},
        {"by_first_with_extra_matcher",
         "max by (<<.GroupBy>>) (max_over_time(<<.Series>>{<<.LabelMatchers>>,"
         "container!=\"POD\"}[1m30s]))",
         Aggregation::kMaxOverTime, absl::Seconds(90), GroupAggregation::kMax, 1},
        {"spaces", "  increase( <<.Series>> { <<.LabelMatchers>> } [ 5m ] ) ",
         Aggregation::kIncrease, absl::Minutes(5), GroupAggregation::kNone, 0},
    }),
    [](const ::testing::TestParamInfo<QueryCase>& info) {
      return info.param.name;
    });

struct ConfigErrorCase {
  std::string name;
  std::string yaml;
  std::string message;
  friend void PrintTo(const ConfigErrorCase& c, std::ostream* os) {
    *os << c.name;
  }
};
class AdapterConfigErrorTest
    : public ::testing::TestWithParam<ConfigErrorCase> {};
TEST_P(AdapterConfigErrorTest, NamesTheFieldAndPosition) {
  EXPECT_THAT(MetricAdapter::FromConfig(GetParam().yaml),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(GetParam().message)));
}

std::string Rule(const std::string& series, const std::string& query,
                 const std::string& extra = "") {
  return "rules:\n- seriesQuery: '" + series +
         "'\n  resources:\n    overrides:\n      pod: {resource: pod}\n" +
         extra + "  metricsQuery: '" + query + "'\n";
}
const std::string kQ = "avg_over_time(<<.Series>>{<<.LabelMatchers>>}[1m])";

INSTANTIATE_TEST_SUITE_P(
    Errors, AdapterConfigErrorTest,
    ::testing::ValuesIn(std::vector<ConfigErrorCase>{
        {"yaml_syntax", "rules: [\n", "adapter config: line 2, column 1"},
        {"not_a_map", "- 1\n", "must be a mapping with a rules: list"},
        {"external_rules", "externalRules: []\n",
         "adapter config.externalRules (line 1, column 1): not supported"},
        {"unknown_rule_field",
         "rules:\n- seriesQuery: 'a'\n  bogus: 1\n",
         "rules[0].bogus (line 3, column 3): unknown field"},
        {"series_filters", "rules:\n- seriesFilters: []\n",
         "rules[0].seriesFilters (line 2, column 3): not supported"},
        {"bad_series_query", Rule("a{b=}", kQ),
         "rules[0].seriesQuery (line 2, column 16): expected a quoted string"},
        {"bad_regex", Rule("a{b=~\"(\"}", kQ), "invalid regular expression"},
        {"no_pod_label",
         "rules:\n- seriesQuery: a\n  resources:\n    overrides:\n"
         "      ns: {resource: namespace}\n  metricsQuery: x\n",
         "rules[0].resources (line 4, column 5): no label maps to the pod"},
        {"object_resource",
         "rules:\n- seriesQuery: a\n  resources:\n    overrides:\n"
         "      d: {resource: deployment}\n  metricsQuery: x\n",
         "rules[0].resources.overrides.d.resource (line 5, column 21): "
         "resource \"deployment\" is not supported"},
        {"unsupported_function", Rule("a", "irate(<<.Series>>{<<.LabelMatchers>>}[1m])"),
         "rules[0].metricsQuery (line 6, column 17): unsupported metricsQuery: "
         "unsupported range function \"irate\""},
        {"binary_operator",
         Rule("a", "<<.Series>>{<<.LabelMatchers>>} / 2"),
         "unsupported metricsQuery: unexpected text at column 33"},
        {"group_by_other",
         Rule("a", "sum(<<.Series>>{<<.LabelMatchers>>}) by (pod)"),
         "aggregation needs by (<<.GroupBy>>)"},
        {"missing_range", Rule("a", "rate(<<.Series>>{<<.LabelMatchers>>})"),
         "rate needs a range [DURATION]"},
        {"bad_duration",
         Rule("a", "rate(<<.Series>>{<<.LabelMatchers>>}[1x])"),
         "a number needs a unit"},
        {"template_other",
         "rules:\n- seriesQuery: a\n  resources:\n    template: "
         "\"kube_<<.Resource>>\"\n  metricsQuery: x\n",
         "only \"<<.Resource>>\" is supported"},
        {"as_needed",
         Rule("a", kQ, "  name: {matches: \"^(a)(b)$\"}\n"),
         "rules[0].name.as: required when name.matches has 2 capture groups"},
    }),
    [](const ::testing::TestParamInfo<ConfigErrorCase>& info) {
      return info.param.name;
    });

TEST(AdapterConfigTest, FileErrorsNameThePath) {
  EXPECT_THAT(MetricAdapter::FromConfigFile("/nonexistent/adapter.yaml"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("/nonexistent/adapter.yaml")));
}

// --- values ------------------------------------------------------------------

class AdapterFillTest : public ::testing::Test {
 protected:
  void SetUp() override {
    adapter_ = std::make_unique<MetricAdapter>(
        *MetricAdapter::FromConfig(kSeedConfig));
    adapter_->RegisterWindows(&store_);
  }
  void Gauge(const std::string& metric, const std::string& pod,
             const std::string& ns, absl::Time t, double v) {
    ASSERT_EQ(store_.Append(metric, {{"pod", pod}, {"namespace", ns}}, t, v),
              AppendResult::kOk);
  }
  SeriesStore store_;
  std::unique_ptr<MetricAdapter> adapter_;
};

TEST_F(AdapterFillTest, AveragesEachPodOverTheWindow) {
  // agent-0: 60, 80, 100 over the last minute (avg 80); agent-1: 40 at
  // t-2m (outside the window, but fresh) and 50 now; agent-2: silent for
  // 6 minutes (stale); agent-3 only in another namespace.
  Gauge("app_active_task_count", "agent-0", "ml", kT0 - absl::Seconds(30), 60);
  Gauge("app_active_task_count", "agent-0", "ml", kT0 - absl::Seconds(15), 80);
  Gauge("app_active_task_count", "agent-0", "ml", kT0, 100);
  Gauge("app_active_task_count", "agent-1", "ml", kT0 - absl::Minutes(2), 40);
  Gauge("app_active_task_count", "agent-1", "ml", kT0, 50);
  Gauge("app_active_task_count", "agent-2", "ml", kT0 - absl::Minutes(6), 70);
  Gauge("app_active_task_count", "agent-3", "other", kT0, 70);
  Gauge("app_active_task_count", "not-in-fleet", "ml", kT0, 70);

  std::vector<hpa::Pod> pods;
  for (const char* p : {"agent-0", "agent-1", "agent-2", "agent-3"}) {
    pods.push_back(hpa::Pod::Ready(p));
  }
  MetricObservation m;
  m.metric = "app_active_task_count";
  adapter_->Fill(store_, kT0, pods, "ml", &m);
  ASSERT_OK(m.error);
  ASSERT_EQ(m.pod_samples.size(), 2u);
  EXPECT_EQ(m.pod_samples[0].pod, "agent-0");
  EXPECT_EQ(m.pod_samples[0].value_milli, 80'000);
  EXPECT_EQ(m.pod_samples[0].timestamp, kT0);
  EXPECT_EQ(m.pod_samples[0].window, absl::Minutes(1));
  EXPECT_EQ(m.pod_samples[1].pod, "agent-1");
  EXPECT_EQ(m.pod_samples[1].value_milli, 50'000);

  EXPECT_THAT(adapter_->MetricNames(store_),
              ::testing::ElementsAre("app_active_task_count"));
}

TEST_F(AdapterFillTest, UnknownMetricIsAnErrorNotZero) {
  MetricObservation m;
  m.metric = "app_active_request_count";
  adapter_->Fill(store_, kT0, {hpa::Pod::Ready("agent-0")}, "ml", &m);
  EXPECT_THAT(m.error, StatusIs(absl::StatusCode::kNotFound,
                                HasSubstr("app_active_request_count")));
  EXPECT_TRUE(m.pod_samples.empty());
}

TEST_F(AdapterFillTest, NegativeValuesMarkTheMetricInvalid) {
  Gauge("app_active_task_count", "agent-0", "ml", kT0, -5);
  MetricObservation m;
  m.metric = "app_active_task_count";
  adapter_->Fill(store_, kT0, {hpa::Pod::Ready("agent-0")}, "ml", &m);
  EXPECT_FALSE(m.error.ok());
  EXPECT_TRUE(m.pod_samples.empty());
}

TEST(AdapterTest, GroupsSeveralSeriesPerPod) {
  SeriesStore store;
  ASSERT_OK_AND_ASSIGN(
      MetricAdapter sum,
      MetricAdapter::FromConfig(
          "rules:\n- seriesQuery: '{__name__=~\"^jobs_.*_total$\"}'\n"
          "  resources: {template: \"<<.Resource>>\"}\n"
          "  name: {matches: \"^jobs_(.*)_total$\", as: \"${1}_per_second\"}\n"
          "  metricsQuery: 'sum(rate(<<.Series>>{<<.LabelMatchers>>}[1m])) "
          "by (<<.GroupBy>>)'\n"));
  ASSERT_OK_AND_ASSIGN(
      MetricAdapter plain,
      MetricAdapter::FromConfig(
          "rules:\n- seriesQuery: '{__name__=~\"^jobs_.*_total$\"}'\n"
          "  resources: {template: \"<<.Resource>>\"}\n"
          "  name: {matches: \"^jobs_(.*)_total$\", as: \"${1}_per_second\"}\n"
          "  metricsQuery: 'rate(<<.Series>>{<<.LabelMatchers>>}[1m])'\n"));
  // Two containers of agent-0 each finish 1 job/s.
  for (const char* c : {"a", "b"}) {
    for (int i = 0; i <= 4; ++i) {
      ASSERT_EQ(store.Append("jobs_done_total",
                             {{"pod", "agent-0"}, {"container", c}},
                             kT0 - absl::Seconds(60 - 15 * i), 15.0 * i),
                AppendResult::kOk);
    }
  }
  EXPECT_THAT(sum.MetricNames(store),
              ::testing::ElementsAre("done_per_second"));
  MetricObservation m;
  m.metric = "done_per_second";
  sum.Fill(store, kT0, {hpa::Pod::Ready("agent-0")}, "", &m);
  ASSERT_OK(m.error);
  ASSERT_EQ(m.pod_samples.size(), 1u);
  EXPECT_EQ(m.pod_samples[0].value_milli, 2'000);

  MetricObservation n;
  n.metric = "done_per_second";
  plain.Fill(store, kT0, {hpa::Pod::Ready("agent-0")}, "", &n);
  EXPECT_THAT(n.error, StatusIs(absl::StatusCode::kFailedPrecondition,
                                HasSubstr("pod agent-0 has several series")));
}

TEST(AdapterTest, DrivesTheEngineStraightFromScrapes) {
  // Three agents' /metrics pages, scraped every 15 s for a minute, through
  // the seed's adapter rules into the production HPA.
  SeriesStore store;
  ASSERT_OK_AND_ASSIGN(MetricAdapter adapter,
                       MetricAdapter::FromConfig(kSeedConfig));
  adapter.RegisterWindows(&store);
  const std::vector<std::string> pods = {"agent-0", "agent-1", "agent-2"};
  for (int step = 0; step <= 4; ++step) {
    const absl::Time t = kT0 - absl::Seconds(60 - 15 * step);
    for (const std::string& pod : pods) {
      ASSERT_OK(AppendExposition(
          "# TYPE app_active_task_count gauge\napp_active_task_count 140\n"
          "# TYPE app_active_request_count gauge\n"
          "app_active_request_count 20\n",
          {{"pod", pod}, {"namespace", "default"}}, t, &store));
    }
  }
  Observation obs;
  obs.current_replicas = 3;
  for (const std::string& pod : pods) obs.pods.push_back(hpa::Pod::Ready(pod));
  obs.AddMetric("app_active_task_count");
  obs.AddMetric("app_active_request_count");
  adapter.FillObservation(store, kT0, "default", &obs);
  ASSERT_EQ(obs.metrics[0].pod_samples.size(), 3u);

  ASSERT_OK_AND_ASSIGN(hpa::AutoscalerSpec spec, config::Preset("production"));
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler hpa,
                       HorizontalAutoscaler::Create(spec));
  ASSERT_OK_AND_ASSIGN(Decision d, hpa.Evaluate(kT0, obs));
  // 140 tasks per pod against a target of 70: the metric asks for twice the
  // replicas (the scale-up window then decides when).
  EXPECT_EQ(d.metrics[0].proposal, 6) << d.Explain();
  EXPECT_EQ(d.winning_metric, 0) << d.Explain();

  // All agents go silent for 6 minutes: their series are stale, no pod has
  // a sample, and the engine holds instead of reading zero load.
  const absl::Time later = kT0 + absl::Minutes(6);
  Observation silent = obs;
  for (MetricObservation& m : silent.metrics) m.pod_samples.clear();
  adapter.FillObservation(store, later, "default", &silent);
  EXPECT_TRUE(silent.metrics[0].pod_samples.empty());
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler hpa2,
                       HorizontalAutoscaler::Create(spec));
  ASSERT_OK_AND_ASSIGN(Decision held, hpa2.Evaluate(later, silent));
  EXPECT_EQ(held.desired_replicas, 3) << held.Explain();
}

TEST(SelectorTest, ParsesAndMatches) {
  ASSERT_OK_AND_ASSIGN(SeriesSelector s,
                       ParseSeriesSelector(
                           "m{a=\"x\", b!=\"\", c=~'v[0-9]+', d!~\"z.*\",}"));
  EXPECT_EQ(s.metric, "m");
  EXPECT_TRUE(s.Matches("m", {{"a", "x"}, {"b", "1"}, {"c", "v12"}}));
  EXPECT_FALSE(s.Matches("m", {{"a", "x"}, {"c", "v12"}}));            // b ""
  EXPECT_FALSE(s.Matches("m", {{"a", "x"}, {"b", "1"}, {"c", "xv1"}}));  // anchored
  EXPECT_FALSE(s.Matches("n", {{"a", "x"}, {"b", "1"}, {"c", "v1"}}));
  EXPECT_FALSE(
      s.Matches("m", {{"a", "x"}, {"b", "1"}, {"c", "v1"}, {"d", "zz"}}));
  EXPECT_THAT(ParseSeriesSelector("m{a=\"x\"} junk"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unexpected text after the series selector")));
  EXPECT_THAT(ParseSeriesSelector("{}"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("empty series selector")));
  EXPECT_THAT(ParsePromDuration("1h30m"),
              ::agentscale_testing::IsOkAndHolds(absl::Minutes(90)));
  EXPECT_THAT(ParsePromDuration("500ms"),
              ::agentscale_testing::IsOkAndHolds(absl::Milliseconds(500)));
}

}  // namespace
}  // namespace agentscale::metrics
