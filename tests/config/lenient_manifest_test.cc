// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Lenient loading (what it fills, and its warnings), Helm values `hpa:`
// blocks, and picking or listing the objects of a multi-document file.

#include <cstdlib>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "agentscale/config/manifest.h"
#include "agentscale/config/presets.h"
#include "agentscale/hpa/spec.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace agentscale::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;
using hpa::AutoscalerSpec;
using hpa::MetricSourceType;

std::string LenientSourceDir() {
  if (const char* env = std::getenv("AGENTSCALE_SOURCE_DIR")) return env;
#ifdef AGENTSCALE_SOURCE_DIR
  return AGENTSCALE_SOURCE_DIR;
#else
  return ".";
#endif
}

std::string LenientDataPath(const std::string& name) {
  return LenientSourceDir() + "/tests/data/manifests/" + name;
}

LoadOptions Lenient() {
  LoadOptions o;
  o.strict = false;
  return o;
}

LoadOptions Named(const std::string& name, bool strict = true) {
  LoadOptions o;
  o.strict = strict;
  o.name = name;
  return o;
}

// Line numbers in the cases below refer to this text (line 1 is apiVersion).
constexpr char kLenientBase[] = R"(apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: agent-hpa
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: agent
  maxReplicas: 10
  metrics:
  - type: Pods
    pods:
      metric:
        name: app_active_task_count
      target:
        type: AverageValue
        averageValue: "70"
)";

// The metric of kLenientBase (lines 12-18), to be replaced whole.
constexpr char kPodsMetric[] = R"(  - type: Pods
    pods:
      metric:
        name: app_active_task_count
      target:
        type: AverageValue
        averageValue: "70"
)";

constexpr char kTargetRef[] = R"(  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: agent
)";

struct FillCase {
  std::string name;
  std::string from;  // replaced in kLenientBase ...
  std::string to;    // ... by this
  std::vector<std::string> warnings;  // lenient: exactly these
  std::string strict_error;           // strict: the message starts so
  MetricSourceType metric_type = MetricSourceType::kPods;
};

void PrintTo(const FillCase& c, std::ostream* os) { *os << c.name; }

class LenientFillTest : public testing::TestWithParam<FillCase> {};

TEST_P(LenientFillTest, FillsAndWarnsWhereStrictRejects) {
  const FillCase& c = GetParam();
  const std::string yaml = absl::StrReplaceAll(kLenientBase, {{c.from, c.to}});
  ASSERT_NE(yaml, kLenientBase) << "case does not change the manifest";

  absl::StatusOr<LoadedManifests> lenient = LoadManifestString(yaml, "hpa.yaml", Lenient());
  ASSERT_TRUE(lenient.ok()) << lenient.status();
  EXPECT_EQ(lenient->warnings, c.warnings);
  ASSERT_EQ(lenient->autoscalers.size(), 1u);
  EXPECT_EQ(lenient->autoscalers[0].metrics.at(0).type, c.metric_type);

  absl::StatusOr<LoadedManifests> strict = LoadManifestString(yaml, "hpa.yaml", LoadOptions{});
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(strict.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(strict.status().message()), StartsWith(c.strict_error));
  // The default overloads are strict too.
  EXPECT_EQ(LoadManifestString(yaml, "hpa.yaml").status(), strict.status());
}

