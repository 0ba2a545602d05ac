// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// ScalableTargetPolicy through the Policy seam: alarm evaluation at exact
// minute boundaries, cooldown interplay, several policies on one target,
// step scaling, scheduled actions across a daylight-saving change, the
// time bounds, the state round trip and the zero-allocation contract.

#include "agentscale/aws/policy.h"

#include <cstdlib>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "agentscale/aws/spec.h"
#include "agentscale/policy/state.h"
#include "agentscale/time_bounds.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

// Allocation counting, for the zero-allocation contract of Decide.
#include "testing/allocation_counter.h"  // NOLINT(build/include_order)

namespace agentscale::aws {
namespace {

using ::agentscale_testing::IsOk;
using ::agentscale_testing::StatusIs;
using ::testing::HasSubstr;

// A Monday noon, on a whole minute.
const absl::Time kT0 = absl::FromUnixSeconds(1772452800);  // 2026-03-02T12:00:00Z

absl::Time PolicyUtc(const std::string& rfc3339) {
  absl::Time t;
  std::string err;
  EXPECT_TRUE(absl::ParseTime(absl::RFC3339_full, rfc3339, &t, &err)) << err;
  return t;
}

MetricSource Custom(const std::string& name) {
  return *CustomizedMetric(name, "Agents", {{"ServiceName", "worker"}}, Statistic::kAverage, "");
}

TargetTrackingPolicy Tracking(const std::string& name, const std::string& metric, double target,
                              absl::Duration out_cooldown = absl::ZeroDuration(),
                              absl::Duration in_cooldown = absl::ZeroDuration()) {
  TargetTrackingPolicy p;
  p.name = name;
  p.metric = Custom(metric);
  p.target_value = target;
  p.scale_out_cooldown = out_cooldown;
  p.scale_in_cooldown = in_cooldown;
  return p;
}

ScalableTargetSpec Target(int32_t min, int32_t max) {
  ScalableTargetSpec spec;
  spec.resource_id = "service/agents/worker";
  spec.min_capacity = min;
  spec.max_capacity = max;
  return spec;
}

// Every task reports the same value of each named metric.
Observation Obs(int32_t current, const std::vector<std::pair<std::string, double>>& values,
                absl::Time t) {
  Observation obs;
  obs.current_replicas = current;
  obs.AddReadyPods(current);
  for (const auto& [metric, value] : values) {
    MetricObservation& m = obs.AddMetric(metric);
    for (const hpa::Pod& p : obs.pods) m.AddPodValue(p.name, value, t);
  }
  return obs;
}

// Drives a policy: Decide at each reading, applying and committing every
// rescale, as a fleet would.
struct Driver {
  std::unique_ptr<ScalableTargetPolicy> policy;
  int32_t current;
  Decision last;

