// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Adapter rules: the prometheus-adapter config subset, its errors, and the
// per-pod values they produce from a SeriesStore, end to end through the
// engine.

#include "agentscale/metrics/adapter.h"

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "agentscale/config/presets.h"
#include "agentscale/hpa/autoscaler.h"
#include "agentscale/hpa/replica_calculator.h"
#include "agentscale/metrics/exposition.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace agentscale::metrics {
namespace {

using ::agentscale_testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

const absl::Time kAdapterT0 = absl::FromUnixSeconds(1'700'000'000);

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
        {"yaml_syntax", "rules: [\n", "adapter config:2:1: "},
        {"not_a_map", "- 1\n", "must be a mapping with a rules: list"},
        {"resource_rules", "resourceRules: {}\n",
         "adapter config:1:1: resourceRules: not supported"},
        {"unknown_rule_field",
         "rules:\n- seriesQuery: 'a'\n  bogus: 1\n",
         "adapter config:3:3: rules[0].bogus: unknown field"},
        {"series_filters", "rules:\n- seriesFilters: []\n",
         "adapter config:2:3: rules[0].seriesFilters: not supported"},
        {"bad_series_query", Rule("a{b=}", kQ),
         "adapter config:2:16: rules[0].seriesQuery: expected a quoted string"},
        {"bad_regex", Rule("a{b=~\"(\"}", kQ), "invalid regular expression"},
        {"no_pod_label",
         "rules:\n- seriesQuery: a\n  resources:\n    overrides:\n"
         "      ns: {resource: namespace}\n  metricsQuery: x\n",
         "adapter config:4:5: rules[0].resources: no label maps to the pod"},
        {"not_a_resource",
         "rules:\n- seriesQuery: a\n  resources:\n    overrides:\n"
         "      d: {resource: Deploy-ment}\n  metricsQuery: x\n",
         "adapter config:5:21: rules[0].resources.overrides.d.resource: "
         "\"Deploy-ment\" is not a resource name"},
        {"object_bad_group",
         "rules:\n- seriesQuery: a\n  resources:\n    overrides:\n"
         "      d: {resource: deployment, group: \"Apps!\"}\n"
         "  metricsQuery: x\n",
         "adapter config:5:40: rules[0].resources.overrides.d.group: "
         "\"Apps!\" is not an API group name"},
        {"pod_in_a_group",
         "rules:\n- seriesQuery: a\n  resources:\n    overrides:\n"
         "      p: {resource: pod, group: apps}\n  metricsQuery: x\n",
         "adapter config:5:33: rules[0].resources.overrides.p.group: only the "
         "core group"},
        {"namespaced_in_rules",
         "rules:\n- seriesQuery: a\n  resources: {namespaced: false}\n",
         "adapter config:3:15: rules[0].resources.namespaced: not supported"},
        {"label_value_replacements",
         "rules:\n- seriesQuery: a\n  labelValueReplacements: []\n",
         "adapter config:3:3: rules[0].labelValueReplacements: not supported"},
        // externalRules.
        {"external_not_a_list", "externalRules: {}\n",
         "adapter config:1:16: externalRules: must be a list"},
        {"external_namespaced_without_label",
         "externalRules:\n- seriesQuery: queue_depth\n"
         "  metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>})'\n",
         "adapter config:2:3: externalRules[0]: namespaced (the default), but "
         "no label maps to the namespace resource"},
        {"external_namespaced_pod_only",
         "externalRules:\n- seriesQuery: queue_depth\n"
         "  resources: {overrides: {pod: {resource: pod}}}\n"
         "  metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>})'\n",
         "adapter config:3:14: externalRules[0].resources: namespaced (the "
         "default), but no label maps to the namespace resource"},
        {"external_namespaced_not_bool",
         "externalRules:\n- seriesQuery: queue_depth\n"
         "  resources: {namespaced: maybe}\n  metricsQuery: x\n",
         "adapter config:3:27: externalRules[0].resources.namespaced: must be "
         "true or false"},
        {"external_series_filters",
         "externalRules:\n- seriesQuery: queue_depth\n"
         "  seriesFilters: [{isNot: x}]\n",
         "adapter config:3:3: externalRules[0].seriesFilters: not supported"},
        {"external_unknown_field",
         "externalRules:\n- seriesQuery: queue_depth\n  query: x\n",
         "adapter config:3:3: externalRules[0].query: unknown field"},
        {"external_bad_series_query",
         "externalRules:\n- seriesQuery: 'q{a=b}'\n",
         "adapter config:2:16: externalRules[0].seriesQuery: expected a quoted "
         "string"},
        {"external_template_other",
         "externalRules:\n- seriesQuery: q\n"
         "  resources: {template: \"kube_<<.Resource>>\"}\n",
         "adapter config:3:25: externalRules[0].resources.template: only "
         "\"<<.Resource>>\" is supported"},
        {"external_without",
         "externalRules:\n- seriesQuery: q\n  resources: {namespaced: false}\n"
         "  metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) without (a)'\n",
         "adapter config:4:17: externalRules[0].metricsQuery: unsupported "
         "metricsQuery: unexpected text at column 38"},
        {"external_topk",
         "externalRules:\n- seriesQuery: q\n  resources: {namespaced: false}\n"
         "  metricsQuery: 'topk(1, <<.Series>>{<<.LabelMatchers>>})'\n",
         "adapter config:4:17: externalRules[0].metricsQuery: unsupported "
         "metricsQuery: unsupported range function \"topk\""},
        {"external_group_by_mixed",
         "externalRules:\n- seriesQuery: q\n  resources: {namespaced: false}\n"
         "  metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by "
         "(<<.GroupBy>>, a)'\n",
         "<<.GroupBy>> mixed with other labels"},
        {"external_group_by_not_a_label",
         "externalRules:\n- seriesQuery: q\n  resources: {namespaced: false}\n"
         "  metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by (\"a\")'\n",
         "expected a label name in by (...)"},
        {"external_as_needed",
         "externalRules:\n- seriesQuery: q\n  resources: {namespaced: false}\n"
         "  name: {matches: \"^(q)(.*)$\"}\n"
         "  metricsQuery: '<<.Series>>{<<.LabelMatchers>>}'\n",
         "externalRules[0].name.as: required when name.matches has 2 capture "
         "groups"},
        {"unsupported_function", Rule("a", "irate(<<.Series>>{<<.LabelMatchers>>}[1m])"),
         "adapter config:6:17: rules[0].metricsQuery: unsupported metricsQuery: "
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
  Gauge("app_active_task_count", "agent-0", "ml", kAdapterT0 - absl::Seconds(30), 60);
  Gauge("app_active_task_count", "agent-0", "ml", kAdapterT0 - absl::Seconds(15), 80);
  Gauge("app_active_task_count", "agent-0", "ml", kAdapterT0, 100);
  Gauge("app_active_task_count", "agent-1", "ml", kAdapterT0 - absl::Minutes(2), 40);
  Gauge("app_active_task_count", "agent-1", "ml", kAdapterT0, 50);
  Gauge("app_active_task_count", "agent-2", "ml", kAdapterT0 - absl::Minutes(6), 70);
  Gauge("app_active_task_count", "agent-3", "other", kAdapterT0, 70);
  Gauge("app_active_task_count", "not-in-fleet", "ml", kAdapterT0, 70);

  std::vector<hpa::Pod> pods;
  for (const char* p : {"agent-0", "agent-1", "agent-2", "agent-3"}) {
    pods.push_back(hpa::Pod::Ready(p));
  }
  MetricObservation m;
  m.metric = "app_active_task_count";
  adapter_->Fill(store_, kAdapterT0, pods, "ml", &m);
  ASSERT_OK(m.error);
  ASSERT_EQ(m.pod_samples.size(), 2u);
  EXPECT_EQ(m.pod_samples[0].pod, "agent-0");
  EXPECT_EQ(m.pod_samples[0].value_milli, 80'000);
  EXPECT_EQ(m.pod_samples[0].timestamp, kAdapterT0);
  EXPECT_EQ(m.pod_samples[0].window, absl::Minutes(1));
  EXPECT_EQ(m.pod_samples[1].pod, "agent-1");
  EXPECT_EQ(m.pod_samples[1].value_milli, 50'000);

  EXPECT_THAT(adapter_->MetricNames(store_),
              ::testing::ElementsAre("app_active_task_count"));
}

TEST_F(AdapterFillTest, UnknownMetricIsAnErrorNotZero) {
  MetricObservation m;
  m.metric = "app_active_request_count";
  adapter_->Fill(store_, kAdapterT0, {hpa::Pod::Ready("agent-0")}, "ml", &m);
  EXPECT_THAT(m.error, StatusIs(absl::StatusCode::kNotFound,
                                HasSubstr("app_active_request_count")));
  EXPECT_TRUE(m.pod_samples.empty());
}

TEST_F(AdapterFillTest, NegativeValuesMarkTheMetricInvalid) {
  Gauge("app_active_task_count", "agent-0", "ml", kAdapterT0, -5);
  MetricObservation m;
  m.metric = "app_active_task_count";
  adapter_->Fill(store_, kAdapterT0, {hpa::Pod::Ready("agent-0")}, "ml", &m);
  EXPECT_FALSE(m.error.ok());
  EXPECT_TRUE(m.pod_samples.empty());
}

TEST_F(AdapterFillTest, ValuesTruncateToMilliAsTheAdapterServesThem) {
  // avg(0.3337, 0.3338) = 0.33375: prometheus-adapter serves
  // NewMilliQuantity(int64(0.33375 * 1000)) = 333m; a parsed quantity
  // would round up to 334m.
  Gauge("app_active_task_count", "agent-0", "ml", kAdapterT0 - absl::Seconds(15),
        0.3337);
  Gauge("app_active_task_count", "agent-0", "ml", kAdapterT0, 0.3338);
  MetricObservation m;
  m.metric = "app_active_task_count";
  adapter_->Fill(store_, kAdapterT0, {hpa::Pod::Ready("agent-0")}, "ml", &m);
  ASSERT_OK(m.error);
  ASSERT_EQ(m.pod_samples.size(), 1u);
  EXPECT_EQ(m.pod_samples[0].value_milli, 333);
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
                             kAdapterT0 - absl::Seconds(60 - 15 * i), 15.0 * i),
                AppendResult::kOk);
    }
  }
  EXPECT_THAT(sum.MetricNames(store),
              ::testing::ElementsAre("done_per_second"));
  MetricObservation m;
  m.metric = "done_per_second";
  sum.Fill(store, kAdapterT0, {hpa::Pod::Ready("agent-0")}, "", &m);
  ASSERT_OK(m.error);
  ASSERT_EQ(m.pod_samples.size(), 1u);
  EXPECT_EQ(m.pod_samples[0].value_milli, 2'000);

  MetricObservation n;
  n.metric = "done_per_second";
  plain.Fill(store, kAdapterT0, {hpa::Pod::Ready("agent-0")}, "", &n);
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
    const absl::Time t = kAdapterT0 - absl::Seconds(60 - 15 * step);
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
  adapter.FillObservation(store, kAdapterT0, "default", &obs);
  ASSERT_EQ(obs.metrics[0].pod_samples.size(), 3u);

  ASSERT_OK_AND_ASSIGN(hpa::AutoscalerSpec spec, config::Preset("production"));
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler hpa,
                       HorizontalAutoscaler::Create(spec));
  ASSERT_OK_AND_ASSIGN(Decision d, hpa.Evaluate(kAdapterT0, obs));
  // 140 tasks per pod against a target of 70: the metric asks for twice the
  // replicas (the scale-up window then decides when).
  EXPECT_EQ(d.metrics[0].proposal, 6) << d.Explain();
  EXPECT_EQ(d.winning_metric, 0) << d.Explain();

