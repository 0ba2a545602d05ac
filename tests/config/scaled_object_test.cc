// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The ScaledObject loader: the seed's object verbatim, KEDA's defaults,
// every field, errors with file:line:col, warnings, and dump -> load.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "agentscale/config/manifest.h"
#include "agentscale/keda/scaled_object.h"
#include "testing/status_matchers.h"

namespace agentscale::config {
namespace {

using ::agentscale_testing::IsOk;
using ::agentscale_testing::StatusIs;
using ::testing::HasSubstr;

// The seed's ScaledObject, as its article prints it.
constexpr char kSeed[] = R"(# KEDA ScaledObject for event-driven scaling
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: matillion-agent-scaler
spec:
  scaleTargetRef:
    name: matillion-agent
  triggers:
  - type: prometheus
    metadata:
      serverAddress: http://prometheus:9090
      metricName: app_pending_tasks
      threshold: '50'
      query: sum(app_pending_tasks)
)";

TEST(ScaledObjectLoaderTest, SeedLoadsVerbatimWithKedaDefaults) {
  absl::StatusOr<LoadedManifests> loaded = LoadManifestString(kSeed, "seed.yaml");
  ASSERT_THAT(loaded.status(), IsOk());
  EXPECT_TRUE(loaded->autoscalers.empty());
  EXPECT_TRUE(loaded->skipped.empty());
  ASSERT_EQ(loaded->scaled_objects.size(), 1u);
  const keda::ScaledObjectSpec& so = loaded->scaled_objects[0];
  EXPECT_EQ(so.name, "matillion-agent-scaler");
  EXPECT_EQ(so.scale_target_ref.name, "matillion-agent");
  EXPECT_EQ(so.scale_target_ref.kind, "Deployment");
  EXPECT_EQ(so.polling_interval_seconds, 30);
  EXPECT_EQ(so.cooldown_period_seconds, 300);
  EXPECT_EQ(so.initial_cooldown_period_seconds, 0);
  EXPECT_EQ(so.min_replica_count, 0);
  EXPECT_EQ(so.max_replica_count, 100);
  EXPECT_FALSE(so.idle_replica_count.has_value());
  EXPECT_FALSE(so.behavior.has_value());
  ASSERT_EQ(so.triggers.size(), 1u);
  EXPECT_EQ(so.triggers[0].type, "prometheus");
  EXPECT_EQ(so.triggers[0].target, 50);
  EXPECT_EQ(so.triggers[0].activation_target, 0);
  EXPECT_TRUE(so.triggers[0].ignore_null_values);
  EXPECT_EQ(so.triggers[0].metric_name, "s0-prometheus");
  EXPECT_EQ(so.triggers[0].metadata.at("query"), "sum(app_pending_tasks)");
  // metricName is deprecated: a warning at its line, not an error.
  ASSERT_EQ(loaded->warnings.size(), 1u);
  EXPECT_THAT(loaded->warnings[0],
              HasSubstr("seed.yaml:13:19: spec.triggers[0].metadata.metricName: is deprecated"));
}

TEST(ScaledObjectLoaderTest, EveryField) {
  constexpr char kFull[] = R"(apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: full
  namespace: agents
  annotations:
    autoscaling.keda.sh/paused-scale-in: "true"
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: agent}
  pollingInterval: 10
  cooldownPeriod: 120
  initialCooldownPeriod: 60
  idleReplicaCount: 0
  minReplicaCount: 2
  maxReplicaCount: 40
  fallback: {failureThreshold: 3, replicas: 6, behavior: currentReplicasIfHigher}
  advanced:
    restoreToOriginalReplicaCount: true
    horizontalPodAutoscalerConfig:
      name: agent-hpa
      behavior:
        scaleDown:
          stabilizationWindowSeconds: 60
          policies: [{type: Pods, value: 2, periodSeconds: 60}]
    scalingModifiers:
      formula: "(queue + tasks) / 2"
      target: "40"
      activationTarget: "1"
  triggers:
  - type: aws-sqs-queue
    name: queue
    metadata: {queueURL: https://sqs/agents, awsRegion: eu-west-1}
  - type: prometheus
    name: tasks
    metricType: Value
    metadata:
      serverAddress: http://prometheus:9090
      query: sum(app_active_task_count)
      threshold: "70.5"
      activationThreshold: "3"
      ignoreNullValues: "false"
)";
  absl::StatusOr<LoadedManifests> loaded = LoadManifestString(kFull, "full.yaml");
  ASSERT_THAT(loaded.status(), IsOk());
  ASSERT_EQ(loaded->scaled_objects.size(), 1u);
  const keda::ScaledObjectSpec& so = loaded->scaled_objects[0];
  EXPECT_EQ(so.namespace_name, "agents");
  EXPECT_TRUE(so.paused_scale_in);
  EXPECT_EQ(so.scale_target_ref.kind, "StatefulSet");
  EXPECT_EQ(so.polling_interval_seconds, 10);
  EXPECT_EQ(so.idle_replica_count, 0);
  ASSERT_TRUE(so.fallback.has_value());
  EXPECT_EQ(so.fallback->behavior, keda::FallbackBehavior::kCurrentReplicasIfHigher);
  EXPECT_EQ(so.hpa_name, "agent-hpa");
  ASSERT_TRUE(so.behavior.has_value());
  EXPECT_EQ(so.behavior->scale_down.stabilization_window, absl::Seconds(60));
  EXPECT_EQ(so.behavior->scale_up, hpa::DefaultScaleUpRules());
  ASSERT_TRUE(so.scaling_modifiers.has_value());
  EXPECT_EQ(so.scaling_modifiers->target, 40);
  EXPECT_EQ(so.triggers[0].target, 5);  // aws-sqs-queue's default queueLength
  EXPECT_EQ(so.triggers[0].metric_name, "s0-aws-sqs-queue");
  EXPECT_EQ(so.triggers[1].metric_type, hpa::MetricTargetType::kValue);
  EXPECT_EQ(so.triggers[1].target, 70.5);
  EXPECT_EQ(so.triggers[1].activation_target, 3);
  EXPECT_FALSE(so.triggers[1].ignore_null_values);

