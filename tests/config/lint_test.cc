// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/config/lint.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "agentscale/config/alert_rules.h"
#include "agentscale/config/manifest.h"
#include "agentscale/config/presets.h"
#include "agentscale/hpa/autoscaler.h"
#include "agentscale/observation.h"
#include "agentscale/sim/agent_model.h"
#include "agentscale/sim/summary.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace agentscale::config {

void PrintTo(const LintFinding& f, std::ostream* os) {
  *os << "{" << f.rule << " " << f.autoscaler << " " << f.field << " @" << f.location << ": "
      << f.message << "}";
}

namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::agentscale_testing::StatusIs;

hpa::AutoscalerSpec LintProduction() { return Preset("production").value(); }

std::string LintSourceDir() {
  const char* env = std::getenv("AGENTSCALE_SOURCE_DIR");
  return env != nullptr ? env : ".";
}

std::vector<std::string> Rules(const std::vector<LintFinding>& f) {
  std::vector<std::string> out;
  for (const LintFinding& x : f) out.push_back(x.rule);
  return out;
}

// The production preset's targets, 70 and 50 tasks, moved off the
// tolerance edges (71 x 1.1 and 51 x 1.1 are not whole), so that a case
// sees only the rule it is about.
hpa::AutoscalerSpec OffTheEdges() {
  hpa::AutoscalerSpec s = LintProduction();
  s.metrics[0].target.average_value_milli = 71000;
  s.metrics[1].target.average_value_milli = 51000;
  return s;
}

TEST(Lint, OffTheEdgesIsClean) { EXPECT_THAT(LintSpec(OffTheEdges()), IsEmpty()); }

TEST(Lint, TheSeedsProductionProfileSitsOnToleranceEdges) {
  // 70 x 1.1 = 77 and 70 x 0.9 = 63; 50 x 1.1 = 55 and 50 x 0.9 = 45.
  const std::vector<LintFinding> f = LintSpec(LintProduction());
  ASSERT_THAT(f, ElementsAre(
                     Field(&LintFinding::field, "spec.metrics[0].pods.target.averageValue"),
                     Field(&LintFinding::field, "spec.metrics[1].pods.target.averageValue")));
  EXPECT_EQ(f[0].rule, "tolerance-edge");
  EXPECT_EQ(f[0].severity, "info");
  EXPECT_EQ(f[1].severity, "info");
  EXPECT_THAT(f[0].message, HasSubstr("when every agent reports 77, the usage ratio 77/70 is "
                                      "exactly 1 + tolerance 0.1"));
  EXPECT_THAT(f[0].message, HasSubstr("within tolerance (no scale-up)"));
  // Kubernetes before 1.33 computed |1 - 1.1| = 0.10000000000000009 > 0.1.
  EXPECT_THAT(f[0].message, HasSubstr("Kubernetes before 1.33 (|1 - ratio| <= tolerance) did "
                                      "scale up"));
  EXPECT_THAT(f[0].message, HasSubstr("also at 63"));
  EXPECT_THAT(f[0].message, HasSubstr("such as 71"));
  EXPECT_THAT(f[1].message, HasSubstr("reports 55, the usage ratio 55/50"));
  EXPECT_THAT(f[1].message, HasSubstr("such as 51"));
}

// What the message says the engine does at the edge is what the engine
// does: every agent at 77 tasks against target 70 is no scale-up, and one
// task more is.
TEST(Lint, ToleranceEdgeMatchesTheEngine) {
  for (const auto& [tasks, want_rescale] : {std::pair{77.0, false}, std::pair{78.0, true}}) {
    hpa::AutoscalerSpec s = LintProduction();
    s.metrics.resize(1);
    s.behavior->scale_up.stabilization_window = absl::ZeroDuration();
    ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler engine, HorizontalAutoscaler::Create(s));
    const absl::Time now = absl::UnixEpoch() + absl::Hours(1);
    Observation obs;
    obs.current_replicas = 4;
    obs.AddReadyPods(4);
    MetricObservation& m = obs.AddMetric("app_active_task_count");
    for (const hpa::Pod& p : obs.pods) m.AddPodValue(p.name, tasks, now);
    Decision d;
    ASSERT_OK(engine.Evaluate(now, obs, &d));
    EXPECT_EQ(d.rescale, want_rescale) << tasks;
  }
}

