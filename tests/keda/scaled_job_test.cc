// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// ScaledJob: the strategies, the combination of several scalers,
// minReplicaCount, the effective min/max, with the numbers of KEDA's own
// tests (kedacore/keda @8b4f083: pkg/scaling/executor/scale_jobs_test.go,
// pkg/scaling/scale_handler_test.go TestGetScaledJobState,
// apis/keda/v1alpha1/scaledjob_types_test.go), and the policy on the seam.

#include "agentscale/keda/scaled_job.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "testing/status_matchers.h"

namespace agentscale::keda {
namespace {

using ::agentscale_testing::IsOk;
using ::testing::HasSubstr;

struct StrategyCase {
  std::string name;
  ScalingStrategy strategy;
  std::optional<int32_t> deduction;
  std::string percentage;
  int64_t max_scale, running, pending, max;
  int64_t expected;
};

class StrategyTest : public ::testing::TestWithParam<StrategyCase> {};

TEST_P(StrategyTest, KedasVectors) {
  const StrategyCase& c = GetParam();
  ScaledJobSpec sj;
  sj.strategy = c.strategy;
  sj.custom_queue_length_deduction = c.deduction;
  sj.custom_running_job_percentage = c.percentage;
  int64_t scale_to = 1;
  EXPECT_EQ(EffectiveMaxScale(sj, c.max_scale, c.running, c.pending, c.max, &scale_to),
            c.expected);
  EXPECT_EQ(scale_to, c.strategy == ScalingStrategy::kEager ? c.max : 1);
}

constexpr auto kDefault = ScalingStrategy::kDefault;
constexpr auto kCustom = ScalingStrategy::kCustom;
constexpr auto kAccurate = ScalingStrategy::kAccurate;
constexpr auto kEager = ScalingStrategy::kEager;

INSTANTIATE_TEST_SUITE_P(
    Keda, StrategyTest,
    ::testing::ValuesIn(std::vector<StrategyCase>{
        {"Default1", kDefault, std::nullopt, "", 3, 2, 0, 5, 1},
        {"Default2", kDefault, std::nullopt, "", 2, 0, 0, 5, 2},
        {"Custom1", kCustom, 1, "0.5", 3, 2, 0, 5, 1},
        {"Custom2", kCustom, 1, "0.5", 10, 0, 0, 10, 9},
        {"Custom3", kCustom, 2, "0", 3, 2, 0, 5, 1},
        {"CustomCapped", kCustom, -2, "0", 3, 2, 0, 4, 4},
        {"CustomNoDeduction1", kCustom, std::nullopt, "0.5", 10, 2, 0, 100, 9},
        {"CustomNoDeduction2", kCustom, std::nullopt, "0.5", 10, 0, 0, 100, 10},
        {"CustomNoParameters1", kCustom, std::nullopt, "", 3, 2, 0, 5, 1},
        {"CustomNoParameters2", kCustom, std::nullopt, "", 2, 0, 0, 5, 2},
        {"Accurate1", kAccurate, std::nullopt, "", 3, 2, 0, 5, 3},
        {"Accurate2", kAccurate, std::nullopt, "", 5, 2, 0, 5, 3},
        {"Accurate3", kAccurate, std::nullopt, "", 3, 4, 2, 10, 1},
        {"Accurate4", kAccurate, std::nullopt, "", 5, 4, 2, 5, 1},
        {"Accurate5", kAccurate, std::nullopt, "", 3, 3, 3, 5, 0},
        {"Accurate6", kAccurate, std::nullopt, "", 15, 15, 15, 20, 0},
        {"Accurate7", kAccurate, std::nullopt, "", 10, 10, 10, 15, 0},
        {"Accurate8", kAccurate, std::nullopt, "", 20, 15, 10, 20, 5},
        {"Eager1", kEager, std::nullopt, "", 4, 3, 0, 10, 4},
        {"Eager2", kEager, std::nullopt, "", 4, 0, 3, 10, 4},
        {"Eager3", kEager, std::nullopt, "", 4, 7, 0, 10, 3},
        {"Eager4", kEager, std::nullopt, "", 4, 1, 6, 10, 3},
        {"Eager5", kEager, std::nullopt, "", 15, 0, 0, 10, 10},
    }),
    [](const ::testing::TestParamInfo<StrategyCase>& info) { return info.param.name; });

struct CombineCase {
  std::string name;
  MultipleScalersCalculation calculation;
  std::optional<int32_t> max;
  int64_t scale_to, max_scale;
};

class CombineTest : public ::testing::TestWithParam<CombineCase> {};

TEST_P(CombineTest, TestGetScaledJobStateNumbers) {
  ScaledJobSpec sj;
  sj.multiple_scalers_calculation = GetParam().calculation;
  sj.max_replica_count = GetParam().max;
  const std::vector<ScalerReading> readings = {
      {20, 1, true}, {10, 2, true}, {5, 3, true}, {7, 4, false}};
  const JobScaleDecision d = DecideJobs(sj, readings, /*running=*/0, /*pending=*/0);
  EXPECT_TRUE(d.active);
  EXPECT_EQ(d.scale_to, GetParam().scale_to);
  EXPECT_EQ(d.max_scale, GetParam().max_scale);
}

INSTANTIATE_TEST_SUITE_P(
    Keda, CombineTest,
    ::testing::ValuesIn(std::vector<CombineCase>{
        {"Max", MultipleScalersCalculation::kMax, 100, 20, 20},
        {"Min", MultipleScalersCalculation::kMin, 100, 5, 2},
        {"Avg", MultipleScalersCalculation::kAvg, 100, 12, 9},
        {"Sum", MultipleScalersCalculation::kSum, 100, 35, 27},
        {"SumCappedByMax", MultipleScalersCalculation::kSum, 25, 35, 25},
    }),
    [](const ::testing::TestParamInfo<CombineCase>& info) { return info.param.name; });

TEST(ScaledJobTest, MinReplicaCountForcesActivityAndTopsUp) {
  ScaledJobSpec sj;
  sj.min_replica_count = 1;
  sj.max_replica_count = 100;  // effective max 99
  JobScaleDecision d = DecideJobs(sj, std::vector<ScalerReading>{{20, 2, true}}, 1, 0);
  EXPECT_TRUE(d.active);
  EXPECT_EQ(d.scale_to, 20);
  EXPECT_EQ(d.max_scale, 10);
  d = DecideJobs(sj, std::vector<ScalerReading>{{0, 1, true}}, 1, 0);
  EXPECT_TRUE(d.active);  // only because min > 0
  EXPECT_EQ(d.jobs_to_create, 0);
  // getScalingDecision with max 100, default strategy.
  sj.min_replica_count = 2;
  d = DecideJobs(sj, std::vector<ScalerReading>{{0, 1, true}}, 0, 0);
  EXPECT_EQ(d.effective_max, 2);
  EXPECT_EQ(d.jobs_to_create, 2);
  d = DecideJobs(sj, std::vector<ScalerReading>{{0, 1, true}}, 1, 0);
  EXPECT_EQ(d.jobs_to_create, 1);
}

TEST(ScaledJobTest, InactiveStartsNothing) {
  ScaledJobSpec sj;
  const JobScaleDecision d = DecideJobs(sj, std::vector<ScalerReading>{{9, 1, false}}, 0, 0);
  EXPECT_FALSE(d.active);
  EXPECT_EQ(d.jobs_to_create, 0);
}

TEST(ScaledJobTest, EffectiveMinAndMax) {
  auto mm = [](std::optional<int32_t> max, std::optional<int32_t> min) {
    ScaledJobSpec sj;
    sj.max_replica_count = max;
    sj.min_replica_count = min;
    return std::make_pair(EffectiveMaxReplicaCount(sj), EffectiveMinReplicaCount(sj));
  };
  EXPECT_EQ(mm(10, 0), std::make_pair(10, 0));
  EXPECT_EQ(mm(10, std::nullopt), std::make_pair(10, 0));
  EXPECT_EQ(mm(10, 1), std::make_pair(9, 1));
  EXPECT_EQ(mm(std::nullopt, 1), std::make_pair(100, 1));
  EXPECT_EQ(mm(std::nullopt, std::nullopt), std::make_pair(100, 0));
  EXPECT_EQ(mm(1, 10), std::make_pair(1, 1));
}

TEST(ScaledJobPolicyTest, PollsEveryIntervalAndStartsJobs) {
  ScaledJobSpec sj;
  sj.name = "agent-jobs";
  sj.polling_interval_seconds = 10;
  sj.strategy = ScalingStrategy::kAccurate;
  sj.triggers.push_back(Trigger::Prometheus("sum(app_pending_tasks)", 1));
  absl::StatusOr<std::unique_ptr<ScaledJobPolicy>> p = ScaledJobPolicy::Create(sj);
  ASSERT_THAT(p.status(), IsOk());
  ASSERT_EQ((*p)->metrics().size(), 1u);
  const absl::Time t0 = absl::FromUnixSeconds(1'700'000'000);
  Observation obs;
  obs.current_replicas = 3;  // 3 unfinished jobs, 1 of them still pending
  obs.AddReadyPods(2);
  hpa::Pod starting = hpa::Pod::Ready("job-2");
  starting.phase = hpa::PodPhase::kPending;
  obs.pods.push_back(starting);
  obs.AddMetric("s0-prometheus").AddExternalValue(7);
  Decision d;
  ASSERT_THAT((*p)->Decide(t0, obs, &d), IsOk());
  // accurate: maxScale 7, R 3, P 1: 7 + 3 - 1 <= 100, so 7 - 1 = 6 new jobs.
  EXPECT_EQ(d.desired_replicas, 9);
  EXPECT_TRUE(d.rescale);
  EXPECT_THAT(d.Explain(), HasSubstr("3 jobs running (1 pending)"));
  EXPECT_THAT(d.Explain(), HasSubstr("accurate strategy allows 6: start 6"));
  ASSERT_THAT((*p)->Commit(d), IsOk());
  ASSERT_THAT((*p)->Decide(t0 + absl::Seconds(5), obs, &d), IsOk());
  EXPECT_FALSE(d.rescale);  // no poll due
  ASSERT_THAT((*p)->Decide(t0 + absl::Seconds(10), obs, &d), IsOk());
  EXPECT_TRUE(d.rescale);
  // State round trip.
  PolicyState s = (*p)->ExportPolicyState();
  auto q = ScaledJobPolicy::Create(sj);
  ASSERT_THAT((*q)->ImportPolicyState(s), IsOk());
  EXPECT_EQ((*q)->ExportPolicyState(), s);
}

TEST(ScaledJobPolicyTest, ValidationNamesTheField) {
  ScaledJobSpec sj;
  EXPECT_THAT(ScaledJobPolicy::Create(sj).status().message(),
              HasSubstr("spec.triggers: at least one trigger is required"));
}

}  // namespace
}  // namespace agentscale::keda

#include "agentscale/sim/keda_replay.h"

namespace agentscale::keda {
namespace {

// The strategies side by side on one burst of 40 tasks of 120 s each, jobs
// starting in 30 s: under each strategy every task is served by a Job, the
// fleet stays within maxReplicaCount, and no Job is left at the end.
TEST(ScaledJobAgentModelTest, StrategiesOnOneTrace) {
  sim::Trace trace;
  trace.time_seconds = {0, 60, 600};
  trace.values = {40, 0, 0};
  sim::AgentModelOptions o;
  o.service = sim::ServiceTimeModel::kFixed;
  o.service_seconds = 120;
  o.startup_delay = absl::Seconds(30);
  o.interval = absl::Seconds(60);
  int64_t peak_default = 0;
  for (ScalingStrategy s : {ScalingStrategy::kDefault, ScalingStrategy::kAccurate,
                            ScalingStrategy::kEager}) {
    ScaledJobSpec sj;
    sj.name = ScalingStrategyName(s);
    sj.polling_interval_seconds = 10;
    sj.max_replica_count = 20;
    sj.strategy = s;
    sj.triggers.push_back(Trigger::Prometheus("sum(app_pending_tasks)", 1));
    absl::StatusOr<sim::AgentModelResult> r = sim::RunAgentModel(sj, trace, o);
    ASSERT_THAT(r.status(), IsOk()) << sj.name;
    EXPECT_EQ(r->tasks_arrived, 40) << sj.name;
    EXPECT_EQ(r->tasks_completed, 40) << sj.name;
    EXPECT_EQ(r->tasks_queued_at_end, 0) << sj.name;
    EXPECT_LE(r->summary.peak_replicas, 20) << sj.name;  // maxReplicaCount
    EXPECT_GT(r->summary.cold_start_tasks, 0) << sj.name;
    // The Jobs end by themselves: none is left at the end.
    EXPECT_EQ(r->alive_replicas.back(), 0) << sj.name;
    if (s == ScalingStrategy::kDefault) peak_default = r->summary.peak_replicas;
  }
  EXPECT_GT(peak_default, 0);
}

}  // namespace
}  // namespace agentscale::keda