  // All agents go silent for 6 minutes: their series are stale, no pod has
  // a sample, and the engine holds instead of reading zero load.
  const absl::Time later = kAdapterT0 + absl::Minutes(6);
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


// --- externalRules and Object metrics: configuration -------------------------

constexpr char kExternalConfig[] = R"(rules:
- seriesQuery: 'http_requests_per_second{namespace!="",service!=""}'
  resources:
    overrides:
      namespace: {resource: "namespace"}
      service: {resource: "service"}
      deployment: {group: "apps", resource: "deployments"}
  metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)'
externalRules:
- seriesQuery: 'queue_depth{namespace!="",queue!=""}'
  resources:
    overrides:
      namespace: {resource: "namespace"}
  metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by (queue)'
- seriesQuery: '{__name__=~"^broker_.*_lag$"}'
  resources:
    namespaced: false
  name:
    matches: "^broker_(.*)_lag$"
    as: "${1}_lag"
  metricsQuery: 'avg(max_over_time(<<.Series>>{<<.LabelMatchers>>,topic!=""}[2m]))'
)";

TEST(AdapterConfigTest, LoadsExternalRulesAndObjectResources) {
  ASSERT_OK_AND_ASSIGN(MetricAdapter a,
                       MetricAdapter::FromConfig(kExternalConfig));
  ASSERT_EQ(a.rules().size(), 1u);
  const MetricRule& r = a.rules()[0];
  EXPECT_EQ(r.pod_label, "");
  EXPECT_EQ(r.namespace_label, "namespace");
  ASSERT_EQ(r.object_labels.size(), 2u);
  // yaml-cpp keeps the mapping's order.
  EXPECT_EQ(r.object_labels[0].label, "service");
  EXPECT_EQ(r.object_labels[0].resource, "service");
  EXPECT_EQ(r.object_labels[0].group, "");
  EXPECT_EQ(r.object_labels[1].label, "deployment");
  EXPECT_EQ(r.object_labels[1].resource, "deployments");
  EXPECT_EQ(r.object_labels[1].group, "apps");
  EXPECT_FALSE(r.resource_template);
  EXPECT_EQ(r.group, GroupAggregation::kSum);

  ASSERT_EQ(a.external_rules().size(), 2u);
  const ExternalRule& q = a.external_rules()[0];
  EXPECT_EQ(q.series.metric, "queue_depth");
  EXPECT_TRUE(q.namespaced);
  EXPECT_EQ(q.namespace_label, "namespace");
  EXPECT_EQ(q.aggregation, Aggregation::kLatest);
  EXPECT_EQ(q.group, GroupAggregation::kSum);
  EXPECT_THAT(q.group_by, ::testing::ElementsAre("queue"));

  const ExternalRule& lag = a.external_rules()[1];
  EXPECT_EQ(lag.series.metric, "");
  EXPECT_FALSE(lag.namespaced);
  EXPECT_EQ(lag.namespace_label, "");
  EXPECT_EQ(lag.name_as, "${1}_lag");
  EXPECT_EQ(lag.aggregation, Aggregation::kMaxOverTime);
  EXPECT_EQ(lag.window, absl::Minutes(2));
  ASSERT_EQ(lag.extra_matchers.size(), 1u);
  EXPECT_EQ(lag.extra_matchers[0].ToString(), "topic!=\"\"");
  EXPECT_EQ(lag.group, GroupAggregation::kAvg);
  EXPECT_TRUE(lag.group_by.empty());

  // A config with only externalRules is complete.
  ASSERT_OK_AND_ASSIGN(
      MetricAdapter only,
      MetricAdapter::FromConfig("externalRules:\n- seriesQuery: q\n"
                                "  resources: {template: \"<<.Resource>>\"}\n"
                                "  metricsQuery: '<<.Series>>{<<.LabelMatchers>>}'\n"));
  EXPECT_TRUE(only.rules().empty());
  ASSERT_EQ(only.external_rules().size(), 1u);
  EXPECT_EQ(only.external_rules()[0].namespace_label, "namespace");
  EXPECT_TRUE(only.external_rules()[0].namespaced);
}

