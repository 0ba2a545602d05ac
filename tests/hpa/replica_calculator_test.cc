// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Table-driven cases for the replica calculator, beyond the Kubernetes
// vectors (tests/conformance): each rule of spec §4 and §13 at its edges.

#include "agentscale/hpa/replica_calculator.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace agentscale::hpa {
namespace {

using ::agentscale_testing::IsOk;
using ::agentscale_testing::StatusIs;
using ::testing::HasSubstr;

const absl::Time kNow = absl::FromCivil(absl::CivilSecond(2026, 3, 1, 12, 0, 0),
                                        absl::UTCTimeZone());

Pod ReadyPod(const std::string& name, int64_t cpu_request_milli = 1000) {
  Pod p = Pod::Ready(name);
  p.containers.push_back(Container{"main", ResourceList{cpu_request_milli, 1'000'000}, false});
  return p;
}

Pod WithPhase(Pod p, PodPhase phase) {
  p.phase = phase;
  return p;
}

// ---------------------------------------------------------------------------
// Pods metric, AverageValue target (the plain algorithm, §4.3).

struct PlainCase {
  std::string name;
  int32_t current;
  int64_t target_milli;
  std::vector<Pod> pods;
  std::vector<PodSample> samples;
  int32_t want_replicas;
  int64_t want_usage_milli;
  Tolerances tolerances = {};
};

std::vector<PodSample> Samples(std::vector<std::pair<std::string, int64_t>> v) {
  std::vector<PodSample> out;
  for (auto& [pod, milli] : v) out.push_back(PodSample{pod, milli, kNow});
  return out;
}

class PlainTest : public ::testing::TestWithParam<PlainCase> {};

TEST_P(PlainTest, Proposes) {
  const PlainCase& c = GetParam();
  ReplicaCalculator calc;
  absl::StatusOr<MetricReplicas> r = calc.AverageValue(
      c.current, c.target_milli, std::nullopt, c.tolerances, c.pods, c.samples, kNow);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->replicas, c.want_replicas);
  EXPECT_EQ(r->usage_milli, c.want_usage_milli);
}