  // Dump and load again: the same object.
  const std::string dumped = DumpScaledObject(so);
  absl::StatusOr<LoadedManifests> again = LoadManifestString(dumped, "dumped.yaml");
  ASSERT_THAT(again.status(), IsOk()) << dumped;
  ASSERT_EQ(again->scaled_objects.size(), 1u);
  const keda::ScaledObjectSpec& b = again->scaled_objects[0];
  EXPECT_EQ(DumpScaledObject(b), dumped);
  EXPECT_EQ(b.triggers[1].target, 70.5);
  EXPECT_EQ(b.behavior, so.behavior);
  EXPECT_EQ(b.fallback->replicas, 6);
}

struct ScaledObjectBadCase {
  std::string name;
  std::string yaml_spec;  // under `spec:`
  std::string expected;   // a substring of the error
};

class ScaledObjectErrorTest : public ::testing::TestWithParam<ScaledObjectBadCase> {};

TEST_P(ScaledObjectErrorTest, NamesLineAndField) {
  const std::string yaml = "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\n"
                           "metadata: {name: x}\nspec:\n" + GetParam().yaml_spec;
  EXPECT_THAT(LoadManifestString(yaml, "so.yaml").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(GetParam().expected)));
}

constexpr char kTrigger[] =
    "  triggers:\n  - type: prometheus\n    metadata: {serverAddress: http://p, query: q, "
    "threshold: '5'}\n";

