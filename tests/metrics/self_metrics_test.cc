// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The engine's own metrics: what Record() renders for decisions of the seed
// manifest (checked by parsing the output with agentscale's exposition
// parser), and the alert rules file (the committed examples/alerts.yml is
// the generator's output; promtool accepts it when installed).

#include "agentscale/drivers/self_metrics.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agentscale/config/alert_rules.h"
#include "agentscale/config/lint.h"
#include "agentscale/config/manifest.h"
#include "agentscale/hpa/autoscaler.h"
#include "agentscale/metrics/exposition.h"
#include "agentscale/sim/summary.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace agentscale::metrics {
namespace {

using ::testing::HasSubstr;

const absl::Time kSelfMetricsT0 = absl::FromUnixSeconds(1'700'000'000);

std::string SelfMetricsSourceDir() {
  const char* dir = std::getenv("AGENTSCALE_SOURCE_DIR");
  return dir != nullptr ? dir : ".";
}

hpa::AutoscalerSpec SeedSpec(bool zero_windows) {
  absl::StatusOr<hpa::AutoscalerSpec> spec =
      config::LoadSingleAutoscaler(SelfMetricsSourceDir() + "/examples/hpa.yaml");
  EXPECT_OK(spec.status());
  if (zero_windows) {
    spec->behavior->scale_up.stabilization_window = absl::ZeroDuration();
    spec->behavior->scale_down.stabilization_window = absl::ZeroDuration();
  }
  return *spec;
}

// Every sample of a rendering, as "name{labels}" -> value (labels in the
// order written).
std::map<std::string, double> Samples(const std::string& text) {
  absl::StatusOr<Exposition> e = ParseExposition(text);
  EXPECT_OK(e.status());
  std::map<std::string, double> out;
  if (!e.ok()) return out;
  for (const ParsedSample& s : e->samples) {
    std::string key = s.name + "{";
    for (size_t i = 0; i < s.labels.size(); ++i) {
      absl::StrAppend(&key, i ? "," : "", s.labels[i].name, "=\"",
                      s.labels[i].value, "\"");
    }
    out[key + "}"] = s.value;
  }
  return out;
}

struct DecisionCase {
  std::string name;
  bool zero_windows;
  int32_t current;
  double tasks_per_pod;  // < 0: no values (the metric fails)
  std::string action;
  std::string reason;
  int32_t desired;
  // Both seed metrics' proposal against the current count (Kubernetes'
  // per-metric action label).
  std::string metric_action;
};

class SelfMetricsTest : public ::testing::TestWithParam<DecisionCase> {};

TEST_P(SelfMetricsTest, RendersTheDecision) {
  const DecisionCase& c = GetParam();
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler hpa,
                       HorizontalAutoscaler::Create(SeedSpec(c.zero_windows)));
  Observation obs;
  obs.current_replicas = c.current;
  MetricObservation& tasks = obs.AddMetric("app_active_task_count");
  MetricObservation& requests = obs.AddMetric("app_active_request_count");
  for (int i = 0; i < c.current; ++i) {
    const std::string pod = absl::StrCat("agent-", i);
    obs.pods.push_back(hpa::Pod::Ready(pod));
    if (c.tasks_per_pod >= 0) {
      tasks.AddPodValue(pod, c.tasks_per_pod, kSelfMetricsT0);
      requests.AddPodValue(pod, c.tasks_per_pod / 2, kSelfMetricsT0);
    }
  }
  ASSERT_OK_AND_ASSIGN(Decision d, hpa.Evaluate(kSelfMetricsT0, obs));
  EXPECT_EQ(d.desired_replicas, c.desired) << d.Explain();
  EXPECT_EQ(DecisionAction(d), c.action) << d.Explain();
  EXPECT_EQ(DecisionReason(d), c.reason) << d.Explain();

  SelfMetrics self;
  self.Record(d, absl::Milliseconds(3));
  const std::string text = self.Render();
  std::map<std::string, double> s = Samples(text);
  const std::string hpa_labels =
      "horizontalpodautoscaler=\"agent-hpa\",namespace=\"default\"";
  const std::string outcome =
      absl::StrCat("action=\"", c.action, "\",error=\"",
                   c.tasks_per_pod < 0 ? "internal" : "none", "\"");
  EXPECT_EQ(s[absl::StrCat(
                "horizontal_pod_autoscaler_controller_reconciliations_total{",
                outcome, "}")],
            1)
      << text;
  const std::string duration =
      "horizontal_pod_autoscaler_controller_reconciliation_duration_seconds";
  // 3 ms: above the 0.002 bucket, inside the 0.004 one.
  EXPECT_EQ(s[absl::StrCat(duration, "_bucket{", outcome, ",le=\"0.002\"}")],
            0);
  EXPECT_EQ(s[absl::StrCat(duration, "_bucket{", outcome, ",le=\"0.004\"}")],
            1);
  EXPECT_EQ(s[absl::StrCat(duration, "_bucket{", outcome, ",le=\"+Inf\"}")],
            1);
  EXPECT_DOUBLE_EQ(s[absl::StrCat(duration, "_sum{", outcome, "}")], 0.003);
  EXPECT_EQ(s[absl::StrCat(duration, "_count{", outcome, "}")], 1);
  EXPECT_EQ(s["kube_horizontalpodautoscaler_status_desired_replicas{" +
              hpa_labels + "}"],
            c.desired);
  EXPECT_EQ(s["kube_horizontalpodautoscaler_status_current_replicas{" +
              hpa_labels + "}"],
            c.current);
  EXPECT_EQ(s["kube_horizontalpodautoscaler_spec_min_replicas{" + hpa_labels +
              "}"],
            2);
  EXPECT_EQ(s["kube_horizontalpodautoscaler_spec_max_replicas{" + hpa_labels +
              "}"],
            10);
  // The same gauges under kube-state-metrics 1.x's names and `hpa` label,
  // which the seed's rules select.
  const std::string v1_labels = "hpa=\"agent-hpa\",namespace=\"default\"";
  EXPECT_EQ(s["kube_hpa_status_desired_replicas{" + v1_labels + "}"], c.desired) << text;
  EXPECT_EQ(s["kube_hpa_status_current_replicas{" + v1_labels + "}"], c.current);
  EXPECT_EQ(s["kube_hpa_spec_min_replicas{" + v1_labels + "}"], 2);
  EXPECT_EQ(s["kube_hpa_spec_max_replicas{" + v1_labels + "}"], 10);
  const std::string task_target =
      "{horizontalpodautoscaler=\"agent-hpa\",metric_name=\""
      "app_active_task_count\",metric_target_type=\"average\","
      "namespace=\"default\"}";
  EXPECT_EQ(s["kube_horizontalpodautoscaler_spec_target_metric" + task_target],
            70);
  const std::string status = "kube_horizontalpodautoscaler_status_target_metric";
  if (c.tasks_per_pod >= 0) {
    EXPECT_EQ(s[status + task_target], c.tasks_per_pod);
  } else {
    // Missing, never zero.
    EXPECT_THAT(text, ::testing::Not(HasSubstr(status + "{")));
  }
  EXPECT_EQ(s[absl::StrCat("agentscale_decisions_total{action=\"", c.action,
                           "\",", hpa_labels, ",reason=\"", c.reason, "\"}")],
            1)
      << text;
  EXPECT_THAT(text, HasSubstr("# TYPE " + duration + " histogram\n"));

  // Kubernetes' metric computation metrics: one observation per metric (the
  // seed has two Pods metrics). No per-metric durations were passed, so
  // each observes the evaluation's 3 ms.
  const std::string computation = absl::StrCat(
      "action=\"", c.metric_action, "\",error=\"",
      c.tasks_per_pod < 0 ? "internal" : "none", "\",metric_type=\"Pods\"");
  EXPECT_EQ(
      s[absl::StrCat(
          "horizontal_pod_autoscaler_controller_metric_computation_total{",
          computation, "}")],
      2)
      << text;
  const std::string computation_duration =
      "horizontal_pod_autoscaler_controller_metric_computation_duration_"
      "seconds";
  EXPECT_EQ(s[absl::StrCat(computation_duration, "_bucket{", computation,
                           ",le=\"0.002\"}")],
            0);
  EXPECT_EQ(s[absl::StrCat(computation_duration, "_bucket{", computation,
                           ",le=\"0.004\"}")],
            2);
  EXPECT_EQ(s[absl::StrCat(computation_duration, "_count{", computation, "}")],
            2);
  EXPECT_DOUBLE_EQ(
      s[absl::StrCat(computation_duration, "_sum{", computation, "}")], 0.006);
  EXPECT_THAT(text,
              HasSubstr("# TYPE " + computation_duration + " histogram\n"));
}

INSTANTIATE_TEST_SUITE_P(
    Decisions, SelfMetricsTest,
    ::testing::ValuesIn(std::vector<DecisionCase>{
        // Kubernetes seeds the history with the current count: the 60 s
        // scale-up window holds a fresh autoscaler.
        // (The metrics still propose a scale-up: their action says so.)
        {"SeedHoldsAFreshScaleUp", false, 3, 210, "none", "ScaleUpStabilized",
         3, "scale_up"},
        {"ScaleUpLimitedByPolicy", true, 3, 210, "scale_up", "ScaleUpLimit", 5,
         "scale_up"},
        {"ScaleDownToMin", true, 3, 10, "scale_down", "TooFewReplicas", 2,
         "scale_down"},
        {"WithinTolerance", true, 3, 70, "none", "DesiredWithinRange", 3,
         "none"},
        {"MetricsMissing", true, 3, -1, "none", "FailedGetPodsMetric", 3,
         "none"},
    }),
    [](const ::testing::TestParamInfo<DecisionCase>& info) {
      return info.param.name;
    });

TEST(SelfMetricsTest, CountsAccumulateAndErrorsAreRecorded) {
  SelfMetrics self;
  const hpa::AutoscalerSpec spec = SeedSpec(false);
  self.RecordError(spec, absl::Seconds(100));  // beyond the last bucket
  self.RecordError(spec, absl::Microseconds(10));
  std::map<std::string, double> s = Samples(self.Render());
  const std::string labels = "{action=\"none\",error=\"internal\"}";
  EXPECT_EQ(s["horizontal_pod_autoscaler_controller_reconciliations_total" +
              labels],
            2);
  const std::string duration =
      "horizontal_pod_autoscaler_controller_reconciliation_duration_seconds";
  EXPECT_EQ(s[duration +
              "_bucket{action=\"none\",error=\"internal\",le=\"0.001\"}"],
            1);
  EXPECT_EQ(s[duration +
              "_bucket{action=\"none\",error=\"internal\",le=\"16.384\"}"],
            1);
  EXPECT_EQ(s[duration +
              "_bucket{action=\"none\",error=\"internal\",le=\"+Inf\"}"],
            2);
  EXPECT_EQ(s["agentscale_decisions_total{action=\"none\","
              "horizontalpodautoscaler=\"agent-hpa\",namespace=\"default\","
              "reason=\"EvaluateError\"}"],
            2);
}

// The metrics that count for the computation metrics below.
std::map<std::string, double> ComputationSamples(const std::string& text) {
  std::map<std::string, double> out;
  for (const auto& [k, v] : Samples(text)) {
    if (k.rfind("horizontal_pod_autoscaler_controller_metric_computation", 0) ==
        0) {
      out[k] = v;
    }
  }
  return out;
}

Decision EvaluateSeed(int32_t current, double tasks_per_pod) {
  absl::StatusOr<HorizontalAutoscaler> hpa =
      HorizontalAutoscaler::Create(SeedSpec(true));
  EXPECT_OK(hpa.status());
  Observation obs;
  obs.current_replicas = current;
  MetricObservation& tasks = obs.AddMetric("app_active_task_count");
  MetricObservation& requests = obs.AddMetric("app_active_request_count");
  for (int i = 0; i < current; ++i) {
    const std::string pod = absl::StrCat("agent-", i);
    obs.pods.push_back(hpa::Pod::Ready(pod));
    tasks.AddPodValue(pod, tasks_per_pod, kSelfMetricsT0);
    requests.AddPodValue(pod, tasks_per_pod / 2, kSelfMetricsT0);
  }
  absl::StatusOr<Decision> d = hpa->Evaluate(kSelfMetricsT0, obs);
  EXPECT_OK(d.status());
  return d.ok() ? *d : Decision{};
}

TEST(SelfMetricsTest, MetricDurationsAreTheCallersMeasurements) {
  const Decision d = EvaluateSeed(3, 210);
  ASSERT_EQ(d.metrics.size(), 2u);
  SelfMetrics self;
  // tasks (spec index 0) took 20 ms to fetch, requests 0.5 ms.
  const std::vector<absl::Duration> fetch = {absl::Milliseconds(20),
                                             absl::Microseconds(500)};
  self.Record(d, absl::Milliseconds(25), fetch);
  // Only the first one's time is known: the second falls back to the
  // evaluation's 3 ms.
  self.Record(d, absl::Milliseconds(3), {absl::Milliseconds(20)});
  std::map<std::string, double> s = ComputationSamples(self.Render());
  const std::string labels =
      "action=\"scale_up\",error=\"none\",metric_type=\"Pods\"";
  const std::string name =
      "horizontal_pod_autoscaler_controller_metric_computation_duration_"
      "seconds";
  auto bucket = [&](const std::string& le) {
    return s[absl::StrCat(name, "_bucket{", labels, ",le=\"", le, "\"}")];
  };
  EXPECT_EQ(bucket("0.001"), 1);   // 0.5 ms
  EXPECT_EQ(bucket("0.002"), 1);
  EXPECT_EQ(bucket("0.004"), 2);   // + the 3 ms fallback
  EXPECT_EQ(bucket("0.016"), 2);
  EXPECT_EQ(bucket("0.032"), 4);   // + 20 ms twice
  EXPECT_EQ(bucket("16.384"), 4);  // Kubernetes' last bound: 0.001 * 2^14
  EXPECT_EQ(bucket("+Inf"), 4);
  EXPECT_DOUBLE_EQ(s[absl::StrCat(name, "_sum{", labels, "}")], 0.0435);
  EXPECT_EQ(s[absl::StrCat(name, "_count{", labels, "}")], 4);
  EXPECT_EQ(s[absl::StrCat(
                "horizontal_pod_autoscaler_controller_metric_computation_"
                "total{",
                labels, "}")],
            4);
  // Exactly Kubernetes' 15 bounds plus +Inf per label set, and one counter.
  int buckets = 0;
  for (const auto& [k, v] : s) {
    buckets += k.rfind(name + "_bucket{", 0) == 0;
  }
  EXPECT_EQ(buckets, 16);
  EXPECT_EQ(s.size(), 16u + 2u + 1u);
}

TEST(SelfMetricsTest, NoMetricComputationOnPathsThatComputeNone) {
  // One pod against minReplicas 2: Kubernetes goes straight to min without
  // computing a metric, and observes none.
  const Decision d = EvaluateSeed(1, 210);
  EXPECT_EQ(d.path, DecisionPath::kBelowMin);
  SelfMetrics self;
  self.Record(d, absl::Milliseconds(1));
  const std::string text = self.Render();
  EXPECT_THAT(ComputationSamples(text), ::testing::IsEmpty()) << text;
  EXPECT_EQ(Samples(text)["horizontal_pod_autoscaler_controller_"
                          "reconciliations_total{action=\"scale_up\","
                          "error=\"none\"}"],
            1)
      << text;
}

TEST(SelfMetricsTest, AnUnknownMetricTypeIsASpecError) {
  // Kubernetes' errSpec: a metric source type the controller does not know
  // (only an unvalidated object can carry one). metric_type is the type as
  // written.
  hpa::AutoscalerSpec spec = SeedSpec(true);
  hpa::MetricSpec unknown;
  unknown.type = hpa::MetricSourceType::kUnknown;
  unknown.name = "Custom";
  spec.metrics.push_back(unknown);
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler hpa,
                       HorizontalAutoscaler::CreateUnvalidated(spec));
  Observation obs;
  obs.current_replicas = 3;
  MetricObservation& tasks = obs.AddMetric("app_active_task_count");
  MetricObservation& requests = obs.AddMetric("app_active_request_count");
  for (int i = 0; i < 3; ++i) {
    const std::string pod = absl::StrCat("agent-", i);
    obs.pods.push_back(hpa::Pod::Ready(pod));
    tasks.AddPodValue(pod, 70, kSelfMetricsT0);
    requests.AddPodValue(pod, 50, kSelfMetricsT0);
  }
  ASSERT_OK_AND_ASSIGN(Decision d, hpa.Evaluate(kSelfMetricsT0, obs));
  ASSERT_EQ(d.metrics.size(), 3u) << d.Explain();
  SelfMetrics self;
  self.Record(d, absl::Milliseconds(1));
  std::map<std::string, double> s = ComputationSamples(self.Render());
  const std::string total =
      "horizontal_pod_autoscaler_controller_metric_computation_total";
  EXPECT_EQ(s[total + "{action=\"none\",error=\"spec\",metric_type=\"Custom\"}"],
            1);
  EXPECT_EQ(s[total + "{action=\"none\",error=\"none\",metric_type=\"Pods\"}"],
            2);
}

