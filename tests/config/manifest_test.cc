// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/config/manifest.h"

#include <cstdlib>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "agentscale/config/presets.h"
#include "agentscale/hpa/spec.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace agentscale::config {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using hpa::AutoscalerSpec;
using hpa::MetricSourceType;
using hpa::MetricSpec;
using hpa::MetricTargetType;
using hpa::PolicyType;
using hpa::SelectPolicy;

// ctest sets AGENTSCALE_SOURCE_DIR in the environment and runs from the
// source tree; a compile definition of the same name also works.
std::string SourceDir() {
  if (const char* env = std::getenv("AGENTSCALE_SOURCE_DIR")) return env;
#ifdef AGENTSCALE_SOURCE_DIR
  return AGENTSCALE_SOURCE_DIR;
#else
  return ".";
#endif
}

std::string DataPath(const std::string& name) {
  return SourceDir() + "/tests/data/manifests/" + name;
}

std::string SeedPath() { return SourceDir() + "/examples/hpa.yaml"; }

// The line numbers in the cases below refer to this text (line 1 is
// apiVersion).
constexpr char kBase[] = R"(apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: agent-hpa
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: agent
  minReplicas: 2
  maxReplicas: 10
  metrics:
  - type: Pods
    pods:
      metric:
        name: app_active_task_count
      target:
        type: AverageValue
        averageValue: "70"
  behavior:
    scaleUp:
      stabilizationWindowSeconds: 60
      policies:
      - type: Pods
        value: 2
        periodSeconds: 30
      selectPolicy: Max
)";

TEST(LoadManifestStringTest, BaseIsValid) {
  absl::StatusOr<LoadedManifests> loaded = LoadManifestString(kBase, "hpa.yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_EQ(loaded->autoscalers.size(), 1u);
  EXPECT_EQ(loaded->source, "hpa.yaml");
}

struct ErrorCase {
  std::string name;
  std::string from;  // replaced in kBase ...
  std::string to;    // ... by this
  std::string prefix;   // exact `file:line:col: path: ` start of the message
  std::string problem;  // substring of the rest
  bool scale_to_zero = false;
};

void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }

class ManifestErrorTest : public testing::TestWithParam<ErrorCase> {};

TEST_P(ManifestErrorTest, PointsAtTheYamlNode) {
  const ErrorCase& c = GetParam();
  const std::string yaml = absl::StrReplaceAll(kBase, {{c.from, c.to}});
  ASSERT_NE(yaml, kBase) << "case does not change the manifest";
  hpa::ControllerConfig config;
  config.scale_to_zero = c.scale_to_zero;
  absl::StatusOr<LoadedManifests> loaded =
      LoadManifestString(yaml, "hpa.yaml", config);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(loaded.status().message());
  EXPECT_THAT(message, StartsWith(c.prefix));
  EXPECT_THAT(message, HasSubstr(c.prefix + c.problem));
}