INSTANTIATE_TEST_SUITE_P(
    Lenient, LenientFillTest,
    testing::ValuesIn(std::vector<FillCase>{
        {"MetricTypeFromPods", "  - type: Pods\n    pods:", "  - pods:",
         {"hpa.yaml:12:5: spec.metrics[0].type: is required (filled: Pods, from its pods "
          "block)"},
         "hpa.yaml:12:5: spec.metrics[0].type: is required"},
        {"MetricTypeFromResource", kPodsMetric,
         "  - resource:\n      name: cpu\n      target: {type: Utilization, "
         "averageUtilization: 60}\n",
         {"hpa.yaml:12:5: spec.metrics[0].type: is required (filled: Resource, from its "
          "resource block)"},
         "hpa.yaml:12:5: spec.metrics[0].type: is required", MetricSourceType::kResource},
        {"MetricTypeFromContainerResource", kPodsMetric,
         "  - containerResource:\n      name: cpu\n      container: agent\n"
         "      target: {type: Utilization, averageUtilization: 60}\n",
         {"hpa.yaml:12:5: spec.metrics[0].type: is required (filled: ContainerResource, from "
          "its containerResource block)"},
         "hpa.yaml:12:5: spec.metrics[0].type: is required",
         MetricSourceType::kContainerResource},
        {"MetricTypeFromObject", kPodsMetric,
         "  - object:\n      describedObject: {apiVersion: v1, kind: Service, name: web}\n"
         "      metric: {name: rps}\n      target: {type: Value, value: \"100\"}\n",
         {"hpa.yaml:12:5: spec.metrics[0].type: is required (filled: Object, from its object "
          "block)"},
         "hpa.yaml:12:5: spec.metrics[0].type: is required", MetricSourceType::kObject},
        {"MetricTypeFromExternal", kPodsMetric,
         "  - external:\n      metric: {name: queue}\n"
         "      target: {type: AverageValue, averageValue: \"30\"}\n",
         {"hpa.yaml:12:5: spec.metrics[0].type: is required (filled: External, from its "
          "external block)"},
         "hpa.yaml:12:5: spec.metrics[0].type: is required", MetricSourceType::kExternal},
        {"ScaleTargetRefMissing", kTargetRef, "",
         {"hpa.yaml:5:1: spec.scaleTargetRef: is required (filled: apiVersion apps/v1, kind "
          "Deployment, name agent-hpa, a placeholder named after the autoscaler)"},
         "hpa.yaml:5:1: spec.scaleTargetRef: is required"},
        {"AllAtOnce", kTargetRef + std::string("  maxReplicas: 10\n  metrics:\n") + kPodsMetric,
         std::string("  maxReplicas: 10\n  metrics:\n") +
             "  - pods:\n      metric: {name: a}\n      target: {type: AverageValue, "
             "averageValue: \"1\"}\n" +
             "  - external:\n      metric: {name: b}\n      target: {type: Value, value: "
             "\"2\"}\n",
         {"hpa.yaml:5:1: spec.scaleTargetRef: is required (filled: apiVersion apps/v1, kind "
          "Deployment, name agent-hpa, a placeholder named after the autoscaler)",
          "hpa.yaml:8:5: spec.metrics[0].type: is required (filled: Pods, from its pods "
          "block)",
          "hpa.yaml:11:5: spec.metrics[1].type: is required (filled: External, from its "
          "external block)"},
         "hpa.yaml:5:1: spec.scaleTargetRef: is required"},
    }),
    [](const testing::TestParamInfo<FillCase>& info) { return info.param.name; });

TEST(LenientFillTest, PlaceholderTargetsADeploymentNamedAfterTheAutoscaler) {
  const std::string yaml = absl::StrReplaceAll(kLenientBase, {{kTargetRef, ""}});
  absl::StatusOr<LoadedManifests> loaded = LoadManifestString(yaml, "hpa.yaml", Lenient());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->autoscalers[0].scale_target_ref,
            (hpa::ObjectReference{"apps/v1", "Deployment", "agent-hpa"}));
}

// What stays an error in lenient mode: the same message as in strict mode.
struct StillErrorCase {
  std::string name;
  std::string from;
  std::string to;
  std::string prefix;   // `file:line:col: path: ` of the message
  std::string problem;  // substring of the rest
};

void PrintTo(const StillErrorCase& c, std::ostream* os) { *os << c.name; }

class LenientErrorTest : public testing::TestWithParam<StillErrorCase> {};