TEST(Lint, TimeToMaxFollowsThePolicies) {
  // 60 s scale-up window, then +2 pods per 30 s from 2 to 10.
  ASSERT_OK_AND_ASSIGN(ScaleUpProbe p, TimeToMaxReplicas(LintProduction()));
  ASSERT_TRUE(p.time_to_max.has_value());
  EXPECT_GE(*p.time_to_max, absl::Seconds(60));
  EXPECT_LE(*p.time_to_max, absl::Seconds(180));
  EXPECT_EQ(p.reached, 10);
}

TEST(Lint, EveryRule) {
  hpa::AutoscalerSpec s = OffTheEdges();
  s.name = "risky";
  s.max_replicas = 100;
  s.behavior->scale_down.stabilization_window = absl::Seconds(30);
  s.behavior->scale_up.policies = {{hpa::PolicyType::kPods, 1, absl::Seconds(60)}};
  s.metrics[0].target.average_value_milli = 150000;
  const std::vector<LintFinding> f = LintSpec(s);
  ASSERT_THAT(f, ElementsAre(Field(&LintFinding::rule, "short-scale-down-window"),
                             Field(&LintFinding::rule, "slow-scale-up"),
                             Field(&LintFinding::rule, "no-slot-headroom")));
  EXPECT_EQ(f[0].message,
            "scale-down stabilization window is 30s (under 60s): replicas will flap when "
            "load dips briefly; Kubernetes' default is 300s");
  EXPECT_EQ(f[1].field, "spec.behavior.scaleUp");
  EXPECT_THAT(f[1].message, HasSubstr("cannot reach maxReplicas 100 from minReplicas 2 within "
                                      "10 minutes (reaches 12; Pods 1 per 60s, selectPolicy "
                                      "Max, window 60s)"));
  EXPECT_EQ(f[2].field, "spec.metrics[0].pods.target.averageValue");
  EXPECT_THAT(f[2].message, HasSubstr("target 150 tasks per agent is not below the agents' 100"));
  for (const LintFinding& x : f) EXPECT_EQ(x.autoscaler, "risky");

  LintOptions more_slots;
  more_slots.slots = 200;
  EXPECT_THAT(Rules(LintSpec(s, more_slots)), Not(Contains("no-slot-headroom")));

  hpa::AutoscalerSpec fixed = OffTheEdges();
  fixed.min_replicas = fixed.max_replicas = 4;
  fixed.name.clear();
  ASSERT_THAT(LintSpec(fixed), ElementsAre(Field(&LintFinding::rule, "fixed-size")));
  EXPECT_EQ(LintSpec(fixed)[0].autoscaler, "<unnamed>");
}

TEST(Lint, WindowFromTheControllerWithoutBehavior) {
  hpa::AutoscalerSpec s = OffTheEdges();
  s.behavior.reset();
  LintOptions o;
  o.config.downscale_stabilization_window = absl::Seconds(10);
  const std::vector<LintFinding> f = LintSpec(s, o);
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f[0].rule, "short-scale-down-window");
  EXPECT_THAT(f[0].message, HasSubstr("is 10s"));
}

// One rule, one change to the clean spec: the rule fires on `field` (or,
// when `field` is empty, does not fire at all).
struct RuleCase {
  std::string name;
  std::function<void(hpa::AutoscalerSpec*, LintOptions*)> change;
  std::string rule;
  std::string field;  // empty: the rule must not fire
  std::string says;   // a part of the message
};

class LintRuleTest : public ::testing::TestWithParam<RuleCase> {};