INSTANTIATE_TEST_SUITE_P(
    Manifest, ManifestErrorTest,
    testing::ValuesIn(std::vector<ErrorCase>{
        // Validation errors, mapped back to the node's position.
        {"MinReplicasNegative", "minReplicas: 2", "minReplicas: -1",
         "hpa.yaml:10:16: spec.minReplicas: ",
         "Invalid value: -1: must be greater than or equal to 1"},
        {"ScaleToZeroNeedsObjectOrExternal", "minReplicas: 2",
         "minReplicas: 0", "hpa.yaml:12:3: spec.metrics: ",
         "Forbidden: must specify at least one Object or External metric", true},
        {"MaxBelowMin", "maxReplicas: 10", "maxReplicas: 1",
         "hpa.yaml:11:16: spec.maxReplicas: ",
         "must be >= minReplicas (2), got 1"},
        {"AverageValueZero", R"(averageValue: "70")", R"(averageValue: "0")",
         "hpa.yaml:19:23: spec.metrics[0].pods.target.averageValue: ",
         "must be greater than 0, got \"0\""},
        {"TargetTypeForSource", "type: AverageValue", "type: Utilization",
         "hpa.yaml:18:15: spec.metrics[0].pods.target.type: ",
         "must be AverageValue for a Pods metric, got Utilization"},
        {"MetricNameMissing", "        name: app_active_task_count",
         "        selector: {}",
         "hpa.yaml:15:7: spec.metrics[0].pods.metric.name: ", "is required"},
        {"PeriodZero", "periodSeconds: 30", "periodSeconds: 0",
         "hpa.yaml:26:24: spec.behavior.scaleUp.policies[0].periodSeconds: ",
         "must be in 1..1800, got 0"},
        {"PeriodTooLong", "periodSeconds: 30", "periodSeconds: 1801",
         "hpa.yaml:26:24: spec.behavior.scaleUp.policies[0].periodSeconds: ",
         "must be in 1..1800, got 1801"},
        {"PolicyValueZero", "value: 2", "value: 0",
         "hpa.yaml:25:16: spec.behavior.scaleUp.policies[0].value: ",
         "must be greater than 0, got 0"},
        {"PolicyValueMissing", "        value: 2\n", "",
         "hpa.yaml:24:9: spec.behavior.scaleUp.policies[0].value: ",
         "must be greater than 0, got 0"},
        {"WindowTooLong", "stabilizationWindowSeconds: 60",
         "stabilizationWindowSeconds: 3601",
         "hpa.yaml:22:35: spec.behavior.scaleUp.stabilizationWindowSeconds: ",
         "must be in 0..3600, got 3601"},
        {"EmptyPolicies",
         "      policies:\n      - type: Pods\n        value: 2\n"
         "        periodSeconds: 30\n",
         "      policies: []\n",
         "hpa.yaml:23:7: spec.behavior.scaleUp.policies: ",
         "must specify at least one policy"},
        {"NegativeTolerance", "selectPolicy: Max\n",
         "selectPolicy: Max\n      tolerance: -0.1\n",
         "hpa.yaml:28:18: spec.behavior.scaleUp.tolerance: ",
         "must be >= 0, got -0.1"},
        // Decoding errors.
        {"BadQuantity", R"(averageValue: "70")", R"(averageValue: "7O")",
         "hpa.yaml:19:23: spec.metrics[0].pods.target.averageValue: ",
         "invalid quantity \"7O\": unexpected character 'O'"},
        {"UnknownTargetType", "type: AverageValue", "type: Average",
         "hpa.yaml:18:15: spec.metrics[0].pods.target.type: ",
         "unsupported value \"Average\"; supported values: \"AverageValue\", "
         "\"Utilization\", \"Value\""},
        {"UnknownMetricType", "- type: Pods", "- type: Custom",
         "hpa.yaml:13:11: spec.metrics[0].type: ",
         "unsupported value \"Custom\""},
        {"SourceBlockForOtherType", "    pods:", "    resource:",
         "hpa.yaml:14:5: spec.metrics[0].resource: ",
         "must not be set for a metric of type Pods"},
        {"UnknownField", "  maxReplicas: 10\n",
         "  maxReplicas: 10\n  maxReplica: 3\n",
         "hpa.yaml:12:3: spec.maxReplica: ", "unknown field; allowed here: "},
        {"UnknownNestedField", "        value: 2\n",
         "        value: 2\n        periodSecond: 30\n",
         "hpa.yaml:26:9: spec.behavior.scaleUp.policies[0].periodSecond: ",
         "unknown field"},
        {"DuplicateField", "  maxReplicas: 10\n",
         "  maxReplicas: 10\n  maxReplicas: 11\n",
         "hpa.yaml:12:3: spec.maxReplicas: ", "duplicate field"},
        {"QuotedInteger", "minReplicas: 2", R"(minReplicas: "2")",
         "hpa.yaml:10:16: spec.minReplicas: ", "must be an integer"},
        {"FractionalInteger", "value: 2", "value: 2.5",
         "hpa.yaml:25:16: spec.behavior.scaleUp.policies[0].value: ",
         "must be an integer, got \"2.5\""},
        {"Int32Overflow", "maxReplicas: 10", "maxReplicas: 3000000000",
         "hpa.yaml:11:16: spec.maxReplicas: ",
         "must fit in int32, got 3000000000"},
        {"UnknownSelectPolicy", "selectPolicy: Max", "selectPolicy: Maximum",
         "hpa.yaml:27:21: spec.behavior.scaleUp.selectPolicy: ",
         "unsupported value \"Maximum\"; supported values: \"Disabled\", "
         "\"Max\", \"Min\""},
        {"UnknownPolicyType", "      - type: Pods", "      - type: Pod",
         "hpa.yaml:24:15: spec.behavior.scaleUp.policies[0].type: ",
         "unsupported value \"Pod\""},
        {"IntegerGivenAList", "maxReplicas: 10", "maxReplicas: [10]",
         "hpa.yaml:11:16: spec.maxReplicas: ",
         "must be an integer, got a list"},
        {"MappingGivenAScalar",
         "  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n"
         "    name: agent\n",
         "  scaleTargetRef: agent\n", "hpa.yaml:6:19: spec.scaleTargetRef: ",
         "must be a mapping, got scalar \"agent\""},
        {"MaxReplicasMissing", "  maxReplicas: 10\n", "",
         "hpa.yaml:5:1: spec.maxReplicas: ", "is required"},
        {"ScaleTargetNameMissing", "    name: agent\n", "",
         "hpa.yaml:6:3: spec.scaleTargetRef.name: ", "is required"},
        {"MetadataNameMissing", "  name: agent-hpa", "  labels: {}",
         "hpa.yaml:4:3: metadata.name: ", "is required"},
        {"ApiVersionV1", "autoscaling/v2", "autoscaling/v1",
         "hpa.yaml:1:13: apiVersion: ",
         "\"autoscaling/v1\" is not supported; only autoscaling/v2 is"},
        {"ApiVersionV2beta2", "autoscaling/v2", "autoscaling/v2beta2",
         "hpa.yaml:1:13: apiVersion: ",
         "\"autoscaling/v2beta2\" is not supported"},
        {"YamlSyntax", "  maxReplicas: 10\n", "  maxReplicas: [10\n",
         "hpa.yaml:12:", "10: invalid YAML: end of sequence flow not found"},
    }),
    [](const testing::TestParamInfo<ErrorCase>& info) {
      return info.param.name;
    });