TEST_P(LenientErrorTest, IsAnErrorInBothModes) {
  const StillErrorCase& c = GetParam();
  const std::string yaml = absl::StrReplaceAll(kLenientBase, {{c.from, c.to}});
  ASSERT_NE(yaml, kLenientBase);
  absl::StatusOr<LoadedManifests> lenient = LoadManifestString(yaml, "hpa.yaml", Lenient());
  ASSERT_FALSE(lenient.ok());
  EXPECT_EQ(lenient.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(lenient.status().message());
  EXPECT_THAT(message, StartsWith(c.prefix));
  EXPECT_THAT(message, HasSubstr(c.prefix + c.problem));
  EXPECT_FALSE(LoadManifestString(yaml, "hpa.yaml", LoadOptions{}).ok());
}

INSTANTIATE_TEST_SUITE_P(
    Lenient, LenientErrorTest,
    testing::ValuesIn(std::vector<StillErrorCase>{
        {"NoSourceBlock", kPodsMetric, "  - {}\n", "hpa.yaml:12:5: spec.metrics[0].type: ",
         "is required, and there is no source block"},
        {"SeveralSourceBlocks", "  - type: Pods\n    pods:",
         "  - resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}\n"
         "    pods:",
         "hpa.yaml:12:5: spec.metrics[0].type: ",
         "is required, and cannot be inferred from several source blocks (pods, resource)"},
        {"UnknownField", "  maxReplicas: 10\n", "  maxReplicas: 10\n  maxReplica: 3\n",
         "hpa.yaml:11:3: spec.maxReplica: ", "unknown field; allowed here: "},
        {"BadQuantity", R"(averageValue: "70")", R"(averageValue: "7O")",
         "hpa.yaml:18:23: spec.metrics[0].pods.target.averageValue: ", "invalid quantity"},
        {"TargetNameMissing", "    name: agent\n", "",
         "hpa.yaml:6:3: spec.scaleTargetRef.name: ", "is required"},
        {"TargetTypeMissing", "        type: AverageValue\n", "",
         "hpa.yaml:16:7: spec.metrics[0].pods.target.type: ", "is required"},
        {"MaxReplicasMissing", "  maxReplicas: 10\n", "", "hpa.yaml:5:1: spec.maxReplicas: ",
         "is required"},
    }),
    [](const testing::TestParamInfo<StillErrorCase>& info) { return info.param.name; });

// The seed article's HPA, byte for byte.
TEST(SeedArticleTest, ManifestLoadsLenientlyWithThreeWarnings) {
  const std::string path = LenientDataPath("seed_article_hpa.yaml");
  absl::StatusOr<LoadedManifests> loaded = LoadManifestFile(path, Lenient());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_THAT(
      loaded->warnings,
      ElementsAre(path + ":5:1: spec.scaleTargetRef: is required (filled: apiVersion apps/v1, "
                         "kind Deployment, name matillion-agent-hpa, a placeholder named "
                         "after the autoscaler)",
                  path + ":24:5: spec.metrics[0].type: is required (filled: Pods, from its "
                         "pods block)",
                  path + ":30:5: spec.metrics[1].type: is required (filled: Pods, from its "
                         "pods block)"));
  ASSERT_EQ(loaded->autoscalers.size(), 1u);
  // Apart from its name and target, the seed's HPA is the production preset.
  AutoscalerSpec spec = loaded->autoscalers[0];
  EXPECT_EQ(spec.name, "matillion-agent-hpa");
  absl::StatusOr<AutoscalerSpec> production = Preset("production");
  ASSERT_TRUE(production.ok());
  EXPECT_EQ(spec.min_replicas, production->min_replicas);
  EXPECT_EQ(spec.max_replicas, production->max_replicas);
  EXPECT_EQ(spec.metrics, production->metrics);
  EXPECT_EQ(spec.behavior, production->behavior);

  absl::StatusOr<LoadedManifests> strict = LoadManifestFile(path);
  ASSERT_FALSE(strict.ok());
  EXPECT_EQ(std::string(strict.status().message()),
            path + ":5:1: spec.scaleTargetRef: is required");
}

// The seed's five `hpa:` blocks, byte for byte, each a preset.
class SeedValuesTest : public testing::TestWithParam<std::string> {};

TEST_P(SeedValuesTest, BlockEqualsItsPreset) {
  const std::string path = LenientDataPath("seed_values_" + GetParam() + ".yaml");
  for (bool strict : {true, false}) {
    LoadOptions options;
    options.strict = strict;
    absl::StatusOr<LoadedManifests> loaded = LoadManifestFile(path, options);
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    EXPECT_THAT(loaded->warnings, IsEmpty());
    ASSERT_EQ(loaded->autoscalers.size(), 1u);
    AutoscalerSpec spec = loaded->autoscalers[0];
    EXPECT_EQ(spec.name, "agents-values");
    absl::StatusOr<AutoscalerSpec> preset = Preset(GetParam());
    ASSERT_TRUE(preset.ok());
    spec.name = preset->name;
    EXPECT_EQ(spec, *preset);
  }
}

INSTANTIATE_TEST_SUITE_P(Seed, SeedValuesTest, testing::ValuesIn(PresetNames()),
                         [](const testing::TestParamInfo<std::string>& info) {
                           return absl::StrReplaceAll(info.param, {{"-", "_"}});
                         });

TEST(HelmValuesTest, ReadsWhatTheBlockWrites) {
  constexpr char kYaml[] = R"(image: agent:1.2   # another chart setting, not read
hpa:
  maxReplicas: 12
  metrics:
    target:
      averageValue: 500m
  scaleUp:
    selectPolicy: Min
    policies:
    - type: Percent
      value: 50
      periodSeconds: 15
  scaleDown:
    stabilizationWindowSeconds: 120
)";
  absl::StatusOr<LoadedManifests> loaded = LoadManifestString(kYaml, "values.yaml", LoadOptions{});
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_EQ(loaded->autoscalers.size(), 1u);
  HpaValues values;
  values.max_replicas = 12;
  values.tasks_target_milli = 500;
  values.scale_up.select_policy = hpa::SelectPolicy::kMin;
  values.scale_up.policies =
      std::vector<hpa::ScalingPolicy>{{hpa::PolicyType::kPercent, 50, absl::Seconds(15)}};
  values.scale_down.stabilization_window = absl::Seconds(120);
  EXPECT_EQ(loaded->autoscalers[0], SpecFromHpaValues(values, "agents-values"));
  // Unset fields are production's.
  EXPECT_EQ(loaded->autoscalers[0].min_replicas, Preset("production")->min_replicas);
}