INSTANTIATE_TEST_SUITE_P(
    Keda, ScaledObjectErrorTest,
    ::testing::ValuesIn(std::vector<ScaledObjectBadCase>{
        {"UnknownField", "  scaleTargetRef: {name: a}\n  pollInterval: 5\n" + std::string(kTrigger),
         "so.yaml:6:3: spec.pollInterval: unknown field"},
        {"UnquotedThreshold",
         "  scaleTargetRef: {name: a}\n  triggers:\n  - type: prometheus\n    metadata: "
         "{serverAddress: http://p, query: q, threshold: 50}\n",
         "spec.triggers[0].metadata.threshold: must be a string"},
        {"MissingThreshold",
         "  scaleTargetRef: {name: a}\n  triggers:\n  - type: prometheus\n    metadata: "
         "{serverAddress: http://p, query: q}\n",
         "spec.triggers[0].metadata.threshold: is required for a prometheus trigger"},
        {"BadNumber",
         "  scaleTargetRef: {name: a}\n  triggers:\n  - type: prometheus\n    metadata: "
         "{serverAddress: http://p, query: q, threshold: 'fifty'}\n",
         "metadata.threshold: must be a number, got \"fifty\""},
        {"UnsupportedType",
         "  scaleTargetRef: {name: a}\n  triggers:\n  - type: carrier-pigeon\n    metadata: {}\n",
         "trigger type \"carrier-pigeon\" is not supported"},
        {"IdleNotBelowMin",
         "  scaleTargetRef: {name: a}\n  idleReplicaCount: 3\n  minReplicaCount: 3\n" +
             std::string(kTrigger),
         "so.yaml:6:21: spec.idleReplicaCount: must be below minReplicaCount (3), got 3"},
        {"BadFallbackBehavior",
         "  scaleTargetRef: {name: a}\n  fallback: {failureThreshold: 3, replicas: 2, behavior: "
         "sometimes}\n" + std::string(kTrigger),
         "spec.fallback.behavior: unsupported value \"sometimes\""},
        {"FormulaUnknownTrigger",
         "  scaleTargetRef: {name: a}\n  advanced:\n    scalingModifiers: {formula: 'a + b', "
         "target: '5'}\n  triggers:\n  - type: prometheus\n    name: a\n    metadata: "
         "{serverAddress: http://p, query: q, threshold: '5'}\n",
         "spec.advanced.scalingModifiers.formula: formula:1:5: unknown trigger \"b\""},
        {"CronWithoutTimezone",
         "  scaleTargetRef: {name: a}\n  triggers:\n  - type: cron\n    metadata: "
         "{start: 0 8 * * *, end: 0 18 * * *, desiredReplicas: '3'}\n",
         "so.yaml:8:15: spec.triggers[0].metadata.timezone: is required for a cron trigger"},
        {"CronWithoutDesiredReplicas",
         "  scaleTargetRef: {name: a}\n  triggers:\n  - type: cron\n    metadata: "
         "{timezone: UTC, start: 0 8 * * *, end: 0 18 * * *}\n",
         "spec.triggers[0].metadata.desiredReplicas: is required for a cron trigger"},
        {"CronFractionalReplicas",
         "  scaleTargetRef: {name: a}\n  triggers:\n  - type: cron\n    metadata: "
         "{timezone: UTC, start: 0 8 * * *, end: 0 18 * * *, desiredReplicas: '2.5'}\n",
         "so.yaml:8:83: spec.triggers[0].metadata.desiredReplicas: must be a whole number, got "
         "\"2.5\""},
        {"CronBadStart",
         "  scaleTargetRef: {name: a}\n  triggers:\n  - type: cron\n    metadata: "
         "{timezone: UTC, start: 0 8 * * 7, end: 0 18 * * *, desiredReplicas: '2'}\n",
         "spec.triggers[0].metadata.start: error parsing start schedule: end of range (7) above "
         "maximum (6): 7"},
        {"CronSameStartAndEnd",
         "  scaleTargetRef: {name: a}\n  triggers:\n  - type: cron\n    metadata: "
         "{timezone: UTC, start: 0 8 * * *, end: 0 8 * * *, desiredReplicas: '2'}\n",
         "spec.triggers[0].metadata.end: start and end can not have exactly same time input"},
        {"EveryProblemAtOnce",
         "  scaleTargetRef: {name: a}\n  pollingInterval: 0\n  maxReplicaCount: 0\n" +
             std::string(kTrigger),
         "spec.pollingInterval: must be at least 1, got 0\nso.yaml:7:20: "
         "spec.maxReplicaCount: must be at least 1, got 0"},
    }),
    [](const ::testing::TestParamInfo<ScaledObjectBadCase>& info) { return info.param.name; });

std::string ScaledObjectSourceDir() {
  return getenv("AGENTSCALE_SOURCE_DIR") ? getenv("AGENTSCALE_SOURCE_DIR") : ".";
}

