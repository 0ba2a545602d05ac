// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Stabilization, rate limits and scale events (spec §6, §7), table-driven,
// at the edges the spec names.

#include "agentscale/hpa/normalize.h"

#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace agentscale::hpa {
namespace {

using ::testing::ElementsAre;

const absl::Time kNow = absl::FromCivil(absl::CivilSecond(2026, 3, 1, 12, 0, 0),
                                        absl::UTCTimeZone());

Recommendation Rec(int32_t replicas, int seconds_ago) {
  return Recommendation{replicas, kNow - absl::Seconds(seconds_ago)};
}
ScaleEvent Ev(int32_t change, int seconds_ago) {
  return ScaleEvent{change, kNow - absl::Seconds(seconds_ago), false};
}
ScalingRules Rules(SelectPolicy select, std::vector<ScalingPolicy> policies) {
  ScalingRules r;
  r.select_policy = select;
  r.policies = std::move(policies);
  return r;
}
ScalingPolicy Pods(int32_t v, int period_s) {
  return {PolicyType::kPods, v, absl::Seconds(period_s)};
}
ScalingPolicy Percent(int32_t v, int period_s) {
  return {PolicyType::kPercent, v, absl::Seconds(period_s)};
}

// ---------------------------------------------------------------------------

struct StabilizeCase {
  std::string name;
  int up_window_s;
  int down_window_s;
  int32_t current;
  int32_t desired;
  std::vector<Recommendation> history;
  int32_t want;
  std::vector<int32_t> want_history;
};

class StabilizeWithBehaviorTest : public ::testing::TestWithParam<StabilizeCase> {};

TEST_P(StabilizeWithBehaviorTest, Clamps) {
  const StabilizeCase& c = GetParam();
  std::vector<Recommendation> h = c.history;
  EXPECT_EQ(StabilizeWithBehavior(kNow, absl::Seconds(c.up_window_s),
                                  absl::Seconds(c.down_window_s), c.current,
                                  c.desired, &h),
            c.want);
  std::vector<int32_t> got;
  for (const Recommendation& r : h) got.push_back(r.replicas);
  EXPECT_EQ(got, c.want_history);
}

std::vector<StabilizeCase> StabilizeCases() {
  return {
      // §11's worked example: 9 within the down window holds 10 -> 9; the
      // entry at -400 s is old and is overwritten with the raw 8.
      {"WorkedExample", 0, 300, 10, 8, {Rec(9, 120), Rec(10, 400)}, 9, {9, 8}},
      {"UpWindowTakesMinimum", 60, 300, 3, 8, {Rec(4, 30), Rec(6, 45)}, 4, {4, 6, 8}},
      // Recommendations that move against the current size keep it.
      {"AgainstCurrentHolds", 60, 300, 5, 8, {Rec(3, 30)}, 5, {3, 8}},
      // An entry exactly at the cutoff is neither inside nor old.
      {"CutoffIsExclusive", 0, 300, 10, 4, {Rec(9, 300)}, 4, {9, 4}},
      {"ZeroWindowsExcludeEverything", 0, 0, 10, 4, {Rec(9, 0)}, 4, {9, 4}},
      // Only the last old entry is reused.
      {"LastOldEntryReused", 0, 60, 10, 7, {Rec(1, 500), Rec(2, 400), Rec(8, 30)}, 8,
       {1, 7, 8}},
  };
}

INSTANTIATE_TEST_SUITE_P(
    Normalize, StabilizeWithBehaviorTest, ::testing::ValuesIn(StabilizeCases()),
    [](const ::testing::TestParamInfo<StabilizeCase>& i) { return i.param.name; });

TEST(StabilizeLegacy, MaxAlsoLiftsScaleUp) {
  std::vector<Recommendation> h = {Rec(9, 100)};
  // desired 6 > current, but a recent 9 raises it: the legacy window is a max.
  EXPECT_EQ(StabilizeLegacy(kNow, absl::Minutes(5), 6, &h), 9);
  EXPECT_EQ(h.size(), 2u);
}

TEST(StabilizeLegacy, OldEntryReplaced) {
  std::vector<Recommendation> h = {Rec(9, 400), Rec(3, 100)};
  EXPECT_EQ(StabilizeLegacy(kNow, absl::Minutes(5), 2, &h), 3);
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].replicas, 2);
  EXPECT_EQ(h[0].timestamp, kNow);
}

// ---------------------------------------------------------------------------

struct LegacyRulesCase {
  std::string name;
  int32_t current, desired, min, max;
  Limited want;
};

class LegacyRulesTest : public ::testing::TestWithParam<LegacyRulesCase> {};

TEST_P(LegacyRulesTest, Clamps) {
  const LegacyRulesCase& c = GetParam();
  Limited got = ConvertWithLegacyRules(c.current, c.desired, c.min, c.max, 2.0, 4.0);
  EXPECT_EQ(got.replicas, c.want.replicas);
  EXPECT_EQ(got.reason, c.want.reason);
}

INSTANTIATE_TEST_SUITE_P(
    Normalize, LegacyRulesTest,
    ::testing::ValuesIn(std::vector<LegacyRulesCase>{
        {"Within", 3, 5, 1, 10, {5, Reason::kDesiredWithinRange}},
        {"ScaleUpLimitIsDoubleOrFour", 3, 50, 1, 100, {6, Reason::kScaleUpLimit}},
        {"ScaleUpLimitMinimumFour", 1, 50, 1, 100, {4, Reason::kScaleUpLimit}},
        {"MaxBelowLimit", 5, 50, 1, 8, {8, Reason::kTooManyReplicas}},
        // The min check comes first and ignores the up-limit.
        {"MinFirst", 1, 0, 9, 20, {9, Reason::kTooFewReplicas}},
    }),
    [](const ::testing::TestParamInfo<LegacyRulesCase>& i) { return i.param.name; });