TEST(LoadManifestStringTest, ReportsAllValidationErrorsOnePerLine) {
  std::string yaml = absl::StrReplaceAll(
      kBase, {{"minReplicas: 2", "minReplicas: 0"},
              {"periodSeconds: 30", "periodSeconds: 0"}});
  absl::StatusOr<LoadedManifests> loaded = LoadManifestString(yaml, "hpa.yaml");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(std::string(loaded.status().message()),
            "hpa.yaml:12:3: spec.metrics: Forbidden: must specify at least one Object or "
            "External metric to support scaling to zero replicas\n"
            "hpa.yaml:26:24: spec.behavior.scaleUp.policies[0].periodSeconds: "
            "must be in 1..1800, got 0");
}

TEST(LoadManifestFileTest, ErrorNamesTheFile) {
  const std::string path = DataPath("bad_period.yaml");
  absl::StatusOr<LoadedManifests> loaded = LoadManifestFile(path);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(std::string(loaded.status().message()),
            path +
                ":17:24: spec.behavior.scaleUp.policies[0].periodSeconds: "
                "must be in 1..1800, got 0");
}

TEST(LoadManifestFileTest, MissingFileIsNotFound) {
  absl::StatusOr<LoadedManifests> loaded =
      LoadManifestFile(DataPath("no_such_file.yaml"));
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(loaded.status().message()),
              HasSubstr("no_such_file.yaml"));
}