TEST_P(LintRuleTest, FiresWhereItShould) {
  const RuleCase& c = GetParam();
  hpa::AutoscalerSpec s = OffTheEdges();
  LintOptions o;
  c.change(&s, &o);
  const std::vector<LintFinding> f = LintSpec(s, o);
  if (c.field.empty()) {
    EXPECT_THAT(Rules(f), Not(Contains(c.rule)));
    return;
  }
  // tolerance-edge informs; every other rule warns.
  const std::string severity = c.rule == "tolerance-edge" ? "info" : "warning";
  EXPECT_THAT(f, Contains(AllOf(Field(&LintFinding::rule, c.rule),
                                Field(&LintFinding::field, c.field),
                                Field(&LintFinding::message, HasSubstr(c.says)),
                                Field(&LintFinding::severity, severity))));
}

const hpa::SelectPolicy kDisabled = hpa::SelectPolicy::kDisabled;

std::vector<RuleCase> RuleCases() {
  return {
      // no-metrics: only the loader knows the metrics were defaulted.
      {"NoMetricsWhenDefaulted", [](auto*, LintOptions* o) { o->metrics_defaulted = true; },
       "no-metrics", "spec.metrics", "Resource cpu Utilization 80%"},
      {"NoMetricsNotFromTheSpecAlone",
       [](hpa::AutoscalerSpec* s, auto*) {
         s->metrics = {hpa::MetricSpec::ResourceUtilization("cpu", 80)};
       },
       "no-metrics", "", ""},

      // scale-down-faster-than-metrics.
      {"PolicyPeriodUnderA5mRateWindow",
       [](auto*, LintOptions* o) { o->metrics_window = absl::Minutes(5); },
       "scale-down-faster-than-metrics", "spec.behavior.scaleDown.policies[0].periodSeconds",
       "Pods 1 per 60s acts faster than the 300s metrics window"},
      {"WindowUnderA10mWindow",
       [](auto*, LintOptions* o) { o->metrics_window = absl::Minutes(10); },
       "scale-down-faster-than-metrics", "spec.behavior.scaleDown.stabilizationWindowSeconds",
       "window 300s is shorter than the 600s metrics window"},
      {"PolicyPeriodUnderTheAdapterWindow",
       [](hpa::AutoscalerSpec* s, auto*) {
         s->behavior->scale_down.policies[0].period = absl::Seconds(30);
       },
       "scale-down-faster-than-metrics", "spec.behavior.scaleDown.policies[0].periodSeconds",
       "the 60s window app_active_task_count is averaged over"},
      {"PeriodsAtTheAdapterWindow", [](auto*, auto*) {}, "scale-down-faster-than-metrics", "",
       ""},
      {"ResourceMetricsNeedAnExplicitWindow",
       [](hpa::AutoscalerSpec* s, auto*) {
         s->metrics = {hpa::MetricSpec::ResourceUtilization("cpu", 70)};
         s->behavior->scale_down.policies[0].period = absl::Seconds(30);
       },
       "scale-down-faster-than-metrics", "", ""},
      {"ResourceMetricsWithAnExplicitWindow",
       [](hpa::AutoscalerSpec* s, LintOptions* o) {
         s->metrics = {hpa::MetricSpec::ResourceUtilization("cpu", 70)};
         s->behavior->scale_down.policies[0].period = absl::Seconds(30);
         o->metrics_window = absl::Minutes(1);
       },
       "scale-down-faster-than-metrics", "spec.behavior.scaleDown.policies[0].periodSeconds",
       "per 30s"},

      // selectPolicy Disabled, per direction.
      {"ScaleUpDisabled",
       [](hpa::AutoscalerSpec* s, auto*) { s->behavior->scale_up.select_policy = kDisabled; },
       "scale-up-disabled", "spec.behavior.scaleUp.selectPolicy", "the fleet never grows"},
      {"ScaleUpDisabledIsNotSlow",
       [](hpa::AutoscalerSpec* s, auto*) { s->behavior->scale_up.select_policy = kDisabled; },
       "slow-scale-up", "", ""},
      {"ScaleDownDisabled",
       [](hpa::AutoscalerSpec* s, auto*) { s->behavior->scale_down.select_policy = kDisabled; },
       "scale-down-disabled", "spec.behavior.scaleDown.selectPolicy", "the fleet never shrinks"},
      {"ScaleDownDisabledHasNoWindowToFlap",
       [](hpa::AutoscalerSpec* s, auto*) {
         s->behavior->scale_down.select_policy = kDisabled;
         s->behavior->scale_down.stabilization_window = absl::Seconds(10);
       },
       "short-scale-down-window", "", ""},
      {"ScaleUpMaxIsNotDisabled", [](auto*, auto*) {}, "scale-up-disabled", "", ""},

      // scale-up-window-over-startup, against the agent model's default.
      {"UpWindowOverStartup",
       [](hpa::AutoscalerSpec* s, auto*) {
         s->behavior->scale_up.stabilization_window =
             sim::AgentModelOptions{}.startup_delay + absl::Seconds(60);
       },
       "scale-up-window-over-startup", "spec.behavior.scaleUp.stabilizationWindowSeconds",
       "longer than the 60s an agent takes to start"},
      {"UpWindowEqualToStartup",
       [](hpa::AutoscalerSpec* s, auto*) {
         s->behavior->scale_up.stabilization_window = sim::AgentModelOptions{}.startup_delay;
       },
       "scale-up-window-over-startup", "", ""},
      {"UpWindowUnderASlowerStartup",
       [](hpa::AutoscalerSpec* s, LintOptions* o) {
         s->behavior->scale_up.stabilization_window = absl::Seconds(120);
         o->startup_delay = absl::Seconds(150);
       },
       "scale-up-window-over-startup", "", ""},

      // tolerance-edge.
      {"NoEdgeAtTheControllersTolerance",  // 71 and 51 x 0.8 or 1.2: not whole
       [](auto*, LintOptions* o) { o->config.tolerance = 0.2; }, "tolerance-edge", "", ""},
      {"EdgeAtTheControllersTolerance",  // 60 x 1.2 = 72
       [](hpa::AutoscalerSpec* s, LintOptions* o) {
         s->metrics[0].target.average_value_milli = 60000;
         o->config.tolerance = 0.2;
       },
       "tolerance-edge", "spec.metrics[0].pods.target.averageValue",
       "reports 72, the usage ratio 72/60 is exactly 1 + tolerance 0.2"},
      {"EdgeFromAPerDirectionTolerance",
       [](hpa::AutoscalerSpec* s, auto*) {
         s->metrics[1].target.average_value_milli = 50000;  // 50 x 0.82 = 41
         s->behavior->scale_down.tolerance = 0.18;
         s->behavior->scale_up.tolerance = 0.13;  // 50 x 1.13 is not whole
       },
       "tolerance-edge", "spec.metrics[1].pods.target.averageValue",
       // 41/50 = 0.82 exactly, yet 41000.0 / 50000.0 < 1.0 - 0.18 in float64.
       "reports 41, the usage ratio 41/50 is exactly 1 - tolerance 0.18, so float64 rounding "
       "decides: this engine and Kubernetes >= 1.33 (1 - tolerance <= ratio) read it as "
       "scale-down"},
      {"PerDirectionToleranceNeedsTheGate",
       [](hpa::AutoscalerSpec* s, LintOptions* o) {
         s->metrics[1].target.average_value_milli = 50000;
         s->behavior->scale_down.tolerance = 0.18;
         s->behavior->scale_up.tolerance = 0.18;
         o->config.configurable_tolerance = false;  // 0.1 then: 55 and 45 are edges
       },
       "tolerance-edge", "spec.metrics[1].pods.target.averageValue", "reports 55"},
      {"EdgesBeyondTheSlots",
       [](hpa::AutoscalerSpec* s, LintOptions* o) {
         s->metrics[0].target.average_value_milli = 70000;  // 63 and 77
         o->slots = 62;
       },
       "tolerance-edge", "", ""},
      {"NoSlotHeadroomAtTheSlots",
       [](hpa::AutoscalerSpec* s, auto*) {
         s->metrics[0].target.average_value_milli = 100000;
       },
       "no-slot-headroom", "spec.metrics[0].pods.target.averageValue", "not below"},
  };
}