TEST(HelmValuesTest, UnknownKeyIsAWarningWhenLenientAndAnErrorWhenStrict) {
  constexpr char kYaml[] = R"(hpa:
  enabled: true
  minReplicas: 3
  scaleUp:
    stabilizationWindowSecond: 10
)";
  absl::StatusOr<LoadedManifests> lenient = LoadManifestString(kYaml, "values.yaml", Lenient());
  ASSERT_TRUE(lenient.ok()) << lenient.status();
  EXPECT_THAT(lenient->warnings,
              ElementsAre("values.yaml:2:3: hpa.enabled: unknown field; allowed here: "
                          "minReplicas, maxReplicas, metrics, scaleUp, scaleDown (ignored)",
                          "values.yaml:5:5: hpa.scaleUp.stabilizationWindowSecond: unknown "
                          "field; allowed here: stabilizationWindowSeconds, selectPolicy, "
                          "policies (ignored)"));
  ASSERT_EQ(lenient->autoscalers.size(), 1u);
  EXPECT_EQ(lenient->autoscalers[0].min_replicas, 3);

  absl::StatusOr<LoadedManifests> strict = LoadManifestString(kYaml, "values.yaml", LoadOptions{});
  ASSERT_FALSE(strict.ok());
  EXPECT_THAT(std::string(strict.status().message()),
              StartsWith("values.yaml:2:3: hpa.enabled: unknown field; allowed here: "));
}

struct ValuesErrorCase {
  std::string name;
  std::string yaml;
  std::string message;  // exact, in both modes
};

void PrintTo(const ValuesErrorCase& c, std::ostream* os) { *os << c.name; }

class HelmValuesErrorTest : public testing::TestWithParam<ValuesErrorCase> {};