TEST(AlertRulesTest, ExamplesFileIsTheGeneratorsOutput) {
  std::ifstream in(SelfMetricsSourceDir() + "/examples/alerts.yml", std::ios::binary);
  ASSERT_TRUE(in) << "examples/alerts.yml is missing";
  std::stringstream buf;
  buf << in.rdbuf();
  EXPECT_EQ(buf.str(), AlertRulesYaml())
      << "regenerate examples/alerts.yml: it must equal AlertRulesYaml()";
  const std::string yaml = AlertRulesYaml();
  EXPECT_THAT(yaml, HasSubstr("alert: AgentScalingTooFrequent"));
  EXPECT_THAT(yaml,
              HasSubstr("expr: changes(kube_horizontalpodautoscaler_status_desired_"
                        "replicas[5m]) > 3\n        for: 2m"));
  EXPECT_THAT(yaml, HasSubstr("alert: AgentMaxReplicasReached"));
  EXPECT_THAT(yaml, HasSubstr("for: 5m"));
}

// The generated AgentScalingTooFrequent is the seed's rule as lint corrects
// it and as the run summary evaluates it, and lint finds nothing in the file;
// AgentMaxReplicasReached stays the seed's, critical.
TEST(AlertRulesTest, TheRulesAreWhatLintAndTheSummaryMean) {
  const std::string desired = "kube_horizontalpodautoscaler_status_desired_replicas";
  ASSERT_OK_AND_ASSIGN(config::PrometheusRuleFile rules,
                       config::LoadPrometheusRulesString(AlertRulesYaml(), "alerts.yml"));
  ASSERT_EQ(rules.rules.size(), 2u);
  const config::PrometheusRule& frequent = rules.rules[0];
  EXPECT_EQ(frequent.alert, "AgentScalingTooFrequent");
  EXPECT_EQ(frequent.expr, sim::ScalingTooFrequentChangesExpr(desired));
  EXPECT_EQ(frequent.expr, config::CountChangesInstead(sim::ScalingTooFrequentExpr(desired)));
  EXPECT_NE(frequent.expr, sim::ScalingTooFrequentExpr(desired));
  const config::PrometheusRule& at_max = rules.rules[1];
  EXPECT_EQ(at_max.alert, "AgentMaxReplicasReached");
  EXPECT_EQ(at_max.expr,
            "kube_horizontalpodautoscaler_status_current_replicas == on(namespace, "
            "horizontalpodautoscaler) kube_horizontalpodautoscaler_spec_max_replicas");
  EXPECT_THAT(AlertRulesYaml(), HasSubstr("for: 5m\n        labels:\n          severity: critical"));
  EXPECT_THAT(config::LintPrometheusRules(rules), ::testing::IsEmpty());

  // Over kube-state-metrics 1.x's names (the seed's) and its `hpa` label.
  const std::string v1 = AlertRulesYaml(KubeStateMetricsNames::kV1);
  ASSERT_OK_AND_ASSIGN(config::PrometheusRuleFile v1_rules,
                       config::LoadPrometheusRulesString(v1, "alerts-v1.yml"));
  ASSERT_EQ(v1_rules.rules.size(), 2u);
  EXPECT_EQ(v1_rules.rules[0].expr, "changes(kube_hpa_status_desired_replicas[5m]) > 3");
  EXPECT_EQ(v1_rules.rules[1].expr,
            "kube_hpa_status_current_replicas == on(namespace, hpa) kube_hpa_spec_max_replicas");
  EXPECT_THAT(v1, HasSubstr("{{ $labels.hpa }}"));
  EXPECT_THAT(v1, ::testing::Not(HasSubstr("horizontalpodautoscaler")));
  EXPECT_THAT(config::LintPrometheusRules(v1_rules), ::testing::IsEmpty());
  EXPECT_EQ(KubeStateMetricsV1Name("kube_horizontalpodautoscaler_spec_max_replicas"),
            "kube_hpa_spec_max_replicas");
  EXPECT_EQ(KubeStateMetricsV1Name("agentscale_decisions_total"), "agentscale_decisions_total");
}

TEST(AlertRulesTest, WriteAlertRulesReportsTheFile) {
  EXPECT_THAT(WriteAlertRules("/nonexistent-dir/alerts.yml"),
              agentscale_testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                           HasSubstr("/nonexistent-dir")));
}

TEST(AlertRulesTest, PromtoolAcceptsTheRules) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "promtool is not installed (Debian package prometheus); "
                    "scripts/test.sh's Prometheus stage runs this check";
  }
  const std::string path =
      ::testing::TempDir() + "/agentscale_alerts_test.yml";
  ASSERT_OK(WriteAlertRules(path));
  const std::string cmd = "promtool check rules '" + path + "' 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string output;
  char buf[512];
  while (fgets(buf, sizeof buf, p) != nullptr) output += buf;
  const int rc = pclose(p);
  std::remove(path.c_str());
  EXPECT_EQ(rc, 0) << output;
  EXPECT_THAT(output, HasSubstr("SUCCESS: 2 rules found")) << output;
}

}  // namespace
}  // namespace agentscale::metrics