INSTANTIATE_TEST_SUITE_P(Rules, LintRuleTest, ::testing::ValuesIn(RuleCases()),
                         [](const ::testing::TestParamInfo<RuleCase>& i) { return i.param.name; });

// --- Prometheus rule files --------------------------------------------------

std::string SeedAlertsPath() { return LintSourceDir() + "/tests/data/alerts/seed_alerts.yml"; }

TEST(LintRules, TheSeedsAlertIncreaseOverAGauge) {
  ASSERT_OK_AND_ASSIGN(PrometheusRuleFile rules, LoadPrometheusRulesFile(SeedAlertsPath()));
  ASSERT_EQ(rules.rules.size(), 2u);
  const std::vector<LintFinding> f = LintPrometheusRules(rules);
  ASSERT_THAT(f, ElementsAre(Field(&LintFinding::rule, "counter-function-on-gauge")));
  EXPECT_EQ(f[0].autoscaler, "AgentScalingTooFrequent");
  EXPECT_EQ(f[0].field, "groups[0].rules[0].expr");
  // Line 6 of the file: "    expr: increase(...": the call starts at column 11.
  EXPECT_EQ(f[0].location, SeedAlertsPath() + ":6:11");
  // The corrected rule is the one the run summary evaluates beside the seed's.
  EXPECT_THAT(f[0].message,
              HasSubstr(sim::ScalingTooFrequentChangesExpr("kube_hpa_status_desired_replicas")));
  EXPECT_THAT(f[0].message, HasSubstr("reads every fall of the value as a counter reset"));
}