TEST_P(HelmValuesErrorTest, PointsAtTheValuesField) {
  for (bool strict : {true, false}) {
    LoadOptions options;
    options.strict = strict;
    absl::StatusOr<LoadedManifests> loaded =
        LoadManifestString(GetParam().yaml, "values.yaml", options);
    ASSERT_FALSE(loaded.ok());
    EXPECT_EQ(std::string(loaded.status().message()), GetParam().message);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Values, HelmValuesErrorTest,
    testing::ValuesIn(std::vector<ValuesErrorCase>{
        {"MinReplicasZero", "hpa:\n  minReplicas: 0\n",
         "values.yaml:1:1: hpa.metrics: Forbidden: must specify at least one Object or "
         "External metric to support scaling to zero replicas"},
        {"MaxBelowInheritedMin", "hpa:\n  maxReplicas: 1\n",
         "values.yaml:2:16: hpa.maxReplicas: must be >= minReplicas (2), got 1"},
        {"TargetZero", "hpa:\n  metrics:\n    target:\n      averageValue: \"0\"\n",
         "values.yaml:4:21: hpa.metrics.target.averageValue: must be greater than 0, got "
         "\"0\""},
        {"BadQuantity", "hpa:\n  metrics:\n    target:\n      averageValue: seventy\n",
         "values.yaml:4:21: hpa.metrics.target.averageValue: invalid quantity \"seventy\": "
         "unexpected character 's' at offset 0; expected <number><suffix> with suffix one of "
         "n u m k M G T P E Ki Mi Gi Ti Pi Ei or an exponent e<N>"},
        {"WindowTooLong", "hpa:\n  scaleDown:\n    stabilizationWindowSeconds: 3601\n",
         "values.yaml:3:33: hpa.scaleDown.stabilizationWindowSeconds: must be in 0..3600, got "
         "3601"},
        {"QuotedInteger", "hpa:\n  minReplicas: \"2\"\n",
         "values.yaml:2:16: hpa.minReplicas: must be an integer, got scalar \"2\" (quoted)"},
        {"MetricsAsAList", "hpa:\n  metrics:\n  - target: {averageValue: \"1\"}\n",
         "values.yaml:3:3: hpa.metrics: must be a mapping, got a list"},
    }),
    [](const testing::TestParamInfo<ValuesErrorCase>& info) { return info.param.name; });

// --- Several objects in one stream -----------------------------------------

TEST(PickByNameTest, LoadsOnlyTheNamedObject) {
  for (const std::string name : {"worker-hpa", "batch/worker-hpa"}) {
    absl::StatusOr<LoadedManifests> loaded =
        LoadManifestFile(LenientDataPath("multi_document.yaml"), Named(name));
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    ASSERT_EQ(loaded->autoscalers.size(), 1u) << name;
    EXPECT_EQ(loaded->autoscalers[0].name, "worker-hpa");
    EXPECT_EQ(loaded->autoscalers[0].namespace_name, "batch");
    EXPECT_THAT(loaded->skipped, IsEmpty());
  }
}

TEST(PickByNameTest, UnknownNameListsTheNames) {
  const std::string path = LenientDataPath("multi_document.yaml");
  absl::StatusOr<LoadedManifests> loaded = LoadManifestFile(path, Named("agent"));
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument);
  // "agent" is the Deployment's name: not an object the loader reads.
  EXPECT_EQ(std::string(loaded.status().message()),
            path + ": no HorizontalPodAutoscaler, ScaledObject, ScaledJob or Helm values "
                   "named \"agent\"; names: agent-cpu (HorizontalPodAutoscaler, line 15), "
                   "batch/worker-hpa (HorizontalPodAutoscaler, line 35)");
}

TEST(PickByNameTest, ABrokenNeighbourDoesNotStopIt) {
  const std::string yaml = std::string(kLenientBase) + "---\n" +
                           absl::StrReplaceAll(kLenientBase, {{"agent-hpa", "other"},
                                                       {"maxReplicas: 10", "maxReplicas: 0"}});
  EXPECT_FALSE(LoadManifestString(yaml, "two.yaml", LoadOptions{}).ok());
  absl::StatusOr<LoadedManifests> loaded =
      LoadManifestString(yaml, "two.yaml", Named("agent-hpa"));
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_EQ(loaded->autoscalers.size(), 1u);
  EXPECT_EQ(loaded->autoscalers[0].name, "agent-hpa");
}

TEST(PickByNameTest, SameNameTwiceNeedsTheNamespace) {
  const std::string yaml =
      absl::StrReplaceAll(kLenientBase, {{"  name: agent-hpa\n", "  name: agent-hpa\n  namespace: a\n"}}) +
      "---\n" +
      absl::StrReplaceAll(kLenientBase, {{"  name: agent-hpa\n", "  name: agent-hpa\n  namespace: b\n"},
                                  {"maxReplicas: 10", "maxReplicas: 7"}});
  absl::StatusOr<LoadedManifests> ambiguous =
      LoadManifestString(yaml, "two.yaml", Named("agent-hpa"));
  ASSERT_FALSE(ambiguous.ok());
  EXPECT_EQ(std::string(ambiguous.status().message()),
            "two.yaml: several objects are named \"agent-hpa\": a/agent-hpa "
            "(HorizontalPodAutoscaler, line 1), b/agent-hpa (HorizontalPodAutoscaler, line 21); "
            "give <namespace>/<name>");
  absl::StatusOr<LoadedManifests> picked =
      LoadManifestString(yaml, "two.yaml", Named("b/agent-hpa"));
  ASSERT_TRUE(picked.ok()) << picked.status();
  ASSERT_EQ(picked->autoscalers.size(), 1u);
  EXPECT_EQ(picked->autoscalers[0].max_replicas, 7);
}