TEST(AdapterConfigTest, TemplateMapsObjectKinds) {
  ASSERT_OK_AND_ASSIGN(
      MetricAdapter a,
      MetricAdapter::FromConfig(
          "rules:\n- seriesQuery: 'nginx_requests{ingress!=\"\"}'\n"
          "  resources: {template: \"<<.Resource>>\"}\n"
          "  metricsQuery: '<<.Series>>{<<.LabelMatchers>>}'\n"));
  EXPECT_TRUE(a.rules()[0].resource_template);
  EXPECT_EQ(a.rules()[0].pod_label, "pod");
}

TEST(AdapterConfigTest, CreateChecksHandBuiltExternalRules) {
  ExternalRule r;
  r.series.metric = "queue_depth";
  EXPECT_THAT(MetricAdapter::FromRules({}, {r}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("externalRules[0].resources: namespaced, but "
                                 "no label maps to the namespace resource")));
  r.namespaced = false;
  r.group_by = {"queue"};
  EXPECT_THAT(MetricAdapter::FromRules({}, {r}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("group_by without an aggregation")));
  r.group = GroupAggregation::kSum;
  EXPECT_OK(MetricAdapter::FromRules({}, {r}).status());
  r.aggregation = Aggregation::kRate;  // with no window
  EXPECT_THAT(MetricAdapter::FromRules({}, {r}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("the window must be positive")));
  // A rule that maps neither pods nor objects is still an error.
  MetricRule none;
  none.series.metric = "m";
  none.pod_label.clear();
  EXPECT_THAT(MetricAdapter::Create({none}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("rules[0].resources: no label maps to the pod "
                                 "resource")));
  none.object_labels.push_back(ResourceLabel{"service", "service", ""});
  EXPECT_OK(MetricAdapter::Create({none}).status());
}

struct ExternalQueryCase {
  std::string name;
  std::string query;
  Aggregation aggregation;
  absl::Duration window;
  GroupAggregation group;
  std::vector<std::string> group_by;
  friend void PrintTo(const ExternalQueryCase& c, std::ostream* os) {
    *os << c.name;
  }
};
class ExternalMetricsQueryTest
    : public ::testing::TestWithParam<ExternalQueryCase> {};