TEST(LintRules, CorrectionAgreesWithTheSummary) {
  for (const char* series : {"kube_hpa_status_desired_replicas",
                             "kube_horizontalpodautoscaler_status_desired_replicas"}) {
    EXPECT_EQ(CountChangesInstead(sim::ScalingTooFrequentExpr(series)),
              sim::ScalingTooFrequentChangesExpr(series));
  }
}

struct ExprCase {
  std::string name;
  std::string expr;
  std::string corrected;  // CountChangesInstead; == expr when nothing is flagged
};

class GaugeExprTest : public ::testing::TestWithParam<ExprCase> {};

TEST_P(GaugeExprTest, FlagsCounterFunctionsOverGauges) {
  const ExprCase& c = GetParam();
  EXPECT_EQ(CountChangesInstead(c.expr), c.corrected);
  PrometheusRuleFile file;
  file.source = "r.yml";
  PrometheusRule r;
  r.alert = "A";
  r.expr = c.expr;
  r.path = "groups[0].rules[0]";
  file.rules.push_back(r);
  EXPECT_EQ(LintPrometheusRules(file).size(), c.corrected == c.expr ? 0u : 1u);
}

INSTANTIATE_TEST_SUITE_P(
    Exprs, GaugeExprTest,
    ::testing::ValuesIn(std::vector<ExprCase>{
        {"SeedIncrease", "increase(kube_hpa_status_desired_replicas[5m]) > 3",
         "changes(kube_hpa_status_desired_replicas[5m]) > 3"},
        {"NewNamesRate", "rate(kube_horizontalpodautoscaler_status_desired_replicas[10m]) > 0",
         "changes(kube_horizontalpodautoscaler_status_desired_replicas[10m]) > 0"},
        {"DeploymentIrateWithLabels",
         "irate(kube_deployment_status_replicas{namespace=\"a\"}[5m]) > 1",
         "changes(kube_deployment_status_replicas{namespace=\"a\"}[5m]) > 1"},
        {"NameMatcher", "increase({__name__=\"kube_hpa_status_desired_replicas\"}[5m]) > 3",
         "changes({__name__=\"kube_hpa_status_desired_replicas\"}[5m]) > 3"},
        {"Offset", "increase(kube_hpa_status_desired_replicas[5m] offset 1m) > 3",
         "changes(kube_hpa_status_desired_replicas[5m] offset 1m) > 3"},
        {"Nested", "sum by (namespace) (increase(kube_hpa_status_desired_replicas[5m]))",
         "sum by (namespace) (changes(kube_hpa_status_desired_replicas[5m]))"},
        {"CounterIsFine", "increase(agentscale_decisions_total[5m]) > 3",
         "increase(agentscale_decisions_total[5m]) > 3"},
        {"ChangesIsFine", "changes(kube_hpa_status_desired_replicas[5m]) > 3",
         "changes(kube_hpa_status_desired_replicas[5m]) > 3"},
        {"NoRangeFunction", "kube_hpa_status_current_replicas == kube_hpa_spec_max_replicas",
         "kube_hpa_status_current_replicas == kube_hpa_spec_max_replicas"},
        {"GaugeNameInALabelValue", "rate(http_requests_total{job=\"kube_hpa_x\"}[5m]) > 1",
         "rate(http_requests_total{job=\"kube_hpa_x\"}[5m]) > 1"},
        {"GaugeOutsideTheCall",
         "rate(http_requests_total[5m]) / kube_hpa_status_current_replicas > 10",
         "rate(http_requests_total[5m]) / kube_hpa_status_current_replicas > 10"},
        {"DerivIsFine", "deriv(kube_hpa_status_desired_replicas[5m]) > 0",
         "deriv(kube_hpa_status_desired_replicas[5m]) > 0"},
    }),
    [](const ::testing::TestParamInfo<ExprCase>& i) { return i.param.name; });