TEST(LoadManifestFileTest, SeedManifestEqualsProductionPreset) {
  absl::StatusOr<AutoscalerSpec> seed = LoadSingleAutoscaler(SeedPath());
  ASSERT_TRUE(seed.ok()) << seed.status();
  EXPECT_EQ(seed->name, "agent-hpa");
  EXPECT_EQ(seed->namespace_name, "default");
  EXPECT_EQ(seed->scale_target_ref,
            (hpa::ObjectReference{"apps/v1", "Deployment", "agent"}));
  absl::StatusOr<AutoscalerSpec> production = Preset("production");
  ASSERT_TRUE(production.ok());
  EXPECT_EQ(seed->min_replicas, production->min_replicas);
  EXPECT_EQ(seed->max_replicas, production->max_replicas);
  EXPECT_EQ(seed->metrics, production->metrics);
  EXPECT_EQ(seed->behavior, production->behavior);
}

TEST(LoadManifestFileTest, MultiDocumentSkipsOtherKinds) {
  absl::StatusOr<LoadedManifests> loaded =
      LoadManifestFile(DataPath("multi_document.yaml"));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_EQ(loaded->autoscalers.size(), 2u);
  EXPECT_EQ(loaded->autoscalers[0].name, "agent-cpu");
  EXPECT_EQ(loaded->autoscalers[1].name, "worker-hpa");
  EXPECT_EQ(loaded->autoscalers[1].namespace_name, "batch");
  ASSERT_EQ(loaded->skipped.size(), 2u);
  EXPECT_EQ(loaded->skipped[0].index, 0);
  EXPECT_EQ(loaded->skipped[0].kind, "Deployment");
  EXPECT_EQ(loaded->skipped[0].api_version, "apps/v1");
  EXPECT_EQ(loaded->skipped[0].name, "agent");
  EXPECT_EQ(loaded->skipped[0].line, 3);
  EXPECT_EQ(loaded->skipped[1].index, 3);  // after an empty document
  EXPECT_EQ(loaded->skipped[1].kind, "Service");
  EXPECT_EQ(loaded->skipped[1].name, "agent-metrics");
  EXPECT_EQ(loaded->skipped[1].line, 27);
}