TEST_P(ExternalMetricsQueryTest, Parses) {
  ExternalRule rule;
  ASSERT_OK(ParseExternalMetricsQuery(GetParam().query, &rule));
  EXPECT_EQ(rule.aggregation, GetParam().aggregation);
  EXPECT_EQ(rule.window, GetParam().window);
  EXPECT_EQ(rule.group, GetParam().group);
  EXPECT_EQ(rule.group_by, GetParam().group_by);
  EXPECT_EQ(rule.metrics_query, GetParam().query);
}
INSTANTIATE_TEST_SUITE_P(
    Supported, ExternalMetricsQueryTest,
    ::testing::ValuesIn(std::vector<ExternalQueryCase>{
        {"per_series", "<<.Series>>{<<.LabelMatchers>>}", Aggregation::kLatest,
         absl::ZeroDuration(), GroupAggregation::kNone, {}},
        {"sum_without_by", "sum(<<.Series>>{<<.LabelMatchers>>})",
         Aggregation::kLatest, absl::ZeroDuration(), GroupAggregation::kSum, {}},
        {"sum_by_group_by_template",
         "sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)",
         Aggregation::kLatest, absl::ZeroDuration(), GroupAggregation::kSum, {}},
        {"sum_by_labels",
         "sum(<<.Series>>{<<.LabelMatchers>>}) by (queue, topic)",
         Aggregation::kLatest, absl::ZeroDuration(), GroupAggregation::kSum,
         {"queue", "topic"}},
        {"by_first_with_rate",
         "max by (queue) (rate(<<.Series>>{<<.LabelMatchers>>}[5m]))",
         Aggregation::kRate, absl::Minutes(5), GroupAggregation::kMax,
         {"queue"}},
        {"by_nothing", "min(<<.Series>>{<<.LabelMatchers>>}) by ()",
         Aggregation::kLatest, absl::ZeroDuration(), GroupAggregation::kMin, {}},
        {"avg_over_time_alone",
         "avg_over_time(<<.Series>>{<<.LabelMatchers>>}[30s])",
         Aggregation::kAvgOverTime, absl::Seconds(30), GroupAggregation::kNone,
         {}},
    }),
    [](const ::testing::TestParamInfo<ExternalQueryCase>& info) {
      return info.param.name;
    });

TEST(MetricsQueryTest, RulesStillNeedGroupByTemplate) {
  // What externalRules accept, rules: do not (a per-pod query must keep the
  // pod label).
  MetricRule rule;
  EXPECT_THAT(
      ParseMetricsQuery("sum(<<.Series>>{<<.LabelMatchers>>})", &rule),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("aggregation needs by (<<.GroupBy>>)")));
  EXPECT_THAT(
      ParseMetricsQuery("sum by (queue) (<<.Series>>{<<.LabelMatchers>>})",
                        &rule),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("grouping other than by (<<.GroupBy>>)")));
}

// --- metric selectors --------------------------------------------------------

TEST(SelectorMatchersTest, BuildsTheAdaptersMatchers) {
  hpa::LabelSelector sel;
  sel.match_labels = {{"queue", "jobs"}};
  sel.match_expressions = {
      {"tier", "In", {"gold", "bronze", "gold"}},
      {"region", "NotIn", {"eu"}},
      {"topic", "Exists", {}},
      {"canary", "DoesNotExist", {}},
  };
  ASSERT_OK_AND_ASSIGN(std::vector<LabelMatcher> m, SelectorMatchers(sel));
  std::vector<std::string> text;
  for (const LabelMatcher& x : m) text.push_back(x.ToString());
  EXPECT_THAT(text, ::testing::ElementsAre(
                        "queue=\"jobs\"", "tier=~\"bronze|gold\"",
                        "region!~\"eu\"", "topic!=\"\"", "canary=\"\""));
  const Labels hit = {{"queue", "jobs"}, {"tier", "gold"}, {"topic", "t"}};
  for (const LabelMatcher& x : m) {
    EXPECT_TRUE(x.Matches("q", hit)) << x.ToString();
  }
  EXPECT_FALSE(m[1].Matches("q", {{"tier", "silver"}}));
  EXPECT_FALSE(m[2].Matches("q", {{"region", "eu"}}));
  EXPECT_FALSE(m[3].Matches("q", {}));
  EXPECT_FALSE(m[4].Matches("q", {{"canary", "yes"}}));

  ASSERT_OK_AND_ASSIGN(std::vector<LabelMatcher> none,
                       SelectorMatchers(hpa::LabelSelector()));
  EXPECT_TRUE(none.empty());
}

struct SelectorErrorCase {
  std::string name;
  hpa::LabelSelector selector;
  std::string message;
  friend void PrintTo(const SelectorErrorCase& c, std::ostream* os) {
    *os << c.name;
  }
};
class SelectorMatchersErrorTest
    : public ::testing::TestWithParam<SelectorErrorCase> {};
TEST_P(SelectorMatchersErrorTest, Rejects) {
  EXPECT_THAT(SelectorMatchers(GetParam().selector),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(GetParam().message)));
}
INSTANTIATE_TEST_SUITE_P(
    Errors, SelectorMatchersErrorTest,
    ::testing::ValuesIn(std::vector<SelectorErrorCase>{
        {"kubernetes_key",
         hpa::LabelSelector{{{"app.kubernetes.io/name", "x"}}, {}},
         "key \"app.kubernetes.io/name\" is not a valid Prometheus label name"},
        {"in_without_values", hpa::LabelSelector{{}, {{"a", "In", {}}}},
         "values must not be empty for the In and NotIn operators"},
        {"exists_with_values", hpa::LabelSelector{{}, {{"a", "Exists", {"x"}}}},
         "values must be empty for the Exists and DoesNotExist operators"},
        {"unknown_operator", hpa::LabelSelector{{}, {{"a", "Gt", {"1"}}}},
         "\"Gt\" is not a valid label selector operator"},
        {"bad_regex", hpa::LabelSelector{{}, {{"a", "In", {"("}}}},
         "invalid regular expression"},
    }),
    [](const ::testing::TestParamInfo<SelectorErrorCase>& info) {
      return info.param.name;
    });

// --- External values ---------------------------------------------------------

class AdapterExternalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(MetricAdapter a,
                         MetricAdapter::FromConfig(kExternalConfig));
    adapter_ = std::make_unique<MetricAdapter>(std::move(a));
    adapter_->RegisterWindows(&store_);
    // queue_depth: jobs has two shards in ml (7 + 4) and one in another
    // namespace (100); mail has 5; "old" stopped 6 minutes ago (stale); a
    // series without the queue label is not the rule's (seriesQuery).
    Queue({{"namespace", "ml"}, {"queue", "jobs"}, {"shard", "0"}}, 7);
    Queue({{"namespace", "ml"}, {"queue", "jobs"}, {"shard", "1"}}, 4);
    Queue({{"namespace", "other"}, {"queue", "jobs"}, {"shard", "0"}}, 100);
    Queue({{"namespace", "ml"}, {"queue", "mail"}}, 5);
    ASSERT_EQ(store_.Append("queue_depth",
                            {{"namespace", "ml"}, {"queue", "old"}},
                            kAdapterT0 - absl::Minutes(6), 50),
              AppendResult::kOk);
    Queue({{"namespace", "ml"}}, 1000);
  }
  void Queue(const Labels& labels, double v) {
    ASSERT_EQ(store_.Append("queue_depth", labels, kAdapterT0, v), AppendResult::kOk);
  }
  MetricObservation External(const std::string& metric,
                             const hpa::LabelSelector& selector,
                             const std::string& ns = "ml") {
    MetricObservation m;
    m.metric = metric;
    adapter_->FillExternal(store_, kAdapterT0, ns, selector, &m);
    return m;
  }
  static hpa::LabelSelector Match(const std::string& k, const std::string& v) {
    hpa::LabelSelector s;
    s.match_labels[k] = v;
    return s;
  }
  SeriesStore store_;
  std::unique_ptr<MetricAdapter> adapter_;
};