TEST(LintRules, PositionsInQuotedAndBlockExpressions) {
  const std::string text =
      "groups:\n"
      "  - name: g\n"
      "    rules:\n"
      "      - alert: Quoted\n"
      "        expr: \"1 + increase(kube_hpa_status_desired_replicas[5m])\"\n"
      "      - record: block:replicas\n"
      "        expr: |\n"
      "          sum(kube_hpa_status_current_replicas)\n"
      "            + rate(kube_hpa_status_desired_replicas[5m])\n"
      "      - alert: Folded\n"
      "        expr: >\n"
      "          increase(kube_hpa_status_desired_replicas[5m])\n"
      "          > 3\n";
  ASSERT_OK_AND_ASSIGN(PrometheusRuleFile rules, LoadPrometheusRulesString(text, "r.yml"));
  const std::vector<LintFinding> f = LintPrometheusRules(rules);
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].location, "r.yml:5:20");  // after the quote and "1 + "
  EXPECT_EQ(f[1].autoscaler, "block:replicas");
  EXPECT_EQ(f[1].location, "r.yml:9:15");  // second line of the block
  EXPECT_EQ(f[2].location, "r.yml:11:15");  // folded: where the value starts
}

TEST(LintRules, LoadErrorsNameTheField) {
  struct Bad {
    std::string text;
    std::string error;
  };
  for (const Bad& b : std::vector<Bad>{
           {"groups:\n  - name: g\n    rules:\n      - alert: A\n        for: 2m\n",
            "r.yml:4:9: groups[0].rules[0].expr: is required"},
           {"groups:\n  - name: g\n    rules:\n      - alert: A\n        record: b\n"
            "        expr: up\n",
            "r.yml:4:9: groups[0].rules[0]: needs exactly one of alert and record"},
           {"groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n"
            "        severity: page\n",
            "r.yml:6:9: groups[0].rules[0].severity: unknown field"},
           {"groups: {}\n", "r.yml:1:9: groups: must be a list"},
           {"groups:\n  - rules: []\n", "r.yml:2:5: groups[0].name: is required"},
       }) {
    EXPECT_THAT(LoadPrometheusRulesString(b.text, "r.yml"),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(b.error)))
        << b.text;
  }
}