TEST(LoadManifestFileTest, AppliesApiDefaults) {
  absl::StatusOr<LoadedManifests> loaded =
      LoadManifestFile(DataPath("multi_document.yaml"));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  // Nothing but the target and maxReplicas: minReplicas 1, CPU at 80 %, and
  // no behavior (the legacy path), since spec.behavior is absent.
  const AutoscalerSpec& bare = loaded->autoscalers[0];
  EXPECT_EQ(bare.min_replicas, 1);
  EXPECT_EQ(bare.max_replicas, 4);
  ASSERT_EQ(bare.metrics.size(), 1u);
  EXPECT_EQ(bare.metrics[0], MetricSpec::ResourceUtilization("cpu", 80));
  EXPECT_FALSE(bare.behavior.has_value());
  // behavior: {} is defaulted whole; the scale-down window stays unset.
  const AutoscalerSpec& worker = loaded->autoscalers[1];
  ASSERT_TRUE(worker.behavior.has_value());
  EXPECT_EQ(*worker.behavior, hpa::DefaultBehavior());
  EXPECT_EQ(worker.behavior->scale_up.stabilization_window,
            absl::ZeroDuration());
  EXPECT_FALSE(worker.behavior->scale_down.stabilization_window.has_value());
  ASSERT_EQ(worker.metrics.size(), 1u);
  EXPECT_EQ(worker.metrics[0].type, MetricSourceType::kExternal);
  EXPECT_EQ(worker.metrics[0].target.average_value_milli, 30'000);
  EXPECT_EQ(worker.metrics[0].selector.match_labels.at("queue"), "jobs");
}

TEST(LoadManifestStringTest, BehaviorDefaultsAreFieldWise) {
  constexpr char kYaml[] = R"(apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: a}
spec:
  scaleTargetRef: {kind: Deployment, name: a}
  maxReplicas: 5
  behavior:
    scaleUp:
      policies:
      - {type: Pods, value: 1, periodSeconds: 60}
    scaleDown:
      selectPolicy: Disabled
      tolerance: 0.2
)";
  absl::StatusOr<LoadedManifests> loaded = LoadManifestString(kYaml);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  const hpa::Behavior& b = *loaded->autoscalers[0].behavior;
  // A user list replaces the default list whole; other fields default.
  EXPECT_EQ(b.scale_up.policies,
            (std::vector<hpa::ScalingPolicy>{
                {PolicyType::kPods, 1, absl::Seconds(60)}}));
  EXPECT_EQ(b.scale_up.stabilization_window, absl::ZeroDuration());
  EXPECT_EQ(b.scale_up.select_policy, SelectPolicy::kMax);
  EXPECT_FALSE(b.scale_up.tolerance.has_value());
  EXPECT_EQ(b.scale_down.select_policy, SelectPolicy::kDisabled);
  EXPECT_EQ(b.scale_down.policies, hpa::DefaultScaleDownRules().policies);
  EXPECT_FALSE(b.scale_down.stabilization_window.has_value());
  EXPECT_EQ(b.scale_down.tolerance, 0.2);
}

TEST(LoadManifestStringTest, ScaleToZeroFollowsTheGate) {
  constexpr char kYaml[] = R"(apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: a}
spec:
  scaleTargetRef: {kind: Deployment, name: a}
  minReplicas: 0
  maxReplicas: 5
  metrics:
  - type: External
    external:
      metric: {name: queue}
      target: {type: Value, value: "10"}
)";
  // HPAScaleToZero is Beta and on by default since 1.37.
  absl::StatusOr<LoadedManifests> loaded = LoadManifestString(kYaml);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->autoscalers[0].min_replicas, 0);
  hpa::ControllerConfig config;
  config.scale_to_zero = false;
  absl::StatusOr<LoadedManifests> off = LoadManifestString(kYaml, "<string>", config);
  ASSERT_FALSE(off.ok());
  EXPECT_EQ(std::string(off.status().message()),
            "<string>:6:16: spec.minReplicas: Invalid value: 0: must be greater than or equal "
            "to 1 (0 needs the HPAScaleToZero feature gate)");
}

TEST(LoadManifestStringTest, AllMetricTypes) {
  absl::StatusOr<LoadedManifests> loaded =
      LoadManifestFile(DataPath("all_metric_types.yaml"));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  const AutoscalerSpec& s = loaded->autoscalers.at(0);
  ASSERT_EQ(s.metrics.size(), 6u);
  EXPECT_EQ(s.metrics[0], MetricSpec::ResourceUtilization("cpu", 75));
  EXPECT_EQ(s.metrics[1],
            MetricSpec::ResourceAverageValue("memory", 1'610'612'736'000));
  EXPECT_EQ(s.metrics[2].type, MetricSourceType::kContainerResource);
  EXPECT_EQ(s.metrics[2].container, "agent");
  EXPECT_EQ(s.metrics[2].target.average_value_milli, 500);
  EXPECT_EQ(s.metrics[3].selector.match_expressions.size(), 2u);
  EXPECT_EQ(s.metrics[3].selector.match_expressions[0].values,
            (std::vector<std::string>{"fast", "slow"}));
  EXPECT_EQ(s.metrics[4],
            MetricSpec::ObjectValue(
                {"networking.k8s.io/v1", "Ingress", "main-route"},
                "requests_per_second", 2'000'000));
  EXPECT_EQ(s.metrics[5].target.type, MetricTargetType::kValue);
  EXPECT_EQ(s.metrics[5].target.value_milli, 1'000'000);
  EXPECT_EQ(s.behavior->scale_up.tolerance, 0.05);
  EXPECT_EQ(s.behavior->scale_down.tolerance, 0.05);
  EXPECT_FALSE(s.behavior->scale_down.stabilization_window.has_value());
}