// ---------------------------------------------------------------------------

struct LimitCase {
  std::string name;
  int32_t current;
  ScalingRules rules;
  std::vector<ScaleEvent> up, down;
  int32_t want_up;
  int32_t want_down;
};

class PolicyLimitTest : public ::testing::TestWithParam<LimitCase> {};

TEST_P(PolicyLimitTest, Limits) {
  const LimitCase& c = GetParam();
  EXPECT_EQ(ScaleUpLimit(kNow, c.current, c.up, c.down, c.rules), c.want_up);
  EXPECT_EQ(ScaleDownLimit(kNow, c.current, c.up, c.down, c.rules), c.want_down);
}

std::vector<LimitCase> LimitCases() {
  return {
      // Percent: ceil going up (3 x 1.5 = 4.5 -> 5), truncation going down
      // (3 x 0.5 = 1.5 -> 1).
      {"PercentCeilUpTruncDown", 3, Rules(SelectPolicy::kMax, {Percent(50, 60)}), {}, {}, 5, 1},
      // 10 x 0.85 = 8.5: down truncates to 8 (ceil would say 9).
      {"PercentDownTruncates", 10, Rules(SelectPolicy::kMax, {Percent(15, 60)}), {}, {}, 12, 8},
      {"MaxPicksLargestChange", 10,
       Rules(SelectPolicy::kMax, {Pods(4, 60), Percent(100, 60)}), {}, {}, 20, 0},
      {"MinPicksSmallestChange", 10,
       Rules(SelectPolicy::kMin, {Pods(4, 60), Percent(100, 60)}), {}, {}, 14, 6},
      {"DisabledIsCurrent", 10, Rules(SelectPolicy::kDisabled, {Pods(4, 60)}), {}, {}, 10, 10},
      // periodStart = current - added + deleted, from both lists.
      {"BothEventListsCount", 10, Rules(SelectPolicy::kMax, {Pods(2, 60)}),
       {Ev(3, 10)}, {Ev(1, 20)}, 10, 6},
      // Events at exactly now - period are outside the period.
      {"EventAtPeriodStartIsOutside", 10, Rules(SelectPolicy::kMax, {Pods(2, 60)}),
       {Ev(3, 60)}, {}, 12, 8},
      {"NoPoliciesNeverMoves", 10, Rules(SelectPolicy::kMax, {}), {}, {}, INT32_MIN,
       INT32_MAX},
  };
}

INSTANTIATE_TEST_SUITE_P(
    Normalize, PolicyLimitTest, ::testing::ValuesIn(LimitCases()),
    [](const ::testing::TestParamInfo<LimitCase>& i) { return i.param.name; });

TEST(ConvertWithBehaviorRate, LimitClampedToCurrentNeverReverses) {
  // 6 pods were added in the last 60 s under a 2-per-60 s policy: the limit
  // (10 - 6 + 2 = 6) is below current, so it is clamped to current (no
  // forced scale-down), and the scale-up is held.
  Limited l = ConvertWithBehaviorRate(kNow, 10, 15, 1, 20,
                                      Rules(SelectPolicy::kMax, {Pods(2, 60)}),
                                      Rules(SelectPolicy::kMax, {Pods(1, 60)}),
                                      {Ev(6, 30)}, {});
  EXPECT_EQ(l.replicas, 10);
  EXPECT_EQ(l.reason, Reason::kScaleUpLimit);
}

TEST(ConvertWithBehaviorRate, DownUsesMinNotMaxAndUpUsesMaxNotMin) {
  const ScalingRules wide = Rules(SelectPolicy::kMax, {Percent(100, 15)});
  Limited down = ConvertWithBehaviorRate(kNow, 5, 1, 3, 10, wide, wide, {}, {});
  EXPECT_EQ(down.replicas, 3);
  EXPECT_EQ(down.reason, Reason::kTooFewReplicas);
  Limited up = ConvertWithBehaviorRate(kNow, 5, 40, 3, 10, wide, wide, {}, {});
  EXPECT_EQ(up.replicas, 10);
  EXPECT_EQ(up.reason, Reason::kTooManyReplicas);
  Limited same = ConvertWithBehaviorRate(kNow, 5, 5, 3, 10, wide, wide, {}, {});
  EXPECT_EQ(same.reason, Reason::kDesiredWithinRange);
}

TEST(StoreScaleEvent, ReusesLastOutdatedAndKeepsFlagSticky) {
  std::vector<ScaleEvent> events = {Ev(8, 29), Ev(7, 61), Ev(9, 61)};
  StoreScaleEvent(kNow, Rules(SelectPolicy::kMax, {Pods(10, 60), Percent(100, 30)}), 10, 15,
                  &events);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[1].replica_change, 7);
  EXPECT_TRUE(events[1].outdated);
  EXPECT_EQ(events[2], (ScaleEvent{5, kNow, false}));
}

TEST(StoreScaleEvent, AppendsWhenNothingIsOutdated) {
  std::vector<ScaleEvent> events = {Ev(2, 10)};
  StoreScaleEvent(kNow, Rules(SelectPolicy::kMax, {Pods(1, 60)}), 10, 7, &events);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].replica_change, 3);
}

TEST(ReplicasChangeInPeriod, StrictlyAfterCutoff) {
  std::vector<ScaleEvent> events = {Ev(1, 61), Ev(2, 60), Ev(4, 59)};
  EXPECT_EQ(ReplicasChangeInPeriod(kNow, absl::Seconds(60), events), 4);
}

}  // namespace
}  // namespace agentscale::hpa