TEST(ScaledObjectLoaderTest, CronTriggerLoadsAndDumpsBack) {
  absl::StatusOr<LoadedManifests> loaded =
      LoadManifestFile(ScaledObjectSourceDir() + "/examples/keda_cron.yaml");
  ASSERT_THAT(loaded.status(), IsOk());
  EXPECT_TRUE(loaded->warnings.empty());
  ASSERT_EQ(loaded->scaled_objects.size(), 1u);
  const keda::ScaledObjectSpec& so = loaded->scaled_objects[0];
  ASSERT_EQ(so.triggers.size(), 2u);
  const keda::Trigger& cron = so.triggers[1];
  ASSERT_TRUE(cron.cron.has_value());
  EXPECT_EQ(cron.name, "business-hours");
  EXPECT_EQ(cron.cron->start, "0 8 * * 1-5");
  EXPECT_EQ(cron.cron->end, "0 18 * * 1-5");
  EXPECT_EQ(cron.cron->timezone, "America/New_York");
  EXPECT_EQ(cron.cron->desired_replicas, 4);
  EXPECT_EQ(cron.target, 1);
  EXPECT_EQ(cron.metric_name, "s1-cron-America-New_York-08xx1-5-018xx1-5");
  const std::string dumped = DumpScaledObject(so);
  absl::StatusOr<LoadedManifests> again = LoadManifestString(dumped, "dumped.yaml");
  ASSERT_THAT(again.status(), IsOk()) << dumped;
  EXPECT_EQ(DumpScaledObject(again->scaled_objects[0]), dumped);
  EXPECT_EQ(again->scaled_objects[0].triggers[1].cron->desired_replicas, 4);
}

TEST(ScaledObjectLoaderTest, CronWithAnUnknownZoneIsAWarning) {
  // KEDA accepts it and fails at every poll; so does agentscale's policy.
  const std::string yaml =
      "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: x}\nspec:\n"
      "  scaleTargetRef: {name: a}\n  triggers:\n  - type: cron\n    metadata:\n"
      "      timezone: Europe/Atlantis\n      start: 0 8 * * *\n      end: 0 18 * * *\n"
      "      desiredReplicas: '3'\n";
  absl::StatusOr<LoadedManifests> loaded = LoadManifestString(yaml, "so.yaml");
  ASSERT_THAT(loaded.status(), IsOk());
  ASSERT_EQ(loaded->warnings.size(), 1u);
  EXPECT_THAT(loaded->warnings[0],
              HasSubstr("so.yaml:9:17: spec.triggers[0].metadata.timezone: unknown time zone "
                        "\"Europe/Atlantis\""));
  EXPECT_THAT(loaded->warnings[0], HasSubstr("every poll of this trigger fails"));
}

TEST(ScaledObjectLoaderTest, OtherKedaVersionsAreRefused) {
  EXPECT_THAT(LoadManifestString("apiVersion: keda.sh/v1beta9\nkind: ScaledObject\n", "x.yaml")
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("x.yaml:1:13: apiVersion")));
}

TEST(ScaledObjectLoaderTest, HpaAndScaledObjectInOneFile) {
  const std::string yaml = std::string(
                               "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\n"
                               "metadata: {name: h}\nspec:\n  scaleTargetRef: {kind: Deployment, "
                               "name: a}\n  maxReplicas: 5\n---\n") +
                           kSeed;
  absl::StatusOr<LoadedManifests> loaded = LoadManifestString(yaml, "both.yaml");
  ASSERT_THAT(loaded.status(), IsOk());
  EXPECT_EQ(loaded->autoscalers.size(), 1u);
  EXPECT_EQ(loaded->scaled_objects.size(), 1u);
}

}  // namespace
}  // namespace agentscale::config