TEST(LoadSingleAutoscalerTest, RequiresExactlyOne) {
  absl::StatusOr<AutoscalerSpec> two =
      LoadSingleAutoscaler(DataPath("multi_document.yaml"));
  ASSERT_FALSE(two.ok());
  EXPECT_EQ(two.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(two.status().message()),
              HasSubstr("expected exactly one HorizontalPodAutoscaler, found 2"));
}

// Round trip: Dump then Load gives back an equal spec.
struct RoundTripCase {
  std::string name;
  AutoscalerSpec spec;
};

void PrintTo(const RoundTripCase& c, std::ostream* os) { *os << c.name; }

std::vector<RoundTripCase> RoundTripCases() {
  std::vector<RoundTripCase> cases;
  for (const std::string& name : PresetNames()) {
    std::string id = absl::StrReplaceAll(name, {{"-", "_"}});
    cases.push_back({"Preset_" + id, *Preset(name)});
  }
  cases.push_back({"Seed", *LoadSingleAutoscaler(SeedPath())});
  cases.push_back(
      {"AllMetricTypes",
       LoadManifestFile(DataPath("all_metric_types.yaml"))->autoscalers[0]});
  const absl::StatusOr<LoadedManifests> multi =
      LoadManifestFile(DataPath("multi_document.yaml"));
  for (const AutoscalerSpec& s : multi->autoscalers) {
    cases.push_back({"MultiDocument_" +
                         absl::StrReplaceAll(s.name, {{"-", "_"}}),
                     s});
  }
  // Built by hand: odd tolerances, a scale-down window unset, quoting.
  AutoscalerSpec hand = *Preset("bursty");
  hand.name = "true";  // a string that YAML would read as a bool unquoted
  hand.behavior->scale_down.stabilization_window.reset();
  hand.behavior->scale_up.tolerance = 0.1;
  hand.behavior->scale_down.tolerance = 0.0;
  hand.metrics.push_back(MetricSpec::ExternalAverageValue("q: x", 1));
  hand.metrics.push_back(MetricSpec::ResourceAverageValue("cpu", 1'234));
  cases.push_back({"HandBuilt", hand});
  return cases;
}

class RoundTripTest : public testing::TestWithParam<RoundTripCase> {};

TEST_P(RoundTripTest, DumpThenLoadIsIdentity) {
  const std::string yaml = DumpManifest(GetParam().spec);
  absl::StatusOr<LoadedManifests> loaded = LoadManifestString(yaml, "dump");
  ASSERT_TRUE(loaded.ok()) << loaded.status() << "\n" << yaml;
  ASSERT_EQ(loaded->autoscalers.size(), 1u);
  EXPECT_EQ(loaded->autoscalers[0], GetParam().spec) << yaml;
}

INSTANTIATE_TEST_SUITE_P(
    Specs, RoundTripTest, testing::ValuesIn(RoundTripCases()),
    [](const testing::TestParamInfo<RoundTripCase>& info) {
      return info.param.name;
    });

TEST(DumpManifestsTest, MultiDocumentRoundTrip) {
  std::vector<AutoscalerSpec> specs;
  for (const std::string& name : PresetNames()) specs.push_back(*Preset(name));
  absl::StatusOr<LoadedManifests> loaded =
      LoadManifestString(DumpManifests(specs), "dump");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->autoscalers, specs);
}

}  // namespace
}  // namespace agentscale::config