TEST_F(AdapterExternalTest, SumsTheSelectedSeriesPerGroup) {
  // sum(queue_depth{queue="jobs",namespace="ml"}) by (queue): one item.
  MetricObservation jobs = External("queue_depth", Match("queue", "jobs"));
  ASSERT_OK(jobs.error);
  EXPECT_THAT(jobs.external_values_milli, ::testing::ElementsAre(11'000));

  // No selector: one item per queue, in label order; the stale queue and
  // the other namespace's shard are not returned.
  MetricObservation all = External("queue_depth", hpa::LabelSelector());
  ASSERT_OK(all.error);
  EXPECT_THAT(all.external_values_milli,
              ::testing::ElementsAre(11'000, 5'000));

  // In selects several queues (a regex, as the adapter builds it).
  hpa::LabelSelector in;
  in.match_expressions = {{"queue", "In", {"mail", "jobs"}}};
  EXPECT_THAT(External("queue_depth", in).external_values_milli,
              ::testing::ElementsAre(11'000, 5'000));
  hpa::LabelSelector not_in;
  not_in.match_expressions = {{"queue", "NotIn", {"jobs"}}};
  EXPECT_THAT(External("queue_depth", not_in).external_values_milli,
              ::testing::ElementsAre(5'000));

  // The HPA's namespace decides which shards count.
  EXPECT_THAT(External("queue_depth", Match("queue", "jobs"), "other")
                  .external_values_milli,
              ::testing::ElementsAre(100'000));

  EXPECT_THAT(adapter_->ExternalMetricNames(store_),
              ::testing::ElementsAre("queue_depth"));
}

TEST_F(AdapterExternalTest, PerSeriesRulesReturnEverySeries) {
  ASSERT_OK_AND_ASSIGN(
      MetricAdapter per_series,
      MetricAdapter::FromConfig(
          "externalRules:\n- seriesQuery: 'queue_depth{queue!=\"\"}'\n"
          "  resources: {namespaced: false}\n"
          "  metricsQuery: '<<.Series>>{<<.LabelMatchers>>}'\n"));
  MetricObservation m;
  m.metric = "queue_depth";
  per_series.FillExternal(store_, kAdapterT0, "ml", Match("queue", "jobs"), &m);
  ASSERT_OK(m.error);
  // Not namespaced: all three jobs shards, one item each.
  EXPECT_THAT(m.external_values_milli,
              ::testing::UnorderedElementsAre(7'000, 4'000, 100'000));
}

TEST_F(AdapterExternalTest, NamespacedFalseAndRenamedSeries) {
  // broker_<topic>_lag, max over 2m per series, then averaged.
  for (int i = 0; i <= 4; ++i) {
    const absl::Time t = kAdapterT0 - absl::Seconds(120 - 30 * i);
    ASSERT_EQ(store_.Append("broker_orders_lag",
                            {{"namespace", "kafka"}, {"topic", "a"}}, t,
                            10.0 * i),
              AppendResult::kOk);  // max 40
    ASSERT_EQ(store_.Append("broker_orders_lag",
                            {{"namespace", "kafka"}, {"topic", "b"}}, t, 20),
              AppendResult::kOk);  // max 20
  }
  // No topic label: the extra matcher topic!="" drops it.
  ASSERT_EQ(store_.Append("broker_orders_lag", {{"namespace", "kafka"}}, kAdapterT0,
                          1000),
            AppendResult::kOk);
  MetricObservation m = External("orders_lag", hpa::LabelSelector(), "ml");
  ASSERT_OK(m.error);
  EXPECT_THAT(m.external_values_milli, ::testing::ElementsAre(30'000));
  EXPECT_THAT(adapter_->ExternalMetricNames(store_),
              ::testing::ElementsAre("orders_lag", "queue_depth"));
}

TEST_F(AdapterExternalTest, MissingMetricsFailAndEmptyListsStayEmpty) {
  // No series exposes the name: the adapter's "metric not found".
  MetricObservation unknown = External("queue_length", hpa::LabelSelector());
  EXPECT_THAT(unknown.error,
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("no series for external metric "
                                 "queue_length")));
  EXPECT_TRUE(unknown.external_values_milli.empty());

  // The metric exists, but the selector leaves nothing (or only a stale
  // series): an empty list, no error, as the external metrics API answers.
  MetricObservation none = External("queue_depth", Match("queue", "nope"));
  EXPECT_OK(none.error);
  EXPECT_TRUE(none.external_values_milli.empty());
  MetricObservation stale = External("queue_depth", Match("queue", "old"));
  EXPECT_OK(stale.error);
  EXPECT_TRUE(stale.external_values_milli.empty());
  // ... which the engine's fetch check turns into Kubernetes' error.
  EXPECT_THAT(hpa::CheckExternalMetricsReturned(
                  "queue_depth", stale.external_values_milli.size()),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("unable to get external metric queue_depth: "
                                 "no metrics returned from external metrics "
                                 "API")));

  // A selector the adapter cannot turn into PromQL fails the metric.
  MetricObservation bad = External("queue_depth", Match("app/name", "x"));
  EXPECT_THAT(bad.error, StatusIs(absl::StatusCode::kInvalidArgument,
                                  HasSubstr("metric selector: key")));
}

TEST_F(AdapterExternalTest, InvalidValuesMarkTheMetricInvalid) {
  Queue({{"namespace", "ml"}, {"queue", "neg"}}, -3);
  MetricObservation m = External("queue_depth", Match("queue", "neg"));
  EXPECT_THAT(m.error, StatusIs(absl::StatusCode::kInvalidArgument,
                                HasSubstr("invalid external value")));
  EXPECT_TRUE(m.external_values_milli.empty());
}

TEST(AdapterExternalRuleOrderTest, TheLastRuleExposingANameAnswers) {
  SeriesStore store;
  ASSERT_EQ(store.Append("jobs_waiting", {{"queue", "a"}}, kAdapterT0, 3),
            AppendResult::kOk);
  ASSERT_EQ(store.Append("jobs_waiting", {{"queue", "b"}}, kAdapterT0, 4),
            AppendResult::kOk);
  ASSERT_OK_AND_ASSIGN(
      MetricAdapter a,
      MetricAdapter::FromConfig(
          "externalRules:\n"
          "- seriesQuery: jobs_waiting\n  resources: {namespaced: false}\n"
          "  metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>})'\n"
          "- seriesQuery: jobs_waiting\n  resources: {namespaced: false}\n"
          "  metricsQuery: 'max(<<.Series>>{<<.LabelMatchers>>})'\n"));
  MetricObservation m;
  m.metric = "jobs_waiting";
  a.FillExternal(store, kAdapterT0, "ml", hpa::LabelSelector(), &m);
  ASSERT_OK(m.error);
  EXPECT_THAT(m.external_values_milli, ::testing::ElementsAre(4'000));
}

// --- Object values -----------------------------------------------------------

class AdapterObjectTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(MetricAdapter a,
                         MetricAdapter::FromConfig(kExternalConfig));
    adapter_ = std::make_unique<MetricAdapter>(std::move(a));
    // service web in ml: two handlers (summed by the rule's
    // sum(...) by (<<.GroupBy>>)); web in another namespace; api in ml.
    Rps({{"handler", "a"}, {"namespace", "ml"}, {"service", "web"}}, 20);
    Rps({{"handler", "b"}, {"namespace", "ml"}, {"service", "web"}}, 10);
    Rps({{"namespace", "other"}, {"service", "web"}}, 99);
    Rps({{"namespace", "ml"}, {"service", "api"}}, 7);
    Rps({{"deployment", "agents"}, {"namespace", "ml"}, {"service", "x"}}, 42);
  }
  void Rps(const Labels& labels, double v) {
    ASSERT_EQ(store_.Append("http_requests_per_second", labels, kAdapterT0, v),
              AppendResult::kOk);
  }
  MetricObservation Object(const std::string& api_version,
                           const std::string& kind, const std::string& name,
                           const hpa::LabelSelector& selector = {}) {
    MetricObservation m;
    m.metric = "http_requests_per_second";
    adapter_->FillObject(store_, kAdapterT0, "ml",
                         hpa::ObjectReference{api_version, kind, name},
                         selector, &m);
    return m;
  }
  SeriesStore store_;
  std::unique_ptr<MetricAdapter> adapter_;
};

TEST_F(AdapterObjectTest, TheDescribedObjectsSeries) {
  MetricObservation web = Object("v1", "Service", "web");
  ASSERT_OK(web.error);
  EXPECT_EQ(web.object_value_milli, 30'000);
  EXPECT_TRUE(web.pod_samples.empty());
  EXPECT_EQ(Object("v1", "Service", "api").object_value_milli, 7'000);

  // The metric selector narrows the series: only handler a.
  hpa::LabelSelector handler_a;
  handler_a.match_labels["handler"] = "a";
  EXPECT_EQ(Object("v1", "Service", "web", handler_a).object_value_milli,
            20'000);

  // deployments.apps: the kind's plural, in the rule's group.
  EXPECT_EQ(Object("apps/v1", "Deployment", "agents").object_value_milli,
            42'000);
}

TEST_F(AdapterObjectTest, FailuresNameTheObject) {
  EXPECT_THAT(Object("v1", "Service", "missing").error,
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("could not find the metric "
                                 "http_requests_per_second for services "
                                 "missing")));
  // A kind no rule maps, and the right kind in the wrong API group.
  EXPECT_THAT(Object("networking.k8s.io/v1", "Ingress", "main").error,
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("no adapter rule maps a label to ingresses")));
  EXPECT_THAT(Object("extensions/v1beta1", "Deployment", "agents").error,
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("no adapter rule maps a label to "
                                 "deployments")));
  // A selector that filters everything out: no value for the object.
  hpa::LabelSelector none;
  none.match_labels["handler"] = "zzz";
  MetricObservation filtered = Object("v1", "Service", "web", none);
  EXPECT_THAT(filtered.error, StatusIs(absl::StatusCode::kNotFound));
  EXPECT_FALSE(filtered.object_value_milli.has_value());
}

TEST(AdapterObjectRulesTest, SeveralSeriesNeedAnAggregation) {
  SeriesStore store;
  for (const char* h : {"a", "b"}) {
    ASSERT_EQ(store.Append("rps", {{"handler", h}, {"service", "web"}}, kAdapterT0, 1),
              AppendResult::kOk);
  }
  ASSERT_OK_AND_ASSIGN(
      MetricAdapter a,
      MetricAdapter::FromConfig(
          "rules:\n- seriesQuery: rps\n"
          "  resources: {overrides: {service: {resource: services}}}\n"
          "  metricsQuery: '<<.Series>>{<<.LabelMatchers>>}'\n"));
  MetricObservation m;
  m.metric = "rps";
  a.FillObject(store, kAdapterT0, "ml", hpa::ObjectReference{"v1", "Service", "web"},
               {}, &m);
  EXPECT_THAT(m.error, StatusIs(absl::StatusCode::kFailedPrecondition,
                                HasSubstr("Service web has several series")));
  // An Object-only rule serves no Pods metric.
  MetricObservation pods;
  pods.metric = "rps";
  a.Fill(store, kAdapterT0, {hpa::Pod::Ready("web")}, "ml", &pods);
  EXPECT_THAT(pods.error, StatusIs(absl::StatusCode::kNotFound));
}

TEST(AdapterObjectRulesTest, TemplateRulesServeAnyKind) {
  SeriesStore store;
  ASSERT_EQ(store.Append("nginx_requests",
                         {{"ingress", "main"}, {"namespace", "ml"}}, kAdapterT0, 12),
            AppendResult::kOk);
  ASSERT_EQ(store.Append("nginx_requests",
                         {{"ingress", "main"}, {"namespace", "qa"}}, kAdapterT0, 50),
            AppendResult::kOk);
  ASSERT_OK_AND_ASSIGN(
      MetricAdapter a,
      MetricAdapter::FromConfig(
          "rules:\n- seriesQuery: 'nginx_requests{ingress!=\"\"}'\n"
          "  resources: {template: \"<<.Resource>>\"}\n"
          "  metricsQuery: '<<.Series>>{<<.LabelMatchers>>}'\n"));
  MetricObservation m;
  m.metric = "nginx_requests";
  a.FillObject(store, kAdapterT0, "ml",
               hpa::ObjectReference{"networking.k8s.io/v1", "Ingress", "main"},
               {}, &m);
  ASSERT_OK(m.error);
  EXPECT_EQ(m.object_value_milli, 12'000);
  // Kind Namespace: the HPA's namespace, by the namespace label.
  MetricObservation ns;
  ns.metric = "nginx_requests";
  a.FillObject(store, kAdapterT0, "qa",
               hpa::ObjectReference{"v1", "Namespace", "ignored"}, {}, &ns);
  ASSERT_OK(ns.error);
  EXPECT_EQ(ns.object_value_milli, 50'000);
}

TEST(AdapterPodsSelectorTest, FillPodsAppliesTheMetricSelector) {
  SeriesStore store;
  for (const char* pod : {"agent-0", "agent-1"}) {
    ASSERT_EQ(store.Append("app_active_task_count",
                           {{"kind", "batch"}, {"namespace", "ml"},
                            {"pod", pod}},
                           kAdapterT0, 10),
              AppendResult::kOk);
  }
  ASSERT_EQ(store.Append("app_active_task_count",
                         {{"kind", "chat"}, {"namespace", "ml"},
                          {"pod", "agent-2"}},
                         kAdapterT0, 90),
            AppendResult::kOk);
  ASSERT_OK_AND_ASSIGN(MetricAdapter a, MetricAdapter::FromConfig(kSeedConfig));
  const std::vector<hpa::Pod> pods = {hpa::Pod::Ready("agent-0"),
                                      hpa::Pod::Ready("agent-1"),
                                      hpa::Pod::Ready("agent-2")};
  hpa::LabelSelector chat;
  chat.match_labels["kind"] = "chat";
  MetricObservation m;
  m.metric = "app_active_task_count";
  a.FillPods(store, kAdapterT0, pods, "ml", chat, &m);
  ASSERT_OK(m.error);
  ASSERT_EQ(m.pod_samples.size(), 1u);
  EXPECT_EQ(m.pod_samples[0].pod, "agent-2");
  // A selector matching nothing: no samples and no error, so the engine's
  // "no metrics returned from custom metrics API" applies.
  hpa::LabelSelector none;
  none.match_labels["kind"] = "none";
  MetricObservation empty;
  empty.metric = "app_active_task_count";
  a.FillPods(store, kAdapterT0, pods, "ml", none, &empty);
  EXPECT_OK(empty.error);
  EXPECT_TRUE(empty.pod_samples.empty());
}

// --- end to end: an HPA spec with External, Object and Pods metrics ----------

// Pods, Object and External metrics from one adapter configuration.
constexpr char kAllKindsConfig[] = R"(rules:
- seriesQuery: 'app_active_task_count{namespace!="",pod!=""}'
  resources: {template: "<<.Resource>>"}
  metricsQuery: 'avg_over_time(<<.Series>>{<<.LabelMatchers>>}[1m])'
- seriesQuery: 'http_requests_per_second{namespace!="",service!=""}'
  resources:
    overrides:
      namespace: {resource: namespace}
      service: {resource: service}
  metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by (<<.GroupBy>>)'
externalRules:
- seriesQuery: 'queue_depth{namespace!="",queue!=""}'
  resources:
    overrides:
      namespace: {resource: namespace}
  metricsQuery: 'sum(<<.Series>>{<<.LabelMatchers>>}) by (queue)'
)";

TEST(AdapterTest, DrivesExternalAndObjectMetricsThroughTheEngine) {
  SeriesStore store;
  ASSERT_OK_AND_ASSIGN(MetricAdapter adapter,
                       MetricAdapter::FromConfig(kAllKindsConfig));
  adapter.RegisterWindows(&store);
  const std::vector<std::string> pods = {"agent-0", "agent-1", "agent-2"};
  // queue_depth{queue="jobs"} totals 55 over two shards; another queue has
  // 500, which the HPA's selector keeps out.
  for (const auto& [shard, v] :
       std::vector<std::pair<std::string, double>>{{"0", 30}, {"1", 25}}) {
    ASSERT_EQ(store.Append("queue_depth",
                           {{"namespace", "ml"}, {"queue", "jobs"},
                            {"shard", shard}},
                           kAdapterT0, v),
              AppendResult::kOk);
  }
  ASSERT_EQ(store.Append("queue_depth", {{"namespace", "ml"}, {"queue", "bulk"}},
                         kAdapterT0, 500),
            AppendResult::kOk);
  ASSERT_EQ(store.Append("http_requests_per_second",
                         {{"namespace", "ml"}, {"service", "gateway"}}, kAdapterT0,
                         150),
            AppendResult::kOk);
  for (const std::string& pod : pods) {
    ASSERT_EQ(store.Append("app_active_task_count",
                           {{"namespace", "ml"}, {"pod", pod}},
                           kAdapterT0 - absl::Seconds(30), 35),
              AppendResult::kOk);
  }

  hpa::AutoscalerSpec spec;
  spec.name = "agents";
  spec.namespace_name = "ml";
  spec.scale_target_ref = {"apps/v1", "Deployment", "agents"};
  spec.min_replicas = 1;
  spec.max_replicas = 20;
  spec.behavior = hpa::DefaultBehavior();
  hpa::MetricSpec queue = hpa::MetricSpec::ExternalAverageValue("queue_depth",
                                                                10'000);
  queue.selector.match_labels["queue"] = "jobs";
  spec.metrics.push_back(queue);
  spec.metrics.push_back(hpa::MetricSpec::ObjectValue(
      {"v1", "Service", "gateway"}, "http_requests_per_second", 100'000));
  spec.metrics.push_back(
      hpa::MetricSpec::PodsAverageValue("app_active_task_count", 70'000));

  Observation obs;
  obs.current_replicas = 3;
  for (const std::string& pod : pods) obs.pods.push_back(hpa::Pod::Ready(pod));
  adapter.FillObservationForSpec(store, kAdapterT0, spec, &obs);
  ASSERT_EQ(obs.metrics.size(), 3u);
  EXPECT_THAT(obs.metrics[0].external_values_milli,
              ::testing::ElementsAre(55'000));
  EXPECT_EQ(obs.metrics[1].object_value_milli, 150'000);
  ASSERT_EQ(obs.metrics[2].pod_samples.size(), 3u);
  EXPECT_EQ(obs.metrics[2].pod_samples[0].value_milli, 35'000);

  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler hpa,
                       HorizontalAutoscaler::Create(spec));
  ASSERT_OK_AND_ASSIGN(Decision d, hpa.Evaluate(kAdapterT0, obs));
  ASSERT_EQ(d.metrics.size(), 3u);
  // External AverageValue: ceil(55 / 10) = 6 (ratio 55 / (10 * 3) = 1.83).
  EXPECT_TRUE(d.metrics[0].valid) << d.Explain();
  EXPECT_EQ(d.metrics[0].proposal, 6) << d.Explain();
  EXPECT_EQ(d.metrics[0].value_milli, 18'334);  // per pod, rounded up
  // Object Value: ratio 150 / 100 = 1.5 over 3 ready pods -> 5.
  EXPECT_EQ(d.metrics[1].proposal, 5) << d.Explain();
  // Pods: 35 against 70 -> 2.
  EXPECT_EQ(d.metrics[2].proposal, 2) << d.Explain();
  EXPECT_EQ(d.winning_metric, 0);
  EXPECT_EQ(d.desired_replicas, 6) << d.Explain();

  // The queue's series go away (filtered by a selector that matches none):
  // the adapter returns an empty list, and the engine fails the External
  // metric with Kubernetes' message instead of reading zero.
  hpa::AutoscalerSpec gone = spec;
  gone.metrics[0].selector.match_labels["queue"] = "deleted";
  Observation obs2 = obs;  // refilled in place
  adapter.FillObservationForSpec(store, kAdapterT0, gone, &obs2);
  ASSERT_EQ(obs2.metrics.size(), 3u);
  EXPECT_TRUE(obs2.metrics[0].external_values_milli.empty());
  EXPECT_OK(obs2.metrics[0].error);
  EXPECT_EQ(obs2.metrics[2].pod_samples.size(), 3u);
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler hpa2,
                       HorizontalAutoscaler::Create(gone));
  ASSERT_OK_AND_ASSIGN(Decision failed, hpa2.Evaluate(kAdapterT0, obs2));
  EXPECT_FALSE(failed.metrics[0].valid);
  EXPECT_THAT(failed.metrics[0].error,
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("no metrics returned from external metrics "
                                 "API")));
  EXPECT_EQ(failed.metrics[0].failure_reason,
            hpa::Reason::kFailedGetExternalMetric);
  // The Object metric still scales up (a failed metric never blocks that).
  EXPECT_EQ(failed.desired_replicas, 5) << failed.Explain();
}

TEST(AdapterTest, FillObservationForSpecUsesTheEnginesMatching) {
  SeriesStore store;
  ASSERT_EQ(store.Append("queue_depth", {{"namespace", "ml"}, {"queue", "a"}},
                         kAdapterT0, 8),
            AppendResult::kOk);
  ASSERT_EQ(store.Append("queue_depth", {{"namespace", "ml"}, {"queue", "b"}},
                         kAdapterT0, 2),
            AppendResult::kOk);
  ASSERT_OK_AND_ASSIGN(MetricAdapter adapter,
                       MetricAdapter::FromConfig(kExternalConfig));
  // Two External metrics of one name with different selectors, behind a
  // CPU metric the caller fills.
  hpa::AutoscalerSpec spec;
  spec.namespace_name = "ml";
  spec.metrics.push_back(hpa::MetricSpec::ResourceUtilization("cpu", 50));
  hpa::MetricSpec a = hpa::MetricSpec::ExternalValue("queue_depth", 1'000);
  a.selector.match_labels["queue"] = "a";
  hpa::MetricSpec b = a;
  b.selector.match_labels["queue"] = "b";
  spec.metrics.push_back(a);
  spec.metrics.push_back(b);

  Observation obs;
  MetricObservation& cpu = obs.AddMetric("cpu");
  cpu.pod_samples.push_back({"agent-0", 100, kAdapterT0, absl::Minutes(1)});
  // A stale value from an earlier sync is replaced, not appended to.
  obs.AddMetric("queue_depth").external_values_milli = {999'000};
  adapter.FillObservationForSpec(store, kAdapterT0, spec, &obs);
  ASSERT_EQ(obs.metrics.size(), 3u);
  EXPECT_EQ(obs.metrics[0].metric, "cpu");
  EXPECT_EQ(obs.metrics[0].pod_samples.size(), 1u);  // left alone
  EXPECT_THAT(obs.metrics[1].external_values_milli,
              ::testing::ElementsAre(8'000));
  EXPECT_THAT(obs.metrics[2].external_values_milli,
              ::testing::ElementsAre(2'000));
}

}  // namespace
}  // namespace agentscale::metrics
