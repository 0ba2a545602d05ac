// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The engine's own metrics: what Record() renders for decisions of the seed
// manifest (checked by parsing the output with agentscale's exposition
// parser), and the alert rules file (the committed examples/alerts.yml is
// the generator's output; promtool accepts it when installed).

#include "agentscale/metrics/self_metrics.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agentscale/config/manifest.h"
#include "agentscale/engine/autoscaler.h"
#include "agentscale/metrics/exposition.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace agentscale::metrics {
namespace {

using ::testing::HasSubstr;

const absl::Time kT0 = absl::FromUnixSeconds(1'700'000'000);

std::string SourceDir() {
  const char* dir = std::getenv("AGENTSCALE_SOURCE_DIR");
  return dir != nullptr ? dir : ".";
}

hpa::AutoscalerSpec SeedSpec(bool zero_windows) {
  absl::StatusOr<hpa::AutoscalerSpec> spec =
      config::LoadSingleAutoscaler(SourceDir() + "/examples/hpa.yaml");
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
      tasks.AddPodValue(pod, c.tasks_per_pod, kT0);
      requests.AddPodValue(pod, c.tasks_per_pod / 2, kT0);
    }
  }
  ASSERT_OK_AND_ASSIGN(Decision d, hpa.Evaluate(kT0, obs));
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
}

INSTANTIATE_TEST_SUITE_P(
    Decisions, SelfMetricsTest,
    ::testing::ValuesIn(std::vector<DecisionCase>{
        // Kubernetes seeds the history with the current count: the 60 s
        // scale-up window holds a fresh autoscaler.
        {"SeedHoldsAFreshScaleUp", false, 3, 210, "none", "ScaleUpStabilized",
         3},
        {"ScaleUpLimitedByPolicy", true, 3, 210, "scale_up", "ScaleUpLimit", 5},
        {"ScaleDownToMin", true, 3, 10, "scale_down", "TooFewReplicas", 2},
        {"WithinTolerance", true, 3, 70, "none", "DesiredWithinRange", 3},
        {"MetricsMissing", true, 3, -1, "none", "FailedGetPodsMetric", 3},
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

TEST(AlertRulesTest, ExamplesFileIsTheGeneratorsOutput) {
  std::ifstream in(SourceDir() + "/examples/alerts.yml", std::ios::binary);
  ASSERT_TRUE(in) << "examples/alerts.yml is missing";
  std::stringstream buf;
  buf << in.rdbuf();
  EXPECT_EQ(buf.str(), AlertRulesYaml())
      << "regenerate examples/alerts.yml: it must equal AlertRulesYaml()";
  const std::string yaml = AlertRulesYaml();
  EXPECT_THAT(yaml, HasSubstr("alert: AgentScalingTooFrequent"));
  EXPECT_THAT(yaml,
              HasSubstr("increase(kube_horizontalpodautoscaler_status_desired_"
                        "replicas[5m]) > 3\n        for: 2m"));
  EXPECT_THAT(yaml, HasSubstr("alert: AgentMaxReplicasReached"));
  EXPECT_THAT(yaml, HasSubstr("for: 5m"));
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