namespace agentscale::config {
namespace {

// yaml-cpp 0.7's LoadAll never returns on these (jbeder/yaml-cpp#1040); the
// loader stops with an error at the place it cannot get past.
TEST(ManifestHostileInputTest, StrayCommaIsAnErrorNotAHang) {
  EXPECT_THAT(LoadManifestString(",", "comma.yaml").status(),
              agentscale_testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                           ::testing::HasSubstr("comma.yaml:1:1: invalid YAML")));
  EXPECT_THAT(LoadManifestString("apiVersion: v1\n, kind: x\n", "lines.yaml").status(),
              agentscale_testing::StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace agentscale::config

#include "absl/time/time.h"
#include "agentscale/config/lint.h"

namespace agentscale::config {
namespace {

std::vector<std::string> Rules(const keda::ScaledObjectSpec& so) {
  std::vector<std::string> out;
  for (const LintFinding& f : LintScaledObject(so)) out.push_back(f.rule);
  return out;
}

TEST(ScaledObjectLintTest, WhatKedaUsersTripOn) {
  absl::StatusOr<LoadedManifests> loaded = LoadManifestString(kSeed, "seed.yaml");
  ASSERT_THAT(loaded.status(), IsOk());
  keda::ScaledObjectSpec so = loaded->scaled_objects[0];
  EXPECT_THAT(Rules(so), ::testing::ElementsAre("keda-cooldown-from-poll", "keda-outage-to-zero"));

  so.fallback = keda::Fallback{3, 4, keda::FallbackBehavior::kStatic};
  EXPECT_THAT(Rules(so),
              ::testing::ElementsAre("keda-cooldown-from-poll", "keda-static-fallback"));

  so.min_replica_count = 3;
  so.idle_replica_count = 1;
  so.fallback->behavior = keda::FallbackBehavior::kCurrentReplicasIfHigher;
  EXPECT_THAT(Rules(so), ::testing::ElementsAre("keda-cooldown-from-poll", "keda-idle-not-zero"));

  keda::ScaledObjectSpec cpu;
  cpu.name = "cpu-only";
  keda::Trigger t;
  t.type = "cpu";
  t.kind = keda::TriggerKind::kResource;
  t.metric_type = hpa::MetricTargetType::kUtilization;
  t.target = 70;
  t.metric_name = "cpu";
  cpu.triggers.push_back(t);
  EXPECT_THAT(Rules(cpu), ::testing::Contains("keda-zero-without-activity"));
  // The HPA rules run on the generated HPA, fields named as KEDA spells them.
  cpu.min_replica_count = 5;
  cpu.max_replica_count = 5;
  std::vector<LintFinding> findings = LintScaledObject(cpu);
  ASSERT_FALSE(findings.empty());
  EXPECT_EQ(findings.back().rule, "fixed-size");
  EXPECT_EQ(findings.back().field, "spec.minReplicaCount");
}

}  // namespace
}  // namespace agentscale::config

namespace agentscale::config {
namespace {

TEST(ScaledJobLoaderTest, LoadsWithKedasDefaultsAndStrategy) {
  constexpr char kJob[] = R"(apiVersion: keda.sh/v1alpha1
kind: ScaledJob
metadata:
  name: agent-jobs
spec:
  jobTargetRef:
    parallelism: 1
    completions: 1
    backoffLimit: 4
    template:
      spec:
        containers: [{name: agent, image: agent:1}]
  pollingInterval: 10
  maxReplicaCount: 50
  rolloutStrategy: gradual
  scalingStrategy:
    strategy: custom
    customScalingQueueLengthDeduction: 1
    customScalingRunningJobPercentage: "0.5"
    multipleScalersCalculation: sum
  triggers:
  - type: prometheus
    metadata: {serverAddress: http://p, query: sum(app_pending_tasks), threshold: '1'}
)";
  absl::StatusOr<LoadedManifests> loaded = LoadManifestString(kJob, "job.yaml");
  ASSERT_THAT(loaded.status(), IsOk());
  ASSERT_EQ(loaded->scaled_jobs.size(), 1u);
  const keda::ScaledJobSpec& sj = loaded->scaled_jobs[0];
  EXPECT_EQ(sj.name, "agent-jobs");
  EXPECT_EQ(sj.polling_interval_seconds, 10);
  EXPECT_EQ(sj.successful_jobs_history_limit, 100);
  EXPECT_EQ(sj.backoff_limit, 4);
  EXPECT_EQ(sj.max_replica_count, 50);
  EXPECT_FALSE(sj.min_replica_count.has_value());
  EXPECT_EQ(sj.strategy, keda::ScalingStrategy::kCustom);
  EXPECT_EQ(sj.custom_queue_length_deduction, 1);
  EXPECT_EQ(sj.custom_running_job_percentage, "0.5");
  EXPECT_EQ(sj.multiple_scalers_calculation, keda::MultipleScalersCalculation::kSum);
  EXPECT_EQ(sj.rollout_strategy, "gradual");
  ASSERT_EQ(loaded->warnings.size(), 1u);
  EXPECT_THAT(loaded->warnings[0], HasSubstr("job.yaml:15:20: spec.rolloutStrategy: is deprecated"));
}

TEST(ScaledJobLoaderTest, MetricTypeAndMissingTemplateAreErrors) {
  const std::string head =
      "apiVersion: keda.sh/v1alpha1\nkind: ScaledJob\nmetadata: {name: j}\nspec:\n";
  EXPECT_THAT(LoadManifestString(head + "  jobTargetRef: {parallelism: 1}\n  triggers: []\n",
                                 "j.yaml")
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("spec.jobTargetRef.template: is required")));
  EXPECT_THAT(
      LoadManifestString(head +
                             "  jobTargetRef: {template: {}}\n  triggers:\n  - type: prometheus\n"
                             "    metricType: Value\n    metadata: {serverAddress: s, query: q, "
                             "threshold: '1'}\n",
                         "j.yaml")
          .status(),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("j.yaml:8:17: spec.triggers[0].metricType: cannot be set on a ScaledJob")));
}

}  // namespace
}  // namespace agentscale::config

namespace agentscale::config {
namespace {

TEST(ScaledJobLoaderTest, DumpLoadsBackTheSame) {
  absl::StatusOr<LoadedManifests> loaded =
      LoadManifestFile(std::string(getenv("AGENTSCALE_SOURCE_DIR") ? getenv("AGENTSCALE_SOURCE_DIR")
                                                                    : ".") +
                       "/examples/keda_job.yaml");
  ASSERT_THAT(loaded.status(), IsOk());
  ASSERT_EQ(loaded->scaled_jobs.size(), 1u);
  const std::string dumped = DumpScaledJob(loaded->scaled_jobs[0]);
  absl::StatusOr<LoadedManifests> again = LoadManifestString(dumped, "dumped.yaml");
  ASSERT_THAT(again.status(), IsOk()) << dumped;
  ASSERT_EQ(again->scaled_jobs.size(), 1u);
  EXPECT_EQ(DumpScaledJob(again->scaled_jobs[0]), dumped);
  EXPECT_EQ(again->scaled_jobs[0].strategy, keda::ScalingStrategy::kAccurate);
  EXPECT_THAT(dumped, HasSubstr("image: matillion/agent:latest"));
}

TEST(ScaledObjectLintTest, CronWindowsAcrossDaylightSaving) {
  keda::ScaledObjectSpec so;
  so.name = "dst";
  so.max_replica_count = 10;
  so.triggers.push_back(keda::Trigger::Cron("30 2 * * *", "15 3 * * *", "Europe/Berlin", 12));
  so.triggers.push_back(keda::Trigger::Cron("0 8 * * 1-5", "0 18 * * 1-5", "Europe/Berlin", 4));
  so.triggers.push_back(keda::Trigger::Cron("30 1 * * *", "0 4 * * *", "America/New_York", 2));
  LintOptions o;
  absl::Time now;
  std::string err;
  ASSERT_TRUE(absl::ParseTime(absl::RFC3339_full, "2024-01-01T00:00:00Z", &now, &err));
  o.now = now;
  std::vector<LintFinding> cron;
  for (const LintFinding& f : LintScaledObject(so, o)) {
    if (f.rule.rfind("keda-cron", 0) == 0) cron.push_back(f);
  }
  ASSERT_EQ(cron.size(), 3u);
  // 02:30 is skipped on 2024-03-31: the window holds open about a day.
  EXPECT_EQ(cron[0].rule, "keda-cron-dst");
  EXPECT_EQ(cron[0].field, "spec.triggers[0].metadata.start");
  EXPECT_THAT(cron[0].message,
              HasSubstr("on 2024-03-31 Europe/Berlin skips 02:00-03:00, where start \"30 2 * * *\" "
                        "fall: the start never happens"));
  EXPECT_EQ(cron[1].rule, "keda-cron-above-max");
  EXPECT_THAT(cron[1].message, HasSubstr("desiredReplicas 12 is above maxReplicaCount 10"));
  // Business hours are clear of both changes; New York's 01:30 comes twice
  // on 2024-11-03 (its March gap is 02:00-03:00, which neither line names).
  EXPECT_EQ(cron[2].field, "spec.triggers[2].metadata.start");
  EXPECT_THAT(cron[2].message,
              HasSubstr("on 2024-11-03 America/New_York repeats 01:00-02:00, where start"));
  EXPECT_THAT(cron[2].message, HasSubstr("opens only at the second"));
}

}  // namespace
}  // namespace agentscale::config