TEST(LintRules, RuleFilesAreToldFromManifests) {
  EXPECT_TRUE(IsPrometheusRuleFile("groups: []\n"));
  EXPECT_TRUE(IsPrometheusRuleFile("# alerts\ngroups:\n- name: g\n  rules: []\n"));
  EXPECT_FALSE(IsPrometheusRuleFile(DumpManifest(LintProduction())));
  EXPECT_FALSE(IsPrometheusRuleFile("groups: [\n"));  // not YAML
  EXPECT_FALSE(IsPrometheusRuleFile("- groups\n"));
}

// --- Whole files ---------------------------------------------------------------

std::string WriteTemp(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << text;
  return path;
}

TEST(LintFile, RuleFile) {
  ASSERT_OK_AND_ASSIGN(LintReport r, LintFile(SeedAlertsPath()));
  EXPECT_EQ(r.kind, "prometheus-rules");
  EXPECT_THAT(r.objects, ElementsAre("AgentScalingTooFrequent", "AgentMaxReplicasReached"));
  EXPECT_THAT(Rules(r.findings), ElementsAre("counter-function-on-gauge"));
}

TEST(LintFile, TheSeedsManifest) {
  ASSERT_OK_AND_ASSIGN(LintReport r, LintFile(LintSourceDir() + "/examples/hpa.yaml"));
  EXPECT_EQ(r.kind, "manifest");
  EXPECT_THAT(r.objects, ElementsAre("agent-hpa"));
  // examples/hpa.yaml is the seed's production autoscaler.
  EXPECT_EQ(r.findings, LintSpec(LoadSingleAutoscaler(LintSourceDir() + "/examples/hpa.yaml").value()));
  EXPECT_THAT(Rules(r.findings), ElementsAre("tolerance-edge", "tolerance-edge"));
}

TEST(LintFile, MetricsDefaultedByTheLoader) {
  const std::string head =
      "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: cpu\n"
      "spec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: agent}\n"
      "  minReplicas: 2\n  maxReplicas: 10\n";
  ASSERT_OK_AND_ASSIGN(LoadedManifests none, LoadManifestString(head, "m.yaml"));
  EXPECT_THAT(none.metrics_defaulted, ElementsAre(true));
  ASSERT_OK_AND_ASSIGN(LintReport r, LintFile(WriteTemp("no_metrics.yaml", head)));
  EXPECT_THAT(r.findings, Contains(Field(&LintFinding::rule, "no-metrics")));

  const std::string asked = head +
                            "  metrics:\n  - type: Resource\n    resource:\n      name: cpu\n"
                            "      target: {type: Utilization, averageUtilization: 80}\n";
  ASSERT_OK_AND_ASSIGN(LoadedManifests cpu, LoadManifestString(asked, "m.yaml"));
  EXPECT_THAT(cpu.metrics_defaulted, ElementsAre(false));
  // The same spec, so only the loader's flag tells them apart.
  EXPECT_EQ(cpu.autoscalers, none.autoscalers);
  ASSERT_OK_AND_ASSIGN(LintReport r2, LintManifests(cpu));
  EXPECT_THAT(Rules(r2.findings), Not(Contains("no-metrics")));
}