std::vector<PlainCase> PlainCases() {
  const std::vector<Pod> three = {ReadyPod("a"), ReadyPod("b"), ReadyPod("c")};
  return {
      {"FastPathScalesUpByReadyCount", 3, 70'000, three,
       Samples({{"a", 100'000}, {"b", 100'000}, {"c", 100'000}}), 5, 100'000},
      {"FastPathScalesDown", 3, 70'000, three,
       Samples({{"a", 20'000}, {"b", 20'000}, {"c", 20'000}}), 1, 20'000},
      // 77/70 is exactly 1 + 0.1 in float64: inside the inclusive band.
      {"UpperToleranceEdgeIsWithin", 3, 70'000, three,
       Samples({{"a", 77'000}, {"b", 77'000}, {"c", 77'000}}), 3, 77'000},
      {"JustAboveUpperEdgeScales", 3, 70'000, three,
       Samples({{"a", 77'001}, {"b", 77'001}, {"c", 77'001}}), 4, 77'001},
      {"LowerToleranceEdgeIsWithin", 3, 70'000, three,
       Samples({{"a", 63'000}, {"b", 63'000}, {"c", 63'000}}), 3, 63'000},
      {"UsageIsTruncatedAverage", 3, 20'000, three,
       Samples({{"a", 20'000}, {"b", 20'001}, {"c", 20'001}}), 3, 20'000},
      // Missing pod on a scale-down is assumed at target: (10+10+70)/3 = 30.
      {"MissingPodAssumedAtTargetOnScaleDown", 3, 70'000, three,
       Samples({{"a", 10'000}, {"b", 10'000}}), 2, 10'000},
      // Missing pod on a scale-up is assumed idle: (140+140+0)/3 = 93.333.
      {"MissingPodAssumedIdleOnScaleUp", 3, 70'000, three,
       Samples({{"a", 140'000}, {"b", 140'000}}), 4, 140'000},
      // Missing pods at ratio exactly 1: nothing filled, no change.
      {"MissingPodAtRatioOneHolds", 3, 70'000, three,
       Samples({{"a", 70'000}, {"b", 70'000}}), 3, 70'000, Tolerances{0, 0}},
      // A Pending pod is unready; on scale-up it counts as 0: (140+0)/2 = 70.
      {"PendingPodZeroOnScaleUpBringsWithin", 2, 70'000,
       {ReadyPod("a"), WithPhase(ReadyPod("b"), PodPhase::kPending)},
       Samples({{"a", 140'000}}), 2, 140'000},
      // ... and is simply left out on a scale-down.
      {"PendingPodIgnoredOnScaleDown", 2, 70'000,
       {ReadyPod("a"), WithPhase(ReadyPod("b"), PodPhase::kPending)},
       Samples({{"a", 7'000}}), 1, 7'000},
      {"FailedSucceededAndDeletedPodsIgnored", 3, 70'000,
       {ReadyPod("a"), WithPhase(ReadyPod("b"), PodPhase::kFailed),
        WithPhase(ReadyPod("c"), PodPhase::kSucceeded),
        [] {
          Pod p = ReadyPod("d");
          p.deleted = true;
          return p;
        }()},
       Samples({{"a", 140'000}, {"b", 0}, {"c", 0}, {"d", 0}}), 2, 140'000},
      // Pods metrics skip the CPU readiness window: a Running pod whose Ready
      // condition is False still counts.
      {"PodsMetricIgnoresReadyCondition", 2, 70'000,
       {ReadyPod("a"),
        [] {
          Pod p = ReadyPod("b");
          p.ready->status = ConditionStatus::kFalse;
          return p;
        }()},
       Samples({{"a", 140'000}, {"b", 140'000}}), 4, 140'000},
      // A sample for a pod the selector did not return stays in the average.
      {"SuperfluousSampleCounts", 1, 70'000, {ReadyPod("a")},
       Samples({{"a", 140'000}, {"ghost", 0}}), 1, 70'000},
      // Rebalanced path multiplies by |samples|, superfluous included:
      // a=140, b missing (0), ghost=70: avg 70 -> within.
      {"RebalanceCountsSuperfluousSamples", 2, 70'000,
       {ReadyPod("a"), ReadyPod("b")}, Samples({{"a", 140'000}, {"ghost", 70'000}}),
       2, 105'000},
  };
}

INSTANTIATE_TEST_SUITE_P(
    ReplicaCalculator, PlainTest, ::testing::ValuesIn(PlainCases()),
    [](const ::testing::TestParamInfo<PlainCase>& info) { return info.param.name; });

TEST(ReplicaCalculatorErrors, NoPods) {
  ReplicaCalculator calc;
  EXPECT_THAT(calc.AverageValue(1, 70'000, std::nullopt, {}, {},
                                Samples({{"a", 1}}), kNow),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "no pods returned by selector while calculating replica count"));
}

TEST(ReplicaCalculatorErrors, AllPodsUnready) {
  ReplicaCalculator calc;
  std::vector<Pod> pods = {WithPhase(ReadyPod("a"), PodPhase::kPending)};
  EXPECT_THAT(calc.AverageValue(1, 70'000, std::nullopt, {}, pods,
                                Samples({{"a", 1}}), kNow),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("did not receive metrics for targeted pods")));
}

TEST(ReplicaCalculatorErrors, DuplicatePodNames) {
  ReplicaCalculator calc;
  std::vector<Pod> pods = {ReadyPod("a"), ReadyPod("a")};
  EXPECT_THAT(calc.AverageValue(2, 70'000, std::nullopt, {}, pods,
                                Samples({{"a", 1}, {"a", 2}}), kNow),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("duplicate pod name \"a\"")));
}

TEST(ReplicaCalculatorErrors, DuplicateSamplesForOnePod) {
  ReplicaCalculator calc;
  std::vector<Pod> pods = {ReadyPod("a"), ReadyPod("b")};
  EXPECT_THAT(calc.AverageValue(2, 70'000, std::nullopt, {}, pods,
                                Samples({{"a", 1}, {"a", 2}}), kNow),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("duplicate metric sample for pod \"a\"")));
  EXPECT_THAT(calc.AverageValue(2, 70'000, std::nullopt, {}, pods,
                                Samples({{"x", 1}, {"x", 2}}), kNow),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("duplicate metric sample for pod \"x\"")));
}

TEST(ReplicaCalculator, SamplesInAnyOrderGiveTheSameAnswer) {
  ReplicaCalculator calc;
  std::vector<Pod> pods = {ReadyPod("a"), ReadyPod("b"), ReadyPod("c")};
  auto in_order = calc.AverageValue(3, 70'000, std::nullopt, {}, pods,
                                    Samples({{"a", 10'000}, {"b", 200'000}, {"c", 90'000}}), kNow);
  auto shuffled = calc.AverageValue(3, 70'000, std::nullopt, {}, pods,
                                    Samples({{"c", 90'000}, {"a", 10'000}, {"b", 200'000}}), kNow);
  ASSERT_THAT(in_order, IsOk());
  ASSERT_THAT(shuffled, IsOk());
  EXPECT_EQ(in_order->replicas, shuffled->replicas);
  EXPECT_EQ(in_order->usage_milli, shuffled->usage_milli);
  EXPECT_EQ(in_order->replicas, 5);  // 100/70 x 3 = 4.29
}

// ---------------------------------------------------------------------------
// Resource Utilization (§4.1).

struct UtilCase {
  std::string name;
  int32_t current;
  int32_t target_percent;
  ResourceName resource;
  std::vector<Pod> pods;
  std::vector<PodSample> samples;
  int32_t want_replicas;
  int32_t want_utilization;
};

class UtilizationTest : public ::testing::TestWithParam<UtilCase> {};

TEST_P(UtilizationTest, Proposes) {
  const UtilCase& c = GetParam();
  ReplicaCalculator calc(ReadinessConfig{absl::Minutes(5), absl::Seconds(30)});
  absl::StatusOr<ResourceReplicas> r = calc.ResourceUtilization(
      c.current, c.target_percent, c.resource, "", Tolerances{}, c.pods, c.samples, kNow);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->replicas, c.want_replicas);
  EXPECT_EQ(r->utilization, c.want_utilization);
}

Pod StartedAgo(const std::string& name, absl::Duration started, absl::Duration ready_since,
               ConditionStatus status = ConditionStatus::kTrue) {
  Pod p = ReadyPod(name);
  p.start_time = kNow - started;
  p.ready = ReadyCondition{status, kNow - ready_since};
  return p;
}

std::vector<UtilCase> UtilCases() {
  const std::vector<Pod> three = {ReadyPod("a"), ReadyPod("b"), ReadyPod("c")};
  return {
      // 1000m of 3000m is 33.3%: truncated to 33 before the ratio, 33/30 =
      // 1.1 exactly, inside the band.
      {"IntegerPercentBeforeRatio", 3, 30, ResourceName::kCpu, three,
       Samples({{"a", 333}, {"b", 333}, {"c", 334}}), 3, 33},
      {"ScalesUpByReadyCount", 3, 50, ResourceName::kCpu, three,
       Samples({{"a", 1000}, {"b", 1000}, {"c", 1000}}), 6, 100},
      // Target 50%, one pod at 40%, one missing: the missing pod is assumed
      // at 100% of its request, which would flip the direction -> hold.
      {"MissingPodFlipGuardHolds", 2, 50, ResourceName::kCpu,
       {ReadyPod("a"), ReadyPod("b")}, Samples({{"a", 400}}), 2, 40},
      // Target 200%: the missing pod is assumed at 200%, not 100%.
      {"MissingPodAssumedAtTargetAbove100", 4, 200, ResourceName::kCpu,
       {ReadyPod("a"), ReadyPod("b"), ReadyPod("c"), ReadyPod("d")},
       Samples({{"a", 100}, {"b", 100}, {"c", 100}}), 2, 10},
      // A pod one minute old whose readiness flipped 10 s ago has no full
      // metric window yet: unready for CPU, and on a scale-up it counts as
      // idle: (1000 + 0) / 2000 = 50% of a 50% target -> hold.
      {"FreshPodUnreadyForCpu", 2, 50, ResourceName::kCpu,
       {ReadyPod("a"), StartedAgo("b", absl::Minutes(1), absl::Seconds(10))},
       Samples({{"a", 1000}, {"b", 1000}}), 2, 100},
      // The same pod for memory: no readiness window, both count.
      {"MemoryHasNoReadinessWindow", 2, 50, ResourceName::kMemory,
       {ReadyPod("a"), StartedAgo("b", absl::Minutes(1), absl::Seconds(10))},
       Samples({{"a", 1'000'000}, {"b", 1'000'000}}), 4, 100},
      // Past the init period, a pod that is not ready but became unready
      // long after starting still counts (it was ready once).
      {"OnceReadyPodCountsAfterInit", 2, 50, ResourceName::kCpu,
       {ReadyPod("a"), StartedAgo("b", absl::Minutes(30), absl::Minutes(1),
                                  ConditionStatus::kFalse)},
       Samples({{"a", 1000}, {"b", 1000}}), 4, 100},
  };
}

INSTANTIATE_TEST_SUITE_P(
    ReplicaCalculator, UtilizationTest, ::testing::ValuesIn(UtilCases()),
    [](const ::testing::TestParamInfo<UtilCase>& info) { return info.param.name; });

TEST(CalculateRequests, SidecarsCountOrdinaryInitContainersDoNot) {
  Pod p = ReadyPod("a", 100);
  p.init_containers.push_back(Container{"sidecar", ResourceList{50, std::nullopt}, true});
  p.init_containers.push_back(Container{"setup", ResourceList{1000, std::nullopt}, false});
  std::vector<int64_t> req;
  ASSERT_THAT(ReplicaCalculator::CalculateRequests({p}, ResourceName::kCpu, "", true, &req),
              IsOk());
  EXPECT_EQ(req[0], 150);
}

TEST(CalculateRequests, PodLevelRequestsNeedTheGate) {
  Pod p = ReadyPod("a", 100);
  p.pod_requests = ResourceList{800, std::nullopt};
  std::vector<int64_t> req;
  ASSERT_THAT(ReplicaCalculator::CalculateRequests({p}, ResourceName::kCpu, "", true, &req),
              IsOk());
  EXPECT_EQ(req[0], 800);
  ASSERT_THAT(ReplicaCalculator::CalculateRequests({p}, ResourceName::kCpu, "", false, &req),
              IsOk());
  EXPECT_EQ(req[0], 100);
  p.pod_requests = ResourceList{std::nullopt, 5};
  EXPECT_THAT(ReplicaCalculator::CalculateRequests({p}, ResourceName::kCpu, "", true, &req),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "missing pod-level request for cpu in Pod a"));
}

TEST(CalculateRequests, MissingRequestNamesContainerAndPod) {
  Pod p = ReadyPod("a");
  p.containers.push_back(Container{"helper", ResourceList{}, false});
  std::vector<int64_t> req;
  EXPECT_THAT(ReplicaCalculator::CalculateRequests({p}, ResourceName::kCpu, "", false, &req),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       "missing request for cpu in container helper of Pod a"));
}

// ---------------------------------------------------------------------------
// Object and External (§4.4 - §4.7).

TEST(ObjectValue, MultipliesByRunningAndReadyPods) {
  std::vector<Pod> pods = {ReadyPod("a"), ReadyPod("b"),
                           WithPhase(ReadyPod("c"), PodPhase::kPending)};
  auto r = ReplicaCalculator::ObjectValue(3, 10'000, 30'000, {}, pods);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->replicas, 6);  // ratio 3 x 2 running-and-ready pods
  EXPECT_EQ(r->usage_milli, 30'000);
}

TEST(ObjectValue, FromZeroIgnoresToleranceAndPods) {
  auto r = ReplicaCalculator::ObjectValue(0, 10'000, 10'500, {}, {});
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->replicas, 2);  // ceil(1.05), although 1.05 is within 10%
}

TEST(ObjectValue, EmptyPodListOutsideToleranceIsAnError) {
  EXPECT_THAT(ReplicaCalculator::ObjectValue(3, 10'000, 30'000, {}, {}),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("no pods returned by selector")));
  // Within tolerance the pods are never listed.
  EXPECT_THAT(ReplicaCalculator::ObjectValue(3, 10'000, 10'000, {}, {}), IsOk());
}

TEST(ObjectValue, CapsAtMaxInt32) {
  std::vector<Pod> pods = {ReadyPod("a")};
  auto r = ReplicaCalculator::ObjectValue(1, 1, INT64_MAX / 2, {}, pods);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->replicas, INT32_MAX);
}

TEST(ExternalAverageValue, UsesStatusReplicasAndCeil) {
  MetricReplicas r = ReplicaCalculator::ExternalAverageValue(4, 3000, {5000, 5000}, {}).value();
  EXPECT_EQ(r.replicas, 4);  // 10000 / 3000 = 3.33 -> ceil 4
  EXPECT_EQ(r.usage_milli, 2500);
}

TEST(ExternalValue, SumSaturatesInsteadOfWrapping) {
  EXPECT_EQ(SumExternalValues({INT64_MAX, 5}), INT64_MAX);
  EXPECT_EQ(SumExternalValues({1, 2, 3}), 6);
}

TEST(MetricsReturned, EmptyResultsAreKubernetesErrors) {
  EXPECT_THAT(CheckResourceMetricsReturned(ResourceName::kCpu, 1), IsOk());
  EXPECT_THAT(CheckCustomMetricsReturned("qps", 2), IsOk());
  EXPECT_THAT(CheckExternalMetricsReturned("queue", 1), IsOk());
  EXPECT_THAT(CheckResourceMetricsReturned(ResourceName::kMemory, 0),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("unable to get metrics for resource memory: "
                                 "no metrics returned from resource metrics API")));
  EXPECT_THAT(CheckCustomMetricsReturned("qps", 0),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("unable to get metric qps: no metrics "
                                 "returned from custom metrics API")));
  EXPECT_THAT(CheckExternalMetricsReturned("queue", 0),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("unable to get external metric queue: no "
                                 "metrics returned from external metrics API")));
}

TEST(PerPodUsage, CeilAndZeroReplicas) {
  EXPECT_EQ(PerPodUsage(1000, 3), 334);
  EXPECT_EQ(PerPodUsage(999, 3), 333);
  EXPECT_EQ(PerPodUsage(1000, 0), 0);
  EXPECT_EQ(PerPodUsage(INT64_MAX, 1), INT64_MAX);
}

TEST(CeilToInt32, SaturatesAndHandlesNaN) {
  EXPECT_EQ(CeilToInt32(1.0000001), 2);
  EXPECT_EQ(CeilToInt32(-0.5), 0);
  EXPECT_EQ(CeilToInt32(1e300), INT32_MAX);
  EXPECT_EQ(CeilToInt32(-1e300), INT32_MIN);
  EXPECT_EQ(CeilToInt32(std::nan("")), 0);
}

TEST(SumResourceSamples, DropsPodsWithIncompleteContainers) {
  std::vector<PodResourceSample> in = {
      {"a", kNow, absl::Seconds(60), {{"c1", {100, std::nullopt}}, {"c2", {50, std::nullopt}}}},
      {"b", kNow, absl::Seconds(60), {{"c1", {100, std::nullopt}}, {"c2", {}}}},
      {"c", kNow, absl::Seconds(60), {}},
  };
  std::vector<PodSample> out;
  SumResourceSamples(ResourceName::kCpu, "", in, &out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].pod, "a");
  EXPECT_EQ(out[0].value_milli, 150);
  SumResourceSamples(ResourceName::kCpu, "c1", in, &out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].pod, "b");
  EXPECT_EQ(out[1].value_milli, 100);
}

}  // namespace
}  // namespace agentscale::hpa