  Decision Step(absl::Time t, const std::vector<std::pair<std::string, double>>& values) {
    Decision d;
    absl::Status st = policy->Decide(t, Obs(current, values, t), &d);
    EXPECT_THAT(st, IsOk());
    if (d.rescale) {
      EXPECT_THAT(policy->Commit(d), IsOk());
      current = d.desired_replicas;
    }
    last = d;
    return d;
  }
};

Driver Make(ScalableTargetSpec spec, int32_t current) {
  absl::StatusOr<std::unique_ptr<ScalableTargetPolicy>> p =
      ScalableTargetPolicy::Create(std::move(spec));
  EXPECT_THAT(p.status(), IsOk());
  return Driver{std::move(*p), current, {}};
}

// --- Alarm evaluation at exact minute boundaries ---------------------------

struct AlarmCase {
  std::string name;
  int32_t current;
  // (milliseconds after kT0, value of "tasks")
  std::vector<std::pair<int64_t, double>> readings;
  int64_t want_ms;  // when the first rescale happens; -1: never
  int32_t want_capacity;
};

class AlarmTest : public ::testing::TestWithParam<AlarmCase> {};

TEST_P(AlarmTest, FirstRescale) {
  const AlarmCase& c = GetParam();
  ScalableTargetSpec spec = Target(1, 30);
  spec.target_tracking.push_back(Tracking("tt", "tasks", 70));
  Driver drv = Make(spec, c.current);
  int64_t got_ms = -1;
  int32_t got_capacity = 0;
  for (const auto& [ms, value] : c.readings) {
    Decision d = drv.Step(kT0 + absl::Milliseconds(ms), {{"tasks", value}});
    if (d.rescale) {
      got_ms = ms;
      got_capacity = d.desired_replicas;
      break;
    }
  }
  EXPECT_EQ(got_ms, c.want_ms);
  if (c.want_ms >= 0) EXPECT_EQ(got_capacity, c.want_capacity);
}

std::vector<std::pair<int64_t, double>> EveryMinute(std::vector<double> values) {
  std::vector<std::pair<int64_t, double>> out;
  for (size_t i = 0; i < values.size(); ++i) out.emplace_back(int64_t(i) * 60000, values[i]);
  return out;
}

std::vector<double> Repeat(double v, int n) { return std::vector<double>(n, v); }

std::vector<double> Concat(std::vector<double> a, const std::vector<double>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

INSTANTIATE_TEST_SUITE_P(
    MinuteBoundaries, AlarmTest,
    ::testing::ValuesIn(std::vector<AlarmCase>{
        // Minutes 0, 1, 2 above 70 close at 03:00, where AlarmHigh fires:
        // ceil(2 x 80 / 70) = 3.
        {"three_of_three_above", 2, EveryMinute(Repeat(80, 6)), 180000, 3},
        // Equal to the target is not above it.
        {"equal_is_not_above", 2, EveryMinute(Repeat(70, 8)), -1, 0},
        // Minute 2 at the target breaks the window; 3, 4, 5 fire at 06:00.
        {"window_restarts", 2, EveryMinute({80, 80, 70, 80, 80, 80, 80}), 360000, 3},
        // No reading in minute 2: a missing datapoint, not a breaching one.
        {"missing_minute_breaks_the_window", 2,
         {{0, 80}, {60000, 80}, {180000, 80}, {240000, 80}, {300000, 80}, {360000, 80}},
         360000, 3},
        // Two readings a minute averaging exactly 70: never above.
        {"minute_average_of_readings", 2,
         {{0, 90}, {30000, 50}, {60000, 90}, {90000, 50}, {120000, 90}, {150000, 50},
          {180000, 90}, {210000, 50}, {240000, 90}},
         -1, 0},
        // 02:59.999 is still minute 2: nothing closes until 03:00.
        {"last_millisecond_belongs_to_its_minute", 2,
         {{0, 80}, {60000, 80}, {120000, 80}, {179999, 80}, {180000, 80}}, 180000, 3},
        // The reading at 03:00 opens minute 3; it does not pull minute 2
        // below the target.
        {"boundary_reading_opens_the_next_minute", 2,
         {{0, 80}, {60000, 80}, {120000, 80}, {180000, 10}}, 180000, 3},
        // AlarmLow: 15 of 15 below 0.9 x 70 = 63; floor(10 x 62 / 70) = 8.
        {"fifteen_of_fifteen_below", 10, EveryMinute(Repeat(62, 17)), 900000, 8},
        {"at_ninety_percent_is_not_below", 10, EveryMinute(Repeat(63, 20)), -1, 0},
        {"fourteen_below_waits_a_minute", 10, EveryMinute(Concat({64}, Repeat(62, 17))),
         960000, 8},
        // Between 63 and 70: neither alarm.
        {"inside_the_band", 10, EveryMinute(Repeat(66, 20)), -1, 0},
    }),
    [](const auto& info) { return info.param.name; });

TEST(Alarm, AFailedReadIsAMissingDatapoint) {
  ScalableTargetSpec spec = Target(1, 30);
  spec.target_tracking.push_back(Tracking("tt", "tasks", 70));
  Driver drv = Make(spec, 2);
  drv.Step(kT0, {{"tasks", 80}});
  drv.Step(kT0 + absl::Minutes(1), {{"tasks", 80}});
  // Minute 2: the read fails (the only reading of the minute).
  Observation failed = Obs(2, {{"tasks", 80}}, kT0);
  failed.metrics[0].error = absl::UnavailableError("CloudWatch unreachable");
  Decision d;
  ASSERT_THAT(drv.policy->Decide(kT0 + absl::Minutes(2), failed, &d), IsOk());
  EXPECT_FALSE(d.metrics[0].valid);
  EXPECT_FALSE(drv.Step(kT0 + absl::Minutes(3), {{"tasks", 80}}).rescale);
  EXPECT_FALSE(drv.policy->Datapoint(0, absl::ToUnixSeconds(kT0) / 60 + 2).has_value());
  EXPECT_EQ(*drv.policy->Datapoint(0, absl::ToUnixSeconds(kT0) / 60 + 1), 80);
  EXPECT_FALSE(drv.Step(kT0 + absl::Minutes(4), {{"tasks", 80}}).rescale);
  EXPECT_FALSE(drv.Step(kT0 + absl::Minutes(5), {{"tasks", 80}}).rescale);
  // Minutes 3, 4, 5: three of three again.
  EXPECT_TRUE(drv.Step(kT0 + absl::Minutes(6), {{"tasks", 80}}).rescale);
}

TEST(Alarm, ExplainNamesTheAlarmAndItsDatapoints) {
  ScalableTargetSpec spec = Target(1, 30);
  spec.target_tracking.push_back(Tracking("cpu-like", "tasks", 70));
  Driver drv = Make(spec, 2);
  for (int m = 0; m < 3; ++m) drv.Step(kT0 + absl::Minutes(m), {{"tasks", 80}});
  Decision d = drv.Step(kT0 + absl::Minutes(3), {{"tasks", 80}});
  ASSERT_TRUE(d.rescale);
  EXPECT_THAT(d.Explain(), HasSubstr("cpu-like AlarmHigh 3/3 datapoints tasks > 70"));
  EXPECT_THAT(d.Explain(), HasSubstr("ceil(2 x 80 / 70) = 3"));
}

// --- Cooldowns ------------------------------------------------------------

TEST(Cooldown, ScaleOutCooldownLetsOnlyALargerScaleOutThrough) {
  ScalableTargetSpec spec = Target(1, 30);
  spec.target_tracking.push_back(
      Tracking("tt", "tasks", 70, absl::Seconds(300), absl::Seconds(300)));
  Driver drv = Make(spec, 2);
  for (int m = 0; m < 3; ++m) drv.Step(kT0 + absl::Minutes(m), {{"tasks", 80}});
  Decision d = drv.Step(kT0 + absl::Minutes(3), {{"tasks", 80}});
  ASSERT_TRUE(d.rescale);
  EXPECT_EQ(d.desired_replicas, 3);
  // Still in ALARM at 04:00; counted from the 2 before the scale-out the
  // proposal is 3 again, which is not larger: held.
  d = drv.Step(kT0 + absl::Minutes(4), {{"tasks", 150}});
  EXPECT_FALSE(d.rescale);
  EXPECT_THAT(d.family_note, HasSubstr("held by the scale-out cooldown"));
  // Minute 4 at 150: ceil(2 x 150 / 70) = 5 > 3, a larger scale-out.
  d = drv.Step(kT0 + absl::Minutes(5), {{"tasks", 150}});
  ASSERT_TRUE(d.rescale);
  EXPECT_EQ(d.desired_replicas, 5);
}

TEST(Cooldown, WithoutCooldownTheSameAlarmScalesFromTheNewCapacity) {
  ScalableTargetSpec spec = Target(1, 30);
  spec.target_tracking.push_back(Tracking("tt", "tasks", 70));
  Driver drv = Make(spec, 2);
  for (int m = 0; m <= 3; ++m) drv.Step(kT0 + absl::Minutes(m), {{"tasks", 80}});
  ASSERT_EQ(drv.current, 3);
  Decision d = drv.Step(kT0 + absl::Minutes(4), {{"tasks", 80}});
  EXPECT_TRUE(d.rescale);
  EXPECT_EQ(d.desired_replicas, 4);  // ceil(3 x 80 / 70)
}

TEST(Cooldown, ScaleInWaitsForTheScaleOutCooldownToEnd) {
  ScalableTargetSpec spec = Target(1, 30);
  spec.target_tracking.push_back(
      Tracking("tt", "tasks", 70, absl::Seconds(1800), absl::ZeroDuration()));
  Driver drv = Make(spec, 2);
  for (int m = 0; m < 3; ++m) drv.Step(kT0 + absl::Minutes(m), {{"tasks", 80}});
  ASSERT_TRUE(drv.Step(kT0 + absl::Minutes(3), {{"tasks", 30}}).rescale);  // 03:00 -> 3
  // Minutes 3..17 below 63 close at 18:00: AlarmLow, held until 03:00 + 30 min.
  int first_in = -1;
  bool saw_hold = false;
  for (int m = 4; m <= 40 && first_in < 0; ++m) {
    Decision d = drv.Step(kT0 + absl::Minutes(m), {{"tasks", 30}});
    if (d.family_note.find("held by the scale-out cooldown") != std::string::npos) {
      saw_hold = true;
    }
    if (d.rescale) first_in = m;
  }
  EXPECT_TRUE(saw_hold);
  EXPECT_EQ(first_in, 33);  // the cooldown ends exactly at 33:00
  EXPECT_EQ(drv.current, 1);  // floor(3 x 30 / 70) = 1
}

TEST(Cooldown, ScaleInCooldownHoldsScaleInButNotScaleOut) {
  ScalableTargetSpec spec = Target(1, 30);
  spec.target_tracking.push_back(
      Tracking("tt", "tasks", 70, absl::ZeroDuration(), absl::Seconds(600)));
  Driver drv = Make(spec, 10);
  int m = 0;
  for (; m <= 15; ++m) drv.Step(kT0 + absl::Minutes(m), {{"tasks", 62}});
  ASSERT_EQ(drv.current, 8);  // at 15:00
  Decision d = drv.Step(kT0 + absl::Minutes(16), {{"tasks", 62}});
  EXPECT_FALSE(d.rescale);
  EXPECT_THAT(d.family_note, HasSubstr("held by the scale-in cooldown (540 s left)"));
  for (m = 17; m <= 19; ++m) drv.Step(kT0 + absl::Minutes(m), {{"tasks", 200}});
  // Minutes 17, 18, 19 at 200 close at 20:00, inside the scale-in cooldown
  // (until 25:00): the scale-out happens at once.
  d = drv.Step(kT0 + absl::Minutes(20), {{"tasks", 200}});
  ASSERT_TRUE(d.rescale);
  EXPECT_EQ(d.desired_replicas, 23);  // ceil(8 x 200 / 70)
}

TEST(Cooldown, DisableScaleInNeverScalesIn) {
  ScalableTargetSpec spec = Target(1, 30);
  spec.target_tracking.push_back(Tracking("tt", "tasks", 70));
  spec.target_tracking[0].disable_scale_in = true;
  Driver drv = Make(spec, 10);
  for (int m = 0; m <= 40; ++m) {
    EXPECT_FALSE(drv.Step(kT0 + absl::Minutes(m), {{"tasks", 5}}).rescale) << m;
  }
}

// --- Several target tracking policies on one target ----------------------

struct MultiCase {
  std::string name;
  int32_t current;
  double a, b;  // values of metrics a (target 70) and b (target 100)
  bool b_disable_scale_in;
  int32_t want;  // capacity after 20 minutes
  std::string note;
};

class MultiPolicyTest : public ::testing::TestWithParam<MultiCase> {};

TEST_P(MultiPolicyTest, Combination) {
  const MultiCase& c = GetParam();
  ScalableTargetSpec spec = Target(1, 30);
  spec.target_tracking.push_back(Tracking("pa", "a", 70));
  spec.target_tracking.push_back(Tracking("pb", "b", 100));
  spec.target_tracking[1].disable_scale_in = c.b_disable_scale_in;
  Driver drv = Make(spec, c.current);
  std::string note;
  for (int m = 0; m <= 20; ++m) {
    Decision d = drv.Step(kT0 + absl::Minutes(m), {{"a", c.a}, {"b", c.b}});
    if (d.rescale) {
      note = d.family_note;
      break;
    }
  }
  EXPECT_EQ(drv.current, c.want);
  EXPECT_THAT(note, HasSubstr(c.note));
}

INSTANTIATE_TEST_SUITE_P(
    Combine, MultiPolicyTest,
    ::testing::ValuesIn(std::vector<MultiCase>{
        {"one_high_scales_out", 2, 80, 10, false, 3, "pa AlarmHigh"},
        // pa asks ceil(2 x 80 / 70) = 3, pb ceil(2 x 200 / 100) = 4.
        {"largest_scale_out_wins", 2, 80, 200, false, 4, "pb AlarmHigh"},
        // pb at 95 is in neither alarm: no scale-in.
        {"scale_in_needs_every_policy", 10, 30, 95, false, 10, ""},
        // pa asks floor(10 x 35 / 70) = 5, pb floor(10 x 60 / 100) = 6.
        {"all_low_the_largest_capacity_wins", 10, 35, 60, false, 6, "AlarmLow"},
        // pb does not scale in, so it has no say in scale-in.
        {"disabled_policy_has_no_vote", 10, 35, 95, true, 5, "pa AlarmLow"},
    }),
    [](const auto& info) { return info.param.name; });

// --- Step scaling -----------------------------------------------------------

StepScalingPolicy Step(int evaluation_periods, int datapoints, Statistic aggregation) {
  StepScalingPolicy p;
  p.name = "burst";
  p.adjustment_type = AdjustmentType::kChangeInCapacity;
  p.steps = {{0.0, 10.0, 1}, {10.0, std::nullopt, 3}};
  p.aggregation = aggregation;
  p.cooldown = absl::Seconds(300);
  p.alarm.name = "queue-high";
  p.alarm.metric = Custom("queue");
  p.alarm.threshold = 70;
  p.alarm.comparison = ComparisonOperator::kGreaterThanThreshold;
  p.alarm.evaluation_periods = evaluation_periods;
  p.alarm.datapoints_to_alarm = datapoints;
  return p;
}

TEST(StepScaling, DuringCooldownOnlyTheDifferenceOfALargerStepIsAdded) {
  ScalableTargetSpec spec = Target(1, 30);
  spec.step_scaling.push_back(Step(1, 1, Statistic::kAverage));
  Driver drv = Make(spec, 2);
  drv.Step(kT0, {{"queue", 75}});
  Decision d = drv.Step(kT0 + absl::Minutes(1), {{"queue", 85}});
  ASSERT_TRUE(d.rescale);
  EXPECT_EQ(d.desired_replicas, 3);  // 75: step [0, 10) adds 1
  d = drv.Step(kT0 + absl::Minutes(2), {{"queue", 85}});
  ASSERT_TRUE(d.rescale);  // 85: step [10, inf) adds 3 to the 2 before: 5
  EXPECT_EQ(d.desired_replicas, 5);
  d = drv.Step(kT0 + absl::Minutes(3), {{"queue", 85}});
  EXPECT_FALSE(d.rescale);  // the same step again: 2 + 3 is not above 5
  EXPECT_THAT(d.family_note, HasSubstr("held by the cooldown"));
  // After the cooldown (300 s from 02:00) the step adds to the current 5.
  d = drv.Step(kT0 + absl::Minutes(7), {{"queue", 85}});
  EXPECT_FALSE(d.rescale);  // minutes 3..6 had readings only at 03:00
  d = drv.Step(kT0 + absl::Minutes(8), {{"queue", 85}});
  ASSERT_TRUE(d.rescale);
  EXPECT_EQ(d.desired_replicas, 8);
}

struct AggregationCase {
  std::string name;
  Statistic aggregation;
  int32_t want;
};

class StepAggregationTest : public ::testing::TestWithParam<AggregationCase> {};

TEST_P(StepAggregationTest, AppliesToTheAlarmsDatapoints) {
  ScalableTargetSpec spec = Target(1, 30);
  spec.step_scaling.push_back(Step(3, 2, GetParam().aggregation));
  Driver drv = Make(spec, 2);
  drv.Step(kT0, {{"queue", 60}});
  drv.Step(kT0 + absl::Minutes(1), {{"queue", 75}});
  drv.Step(kT0 + absl::Minutes(2), {{"queue", 95}});
  Decision d = drv.Step(kT0 + absl::Minutes(3), {{"queue", 95}});  // 2 of 3 above 70
  EXPECT_TRUE(d.rescale);
  EXPECT_EQ(drv.current, GetParam().want);
}

INSTANTIATE_TEST_SUITE_P(
    Aggregation, StepAggregationTest,
    ::testing::ValuesIn(std::vector<AggregationCase>{
        {"average_76_67_takes_the_first_step", Statistic::kAverage, 3},
        {"maximum_95_takes_the_second_step", Statistic::kMaximum, 5},
    }),
    [](const auto& info) { return info.param.name; });

TEST(StepScaling, OneOfThreeAboveIsNotInAlarm) {
  ScalableTargetSpec spec = Target(1, 30);
  spec.step_scaling.push_back(Step(3, 2, Statistic::kMaximum));
  Driver drv = Make(spec, 2);
  drv.Step(kT0, {{"queue", 60}});
  drv.Step(kT0 + absl::Minutes(1), {{"queue", 60}});
  drv.Step(kT0 + absl::Minutes(2), {{"queue", 95}});
  EXPECT_FALSE(drv.Step(kT0 + absl::Minutes(3), {{"queue", 60}}).rescale);
}

// --- Scheduled actions ----------------------------------------------------

TEST(Scheduled, WorkdayMinimumFollowsBerlinAcrossTheSpringChange) {
  ScalableTargetSpec spec = Target(2, 10);
  spec.target_tracking.push_back(Tracking("tt", "tasks", 70));
  ScheduledAction up;
  up.name = "workday";
  up.schedule = "cron(0 8 ? * MON-FRI *)";
  up.timezone = "Europe/Berlin";
  up.min_capacity = 5;
  ScheduledAction down = up;
  down.name = "evening";
  down.schedule = "cron(0 20 ? * MON-FRI *)";
  down.min_capacity = 2;
  spec.scheduled_actions = {up, down};
  Driver drv = Make(spec, 2);
  // Friday 2026-03-27 05:00Z to Tuesday 2026-03-31 00:00Z, each minute;
  // Berlin moves from UTC+1 to UTC+2 on Sunday the 29th.
  std::vector<std::string> changes;
  int32_t min = drv.policy->min_replicas();
  const absl::Time start = PolicyUtc("2026-03-27T05:00:00Z");
  const absl::Time end = PolicyUtc("2026-03-31T00:00:00Z");
  for (absl::Time t = start; t < end; t += absl::Minutes(1)) {
    Decision d = drv.Step(t, {{"tasks", 66}});
    if (drv.policy->min_replicas() != min) {
      min = drv.policy->min_replicas();
      changes.push_back(absl::StrCat(TimeText(t), " min ", min));
      if (min == 5 && changes.size() == 1) {
        EXPECT_TRUE(d.rescale);
        EXPECT_EQ(d.desired_replicas, 5);
        EXPECT_THAT(d.family_note, HasSubstr("scheduled action workday"));
      }
    }
  }
  EXPECT_THAT(changes, ::testing::ElementsAre(
                           "2026-03-27T07:00:00Z min 5", "2026-03-27T19:00:00Z min 2",
                           "2026-03-30T06:00:00Z min 5", "2026-03-30T18:00:00Z min 2"));
}

TEST(Scheduled, MaxBelowCurrentScalesInAtOnceIgnoringCooldowns) {
  ScalableTargetSpec spec = Target(2, 10);
  spec.target_tracking.push_back(
      Tracking("tt", "tasks", 70, absl::Seconds(3600), absl::Seconds(3600)));
  ScheduledAction cap;
  cap.name = "night-cap";
  cap.schedule = "at(2026-03-02T12:05:00)";
  cap.max_capacity = 4;
  spec.scheduled_actions = {cap};
  Driver drv = Make(spec, 8);
  for (int m = 0; m < 5; ++m) EXPECT_FALSE(drv.Step(kT0 + absl::Minutes(m), {{"tasks", 66}}).rescale);
  Decision d = drv.Step(kT0 + absl::Minutes(5), {{"tasks", 66}});
  ASSERT_TRUE(d.rescale);
  EXPECT_EQ(d.desired_replicas, 4);
  EXPECT_EQ(drv.policy->max_replicas(), 4);
}

// --- Bounds, time and state -------------------------------------------------

TEST(Decide, RefusesTimesOutsideTheAcceptedRangeBeforeTouchingState) {
  ScalableTargetSpec spec = Target(1, 30);
  spec.target_tracking.push_back(Tracking("tt", "tasks", 70));
  Driver drv = Make(spec, 2);
  drv.Step(kT0, {{"tasks", 80}});
  const PolicyState before = drv.policy->ExportPolicyState();
  Decision d;
  for (absl::Time bad : {absl::InfiniteFuture(), absl::InfinitePast(),
                         LatestTime() + absl::Nanoseconds(1)}) {
    EXPECT_THAT(drv.policy->Decide(bad, Obs(2, {{"tasks", 80}}, kT0), &d),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("accepted times")));
  }
  EXPECT_THAT(drv.policy->Decide(kT0 - absl::Seconds(1), Obs(2, {{"tasks", 80}}, kT0), &d),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("before the last")));
  EXPECT_THAT(drv.policy->Decide(kT0 + absl::Seconds(1), Obs(2, {{"nope", 1}}, kT0), &d),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a metric")));
  EXPECT_EQ(drv.policy->ExportPolicyState(), before);
}

TEST(Decide, OutsideTheRangeGoesToItAtOnce) {
  ScalableTargetSpec spec = Target(3, 6);
  spec.target_tracking.push_back(Tracking("tt", "tasks", 70));
  Driver low = Make(spec, 1);
  Decision d = low.Step(kT0, {{"tasks", 66}});
  EXPECT_EQ(d.desired_replicas, 3);
  Driver high = Make(spec, 9);
  d = high.Step(kT0, {{"tasks", 66}});
  EXPECT_EQ(d.desired_replicas, 6);
  EXPECT_THAT(d.family_note, HasSubstr("above MaxCapacity 6"));
}

TEST(Decide, CommitTakesOnlyTheLatestRescale) {
  ScalableTargetSpec spec = Target(3, 6);
  spec.target_tracking.push_back(Tracking("tt", "tasks", 70));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ScalableTargetPolicy> p,
                       ScalableTargetPolicy::Create(spec));
  Decision d;
  ASSERT_THAT(p->Decide(kT0, Obs(1, {}, kT0), &d), IsOk());
  Decision hold;
  ASSERT_THAT(p->Decide(kT0 + absl::Seconds(10), Obs(3, {}, kT0), &hold), IsOk());
  EXPECT_THAT(p->Commit(d), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(State, JsonRoundTripContinuesTheSameWay) {
  ScalableTargetSpec spec = Target(1, 30);
  spec.target_tracking.push_back(
      Tracking("tt", "tasks", 70, absl::Seconds(300), absl::Seconds(300)));
  spec.step_scaling.push_back(Step(3, 2, Statistic::kMaximum));
  ScheduledAction a;
  a.name = "later";
  a.schedule = "rate(1 hour)";
  a.min_capacity = 2;
  spec.scheduled_actions.push_back(a);
  Driver one = Make(spec, 2);
  for (int m = 0; m < 3; ++m) one.Step(kT0 + absl::Minutes(m), {{"tasks", 80}, {"queue", 50}});
  one.Step(kT0 + absl::Minutes(2) + absl::Seconds(30), {{"tasks", 90}, {"queue", 50}});
  const std::string saved = PolicyStateToJson(one.policy->ExportPolicyState());
  Driver two = Make(spec, one.current);
  ASSERT_OK_AND_ASSIGN(PolicyState back, PolicyStateFromJson(saved));
  ASSERT_THAT(two.policy->ImportPolicyState(back), IsOk());
  EXPECT_EQ(two.policy->ExportPolicyState(), one.policy->ExportPolicyState());
  // Minute 2 averaged 80 and 90 in both; both fire at 03:00 alike.
  Decision d1 = one.Step(kT0 + absl::Minutes(3), {{"tasks", 80}, {"queue", 50}});
  Decision d2 = two.Step(kT0 + absl::Minutes(3), {{"tasks", 80}, {"queue", 50}});
  EXPECT_TRUE(d1.rescale);
  EXPECT_EQ(d1.desired_replicas, d2.desired_replicas);
  EXPECT_EQ(d1.family_note, d2.family_note);
  EXPECT_THAT(d1.family_note, HasSubstr("(latest 85)"));
  EXPECT_EQ(two.policy->ExportPolicyState(), one.policy->ExportPolicyState());
}

TEST(State, ImportRefusesAnotherShape) {
  ScalableTargetSpec spec = Target(1, 30);
  spec.target_tracking.push_back(Tracking("tt", "tasks", 70));
  Driver drv = Make(spec, 2);
  PolicyState s = drv.policy->ExportPolicyState();
  s.state_json = R"({"min": 1, "max": 30, "metrics": [], "scheduled": []})";
  EXPECT_THAT(drv.policy->ImportPolicyState(s),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("metrics")));
  s.family = "hpa";
  EXPECT_THAT(drv.policy->ImportPolicyState(s), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(State, NothingMayBeLaterThanTheLastDecision) {
  ScalableTargetSpec spec = Target(1, 30);
  spec.target_tracking.push_back(
      Tracking("tt", "tasks", 70, absl::Seconds(300), absl::Seconds(300)));
  Driver drv = Make(spec, 2);
  for (int m = 0; m <= 3; ++m) drv.Step(kT0 + absl::Minutes(m), {{"tasks", 80}});
  ASSERT_EQ(drv.current, 3);  // a scale-out at 12:03
  const PolicyState good = drv.policy->ExportPolicyState();
  ASSERT_THAT(good.state_json, HasSubstr("2026-03-02T12:03:00"));
  Driver fresh = Make(spec, 3);
  ASSERT_THAT(fresh.policy->ImportPolicyState(good), IsOk());
  // A scale-out later than the last decision: refused, state untouched.
  PolicyState bad = good;
  bad.state_json = absl::StrReplaceAll(
      good.state_json, {{R"("time":"2026-03-02T12:03:00+00:00")", R"("time":"2262-01-01T00:00:00+00:00")"}});
  ASSERT_NE(bad.state_json, good.state_json);
  EXPECT_THAT(fresh.policy->ImportPolicyState(bad),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("scale_out.time")));
  // A time outside the accepted range: refused.
  bad.state_json = absl::StrReplaceAll(
      good.state_json, {{R"("last_decide":"2026-03-02T12:03:00+00:00")",
                         R"("last_decide":"9999-01-01T00:00:00+00:00")"}});
  ASSERT_NE(bad.state_json, good.state_json);
  EXPECT_THAT(fresh.policy->ImportPolicyState(bad), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(fresh.policy->ExportPolicyState(), good);
}

TEST(Metrics, CpuUtilizationIsUsageOverRequests) {
  ScalableTargetSpec spec = Target(1, 30);
  TargetTrackingPolicy p;
  p.name = "cpu";
  p.target_value = 50;
  p.metric = *PredefinedMetric("ECSServiceAverageCPUUtilization");
  p.scale_out_cooldown = p.scale_in_cooldown = absl::ZeroDuration();
  spec.target_tracking.push_back(p);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ScalableTargetPolicy> pol,
                       ScalableTargetPolicy::Create(spec));
  ASSERT_EQ(pol->metrics().size(), 1u);
  EXPECT_EQ(pol->metrics()[0].target.average_utilization, 50);
  Decision d;
  Observation obs;
  obs.current_replicas = 2;
  obs.AddReadyPods(2);
  for (hpa::Pod& pod : obs.pods) pod.containers.push_back({"app", {int64_t{500}, {}}, false});
  MetricObservation& m = obs.AddMetric("cpu");
  m.pod_samples.push_back({"agent-0", 400, kT0});  // 400 of 500 millicores
  m.pod_samples.push_back({"agent-1", 200, kT0});
  ASSERT_THAT(pol->Decide(kT0, obs, &d), IsOk());
  ASSERT_TRUE(d.metrics[0].valid);
  EXPECT_EQ(d.metrics[0].value_milli, 60000);  // 600 / 1000 = 60 %
}

#if AGENTSCALE_COUNTS_ALLOCATIONS
TEST(HotPath, DecideAllocatesNothingInSteadyState) {
  ScalableTargetSpec spec = Target(1, 30);
  spec.target_tracking.push_back(
      Tracking("tt", "tasks", 70, absl::Seconds(300), absl::Seconds(300)));
  spec.target_tracking.push_back(Tracking("tt2", "other", 100));
  spec.step_scaling.push_back(Step(3, 2, Statistic::kMaximum));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ScalableTargetPolicy> p,
                       ScalableTargetPolicy::Create(spec));
  const Observation obs = Obs(5, {{"tasks", 66}, {"other", 95}, {"queue", 50}}, kT0);
  Decision d;
  // Warm up: every kind of note once.
  for (int s = 0; s < 600; s += 15) {
    ASSERT_THAT(p->Decide(kT0 + absl::Seconds(s), obs, &d), IsOk());
  }
  agentscale_testing::g_allocations = 0;
  agentscale_testing::g_counting = true;
  for (int s = 600; s < 6000; s += 15) {
    (void)p->Decide(kT0 + absl::Seconds(s), obs, &d);
  }
  agentscale_testing::g_counting = false;
  EXPECT_EQ(agentscale_testing::g_allocations, 0u);
  EXPECT_FALSE(d.rescale);
  // At MaxCapacity with AlarmHigh firing every minute: the note formats
  // the alarm, the formula and the clamp each time.
  const Observation high = Obs(30, {{"tasks", 80.5}, {"other", 95}, {"queue", 50}}, kT0);
  for (int s = 6000; s < 6600; s += 15) {
    ASSERT_THAT(p->Decide(kT0 + absl::Seconds(s), high, &d), IsOk());
  }
  int clamped = 0;
  agentscale_testing::g_allocations = 0;
  agentscale_testing::g_counting = true;
  for (int s = 6600; s < 12000; s += 15) {
    (void)p->Decide(kT0 + absl::Seconds(s), high, &d);
    if (d.family_note.find("AlarmHigh 3/3") != std::string::npos &&
        d.family_note.find("clamped") != std::string::npos) {
      ++clamped;
    }
  }
  agentscale_testing::g_counting = false;
  EXPECT_EQ(agentscale_testing::g_allocations, 0u);
  EXPECT_FALSE(d.rescale);
  EXPECT_EQ(clamped, (12000 - 6600) / 60);  // one evaluation a minute
}
#endif

}  // namespace
}  // namespace agentscale::aws