// Helm values documents give autoscalers too: their flag must still line up
// with `autoscalers`, or a later HPA's no-metrics would move to another.
TEST(LintFile, MetricsDefaultedAcrossHelmValues) {
  const std::string hpa =
      "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: %s\n"
      "spec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: agent}\n"
      "  minReplicas: 2\n  maxReplicas: 10\n";
  const std::string tasks_metric =
      "  metrics:\n  - type: Pods\n    pods:\n      metric: {name: app_active_task_count}\n"
      "      target: {type: AverageValue, averageValue: \"75\"}\n";
  const std::string yaml = absl::StrCat(
      absl::StrReplaceAll(hpa, {{"%s", "cpu-first"}}), "---\n",
      "hpa:\n  minReplicas: 2\n  maxReplicas: 10\n", "---\n",
      absl::StrReplaceAll(hpa, {{"%s", "tasks-last"}}), tasks_metric, "---\n",
      absl::StrReplaceAll(hpa, {{"%s", "cpu-again"}}));
  ASSERT_OK_AND_ASSIGN(LoadedManifests loaded, LoadManifestString(yaml, "mixed.yaml"));
  ASSERT_EQ(loaded.autoscalers.size(), 4u);
  EXPECT_EQ(loaded.autoscalers[1].name, "agents-values");
  EXPECT_THAT(loaded.metrics_defaulted, ElementsAre(true, false, false, true));

  ASSERT_OK_AND_ASSIGN(LintReport r, LintFile(WriteTemp("mixed.yaml", yaml)));
  EXPECT_THAT(r.objects, ElementsAre("cpu-first", "agents-values", "tasks-last", "cpu-again"));
  std::vector<std::string> no_metrics;
  for (const LintFinding& f : r.findings) {
    if (f.rule == "no-metrics") no_metrics.push_back(f.autoscaler);
  }
  EXPECT_THAT(no_metrics, ElementsAre("cpu-first", "cpu-again"));

  // The same with only the values document picked by name.
  LoadOptions one;
  one.name = "agents-values";
  ASSERT_OK_AND_ASSIGN(LoadedManifests values, LoadManifestString(yaml, "mixed.yaml", one));
  EXPECT_THAT(values.metrics_defaulted, ElementsAre(false));
}

// LintFile loads as LoadOptions says: the seed article's HPA (no
// scaleTargetRef, metrics without `type`) fails strictly and lints leniently,
// each fill a load-warning finding naming file:line:col.
TEST(LintFile, LenientLoading) {
  const std::string path = LintSourceDir() + "/tests/data/manifests/seed_article_hpa.yaml";
  EXPECT_THAT(LintFile(path), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("seed_article_hpa.yaml:5:1: spec.scaleTargetRef")));
  LoadOptions lenient;
  lenient.strict = false;
  ASSERT_OK_AND_ASSIGN(LoadedManifests loaded, LoadManifestFile(path, lenient));
  ASSERT_FALSE(loaded.warnings.empty());
  ASSERT_OK_AND_ASSIGN(LintReport r, LintFile(path, lenient));
  EXPECT_THAT(r.objects, ElementsAre("matillion-agent-hpa"));
  std::vector<std::string> load_warnings;
  for (const LintFinding& f : r.findings) {
    if (f.rule == "load-warning") load_warnings.push_back(f.message);
  }
  EXPECT_EQ(load_warnings, loaded.warnings);
  EXPECT_THAT(load_warnings, Contains(HasSubstr("seed_article_hpa.yaml:")));

  LoadOptions named = lenient;
  named.name = "other";
  EXPECT_THAT(LintFile(path, named),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("named \"other\"")));
  EXPECT_THAT(LintFile(SeedAlertsPath(), named),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("seed_alerts.yml: a Prometheus rule file")));
}

TEST(LintFile, Errors) {
  EXPECT_THAT(LintFile(LintSourceDir() + "/tests/data/no_such.yaml"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("no_such.yaml")));
  EXPECT_THAT(LintFile(LintSourceDir() + "/tests/data/manifests/bad_period.yaml"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("bad_period.yaml:17:24: spec.behavior.scaleUp.policies[0]."
                                 "periodSeconds")));
  EXPECT_THAT(LintFile(WriteTemp("bad_rules.yml", "groups:\n  - name: g\n    rules:\n"
                                                  "      - alert: A\n")),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("bad_rules.yml:4:9: groups[0].rules[0].expr: is required")));
  EXPECT_THAT(LintManifests(LoadedManifests{}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("no HorizontalPodAutoscaler")));
}

}  // namespace
}  // namespace agentscale::config