TEST(PickByNameTest, HelmValuesDocumentsAreNamedInOrder) {
  const std::string yaml = "hpa: {maxReplicas: 4}\n---\nhpa: {maxReplicas: 6}\n";
  absl::StatusOr<LoadedManifests> all = LoadManifestString(yaml, "v.yaml", LoadOptions{});
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->autoscalers.size(), 2u);
  EXPECT_EQ(all->autoscalers[0].name, "agents-values");
  EXPECT_EQ(all->autoscalers[1].name, "agents-values-2");
  absl::StatusOr<LoadedManifests> second =
      LoadManifestString(yaml, "v.yaml", Named("agents-values-2"));
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_EQ(second->autoscalers.size(), 1u);
  EXPECT_EQ(second->autoscalers[0].max_replicas, 6);
}

TEST(PickByNameTest, LenientAndNamedTogether) {
  const std::string path = LenientDataPath("seed_article_hpa.yaml");
  LoadOptions options = Named("matillion-agent-hpa", /*strict=*/false);
  absl::StatusOr<AutoscalerSpec> spec = LoadSingleAutoscaler(path, options);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->name, "matillion-agent-hpa");
  EXPECT_FALSE(LoadSingleAutoscaler(path).ok());  // strict by default
}

TEST(ListManifestDocumentsTest, ClassifiesEveryDocument) {
  absl::StatusOr<std::vector<ManifestDocument>> docs =
      ListManifestDocuments(LenientDataPath("multi_document.yaml"));
  ASSERT_TRUE(docs.ok()) << docs.status();
  ASSERT_EQ(docs->size(), 4u);  // the empty document is not one
  const std::vector<std::string> kinds = {"Deployment", "HorizontalPodAutoscaler", "Service",
                                          "HorizontalPodAutoscaler"};
  const std::vector<std::string> names = {"agent", "agent-cpu", "agent-metrics", "worker-hpa"};
  const std::vector<int> indexes = {0, 1, 3, 4};
  const std::vector<int> lines = {3, 15, 27, 35};
  for (size_t i = 0; i < docs->size(); ++i) {
    const ManifestDocument& d = (*docs)[i];
    EXPECT_EQ(d.kind, kinds[i]);
    EXPECT_EQ(d.name, names[i]);
    EXPECT_EQ(d.index, indexes[i]);
    EXPECT_EQ(d.line, lines[i]);
    EXPECT_EQ(d.loadable, d.kind == "HorizontalPodAutoscaler") << d.name;
    EXPECT_FALSE(d.helm_values);
  }
  EXPECT_EQ((*docs)[3].namespace_name, "batch");
}

TEST(ListManifestDocumentsTest, ListsAFileThatDoesNotLoad) {
  const std::string yaml = "hpa:\n  minReplicas: 0\n---\nkind: Thing\n";
  EXPECT_FALSE(LoadManifestString(yaml, "x.yaml", LoadOptions{}).ok());
  absl::StatusOr<std::vector<ManifestDocument>> docs = ListManifestDocumentsInString(yaml);
  ASSERT_TRUE(docs.ok()) << docs.status();
  ASSERT_EQ(docs->size(), 2u);
  EXPECT_TRUE((*docs)[0].helm_values);
  EXPECT_TRUE((*docs)[0].loadable);
  EXPECT_EQ((*docs)[0].name, "agents-values");
  EXPECT_EQ((*docs)[1].kind, "Thing");
  EXPECT_FALSE((*docs)[1].loadable);
  EXPECT_FALSE(ListManifestDocumentsInString("a: [1\n").ok());
}

}  // namespace
}  // namespace agentscale::config
